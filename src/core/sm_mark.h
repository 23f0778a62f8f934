/* sm_mark.h - the website mark: code, snippet, certificate number, colour
 * (domain.md §6).  Pure functions; the store generates marks inside the
 * issuing transaction with these. */
#ifndef SM_MARK_H
#define SM_MARK_H

#include <stdbool.h>
#include <stdint.h>

#include "sm_err.h"

/* "CA" + PP + CCC + DDDD + UUUUUUUU + NNNN */
#define SM_MARK_CODE_LEN 23

/* Compose the code from the unit's 6-digit DIVISION, its SERIAL (1..99999999)
 * and its mark sequence SEQ (1..9999) into OUT. */
sm_status sm_mark_code(const char *division, int64_t serial, int seq,
                       char out[SM_MARK_CODE_LEN + 1], sm_err *err);
/* Whether CODE has the shape of a mark code. */
bool sm_mark_code_valid(const char *code);

/* BASE/js/PP/CCC/DDDD/UUUUUUUU/CODE.js; malloc'd, NULL when BASE is not a
 * plain http(s) URL (quotes, angle brackets, spaces or controls refused). */
char *sm_mark_script_url(const char *base_url, const char *code);
/* The snippet a unit pastes before </body> (malloc'd, NULL as above):
 * <span id="_ideConac"><script type="text/javascript" src="..."></script></span> */
char *sm_mark_snippet(const char *base_url, const char *code);
/* BASE/sitename?method=show&id=GUID (malloc'd, NULL as above). */
char *sm_mark_show_url(const char *base_url, const char *guid);
/* BASE/image/red.png or blue.png, or red_error.png, blue_error.png for a
 * COLOR "red_error", "blue_error": a mark that no longer verifies (malloc'd,
 * NULL as above). */
char *sm_mark_image_url(const char *base_url, const char *color);
/* BASE/redpage/GUID.html: a unit's red page (malloc'd, NULL as above). */
char *sm_mark_redpage_url(const char *base_url, const char *guid);

/* "red" for organs, "blue" for institutions and social organisations. */
const char *sm_mark_color(const char *unit_type);

/* 标识证书编号: YYYY + PP + 8-digit registry-wide serial, into OUT (15 bytes). */
sm_status sm_mark_cert_no(int year, const char *division, int64_t serial,
                          char out[15], sm_err *err);

#endif
