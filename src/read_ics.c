/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iCalendar reader.  It owns the decoder, the line assembly, the
 * file's time zones and the VCALENDAR's own lines, and returns one meeting
 * series at a time.  It never holds more of the file than one series (plus
 * one event read ahead to see whether the series goes on), never lets
 * libical see a whole file, a body, a NUL byte or an unbalanced END (each of
 * those is a trap measured in reference/libical-hazards.md), and never
 * prints: trouble becomes a parse_error on the event, a warning, or a diag.
 *
 * The pipeline per logical line: decoded octets are cut at LF (CRLF or bare
 * LF), folds (a physical line starting with SPACE or TAB, RFC 5545 section
 * 3.1) are joined on raw octets, then the logical line is checked for NUL
 * bytes and UTF-8 validity.  A character split by a fold is therefore fine.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "ascii.h"
#include "contentline.h"
#include "decode.h"
#include "limits.h"
#include "read_ics.h"

#define READ_BLOCK      65536

/* Where a physical line's octets landed in the logical line. */
struct segment {
	size_t logical_off;
	unsigned long long stream_off;  /* offset in the decoded stream */
	unsigned lineno;
};

struct mm_read_ics {
	struct mm_decoder *dec;
	char *name;

	char *buf;                      /* decoded octets */
	size_t buf_pos;
	size_t buf_len;
	unsigned long long buf_stream_off;      /* stream offset of buf[0] */
	bool eof;
	unsigned phys_lineno;           /* physical lines started so far */

	/* The current logical line. */
	GString *line;
	unsigned line_lineno;
	bool line_too_long;
	bool stop_when_long;            /* the first line: no need to read on */
	bool line_at_eof;               /* nothing follows the line */
	GArray *segments;               /* of struct segment */
	bool pushed_back;               /* line is to be read again */

	struct mm_tzset *tzset;
	struct mm_event *calendar;      /* VCALENDAR's own lines */
	struct mm_event *ahead;         /* next series' first event, read ahead */
	bool calendar_ended;            /* END:VCALENDAR seen */
	bool more_calendars;            /* a second BEGIN:VCALENDAR was seen */
	bool truncated;                 /* the file ended inside a component */
	bool finished;

	GPtrArray *warnings;            /* owned strings, NULL-terminated */
	unsigned warnings_dropped;
};

/* ------------------------------------------------------------------ */
/* Warnings and errors */

/* Appends an owned message, keeping the array NULL-terminated. */
static void
add_warning(struct mm_read_ics *r, char *msg)
{
	g_ptr_array_index(r->warnings, r->warnings->len - 1) = msg;
	g_ptr_array_add(r->warnings, NULL);
}

static void G_GNUC_PRINTF(2, 3)
warn(struct mm_read_ics *r, const char *fmt, ...)
{
	va_list ap;

	if (r->warnings->len > MM_READ_ICS_MAX_WARNINGS) {
		r->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	add_warning(r, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Physical and logical lines */

/* Makes sure an octet is buffered.  Returns 1, 0 at the end, or -1. */
static int
fill(struct mm_read_ics *r, struct mm_diag *diag)
{
	ssize_t n;

	if (r->buf_pos < r->buf_len)
		return 1;
	if (r->eof)
		return 0;
	r->buf_stream_off += r->buf_len;
	r->buf_pos = 0;
	r->buf_len = 0;
	n = mm_decode_read(r->dec, r->buf, READ_BLOCK, diag);
	if (n < 0)
		return -1;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->buf_len = (size_t)n;
	return 1;
}

static void
append_bounded(struct mm_read_ics *r, const char *s, size_t n)
{
	if (r->line_too_long)
		return;
	if (r->line->len + n > MM_LIMIT_LINE_LENGTH) {
		/*
		 * Keep the head (it names the property) and drop the rest
		 * as it streams by: the limit bounds memory too.
		 */
		g_string_append_len(r->line, s, MM_LIMIT_LINE_LENGTH - r->line->len);
		r->line_too_long = true;
		return;
	}
	g_string_append_len(r->line, s, n);
}

/* Appends one physical line (terminator removed) to r->line. */
static int
read_physical(struct mm_read_ics *r, struct mm_diag *diag)
{
	struct segment seg;
	size_t seg_start = r->line->len;
	int rc;

	r->phys_lineno++;
	seg.logical_off = r->line->len;
	seg.stream_off = r->buf_stream_off + r->buf_pos;
	seg.lineno = r->phys_lineno;
	if (!r->line_too_long)
		g_array_append_val(r->segments, seg);
	while ((rc = fill(r, diag)) > 0) {
		const char *start = r->buf + r->buf_pos;
		size_t avail = r->buf_len - r->buf_pos;
		const char *lf = memchr(start, '\n', avail);

		if (lf == NULL) {
			append_bounded(r, start, avail);
			r->buf_pos = r->buf_len;
			if (r->line_too_long && r->stop_when_long)
				break;
			continue;
		}
		append_bounded(r, start, (size_t)(lf - start));
		r->buf_pos += (size_t)(lf - start) + 1;
		break;
	}
	if (rc < 0)
		return -1;
	/* CRLF: the CR may have come in an earlier block. */
	if (!r->line_too_long && r->line->len > seg_start &&
	    r->line->str[r->line->len - 1] == '\r')
		g_string_truncate(r->line, r->line->len - 1);
	return 0;
}

/*
 * Reads the next logical line into r->line.  Returns 1, 0 at the end of the
 * input, or -1 with diag.  Empty lines are skipped (Outlook ends some files
 * with one; they carry nothing).
 */
static int
read_logical(struct mm_read_ics *r, struct mm_diag *diag)
{
	int rc;

	if (r->pushed_back) {
		r->pushed_back = false;
		return 1;
	}
	do {
		g_string_truncate(r->line, 0);
		g_array_set_size(r->segments, 0);
		r->line_too_long = false;
		rc = fill(r, diag);
		if (rc <= 0)
			return rc;
		r->line_lineno = r->phys_lineno + 1;
		if (read_physical(r, diag) != 0)
			return -1;
		/* A fold: the next physical line starts with SPACE or TAB. */
		while ((rc = fill(r, diag)) > 0) {
			char c = r->buf[r->buf_pos];

			if (r->line_too_long && r->stop_when_long)
				break;
			if (c != ' ' && c != '\t')
				break;
			r->buf_pos++;
			if (read_physical(r, diag) != 0)
				return -1;
			/* The segment starts after the fold's whitespace. */
		}
		if (rc < 0)
			return -1;
		r->line_at_eof = rc == 0;
	} while (r->line->len == 0 && !r->line_too_long);
	return 1;
}

/* The segment holding logical offset OFF. */
static const struct segment *
segment_at(const struct mm_read_ics *r, size_t off)
{
	const struct segment *segs = (const struct segment *)(const void *)
	    r->segments->data;
	size_t lo = 0, hi = r->segments->len;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (segs[mid].logical_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &segs[lo];
}

/*
 * Describes where logical offset OFF of the current line is: for UTF-8
 * input the offset in the input file, otherwise in the decoded text.
 */
static char *
describe_offset(const struct mm_read_ics *r, size_t off, unsigned *lineno)
{
	const struct segment *seg = segment_at(r, off);
	unsigned long long at = seg->stream_off + (off - seg->logical_off);

	*lineno = seg->lineno;
	switch (mm_decode_encoding(r->dec)) {
	case MM_ENC_UTF8_BOM:
		/* The BOM's three octets precede the decoded stream. */
		return g_strdup_printf("byte offset %llu", at + 3);
	case MM_ENC_UTF8:
		return g_strdup_printf("byte offset %llu", at);
	case MM_ENC_UTF16LE:
	case MM_ENC_UTF16BE:
	case MM_ENC_LEGACY:
		break;
	}
	return g_strdup_printf("decoded byte offset %llu", at);
}

/* The first control character RFC 5545 forbids in a content line, or NULL. */
static const char *
find_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return s + i;
	}
	return NULL;
}

/*
 * Whether S holds nothing check_line() would refuse: no NUL, no control but
 * HTAB, only valid UTF-8.  One pass, printable ASCII eight octets at a
 * time; most lines pass, and only the others get the closer looks that
 * say where.
 */
static bool
line_clean(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		gunichar u;

		if (i + 8 <= len && mm_ascii_printable(mm_ascii_word(s + i))) {
			i += 8;
		} else if (c >= 0x20 && c < 0x7f) {
			i++;
		} else if (c == '\t') {
			i++;
		} else if (c < 0x80) {
			return false;
		} else {
			u = g_utf8_get_char_validated(s + i, (gssize)(len - i));
			if (u == (gunichar)-1 || u == (gunichar)-2)
				return false;
			i += (size_t)g_utf8_skip[c];
		}
	}
	return true;
}

/*
 * Checks the current line for what libical would not see: NUL bytes (it
 * would cut the line there) and invalid UTF-8 (it would keep it silently).
 * Other control characters (section 3.1 and 3.3.11 allow only HTAB) are
 * refused too: libical keeps them and the writers copy lines as read into
 * messages for every attendee, where a bare CR in a UID, a CN or an
 * address (fixtures/hostile/uid-paths.ics, header-injection.ics) is a line
 * break to some readers.  Returns NULL or an owned message.
 */
static char *
check_line(const struct mm_read_ics *r)
{
	const char *nul, *control;
	size_t bad;
	unsigned lineno;
	char *where, *msg;

	if (r->line_too_long)
		return g_strdup_printf(
		    "line longer than MM_LIMIT_LINE_LENGTH (%zu octets) (%s:%u)",
		    MM_LIMIT_LINE_LENGTH, r->name, r->line_lineno);
	if (line_clean(r->line->str, r->line->len))
		return NULL;
	nul = memchr(r->line->str, '\0', r->line->len);
	if (nul != NULL) {
		where = describe_offset(r, (size_t)(nul - r->line->str), &lineno);
		msg = g_strdup_printf("NUL byte at %s (%s:%u)", where, r->name,
		    lineno);
		g_free(where);
		return msg;
	}
	if (!mm_utf8_valid(r->line->str, r->line->len, &bad)) {
		where = describe_offset(r, bad, &lineno);
		msg = g_strdup_printf("invalid UTF-8 at %s (%s:%u)", where, r->name,
		    lineno);
		g_free(where);
		return msg;
	}
	control = find_control(r->line->str, r->line->len);
	if (control != NULL) {
		where = describe_offset(r, (size_t)(control - r->line->str),
		    &lineno);
		msg = g_strdup_printf("control character U+%04X at %s (%s:%u)",
		    (unsigned)(unsigned char)*control, where, r->name, lineno);
		g_free(where);
		return msg;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Line classification */

/*
 * Whether the line is "BEGIN:X" or "END:X" (MARKER, upper case, names
 * which); *what receives X's offset and length.  Trailing blanks after X
 * are tolerated.
 */
static bool
is_marker(const GString *line, const char *marker, size_t *what_off,
    size_t *what_len)
{
	size_t n, len = line->len;

	/* Every line comes here: most are told apart by their first octet. */
	if (len == 0 || g_ascii_toupper(line->str[0]) != marker[0])
		return false;
	n = strlen(marker);
	if (len <= n || line->str[n] != ':' ||
	    g_ascii_strncasecmp(line->str, marker, n) != 0)
		return false;
	while (len > n + 1 && (line->str[len - 1] == ' ' ||
	    line->str[len - 1] == '\t'))
		len--;
	*what_off = n + 1;
	*what_len = len - n - 1;
	return true;
}

static bool
marker_is(const GString *line, const char *marker, const char *what)
{
	size_t off, len;

	return is_marker(line, marker, &off, &len) && len == strlen(what) &&
	    g_ascii_strncasecmp(line->str + off, what, len) == 0;
}

/*
 * A property name: iana-token or x-name (RFC 5545 section 3.1), plus '_',
 * which some producers put in X- names: such a line must stay a line.
 */
static bool
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/*
 * Exchange 2003's CDO wrote long lines broken without the leading space of
 * a fold (tine20/outlook_external_invitation.ics: a UID and an ATTENDEE).
 * Such a piece cannot be a content line of its own when it has no ':' at
 * all, or when what precedes its first ':' or ';' is not a property name.
 * Real content lines always have a name, so joining these is safe.
 */
static bool
is_broken_fold(const GString *line)
{
	size_t i;

	for (i = 0; i < line->len; i++)
		if (line->str[i] == ':' || line->str[i] == ';')
			return !valid_name(line->str, i);
	return true;
}

/* ------------------------------------------------------------------ */
/* Components */

/* Whether LINE is a UID, RECURRENCE-ID or SUMMARY property. */
static bool
is_naming_line(const GString *line)
{
	size_t name_len, value_off;

	if (mm_contentline_split(line->str, line->len, &name_len,
	    &value_off) != 0)
		return false;
	return mm_contentline_name_is(line->str, name_len, "UID") ||
	    mm_contentline_name_is(line->str, name_len, "RECURRENCE-ID") ||
	    mm_contentline_name_is(line->str, name_len, "SUMMARY");
}

/* The value of top-level property NAME of EV, owned, or NULL. */
static char *
raw_value(const struct mm_event *ev, const char *name)
{
	int i = mm_event_find(ev, name);
	const struct mm_prop *p;

	if (i < 0)
		return NULL;
	p = &ev->props[i];
	return g_strndup(p->line + p->value_off, p->len - p->value_off);
}

static bool
is_nesting_prop(const struct mm_prop *p)
{
	return mm_contentline_name_is(p->line, p->name_len, "BEGIN") ||
	    mm_contentline_name_is(p->line, p->name_len, "END");
}

/* Appends to the previous line of EV, as a fold would have. */
static void
join_to_last(struct mm_event *ev, const GString *line)
{
	struct mm_prop *p = &ev->props[ev->prop_count - 1];

	p->line = g_realloc(p->line, p->len + line->len + 1);
	memcpy(p->line + p->len, line->str, line->len);
	p->len += line->len;
	p->line[p->len] = '\0';
	if (mm_contentline_split(p->line, p->len, &p->name_len,
	    &p->value_off) != 0) {
		p->name_len = p->len;
		p->value_off = p->len;
	}
}

/*
 * Reads the lines of a component whose BEGIN line was just read, up to its
 * END, into EV (BEGIN/END of the component itself excluded).  KIND is
 * "VEVENT" or "VTIMEZONE".  Problems go to ev->parse_error; returns -1
 * only on a run error.
 */
static int
read_component(struct mm_read_ics *r, struct mm_event *ev, const char *kind,
    struct mm_diag *diag)
{
	bool is_event = strcmp(kind, "VEVENT") == 0;
	bool over_limit = false;
	char *pending = NULL;           /* the last line's problem, if a join may fix it */
	GPtrArray *open = g_ptr_array_new_with_free_func(g_free);
	size_t off, len;
	unsigned lines = 0;
	int rc;

	for (;;) {
		char *problem;

		rc = read_logical(r, diag);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			r->truncated = true;
			mm_event_error(ev, "file ends inside %s started at line %u (%s)",
			    kind, ev->lineno, r->name);
			break;
		}
		if (marker_is(r->line, "END", kind))
			break;
		if (marker_is(r->line, "BEGIN", "VEVENT") ||
		    marker_is(r->line, "BEGIN", "VTIMEZONE") ||
		    marker_is(r->line, "END", "VCALENDAR")) {
			/* A missing END: the line belongs to what follows. */
			mm_event_error(ev, "%s started at line %u has no END:%s (%s:%u)",
			    kind, ev->lineno, kind, r->name, r->line_lineno);
			r->pushed_back = true;
			break;
		}
		problem = check_line(r);
		/* The last line of a cut file is a piece, not a fold. */
		if (is_event && ev->prop_count > 0 && !r->line_too_long &&
		    !r->line_at_eof && is_broken_fold(r->line) &&
		    !is_nesting_prop(&ev->props[ev->prop_count - 1])) {
			const struct mm_prop *p;

			join_to_last(ev, r->line);
			warn(r, "line without leading whitespace joined to the "
			    "line before it (broken folding) (%s:%u)", r->name,
			    r->line_lineno);
			/* The join may complete a character cut in two. */
			p = &ev->props[ev->prop_count - 1];
			if (mm_utf8_valid(p->line, p->len, NULL) &&
			    memchr(p->line, '\0', p->len) == NULL) {
				g_clear_pointer(&pending, g_free);
				g_clear_pointer(&problem, g_free);
			} else if (pending == NULL) {
				pending = g_steal_pointer(&problem);
			}
			g_free(problem);
			continue;
		}
		if (pending != NULL) {
			mm_event_error(ev, "%s", pending);
			g_clear_pointer(&pending, g_free);
		}
		if (r->line_too_long) {
			/* Not stored: only its head was kept. */
			mm_event_error(ev, "%s", problem);
			g_free(problem);
			continue;
		}
		/* Reported when the next line is not a piece of this one. */
		pending = problem;
		if (is_marker(r->line, "BEGIN", &off, &len)) {
			g_ptr_array_add(open, g_strndup(r->line->str + off, len));
		} else if (is_marker(r->line, "END", &off, &len)) {
			const char *top = open->len > 0 ?
			    g_ptr_array_index(open, open->len - 1) : NULL;

			if (top == NULL || strlen(top) != len ||
			    g_ascii_strncasecmp(top, r->line->str + off, len) != 0)
				mm_event_error(ev, "END:%.*s without its BEGIN (%s:%u)",
				    (int)MIN(len, 100), r->line->str + off,
				    r->name, r->line_lineno);
			else
				g_ptr_array_set_size(open, open->len - 1);
		}
		if (++lines > MM_LIMIT_PROPS_PER_EVENT) {
			if (!over_limit)
				mm_event_error(ev, "more than MM_LIMIT_PROPS_PER_EVENT "
				    "(%d) lines in one %s (%s:%u)",
				    MM_LIMIT_PROPS_PER_EVENT, kind, r->name,
				    r->line_lineno);
			over_limit = true;
			/*
			 * UID, RECURRENCE-ID and SUMMARY are kept all the
			 * same: they name the meeting in the error and the
			 * report and keep its series together (a VEVENT of
			 * 100,000 ATTENDEEs lists its UID after them).
			 */
			if (!is_event || !is_naming_line(r->line))
				continue;
		}
		mm_event_add_line(ev, r->line->str, r->line->len, r->line_lineno);
	}
	if (pending != NULL)
		mm_event_error(ev, "%s", pending);
	if (open->len > 0)
		mm_event_error(ev, "BEGIN:%s without its END in %s started at line "
		    "%u (%s)", (const char *)g_ptr_array_index(open, open->len - 1),
		    kind, ev->lineno, r->name);
	rc = 0;
out:
	g_free(pending);
	g_ptr_array_free(open, TRUE);
	return rc;
}

/*
 * After the lines: lines without ':', RECURRENCE-ID.  libical's parse waits
 * for selection (mm_meeting_parse()).
 */
static void
finish_event(struct mm_read_ics *r, struct mm_event *ev)
{
	size_t i;

	for (i = 0; i < ev->prop_count; i++) {
		const struct mm_prop *p = &ev->props[i];

		if (p->name_len == p->len) {
			mm_event_error(ev, "line without ':' (%s:%u)", r->name,
			    p->lineno);
			break;
		}
	}
	ev->recurrence_id = raw_value(ev, "RECURRENCE-ID");
}

/* Skips an unknown top-level component up to its END. */
static int
skip_component(struct mm_read_ics *r, const char *kind, struct mm_diag *diag)
{
	unsigned start = r->line_lineno;
	int rc;

	warn(r, "%s skipped: not a meeting (%s:%u)", kind, r->name, start);
	for (;;) {
		rc = read_logical(r, diag);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			r->truncated = true;
			return 0;
		}
		if (marker_is(r->line, "END", kind))
			return 0;
		if (marker_is(r->line, "BEGIN", "VEVENT") ||
		    marker_is(r->line, "END", "VCALENDAR")) {
			warn(r, "%s started at line %u has no END:%s (%s:%u)",
			    kind, start, kind, r->name, r->line_lineno);
			r->pushed_back = true;
			return 0;
		}
	}
}

static int
read_vtimezone(struct mm_read_ics *r, struct mm_diag *diag)
{
	struct mm_event *vtz = mm_event_new(r->line_lineno);
	unsigned lineno = vtz->lineno;
	struct mm_diag tzdiag;

	if (read_component(r, vtz, "VTIMEZONE", diag) != 0) {
		mm_event_free(vtz);
		return -1;
	}
	if (vtz->parse_error != NULL) {
		warn(r, "VTIMEZONE ignored: %s", vtz->parse_error);
		mm_event_free(vtz);
		return 0;
	}
	mm_diag_init(&tzdiag);
	if (mm_tzset_add(r->tzset, vtz, &tzdiag) != 0)
		warn(r, "%s (%s:%u)", tzdiag.message, r->name, lineno);
	mm_diag_release(&tzdiag);
	return 0;
}

/*
 * Reads on until the next VEVENT, handling what comes between at the
 * calendar level.  Returns 1 with *out, 0 at the end, -1 on a run error.
 */
static int
next_event(struct mm_read_ics *r, struct mm_event **out, struct mm_diag *diag)
{
	size_t off, len;
	int rc;

	*out = NULL;
	for (;;) {
		char *problem, *kind;

		rc = read_logical(r, diag);
		if (rc <= 0)
			return rc;
		if (r->line_too_long)
			return mm_diag_set(diag, MM_DIAG_LIMIT,
			    "line longer than MM_LIMIT_LINE_LENGTH (%zu octets) "
			    "(%s:%u)", MM_LIMIT_LINE_LENGTH, r->name,
			    r->line_lineno);
		if (marker_is(r->line, "BEGIN", "VEVENT")) {
			struct mm_event *ev = mm_event_new(r->line_lineno);

			if (r->calendar_ended)
				warn(r, "VEVENT outside VCALENDAR (%s:%u)", r->name,
				    r->line_lineno);
			if (read_component(r, ev, "VEVENT", diag) != 0) {
				mm_event_free(ev);
				return -1;
			}
			finish_event(r, ev);
			*out = ev;
			return 1;
		}
		if (marker_is(r->line, "BEGIN", "VTIMEZONE")) {
			if (read_vtimezone(r, diag) != 0)
				return -1;
			continue;
		}
		if (marker_is(r->line, "END", "VCALENDAR")) {
			r->calendar_ended = true;
			continue;
		}
		if (marker_is(r->line, "BEGIN", "VCALENDAR")) {
			/*
			 * Several calendars concatenated: read their
			 * components; the first calendar's lines stand for
			 * all (the others repeat PRODID and VERSION).
			 */
			r->calendar_ended = false;
			r->more_calendars = true;
			continue;
		}
		if (is_marker(r->line, "BEGIN", &off, &len)) {
			kind = g_strndup(r->line->str + off, len);
			rc = skip_component(r, kind, diag);
			g_free(kind);
			if (rc != 0)
				return -1;
			continue;
		}
		if (is_marker(r->line, "END", &off, &len)) {
			warn(r, "END:%.*s without its BEGIN (%s:%u)",
			    (int)MIN(len, 100), r->line->str + off, r->name,
			    r->line_lineno);
			continue;
		}
		problem = check_line(r);
		if (problem != NULL) {
			warn(r, "%s", problem);
			g_free(problem);
		}
		if (r->calendar_ended) {
			warn(r, "line after END:VCALENDAR ignored (%s:%u)", r->name,
			    r->line_lineno);
			continue;
		}
		if (r->more_calendars)
			continue;
		if (r->calendar->prop_count >= MM_LIMIT_PROPS_PER_EVENT) {
			warn(r, "more than MM_LIMIT_PROPS_PER_EVENT (%d) VCALENDAR "
			    "lines, line ignored (%s:%u)",
			    MM_LIMIT_PROPS_PER_EVENT, r->name, r->line_lineno);
			continue;
		}
		if (mm_event_add_line(r->calendar, r->line->str, r->line->len,
		    r->line_lineno) != 0)
			warn(r, "line without ':' (%s:%u)", r->name, r->line_lineno);
	}
}

/* ------------------------------------------------------------------ */
/* Meetings */

static char *
strip_mailto(const char *address)
{
	if (address == NULL)
		return NULL;
	if (g_ascii_strncasecmp(address, "mailto:", 7) == 0)
		address += 7;
	return g_strdup(address);
}

/*
 * An ATTENDEE or the ORGANIZER from its line as written (RFC 5545 sections
 * 3.8.4.1 and 3.8.4.3): attendees are not given to libical (see
 * mm_event_parse()), and the organizer is needed before libical's parse,
 * which only the user's own meetings get.  The parameters read here are
 * the ones libical would give: CN unquoted with RFC 6868 carets decoded,
 * the enumerated ones compared case-insensitively.
 */
static void
party_from_line(struct mm_party *party, const struct mm_prop *p)
{
	static const char *const names[] = {
		"CN", "ROLE", "CUTYPE", "RSVP", "PARTSTAT",
	};
	char *params[G_N_ELEMENTS(names)];
	char *value = g_strndup(p->line + p->value_off, p->len - p->value_off);
	const char *role;

	/* One pass over the parameters: every attendee of a mailbox comes here. */
	mm_contentline_params(p->line, p->name_len, p->value_off, names, params,
	    G_N_ELEMENTS(names));
	party->address = strip_mailto(value);
	g_free(value);
	party->name = params[0];
	role = params[1];
	party->role = MM_ROLE_REQUIRED;
	if (role == NULL)
		;
	else if (g_ascii_strcasecmp(role, "OPT-PARTICIPANT") == 0)
		party->role = MM_ROLE_OPTIONAL;
	else if (g_ascii_strcasecmp(role, "CHAIR") == 0)
		party->role = MM_ROLE_CHAIR;
	else if (g_ascii_strcasecmp(role, "NON-PARTICIPANT") == 0)
		party->role = MM_ROLE_NONE;
	party->is_group = params[2] != NULL &&
	    g_ascii_strcasecmp(params[2], "GROUP") == 0;
	party->rsvp = params[3] != NULL && g_ascii_strcasecmp(params[3], "TRUE") == 0;
	if (params[4] != NULL)
		party->partstat = g_ascii_strup(params[4], -1);
	for (size_t k = 1; k < G_N_ELEMENTS(names); k++)
		g_free(params[k]);
}

/* The facts selection and the writers need, from the first event. */
static void
extract_facts(struct mm_meeting *m)
{
	struct mm_event *ev = m->events[0];
	int i;
	size_t alloc = 0;

	i = mm_event_find(ev, "SUMMARY");
	if (i >= 0) {
		/*
		 * Our own unescaping of the line as written, not libical's
		 * value: libical turns an unknown escape such as "\:" into a
		 * space.
		 */
		const struct mm_prop *p = &ev->props[i];
		size_t out_len;

		/*
		 * A SUMMARY that is not UTF-8 failed its event already
		 * (check_line); the report could show it only with U+FFFD
		 * (fixtures/hostile/invalid-utf8.ics), so it is not taken.
		 */
		if (mm_utf8_valid(p->line + p->value_off, p->len - p->value_off,
		    NULL))
			mm_text_unescape(p->line + p->value_off,
			    p->len - p->value_off, &m->summary, &out_len, NULL);
	}
	i = mm_event_find(ev, "ORGANIZER");
	if (i >= 0 && ev->props[i].name_len < ev->props[i].len)
		party_from_line(&m->organizer, &ev->props[i]);
	/* The event's own attendees: not those of a nested VALARM. */
	for (size_t k = 0, depth = 0; k < ev->prop_count; k++) {
		const struct mm_prop *p = &ev->props[k];

		if (mm_contentline_name_is(p->line, p->name_len, "BEGIN"))
			depth++;
		else if (mm_contentline_name_is(p->line, p->name_len, "END"))
			depth = depth > 0 ? depth - 1 : 0;
		if (depth != 0 || p->name_len == p->len ||
		    !mm_contentline_name_is(p->line, p->name_len, "ATTENDEE"))
			continue;
		m->attendees_listed++;
		if (m->attendee_count >= MM_LIMIT_ATTENDEES) {
			m->attendees_truncated = true;
			continue;
		}
		if (m->attendee_count == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			m->attendees = g_renew(struct mm_party, m->attendees, alloc);
		}
		memset(&m->attendees[m->attendee_count], 0, sizeof(struct mm_party));
		party_from_line(&m->attendees[m->attendee_count++], p);
	}
}

static bool
same_uid(const struct mm_meeting *m, const struct mm_event *ev)
{
	char *uid;
	bool same;

	if (m->uid == NULL)
		return false;
	uid = raw_value(ev, "UID");
	same = uid != NULL && strcmp(uid, m->uid) == 0;
	g_free(uid);
	return same;
}

static void
add_to_series(struct mm_read_ics *r, struct mm_meeting *m, struct mm_event *ev)
{
	if (ev->recurrence_id == NULL) {
		if (m->has_master) {
			mm_event_error(ev, "second VEVENT without RECURRENCE-ID for "
			    "the same UID (%s:%u)", r->name, ev->lineno);
		} else {
			/* The master goes first, wherever it was read. */
			mm_meeting_add_event(m, ev);
			memmove(&m->events[1], &m->events[0],
			    (m->event_count - 1) * sizeof(*m->events));
			m->events[0] = ev;
			m->has_master = true;
			return;
		}
	}
	mm_meeting_add_event(m, ev);
}

int
mm_read_ics_next(struct mm_read_ics *r, struct mm_meeting **out,
    struct mm_diag *diag)
{
	struct mm_meeting *m = NULL;
	struct mm_event *ev;
	size_t dropped = 0;
	int rc;

	*out = NULL;
	if (r->finished)
		return 0;
	ev = r->ahead;
	r->ahead = NULL;
	if (ev == NULL) {
		rc = next_event(r, &ev, diag);
		if (rc < 0)
			return -1;
	}
	if (ev == NULL) {
		r->finished = true;
		if (r->truncated || !r->calendar_ended)
			add_warning(r, g_strdup_printf(
			    "%s: missing END:VCALENDAR", r->name));
		if (r->warnings_dropped > 0)
			add_warning(r, g_strdup_printf(
			    "%s: %u more warnings not shown", r->name,
			    r->warnings_dropped));
		return 0;
	}
	m = mm_meeting_new();
	m->source = g_strdup(r->name);
	m->lineno = ev->lineno;
	m->uid = raw_value(ev, "UID");
	/*
	 * A UID that is not UTF-8 failed its event already (check_line); kept,
	 * it would reach status.json only as U+FFFD (fixtures/hostile/
	 * invalid-utf8.ics).  The error's file and line still name the meeting.
	 */
	if (m->uid != NULL && !mm_utf8_valid(m->uid, strlen(m->uid), NULL))
		g_clear_pointer(&m->uid, g_free);
	m->tzset = r->tzset;
	add_to_series(r, m, ev);
	/*
	 * Outlook and Exchange write a master and then its exceptions, so
	 * consecutive VEVENTs with one UID are one series.  A UID that comes
	 * back later, after another, starts a new meeting.
	 */
	for (;;) {
		rc = next_event(r, &ev, diag);
		if (rc < 0) {
			mm_meeting_free(m);
			return -1;
		}
		if (rc == 0)
			break;
		if (!same_uid(m, ev)) {
			r->ahead = ev;
			break;
		}
		if (m->event_count >= MM_LIMIT_EVENTS_PER_SERIES) {
			if (dropped++ == 0)
				mm_event_error(m->events[0], "more than "
				    "MM_LIMIT_EVENTS_PER_SERIES (%d) VEVENTs "
				    "for one UID (%s:%u)",
				    MM_LIMIT_EVENTS_PER_SERIES, r->name,
				    ev->lineno);
			mm_event_free(ev);
			continue;
		}
		add_to_series(r, m, ev);
	}
	extract_facts(m);
	*out = m;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Opening */

static struct mm_read_ics *
reader_new(struct mm_decoder *dec, const char *name)
{
	struct mm_read_ics *r = g_new0(struct mm_read_ics, 1);

	r->dec = dec;
	r->name = g_strdup(name);
	r->buf = g_malloc(READ_BLOCK);
	r->line = g_string_sized_new(256);
	r->segments = g_array_new(FALSE, FALSE, sizeof(struct segment));
	r->tzset = mm_tzset_new();
	r->calendar = mm_event_new(1);
	r->warnings = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(r->warnings, NULL);
	return r;
}

/* The first content line must open a VCALENDAR. */
static int
check_start(struct mm_read_ics *r, struct mm_diag *diag)
{
	int rc;

	/*
	 * A first line past MM_LIMIT_LINE_LENGTH is not BEGIN:VCALENDAR:
	 * refused there, not after reading to its end (a stream with no line
	 * end at all would be read to MM_LIMIT_FILE_SIZE).
	 */
	r->stop_when_long = true;
	rc = read_logical(r, diag);
	r->stop_when_long = false;

	if (rc < 0)
		return -1;
	if (rc == 0 || r->line_too_long ||
	    !marker_is(r->line, "BEGIN", "VCALENDAR"))
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "%s: not iCalendar data: first line is not BEGIN:VCALENDAR",
		    r->name);
	r->calendar->lineno = r->line_lineno;
	return 0;
}

static struct mm_read_ics *
open_with(struct mm_decoder *dec, const char *name, struct mm_diag *diag)
{
	struct mm_read_ics *r;

	if (dec == NULL)
		return NULL;
	mm_decode_set_name(dec, name);
	r = reader_new(dec, name);
	if (check_start(r, diag) != 0) {
		mm_read_ics_close(r);
		return NULL;
	}
	return r;
}

struct mm_read_ics *
mm_read_ics_open(const char *path, const char *name, struct mm_diag *diag)
{
	return open_with(mm_decode_open(path, NULL, diag),
	    name != NULL ? name : path, diag);
}

struct mm_read_ics *
mm_read_ics_open_fd(int fd, const char *head, size_t head_len,
    const char *name, struct mm_diag *diag)
{
	return open_with(mm_decode_open_fd(fd, head, head_len, name, NULL, diag),
	    name, diag);
}

struct mm_read_ics *
mm_read_ics_open_memory(const char *data, size_t len, const char *name,
    struct mm_diag *diag)
{
	return open_with(mm_decode_open_memory(data, len, name, NULL, diag), name,
	    diag);
}

struct mm_tzset *
mm_read_ics_tzset(struct mm_read_ics *reader)
{
	return reader->tzset;
}

const struct mm_event *
mm_read_ics_calendar(const struct mm_read_ics *reader)
{
	return reader->calendar;
}

const char *const *
mm_read_ics_warnings(const struct mm_read_ics *reader)
{
	return (const char *const *)(const void *)reader->warnings->pdata;
}

void
mm_read_ics_close(struct mm_read_ics *reader)
{
	if (reader == NULL)
		return;
	mm_decode_close(reader->dec);
	g_free(reader->name);
	g_free(reader->buf);
	g_string_free(reader->line, TRUE);
	g_array_free(reader->segments, TRUE);
	mm_tzset_free(reader->tzset);
	mm_event_free(reader->calendar);
	mm_event_free(reader->ahead);
	g_ptr_array_free(reader->warnings, TRUE);
	g_free(reader);
}
