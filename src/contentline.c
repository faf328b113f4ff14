/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The lexical layer of iCalendar: splitting a logical content line into
 * name, parameters and value, TEXT escaping (RFC 5545 section 3.3.11),
 * RFC 6868 parameter value encoding, folding (section 3.1) and UTF-8
 * validation.  Everything works on raw octets.  This module never allocates
 * more than the result it returns, never changes an octet it was not asked
 * to change, and knows nothing of meetings.
 */
#include "config.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <unicode/uchar.h>

#include "contentline.h"

#define MM_UNESCAPE_SLACK 64

int
mm_contentline_split(const char *line, size_t len, size_t *name_len,
    size_t *value_off)
{
	size_t i, name_end = len;
	bool quoted = false;

	/*
	 * RFC 5545 section 3.1: a quoted parameter value may hold ':' and ';'
	 * (Outlook quotes CN values such as "Shaw; Amy" and TZIDs with ':'
	 * in them), so the value starts at the first ':' outside quotes.
	 */
	for (i = 0; i < len; i++) {
		char c = line[i];

		if (c == '"') {
			quoted = !quoted;
		} else if (!quoted && (c == ';' || c == ':')) {
			if (name_end == len)
				name_end = i;
			if (c == ':') {
				*name_len = name_end;
				*value_off = i + 1;
				return 0;
			}
		}
	}
	return -1;
}

/* RFC 6868: ^n is a newline, ^' a double quote, ^^ a caret; others stay. */
static void
append_caret_decoded(GString *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '^' && i + 1 < len) {
			char c = s[i + 1];

			if (c == 'n' || c == 'N') {
				g_string_append_c(out, '\n');
				i++;
				continue;
			}
			if (c == '\'') {
				g_string_append_c(out, '"');
				i++;
				continue;
			}
			if (c == '^') {
				g_string_append_c(out, '^');
				i++;
				continue;
			}
		}
		g_string_append_c(out, s[i]);
	}
}

/* A parameter value as written (quotes and carets and all), unquoted. */
static char *
param_value(const char *line, size_t vstart, size_t vend)
{
	/* A list ("a","b") loses its quotes, keeps its commas. */
	GString *out = g_string_sized_new(vend - vstart);
	size_t j = vstart, seg;

	while (j < vend) {
		if (line[j] == '"') {
			seg = ++j;
			while (j < vend && line[j] != '"')
				j++;
			append_caret_decoded(out, line + seg, j - seg);
			if (j < vend)
				j++;
		} else {
			seg = j;
			while (j < vend && line[j] != '"')
				j++;
			append_caret_decoded(out, line + seg, j - seg);
		}
	}
	return g_string_free(out, FALSE);
}

size_t
mm_contentline_params(const char *line, size_t name_len, size_t value_off,
    const char *const *params, char **values, size_t n)
{
	size_t end = value_off > 0 ? value_off - 1 : 0;
	size_t i = name_len, k, found = 0;

	for (k = 0; k < n; k++)
		values[k] = NULL;
	while (i < end && line[i] == ';' && found < n) {
		size_t pname = ++i, pname_len, vstart;
		bool quoted = false;

		while (i < end && line[i] != '=' && line[i] != ';')
			i++;
		pname_len = i - pname;
		if (i < end && line[i] == '=')
			i++;
		vstart = i;
		while (i < end) {
			if (line[i] == '"')
				quoted = !quoted;
			else if (!quoted && line[i] == ';')
				break;
			i++;
		}
		for (k = 0; k < n; k++) {
			if (values[k] == NULL && strlen(params[k]) == pname_len &&
			    g_ascii_strncasecmp(line + pname, params[k],
			    pname_len) == 0) {
				values[k] = param_value(line, vstart, i);
				found++;
				break;
			}
		}
	}
	return found;
}

char *
mm_contentline_param(const char *line, size_t name_len, size_t value_off,
    const char *param)
{
	char *value;

	mm_contentline_params(line, name_len, value_off, &param, &value, 1);
	return value;
}

void
mm_text_unescape(const char *value, size_t len, char **out, size_t *out_len,
    size_t **map)
{
	/*
	 * Zeroed slack after the text: unescaped bodies go to PCRE2, whose JIT
	 * code reads whole vector words and so may look up to 32 octets past
	 * the end (harmless, but memcheck reports it).
	 */
	char *text = g_malloc(len + 1 + MM_UNESCAPE_SLACK);
	size_t *offsets = map != NULL ? g_new(size_t, len + 1) : NULL;
	size_t i, n = 0;

	memset(text + len, 0, 1 + MM_UNESCAPE_SLACK);

	for (i = 0; i < len; i++) {
		char c = value[i];

		if (c == '\\' && i + 1 < len) {
			char next = value[i + 1], decoded = 0;

			switch (next) {
			case '\\':
			case ',':
			case ';':
				decoded = next;
				break;
			case 'n':
			case 'N':
				decoded = '\n';
				break;
			default:
				break;
			}
			if (decoded != 0) {
				if (offsets != NULL)
					offsets[n] = i;
				text[n++] = decoded;
				i++;
				continue;
			}
			/*
			 * An escape RFC 5545 does not define (Outlook's "\:"
			 * in URLs) is kept as written: guessing loses data,
			 * which is what libical does by turning it into a
			 * space.
			 */
		}
		if (offsets != NULL)
			offsets[n] = i;
		text[n++] = c;
	}
	text[n] = '\0';
	if (offsets != NULL) {
		offsets[n] = len;
		*map = offsets;
	}
	*out = text;
	*out_len = n;
}

/* The octets TEXT escaping changes (RFC 5545 section 3.3.11). */
static bool
text_special(char c)
{
	return c == '\\' || c == ',' || c == ';' || c == '\n' || c == '\r';
}

/*
 * How many octets from S (LEN of them) need no escape.  Bodies are most of
 * what is escaped: sixteen octets at a time with SSE2 (every x86-64).
 */
static size_t
plain_text_run(const char *s, size_t len)
{
	size_t n = 0;

#ifdef __SSE2__
	const __m128i backslash = _mm_set1_epi8('\\'), comma = _mm_set1_epi8(',');
	const __m128i semicolon = _mm_set1_epi8(';'), lf = _mm_set1_epi8('\n');
	const __m128i cr = _mm_set1_epi8('\r');

	while (n + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n));
		__m128i special = _mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, comma)),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, semicolon),
		    _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr)));
		unsigned bits = (unsigned)_mm_movemask_epi8(special);

		if (bits != 0)
			return n + (size_t)__builtin_ctz(bits);
		n += 16;
	}
#endif
	while (n < len && !text_special(s[n]))
		n++;
	return n;
}

void
mm_text_escape(GString *out, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		/* A run that needs no escape, appended whole. */
		size_t run = i + plain_text_run(text + i, len - i);

		g_string_append_len(out, text + i, (gssize)(run - i));
		i = run;
		if (i == len)
			break;
		switch (text[i]) {
		case '\\':
			g_string_append_len(out, "\\\\", 2);
			break;
		case ',':
			g_string_append_len(out, "\\,", 2);
			break;
		case ';':
			g_string_append_len(out, "\\;", 2);
			break;
		case '\n':
			g_string_append_len(out, "\\n", 2);
			break;
		case '\r':
			/*
			 * CRLF is one line break; a lone CR (old Mac text) is
			 * one too.  RFC 5545 has no escape for CR itself.
			 */
			if (i + 1 < len && text[i + 1] == '\n')
				break;
			g_string_append_len(out, "\\n", 2);
			break;
		}
		i++;
	}
}

/* The code point starting at s (valid UTF-8 assumed, len >= 1 left). */
static UChar32
decode_at(const unsigned char *s, size_t left)
{
	unsigned char b = s[0];
	size_t n, k;
	UChar32 c;

	if (b < 0x80)
		return b;
	if (b >= 0xF0) {
		n = 4;
		c = b & 0x07;
	} else if (b >= 0xE0) {
		n = 3;
		c = b & 0x0F;
	} else if (b >= 0xC0) {
		n = 2;
		c = b & 0x1F;
	} else {
		return -1;
	}
	if (n > left)
		return -1;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[k] & 0x3F);
	}
	return c;
}

static bool
is_cont(unsigned char b)
{
	return (b & 0xC0) == 0x80;
}

/* Start of the character that ends just before p (p > lo). */
static size_t
prev_start(const unsigned char *s, size_t lo, size_t p)
{
	size_t q = p - 1;

	while (q > lo && is_cont(s[q]) && p - q < 4)
		q--;
	return q;
}

/*
 * Whether a break between the character before p and the one at p would
 * split an extended grapheme cluster (UAX #29, rules GB6-GB13, with GB11
 * simplified to "never after ZWJ").  ICU's property lookup is a trie read,
 * cheap enough for every folded line.
 */
static bool
inside_cluster(const unsigned char *s, size_t lo, size_t p, size_t len)
{
	size_t q = prev_start(s, lo, p);
	UChar32 before = decode_at(s + q, len - q);
	UChar32 after = decode_at(s + p, len - p);
	int gb, ga;

	if (before < 0 || after < 0)
		return false;
	if (before < 0x80 && after < 0x80)
		return false;
	gb = u_getIntPropertyValue(before, UCHAR_GRAPHEME_CLUSTER_BREAK);
	ga = u_getIntPropertyValue(after, UCHAR_GRAPHEME_CLUSTER_BREAK);
	if (ga == U_GCB_EXTEND || ga == U_GCB_ZWJ || ga == U_GCB_SPACING_MARK)
		return true;
	if (gb == U_GCB_PREPEND || gb == U_GCB_ZWJ)
		return true;
	if (gb == U_GCB_L && (ga == U_GCB_L || ga == U_GCB_V ||
	    ga == U_GCB_LV || ga == U_GCB_LVT))
		return true;
	if ((gb == U_GCB_LV || gb == U_GCB_V) && (ga == U_GCB_V || ga == U_GCB_T))
		return true;
	if ((gb == U_GCB_LVT || gb == U_GCB_T) && ga == U_GCB_T)
		return true;
	if (gb == U_GCB_REGIONAL_INDICATOR && ga == U_GCB_REGIONAL_INDICATOR) {
		/*
		 * Flags pair up from the start of a run of indicators; the
		 * count back is capped so a hostile run stays linear.
		 */
		size_t run = 1;

		while (q > lo && run < 64) {
			size_t r = prev_start(s, lo, q);

			if (u_getIntPropertyValue(decode_at(s + r, len - r),
			    UCHAR_GRAPHEME_CLUSTER_BREAK) !=
			    U_GCB_REGIONAL_INDICATOR)
				break;
			run++;
			q = r;
		}
		return run % 2 == 1;
	}
	return false;
}

void
mm_contentline_fold(GString *out, const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t pos = 0, room = 75;

	for (;;) {
		size_t end, p;

		if (len - pos <= room) {
			g_string_append_len(out, line + pos, len - pos);
			g_string_append(out, "\r\n");
			return;
		}
		/* The last character boundary in the window. */
		end = pos + room;
		while (end > pos + 1 && is_cont(s[end]))
			end--;
		/* Back off to a grapheme boundary when the window has one. */
		for (p = end; p > pos; p = prev_start(s, pos, p)) {
			if (!inside_cluster(s, 0, p, len))
				break;
		}
		if (p == pos)
			p = end;
		g_string_append_len(out, line + pos, p - pos);
		g_string_append(out, "\r\n ");
		pos = p;
		room = 74;
	}
}

bool
mm_utf8_valid(const char *text, size_t len, size_t *bad_offset)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned char b = s[i];
		size_t n;
		unsigned cp, min;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF) {
			n = 2;
			cp = b & 0x1F;
			min = 0x80;
		} else if (b >= 0xE0 && b <= 0xEF) {
			n = 3;
			cp = b & 0x0F;
			min = 0x800;
		} else if (b >= 0xF0 && b <= 0xF4) {
			n = 4;
			cp = b & 0x07;
			min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i < n)
			goto bad;
		for (size_t k = 1; k < n; k++) {
			if (!is_cont(s[i + k]))
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
		if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			goto bad;
		i += n;
	}
	return true;
bad:
	if (bad_offset != NULL)
		*bad_offset = i;
	return false;
}
