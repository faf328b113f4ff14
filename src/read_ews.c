/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The EWS XML reader (see read_ews.h).  This module owns the libxml2 push
 * parsers (SAX2), the byte filter in front of them and the EWS facts of
 * each item; it turns each top-level t:CalendarItem into synthesized
 * iCalendar content lines.  It never loads a DTD, never expands an entity,
 * never touches the network, never invents an iCalendar property that an
 * Outlook export would not carry (EWS-only facts stay in struct
 * mm_ews_item), and never keeps more items in memory than one chunk of
 * input (16 KB) completes.
 *
 * libxml2's SAX2 callbacks copy each item into a small tree of our own
 * (struct xtree): a libxml2 tree, which xmlTextReaderExpand() builds, costs
 * more than the parse itself, and the text reader feeds its parser 512
 * octets at a time.
 *
 * The octets go: file -> decode (ICU, UTF-16 to UTF-8, BOM dropped) ->
 * filter -> libxml2.  The filter exists because real dumps are not always
 * well-formed XML documents:
 *   - Exchange writes character references to characters XML 1.0 forbids
 *     (&#x0;, &#x1A;; viewpoint-getitem-invalid-charrefs-ex2016.xml in the
 *     shared corpus, ews-java-api issues #156 and #775); they are dropped
 *     and counted, never replaced (DESIGN.md forbids U+FFFD);
 *   - Managed API trace files and concatenated responses have several root
 *     elements and several XML declarations; the filter wraps the whole
 *     stream in one synthetic root and blanks every XML declaration (with
 *     spaces, so line numbers stay right);
 *   - a document type declaration is refused (SOAP 1.1 section 3: a SOAP
 *     message must not contain one), so no entity can ever be declared.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "ascii.h"
#include "contentline.h"
#include "decode.h"
#include "hashkey.h"
#include "limits.h"
#include "read_ews.h"

#define WRAP_OPEN       "<meetmig-ews>"
#define WRAP_CLOSE      "</meetmig-ews>"
/* Octets the filter must see at once: "<![CDATA[", "&#x10FFFF;". */
#define LOOKAHEAD       16
#define FILTER_BLOCK    65536
#define MAX_WARNINGS    1000
/* Captured trees kept for the next items, and how large one kept may be. */
#define SPARE_TREES     4
#define SPARE_NODES     4096
#define SPARE_TEXT      ((size_t)256 << 10)

/* ------------------------------------------------------------------ */
/* The byte filter between the decoder and libxml2.                    */

enum filter_state {
	FS_TEXT,
	FS_COMMENT,
	FS_CDATA,
	FS_XMLDECL,
};

struct filter {
	struct mm_decoder *dec;         /* owned */
	const char *name;               /* borrowed, for messages */
	char *buf;                      /* decoded octets not yet passed on */
	size_t pos, len, size;
	unsigned long long shifted;     /* decoded octets before buf[0] */
	unsigned bom;                   /* octets of a UTF-8 BOM the decoder dropped */
	bool eof;
	enum filter_state state;
	unsigned tail;                  /* progress through the state's terminator */
	const char *inject;             /* synthetic root tag being emitted */
	size_t inject_left;
	bool opened, closed;
	unsigned long long emitted;     /* octets passed on to libxml2 */
	unsigned long long close_at;    /* offset of the synthetic end tag */
	unsigned line;                  /* of the octet at pos, 1-based */
	unsigned dropped;               /* characters XML forbids, dropped */
	unsigned first_drop_line;
	bool failed;
	struct mm_diag diag;            /* why the filter failed */
};

static int
filter_refill(struct filter *f)
{
	while (!f->eof && f->len - f->pos < LOOKAHEAD) {
		ssize_t got;

		if (f->pos > 0) {
			memmove(f->buf, f->buf + f->pos, f->len - f->pos);
			f->len -= f->pos;
			f->shifted += f->pos;
			f->pos = 0;
		}
		got = mm_decode_read(f->dec, f->buf + f->len, f->size - f->len,
		    &f->diag);
		if (got < 0)
			return -1;
		if (got == 0)
			f->eof = true;
		f->len += (size_t)got;
	}
	return 0;
}

/* XML 1.0 section 2.2: Char. */
static bool
xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	    (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/*
 * At "&#": the length of a complete character reference and its value, or
 * 0 when it is not one (libxml2 will then say what is wrong with it).
 */
static size_t
charref(const char *s, size_t avail, unsigned long *value)
{
	size_t i = 2, start;
	bool hex = false;
	unsigned long v = 0;

	if (avail > i && s[i] == 'x') {
		hex = true;
		i++;
	}
	start = i;
	for (; i < avail && i - start <= 10; i++) {
		int d = g_ascii_xdigit_value(s[i]);

		if (s[i] == ';')
			break;
		if (d < 0 || (!hex && d > 9))
			return 0;
		v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (i == start || i >= avail || s[i] != ';' || i - start > 10)
		return 0;
	*value = v;
	return i + 1;
}

static bool
has_prefix(const char *s, size_t avail, const char *prefix)
{
	size_t n = strlen(prefix);

	return avail >= n && memcmp(s, prefix, n) == 0;
}

static void
filter_drop(struct filter *f)
{
	if (f->dropped++ == 0)
		f->first_drop_line = f->line;
}

/*
 * The length of the valid UTF-8 sequence at S (AVAIL octets there), or 0
 * when it is invalid, or -1 when it may be cut by the end of the buffer.
 */
static int
utf8_length(const char *s, size_t avail, bool eof)
{
	gunichar c = g_utf8_get_char_validated(s, (gssize)(avail < 4 ? avail : 4));

	if (c == (gunichar)-2)
		return eof ? 0 : -1;
	if (c == (gunichar)-1)
		return 0;
	return g_utf8_skip[*(const guchar *)s];
}

/*
 * Refuses the input at an invalid UTF-8 sequence.  Decoded UTF-8 is the
 * file's own octets (less a BOM), so the offset is the file's; a
 * declaration of another encoding than the octets have (PowerShell's
 * -Encoding Default writes Windows-1252 under encoding="utf-8") ends here,
 * never in a U+FFFD (DESIGN.md, Unicode).
 */
static int
filter_bad_utf8(struct filter *f)
{
	mm_diag_set(&f->diag, MM_DIAG_DATA, "invalid UTF-8 at byte offset %llu: "
	    "the file is not in the encoding it declares (%s:%u)",
	    f->shifted + f->pos + f->bom, f->name, f->line);
	return -1;
}

/* An octet XML forbids even as a literal: C0 controls but TAB, LF, CR. */
static bool
forbidden_octet(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/*
 * Whether the octet at S (AVAIL octets there) starts what filter_text()
 * must look at, or may once it sees the next octet.
 */
static bool
needs_look(const char *s, size_t avail)
{
	switch (s[0]) {
	case '&':
		return avail < 2 || s[1] == '#';
	case '<':
		return avail < 2 || s[1] == '!' || s[1] == '?';
	default:
		return forbidden_octet((unsigned char)s[0]);
	}
}

/*
 * How many of the LEN octets at S are, by blocks, most of a dump: text
 * with nothing to look at, newlines counted into *LINES.  With SSE2 (every
 * x86-64), sixteen octets at a time: no control octet but TAB, LF and CR,
 * no octet >= 0x80, no "&#", "<!" or "<?" (a '&' or '<' last in the block
 * may start one: the block is left to the octet loop).  Otherwise eight
 * at a time, printable ASCII without a '#', '!' or '?'.
 */
static size_t
plain_run(const char *s, size_t len, unsigned *lines)
{
	size_t n = 0;

#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), lf = _mm_set1_epi8('\n');
	const __m128i tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r');
	const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<');
	const __m128i hash = _mm_set1_epi8('#'), bang = _mm_set1_epi8('!');
	const __m128i question = _mm_set1_epi8('?');

	while (n + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n));
		/* Signed: an octet >= 0x80 is below 0x20 too. */
		unsigned low = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, space));
		unsigned newlines = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
		unsigned blanks = newlines |
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, tab)) |
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, cr));
		unsigned amps = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, amp));
		unsigned lts = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lt));
		unsigned hashes = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, hash));
		unsigned marks = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v, bang), _mm_cmpeq_epi8(v, question)));

		if ((low & ~blanks) != 0 || (amps & (hashes >> 1)) != 0 ||
		    (lts & (marks >> 1)) != 0 || ((amps | lts) & 0x8000u) != 0)
			break;
		/* A line or two a block: no popcount (a call without -mpopcnt). */
		for (; newlines != 0; newlines &= newlines - 1)
			++*lines;
		n += 16;
	}
#else
	(void)lines;
#endif
	while (n + 8 <= len) {
		uint64_t w = mm_ascii_word(s + n);

		if (!mm_ascii_printable(w) || mm_ascii_has(w, '#') ||
		    mm_ascii_has(w, '!') || mm_ascii_has(w, '?') ||
		    s[n + 7] == '&' || s[n + 7] == '<')
			break;
		n += 8;
	}
	return n;
}

/*
 * Passes on one token from the text state.  Returns the count of octets
 * written to OUT (which has room for ROOM >= LOOKAHEAD), or -1 when the
 * input must be refused.
 */
static int
filter_text(struct filter *f, char *out, size_t room)
{
	const char *s = f->buf + f->pos;
	size_t avail = f->len - f->pos, n, limit;
	unsigned long value;
	unsigned char c = (unsigned char)s[0];

	if (c == '&' && avail > 1 && s[1] == '#') {
		n = charref(s, avail, &value);
		if (n > 0 && !xml_char(value)) {
			filter_drop(f);
			f->pos += n;
			return 0;
		}
	} else if (c == '<') {
		if (has_prefix(s, avail, "<!--")) {
			memcpy(out, s, 4);
			f->pos += 4;
			f->state = FS_COMMENT;
			f->tail = 0;
			return 4;
		}
		if (has_prefix(s, avail, "<![CDATA[")) {
			memcpy(out, s, 9);
			f->pos += 9;
			f->state = FS_CDATA;
			f->tail = 0;
			return 9;
		}
		if (has_prefix(s, avail, "<!DOCTYPE")) {
			mm_diag_set(&f->diag, MM_DIAG_DATA,
			    "document type declaration refused: EWS XML has no "
			    "DTD and no entity is ever declared or expanded (%s:%u)",
			    f->name, f->line);
			return -1;
		}
		if (has_prefix(s, avail, "<?xml") && avail > 5 &&
		    (g_ascii_isspace(s[5]) || s[5] == '?')) {
			/* A declaration is legal only at the very start. */
			memset(out, ' ', 5);
			f->pos += 5;
			f->state = FS_XMLDECL;
			f->tail = 0;
			return 5;
		}
	} else if (forbidden_octet(c)) {
		filter_drop(f);
		f->pos++;
		return 0;
	}
	/*
	 * An ordinary run, newlines counted as it goes: up to the next octet
	 * that needs a look ("&#", "<!", "<?", a forbidden octet) or that may
	 * need one once more input is there.
	 */
	limit = avail < room ? avail : room;
	for (n = 0; n < limit;) {
		unsigned char d;

		n += plain_run(s + n, limit - n, &f->line);
		if (n == limit)
			break;
		d = (unsigned char)s[n];
		if (d >= 0x20 && d < 0x80 && d != '&' && d != '<') {
			n++;
			continue;
		}
		/*
		 * A character reference to a character XML allows (a dump's
		 * "&#xD;" ends every line of an HTML body) goes on in the run
		 * when it is whole within it.
		 */
		if (d == '&' && n + 1 < avail && s[n + 1] == '#' &&
		    (avail - n >= LOOKAHEAD || f->eof)) {
			size_t k = charref(s + n, avail - n, &value);

			if (k > 0 && xml_char(value) && n + k <= limit) {
				n += k;
				continue;
			}
		}
		if (d >= 0x80) {
			int k = utf8_length(s + n, avail - n, f->eof);

			if (k <= 0 && n == 0)
				return filter_bad_utf8(f);
			if (k <= 0 || n + (size_t)k > limit)
				break;
			n += (size_t)k;
			continue;
		}
		if (n > 0 && needs_look(s + n, avail - n))
			break;
		if (d == '\n')
			f->line++;
		n++;
	}
	memcpy(out, s, n);
	f->pos += n;
	return (int)n;
}

/* One character inside a comment, a CDATA section or an XML declaration. */
static int
filter_inside(struct filter *f, char *out)
{
	unsigned char c = (unsigned char)f->buf[f->pos];

	if (c >= 0x80) {
		int k = utf8_length(f->buf + f->pos, f->len - f->pos, f->eof);

		if (k <= 0)
			return filter_bad_utf8(f);
		f->tail = 0;
		if (f->state == FS_XMLDECL)
			memset(out, ' ', (size_t)k);
		else
			memcpy(out, f->buf + f->pos, (size_t)k);
		f->pos += (size_t)k;
		return k;
	}
	f->pos++;
	if (c == '\n')
		f->line++;
	else if (forbidden_octet(c)) {
		filter_drop(f);
		return 0;
	}
	switch (f->state) {
	case FS_COMMENT:
		if (c == '>' && f->tail >= 2)
			f->state = FS_TEXT;
		f->tail = c == '-' ? f->tail + 1 : 0;
		break;
	case FS_CDATA:
		if (c == '>' && f->tail >= 2)
			f->state = FS_TEXT;
		f->tail = c == ']' ? f->tail + 1 : 0;
		break;
	case FS_XMLDECL:
		if (c == '>' && f->tail == 1)
			f->state = FS_TEXT;
		f->tail = c == '?';
		out[0] = c == '\n' ? '\n' : ' ';
		return 1;
	case FS_TEXT:
		break;
	}
	out[0] = (char)c;
	return 1;
}

/* Fills OUT with filtered octets; returns the count (0 at the end) or -1. */
static int
filter_produce(struct filter *f, char *out, int out_len)
{
	int n = 0, got;

	while (out_len - n >= LOOKAHEAD) {
		if (f->inject_left > 0) {
			size_t k = f->inject_left;

			memcpy(out + n, f->inject, k);
			f->inject += k;
			f->inject_left = 0;
			n += (int)k;
			continue;
		}
		if (!f->opened) {
			f->opened = true;
			f->inject = WRAP_OPEN;
			f->inject_left = strlen(WRAP_OPEN);
			continue;
		}
		if (f->len - f->pos < LOOKAHEAD && !f->eof &&
		    filter_refill(f) != 0) {
			f->failed = true;
			return -1;
		}
		if (f->pos == f->len) {
			if (f->closed)
				break;
			f->closed = true;
			f->close_at = f->emitted + (unsigned long long)n;
			f->inject = WRAP_CLOSE;
			f->inject_left = strlen(WRAP_CLOSE);
			continue;
		}
		if (f->state == FS_TEXT)
			got = filter_text(f, out + n, (size_t)(out_len - n));
		else
			got = filter_inside(f, out + n);
		if (got < 0) {
			f->failed = true;
			return -1;
		}
		n += got;
	}
	return n;
}

/* Fills OUT with filtered octets for the parser: the count, 0 at the end, or -1. */
static int
filter_read(struct filter *f, char *out, size_t len)
{
	int got;

	if (f->failed)
		return -1;
	got = filter_produce(f, out, (int)len);
	if (got > 0)
		f->emitted += (unsigned long long)got;
	return got;
}

static void
filter_release(struct filter *f)
{
	mm_decode_close(f->dec);
	g_free(f->buf);
	mm_diag_release(&f->diag);
	memset(f, 0, sizeof(*f));
}

/* ------------------------------------------------------------------ */
/* Times.                                                              */

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static bool
take_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit((*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* "YYYY-MM-DD", leaving *p after it. */
static bool
parse_ymd(const char **p, int *y, int *m, int *d)
{
	if (!take_digits(p, 4, y) || **p != '-')
		return false;
	(*p)++;
	if (!take_digits(p, 2, m) || **p != '-')
		return false;
	(*p)++;
	if (!take_digits(p, 2, d))
		return false;
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

/* "Z", "+hh:mm", "-hh:mm" or nothing; *offset in seconds east of UTC. */
static bool
parse_offset(const char *p, int *offset)
{
	int h, mi, sign;

	*offset = 0;
	if (*p == '\0' || (*p == 'Z' && p[1] == '\0'))
		return true;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!take_digits(&p, 2, &h) || *p++ != ':' || !take_digits(&p, 2, &mi) ||
	    *p != '\0')
		return false;
	*offset = sign * (h * 3600 + mi * 60);
	return true;
}

/*
 * An xs:dateTime to UTC seconds.  Exchange always sends a zone designator
 * ("2026-12-01T09:00:00Z"); a time without one is taken as UTC, as EWS
 * does for requests without a TimeZoneContext.  Fractions are ignored.
 */
static bool
parse_datetime(const char *s, int64_t *out)
{
	char buf[64];
	const char *p = buf;
	int y, m, d, h, mi, sec, offset;

	if (g_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return false;
	g_strstrip(buf);

	if (!parse_ymd(&p, &y, &m, &d) || *p++ != 'T' ||
	    !take_digits(&p, 2, &h) || *p++ != ':' ||
	    !take_digits(&p, 2, &mi) || *p++ != ':' ||
	    !take_digits(&p, 2, &sec))
		return false;
	if (*p == '.') {
		p++;
		while (g_ascii_isdigit(*p))
			p++;
	}
	if (h > 23 || mi > 59 || sec > 60 || !parse_offset(p, &offset))
		return false;
	*out = mm_tz_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - offset;
	return true;
}

/*
 * An xs:date ("2014-03-08", "2014-03-08-08:00", "2014-03-08Z").  The offset
 * says where the date is meant; the date itself is the local one, which is
 * what a recurrence range means, so the offset is ignored.
 */
static bool
parse_date(const char *s, int *y, int *m, int *d)
{
	char buf[64];
	const char *p = buf;
	int offset;

	if (g_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return false;
	g_strstrip(buf);
	if (!parse_ymd(&p, y, m, d))
		return false;
	return parse_offset(p, &offset);
}

/*
 * Appends YYYYMMDD, then THHMMSS unless TIME is false, as printf's
 * "%04d%02d%02dT%02d%02d%02d" would, without printf where every field is
 * in its range.
 */
static void
append_stamp(GString *out, int y, int m, int d, bool time, int hh, int mm,
    int ss)
{
	char s[16];
	int v[6] = { y, m, d, hh, mm, ss }, i, k = 0;

	for (i = 1; i < 6; i++)
		if (v[i] < 0 || v[i] > 99)
			break;
	if (y < 0 || y > 9999 || i < 6) {
		g_string_append_printf(out, "%04d%02d%02d", y, m, d);
		if (time)
			g_string_append_printf(out, "T%02d%02d%02d", hh, mm, ss);
		return;
	}
	s[k++] = (char)('0' + y / 1000);
	s[k++] = (char)('0' + y / 100 % 10);
	s[k++] = (char)('0' + y / 10 % 10);
	s[k++] = (char)('0' + y % 10);
	for (i = 1; i < 6; i++) {
		if (i == 3) {
			if (!time)
				break;
			s[k++] = 'T';
		}
		s[k++] = (char)('0' + v[i] / 10);
		s[k++] = (char)('0' + v[i] % 10);
	}
	g_string_append_len(out, s, k);
}

static void
append_utc(GString *out, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	append_stamp(out, y, m, d, true, (int)(secs / 3600),
	    (int)(secs / 60 % 60), (int)(secs % 60));
	g_string_append_c(out, 'Z');
}

static void
append_local(GString *out, struct icaltimetype t, bool date_only)
{
	append_stamp(out, t.year, t.month, t.day, !date_only, t.hour, t.minute,
	    t.second);
}

/* ------------------------------------------------------------------ */
/* Time zones.                                                         */

static bool
is_utc_name(const char *iana)
{
	static const char *const names[] = { "UTC", "Etc/UTC", "Etc/GMT",
	    "Etc/Universal", "Etc/Zulu", "Etc/UCT", "GMT", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(iana, names[i]) == 0)
			return true;
	return false;
}

/*
 * What a zone id of the dump means: "UTC", an IANA name libical knows, or
 * NULL.  Ids are Windows ids ("W. Europe Standard Time"), Exchange's
 * tzone://Microsoft/Utc, or (rarely) IANA names.
 */
static char *
map_zone(const char *id)
{
	char *iana;

	if (id == NULL || *id == '\0')
		return NULL;
	if (g_ascii_strcasecmp(id, "tzone://Microsoft/Utc") == 0 ||
	    is_utc_name(id))
		return g_strdup("UTC");
	iana = mm_tz_windows_to_iana(id);
	if (iana == NULL && strchr(id, '/') != NULL &&
	    icaltimezone_get_builtin_timezone(id) != NULL)
		iana = g_strdup(id);
	if (iana != NULL && is_utc_name(iana)) {
		g_free(iana);
		return g_strdup("UTC");
	}
	if (iana != NULL && icaltimezone_get_builtin_timezone(iana) == NULL) {
		g_free(iana);
		return NULL;
	}
	return iana;
}

/* ------------------------------------------------------------------ */
/* Captured subtrees.                                                  */

/*
 * The SAX callbacks below copy each top-level item (each SOAP fault, the
 * ResponseCode and MessageText of a failed response) into a tree of its
 * own: elements, their attributes without a namespace, and runs of text,
 * in document order, as libxml2's tree would hold them, without its
 * allocations.  The nodes live in one array and the octets in one buffer,
 * both kept for the next capture; links are indices until the capture
 * ends, pointers after (tree_finish()).
 */
struct xnode {
	int type;               /* XML_ELEMENT_NODE, XML_TEXT_NODE or XML_ATTRIBUTE_NODE */
	const char *name;       /* an element's or attribute's local name (libxml2's dictionary) */
	size_t name_len;
	bool types_ns;          /* an element of the EWS types namespace */
	unsigned line;          /* of an element's start tag */
	const char *text;       /* a text run or attribute value, NUL-terminated */
	size_t text_len;
	const struct xnode *children, *next, *properties;
	int first, last, sibling, attrs;        /* indices, -1 for none */
	size_t text_off;        /* in the tree's text */
};

struct xtree {
	GArray *nodes;          /* struct xnode; [0] is the root element */
	GString *text;          /* the octets of every run and attribute value */
	int open[MM_LIMIT_XML_DEPTH + 2];       /* the elements not yet ended */
	int depth;              /* how many there are */
	int run;                /* the text run being added to, or -1 */
	size_t run_len;         /* its octets so far */
};

static struct xtree *
tree_new(void)
{
	struct xtree *t = g_new0(struct xtree, 1);

	t->nodes = g_array_sized_new(FALSE, FALSE, sizeof(struct xnode), 256);
	t->text = g_string_sized_new(16384);
	t->run = -1;
	return t;
}

static void
tree_free(struct xtree *t)
{
	if (t == NULL)
		return;
	g_array_free(t->nodes, TRUE);
	g_string_free(t->text, TRUE);
	g_free(t);
}

static void
tree_reset(struct xtree *t)
{
	g_array_set_size(t->nodes, 0);
	g_string_truncate(t->text, 0);
	t->depth = 0;
	t->run = -1;
	t->run_len = 0;
}

static struct xnode *
node_at(const struct xtree *t, int i)
{
	return &g_array_index(t->nodes, struct xnode, i);
}

/* A new node, not linked yet; returns its index. */
static int
tree_add(struct xtree *t, int type, const char *name)
{
	struct xnode n;

	memset(&n, 0, sizeof(n));
	n.type = type;
	n.name = name;
	n.name_len = name != NULL ? strlen(name) : 0;
	n.first = n.last = n.sibling = n.attrs = -1;
	n.text_off = t->text->len;
	g_array_append_val(t->nodes, n);
	return (int)t->nodes->len - 1;
}

/* Appends node I to the children of the innermost open element. */
static void
tree_link(struct xtree *t, int i)
{
	struct xnode *parent;

	if (t->depth == 0)
		return;
	parent = node_at(t, t->open[t->depth - 1]);
	if (parent->last >= 0)
		node_at(t, parent->last)->sibling = i;
	else
		parent->first = i;
	parent->last = i;
}

/* Ends the text run being added to: its octets get their NUL. */
static void
tree_end_run(struct xtree *t)
{
	if (t->run < 0)
		return;
	node_at(t, t->run)->text_len = t->run_len;
	g_string_append_c(t->text, '\0');
	t->run = -1;
	t->run_len = 0;
}

/*
 * An attribute value as libxml2's SAX2 start callback gives it: without
 * entity substitution it keeps an ampersand as "&#38;" for its tree
 * builder to decode (parser.c, xmlParseAttValueComplex()).
 */
static void
tree_append_value(GString *out, const char *v, size_t len)
{
	const char *amp;

	while (len > 0 && (amp = memchr(v, '&', len)) != NULL) {
		size_t k = (size_t)(amp - v);

		g_string_append_len(out, v, (gssize)k);
		g_string_append_c(out, '&');
		k += len - k >= 5 && memcmp(amp, "&#38;", 5) == 0 ? 5 : 1;
		v += k;
		len -= k;
	}
	g_string_append_len(out, v, (gssize)len);
}

/*
 * Opens an element.  ATTRS is libxml2's: NB_ATTRS times local name,
 * prefix, URI, value, end of value.
 */
static void
tree_start(struct xtree *t, const char *name, bool types_ns, unsigned line,
    const xmlChar **attrs, int nb_attrs)
{
	int i, a;

	tree_end_run(t);
	i = tree_add(t, XML_ELEMENT_NODE, name);
	node_at(t, i)->types_ns = types_ns;
	node_at(t, i)->line = line;
	tree_link(t, i);
	for (a = 0; a < nb_attrs; a++) {
		const xmlChar **at = attrs + 5 * a;
		int k;

		if (at[2] != NULL)
			continue;       /* only attributes without a namespace are asked for */
		k = tree_add(t, XML_ATTRIBUTE_NODE, (const char *)at[0]);
		tree_append_value(t->text, (const char *)at[3],
		    (size_t)(at[4] - at[3]));
		node_at(t, k)->text_len = t->text->len - node_at(t, k)->text_off;
		g_string_append_c(t->text, '\0');
		node_at(t, k)->sibling = node_at(t, i)->attrs;
		node_at(t, i)->attrs = k;
	}
	t->open[t->depth++] = i;
}

static void
tree_text(struct xtree *t, const char *s, size_t len)
{
	if (t->run < 0) {
		t->run = tree_add(t, XML_TEXT_NODE, NULL);
		tree_link(t, t->run);
	}
	/* Most calls are a few octets (an entity's): no call when they fit. */
	if (t->text->len + len < t->text->allocated_len) {
		memcpy(t->text->str + t->text->len, s, len);
		t->text->len += len;
		t->text->str[t->text->len] = '\0';
	} else
		g_string_append_len(t->text, s, (gssize)len);
	t->run_len += len;
}

/* Closes the innermost open element; returns whether it was the root. */
static bool
tree_end(struct xtree *t)
{
	tree_end_run(t);
	return t->depth > 0 && --t->depth == 0;
}

/* Turns the indices into pointers: the tree is read from here on. */
static const struct xnode *
tree_finish(struct xtree *t)
{
	guint i;

	tree_end_run(t);
	if (t->nodes->len == 0)
		return NULL;
	for (i = 0; i < t->nodes->len; i++) {
		struct xnode *n = node_at(t, (int)i);

		n->children = n->first >= 0 ? node_at(t, n->first) : NULL;
		n->next = n->sibling >= 0 ? node_at(t, n->sibling) : NULL;
		n->properties = n->attrs >= 0 ? node_at(t, n->attrs) : NULL;
		if (n->type != XML_ELEMENT_NODE)
			n->text = t->text->str + n->text_off;
	}
	return node_at(t, 0);
}

/* Whether N is element LOCAL (LEN octets) of the types namespace. */
static bool
is_t_len(const struct xnode *n, const char *local, size_t len)
{
	/* Length and first octet tell most siblings apart without a call. */
	return n != NULL && n->type == XML_ELEMENT_NODE && n->types_ns &&
	    n->name_len == len && n->name[0] == local[0] &&
	    memcmp(n->name, local, len) == 0;
}

static bool
is_t(const struct xnode *n, const char *local)
{
	return is_t_len(n, local, strlen(local));
}

/* The first child element in the types namespace named LOCAL, or NULL. */
static const struct xnode *
child(const struct xnode *n, const char *local)
{
	const struct xnode *c;
	size_t len = strlen(local);

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (is_t_len(c, local, len))
			return c;
	return NULL;
}

static void
append_content(GString *out, const struct xnode *n)
{
	const struct xnode *c;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE)
			g_string_append_len(out, c->text, (gssize)c->text_len);
		else
			append_content(out, c);
	}
}

/* The text content of N (of all its descendants, in order), owned. */
static char *
text_of(const struct xnode *n, size_t *len)
{
	const struct xnode *c = n != NULL ? n->children : NULL;
	GString *all;

	if (c != NULL && c->type == XML_TEXT_NODE && c->next == NULL) {
		if (len != NULL)
			*len = c->text_len;
		return g_strndup(c->text, c->text_len);
	}
	all = g_string_new(NULL);
	if (n != NULL)
		append_content(all, n);
	if (len != NULL)
		*len = all->len;
	return g_string_free(all, FALSE);
}

/*
 * The text content of N without a copy when it is one run of text (a body
 * is): *OWNED is NULL then.  Otherwise it is made, and *OWNED holds it.
 */
static const char *
text_view(const struct xnode *n, size_t *len, char **owned)
{
	const struct xnode *c = n != NULL ? n->children : NULL;

	if (c != NULL && c->type == XML_TEXT_NODE && c->next == NULL) {
		*owned = NULL;
		*len = c->text_len;
		return c->text;
	}
	*owned = text_of(n, len);
	return *owned;
}

static char *
child_text(const struct xnode *n, const char *local)
{
	const struct xnode *c = child(n, local);

	return c != NULL ? text_of(c, NULL) : NULL;
}

/* An attribute without namespace, owned, or NULL. */
static char *
attr_of(const struct xnode *n, const char *name)
{
	const struct xnode *a;

	for (a = n != NULL ? n->properties : NULL; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return g_strndup(a->text, a->text_len);
	return NULL;
}

/* xs:boolean. */
static bool
is_true(const char *s)
{
	if (s == NULL)
		return false;
	while (g_ascii_isspace(*s))
		s++;
	return strncmp(s, "true", 4) == 0 || s[0] == '1';
}

static bool
child_true(const struct xnode *n, const char *local)
{
	char *s = child_text(n, local);
	bool v = is_true(s);

	g_free(s);
	return v;
}

static bool
child_time(const struct xnode *n, const char *local, int64_t *out)
{
	char *s = child_text(n, local);
	bool ok = s != NULL && parse_datetime(s, out);

	g_free(s);
	return ok;
}

/* ------------------------------------------------------------------ */
/* The reader.                                                         */

/* What an element is, as far as finding items goes. */
enum kind {
	K_OTHER = 0,
	K_EWS,                  /* any other element of the EWS namespaces */
	K_ITEMS,                /* m:Items or t:Items */
	K_RESPONSE_GET,         /* m:GetItemResponseMessage */
	K_RESPONSE_FIND,        /* m:FindItemResponseMessage */
	K_RESPONSE_OTHER,       /* another m:*ResponseMessage */
	K_RESPONSE_CODE,        /* m:ResponseCode */
	K_MESSAGE_TEXT,         /* m:MessageText */
	K_CALENDAR_ITEM,        /* t:CalendarItem */
	K_FAULT,                /* soap:Fault */
};

/* What the callbacks are copying into a tree (struct xtree). */
enum capture {
	CAP_NONE,
	CAP_ITEM,               /* a top-level t:CalendarItem */
	CAP_FAULT,              /* a soap:Fault */
	CAP_RESPONSE_CODE,      /* the m:ResponseCode of a failed response */
	CAP_MESSAGE_TEXT,       /* its m:MessageText */
};

/*
 * What the callbacks found, in document order, for input_step() to take
 * one at a time: an item's tree, or a warning they made (said when its
 * turn comes, so that warnings keep the order of the items around them).
 */
struct found {
	struct xtree *item;     /* owned, or NULL for a warning */
	unsigned line;          /* of the item's start tag */
	bool from_find_item;    /* in a FindItem response */
	char *warning;          /* owned */
	bool error_response;    /* the warning is of an error response or fault */
};

/* One input file being read. */
struct input {
	char *name;                     /* owned: for messages */
	struct filter filter;
	xmlParserCtxtPtr ctxt;          /* a push parser with the callbacks below */
	char chunk[16384];              /* filtered octets for it */
	bool ended;                     /* nothing more will be found */
	bool failed;                    /* ... because the parse or the filter failed */
	bool failure_said;              /* input_failed() ran */
	bool saw_ews;                   /* an element of an EWS namespace */
	int depth;                      /* elements open */
	enum kind stack[MM_LIMIT_XML_DEPTH + 2];
	enum kind response;             /* innermost open *ResponseMessage */
	int response_depth;             /* its depth, or -1 */
	bool response_bad;              /* ResponseClass is not Success */
	char *response_class, *response_code, *message_text;
	unsigned response_line;
	enum capture capture;           /* what cap is being made of */
	struct xtree *cap;              /* owned: the tree being made, or NULL */
	unsigned cap_line;
	bool cap_from_find_item;
	GQueue found;                   /* struct found, owned */
	GPtrArray *spare;               /* trees to use again */
	char *xml_error;                /* owned: libxml2's first error */
	unsigned xml_error_line;
	long xml_error_offset;          /* where in the filtered stream, or -1 */
	bool depth_exceeded;            /* libxml2's own depth limit */
	unsigned too_deep_line;         /* MM_LIMIT_XML_DEPTH passed there, or 0 */
};

struct mm_read_ews {
	char *name;                     /* owned: as the user named the input */
	char **paths;                   /* owned: the files, NULL-terminated */
	char **names;                   /* owned: their names for messages */
	size_t file_count, file_next;
	const char *mem;                /* borrowed buffer, or NULL */
	size_t mem_len;

	struct input *in;               /* the file being read, or NULL */
	struct mm_tzset *tzset;         /* owned */
	GHashTable *zones_added;        /* IANA names with a VTIMEZONE in tzset */
	GHashTable *zone_ids;           /* map_zone() of the ids seen: owned
					 * id to owned IANA name, or "" */
	GHashTable *builtin_zones;      /* owned IANA name to libical's zone */
	GHashTable *seen_ids;           /* id_key()s of the ItemIds returned */
	/* Filled by a first pass over all input, made only when needed. */
	bool scanned;
	GHashTable *full_ids;           /* id_key()s of items outside FindItem */
	GHashTable *master_uids;        /* UIDs of RecurringMaster items */

	bool scanning;                  /* in the first pass: record nothing */
	GPtrArray *warnings;            /* owned strings, NULL-terminated */
	unsigned warnings_dropped;
	struct mm_meeting *pending;     /* an item read ahead */
	unsigned items_in_input;        /* for made-up UIDs */
	bool failed;
	struct mm_read_ews_stats stats;
};

static void warn(struct mm_read_ews *r, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void
warn(struct mm_read_ews *r, const char *fmt, ...)
{
	va_list ap;
	guint last = r->warnings->len - 1;

	if (r->scanning)
		return;
	if (last >= MAX_WARNINGS) {
		r->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	g_ptr_array_index(r->warnings, last) = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (last + 1 == MAX_WARNINGS)
		g_ptr_array_index(r->warnings, last) = g_strdup_printf(
		    "more than %d warnings: the rest are not recorded",
		    MAX_WARNINGS);
	g_ptr_array_add(r->warnings, NULL);
}

/* ------------------------------------------------------------------ */
/* Synthesized content lines.                                          */

/* How the times of one event are written. */
struct when {
	const char *tzid;       /* IANA TZID, or NULL: UTC with Z */
	icaltimezone *zone;     /* its zone; NULL with tzid NULL */
	icaltimezone *date_zone;        /* the zone all-day dates are in, or NULL */
	bool all_day;
};

/* Building one event. */
struct build {
	struct mm_read_ews *r;
	const char *source;
	unsigned lineno;
	const char *uid;
	struct mm_event *ev;
	GString *line;
	char *error;            /* owned: the first problem, or NULL */
};

static void build_error(struct build *b, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void
build_error(struct build *b, const char *fmt, ...)
{
	va_list ap;
	char *what;

	if (b->error != NULL)
		return;
	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	b->error = g_strdup_printf("%s (%s:%u, UID %s)", what, b->source,
	    b->lineno, b->uid != NULL ? b->uid : "none");
	g_free(what);
}

static void
emit(struct build *b)
{
	if (b->ev->prop_count >= MM_LIMIT_PROPS_PER_EVENT) {
		build_error(b, "more than MM_LIMIT_PROPS_PER_EVENT (%d) lines",
		    MM_LIMIT_PROPS_PER_EVENT);
		g_string_truncate(b->line, 0);
		return;
	}
	mm_event_add_line(b->ev, b->line->str, b->line->len, b->lineno);
	g_string_truncate(b->line, 0);
}

/* Appends TEXT without the controls a content line cannot hold. */
static void
append_clean(GString *out, const char *text)
{
	for (; *text != '\0'; text++)
		if (!forbidden_octet((unsigned char)*text) && *text != '\r' &&
		    *text != '\n')
			g_string_append_c(out, *text);
}

/* A TEXT property: NAME:escaped. */
static void
emit_text(struct build *b, const char *name, const char *text, size_t len)
{
	g_string_append(b->line, name);
	g_string_append_c(b->line, ':');
	mm_text_escape(b->line, text, len);
	emit(b);
}

/*
 * A parameter value: always quoted, with RFC 6868 caret escapes for what a
 * quoted value cannot hold.  Quoting always avoids libical's misreading of
 * an unquoted value that ends in a backslash (libical-hazards.md).
 */
static void
append_param(GString *out, const char *param, const char *value)
{
	const char *p;

	g_string_append_c(out, ';');
	g_string_append(out, param);
	g_string_append(out, "=\"");
	for (p = value; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append(out, "^'");
		else if (*p == '^')
			g_string_append(out, "^^");
		else if (*p == '\n')
			g_string_append(out, "^n");
		else if (!forbidden_octet((unsigned char)*p) && *p != '\r')
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

/* ";PARAM=VALUE" for a VALUE of our own making (no quoting needed), or nothing. */
static void
append_plain_param(GString *out, const char *param, const char *value)
{
	if (value == NULL)
		return;
	g_string_append_c(out, ';');
	g_string_append(out, param);
	g_string_append_c(out, '=');
	g_string_append(out, value);
}

static struct icaltimetype
to_zone(int64_t t, icaltimezone *zone)
{
	return icaltime_from_timet_with_zone((time_t)t, 0,
	    zone != NULL ? zone : icaltimezone_get_utc_timezone());
}

/* The value of a DATE-TIME (or DATE) property written as W says. */
static void
append_when(GString *out, int64_t t, const struct when *w)
{
	if (w->all_day)
		append_local(out, to_zone(t, w->date_zone), true);
	else if (w->zone != NULL)
		append_local(out, to_zone(t, w->zone), false);
	else
		append_utc(out, t);
}

/* The parameters of such a property: ";VALUE=DATE" or ";TZID=...". */
static void
append_when_params(GString *out, const struct when *w)
{
	if (w->all_day)
		g_string_append(out, ";VALUE=DATE");
	else if (w->zone != NULL)
		g_string_append_printf(out, ";TZID=%s", w->tzid);
}

static void
emit_time(struct build *b, const char *name, int64_t t, const struct when *w)
{
	g_string_append(b->line, name);
	append_when_params(b->line, w);
	g_string_append_c(b->line, ':');
	append_when(b->line, t, w);
	emit(b);
}

struct mailbox {
	char *name, *address, *routing, *type;
};

static void
mailbox_read(const struct xnode *mb, struct mailbox *out)
{
	memset(out, 0, sizeof(*out));
	if (mb == NULL)
		return;
	out->name = child_text(mb, "Name");
	out->address = child_text(mb, "EmailAddress");
	out->routing = child_text(mb, "RoutingType");
	out->type = child_text(mb, "MailboxType");
	if (out->address != NULL)
		g_strstrip(out->address);
	if (out->address != NULL && *out->address == '\0') {
		g_free(out->address);
		out->address = NULL;
	}
	if (out->name != NULL && *out->name == '\0') {
		g_free(out->name);
		out->name = NULL;
	}
}

static void
mailbox_release(struct mailbox *mb)
{
	g_free(mb->name);
	g_free(mb->address);
	g_free(mb->routing);
	g_free(mb->type);
}

static bool
mailbox_is_group(const struct mailbox *mb)
{
	return mb->type != NULL && (strcmp(mb->type, "PublicDL") == 0 ||
	    strcmp(mb->type, "PrivateDL") == 0);
}

/* t:ResponseType to PARTSTAT (RFC 5545 section 3.2.12), or NULL. */
static const char *
partstat_of(const char *response)
{
	if (response == NULL)
		return NULL;
	if (strcmp(response, "Accept") == 0 || strcmp(response, "Organizer") == 0)
		return "ACCEPTED";
	if (strcmp(response, "Tentative") == 0)
		return "TENTATIVE";
	if (strcmp(response, "Decline") == 0)
		return "DECLINED";
	return "NEEDS-ACTION";
}

/*
 * ORGANIZER or ATTENDEE.  An address is written as mailto: whatever it is:
 * an EX legacy DN ("/O=EXCHANGELABS/OU=...") stays as the dump has it,
 * because nothing offline can resolve it (ews-xml.md section 1.8).  A party
 * without an address gets no line: a CAL-ADDRESS cannot be empty.
 */
static void
emit_party(struct build *b, const char *prop, const struct mailbox *mb,
    const char *cutype, const char *role, const char *partstat, bool rsvp)
{
	if (mb->address == NULL)
		return;
	g_string_append(b->line, prop);
	append_plain_param(b->line, "CUTYPE", cutype);
	append_plain_param(b->line, "ROLE", role);
	append_plain_param(b->line, "PARTSTAT", partstat);
	if (rsvp)
		g_string_append(b->line, ";RSVP=TRUE");
	if (mb->name != NULL)
		append_param(b->line, "CN", mb->name);
	g_string_append(b->line, ":mailto:");
	append_clean(b->line, mb->address);
	emit(b);
}

/* ------------------------------------------------------------------ */
/* Recurrence (ews-xml.md section 1.5; types.xsd RecurrenceType).      */

static const struct {
	const char *ews;
	const char *ical;
} weekdays[] = {
	{ "Sunday", "SU" }, { "Monday", "MO" }, { "Tuesday", "TU" },
	{ "Wednesday", "WE" }, { "Thursday", "TH" }, { "Friday", "FR" },
	{ "Saturday", "SA" },
};

/*
 * DaysOfWeek ("Monday Friday", or one of Day, Weekday, WeekendDay) as a
 * BYDAY list.  Returns the count of days, 0 when a word is unknown.
 */
static int
append_days(GString *out, const char *days)
{
	gchar **words = g_strsplit_set(days != NULL ? days : "", " \t\r\n", -1);
	int count = 0, i;
	size_t k;
	bool bad = false;

	for (i = 0; words[i] != NULL && !bad; i++) {
		const char *w = words[i];
		const char *list = NULL;

		if (*w == '\0')
			continue;
		if (strcmp(w, "Day") == 0)
			list = "SU,MO,TU,WE,TH,FR,SA";
		else if (strcmp(w, "Weekday") == 0)
			list = "MO,TU,WE,TH,FR";
		else if (strcmp(w, "WeekendDay") == 0)
			list = "SA,SU";
		else {
			for (k = 0; k < G_N_ELEMENTS(weekdays); k++)
				if (strcmp(w, weekdays[k].ews) == 0)
					list = weekdays[k].ical;
		}
		if (list == NULL) {
			bad = true;
			break;
		}
		if (count > 0)
			g_string_append_c(out, ',');
		g_string_append(out, list);
		count += (int)(strlen(list) + 1) / 3;
	}
	g_strfreev(words);
	return bad ? 0 : count;
}

static int
week_index(const char *s)
{
	static const char *const names[] = { "First", "Second", "Third",
	    "Fourth" };
	int i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i + 1;
	return strcmp(s, "Last") == 0 ? -1 : 0;
}

static int
month_index(const char *s)
{
	static const char *const names[] = { "January", "February", "March",
	    "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" };
	int i;

	for (i = 0; s != NULL && i < 12; i++)
		if (strcmp(s, names[i]) == 0)
			return i + 1;
	return 0;
}

/* A positive integer child (Interval, DayOfMonth, ...), or 0. */
static long
child_number(const struct xnode *n, const char *local)
{
	char *s = child_text(n, local), *end = NULL;
	long v = 0;

	if (s != NULL) {
		g_strstrip(s);
		v = strtol(s, &end, 10);
		if (end == s || *end != '\0' || v < 1 || v > 1000000)
			v = 0;
	}
	g_free(s);
	return v;
}

/*
 * The RRULE of a master from its t:Recurrence, expanded in the meeting's
 * zone (W), whose first occurrence starts at DTSTART (UTC seconds).
 * Returns 0, or -1 with the problem recorded in B.
 */
static int
emit_rrule(struct build *b, const struct xnode *rec, const struct when *w,
    int64_t dtstart, bool *no_end)
{
	const struct xnode *pattern = NULL, *range = NULL, *c;
	GString *rule = b->line;
	const char *pname, *freq;
	char *days = NULL, *index = NULL, *month = NULL, *s = NULL;
	long interval = 0, day_of_month = 0;
	int widx = 0, midx = 0, y, m, d, rc = -1;

	for (c = rec->children; c != NULL; c = c->next) {
		const char *name = (const char *)c->name;

		if (c->type != XML_ELEMENT_NODE || !c->types_ns)
			continue;
		if (strcmp(name, "NoEndRecurrence") == 0 ||
		    strcmp(name, "EndDateRecurrence") == 0 ||
		    strcmp(name, "NumberedRecurrence") == 0)
			range = c;
		else if (pattern == NULL)
			pattern = c;
	}
	if (pattern == NULL || range == NULL) {
		build_error(b, "recurrence without %s",
		    pattern == NULL ? "a pattern" : "a range");
		return -1;
	}
	pname = (const char *)pattern->name;
	if (strcmp(pname, "DailyRecurrence") == 0)
		freq = "DAILY";
	else if (strcmp(pname, "WeeklyRecurrence") == 0)
		freq = "WEEKLY";
	else if (strcmp(pname, "AbsoluteMonthlyRecurrence") == 0 ||
	    strcmp(pname, "RelativeMonthlyRecurrence") == 0)
		freq = "MONTHLY";
	else if (strcmp(pname, "AbsoluteYearlyRecurrence") == 0 ||
	    strcmp(pname, "RelativeYearlyRecurrence") == 0)
		freq = "YEARLY";
	else {
		/* DailyRegeneration and the like belong to tasks. */
		build_error(b, "unsupported recurrence pattern %s", pname);
		return -1;
	}
	g_string_append_printf(rule, "RRULE:FREQ=%s", freq);

	*no_end = false;
	if (strcmp((const char *)range->name, "NumberedRecurrence") == 0) {
		long count = child_number(range, "NumberOfOccurrences");

		if (count == 0) {
			build_error(b, "bad NumberOfOccurrences in recurrence");
			goto out;
		}
		g_string_append_printf(rule, ";COUNT=%ld", count);
	} else if (strcmp((const char *)range->name, "EndDateRecurrence") == 0) {
		s = child_text(range, "EndDate");
		if (s == NULL || !parse_date(s, &y, &m, &d)) {
			build_error(b, "bad EndDate \"%s\" in recurrence",
			    s != NULL ? s : "");
			goto out;
		}
		/*
		 * EndDate is the last local day an occurrence may fall on.
		 * UNTIL is that day at the series' local start time, in UTC
		 * (RFC 5545 section 3.3.10: UTC when DTSTART has a TZID), as
		 * Outlook writes it.
		 */
		g_string_append(rule, ";UNTIL=");
		if (w->all_day)
			g_string_append_printf(rule, "%04d%02d%02d", y, m, d);
		else {
			struct icaltimetype local = to_zone(dtstart, w->zone);

			local.year = y;
			local.month = m;
			local.day = d;
			local.zone = NULL;
			append_utc(rule, (int64_t)icaltime_as_timet_with_zone(
			    local, w->zone != NULL ? w->zone :
			    icaltimezone_get_utc_timezone()));
		}
	} else
		*no_end = true;

	interval = child_number(pattern, "Interval");
	if (interval > 0)
		g_string_append_printf(rule, ";INTERVAL=%ld", interval);
	else if (strcmp(freq, "YEARLY") != 0) {
		build_error(b, "recurrence without a valid Interval");
		goto out;
	}
	days = child_text(pattern, "DaysOfWeek");
	index = child_text(pattern, "DayOfWeekIndex");
	month = child_text(pattern, "Month");
	day_of_month = child_number(pattern, "DayOfMonth");
	if (strcmp(pname, "WeeklyRecurrence") == 0) {
		g_string_append(rule, ";BYDAY=");
		if (append_days(rule, days) == 0) {
			build_error(b, "bad DaysOfWeek \"%s\"", days ? days : "");
			goto out;
		}
	} else if (strcmp(pname, "RelativeMonthlyRecurrence") == 0 ||
	    strcmp(pname, "RelativeYearlyRecurrence") == 0) {
		GString *list = g_string_new(NULL);
		int ndays = append_days(list, days);

		widx = week_index(index);
		if (ndays == 0 || widx == 0) {
			g_string_free(list, TRUE);
			build_error(b, "bad DaysOfWeek or DayOfWeekIndex in "
			    "recurrence");
			goto out;
		}
		/* "2TU" for one day; BYSETPOS picks from Weekday and the like. */
		if (ndays == 1)
			g_string_append_printf(rule, ";BYDAY=%d%s", widx,
			    list->str);
		else
			g_string_append_printf(rule, ";BYDAY=%s;BYSETPOS=%d",
			    list->str, widx);
		g_string_free(list, TRUE);
	} else if (strcmp(pname, "AbsoluteMonthlyRecurrence") == 0 ||
	    strcmp(pname, "AbsoluteYearlyRecurrence") == 0) {
		if (day_of_month == 0 || day_of_month > 31) {
			build_error(b, "bad DayOfMonth in recurrence");
			goto out;
		}
		g_string_append_printf(rule, ";BYMONTHDAY=%ld", day_of_month);
	}
	if (strcmp(freq, "YEARLY") == 0) {
		midx = month_index(month);
		if (midx == 0) {
			build_error(b, "bad Month \"%s\" in recurrence",
			    month ? month : "");
			goto out;
		}
		g_string_append_printf(rule, ";BYMONTH=%d", midx);
	}
	if (strcmp(pname, "WeeklyRecurrence") == 0) {
		char *first = child_text(pattern, "FirstDayOfWeek");
		size_t k;

		for (k = 0; first != NULL && k < G_N_ELEMENTS(weekdays); k++)
			if (strcmp(first, weekdays[k].ews) == 0)
				g_string_append_printf(rule, ";WKST=%s",
				    weekdays[k].ical);
		g_free(first);
	}
	emit(b);
	rc = 0;
out:
	if (rc != 0)
		g_string_truncate(rule, 0);
	g_free(days);
	g_free(index);
	g_free(month);
	g_free(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Items.                                                              */

static void
ews_event_release(struct mm_ews_event *e)
{
	g_free(e->item_id);
	g_free(e->change_key);
	g_free(e->body);
}

void
mm_ews_item_free(struct mm_ews_item *ews)
{
	size_t i;

	if (ews == NULL)
		return;
	for (i = 0; i < ews->event_count; i++)
		ews_event_release(&ews->events[i]);
	g_free(ews->events);
	for (i = 0; i < ews->prop_count; i++) {
		g_free(ews->props[i].set);
		g_free(ews->props[i].name);
		g_free(ews->props[i].id);
		g_free(ews->props[i].type);
		g_free(ews->props[i].value);
	}
	g_free(ews->props);
	for (i = 0; i < ews->modified_count; i++) {
		g_free(ews->modified[i].item_id);
		g_free(ews->modified[i].change_key);
	}
	g_free(ews->modified);
	g_free(ews->item_class);
	g_free(ews->join_online_meeting_url);
	g_free(ews->conference_type);
	g_free(ews->time_zone_id);
	g_free(ews->iana_zone);
	g_free(ews);
}

const struct mm_ews_extprop *
mm_ews_item_prop(const struct mm_ews_item *ews, const char *name)
{
	size_t i;

	for (i = 0; ews != NULL && i < ews->prop_count; i++) {
		const struct mm_ews_extprop *p = &ews->props[i];

		if (p->set != NULL && p->name != NULL &&
		    g_ascii_strcasecmp(p->set, "PublicStrings") == 0 &&
		    g_ascii_strcasecmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

const char *
mm_ews_item_addin_marker(const struct mm_ews_item *ews)
{
	static const char *const prefixes[] = { "OnlineMeeting", "UC",
	    "SkypeTeams" };
	size_t i, k;

	if (ews == NULL)
		return NULL;
	if (ews->is_online_meeting)
		return "IsOnlineMeeting";
	for (i = 0; i < ews->prop_count; i++) {
		const struct mm_ews_extprop *p = &ews->props[i];

		if (p->set == NULL || p->name == NULL || p->value == NULL ||
		    *p->value == '\0' ||
		    g_ascii_strcasecmp(p->set, "PublicStrings") != 0)
			continue;
		for (k = 0; k < G_N_ELEMENTS(prefixes); k++)
			if (g_str_has_prefix(p->name, prefixes[k]))
				return p->name;
	}
	return NULL;
}

int
mm_ews_item_is_organizer(const struct mm_ews_item *ews)
{
	if (ews == NULL)
		return -1;
	if (ews->my_response == MM_EWS_RESPONSE_ORGANIZER ||
	    (ews->has_is_organizer && ews->is_organizer))
		return 1;
	if (ews->has_is_organizer)
		return 0;
	if (ews->my_response == MM_EWS_RESPONSE_ABSENT ||
	    ews->my_response == MM_EWS_RESPONSE_UNKNOWN)
		return -1;
	return 0;
}

static enum mm_ews_response
response_of(const char *s)
{
	static const struct {
		const char *name;
		enum mm_ews_response value;
	} map[] = {
		{ "Unknown", MM_EWS_RESPONSE_UNKNOWN },
		{ "Organizer", MM_EWS_RESPONSE_ORGANIZER },
		{ "Tentative", MM_EWS_RESPONSE_TENTATIVE },
		{ "Accept", MM_EWS_RESPONSE_ACCEPT },
		{ "Decline", MM_EWS_RESPONSE_DECLINE },
		{ "NoResponseReceived", MM_EWS_RESPONSE_NO_RESPONSE_RECEIVED },
	};
	size_t i;

	if (s == NULL)
		return MM_EWS_RESPONSE_ABSENT;
	for (i = 0; i < G_N_ELEMENTS(map); i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].value;
	return MM_EWS_RESPONSE_UNKNOWN;
}

static enum mm_ews_item_type
item_type_of(const char *s)
{
	if (s == NULL)
		return MM_EWS_ITEM_UNKNOWN;
	if (strcmp(s, "Single") == 0)
		return MM_EWS_ITEM_SINGLE;
	if (strcmp(s, "Occurrence") == 0)
		return MM_EWS_ITEM_OCCURRENCE;
	if (strcmp(s, "Exception") == 0)
		return MM_EWS_ITEM_EXCEPTION;
	if (strcmp(s, "RecurringMaster") == 0)
		return MM_EWS_ITEM_RECURRING_MASTER;
	return MM_EWS_ITEM_UNKNOWN;
}

static void
read_extprop(struct mm_ews_item *ews, const struct xnode *n)
{
	const struct xnode *uri = child(n, "ExtendedFieldURI"), *values, *v;
	struct mm_ews_extprop *p;
	char *value;

	if (uri == NULL || ews->prop_count >= MM_LIMIT_PROPS_PER_EVENT)
		return;
	ews->props = g_renew(struct mm_ews_extprop, ews->props,
	    ews->prop_count + 1);
	p = &ews->props[ews->prop_count++];
	memset(p, 0, sizeof(*p));
	p->set = attr_of(uri, "DistinguishedPropertySetId");
	if (p->set == NULL)
		p->set = attr_of(uri, "PropertySetId");
	p->name = attr_of(uri, "PropertyName");
	p->id = attr_of(uri, "PropertyId");
	if (p->id == NULL)
		p->id = attr_of(uri, "PropertyTag");
	p->type = attr_of(uri, "PropertyType");
	value = child_text(n, "Value");
	if (value != NULL) {
		p->value = value;
		p->value_count = 1;
	} else if ((values = child(n, "Values")) != NULL) {
		for (v = values->children; v != NULL; v = v->next) {
			if (!is_t(v, "Value"))
				continue;
			if (p->value_count++ == 0)
				p->value = text_of(v, NULL);
		}
	}
	if (p->value == NULL)
		p->value = g_strdup("");
	if (p->set != NULL && g_ascii_strcasecmp(p->set, "PublicStrings") == 0)
		ews->has_public_strings = true;
}

static void
read_modified(struct mm_ews_item *ews, const struct xnode *list)
{
	const struct xnode *o;

	for (o = list != NULL ? list->children : NULL; o != NULL; o = o->next) {
		struct mm_ews_occurrence *occ;
		const struct xnode *id;

		if (!is_t(o, "Occurrence") ||
		    ews->modified_count >= MM_LIMIT_EVENTS_PER_SERIES)
			continue;
		ews->modified = g_renew(struct mm_ews_occurrence, ews->modified,
		    ews->modified_count + 1);
		occ = &ews->modified[ews->modified_count++];
		memset(occ, 0, sizeof(*occ));
		id = child(o, "ItemId");
		occ->item_id = attr_of(id, "Id");
		occ->change_key = attr_of(id, "ChangeKey");
		occ->has_start = child_time(o, "Start", &occ->start);
		occ->has_end = child_time(o, "End", &occ->end);
		occ->has_original_start = child_time(o, "OriginalStart",
		    &occ->original_start);
	}
}

/*
 * A VTIMEZONE for an IANA zone the meetings refer to, made from libical's
 * built-in zone with its TZID set to the IANA name, so writers can copy it
 * as they copy an .ics file's own.
 */
static void
ensure_vtimezone(struct mm_read_ews *r, const char *iana)
{
	icaltimezone *zone;
	icalcomponent *comp;
	icalproperty *tzid;
	struct mm_event *vtz;
	struct mm_diag d;
	GString *line;
	char *text, *p;

	if (g_hash_table_contains(r->zones_added, iana))
		return;
	g_hash_table_add(r->zones_added, g_strdup(iana));
	zone = icaltimezone_get_builtin_timezone(iana);
	if (zone == NULL)
		return;
	comp = icalcomponent_new_clone(icaltimezone_get_component(zone));
	tzid = icalcomponent_get_first_property(comp, ICAL_TZID_PROPERTY);
	if (tzid != NULL)
		icalproperty_set_tzid(tzid, iana);
	text = icalcomponent_as_ical_string_r(comp);
	icalcomponent_free(comp);
	vtz = mm_event_new(0);
	line = g_string_new(NULL);
	/* Unfold (RFC 5545 section 3.1) and drop BEGIN/END:VTIMEZONE. */
	for (p = text; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			p++;
			continue;
		}
		if (*p != '\n') {
			g_string_append_c(line, *p);
			continue;
		}
		if (strcmp(line->str, "BEGIN:VTIMEZONE") != 0 &&
		    strcmp(line->str, "END:VTIMEZONE") != 0 && line->len > 0)
			mm_event_add_line(vtz, line->str, line->len, 0);
		g_string_truncate(line, 0);
	}
	g_string_free(line, TRUE);
	icalmemory_free_buffer(text);
	mm_diag_init(&d);
	if (mm_tzset_add(r->tzset, vtz, &d) != 0)
		warn(r, "cannot use libical's zone %s: %s", iana, d.message);
	mm_diag_release(&d);
}

static char *
made_up_uid(const char *item_id, const char *source, unsigned lineno,
    unsigned index)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	char *key, *uid;

	if (item_id != NULL && *item_id != '\0')
		key = g_strdup_printf("ItemId:%s", item_id);
	else
		key = g_strdup_printf("%s:%u:%u", source, lineno, index);
	g_checksum_update(sum, (const guchar *)key, (gssize)strlen(key));
	uid = g_strdup_printf("meetmig-ews-%.32s", g_checksum_get_string(sum));
	g_checksum_free(sum);
	g_free(key);
	return uid;
}

/* t:UID without surrounding space or what a content line cannot hold. */
static char *
item_uid(const struct xnode *item)
{
	char *uid = child_text(item, "UID");
	GString *clean;

	if (uid == NULL)
		return NULL;
	clean = g_string_new(NULL);
	append_clean(clean, g_strstrip(uid));
	g_free(uid);
	return g_string_free(clean, FALSE);
}

/*
 * map_zone() of ID, owned or NULL, asked of ICU and libical once per id:
 * a dump names a handful of zones, and both look them up by searching.
 */
static char *
known_zone(struct mm_read_ews *r, const char *id)
{
	const char *cached = g_hash_table_lookup(r->zone_ids, id);
	char *iana;

	if (cached != NULL)
		return *cached != '\0' ? g_strdup(cached) : NULL;
	iana = map_zone(id);
	if (g_hash_table_size(r->zone_ids) < MM_LIMIT_ZONES)
		g_hash_table_insert(r->zone_ids, g_strdup(id),
		    g_strdup(iana != NULL ? iana : ""));
	return iana;
}

/* libical's built-in zone IANA, found once (its lookup is a search). */
static icaltimezone *
builtin_zone(struct mm_read_ews *r, const char *iana)
{
	icaltimezone *zone = g_hash_table_lookup(r->builtin_zones, iana);

	if (zone != NULL)
		return zone;
	zone = icaltimezone_get_builtin_timezone(iana);
	if (zone != NULL && g_hash_table_size(r->builtin_zones) < MM_LIMIT_ZONES)
		g_hash_table_insert(r->builtin_zones, g_strdup(iana), zone);
	return zone;
}

/* The meeting's zone, in the order of ews-xml.md section 1.6. */
static void
item_zone(struct mm_read_ews *r, const struct xnode *item,
    struct mm_ews_item *ews)
{
	char *cands[4];
	size_t i;

	cands[0] = child_text(item, "StartTimeZoneId");
	cands[1] = attr_of(child(item, "StartTimeZone"), "Id");
	cands[2] = attr_of(child(item, "MeetingTimeZone"), "TimeZoneName");
	cands[3] = child_text(item, "TimeZone");
	for (i = 0; i < 4; i++) {
		if (cands[i] == NULL)
			continue;
		g_strstrip(cands[i]);
		if (*cands[i] == '\0')
			continue;
		if (ews->time_zone_id == NULL)
			ews->time_zone_id = g_strdup(cands[i]);
		if (ews->iana_zone == NULL) {
			ews->iana_zone = known_zone(r, cands[i]);
			if (ews->iana_zone != NULL) {
				g_free(ews->time_zone_id);
				ews->time_zone_id = g_strdup(cands[i]);
			}
		}
	}
	for (i = 0; i < 4; i++)
		g_free(cands[i]);
}

static const struct {
	const char *element;
	enum mm_role role;
	const char *ical_role;
} attendee_lists[] = {
	{ "RequiredAttendees", MM_ROLE_REQUIRED, "REQ-PARTICIPANT" },
	{ "OptionalAttendees", MM_ROLE_OPTIONAL, "OPT-PARTICIPANT" },
	/* Outlook exports a room or resource this way (MS-OXCICAL 2.1.3.1.1.20.2). */
	{ "Resources", MM_ROLE_NONE, "NON-PARTICIPANT" },
};

static void
item_parties(struct build *b, const struct xnode *item, struct mm_meeting *m,
    struct mm_ews_item *ews)
{
	struct mailbox mb;
	GArray *parties = g_array_new(FALSE, TRUE, sizeof(struct mm_party));
	bool rsvp = child_true(item, "IsResponseRequested");
	size_t g;

	mailbox_read(child(child(item, "Organizer"), "Mailbox"), &mb);
	emit_party(b, "ORGANIZER", &mb, NULL, NULL, NULL, false);
	m->organizer.address = g_steal_pointer(&mb.address);
	m->organizer.name = g_steal_pointer(&mb.name);
	mailbox_release(&mb);

	for (g = 0; g < G_N_ELEMENTS(attendee_lists); g++) {
		const struct xnode *list = child(item, attendee_lists[g].element), *a;

		for (a = list != NULL ? list->children : NULL; a != NULL;
		    a = a->next) {
			struct mm_party party;
			char *response;
			const char *partstat, *cutype = NULL;

			if (!is_t(a, "Attendee"))
				continue;
			m->attendees_listed++;
			if (g == 0)
				ews->required_count++;
			else if (g == 1)
				ews->optional_count++;
			else
				ews->resource_count++;
			if (parties->len >= MM_LIMIT_ATTENDEES) {
				m->attendees_truncated = true;
				continue;
			}
			mailbox_read(child(a, "Mailbox"), &mb);
			response = child_text(a, "ResponseType");
			partstat = partstat_of(response);
			if (mailbox_is_group(&mb))
				cutype = "GROUP";
			else if (attendee_lists[g].role == MM_ROLE_NONE)
				cutype = "RESOURCE";
			emit_party(b, "ATTENDEE", &mb, cutype,
			    attendee_lists[g].ical_role, partstat, rsvp);
			memset(&party, 0, sizeof(party));
			party.address = g_steal_pointer(&mb.address);
			party.name = g_steal_pointer(&mb.name);
			party.role = attendee_lists[g].role;
			party.is_group = mailbox_is_group(&mb);
			party.rsvp = rsvp;
			party.partstat = g_strdup(partstat);
			g_array_append_val(parties, party);
			mailbox_release(&mb);
			g_free(response);
		}
	}
	m->attendee_count = parties->len;
	m->attendees = (struct mm_party *)(void *)g_array_free(parties, FALSE);
}

/*
 * The bodies: t:Body BodyType="HTML" becomes X-ALT-DESC, BodyType="Text"
 * (or 2013's t:TextBody) DESCRIPTION.  Some dumps carry both (pyexchange
 * fixtures: schema-invalid, ews-xml.md section 1.8.5): the first of each
 * type is taken.  The body EWS can update is the HTML one when there is
 * one.
 */
static void
item_bodies(struct build *b, const struct xnode *item, struct mm_ews_event *eev)
{
	const struct xnode *c, *html = NULL, *text = NULL, *text_body;
	const char *html_s = NULL, *text_s = NULL;
	char *html_own = NULL, *text_own = NULL, *type;
	size_t html_len = 0, text_len = 0;

	for (c = item->children; c != NULL; c = c->next) {
		if (!is_t(c, "Body"))
			continue;
		type = attr_of(c, "BodyType");
		if (type != NULL && g_ascii_strcasecmp(type, "HTML") == 0) {
			if (html == NULL)
				html = c;
		} else if (text == NULL)
			text = c;
		g_free(type);
	}
	text_body = text == NULL ? child(item, "TextBody") : NULL;
	if (html != NULL)
		html_s = text_view(html, &html_len, &html_own);
	if (text != NULL || text_body != NULL)
		text_s = text_view(text != NULL ? text : text_body, &text_len,
		    &text_own);
	if (html_len > MM_LIMIT_BODY_SIZE || text_len > MM_LIMIT_BODY_SIZE) {
		build_error(b, "body larger than MM_LIMIT_BODY_SIZE (%zu octets)",
		    MM_LIMIT_BODY_SIZE);
		goto out;
	}
	if (text_len > 0)
		emit_text(b, "DESCRIPTION", text_s, text_len);
	if (html_len > 0)
		emit_text(b, "X-ALT-DESC;FMTTYPE=text/html", html_s, html_len);
	c = html != NULL ? html : text;
	if (c != NULL) {
		char *truncated = attr_of(c, "IsTruncated");
		char **own = c == html ? &html_own : &text_own;

		eev->body_type = c == html ? MM_EWS_BODY_HTML : MM_EWS_BODY_TEXT;
		eev->body_truncated = is_true(truncated);
		g_free(truncated);
		eev->body_len = c == html ? html_len : text_len;
		eev->body = *own != NULL ? *own :
		    g_strndup(c == html ? html_s : text_s, eev->body_len);
		*own = NULL;
	}
	if (text != NULL && html != NULL) {
		char *truncated = attr_of(text, "IsTruncated");

		eev->body_truncated = eev->body_truncated || is_true(truncated);
		g_free(truncated);
	}
out:
	g_free(html_own);
	g_free(text_own);
}

/* EXDATE from t:DeletedOccurrences (the original starts, UTC). */
static void
item_exdates(struct build *b, const struct xnode *list, const struct when *w,
    struct mm_ews_item *ews)
{
	const struct xnode *o;
	bool any = false;

	for (o = list != NULL ? list->children : NULL; o != NULL; o = o->next) {
		int64_t t;

		if (!is_t(o, "DeletedOccurrence"))
			continue;
		ews->deleted_count++;
		if (!child_time(o, "Start", &t)) {
			build_error(b, "DeletedOccurrence without a valid Start");
			continue;
		}
		if (!any) {
			g_string_append(b->line, "EXDATE");
			append_when_params(b->line, w);
			g_string_append_c(b->line, ':');
		} else
			g_string_append_c(b->line, ',');
		append_when(b->line, t, w);
		any = true;
	}
	if (any)
		emit(b);
}

/* What only EWS knows about the item. */
static void
item_facts(struct mm_read_ews *r, const struct xnode *item,
    struct mm_ews_item *ews,
    struct mm_ews_event *eev)
{
	const struct xnode *itemid = child(item, "ItemId"), *c;
	char *s;
	long state;

	eev->item_id = attr_of(itemid, "Id");
	eev->change_key = attr_of(itemid, "ChangeKey");
	s = child_text(item, "CalendarItemType");
	eev->type = item_type_of(s);
	g_free(s);
	ews->item_class = child_text(item, "ItemClass");
	s = child_text(item, "MyResponseType");
	ews->my_response = response_of(s);
	g_free(s);
	s = child_text(item, "IsOrganizer");
	ews->has_is_organizer = s != NULL;
	ews->is_organizer = is_true(s);
	g_free(s);
	ews->is_meeting = child_true(item, "IsMeeting");
	state = child_number(item, "AppointmentState");
	/*
	 * AppointmentState bit 4 is "cancelled" ([TAS]; MS-OXOCAL
	 * PidLidAppointmentStateFlags).
	 */
	ews->is_cancelled = child_true(item, "IsCancelled") || (state & 4) != 0;
	ews->is_online_meeting = child_true(item, "IsOnlineMeeting");
	ews->join_online_meeting_url = child_text(item, "JoinOnlineMeetingUrl");
	ews->conference_type = child_text(item, "ConferenceType");
	for (c = item->children; c != NULL; c = c->next)
		if (is_t(c, "ExtendedProperty"))
			read_extprop(ews, c);
	item_zone(r, item, ews);
	read_modified(ews, child(item, "ModifiedOccurrences"));
	c = child(item, "LastOccurrence");
	ews->has_last_occurrence = c != NULL && child_time(c, "End",
	    &ews->last_occurrence_end);
}

/*
 * Turns one top-level t:CalendarItem into a meeting of one event.  Never
 * fails: what cannot be understood is the event's parse_error.
 */
static struct mm_meeting *
item_build(struct mm_read_ews *r, const struct xnode *item, const char *source,
    unsigned lineno)
{
	struct mm_meeting *m = mm_meeting_new();
	struct mm_ews_item *ews = g_new0(struct mm_ews_item, 1);
	struct mm_ews_event *eev;
	struct mm_event *ev = mm_event_new(lineno);
	struct build b;
	struct when w;
	const struct xnode *recurrence, *c;
	char *s, *subject, *location;
	int64_t start = 0, end = 0, t;
	bool has_start, has_end, master, instance;

	memset(&b, 0, sizeof(b));
	memset(&w, 0, sizeof(w));
	b.r = r;
	b.source = source;
	b.lineno = lineno;
	b.ev = ev;
	b.line = g_string_new(NULL);

	m->source = g_strdup(source);
	m->lineno = lineno;
	m->tzset = r->tzset;
	m->ews = ews;
	m->ews_free = mm_ews_item_free;
	ews->events = g_new0(struct mm_ews_event, 1);
	ews->event_count = 1;
	eev = &ews->events[0];
	eev->lineno = lineno;

	item_facts(r, item, ews, eev);
	recurrence = child(item, "Recurrence");
	master = eev->type == MM_EWS_ITEM_RECURRING_MASTER ||
	    (eev->type == MM_EWS_ITEM_UNKNOWN && recurrence != NULL);
	instance = eev->type == MM_EWS_ITEM_OCCURRENCE ||
	    eev->type == MM_EWS_ITEM_EXCEPTION;

	m->uid = item_uid(item);
	if (m->uid == NULL || *m->uid == '\0') {
		g_free(m->uid);
		m->uid = made_up_uid(eev->item_id, source, lineno,
		    r->items_in_input);
	}
	b.uid = m->uid;

	w.all_day = child_true(item, "IsAllDayEvent");
	if (ews->iana_zone != NULL && strcmp(ews->iana_zone, "UTC") != 0) {
		w.date_zone = builtin_zone(r, ews->iana_zone);
		if (master || instance) {
			w.tzid = ews->iana_zone;
			w.zone = w.date_zone;
			ensure_vtimezone(r, ews->iana_zone);
		}
	}

	has_start = child_time(item, "Start", &start);
	has_end = child_time(item, "End", &end);
	if (master && !has_start && (c = child(item, "FirstOccurrence")) != NULL) {
		/* A master's own Start is its first occurrence's anyway. */
		has_start = child_time(c, "Start", &start);
		has_end = child_time(c, "End", &end);
	}
	g_string_append(b.line, "UID:");
	g_string_append(b.line, m->uid);
	emit(&b);
	if (instance) {
		bool known = child_time(item, "RecurrenceId", &t) ||
		    child_time(item, "OriginalStart", &t);

		if (!known && has_start) {
			/* A CalendarView occurrence that was never moved. */
			t = start;
			known = true;
		}
		if (known) {
			const struct mm_prop *p;

			emit_time(&b, "RECURRENCE-ID", t, &w);
			p = &ev->props[ev->prop_count - 1];
			ev->recurrence_id = g_strndup(p->line + p->value_off,
			    p->len - p->value_off);
		} else
			build_error(&b, "occurrence without RecurrenceId, "
			    "OriginalStart or Start");
	}
	if (child_time(item, "DateTimeStamp", &t)) {
		g_string_append(b.line, "DTSTAMP:");
		append_utc(b.line, t);
		emit(&b);
	}
	s = child_text(item, "AppointmentSequenceNumber");
	if (s != NULL) {
		g_strstrip(s);
		if (*s != '\0' && strspn(s, "0123456789") == strlen(s) &&
		    strlen(s) < 10) {
			g_string_append_printf(b.line, "SEQUENCE:%s", s);
			emit(&b);
		}
		g_free(s);
	}
	subject = child_text(item, "Subject");
	if (subject != NULL) {
		emit_text(&b, "SUMMARY", subject, strlen(subject));
		m->summary = subject;
	}
	location = child_text(item, "Location");
	if (location != NULL && *location != '\0')
		emit_text(&b, "LOCATION", location, strlen(location));
	g_free(location);
	if (has_start)
		emit_time(&b, "DTSTART", start, &w);
	else
		build_error(&b, "item without a valid Start");
	if (has_end)
		emit_time(&b, "DTEND", end, &w);
	if (master && recurrence != NULL && has_start)
		(void)emit_rrule(&b, recurrence, &w, start, &ews->no_end);
	else if (master && recurrence == NULL)
		build_error(&b, "recurring master without Recurrence");
	if (master)
		item_exdates(&b, child(item, "DeletedOccurrences"), &w, ews);
	if (ews->is_cancelled) {
		g_string_append(b.line, "STATUS:CANCELLED");
		emit(&b);
	}
	m->cancelled = ews->is_cancelled;
	item_parties(&b, item, m, ews);
	item_bodies(&b, item, eev);
	ews->body_truncated = eev->body_truncated;

	/* libical parses it when selection asks (mm_meeting_parse()). */
	ev->parse_error = b.error;
	m->has_master = !instance;
	mm_meeting_add_event(m, ev);
	g_string_free(b.line, TRUE);
	return m;
}

/* ------------------------------------------------------------------ */
/* Reading one input.                                                  */

static void
found_free(gpointer data)
{
	struct found *f = data;

	tree_free(f->item);
	g_free(f->warning);
	g_free(f);
}

static void
input_free(struct input *in)
{
	if (in == NULL)
		return;
	if (in->ctxt != NULL) {
		xmlFreeDoc(in->ctxt->myDoc);
		in->ctxt->myDoc = NULL;
		xmlFreeParserCtxt(in->ctxt);
	}
	filter_release(&in->filter);
	g_queue_clear_full(&in->found, found_free);
	if (in->spare != NULL)
		g_ptr_array_free(in->spare, TRUE);
	tree_free(in->cap);
	g_free(in->name);
	g_free(in->response_class);
	g_free(in->response_code);
	g_free(in->message_text);
	g_free(in->xml_error);
	g_free(in);
}

/* The line the parser is at: that of the start tag just read, in a callback. */
static unsigned
parser_line(const struct input *in)
{
	int line = in->ctxt->input != NULL ? in->ctxt->input->line : 0;

	return line > 0 ? (unsigned)line : 0;
}

static void
record_xml_error(struct input *in, const char *message, int line)
{
	char *msg;

	if (in->xml_error != NULL)
		return;
	msg = g_strdup(message != NULL ? message : "unknown error");
	g_strchomp(msg);
	in->xml_error = msg;
	in->xml_error_line = line > 0 ? (unsigned)line : 0;
	in->xml_error_offset = xmlByteConsumed(in->ctxt);
}

static void
on_xml_error(void *data, xmlErrorPtr err)
{
	xmlParserCtxtPtr ctxt = data;
	struct input *in = ctxt != NULL ? ctxt->_private : NULL;

	if (in == NULL || err == NULL || err->level < XML_ERR_ERROR)
		return;
	if (err->code == XML_ERR_INTERNAL_ERROR && err->message != NULL &&
	    strstr(err->message, "Excessive depth") != NULL)
		in->depth_exceeded = true;
	record_xml_error(in, err->message, err->line);
}

static void
xml_init(void)
{
	static gsize ready;

	if (g_once_init_enter(&ready)) {
		xmlInitParser();
		g_once_init_leave(&ready, 1);
	}
}

/* The elements the reader looks for, by namespace and local name. */
static const struct {
	const char *ns;
	const char *local;
	enum kind kind;
} kinds[] = {
	{ MM_EWS_NS_MESSAGES, "Items", K_ITEMS },
	{ MM_EWS_NS_MESSAGES, "GetItemResponseMessage", K_RESPONSE_GET },
	{ MM_EWS_NS_MESSAGES, "FindItemResponseMessage", K_RESPONSE_FIND },
	{ MM_EWS_NS_MESSAGES, "ResponseCode", K_RESPONSE_CODE },
	{ MM_EWS_NS_MESSAGES, "MessageText", K_MESSAGE_TEXT },
	{ MM_EWS_NS_TYPES, "Items", K_ITEMS },
	{ MM_EWS_NS_TYPES, "CalendarItem", K_CALENDAR_ITEM },
};

static enum kind
classify(const char *ns, const char *local)
{
	bool messages, types;

	if (ns == NULL || local == NULL)
		return K_OTHER;
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
		if (strcmp(local, kinds[i].local) == 0 &&
		    strcmp(ns, kinds[i].ns) == 0)
			return kinds[i].kind;
	messages = strcmp(ns, MM_EWS_NS_MESSAGES) == 0;
	types = !messages && strcmp(ns, MM_EWS_NS_TYPES) == 0;
	if (messages && g_str_has_suffix(local, "ResponseMessage"))
		return K_RESPONSE_OTHER;
	if (messages || types)
		return K_EWS;
	/*
	 * SOAP 1.1 (http://schemas.xmlsoap.org/soap/envelope/, or https in
	 * Microsoft's docs samples) or SOAP 1.2.
	 */
	if (strcmp(local, "Fault") == 0 && strstr(ns, "soap") != NULL)
		return K_FAULT;
	return K_OTHER;
}

/* Queues what input_step() takes next. */
static void
found_warning(struct input *in, bool error_response, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
found_warning(struct input *in, bool error_response, const char *fmt, ...)
{
	struct found *f = g_new0(struct found, 1);
	va_list ap;

	va_start(ap, fmt);
	f->warning = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	f->error_response = error_response;
	g_queue_push_tail(&in->found, f);
}

static void
response_end(struct input *in)
{
	if (in->response_bad)
		found_warning(in, strcmp(in->response_class, "Error") == 0,
		    "EWS response %s %s%s%s (%s:%u)", in->response_class,
		    in->response_code != NULL ? in->response_code : "(no code)",
		    in->message_text != NULL ? ": " : "",
		    in->message_text != NULL ? in->message_text : "",
		    in->name, in->response_line);
	in->response_depth = -1;
	in->response_bad = false;
	in->response = K_OTHER;
}

static void
response_start(struct input *in, enum kind kind, int depth,
    const xmlChar **attrs, int nb_attrs)
{
	GString *cls = NULL;
	int a;

	for (a = 0; a < nb_attrs && cls == NULL; a++) {
		const xmlChar **at = attrs + 5 * a;

		if (at[2] == NULL && strcmp((const char *)at[0],
		    "ResponseClass") == 0) {
			cls = g_string_new(NULL);
			tree_append_value(cls, (const char *)at[3],
			    (size_t)(at[4] - at[3]));
		}
	}
	g_free(in->response_class);
	g_free(in->response_code);
	g_free(in->message_text);
	in->response_code = NULL;
	in->message_text = NULL;
	in->response_class = cls != NULL ? g_string_free(cls, FALSE) :
	    g_strdup("Success");
	in->response = kind;
	in->response_depth = depth;
	in->response_bad = strcmp(in->response_class, "Success") != 0;
	in->response_line = parser_line(in);
}

/* The text of the first descendant element named LOCAL, owned, or NULL. */
static char *
descendant_text(const struct xnode *n, const char *local)
{
	const struct xnode *c;
	char *s;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(c->name, local) == 0)
			return g_strstrip(text_of(c, NULL));
		if ((s = descendant_text(c, local)) != NULL)
			return s;
	}
	return NULL;
}

static void
read_fault(struct input *in, const struct xnode *node)
{
	char *text = descendant_text(node, "faultstring");

	if (text == NULL)
		text = descendant_text(node, "Text");
	found_warning(in, true, "SOAP fault: %s (%s:%u)",
	    text != NULL ? text : "no text", in->name, node->line);
	g_free(text);
}

/*
 * Keeps tree T (owned; NULL is nothing) for the next capture, unless a few
 * are kept already or it grew for an item much larger than most: memory
 * then stays what one chunk's items need, not a multiple of the largest
 * item of the file.
 */
static void
spare_tree(struct input *in, struct xtree *t)
{
	if (t == NULL)
		return;
	if (in->spare->len >= SPARE_TREES || t->nodes->len > SPARE_NODES ||
	    t->text->allocated_len > SPARE_TEXT) {
		tree_free(t);
		return;
	}
	g_ptr_array_add(in->spare, t);
}

static void
capture_start(struct input *in, enum capture what)
{
	struct xtree *t = in->spare->len > 0 ?
	    g_ptr_array_steal_index_fast(in->spare, in->spare->len - 1) :
	    tree_new();

	tree_reset(t);
	in->cap = t;
	in->capture = what;
	in->cap_line = parser_line(in);
	in->cap_from_find_item = in->response == K_RESPONSE_FIND;
}

/* The capture's root element ended. */
static void
capture_end(struct input *in)
{
	struct xtree *t = in->cap;
	const struct xnode *root = in->capture != CAP_ITEM ? tree_finish(t) :
	    NULL;
	struct found *f;
	char **slot;

	in->cap = NULL;
	switch (in->capture) {
	case CAP_ITEM:
		f = g_new0(struct found, 1);
		f->item = t;
		f->line = in->cap_line;
		f->from_find_item = in->cap_from_find_item;
		g_queue_push_tail(&in->found, f);
		t = NULL;
		break;
	case CAP_FAULT:
		read_fault(in, root);
		break;
	case CAP_RESPONSE_CODE:
	case CAP_MESSAGE_TEXT:
		slot = in->capture == CAP_RESPONSE_CODE ? &in->response_code :
		    &in->message_text;
		g_free(*slot);
		*slot = g_strstrip(text_of(root, NULL));
		break;
	case CAP_NONE:
		break;
	}
	in->capture = CAP_NONE;
	spare_tree(in, t);
}

/* libxml2 SAX2: an element starts. */
static void
on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
    int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct input *in = ctxt->_private;
	int depth = in->depth++;
	enum kind kind;

	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	if (depth > MM_LIMIT_XML_DEPTH) {
		in->too_deep_line = parser_line(in);
		xmlStopParser(ctxt);
		return;
	}
	if (in->cap != NULL) {
		tree_start(in->cap, (const char *)local, uri != NULL &&
		    strcmp((const char *)uri, MM_EWS_NS_TYPES) == 0,
		    parser_line(in), attrs, nb_attrs);
		return;
	}
	kind = classify((const char *)uri, (const char *)local);
	in->stack[depth] = kind;
	if (kind != K_OTHER)
		in->saw_ews = true;
	switch (kind) {
	case K_RESPONSE_GET:
	case K_RESPONSE_FIND:
	case K_RESPONSE_OTHER:
		response_start(in, kind, depth, attrs, nb_attrs);
		return;
	case K_RESPONSE_CODE:
	case K_MESSAGE_TEXT:
		if (!in->response_bad || depth != in->response_depth + 1)
			return;
		capture_start(in, kind == K_RESPONSE_CODE ? CAP_RESPONSE_CODE :
		    CAP_MESSAGE_TEXT);
		break;
	case K_FAULT:
		capture_start(in, CAP_FAULT);
		break;
	case K_CALENDAR_ITEM:
		/*
		 * Only m:Items/t:CalendarItem and t:Items/t:CalendarItem of a
		 * response: never the items nested in ConflictingMeetings or
		 * AdjacentMeetings, never those of a request (CreateItem in a
		 * trace file).
		 */
		if (depth == 0 || in->stack[depth - 1] != K_ITEMS ||
		    in->response_depth < 0)
			return;
		capture_start(in, CAP_ITEM);
		break;
	default:
		return;
	}
	tree_start(in->cap, (const char *)local, uri != NULL &&
	    strcmp((const char *)uri, MM_EWS_NS_TYPES) == 0, in->cap_line,
	    attrs, nb_attrs);
}

/* libxml2 SAX2: an element ends. */
static void
on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct input *in = ctxt->_private;

	(void)local;
	(void)prefix;
	(void)uri;
	in->depth--;
	if (in->cap != NULL) {
		if (tree_end(in->cap))
			capture_end(in);
		return;
	}
	if (in->depth == in->response_depth)
		response_end(in);
}

/*
 * libxml2 SAX2: text, CDATA (XML_PARSE_NOCDATA) or blanks.  A text node
 * longer than XML_MAX_TEXT_LENGTH (10,000,000 octets) stops the parse as
 * libxml2's own tree builder would (SAX2.c, xmlSAX2Characters()).
 */
static void
on_text(void *ctx, const xmlChar *s, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct input *in = ctxt->_private;

	if (in->cap == NULL || len <= 0)
		return;
	if (in->cap->run >= 0 &&
	    in->cap->run_len + (size_t)len > XML_MAX_TEXT_LENGTH) {
		record_xml_error(in, "xmlSAX2Characters: huge text node",
		    (int)parser_line(in));
		xmlStopParser(ctxt);
		return;
	}
	tree_text(in->cap, (const char *)s, (size_t)len);
}

/*
 * Opens input INDEX (a path, or the memory buffer when paths[INDEX] is
 * NULL): decoder, filter, and a push parser that loads no DTD, resolves no
 * entity and uses no network, with the callbacks above.
 */
static struct input *
input_open(struct mm_read_ews *r, size_t index, struct mm_diag *diag)
{
	struct input *in = g_new0(struct input, 1);
	const char *path = r->paths[index];
	const char *charset = NULL;
	struct filter *f = &in->filter;
	xmlSAXHandler sax;
	int attempt;

	in->name = g_strdup(r->names[index]);
	in->response_depth = -1;
	in->xml_error_offset = -1;
	in->spare = g_ptr_array_new_with_free_func((GDestroyNotify)tree_free);
	g_queue_init(&in->found);
	for (attempt = 0; attempt < 2; attempt++) {
		f->dec = path != NULL ? mm_decode_open(path, charset, diag) :
		    mm_decode_open_memory(r->mem, r->mem_len, in->name, charset,
		    diag);
		if (f->dec == NULL)
			goto fail;
		mm_decode_set_name(f->dec, in->name);
		f->name = in->name;
		f->bom = mm_decode_encoding(f->dec) == MM_ENC_UTF8_BOM ? 3 : 0;
		f->size = FILTER_BLOCK;
		f->buf = g_malloc(f->size);
		f->line = 1;
		mm_diag_init(&f->diag);
		if (filter_refill(f) != 0) {
			mm_diag_set(diag, f->diag.code, "%s", f->diag.message);
			goto fail;
		}
		/*
		 * UTF-16 without a byte order mark: "<" then a NUL (or the
		 * reverse).  XML 1.0 appendix F.1 sniffs it the same way.
		 */
		if (attempt == 0 && mm_decode_encoding(f->dec) == MM_ENC_UTF8 &&
		    f->len >= 2) {
			if (f->buf[0] == '<' && f->buf[1] == '\0')
				charset = "UTF-16LE";
			else if (f->buf[0] == '\0' && f->buf[1] == '<')
				charset = "UTF-16BE";
			if (charset != NULL) {
				filter_release(f);
				continue;
			}
		}
		break;
	}
	for (;;) {
		if (f->len - f->pos < LOOKAHEAD && !f->eof &&
		    filter_refill(f) != 0) {
			mm_diag_set(diag, f->diag.code, "%s", f->diag.message);
			goto fail;
		}
		if (f->pos == f->len || !g_ascii_isspace(f->buf[f->pos]))
			break;
		if (f->buf[f->pos++] == '\n')
			f->line++;
	}
	if (f->pos == f->len) {
		mm_diag_set(diag, MM_DIAG_DATA, "not EWS XML: %s is empty",
		    in->name);
		goto fail;
	}
	if (f->buf[f->pos] != '<') {
		mm_diag_set(diag, MM_DIAG_DATA,
		    "not EWS XML: the file does not start with an element (%s:%u)",
		    in->name, f->line);
		goto fail;
	}
	/*
	 * SAX2 with our element and text callbacks: no tree is built but the
	 * captures.  Errors come to on_xml_error() (serror), never to stderr.
	 */
	memset(&sax, 0, sizeof(sax));
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.ignorableWhitespace = on_text;
	sax.cdataBlock = on_text;
	sax.reference = NULL;
	sax.comment = NULL;
	sax.processingInstruction = NULL;
	sax.serror = on_xml_error;
	in->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, in->name);
	if (in->ctxt == NULL) {
		mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "libxml2 cannot make a parser (%s)", in->name);
		goto fail;
	}
	in->ctxt->_private = in;
	/*
	 * XML_PARSE_NONET: no network.  Neither XML_PARSE_NOENT (entity
	 * substitution), XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR nor
	 * XML_PARSE_HUGE (which would lift libxml2's own size limits).
	 */
	xmlCtxtUseOptions(in->ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_BIG_LINES);
	xmlSwitchEncoding(in->ctxt, XML_CHAR_ENCODING_UTF8);
	return in;
fail:
	input_free(in);
	return NULL;
}

/* Feeds the parser until something is found or the input ends. */
static void
input_pump(struct input *in)
{
	while (g_queue_is_empty(&in->found) && !in->ended) {
		int got = filter_read(&in->filter, in->chunk, sizeof(in->chunk));
		int rc;

		if (got < 0) {
			in->ended = in->failed = true;
			break;
		}
		rc = xmlParseChunk(in->ctxt, in->chunk, got, got == 0);
		if (rc != 0 || in->ctxt->wellFormed == 0 ||
		    in->too_deep_line > 0 || in->xml_error != NULL)
			in->ended = in->failed = true;
		else if (got == 0)
			in->ended = true;
	}
}

/*
 * The parse or the filter stopped.  Returns -1 with diag on a run error,
 * or 0 after recording a warning: the file is finished either way.
 */
static int
input_failed(struct mm_read_ews *r, struct input *in, struct mm_diag *diag)
{
	unsigned line = in->xml_error_line;

	if (in->filter.failed)
		return mm_diag_set(diag, in->filter.diag.code, "%s",
		    in->filter.diag.message);
	/* Our limit, or libxml2's own (the same depth) reached first. */
	if (in->too_deep_line > 0 || in->depth_exceeded)
		return mm_diag_set(diag, MM_DIAG_LIMIT,
		    "XML elements nested deeper than MM_LIMIT_XML_DEPTH (%d) "
		    "(%s:%u)", MM_LIMIT_XML_DEPTH, in->name,
		    in->too_deep_line > 0 ? in->too_deep_line : line);
	if (!in->saw_ews)
		return mm_diag_set(diag, MM_DIAG_DATA, "not EWS XML: %s (%s:%u)",
		    in->xml_error != NULL ? in->xml_error : "libxml2 stopped",
		    in->name, line);
	if (in->filter.closed && in->xml_error_offset >= 0 &&
	    (unsigned long long)in->xml_error_offset >= in->filter.close_at)
		/* libxml2 stopped at the synthetic end tag: the file ended. */
		warn(r, "EWS XML cut short: the file ends inside an element, "
		    "items from there on are not read (%s:%u)", in->name, line);
	else
		warn(r, "EWS XML not well-formed: %s; items from there on are "
		    "not read (%s:%u)", in->xml_error != NULL ? in->xml_error :
		    "libxml2 stopped", in->name, line);
	return 0;
}

static int
input_finish(struct mm_read_ews *r, struct input *in, struct mm_diag *diag)
{
	if (!in->saw_ews)
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "not EWS XML: no element of the EWS namespaces in %s",
		    in->name);
	if (in->filter.dropped > 0) {
		warn(r, "dropped %u character%s XML forbids (such as &#x0;), "
		    "first on line %u (%s)", in->filter.dropped,
		    in->filter.dropped == 1 ? "" : "s",
		    in->filter.first_drop_line, in->name);
		if (!r->scanning)
			r->stats.dropped_chars += in->filter.dropped;
	}
	return 0;
}

/*
 * The text of child LOCAL of an item the parse stopped inside, owned, or
 * NULL unless the child was read to its end (something follows it).
 */
static char *
complete_child_text(const struct xnode *partial, const char *local)
{
	const struct xnode *c = child(partial, local);

	return c != NULL && c->next != NULL ? text_of(c, NULL) : NULL;
}

/*
 * A meeting for the CalendarItem started at LINE that libxml2 could not
 * read to its end: the file is cut short inside it, it is not well-formed
 * there, or it passes a libxml2 limit such as 10,000,000 octets of text
 * (fixtures/hostile/ews-truncated-in-body.xml, ews-undeclared-entity.xml,
 * the 10 MB body of tests/hostile.sh).  Its one event carries the reason,
 * so selection fails it and the run ends with status 1 rather than as if
 * nothing were missing.  The UID and Subject name it when they were read
 * before the trouble.
 */
static struct mm_meeting *
item_lost(struct mm_read_ews *r, struct input *in, const struct xnode *partial,
    unsigned line)
{
	struct mm_meeting *m = mm_meeting_new();
	struct mm_ews_item *ews = g_new0(struct mm_ews_item, 1);
	struct mm_event *ev = mm_event_new(line);
	char *uid = partial != NULL ? complete_child_text(partial, "UID") : NULL;
	bool cut = in->filter.closed && in->xml_error_offset >= 0 &&
	    (unsigned long long)in->xml_error_offset >= in->filter.close_at;

	m->source = g_strdup(in->name);
	m->lineno = line;
	m->tzset = r->tzset;
	m->ews = ews;
	m->ews_free = mm_ews_item_free;
	ews->events = g_new0(struct mm_ews_event, 1);
	ews->event_count = 1;
	ews->events[0].lineno = line;
	if (uid != NULL) {
		GString *clean = g_string_new(NULL);

		append_clean(clean, g_strstrip(uid));
		m->uid = g_string_free(clean, FALSE);
	}
	if (m->uid == NULL || *m->uid == '\0') {
		g_free(m->uid);
		m->uid = made_up_uid(NULL, in->name, line, r->items_in_input);
	}
	if (partial != NULL)
		m->summary = complete_child_text(partial, "Subject");
	if (cut)
		ev->parse_error = g_strdup_printf("file ends inside CalendarItem "
		    "started at line %u; it and anything after it are not read "
		    "(%s:%u)", line, in->name, in->xml_error_line);
	else
		ev->parse_error = g_strdup_printf("CalendarItem started at line %u "
		    "cannot be read: %s; it and the items after it are not read "
		    "(%s:%u)", line, in->xml_error != NULL ? in->xml_error :
		    "libxml2 stopped", in->name, in->xml_error_line);
	mm_meeting_add_event(m, ev);
	g_free(uid);
	return m;
}

/*
 * An ItemId as a set key (mm_hash_key()).  ItemIds are 150 octets or so;
 * keeping every one read made memory grow with the dump (a 1 GB dump read
 * with 45% more than a 10 MB one), eight octets a key does not.  Two
 * ItemIds of one dump sharing a hash is a chance of about n^2 / 2^65: for
 * a million items, one in 3 * 10^7.
 */
static gpointer
id_key(const char *id)
{
	return mm_hash_key(id);
}

/* In the first pass: what later items are compared with. */
static void
scan_item(struct mm_read_ews *r, const struct xnode *item, bool from_find_item)
{
	char *id = attr_of(child(item, "ItemId"), "Id");
	char *type = child_text(item, "CalendarItemType");
	char *uid = item_uid(item);

	if (id != NULL && *id != '\0' && !from_find_item)
		g_hash_table_add(r->full_ids, id_key(id));
	if (uid != NULL && type != NULL &&
	    item_type_of(type) == MM_EWS_ITEM_RECURRING_MASTER) {
		g_hash_table_add(r->master_uids, uid);
		uid = NULL;
	}
	g_free(id);
	g_free(type);
	g_free(uid);
}

/*
 * Reads on to the next top-level item.  Returns 1 with *out (one item as a
 * meeting), 0 when the input is finished, or -1 with diag on a run error.
 * With OUT NULL (the first pass) items are only noted, never returned.
 */
static int
input_step(struct mm_read_ews *r, struct input *in, struct mm_meeting **out,
    struct mm_diag *diag)
{
	for (;;) {
		struct found *f = g_queue_pop_head(&in->found);
		int rc = 0;

		if (f == NULL) {
			if (!in->ended) {
				input_pump(in);
				continue;
			}
			if (!in->failed || in->failure_said)
				return 0;
			in->failure_said = true;
			if (input_failed(r, in, diag) < 0)
				return -1;
			if (in->cap == NULL || in->capture != CAP_ITEM ||
			    out == NULL)
				return 0;
			r->stats.items++;
			*out = item_lost(r, in, tree_finish(in->cap),
			    in->cap_line);
			r->items_in_input++;
			return 1;
		}
		if (f->item == NULL) {
			warn(r, "%s", f->warning);
			if (f->error_response && !r->scanning)
				r->stats.error_responses++;
		} else if (out == NULL) {
			scan_item(r, tree_finish(f->item), f->from_find_item);
		} else {
			r->stats.items++;
			*out = item_build(r, tree_finish(f->item), in->name,
			    f->line);
			r->items_in_input++;
			(*out)->ews->from_find_item = f->from_find_item;
			rc = 1;
		}
		spare_tree(in, g_steal_pointer(&f->item));
		found_free(f);
		if (rc == 1)
			return 1;
	}
}

/* The next item of the whole input.  Returns 1, 0 at the end, or -1. */
static int
read_item(struct mm_read_ews *r, struct mm_meeting **out, struct mm_diag *diag)
{
	int rc;

	for (;;) {
		if (r->in == NULL) {
			if (r->file_next >= r->file_count)
				return 0;
			r->in = input_open(r, r->file_next++, diag);
			if (r->in == NULL)
				return -1;
			r->stats.files++;
		}
		rc = input_step(r, r->in, out, diag);
		if (rc != 0)
			return rc;
		rc = input_finish(r, r->in, diag);
		input_free(r->in);
		r->in = NULL;
		if (rc != 0)
			return -1;
	}
}

/* ------------------------------------------------------------------ */
/* Meetings out of items.                                              */

/*
 * The first pass, made once and only when an item needs it (a FindItem
 * item, or a CalendarView occurrence): which ItemIds the input also has
 * with their details (outside FindItem), and which series have their
 * master in the input.  Reading the input twice costs time, not memory;
 * the sets hold one string per item.
 */
static void
scan_all(struct mm_read_ews *r)
{
	size_t i;

	r->scanned = true;
	r->scanning = true;
	for (i = 0; i < r->file_count; i++) {
		struct mm_diag d;
		struct input *in;

		mm_diag_init(&d);
		in = input_open(r, i, &d);
		/* Trouble is reported when the second pass gets there. */
		if (in != NULL)
			while (input_step(r, in, NULL, &d) > 0)
				continue;
		input_free(in);
		mm_diag_release(&d);
	}
	r->scanning = false;
}

static bool
is_duplicate(struct mm_read_ews *r, const struct mm_meeting *item)
{
	const struct mm_ews_event *e = &item->ews->events[0];
	const char *id = e->item_id;

	if (!r->scanned && (item->ews->from_find_item ||
	    e->type == MM_EWS_ITEM_OCCURRENCE))
		scan_all(r);
	/* FindItem's copy of an item whose GetItem copy is in the input. */
	if (item->ews->from_find_item && id != NULL && *id != '\0' &&
	    g_hash_table_contains(r->full_ids, id_key(id)))
		return true;
	/* A CalendarView occurrence of a series whose master is read. */
	if (e->type == MM_EWS_ITEM_OCCURRENCE &&
	    g_hash_table_contains(r->master_uids, item->uid))
		return true;
	/* The same item twice (overlapping pages, a dump made twice). */
	if (id != NULL && *id != '\0') {
		if (g_hash_table_contains(r->seen_ids, id_key(id)))
			return true;
		g_hash_table_add(r->seen_ids, id_key(id));
	}
	return false;
}

/* Said once the item is kept: a duplicate's trouble is not news. */
static void
warn_zone(struct mm_read_ews *r, const struct mm_meeting *item)
{
	const struct mm_ews_item *ews = item->ews;

	if (ews->iana_zone != NULL || !item->has_master ||
	    (ews->events[0].type != MM_EWS_ITEM_RECURRING_MASTER &&
	    mm_event_find(item->events[0], "RRULE") < 0))
		return;
	warn(r, "time zone of a recurring item unknown (%s): its recurrence "
	    "is expanded in UTC (%s:%u, UID %s)",
	    ews->time_zone_id != NULL ? ews->time_zone_id : "none given",
	    item->source, item->lineno, item->uid);
}

static bool
can_join(const struct mm_meeting *cur, const struct mm_meeting *item)
{
	enum mm_ews_item_type type = item->ews->events[0].type;

	if (strcmp(cur->uid, item->uid) != 0 ||
	    cur->event_count + item->event_count > MM_LIMIT_EVENTS_PER_SERIES)
		return false;
	if (type == MM_EWS_ITEM_EXCEPTION || type == MM_EWS_ITEM_OCCURRENCE)
		return true;
	return type == MM_EWS_ITEM_RECURRING_MASTER && !cur->has_master;
}

/* Moves SRC's events (and their EWS facts) to the end of DST; frees SRC. */
static void
join(struct mm_meeting *dst, struct mm_meeting *src)
{
	struct mm_ews_item *de = dst->ews, *se = src->ews;
	size_t i;

	de->events = g_renew(struct mm_ews_event, de->events,
	    de->event_count + se->event_count);
	for (i = 0; i < src->event_count; i++) {
		mm_meeting_add_event(dst, src->events[i]);
		de->events[de->event_count++] = se->events[i];
	}
	de->body_truncated = de->body_truncated || se->body_truncated;
	src->event_count = 0;
	se->event_count = 0;
	mm_meeting_free(src);
}

int
mm_read_ews_next(struct mm_read_ews *r, struct mm_meeting **out,
    struct mm_diag *diag)
{
	struct mm_meeting *cur = NULL, *item = NULL;
	int rc;

	*out = NULL;
	if (r->failed)
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "cannot read %s after an earlier error", r->name);
	for (;;) {
		if (r->pending != NULL) {
			item = r->pending;
			r->pending = NULL;
		} else {
			rc = read_item(r, &item, diag);
			if (rc < 0) {
				r->failed = true;
				mm_meeting_free(cur);
				return -1;
			}
			if (rc == 0)
				break;
			if (is_duplicate(r, item)) {
				r->stats.duplicates++;
				mm_meeting_free(item);
				continue;
			}
			warn_zone(r, item);
		}
		if (cur == NULL) {
			cur = item;
			continue;
		}
		if (!can_join(cur, item)) {
			r->pending = item;
			break;
		}
		if (item->has_master) {
			/* The master goes first (meeting.h). */
			join(item, cur);
			cur = item;
		} else
			join(cur, item);
	}
	if (cur == NULL)
		return 0;
	*out = cur;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Opening and closing.                                                */

static struct mm_read_ews *
reader_new(const char *name)
{
	struct mm_read_ews *r = g_new0(struct mm_read_ews, 1);

	xml_init();
	r->name = g_strdup(name);
	r->tzset = mm_tzset_new();
	r->zone_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	r->builtin_zones = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	r->zones_added = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	r->seen_ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	r->full_ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	r->master_uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	r->warnings = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(r->warnings, NULL);
	return r;
}

static bool
has_xml_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && g_ascii_strcasecmp(name + n - 4, ".xml") == 0;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.xml files of folder PATH in byte order of their names. */
static int
list_folder(struct mm_read_ews *r, const char *path, const char *name,
    struct mm_diag *diag)
{
	GError *error = NULL;
	GDir *dir = g_dir_open(path, 0, &error);
	GPtrArray *files;
	const char *entry;
	guint i;

	if (dir == NULL) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open folder %s: %s",
		    name, error->message);
		g_error_free(error);
		return -1;
	}
	files = g_ptr_array_new();
	while ((entry = g_dir_read_name(dir)) != NULL) {
		char *full;

		if (!has_xml_suffix(entry))
			continue;
		full = g_build_filename(path, entry, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, g_strdup(entry));
		g_free(full);
	}
	g_dir_close(dir);
	g_ptr_array_sort(files, compare_names);
	if (files->len == 0) {
		g_ptr_array_free(files, TRUE);
		return mm_diag_set(diag, MM_DIAG_NOINPUT,
		    "no *.xml files in folder %s", name);
	}
	r->file_count = files->len;
	r->paths = g_new0(char *, files->len + 1);
	r->names = g_new0(char *, files->len + 1);
	for (i = 0; i < files->len; i++) {
		char *entry_name = g_ptr_array_index(files, i);

		r->paths[i] = g_build_filename(path, entry_name, NULL);
		r->names[i] = g_strdup_printf("%s%s%s", name,
		    g_str_has_suffix(name, "/") ? "" : "/", entry_name);
		g_free(entry_name);
	}
	g_ptr_array_free(files, TRUE);
	return 0;
}

/* Opens the first input now, so that its trouble shows at open time. */
static struct mm_read_ews *
reader_start(struct mm_read_ews *r, struct mm_diag *diag)
{
	r->in = input_open(r, 0, diag);
	if (r->in == NULL) {
		mm_read_ews_close(r);
		return NULL;
	}
	r->file_next = 1;
	r->stats.files = 1;
	return r;
}

struct mm_read_ews *
mm_read_ews_open(const char *path, const char *name, struct mm_diag *diag)
{
	struct mm_read_ews *r;
	struct stat st;

	if (name == NULL)
		name = path;
	if (stat(path, &st) != 0) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open %s: %s", name,
		    g_strerror(errno));
		return NULL;
	}
	r = reader_new(name);
	if (S_ISDIR(st.st_mode)) {
		if (list_folder(r, path, name, diag) != 0) {
			mm_read_ews_close(r);
			return NULL;
		}
	} else {
		r->file_count = 1;
		r->paths = g_new0(char *, 2);
		r->names = g_new0(char *, 2);
		r->paths[0] = g_strdup(path);
		r->names[0] = g_strdup(name);
	}
	return reader_start(r, diag);
}

struct mm_read_ews *
mm_read_ews_open_memory(const char *data, size_t len, const char *name,
    struct mm_diag *diag)
{
	struct mm_read_ews *r = reader_new(name != NULL ? name : "memory");

	r->mem = data;
	r->mem_len = len;
	r->file_count = 1;
	r->paths = g_new0(char *, 2);
	r->names = g_new0(char *, 2);
	r->names[0] = g_strdup(r->name);
	return reader_start(r, diag);
}

struct mm_tzset *
mm_read_ews_tzset(struct mm_read_ews *r)
{
	return r->tzset;
}

const char *const *
mm_read_ews_warnings(const struct mm_read_ews *r)
{
	return (const char *const *)r->warnings->pdata;
}

void
mm_read_ews_stats(const struct mm_read_ews *r, struct mm_read_ews_stats *out)
{
	*out = r->stats;
}

void
mm_read_ews_close(struct mm_read_ews *r)
{
	if (r == NULL)
		return;
	input_free(r->in);
	mm_meeting_free(r->pending);
	mm_tzset_free(r->tzset);
	g_hash_table_destroy(r->zones_added);
	g_hash_table_destroy(r->zone_ids);
	g_hash_table_destroy(r->builtin_zones);
	g_hash_table_destroy(r->seen_ids);
	g_hash_table_destroy(r->full_ids);
	g_hash_table_destroy(r->master_uids);
	g_ptr_array_free(r->warnings, TRUE);
	g_strfreev(r->paths);
	g_strfreev(r->names);
	g_free(r->name);
	g_free(r);
}

bool
mm_read_ews_sniff(const char *head, size_t len)
{
	const unsigned char *b = (const unsigned char *)head;
	size_t i = 0, step = 1, at = 0;

	if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		i = 3;
	else if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
		i = 2;          /* UTF-16LE: the ASCII octet comes first */
		step = 2;
	} else if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
		i = 2;
		step = 2;
		at = 1;
	} else if (len >= 2 && b[0] == '<' && b[1] == 0)
		step = 2;
	else if (len >= 2 && b[0] == 0 && b[1] == '<') {
		step = 2;
		at = 1;
	}
	for (; i + step <= len; i += step) {
		if (step == 2 && b[i + (at ^ 1)] != 0)
			return false;
		if (b[i + at] == '<')
			return true;
		if (!g_ascii_isspace(b[i + at]))
			return false;
	}
	return false;
}
