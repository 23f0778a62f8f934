/* sm_text.h - UTF-8 text: screen cells and neutralising data for display.
 *
 * Vocabulary (after vifm's utf8.h): "len" counts bytes, "width" counts
 * screen cells (wcwidth: 2 for CJK, 1 for ASCII, 0 for combining marks).
 * All functions take UTF-8 and never split a character. */
#ifndef SM_TEXT_H
#define SM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Return a newly allocated copy of S (LEN bytes; LEN == (size_t)-1 means
 * strlen) that is safe to send to a terminal or put in an SMS or mail header:
 *   - C0 controls (0x00-0x1F except, when KEEP_NEWLINES, '\n') and DEL become
 *     caret notation: ESC -> "^[", CR -> "^M", BS -> "^H", TAB -> "^I";
 *   - C1 controls (U+0080-U+009F, including the CSI 0x9B as a character)
 *     become "<U+009B>";
 *   - bidi controls and other invisible format characters (U+200B-U+200F,
 *     U+202A-U+202E, U+2060-U+2069, U+FEFF, U+061C), the line and paragraph
 *     separators U+2028 and U+2029, the soft hyphen U+00AD, U+180E,
 *     U+FFF9-U+FFFB and the tag characters U+E0000-U+E007F become
 *     "<U+202E>" ("<U+E0001>");
 *   - bytes that are not valid UTF-8 become "\xNN" (one per byte).
 * Everything else is copied unchanged.  Never returns NULL except on ENOMEM. */
char *sm_text_neutralise(const char *s, size_t len, bool keep_newlines);

/* True for a character above U+007F that sm_text_neutralise shows as
 * "<U+XXXX>" (the C1 controls and the invisible characters above): what
 * another output (JSON's \uXXXX) must escape too. */
bool sm_text_cp_escaped(unsigned int cp);

/* True when S needs no neutralising. */
bool sm_text_is_clean(const char *s, bool keep_newlines);

/* True when S is valid UTF-8 (LEN bytes, (size_t)-1 means strlen). */
bool sm_text_valid_utf8(const char *s, size_t len);

/* A copy of S with every byte that is not part of valid UTF-8 written as
 * the text "\xNN" (as sm_text_neutralise shows it); IN_JSON: S is JSON
 * text, where such bytes stand only inside strings, and the backslash is
 * escaped there ("\\xNN", which reads as "\xNN").  NULL only on ENOMEM. */
char *sm_text_utf8_repair(const char *s, bool in_json);

/* Decode one character at S (at most LEN bytes); store it in *CP and return
 * its length in bytes, or 0 on invalid or truncated input. */
size_t sm_utf8_decode(const char *s, size_t len, unsigned int *cp);

/* Screen width of one code point (never negative: non-printables count 1
 * here because they are shown neutralised, combining marks 0). Uses wcwidth
 * when the locale is UTF-8, else an internal East Asian Wide table. */
int sm_text_cp_width(unsigned int cp);

/* Screen width of a (clean) UTF-8 string. */
size_t sm_text_width(const char *s);

/* Number of bytes of S that fit in MAX_WIDTH cells without splitting a
 * character; *WIDTH (if not NULL) receives the cells they take. */
size_t sm_text_fit(const char *s, size_t max_width, size_t *width);

/* Write into BUF (BUFSZ bytes) S clipped or padded with spaces to exactly
 * WIDTH cells.  When S is wider it is cut and ends with the ASCII ELLIPSIS
 * character ('>' or '~' as given; '\0' for none); a double-width character
 * that would straddle the edge is replaced by a space.  Returns BUF. */
char *sm_text_pad(char *buf, size_t bufsz, const char *s, size_t width, char ellipsis);

/* Byte offset of the character before / after byte offset POS in S. */
size_t sm_text_prev(const char *s, size_t pos);
size_t sm_text_next(const char *s, size_t pos);

/* A neutralised excerpt of S for messages: at most 64 bytes, cut with "..."
 * on a character boundary.  Never NULL (a static "?" when memory is short);
 * release it with sm_text_excerpt_free. */
char *sm_text_excerpt(const char *s);
void sm_text_excerpt_free(char *excerpt);

/* Trim ASCII and ideographic (U+3000) spaces at both ends, in place. */
char *sm_text_trim(char *s);

#endif
