/* sm_text.c - UTF-8 text: screen cells and neutralising data for display. */
#include <config.h>

#include "sm_text.h"

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct range {
	unsigned int lo, hi;
};

/* East Asian Wide and Fullwidth (Unicode EastAsianWidth.txt W/F), merged
 * into coarse blocks; used when the locale is not UTF-8 and wcwidth cannot
 * be asked. */
static const struct range wide_table[] = {
	{ 0x1100, 0x115F },   /* Hangul Jamo initial consonants */
	{ 0x231A, 0x231B },
	{ 0x2329, 0x232A },
	{ 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 },
	{ 0x23F3, 0x23F3 },
	{ 0x25FD, 0x25FE },
	{ 0x2614, 0x2615 },
	{ 0x2648, 0x2653 },
	{ 0x267F, 0x267F },
	{ 0x2693, 0x2693 },
	{ 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB },
	{ 0x26BD, 0x26BE },
	{ 0x26C4, 0x26C5 },
	{ 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 },
	{ 0x26EA, 0x26EA },
	{ 0x26F2, 0x26F3 },
	{ 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA },
	{ 0x26FD, 0x26FD },
	{ 0x2705, 0x2705 },
	{ 0x270A, 0x270B },
	{ 0x2728, 0x2728 },
	{ 0x274C, 0x274C },
	{ 0x274E, 0x274E },
	{ 0x2753, 0x2755 },
	{ 0x2757, 0x2757 },
	{ 0x2795, 0x2797 },
	{ 0x27B0, 0x27B0 },
	{ 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C },
	{ 0x2B50, 0x2B50 },
	{ 0x2B55, 0x2B55 },
	{ 0x2E80, 0x303E },   /* CJK radicals ... CJK symbols and punctuation */
	{ 0x3041, 0x33FF },   /* kana, bopomofo, Hangul compat, CJK compat */
	{ 0x3400, 0x4DBF },   /* CJK extension A */
	{ 0x4E00, 0x9FFF },   /* CJK unified ideographs */
	{ 0xA000, 0xA4CF },   /* Yi */
	{ 0xA960, 0xA97F },   /* Hangul Jamo extended A */
	{ 0xAC00, 0xD7A3 },   /* Hangul syllables */
	{ 0xF900, 0xFAFF },   /* CJK compatibility ideographs */
	{ 0xFE10, 0xFE19 },   /* vertical forms */
	{ 0xFE30, 0xFE6F },   /* CJK compatibility forms, small forms */
	{ 0xFF00, 0xFF60 },   /* fullwidth forms */
	{ 0xFFE0, 0xFFE6 },
	{ 0x16FE0, 0x16FE4 },
	{ 0x17000, 0x18CFF }, /* Tangut */
	{ 0x1B000, 0x1B2FF }, /* kana supplement, Nushu */
	{ 0x1F004, 0x1F004 },
	{ 0x1F0CF, 0x1F0CF },
	{ 0x1F18E, 0x1F18E },
	{ 0x1F191, 0x1F19A },
	{ 0x1F200, 0x1F251 },
	{ 0x1F300, 0x1F64F }, /* pictographs and emoticons (coarse) */
	{ 0x1F680, 0x1F6FF },
	{ 0x1F900, 0x1F9FF },
	{ 0x1FA70, 0x1FAFF },
	{ 0x20000, 0x2FFFD }, /* CJK extensions B.. */
	{ 0x30000, 0x3FFFD },
};

/* Combining marks and other zero-width characters (general categories Mn,
 * Me and the zero-width format characters), coarse. */
static const struct range zero_table[] = {
	{ 0x0300, 0x036F },
	{ 0x0483, 0x0489 },
	{ 0x0591, 0x05BD },
	{ 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 },
	{ 0x05C4, 0x05C5 },
	{ 0x05C7, 0x05C7 },
	{ 0x0610, 0x061A },
	{ 0x064B, 0x065F },
	{ 0x0670, 0x0670 },
	{ 0x06D6, 0x06DC },
	{ 0x06DF, 0x06E4 },
	{ 0x06E7, 0x06E8 },
	{ 0x06EA, 0x06ED },
	{ 0x0711, 0x0711 },
	{ 0x0730, 0x074A },
	{ 0x0E31, 0x0E31 },
	{ 0x0E34, 0x0E3A },
	{ 0x0E47, 0x0E4E },
	{ 0x0F71, 0x0F84 },
	{ 0x1160, 0x11FF },   /* Hangul Jamo medial vowels and finals */
	{ 0x1AB0, 0x1AFF },
	{ 0x1DC0, 0x1DFF },
	{ 0x200B, 0x200F },
	{ 0x202A, 0x202E },
	{ 0x2060, 0x2064 },
	{ 0x20D0, 0x20F0 },
	{ 0x302A, 0x302D },
	{ 0x3099, 0x309A },
	{ 0xFE00, 0xFE0F },   /* variation selectors */
	{ 0xFE20, 0xFE2F },
	{ 0xFEFF, 0xFEFF },
	{ 0xE0100, 0xE01EF },
};

static int
in_table(unsigned int cp, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;

	if (cp < t[0].lo || cp > t[n - 1].hi)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > t[mid].hi)
			lo = mid + 1;
		else if (cp < t[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

size_t
sm_utf8_decode(const char *s, size_t len, unsigned int *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int c, min;
	size_t n;

	if (s == NULL || len == 0)
		return 0;
	c = u[0];
	if (c < 0x80) {
		n = 1;
		min = 0;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	if (cp != NULL)
		*cp = c;
	return n;
}

bool
sm_text_valid_utf8(const char *s, size_t len)
{
	size_t i = 0;

	if (s == NULL)
		return false;
	if (len == (size_t)-1)
		len = strlen(s);
	while (i < len) {
		size_t n = sm_utf8_decode(s + i, len - i, NULL);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

char *
sm_text_utf8_repair(const char *s, bool in_json)
{
	size_t len = strlen(s), n = 0;
	char *out = malloc(5 * len + 1); /* each bad byte becomes "\xNN" ("\\xNN") */
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t k = sm_utf8_decode(s + i, len - i, NULL);
		if (k == 0) {
			n += (size_t)snprintf(out + n, 6, in_json ? "\\\\x%02X" : "\\x%02X",
			    (unsigned char)s[i]);
			i++;
		} else {
			memcpy(out + n, s + i, k);
			n += k;
			i += k;
		}
	}
	out[n] = '\0';
	return out;
}

/* Bidi controls and invisible format characters that are shown as <U+XXXX>. */
static int
is_format(unsigned int cp)
{
	/* Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt,
	 * what shows as nothing), the line and paragraph separators, and the
	 * interlinear annotation characters */
	return (cp >= 0x200B && cp <= 0x200F) ||
	    (cp >= 0x2028 && cp <= 0x202E) || /* line/paragraph separators, bidi */
	    (cp >= 0x2060 && cp <= 0x206F) ||
	    cp == 0xFEFF || cp == 0x061C ||
	    cp == 0x00AD ||                   /* soft hyphen */
	    cp == 0x034F ||                   /* combining grapheme joiner */
	    cp == 0x115F || cp == 0x1160 ||   /* Hangul fillers */
	    cp == 0x3164 || cp == 0xFFA0 ||
	    cp == 0x17B4 || cp == 0x17B5 ||   /* Khmer inherent vowels */
	    (cp >= 0x180B && cp <= 0x180F) || /* Mongolian selectors, separator */
	    (cp >= 0xFE00 && cp <= 0xFE0F) || /* variation selectors */
	    (cp >= 0xFFF0 && cp <= 0xFFF8) ||
	    (cp >= 0xFFF9 && cp <= 0xFFFB) || /* interlinear annotation */
	    (cp >= 0x1BCA0 && cp <= 0x1BCA3) || /* shorthand format controls */
	    (cp >= 0x1D173 && cp <= 0x1D17A) || /* musical format controls */
	    (cp >= 0xE0000 && cp <= 0xE0FFF); /* tags, variation selectors supplement */
}

/* How a character is shown: 0 as is, 'c' caret notation, 'u' <U+XXXX>. */
static int
classify(unsigned int cp, bool keep_newlines)
{
	if (cp < 0x20)
		return (cp == '\n' && keep_newlines) ? 0 : 'c';
	if (cp == 0x7F)
		return 'c';
	if (cp >= 0x80 && cp <= 0x9F)
		return 'u';
	if (is_format(cp))
		return 'u';
	return 0;
}

bool
sm_text_cp_escaped(unsigned int cp)
{
	return cp >= 0x80 && classify(cp, false) == 'u';
}

struct buf {
	char *p;
	size_t n, cap;
};

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (b->n + n + 1 > cap) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

char *
sm_text_neutralise(const char *s, size_t len, bool keep_newlines)
{
	struct buf b = { NULL, 0, 0 };
	size_t i = 0;

	if (s == NULL)
		s = "";
	if (len == (size_t)-1)
		len = strlen(s);
	if (buf_add(&b, "", 0) < 0)
		return NULL;
	while (i < len) {
		unsigned int cp;
		size_t n = sm_utf8_decode(s + i, len - i, &cp);
		char tmp[16];
		int r = 0;

		if (n == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02X", (unsigned char)s[i]);
			r = buf_add(&b, tmp, 4);
			n = 1;
		} else {
			switch (classify(cp, keep_newlines)) {
			case 'c':
				tmp[0] = '^';
				tmp[1] = cp == 0x7F ? '?' : (char)(cp + 0x40);
				r = buf_add(&b, tmp, 2);
				break;
			case 'u': {
				int m = snprintf(tmp, sizeof(tmp), "<U+%04X>", cp);
				r = buf_add(&b, tmp, (size_t)m);
				break;
			}
			default:
				r = buf_add(&b, s + i, n);
				break;
			}
		}
		if (r < 0) {
			free(b.p);
			return NULL;
		}
		i += n;
	}
	return b.p;
}

bool
sm_text_is_clean(const char *s, bool keep_newlines)
{
	size_t len, i = 0;

	if (s == NULL)
		return true;
	len = strlen(s);
	while (i < len) {
		unsigned int cp;
		size_t n = sm_utf8_decode(s + i, len - i, &cp);
		if (n == 0 || classify(cp, keep_newlines) != 0)
			return false;
		i += n;
	}
	return true;
}

static bool
locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int
sm_text_cp_width(unsigned int cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		return 1;
	if (cp < 0x7F)
		return 1;
	if (locale_is_utf8() && sizeof(wchar_t) >= 4) {
		int w = wcwidth((wchar_t)cp);
		if (w >= 0)
			return w > 2 ? 2 : w;
		/* Unassigned or non-printable for the C library: it is shown
		 * one way or another; the built-in tables decide. */
	}
	if (in_table(cp, zero_table, sizeof(zero_table) / sizeof(zero_table[0])))
		return 0;
	if (in_table(cp, wide_table, sizeof(wide_table) / sizeof(wide_table[0])))
		return 2;
	return 1;
}

/* Width and length of the character at S (LEN bytes left, LEN > 0); an
 * invalid byte counts as one byte of one cell. */
static size_t
char_at(const char *s, size_t len, int *w)
{
	unsigned int cp;
	size_t n = sm_utf8_decode(s, len, &cp);

	if (n == 0) {
		*w = 1;
		return 1;
	}
	*w = sm_text_cp_width(cp);
	return n;
}

size_t
sm_text_width(const char *s)
{
	size_t len, i = 0, width = 0;

	if (s == NULL)
		return 0;
	len = strlen(s);
	while (i < len) {
		int w;
		i += char_at(s + i, len - i, &w);
		width += (size_t)w;
	}
	return width;
}

/* Bytes of S that fit in MAX_WIDTH cells and, with the spaces that pad them
 * to MAX_WIDTH plus EXTRA bytes, in MAX_BYTES bytes. */
static size_t
fit(const char *s, size_t max_width, size_t max_bytes, size_t extra, size_t *width)
{
	size_t len = strlen(s), i = 0, used = 0;

	while (i < len) {
		int w;
		size_t n = char_at(s + i, len - i, &w);
		size_t nw = used + (size_t)w;
		if (nw > max_width)
			break;
		if (max_bytes != (size_t)-1 &&
		    i + n + (max_width - nw) + extra > max_bytes)
			break;
		i += n;
		used = nw;
	}
	if (width != NULL)
		*width = used;
	return i;
}

size_t
sm_text_fit(const char *s, size_t max_width, size_t *width)
{
	if (s == NULL) {
		if (width != NULL)
			*width = 0;
		return 0;
	}
	return fit(s, max_width, (size_t)-1, 0, width);
}

char *
sm_text_pad(char *buf, size_t bufsz, const char *s, size_t width, char ellipsis)
{
	size_t cells, used, n, o;
	int cut;

	if (buf == NULL || bufsz == 0)
		return buf;
	if (s == NULL)
		s = "";
	cut = ellipsis != '\0' && width > 0 && sm_text_width(s) > width;
	cells = cut ? width - 1 : width;
	/* Room for the text, its padding, the ellipsis and the NUL. */
	n = fit(s, cells, bufsz, (size_t)cut + 1, &used);
	memcpy(buf, s, n);
	o = n;
	while (used < cells && o + 1 < bufsz) {
		buf[o++] = ' ';
		used++;
	}
	if (cut && o + 1 < bufsz)
		buf[o++] = ellipsis;
	buf[o] = '\0';
	return buf;
}

size_t
sm_text_prev(const char *s, size_t pos)
{
	size_t p;

	if (s == NULL || pos == 0)
		return 0;
	p = pos - 1;
	while (p > 0 && pos - p < 4 && ((unsigned char)s[p] & 0xC0) == 0x80)
		p--;
	if (sm_utf8_decode(s + p, pos - p, NULL) == pos - p)
		return p;
	return pos - 1;
}

size_t
sm_text_next(const char *s, size_t pos)
{
	size_t len, n;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (pos >= len)
		return len;
	n = sm_utf8_decode(s + pos, len - pos, NULL);
	return pos + (n ? n : 1);
}

static size_t
space_at(const char *s, size_t len)
{
	if (len >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (len >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
		return 3;
	return 0;
}

char *
sm_text_trim(char *s)
{
	size_t len, start = 0, n;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	while ((n = space_at(s + start, len - start)) > 0)
		start += n;
	for (;;) {
		if (len - start >= 1 && space_at(s + len - 1, 1)) {
			len--;
		} else if (len - start >= 3 && space_at(s + len - 3, 3) == 3) {
			len -= 3;
		} else
			break;
	}
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
	return s;
}

static char excerpt_nomem[] = "?";

char *
sm_text_excerpt(const char *s)
{
	char *n = sm_text_neutralise(s ? s : "", (size_t)-1, false);

	if (n == NULL)
		return excerpt_nomem;
	if (strlen(n) > 64) {
		size_t cut = sm_text_fit(n, 60, NULL);
		/* Characters of no width (combining marks) fit in 60 cells
		 * however many there are: the cut is bounded by bytes too, so
		 * that the "..." lands inside the string (60 + 4 <= 65). */
		while (cut > 60)
			cut = sm_text_prev(n, cut);
		memcpy(n + cut, "...", 4);
	}
	return n;
}

void
sm_text_excerpt_free(char *excerpt)
{
	if (excerpt != excerpt_nomem)
		free(excerpt);
}
