/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iCalendar reader.  Each case is an input and the expected dump of
 * what the reader made of it: meetings, events, parties, errors, warnings.
 * A dump line per fact keeps a failing case readable.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "read_ics.h"
#include "tap.h"

static const char *
role_name(enum mm_role role)
{
	switch (role) {
	case MM_ROLE_REQUIRED:
		return "req";
	case MM_ROLE_OPTIONAL:
		return "opt";
	case MM_ROLE_CHAIR:
		return "chair";
	case MM_ROLE_NONE:
		return "non";
	}
	return "?";
}

static void
dump_party(GString *out, const char *what, const struct mm_party *p)
{
	g_string_append_printf(out, "%s %s name=%s role=%s%s%s partstat=%s\n",
	    what, p->address ? p->address : "-", p->name ? p->name : "-",
	    role_name(p->role), p->is_group ? " group" : "",
	    p->rsvp ? " rsvp" : "", p->partstat ? p->partstat : "-");
}

static void
dump_meeting(GString *out, const struct mm_meeting *m, bool parties)
{
	size_t i;

	g_string_append_printf(out,
	    "meeting uid=%s line=%u events=%zu master=%d summary=%s%s\n",
	    m->uid ? m->uid : "-", m->lineno, m->event_count, m->has_master,
	    m->summary ? m->summary : "-", m->cancelled ? " cancelled" : "");
	for (i = 0; i < m->event_count; i++) {
		const struct mm_event *ev = m->events[i];

		g_string_append_printf(out, " event line=%u props=%zu rid=%s ical=%d",
		    ev->lineno, ev->prop_count,
		    ev->recurrence_id ? ev->recurrence_id : "-", ev->ical != NULL);
		if (ev->parse_error != NULL)
			g_string_append_printf(out, " error=%s", ev->parse_error);
		g_string_append_c(out, '\n');
	}
	if (!parties)
		return;
	if (m->organizer.address != NULL || m->organizer.name != NULL)
		dump_party(out, " organizer", &m->organizer);
	for (i = 0; i < m->attendee_count; i++)
		dump_party(out, " attendee", &m->attendees[i]);
	if (m->attendees_truncated)
		g_string_append_printf(out, " attendees listed=%zu kept=%zu\n",
		    m->attendees_listed, m->attendee_count);
}

/* Reads DATA completely and dumps it. */
static char *
read_dump(const char *data, size_t len, bool parties)
{
	GString *out = g_string_new(NULL);
	struct mm_diag diag;
	struct mm_read_ics *r;
	struct mm_meeting *m;
	const char *const *w;
	int rc;

	mm_diag_init(&diag);
	r = mm_read_ics_open_memory(data, len, "t.ics", &diag);
	if (r == NULL) {
		g_string_append_printf(out, "open failed code=%d %s\n", diag.code,
		    diag.message);
		goto out;
	}
	while ((rc = mm_read_ics_next(r, &m, &diag)) > 0) {
		/* libical's part, which selection asks for. */
		mm_meeting_parse(m);
		dump_meeting(out, m, parties);
		if (m->tzset != mm_read_ics_tzset(r))
			g_string_append(out, "tzset not set\n");
		mm_meeting_free(m);
	}
	if (rc < 0)
		g_string_append_printf(out, "next failed code=%d %s\n", diag.code,
		    diag.message);
	for (w = mm_read_ics_warnings(r); *w != NULL; w++)
		g_string_append_printf(out, "warning %s\n", *w);
out:
	mm_read_ics_close(r);
	mm_diag_release(&diag);
	return g_string_free(out, FALSE);
}

#define CAL_HEAD "BEGIN:VCALENDAR\r\nPRODID:test\r\nVERSION:2.0\r\n"
#define CAL_TAIL "END:VCALENDAR\r\n"

static const struct {
	const char *name;
	const char *input;
	size_t len;             /* 0: strlen */
	bool parties;
	const char *want;
} cases[] = {
	{ "master and exceptions, exception first", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID:20260316T090000Z\r\n"
	  "SUMMARY:moved\r\nDTSTART:20260316T100000Z\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:s1\r\nSUMMARY:weekly\r\nDTSTART:20260302T090000Z\r\n"
	  "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID:20260323T090000Z\r\n"
	  "DTSTART:20260323T100000Z\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:s2\r\nSUMMARY:single\r\nDTSTART:20260302T090000Z\r\n"
	  "END:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=s1 line=4 events=3 master=1 summary=weekly\n"
	  " event line=10 props=4 rid=- ical=1\n"
	  " event line=4 props=4 rid=20260316T090000Z ical=1\n"
	  " event line=16 props=3 rid=20260323T090000Z ical=1\n"
	  "meeting uid=s2 line=21 events=1 master=1 summary=single\n"
	  " event line=21 props=3 rid=- ical=1\n" },
	{ "exceptions without master", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID:20260316T090000Z\r\nEND:VEVENT\r\n"
	  CAL_TAIL, 0, false,
	  "meeting uid=x line=4 events=1 master=0 summary=-\n"
	  " event line=4 props=2 rid=20260316T090000Z ical=1\n" },
	{ "same UID not consecutive: two meetings", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:b\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:a\r\nRECURRENCE-ID:20260101T000000Z\r\nEND:VEVENT\r\n"
	  CAL_TAIL, 0, false,
	  "meeting uid=a line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=1 rid=- ical=1\n"
	  "meeting uid=b line=7 events=1 master=1 summary=-\n"
	  " event line=7 props=1 rid=- ical=1\n"
	  "meeting uid=a line=10 events=1 master=0 summary=-\n"
	  " event line=10 props=2 rid=20260101T000000Z ical=1\n" },
	{ "folds with space and TAB, LF endings, UTF-8 split by a fold",
	  "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:fo\n ld\nSUMMARY:caf\xc3\n\t\xa9 ok\\, fine\n"
	  "END:VEVENT\nEND:VCALENDAR\n", 0, false,
	  "meeting uid=fold line=2 events=1 master=1 summary=caf\xc3\xa9 ok, fine\n"
	  " event line=2 props=2 rid=- ical=1\n" },
	{ "mixed CRLF and LF, no final newline",
	  "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\nUID:m\r\nSUMMARY:a\r\n b\nEND:VEVENT\r\nEND:VCALENDAR",
	  0, false,
	  "meeting uid=m line=2 events=1 master=1 summary=ab\n"
	  " event line=2 props=2 rid=- ical=1\n" },
	{ "invalid UTF-8 fails the event, the next is read", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:bad\r\nSUMMARY:ab\xc3(\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:good\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=bad line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=2 rid=- ical=0 error=invalid UTF-8 at byte offset 76 (t.ics:6)\n"
	  "meeting uid=good line=8 events=1 master=1 summary=-\n"
	  " event line=8 props=1 rid=- ical=1\n" },
	{ "invalid UTF-8 in a continuation line names its line", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:u\r\nDESCRIPTION:abc\r\n d\xff\r\nEND:VEVENT\r\n" CAL_TAIL,
	  0, false,
	  "meeting uid=u line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=2 rid=- ical=0 error=invalid UTF-8 at byte offset 83 (t.ics:7)\n" },
	{ "invalid UTF-8 outside events is a warning", CAL_HEAD
	  "X-WR-CALNAME:\xff\r\nBEGIN:VEVENT\r\nUID:u\r\nEND:VEVENT\r\n" CAL_TAIL,
	  0, false,
	  "meeting uid=u line=5 events=1 master=1 summary=-\n"
	  " event line=5 props=1 rid=- ical=1\n"
	  "warning invalid UTF-8 at byte offset 56 (t.ics:4)\n" },
	{ "NUL byte", CAL_HEAD "BEGIN:VEVENT\r\nUID:n\r\nSUMMARY:a\0b\r\nEND:VEVENT\r\n"
	  CAL_TAIL, sizeof(CAL_HEAD "BEGIN:VEVENT\r\nUID:n\r\nSUMMARY:a\0b\r\nEND:VEVENT\r\n"
	  CAL_TAIL) - 1, false,
	  "meeting uid=n line=4 events=1 master=1 summary=a\n"
	  " event line=4 props=2 rid=- ical=0 error=NUL byte at byte offset 73 (t.ics:6)\n" },
	{ "file cut inside a VEVENT", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:whole\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nUID:cut\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\nSUMM", 0, false,
	  "meeting uid=whole line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=1 rid=- ical=1\n"
	  "meeting uid=cut line=7 events=1 master=1 summary=-\n"
	  " event line=7 props=4 rid=- ical=0 error=file ends inside VEVENT started at line 7 (t.ics)\n"
	  "warning t.ics: missing END:VCALENDAR\n" },
	{ "missing END:VCALENDAR only", CAL_HEAD "BEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n",
	  0, false,
	  "meeting uid=a line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=1 rid=- ical=1\n"
	  "warning t.ics: missing END:VCALENDAR\n" },
	{ "missing END:VEVENT before the next", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:a\r\nBEGIN:VEVENT\r\nUID:b\r\nEND:VEVENT\r\n" CAL_TAIL,
	  0, false,
	  "meeting uid=a line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=1 rid=- ical=0 error=VEVENT started at line 4 has no END:VEVENT (t.ics:6)\n"
	  "meeting uid=b line=6 events=1 master=1 summary=-\n"
	  " event line=6 props=1 rid=- ical=1\n" },
	{ "not iCalendar", "From: someone\r\n\r\nhello\r\n", 0, false,
	  "open failed code=2 t.ics: not iCalendar data: first line is not BEGIN:VCALENDAR\n" },
	{ "empty file", "", 0, false,
	  "open failed code=2 t.ics: not iCalendar data: first line is not BEGIN:VCALENDAR\n" },
	{ "BOM and blank lines first", "\xef\xbb\xbf\r\n" CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:bom\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=bom line=5 events=1 master=1 summary=-\n"
	  " event line=5 props=1 rid=- ical=1\n" },
	{ "UTF-16LE", "\xff\xfe" "B\0E\0G\0I\0N\0:\0V\0C\0A\0L\0E\0N\0D\0A\0R\0\n\0"
	  "B\0E\0G\0I\0N\0:\0V\0E\0V\0E\0N\0T\0\n\0U\0I\0D\0:\0=\xd8\0\xde\n\0"
	  "E\0N\0D\0:\0V\0E\0V\0E\0N\0T\0\n\0E\0N\0D\0:\0V\0C\0A\0L\0E\0N\0D\0A\0R\0\n\0",
	  2 + 2 * (16 + 13 + 7 + 11 + 14), false,
	  "meeting uid=\xf0\x9f\x98\x80 line=2 events=1 master=1 summary=-\n"
	  " event line=2 props=1 rid=- ical=1\n" },
	{ "bad DTSTART", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:d\r\nDTSTART:garbage\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=d line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=2 rid=- ical=1 error=cannot parse DTSTART: \"garbage\" is not a valid value (t.ics:6)\n" },
	{ "line without colon", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:c2\r\n"
	  "DTSTART;X=\"never closed:20260101\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=c line=4 events=1 master=1 summary=x\n"
	  " event line=4 props=2 rid=- ical=1\n"
	  "meeting uid=c2 line=8 events=1 master=1 summary=-\n"
	  " event line=8 props=2 rid=- ical=0 error=line without ':' (t.ics:10)\n" },
	{ "VTODO skipped, VTIMEZONE kept, calendar props", CAL_HEAD
	  "BEGIN:VTODO\r\nUID:t\r\nBEGIN:VALARM\r\nEND:VALARM\r\nEND:VTODO\r\n"
	  "BEGIN:VTIMEZONE\r\nTZID:My Zone\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
	  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	  "BEGIN:VEVENT\r\nUID:e\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=e line=17 events=1 master=1 summary=-\n"
	  " event line=17 props=1 rid=- ical=1\n"
	  "warning VTODO skipped: not a meeting (t.ics:4)\n" },
	{ "VTIMEZONE defined twice", CAL_HEAD
	  "BEGIN:VTIMEZONE\r\nTZID:Z\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
	  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	  "BEGIN:VTIMEZONE\r\nTZID:Z\r\nEND:VTIMEZONE\r\n" CAL_TAIL, 0, false,
	  "warning VTIMEZONE \"Z\" defined twice, the first is used (t.ics:12)\n" },
	{ "VALARM lines kept, bodies kept, cancelled", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:al\r\nSTATUS:CANCELLED\r\nDESCRIPTION:body\\, text\r\n"
	  "X-ALT-DESC;FMTTYPE=text/html:<p>x</p>\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
	  "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=al line=4 events=1 master=1 summary=- cancelled\n"
	  " event line=4 props=8 rid=- ical=1\n" },
	{ "unbalanced nested END", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:un\r\nEND:VALARM\r\nSUMMARY:s\r\nEND:VEVENT\r\n" CAL_TAIL,
	  0, false,
	  "meeting uid=un line=4 events=1 master=1 summary=s\n"
	  " event line=4 props=3 rid=- ical=0 error=END:VALARM without its BEGIN (t.ics:6)\n" },
	{ "parties", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:p\r\n"
	  "ORGANIZER;CN=\"Shaw, Amy\":MAILTO:ashaw@contoso.com\r\n"
	  "ATTENDEE;CN=Bob;ROLE=OPT-PARTICIPANT;RSVP=TRUE;PARTSTAT=ACCEPTED:mailto:bob@x.com\r\n"
	  "ATTENDEE;CUTYPE=GROUP;ROLE=CHAIR:mailto:team@x.com\r\n"
	  "ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=X-ODD:sip:carol@x.com\r\n"
	  "ATTENDEE;CN=George ^'Bob^' Smith:mailto:g@x.com\r\n"
	  "BEGIN:VALARM\r\nACTION:EMAIL\r\nATTENDEE:mailto:alarm@x.com\r\nEND:VALARM\r\n"
	  "END:VEVENT\r\n" CAL_TAIL, 0, true,
	  "meeting uid=p line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=10 rid=- ical=1\n"
	  " organizer ashaw@contoso.com name=Shaw, Amy role=req partstat=-\n"
	  " attendee bob@x.com name=Bob role=opt rsvp partstat=ACCEPTED\n"
	  " attendee team@x.com name=- role=chair group partstat=-\n"
	  " attendee sip:carol@x.com name=- role=non partstat=X-ODD\n"
	  " attendee g@x.com name=George \"Bob\" Smith role=req partstat=-\n" },
	{ "CDO broken folding", CAL_HEAD
	  "BEGIN:VEVENT\r\n"
	  "UID:040000008200E00074C5B7101A82E00800000000F04200929A03CD01000000000000000\r\n"
	  "010000000A9E90330A8A0F547903AAFDBDD6A0D26\r\n"
	  "ATTENDEE;ROLE=REQ-PARTICIPANT;CN=\"'name\r\n@example.net'\":MAILTO:name@example.net\r\n"
	  "SUMMARY:test\r\nEND:VEVENT\r\n" CAL_TAIL, 0, true,
	  "meeting uid=040000008200E00074C5B7101A82E00800000000F04200929A03CD01000000000000000"
	  "010000000A9E90330A8A0F547903AAFDBDD6A0D26 line=4 events=1 master=1 summary=test\n"
	  " event line=4 props=3 rid=- ical=1\n"
	  " attendee name@example.net name='name@example.net' role=req partstat=-\n"
	  "warning line without leading whitespace joined to the line before it (broken folding) (t.ics:6)\n"
	  "warning line without leading whitespace joined to the line before it (broken folding) (t.ics:8)\n" },
	{ "no broken-fold join for '_' names or after BEGIN", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:j\r\nX_CUSTOM:1\r\nBEGIN:VALARM\r\n@odd\r\n"
	  "END:VALARM\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=j line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=5 rid=- ical=0 error=line without ':' (t.ics:8)\n" },
	{ "content after END:VCALENDAR", CAL_HEAD CAL_TAIL "X-JUNK:1\r\n", 0, false,
	  "warning line after END:VCALENDAR ignored (t.ics:5)\n" },
	{ "two calendars concatenated", CAL_HEAD "BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\n"
	  CAL_TAIL CAL_HEAD "BEGIN:VEVENT\r\nUID:2\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=1 line=4 events=1 master=1 summary=-\n"
	  " event line=4 props=1 rid=- ical=1\n"
	  "meeting uid=2 line=11 events=1 master=1 summary=-\n"
	  " event line=11 props=1 rid=- ical=1\n" },
	{ "no UID: each event alone", CAL_HEAD "BEGIN:VEVENT\r\nSUMMARY:a\r\nEND:VEVENT\r\n"
	  "BEGIN:VEVENT\r\nSUMMARY:b\r\nEND:VEVENT\r\n" CAL_TAIL, 0, false,
	  "meeting uid=- line=4 events=1 master=1 summary=a\n"
	  " event line=4 props=1 rid=- ical=1\n"
	  "meeting uid=- line=7 events=1 master=1 summary=b\n"
	  " event line=7 props=1 rid=- ical=1\n" },
	{ "summary keeps unknown escapes", CAL_HEAD
	  "BEGIN:VEVENT\r\nUID:e\r\nSUMMARY:https\\://x\\; y\\\\z\\nw\r\nEND:VEVENT\r\n" CAL_TAIL,
	  0, false,
	  "meeting uid=e line=4 events=1 master=1 summary=https\\://x; y\\z\nw\n"
	  " event line=4 props=2 rid=- ical=1\n" },
};

static void
test_cases(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].input);
		char *got = read_dump(cases[i].input, len, cases[i].parties);

		tap_str(got, cases[i].want, cases[i].name);
		g_free(got);
	}
}

/* The same calendar with CRLF and with LF line ends reads the same. */
static void
test_crlf_lf(void)
{
	const char *crlf = cases[0].input;
	GString *lf = g_string_new(NULL);
	char *a, *b;
	size_t k;

	for (k = 0; crlf[k] != '\0'; k++)
		if (crlf[k] != '\r')
			g_string_append_c(lf, crlf[k]);
	a = read_dump(crlf, strlen(crlf), true);
	b = read_dump(lf->str, lf->len, true);
	tap_str(b, a, "LF-only copy reads like the CRLF original");
	g_free(a);
	g_free(b);
	g_string_free(lf, TRUE);
}

/* Sizes: the attendee limit, and over-long lines in and out of events. */
static void
test_limits(void)
{
	GString *in = g_string_new(CAL_HEAD "BEGIN:VEVENT\r\nUID:big\r\n");
	struct mm_diag diag;
	struct mm_read_ics *r;
	struct mm_meeting *m = NULL;
	size_t k;
	int rc;

	for (k = 0; k < (size_t)MM_LIMIT_ATTENDEES + 2; k++)
		g_string_append_printf(in, "ATTENDEE:mailto:a%zu@x.com\r\n", k);
	g_string_append(in, "END:VEVENT\r\n" CAL_TAIL);
	mm_diag_init(&diag);
	r = mm_read_ics_open_memory(in->str, in->len, "t.ics", &diag);
	rc = r != NULL ? mm_read_ics_next(r, &m, &diag) : -1;
	if (rc == 1)
		mm_meeting_parse(m);
	tap_ok(rc == 1 && m->attendees_truncated &&
	    m->attendees_listed == (size_t)MM_LIMIT_ATTENDEES + 2 &&
	    m->attendee_count == (size_t)MM_LIMIT_ATTENDEES,
	    "attendees past MM_LIMIT_ATTENDEES are counted, not kept");
	mm_meeting_free(m);
	mm_read_ics_close(r);

	/* A line over MM_LIMIT_LINE_LENGTH in an event fails that event. */
	g_string_assign(in, CAL_HEAD "BEGIN:VEVENT\r\nUID:long\r\nDESCRIPTION:");
	for (k = 0; k < MM_LIMIT_LINE_LENGTH / 64 + 1; k++)
		g_string_append(in, "0123456789012345678901234567890123456789012345678901234567890123");
	g_string_append(in, "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:next\r\nEND:VEVENT\r\n"
	    CAL_TAIL);
	{
		char *got = read_dump(in->str, in->len, false);

		tap_str(got,
		    "meeting uid=long line=4 events=1 master=1 summary=-\n"
		    " event line=4 props=1 rid=- ical=0 error=line longer than "
		    "MM_LIMIT_LINE_LENGTH (16777216 octets) (t.ics:6)\n"
		    "meeting uid=next line=8 events=1 master=1 summary=-\n"
		    " event line=8 props=1 rid=- ical=1\n",
		    "over-long line fails its event, reading goes on");
		g_free(got);
	}

	/* Outside an event it is a run error. */
	g_string_assign(in, CAL_HEAD "X-LONG:");
	for (k = 0; k < MM_LIMIT_LINE_LENGTH / 64 + 1; k++)
		g_string_append(in, "0123456789012345678901234567890123456789012345678901234567890123");
	g_string_append(in, "\r\n" CAL_TAIL);
	r = mm_read_ics_open_memory(in->str, in->len, "t.ics", &diag);
	rc = r != NULL ? mm_read_ics_next(r, &m, &diag) : 0;
	tap_ok(rc == -1 && diag.code == MM_DIAG_LIMIT &&
	    strstr(diag.message, "MM_LIMIT_LINE_LENGTH") != NULL,
	    "over-long calendar line is a run error");
	mm_read_ics_close(r);
	mm_diag_release(&diag);
	g_string_free(in, TRUE);
}

/* Time zones and calendar properties are kept by the reader. */
static void
test_tzset_and_calendar(void)
{
	static const char input[] = CAL_HEAD "METHOD:REQUEST\r\n"
	    "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"
	    "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\n"
	    "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
	    "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\n"
	    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
	    "END:VTIMEZONE\r\n"
	    "BEGIN:VEVENT\r\nUID:tz\r\n"
	    "DTSTART;TZID=\"W. Europe Standard Time\":20260330T100000\r\n"
	    "END:VEVENT\r\n" CAL_TAIL;
	struct mm_diag diag;
	struct mm_read_ics *r;
	struct mm_meeting *m = NULL;
	const struct mm_event *cal;
	int64_t utc = 0;
	int rc;

	mm_diag_init(&diag);
	r = mm_read_ics_open_memory(input, sizeof(input) - 1, "t.ics", &diag);
	rc = r != NULL ? mm_read_ics_next(r, &m, &diag) : -1;
	if (rc == 1)
		mm_meeting_parse(m);
	tap_ok(rc == 1, "read a meeting with a VTIMEZONE");
	if (rc == 1) {
		const struct mm_event *vtz = mm_tzset_vtimezone(m->tzset,
		    "W. Europe Standard Time");
		icalproperty *p = icalcomponent_get_first_property(
		    m->events[0]->ical, ICAL_DTSTART_PROPERTY);

		tap_ok(vtz != NULL && vtz->prop_count == 13,
		    "VTIMEZONE lines kept (%zu)", vtz ? vtz->prop_count : 0);
		tap_ok(p != NULL && mm_tz_to_utc(m->tzset,
		    icalproperty_get_dtstart(p), "W. Europe Standard Time", &utc,
		    &diag) == 0 && utc == 1774857600,
		    "DTSTART converts through the file's zone (%lld)",
		    (long long)utc);
	}
	cal = mm_read_ics_calendar(r);
	tap_ok(cal != NULL && cal->prop_count == 3 &&
	    mm_event_find(cal, "METHOD") == 2, "VCALENDAR properties kept");
	mm_meeting_free(m);
	tap_ok(mm_read_ics_next(r, &m, &diag) == 0 && m == NULL, "then the end");
	tap_ok(mm_read_ics_next(r, &m, &diag) == 0, "the end stays the end");
	mm_read_ics_close(r);
	mm_diag_release(&diag);
}

/* Opening: a missing file, an encoding broken at once. */
static void
test_open_errors(void)
{
	struct mm_diag diag;

	mm_diag_init(&diag);
	tap_ok(mm_read_ics_open("no-such-dir/x.ics", NULL, &diag) == NULL &&
	    diag.code == MM_DIAG_NOINPUT, "missing file is NOINPUT");
	mm_diag_release(&diag);
	tap_ok(mm_read_ics_open_memory("\xff\xfe" "B\0\0\xdc", 6, "t.ics",
	    &diag) == NULL && diag.code == MM_DIAG_DATA &&
	    strstr(diag.message, "invalid UTF-16LE at byte offset 4 (t.ics)") != NULL,
	    "broken UTF-16 at the start is a data error");
	mm_diag_release(&diag);
}

int
main(void)
{
	test_cases();
	test_crlf_lf();
	test_limits();
	test_tzset_and_calendar();
	test_open_errors();
	return tap_done();
}
