/* sm_mark.c - the website mark's code, snippet and certificate number. */
#include <config.h>

#include "sm_mark.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_i18n.h"

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

sm_status
sm_mark_code(const char *division, int64_t serial, int seq,
             char out[SM_MARK_CODE_LEN + 1], sm_err *err)
{
	if (division == NULL || strlen(division) != 6 || !all_digits(division, 6))
		return sm_err_add(err, SM_E_INVALID, "division",
		    _("a mark needs a 6-digit division code"));
	if (serial < 1 || serial > 99999999)
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("unit serial %lld is outside 1..99999999"), (long long)serial);
	if (seq < 1 || seq > 9999)
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("the unit has used all 9999 mark numbers"));
	snprintf(out, SM_MARK_CODE_LEN + 1, "CA%.2s0%.2s00%.2s%08lld%04d",
	    division, division + 2, division + 4, (long long)serial, seq);
	return SM_OK;
}

bool
sm_mark_code_valid(const char *code)
{
	return code != NULL && strlen(code) == SM_MARK_CODE_LEN &&
	    code[0] == 'C' && code[1] == 'A' && all_digits(code + 2, 21) &&
	    code[4] == '0' && code[7] == '0' && code[8] == '0';
}

static bool
plain_url(const char *base)
{
	const char *host;
	if (base == NULL)
		return false;
	if (strncmp(base, "http://", 7) == 0)
		host = base + 7;
	else if (strncmp(base, "https://", 8) == 0)
		host = base + 8;
	else
		return false;
	if (*host == '\0' || *host == '/')
		return false; /* no host */
	for (const unsigned char *p = (const unsigned char *)base; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'<>\\`", *p))
			return false;
	return true;
}

/* BASE without its trailing slashes, as a length. */
static int
base_len(const char *base)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return (int)n;
}

char *
sm_mark_script_url(const char *base_url, const char *code)
{
	char *s = NULL;
	if (!plain_url(base_url) || !sm_mark_code_valid(code))
		return NULL;
	/* CA PP CCC DDDD UUUUUUUU NNNN: offsets 2, 4, 7, 11 */
	if (asprintf(&s, "%.*s/js/%.2s/%.3s/%.4s/%.8s/%s.js", base_len(base_url),
	    base_url, code + 2, code + 4, code + 7, code + 11, code) < 0)
		return NULL;
	return s;
}

char *
sm_mark_snippet(const char *base_url, const char *code)
{
	char *url = sm_mark_script_url(base_url, code), *s = NULL;
	if (url == NULL)
		return NULL;
	if (asprintf(&s, "<span id=\"_ideConac\"><script type=\"text/javascript\" "
	    "src=\"%s\"></script></span>", url) < 0)
		s = NULL;
	free(url);
	return s;
}

/* 32 upper-case hex digits, as sm_random_guid makes them. */
static bool
guid_valid(const char *guid)
{
	if (guid == NULL || strlen(guid) != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!((guid[i] >= '0' && guid[i] <= '9') || (guid[i] >= 'A' && guid[i] <= 'F')))
			return false;
	return true;
}

char *
sm_mark_show_url(const char *base_url, const char *guid)
{
	char *s = NULL;
	if (!plain_url(base_url) || !guid_valid(guid))
		return NULL;
	if (asprintf(&s, "%.*s/sitename?method=show&id=%s", base_len(base_url),
	    base_url, guid) < 0)
		return NULL;
	return s;
}

char *
sm_mark_redpage_url(const char *base_url, const char *guid)
{
	char *s = NULL;
	if (!plain_url(base_url) || !guid_valid(guid))
		return NULL;
	if (asprintf(&s, "%.*s/redpage/%s.html", base_len(base_url), base_url, guid) < 0)
		return NULL;
	return s;
}

char *
sm_mark_image_url(const char *base_url, const char *color)
{
	char *s = NULL;
	if (!plain_url(base_url) || color == NULL ||
	    (strcmp(color, "red") != 0 && strcmp(color, "blue") != 0 &&
	    strcmp(color, "red_error") != 0 && strcmp(color, "blue_error") != 0))
		return NULL;
	if (asprintf(&s, "%.*s/image/%s.png", base_len(base_url), base_url, color) < 0)
		return NULL;
	return s;
}

const char *
sm_mark_color(const char *unit_type)
{
	return (unit_type && strcmp(unit_type, "organ") == 0) ? "red" : "blue";
}

sm_status
sm_mark_cert_no(int year, const char *division, int64_t serial, char out[15], sm_err *err)
{
	if (year < 2000 || year > 9999 || division == NULL || strlen(division) != 6 ||
	    !all_digits(division, 6) || serial < 1 || serial > 99999999)
		return sm_err_add(err, SM_E_INVALID, NULL,
		    _("cannot number the mark certificate"));
	snprintf(out, 15, "%04d%.2s%08lld", year, division, (long long)serial);
	return SM_OK;
}
