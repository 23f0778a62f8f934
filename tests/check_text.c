/* check_text.c - tests of sm_text: neutralising data, widths in cells. */
#include <config.h>

#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_text.h"
#include "testutil.h"

/* Neutralise S (LEN bytes) and compare with WANT. */
static void
expect_neutral(const char *s, size_t len, bool keep_nl, const char *want)
{
	char *got = sm_text_neutralise(s, len, keep_nl);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert(sm_text_is_clean(got, keep_nl));
	free(got);
}

/* No byte a terminal would act on: C0, DEL, C1 (as UTF-8), invalid UTF-8. */
static void
assert_inert(const char *s)
{
	ck_assert(sm_text_valid_utf8(s, (size_t)-1));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		ck_assert_msg(*p >= 0x20 && *p != 0x7F, "control byte 0x%02X", *p);
		if (*p == 0xC2)
			ck_assert_msg(p[1] < 0x80 || p[1] > 0x9F, "C1 control");
	}
}

START_TEST(test_neutralise_escapes)
{
	/* ESC[2J clears the screen: ESC becomes caret notation. */
	expect_neutral("a\x1b[2Jb", (size_t)-1, false, "a^[[2Jb");
	/* OSC 0 (window title), terminated by BEL. */
	expect_neutral("\x1b]0;pwned\x07", (size_t)-1, false, "^[]0;pwned^G");
	/* OSC 8 hyperlink, terminated by ST (ESC \). */
	expect_neutral("\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", (size_t)-1, false,
	    "^[]8;;http://evil/^[\\click^[]8;;^[\\");
	/* OSC 52 writes the clipboard. */
	expect_neutral("\x1b]52;c;cm0gLXJmIH4=\x07", (size_t)-1, false,
	    "^[]52;c;cm0gLXJmIH4=^G");
	/* CSI as a raw byte is not UTF-8. */
	expect_neutral("x\x9b" "2Jy", (size_t)-1, false, "x\\x9B2Jy");
	/* CSI as the character U+009B. */
	expect_neutral("x\xc2\x9b" "2Jy", (size_t)-1, false, "x<U+009B>2Jy");
	expect_neutral("\xc2\x80\xc2\x9f", (size_t)-1, false, "<U+0080><U+009F>");
	/* CR, BS, TAB, DEL, NUL (with an explicit length). */
	expect_neutral("ok\rEVIL", (size_t)-1, false, "ok^MEVIL");
	expect_neutral("abc\b\b\bxyz", (size_t)-1, false, "abc^H^H^Hxyz");
	expect_neutral("a\tb\x7f", (size_t)-1, false, "a^Ib^?");
	expect_neutral("a\0b", 3, false, "a^@b");
	/* Newlines: kept only when asked; a header never gets one. */
	expect_neutral("To: x\nBcc: y", (size_t)-1, false, "To: x^JBcc: y");
	expect_neutral("line 1\nline 2", (size_t)-1, true, "line 1\nline 2");
	expect_neutral("line 1\r\nline 2", (size_t)-1, true, "line 1^M\nline 2");
}
END_TEST

START_TEST(test_neutralise_bidi_utf8)
{
	/* RIGHT-TO-LEFT OVERRIDE and LEFT-TO-RIGHT ISOLATE. */
	expect_neutral("abc\xe2\x80\xae" "fdp.exe", (size_t)-1, false,
	    "abc<U+202E>fdp.exe");
	expect_neutral("\xe2\x81\xa6" "x" "\xe2\x81\xa9", (size_t)-1, false,
	    "<U+2066>x<U+2069>");
	expect_neutral("\xef\xbb\xbf" "a\xe2\x80\x8b" "b\xd8\x9c", (size_t)-1, false,
	    "<U+FEFF>a<U+200B>b<U+061C>");
	/* Invalid UTF-8: stray bytes, overlong, surrogate, truncated, too big. */
	expect_neutral("\xff\xfe", (size_t)-1, false, "\\xFF\\xFE");
	expect_neutral("\xc0\xaf", (size_t)-1, false, "\\xC0\\xAF");
	expect_neutral("\xed\xa0\x80", (size_t)-1, false, "\\xED\\xA0\\x80");
	expect_neutral("\xe7\xa6", (size_t)-1, false, "\\xE7\\xA6");
	expect_neutral("\xf4\x90\x80\x80", (size_t)-1, false, "\\xF4\\x90\\x80\\x80");
	expect_neutral("\xe7\xa6" "a", (size_t)-1, false, "\\xE7\\xA6a");
	/* Chinese, accents and emoji pass unchanged. */
	expect_neutral("福建省人民政府 café 😀", (size_t)-1, false, "福建省人民政府 café 😀");
	expect_neutral("", (size_t)-1, false, "");
	expect_neutral(NULL, (size_t)-1, false, "");
}
END_TEST

START_TEST(test_neutralise_invisible)
{
	/* Every invisible or controlling character from data comes out as a
	 * visible <U+XXXX>: line and paragraph separators, the soft hyphen,
	 * tag characters, zero-width characters and bidi controls (issue 7). */
	static const unsigned int cps[] = {
		0x2028, 0x2029, 0x00AD, 0xE0000, 0xE0001, 0xE0041, 0xE007F,
		0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF,
		0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
		0x061C, 0x200E, 0x200F, 0x180E, 0xFFF9, 0xFFFB,
	};

	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		unsigned int cp = cps[i];
		char in[16], want[32], enc[5];
		size_t n;

		if (cp < 0x800) {
			enc[0] = (char)(0xC0 | (cp >> 6));
			enc[1] = (char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			enc[0] = (char)(0xE0 | (cp >> 12));
			enc[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			enc[2] = (char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			enc[0] = (char)(0xF0 | (cp >> 18));
			enc[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			enc[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			enc[3] = (char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		enc[n] = '\0';
		snprintf(in, sizeof(in), "a%sb", enc);
		snprintf(want, sizeof(want), "a<U+%04X>b", cp);
		ck_assert_msg(sm_text_cp_escaped(cp), "U+%04X", cp);
		ck_assert(!sm_text_is_clean(in, true));
		expect_neutral(in, (size_t)-1, false, want);
		expect_neutral(in, (size_t)-1, true, want);
	}
	/* Visible neighbours stay as they are. */
	expect_neutral("a\xc2\xa0" "-\xe2\x80\x90\xe3\x80\x80" "b", (size_t)-1, false,
	    "a\xc2\xa0" "-\xe2\x80\x90\xe3\x80\x80" "b");
	ck_assert(!sm_text_cp_escaped('a'));
	ck_assert(!sm_text_cp_escaped(0x798F));
	ck_assert(!sm_text_cp_escaped(0x0301));
	/* the rest of Default_Ignorable_Code_Point (shows as nothing) */
	static const unsigned int ignorable[] = {0xE0080, 0x206A, 0x206F, 0x034F, 0x115F, 0x1160,
	    0x3164, 0xFFA0, 0x17B4, 0x17B5, 0x180B, 0xFE00, 0xFE0F, 0x1BCA0, 0x1D173, 0x1D17A,
	    0xE0100, 0xE0FFF};
	for (size_t i = 0; i < sizeof(ignorable) / sizeof(ignorable[0]); i++)
		ck_assert_msg(sm_text_cp_escaped(ignorable[i]), "U+%04X", ignorable[i]);
	ck_assert(!sm_text_cp_escaped(0xF0000));
	ck_assert(!sm_text_cp_escaped(0x1D172));
	ck_assert(sm_text_cp_escaped(0x9B));
}
END_TEST

START_TEST(test_neutralise_long)
{
	/* 10,000 characters of every kind of trouble. */
	static const char *const bits[] = {
		"福", "\x1b[2J", "\x1b]52;c;AAAA\x07", "\x9b", "\xc2\x9b", "\r", "\b",
		"\xe2\x80\xae", "\xe2\x81\xa6", "\xff", "a",
	};
	size_t nb = sizeof(bits) / sizeof(bits[0]);
	char *s = malloc(10000 * 16 + 1), *p = s, *got;

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < 10000; i++) {
		const char *b = bits[i % nb];
		memcpy(p, b, strlen(b));
		p += strlen(b);
	}
	*p = '\0';
	ck_assert(!sm_text_is_clean(s, true));
	got = sm_text_neutralise(s, (size_t)-1, false);
	ck_assert_ptr_nonnull(got);
	assert_inert(got);
	ck_assert(sm_text_is_clean(got, false));
	ck_assert_uint_gt(strlen(got), strlen(s));
	/* Neutralising is idempotent on clean text. */
	char *again = sm_text_neutralise(got, (size_t)-1, false);
	ck_assert_str_eq(again, got);
	free(again);
	free(got);
	free(s);
}
END_TEST

START_TEST(test_clean_and_valid)
{
	ck_assert(sm_text_is_clean("福建省人民政府", false));
	ck_assert(sm_text_is_clean("a\nb", true));
	ck_assert(!sm_text_is_clean("a\nb", false));
	ck_assert(!sm_text_is_clean("a\x1b", true));
	ck_assert(!sm_text_is_clean("\xe2\x80\xae", true));
	ck_assert(!sm_text_is_clean("\xc2\x85", true));
	ck_assert(!sm_text_is_clean("\xff", true));
	ck_assert(sm_text_is_clean(NULL, false));
	ck_assert(sm_text_valid_utf8("福建 abc", (size_t)-1));
	ck_assert(sm_text_valid_utf8("a\0b", 3));
	ck_assert(!sm_text_valid_utf8("\xe7\xa6", (size_t)-1));
	/* Only the first LEN bytes count. */
	ck_assert(sm_text_valid_utf8("a\xff", 1));
	ck_assert(!sm_text_valid_utf8(NULL, 0));
}
END_TEST

START_TEST(test_decode)
{
	unsigned int cp = 0;

	ck_assert_uint_eq(sm_utf8_decode("A", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'A');
	ck_assert_uint_eq(sm_utf8_decode("é", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xE9);
	ck_assert_uint_eq(sm_utf8_decode("福", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x798F);
	ck_assert_uint_eq(sm_utf8_decode("\xf0\xa0\x80\x80", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x20000);
	ck_assert_uint_eq(sm_utf8_decode("福", 2, &cp), 0);     /* truncated */
	ck_assert_uint_eq(sm_utf8_decode("\xc1\xbf", 2, &cp), 0); /* overlong */
	ck_assert_uint_eq(sm_utf8_decode("\xe0\x80\xaf", 3, &cp), 0);
	ck_assert_uint_eq(sm_utf8_decode("\xed\xbf\xbf", 3, &cp), 0); /* surrogate */
	ck_assert_uint_eq(sm_utf8_decode("\x80", 1, &cp), 0);
	ck_assert_uint_eq(sm_utf8_decode("", 0, &cp), 0);
}
END_TEST

/* Code points at the edges of the East Asian Wide ranges. */
static const unsigned int wide[] = {
	0x1100, 0x115F, 0x2E80, 0x4E00, 0x798F, 0x9FFF, 0xA4CF, 0xAC00, 0xD7A3,
	0xF900, 0xFAFF, 0xFE30, 0xFE4F, 0xFF00, 0xFF01, 0xFF60, 0xFFE0, 0xFFE6,
	0x3000, 0x20000, 0x2A6DF, 0x3FFFD,
};
static const unsigned int narrow[] = {
	'a', ' ', '~', 0xE9, 0x410, 0x10FF, 0x20AC, 0xFF61, 0xFFE8,
};

static void
check_widths(void)
{
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		ck_assert_msg(sm_text_cp_width(wide[i]) == 2, "U+%04X: %d", wide[i],
		    sm_text_cp_width(wide[i]));
	for (size_t i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++)
		ck_assert_msg(sm_text_cp_width(narrow[i]) == 1, "U+%04X: %d", narrow[i],
		    sm_text_cp_width(narrow[i]));
	ck_assert_int_eq(sm_text_cp_width(0x0301), 0); /* combining acute */
	ck_assert_int_eq(sm_text_cp_width(0x20DD), 0); /* enclosing circle */
	ck_assert_int_eq(sm_text_cp_width(0x1B), 1);   /* shown neutralised */
	ck_assert_int_eq(sm_text_cp_width(0x9B), 1);
	/* "福建省人民政府" is 7 characters of 2 cells. */
	ck_assert_uint_eq(sm_text_width("福建省人民政府"), 14);
	ck_assert_uint_eq(sm_text_width("福建 Fujian"), 11);
	ck_assert_uint_eq(sm_text_width("ＡＢＣ"), 6);
	ck_assert_uint_eq(sm_text_width("cafe\xcc\x81"), 4);   /* e + U+0301 */
	ck_assert_uint_eq(sm_text_width("한국어"), 6);
	ck_assert_uint_eq(sm_text_width("𠀀x"), 3);
	ck_assert_uint_eq(sm_text_width(""), 0);
	ck_assert_uint_eq(sm_text_width(NULL), 0);
}

START_TEST(test_width_utf8_locale)
{
	ck_assert_int_eq(tu_lang("en"), 0);
	check_widths();
}
END_TEST

START_TEST(test_width_table)
{
	/* Not a UTF-8 locale: the built-in table decides. */
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C"));
	check_widths();
	tu_lang("en");
}
END_TEST

START_TEST(test_fit)
{
	size_t w = 99;

	tu_lang("en");
	/* 5 cells hold two ideographs: the third would straddle the edge. */
	ck_assert_uint_eq(sm_text_fit("福建省", 5, &w), 6);
	ck_assert_uint_eq(w, 4);
	ck_assert_uint_eq(sm_text_fit("福建省", 6, &w), 9);
	ck_assert_uint_eq(w, 6);
	ck_assert_uint_eq(sm_text_fit("福建省", 100, &w), 9);
	ck_assert_uint_eq(sm_text_fit("福建省", 1, &w), 0);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(sm_text_fit("abc", 0, &w), 0);
	/* A combining mark stays with its letter. */
	ck_assert_uint_eq(sm_text_fit("ae\xcc\x81" "b", 2, &w), 4);
	ck_assert_uint_eq(w, 2);
	/* Mixed. */
	ck_assert_uint_eq(sm_text_fit("a福b", 2, &w), 1);
	ck_assert_uint_eq(sm_text_fit("a福b", 3, &w), 4);
	ck_assert_uint_eq(sm_text_fit(NULL, 3, &w), 0);
	ck_assert_uint_eq(sm_text_fit("xyz", 2, NULL), 2);
}
END_TEST

START_TEST(test_pad)
{
	char buf[64];

	tu_lang("en");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "福建省人民政府", 20, '>'),
	    "福建省人民政府      ");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "福建省人民政府", 14, '>'),
	    "福建省人民政府");
	/* Cut to 4 cells + '>'. */
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "福建省人民政府", 5, '>'), "福建>");
	/* 5 cells for text: 省 would straddle, a space takes its half. */
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "福建省人民政府", 6, '>'), "福建 >");
	/* No ellipsis: the straddling ideograph becomes a space. */
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "福建省人民政府", 5, '\0'), "福建 ");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "hello", 3, '~'), "he~");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "abc", 3, '>'), "abc");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "ab", 4, '>'), "ab  ");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "abc", 0, '>'), "");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "abc", 1, '>'), ">");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "福", 1, '\0'), " ");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), NULL, 2, '>'), "  ");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "cafe\xcc\x81!", 5, '>'),
	    "cafe\xcc\x81!");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "a福b", 3, '\0'), "a福");
	ck_assert_str_eq(sm_text_pad(buf, sizeof(buf), "a福b", 2, '\0'), "a ");

	/* Every width gives exactly that many cells. */
	for (size_t wd = 0; wd < 24; wd++) {
		static const char *const ss[] = {
			"福建省人民政府", "福建 Fujian 省", "cafe\xcc\x81 福", "ａｂｃ", "",
		};
		for (size_t i = 0; i < sizeof(ss) / sizeof(ss[0]); i++) {
			sm_text_pad(buf, sizeof(buf), ss[i], wd, '>');
			ck_assert_uint_eq(sm_text_width(buf), wd);
			ck_assert(sm_text_valid_utf8(buf, (size_t)-1));
			sm_text_pad(buf, sizeof(buf), ss[i], wd, '\0');
			ck_assert_uint_eq(sm_text_width(buf), wd);
		}
	}
}
END_TEST

START_TEST(test_pad_small_buffer)
{
	char buf[8];

	tu_lang("en");
	/* 5 bytes: "福" + 2 spaces + NUL would need 6, so spaces only. */
	ck_assert_str_eq(sm_text_pad(buf, 5, "福建省", 4, '\0'), "    ");
	ck_assert_str_eq(sm_text_pad(buf, 6, "福建省", 4, '\0'), "福  ");
	ck_assert_str_eq(sm_text_pad(buf, 8, "福建省", 4, '\0'), "福建");
	ck_assert_str_eq(sm_text_pad(buf, 7, "福建省", 5, '>'), "福  >");
	ck_assert_str_eq(sm_text_pad(buf, 8, "福建省", 5, '>'), "福建>");
	/* Too small even for the spaces: cut, still terminated, no overflow. */
	memset(buf, 'X', sizeof(buf));
	ck_assert_str_eq(sm_text_pad(buf, 3, "abcdef", 6, '>'), "  ");
	ck_assert_int_eq(buf[3], 'X');
	ck_assert_str_eq(sm_text_pad(buf, 1, "abc", 3, '>'), "");
	ck_assert_ptr_eq(sm_text_pad(buf, 0, "abc", 3, '>'), buf);
}
END_TEST

START_TEST(test_prev_next)
{
	const char *s = "a福b";

	ck_assert_uint_eq(sm_text_next(s, 0), 1);
	ck_assert_uint_eq(sm_text_next(s, 1), 4);
	ck_assert_uint_eq(sm_text_next(s, 4), 5);
	ck_assert_uint_eq(sm_text_next(s, 5), 5);
	ck_assert_uint_eq(sm_text_prev(s, 5), 4);
	ck_assert_uint_eq(sm_text_prev(s, 4), 1);
	ck_assert_uint_eq(sm_text_prev(s, 1), 0);
	ck_assert_uint_eq(sm_text_prev(s, 0), 0);
	/* 4-byte character. */
	ck_assert_uint_eq(sm_text_prev("x𠀀", 5), 1);
	ck_assert_uint_eq(sm_text_next("x𠀀", 1), 5);
	/* Invalid bytes step one at a time. */
	ck_assert_uint_eq(sm_text_next("\xff\xfe", 0), 1);
	ck_assert_uint_eq(sm_text_prev("\xff\xfe", 2), 1);
	ck_assert_uint_eq(sm_text_prev("a\x80\x80\x80\x80", 5), 4);
}
END_TEST

START_TEST(test_excerpt)
{
	char s[1 + 63 * 2 + 1], *e;
	char *p = s;

	/* Short text is only neutralised. */
	e = sm_text_excerpt("abc\x1b[2J");
	ck_assert_str_eq(e, "abc^[[2J");
	sm_text_excerpt_free(e);
	e = sm_text_excerpt(NULL);
	ck_assert_str_eq(e, "");
	sm_text_excerpt_free(e);
	/* Long text is cut on a character boundary, with "...". */
	e = sm_text_excerpt("福建省人民政府福建省人民政府福建省人民政府福建省人民政府福建省人民政府");
	ck_assert_uint_le(strlen(e), 63);
	ck_assert(sm_text_valid_utf8(e, (size_t)-1));
	ck_assert_str_eq(e + strlen(e) - 3, "...");
	sm_text_excerpt_free(e);
	/* One letter and 63 COMBINING ACUTE ACCENTs: 127 bytes of one cell.
	 * The cut used to fall at the string's end and "..." went past the
	 * allocation (a heap overflow under ASan or valgrind). */
	*p++ = 'a';
	for (int i = 0; i < 63; i++) {
		memcpy(p, "\xcc\x81", 2);
		p += 2;
	}
	*p = '\0';
	e = sm_text_excerpt(s);
	ck_assert_uint_le(strlen(e), 63);
	ck_assert(sm_text_valid_utf8(e, (size_t)-1));
	ck_assert_str_eq(e + strlen(e) - 3, "...");
	ck_assert(strncmp(e, s, strlen(e) - 3) == 0);
	sm_text_excerpt_free(e);
	/* Zero-width format characters come out visible, so the same length
	 * of them is no trouble either. */
	p = s;
	for (int i = 0; i < 42; i++) {
		memcpy(p, "\xe2\x80\x8b", 3);
		p += 3;
	}
	*p = '\0';
	e = sm_text_excerpt(s);
	ck_assert_uint_le(strlen(e), 63);
	ck_assert(strncmp(e, "<U+200B><U+200B>", 16) == 0);
	sm_text_excerpt_free(e);
}
END_TEST

START_TEST(test_trim)
{
	char a[] = "  福建\xe3\x80\x80 \t\n";
	char b[] = "\xe3\x80\x80\xe3\x80\x80";
	char c[] = "";
	char d[] = "a b";
	char e[] = "\xe3\x80\x80x\xe3\x80\x80y \xe3\x80\x80";

	ck_assert_str_eq(sm_text_trim(a), "福建");
	ck_assert_str_eq(sm_text_trim(b), "");
	ck_assert_str_eq(sm_text_trim(c), "");
	ck_assert_str_eq(sm_text_trim(d), "a b");
	ck_assert_str_eq(sm_text_trim(e), "x\xe3\x80\x80y");
	ck_assert_ptr_null(sm_text_trim(NULL));
}
END_TEST

/* Bytes that are not UTF-8 become the text \xNN, one each (in JSON text,
 * its backslash escaped); valid text is kept. */
START_TEST(test_utf8_repair)
{
	static const struct {
		const char *in, *out, *json;
	} cases[] = {
		{"福州", "福州", "福州"},
		{"A\xff" "B", "A\\xFFB", "A\\\\xFFB"},
		{"\xe7\xa6\x8f\xff", "福\\xFF", "福\\\\xFF"},
		{"\xe7\xa6", "\\xE7\\xA6", "\\\\xE7\\\\xA6"}, /* a character cut short */
		{"\xc0\xaf", "\\xC0\\xAF", "\\\\xC0\\\\xAF"},     /* an overlong '/' */
		{"", "", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = sm_text_utf8_repair(cases[i].in, false);
		ck_assert_str_eq(r, cases[i].out);
		ck_assert(sm_text_valid_utf8(r, (size_t)-1));
		free(r);
		r = sm_text_utf8_repair(cases[i].in, true);
		ck_assert_str_eq(r, cases[i].json);
		free(r);
	}
	/* JSON text: the string reads back as the text \xFF */
	char *j = sm_text_utf8_repair("{\"a\":\"A\xff\"}", true);
	json_t *v = json_loads(j, 0, NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_string_value(json_object_get(v, "a")), "A\\xFF");
	json_decref(v);
	free(j);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_neutralise_escapes);
	tcase_add_test(tc, test_neutralise_bidi_utf8);
	tcase_add_test(tc, test_neutralise_long);
	tcase_add_test(tc, test_neutralise_invisible);
	tcase_add_test(tc, test_clean_and_valid);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_width_utf8_locale);
	tcase_add_test(tc, test_width_table);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_pad);
	tcase_add_test(tc, test_pad_small_buffer);
	tcase_add_test(tc, test_prev_next);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_excerpt);
	tcase_add_test(tc, test_utf8_repair);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(text_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
