/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The writers: the iTIP object (framing, folding, VTIMEZONEs once, untouched
 * lines byte for byte, compared with fixtures/unit/write/request.ics) and the
 * iMIP message, parsed back with GMime's own parser (headers decoded,
 * recipients, parts and their bytes, injection attempts, invalid addresses,
 * reproducibility).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "contentline.h"
#include "meeting.h"
#include "select.h"
#include "tz.h"
#include "write_itip.h"
#include "write_mime.h"
#include "tap.h"
#include "zones.h"

#define NOW     INT64_C(1795000000)     /* 2026-11-18T11:06:40Z */

/* ---- building meetings ------------------------------------------------- */

static void
add_lines(struct mm_event *event, const char *const *lines)
{
	size_t i;

	for (i = 0; lines[i] != NULL; i++)
		mm_event_add_line(event, lines[i], strlen(lines[i]), 0);
}

static struct mm_event *
make_event(const char *const *lines, const char *recurrence_id)
{
	struct mm_event *event = mm_event_new(1);

	add_lines(event, lines);
	event->recurrence_id = g_strdup(recurrence_id);
	return event;
}

#define UID "040000008200E00074C5B7101A82E00800000000D0A1B2C3D4E5DA01000000000000000010000000AABBCCDD"

/*
 * A long DESCRIPTION of mixed scripts, so that a 75-octet fold lands inside
 * many multi-octet characters.
 */
#define LONG_DESCRIPTION "DESCRIPTION;LANGUAGE=zh-CN:\xe4\xbc\x9a\xe8\xae\xae " \
	"r\xc3\xa9union \xd8\xa7\xd8\xac\xd8\xaa\xd9\x85\xd8\xa7\xd8\xb9 " \
	"\xf0\x9f\x8e\x89\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \xe4\xbc\x9a\xe8\xae\xae\xe4\xbc\x9a\xe8\xae\xae\xe4\xbc\x9a\xe8\xae\xae" \
	"\\n________________________________________________________________________________\\n" \
	"\xe5\x8a\xa0\xe5\x85\xa5 Microsoft Teams \xe4\xbc\x9a\xe8\xae\xae\\n" \
	"https://teams.microsoft.com/l/meetup-join/19%3ameeting_NmQ4YTk5ZTQtZjE2Ni00ZWE0LTk1@thread.v2/0\\, " \
	"e\xcc\x81\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7\xe0\xa4\xbf \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb x"

static const char *const master_lines[] = {
	"UID:" UID,
	"SUMMARY;LANGUAGE=fr-FR:R\xc3\xa9union hebdo",
	"DTSTART;TZID=\"W. Europe Standard Time\":20261201T090000",
	"DTEND;TZID=\"W. Europe Standard Time\":20261201T093000",
	"RRULE:FREQ=WEEKLY;BYDAY=TU",
	"EXDATE;TZID=\"W. Europe Standard Time\":20261208T090000",
	"X-ODD-ESCAPES:a\\,b\\;c\\\\d\\x",
	LONG_DESCRIPTION,
	"ORGANIZER;CN=Ana Shaw:mailto:ashaw@contoso.com",
	"SEQUENCE:3",
	"BEGIN:VALARM",
	"TRIGGER:-PT15M",
	"ACTION:DISPLAY",
	"END:VALARM",
	NULL
};

static const char *const past_exception_lines[] = {
	"UID:" UID,
	"RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20251202T090000",
	"DTSTART;TZID=\"W. Europe Standard Time\":20251202T100000",
	"DTEND;TZID=\"W. Europe Standard Time\":20251202T103000",
	NULL
};

static const char *const exception_lines[] = {
	"UID:" UID,
	"RECURRENCE-ID;TZID=\"W. Europe Standard Time\":20261215T090000",
	"DTSTART;TZID=\"W. Europe Standard Time\":20261215T100000",
	"DTEND;TZID=America/New_York:20261215T043000",
	NULL
};

/* A series: master, a past exception, a future exception, one zone. */
static struct mm_meeting *
make_series(struct mm_tzset *tzset)
{
	struct mm_meeting *meeting = mm_meeting_new();

	meeting->uid = g_strdup(UID);
	meeting->has_master = true;
	meeting->tzset = tzset;
	mm_meeting_add_event(meeting, make_event(master_lines, NULL));
	mm_meeting_add_event(meeting, make_event(past_exception_lines,
	    "20251202T090000"));
	mm_meeting_add_event(meeting, make_event(exception_lines,
	    "20261215T090000"));
	return meeting;
}

static struct mm_tzset *
make_tzset(void)
{
	struct mm_tzset *tzset = mm_tzset_new();
	struct mm_diag diag;

	mm_diag_init(&diag);
	if (mm_tzset_add(tzset, make_event(mm_test_west_europe, NULL), &diag) != 0)
		printf("# cannot add the test VTIMEZONE: %s\n", diag.message);
	mm_diag_release(&diag);
	return tzset;
}

static char *
read_fixture(const char *name, size_t *len)
{
	const char *srcdir = g_getenv("MM_SRCDIR");
	char *path = g_build_filename(srcdir ? srcdir : ".", "fixtures", "unit",
	    "write", name, NULL);
	char *data = NULL;
	gsize data_len = 0;

	if (!g_file_get_contents(path, &data, &data_len, NULL))
		printf("# cannot read %s\n", path);
	g_free(path);
	*len = data_len;
	return data;
}

static size_t
count(const char *haystack, const char *needle)
{
	size_t n = 0;
	const char *p = haystack;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* ---- iTIP -------------------------------------------------------------- */

/*
 * Every physical line ends with CRLF, has at most 75 octets before it, is
 * valid UTF-8 on its own (no character split), and unfolding gives back
 * the logical lines.
 */
static bool
folded_well(const char *text, size_t len, char **why)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *crlf = g_strstr_len(p, end - p, "\r\n");
		size_t line_len, bad;

		if (crlf == NULL) {
			*why = g_strdup("a line without CRLF");
			return false;
		}
		line_len = (size_t)(crlf - p);
		if (line_len > 75) {
			*why = g_strdup_printf("a line of %zu octets", line_len);
			return false;
		}
		if (memchr(p, '\r', line_len) != NULL ||
		    memchr(p, '\n', line_len) != NULL) {
			*why = g_strdup("a bare CR or LF");
			return false;
		}
		if (!mm_utf8_valid(p, line_len, &bad)) {
			*why = g_strdup_printf("a split character in \"%.*s\"",
			    (int)line_len, p);
			return false;
		}
		p = crlf + 2;
	}
	return true;
}

static char *
unfold(const char *text)
{
	char **parts = g_strsplit(text, "\r\n ", -1);
	char *joined = g_strjoinv("", parts);

	g_strfreev(parts);
	return joined;
}

static void
test_itip_request(void)
{
	struct mm_tzset *tzset = make_tzset();
	struct mm_meeting *meeting = make_series(tzset);
	bool selected[] = { true, false, true };
	GString *out = g_string_new(NULL);
	char *want, *why = NULL, *unfolded;
	size_t want_len;

	mm_write_itip_request(out, meeting, selected);
	want = read_fixture("request.ics", &want_len);
	tap_ok(want != NULL && out->len == want_len &&
	    memcmp(out->str, want, want_len) == 0,
	    "request equals fixtures/unit/write/request.ics");
	if (g_getenv("MM_WRITE_SHOW") != NULL)
		fwrite(out->str, 1, out->len, stdout);
	tap_ok(folded_well(out->str, out->len, &why),
	    "request folded at 75 octets on characters (%s)", why ? why : "ok");
	g_free(why);
	unfolded = unfold(out->str);
	tap_ok(strstr(unfolded, "\r\n" LONG_DESCRIPTION "\r\n") != NULL,
	    "long UTF-8 DESCRIPTION unfolds to its exact octets");
	tap_ok(strstr(unfolded, "\r\nX-ODD-ESCAPES:a\\,b\\;c\\\\d\\x\r\n") != NULL,
	    "untouched line keeps its escapes byte for byte");
	tap_ok(count(out->str, "BEGIN:VTIMEZONE\r\n") == 1 &&
	    count(out->str, "TZID:W. Europe Standard Time\r\n") == 1,
	    "VTIMEZONE written once for two events using it");
	tap_ok(strstr(out->str, "America/New_York\r\nBEGIN") == NULL &&
	    count(out->str, "TZID:America") == 0,
	    "TZID without a VTIMEZONE in the file writes none");
	tap_ok(count(out->str, "BEGIN:VEVENT\r\n") == 2 &&
	    strstr(out->str, "20251202T090000") == NULL,
	    "past exception not selected, not written");
	tap_ok(strstr(out->str, "BEGIN:VTIMEZONE") < strstr(out->str,
	    "BEGIN:VEVENT") && strstr(out->str, "\r\nRRULE") <
	    strstr(out->str, "RECURRENCE-ID"), "zones first, master first");
	tap_ok(g_str_has_prefix(out->str, "BEGIN:VCALENDAR\r\n"
	    "PRODID:-//meetmig//meetmig//EN\r\nVERSION:2.0\r\n"
	    "METHOD:REQUEST\r\n") &&
	    g_str_has_suffix(out->str, "END:VEVENT\r\nEND:VCALENDAR\r\n"),
	    "request frame with METHOD:REQUEST");
	g_free(unfolded);
	g_free(want);
	g_string_free(out, TRUE);
	mm_meeting_free(meeting);
	mm_tzset_free(tzset);
}

/* calendar.ics: no METHOD, many meetings share one VTIMEZONE. */
static void
test_itip_calendar(void)
{
	struct mm_tzset *tzset = make_tzset();
	struct mm_meeting *one = make_series(tzset);
	struct mm_meeting *two = make_series(tzset);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	GString *out = g_string_new(NULL);
	size_t before;

	mm_write_itip_begin(out, NULL);
	tap_str(out->str, "BEGIN:VCALENDAR\r\nPRODID:-//meetmig//meetmig//EN\r\n"
	    "VERSION:2.0\r\n", "calendar frame without METHOD");
	mm_write_itip_timezones(out, one, NULL, seen);
	mm_write_itip_events(out, one, NULL);
	before = out->len;
	mm_write_itip_timezones(out, two, NULL, seen);
	tap_ok(out->len == before, "a zone already in SEEN is not written again");
	mm_write_itip_events(out, two, NULL);
	mm_write_itip_end(out);
	tap_ok(count(out->str, "BEGIN:VTIMEZONE") == 1 &&
	    count(out->str, "BEGIN:VEVENT") == 6 &&
	    count(out->str, "METHOD") == 0 &&
	    g_hash_table_contains(seen, "W. Europe Standard Time") &&
	    g_hash_table_size(seen) == 1,
	    "calendar: every event, one VTIMEZONE, SEEN updated");
	g_hash_table_destroy(seen);
	g_string_free(out, TRUE);
	mm_meeting_free(one);
	mm_meeting_free(two);
	mm_tzset_free(tzset);
}

/* ---- iMIP -------------------------------------------------------------- */

struct attendee_case {
	const char *address;
	const char *name;
	enum mm_role role;
};

#define MAX_ATTENDEES 8

struct mime_case {
	const char *name;
	const char *summary;
	const char *organizer;
	const char *organizer_name;
	struct attendee_case attendees[MAX_ATTENDEES];
	const char *description;        /* escaped, as in the file */
	const char *html;               /* escaped X-ALT-DESC value, or NULL */
	const char *sender;
	/* expectations */
	int rc;
	const char *want_from;          /* "name <addr>" decoded */
	const char *want_to;            /* comma-separated, decoded */
	const char *want_cc;
	const char *want_subject;
	const char *want_evidence;      /* substring of some evidence, or NULL */
	const char *want_plain;         /* decoded text/plain */
};

static const struct mime_case mime_cases[] = {
	{
		.name = "Chinese subject and names, To and Cc",
		.summary = "\xe9\xa1\xb9\xe7\x9b\xae\xe5\x91\xa8\xe4\xbc\x9a",
		.organizer = "ashaw@contoso.com",
		.organizer_name = "\xe5\xbc\xa0\xe4\xbc\x9f",
		.attendees = {
			{ "li@contoso.cn", "\xe6\x9d\x8e\xe5\xa8\x9c", MM_ROLE_REQUIRED },
			{ "wang@contoso.cn", "\xe7\x8e\x8b\xe8\x8a\xb3", MM_ROLE_OPTIONAL },
			{ "chair@contoso.com", "Chair", MM_ROLE_CHAIR },
			{ "info@contoso.com", NULL, MM_ROLE_NONE },
		},
		.description = "\xe4\xbc\x9a\xe8\xae\xae\\n\\nJoin\\, now",
		.html = "<html><body>\xe4\xbc\x9a\xe8\xae\xae</body></html>",
		.rc = 0,
		.want_from = "\xe5\xbc\xa0\xe4\xbc\x9f <ashaw@contoso.com>",
		.want_to = "\xe6\x9d\x8e\xe5\xa8\x9c <li@contoso.cn>, Chair <chair@contoso.com>",
		.want_cc = "\xe7\x8e\x8b\xe8\x8a\xb3 <wang@contoso.cn>, info@contoso.com",
		.want_subject = "\xe9\xa1\xb9\xe7\x9b\xae\xe5\x91\xa8\xe4\xbc\x9a",
		.want_plain = "\xe4\xbc\x9a\xe8\xae\xae\r\n\r\nJoin, now",
	},
	{
		.name = "Arabic subject, CN repeating the address dropped",
		.summary = "\xd8\xa7\xd8\xac\xd8\xaa\xd9\x85\xd8\xa7\xd8\xb9 \xd8\xa7\xd9\x84\xd9\x81\xd8\xb1\xd9\x8a\xd9\x82",
		.organizer = "ashaw@contoso.com",
		.organizer_name = "Ana Shaw",
		.attendees = {
			{ "omar@contoso.ae", "\xd8\xb9\xd9\x85\xd8\xb1", MM_ROLE_REQUIRED },
			{ "sara@contoso.ae", "SARA@contoso.ae", MM_ROLE_REQUIRED },
		},
		.description = "Hello",
		.rc = 0,
		.want_from = "Ana Shaw <ashaw@contoso.com>",
		.want_to = "\xd8\xb9\xd9\x85\xd8\xb1 <omar@contoso.ae>, sara@contoso.ae",
		.want_cc = "",
		.want_subject = "\xd8\xa7\xd8\xac\xd8\xaa\xd9\x85\xd8\xa7\xd8\xb9 \xd8\xa7\xd9\x84\xd9\x81\xd8\xb1\xd9\x8a\xd9\x82",
		.want_plain = "Hello",
	},
	{
		.name = "emoji subject, organizer not sent a copy",
		.summary = "Launch \xf0\x9f\x9a\x80 party \xf0\x9f\x8e\x89",
		.organizer = "ashaw@contoso.com",
		.attendees = {
			{ "ASHAW@Contoso.com", "Ana Shaw", MM_ROLE_REQUIRED },
			{ "bob@contoso.com", "Bob", MM_ROLE_REQUIRED },
			{ "BOB@contoso.com", "Bob again", MM_ROLE_OPTIONAL },
		},
		.description = "Line one\\nLine two\\n",
		.rc = 0,
		.want_from = "ashaw@contoso.com",
		.want_to = "Bob <bob@contoso.com>",
		.want_cc = "",
		.want_subject = "Launch \xf0\x9f\x9a\x80 party \xf0\x9f\x8e\x89",
		.want_plain = "Line one\r\nLine two\r\n",
	},
	{
		.name = "header injection through subject and names",
		.summary = "Evil\r\nBcc: x@y.example",
		.organizer = "ashaw@contoso.com",
		.organizer_name = "Ana\r\nBcc: a@b.example",
		.attendees = {
			{ "bob@contoso.com", "Bob\nBcc: c@d.example", MM_ROLE_REQUIRED },
		},
		.description = "x",
		.rc = 0,
		.want_from = "\"Ana  Bcc: a@b.example\" <ashaw@contoso.com>",
		.want_to = "\"Bob Bcc: c@d.example\" <bob@contoso.com>",
		.want_cc = "",
		.want_subject = "Evil  Bcc: x@y.example",
		.want_plain = "x",
	},
	{
		.name = "invalid addresses left out and reported",
		.summary = "Review",
		.organizer = "ashaw@contoso.com",
		.attendees = {
			{ "bob@contoso.com\r\nBcc: x@y.example", "Bob", MM_ROLE_REQUIRED },
			{ "Carol <carol@contoso.com>", "Carol", MM_ROLE_REQUIRED },
			{ "dave@contoso.com, eve@evil.example", NULL, MM_ROLE_REQUIRED },
			{ "sip:frank@contoso.com", NULL, MM_ROLE_REQUIRED },
			{ "no-at-sign", NULL, MM_ROLE_OPTIONAL },
			{ "@contoso.com", NULL, MM_ROLE_OPTIONAL },
			{ NULL, "Nameless", MM_ROLE_OPTIONAL },
			{ "grace@contoso.com", "Grace", MM_ROLE_OPTIONAL },
		},
		.description = "x",
		.rc = 0,
		.want_from = "ashaw@contoso.com",
		.want_to = "",
		.want_cc = "Grace <grace@contoso.com>",
		.want_subject = "Review",
		.want_evidence = "attendee address not valid, left out: Carol <carol@contoso.com>",
		.want_plain = "x",
	},
	{
		.name = "no attendees",
		.summary = "Alone",
		.organizer = "ashaw@contoso.com",
		.description = "x",
		.rc = 1,
		.want_evidence = "no attendee can receive the update",
	},
	{
		.name = "only the organizer attends",
		.summary = "Alone",
		.organizer = "ashaw@contoso.com",
		.attendees = { { "ashaw@contoso.com", NULL, MM_ROLE_CHAIR } },
		.description = "x",
		.rc = 1,
		.want_evidence = "no attendee can receive the update",
	},
	{
		.name = "organizer without a valid address",
		.summary = "Lost",
		.organizer = "X500:/o=Contoso/ou=Exchange",
		.attendees = { { "bob@contoso.com", NULL, MM_ROLE_REQUIRED } },
		.description = "x",
		.rc = 1,
		.want_evidence = "organizer address not valid",
	},
	{
		.name = "sending on behalf",
		.summary = "Delegated",
		.organizer = "boss@contoso.com",
		.organizer_name = "The Boss",
		.attendees = { { "bob@contoso.com", NULL, MM_ROLE_REQUIRED } },
		.description = "x",
		.sender = "assistant@contoso.com",
		.rc = 0,
		.want_from = "The Boss <boss@contoso.com>",
		.want_to = "bob@contoso.com",
		.want_cc = "",
		.want_subject = "Delegated",
		.want_plain = "x",
	},
	{
		.name = "invalid sender is a usage error",
		.summary = "Delegated",
		.organizer = "boss@contoso.com",
		.attendees = { { "bob@contoso.com", NULL, MM_ROLE_REQUIRED } },
		.description = "x",
		.sender = "assistant@contoso.com\r\nBcc: x@y.example",
		.rc = -1,
	},
};

static struct mm_meeting *
make_mime_meeting(const struct mime_case *c, struct mm_tzset *tzset)
{
	struct mm_meeting *meeting = mm_meeting_new();
	struct mm_event *event = mm_event_new(1);
	char *line;
	size_t i, n = 0;

	meeting->uid = g_strdup(UID);
	meeting->has_master = true;
	meeting->tzset = tzset;
	meeting->summary = g_strdup(c->summary);
	meeting->organizer.address = g_strdup(c->organizer);
	meeting->organizer.name = g_strdup(c->organizer_name);
	while (n < MAX_ATTENDEES && (c->attendees[n].address != NULL ||
	    c->attendees[n].name != NULL))
		n++;
	meeting->attendees = g_new0(struct mm_party, n ? n : 1);
	meeting->attendee_count = n;
	for (i = 0; i < n; i++) {
		meeting->attendees[i].address = g_strdup(c->attendees[i].address);
		meeting->attendees[i].name = g_strdup(c->attendees[i].name);
		meeting->attendees[i].role = c->attendees[i].role;
	}
	add_lines(event, master_lines);
	line = g_strconcat("DESCRIPTION:", c->description, NULL);
	mm_event_put_line(event, "DESCRIPTION", line);
	g_free(line);
	if (c->html != NULL) {
		line = g_strconcat("X-ALT-DESC;FMTTYPE=text/html:", c->html, NULL);
		mm_event_put_line(event, "X-ALT-DESC", line);
		g_free(line);
	}
	mm_meeting_add_event(meeting, event);
	return meeting;
}

static GMimeMessage *
parse_message(const GString *eml)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(eml->str,
	    eml->len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

	g_object_unref(parser);
	g_object_unref(stream);
	return message;
}

/* "name <addr>" or "addr" for each address, joined with ", ", decoded. */
static char *
addresses(GMimeMessage *message, GMimeAddressType type)
{
	InternetAddressList *list = g_mime_message_get_addresses(message, type);
	GString *s = g_string_new(NULL);
	int i;

	for (i = 0; list != NULL && i < internet_address_list_length(list); i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		const char *name = internet_address_get_name(ia);
		const char *addr = INTERNET_ADDRESS_IS_MAILBOX(ia) ?
		    internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia)) : "(group)";

		if (i > 0)
			g_string_append(s, ", ");
		if (name != NULL && *name != '\0') {
			if (strchr(name, ':') != NULL)
				g_string_append_printf(s, "\"%s\" <%s>", name, addr);
			else
				g_string_append_printf(s, "%s <%s>", name, addr);
		} else {
			g_string_append(s, addr);
		}
	}
	return g_string_free(s, FALSE);
}

/* The decoded content of a leaf part. */
static GByteArray *
part_bytes(GMimeObject *object)
{
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(object));
	GMimeStream *stream = g_mime_stream_mem_new();
	GByteArray *bytes;

	g_mime_data_wrapper_write_to_stream(content, stream);
	bytes = g_byte_array_new();
	g_byte_array_append(bytes,
	    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream))->data,
	    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream))->len);
	g_object_unref(stream);
	return bytes;
}

static bool
evidence_has(const struct mm_verdict *verdict, const char *want)
{
	guint i;

	for (i = 0; verdict->evidence != NULL && i < verdict->evidence->len; i++)
		if (strstr(g_ptr_array_index(verdict->evidence, i), want) != NULL)
			return true;
	return false;
}

/* Every line ends with CRLF and is at most 78 octets (RFC 5322 2.1.1). */
static bool
lines_short(const GString *eml, size_t *longest)
{
	const char *p = eml->str, *end = eml->str + eml->len;

	*longest = 0;
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (lf == NULL || lf == p || lf[-1] != '\r')
			return false;
		len = (size_t)(lf - 1 - p);
		if (len > *longest)
			*longest = len;
		p = lf + 1;
	}
	return *longest <= 78;
}

static void
check_str(const char *got, const char *want, const struct mime_case *c,
    const char *what)
{
	char *name = g_strdup_printf("%s: %s", c->name, what);

	tap_str(got, want, name);
	g_free(name);
}

static void
test_mime_case(const struct mime_case *c, struct mm_tzset *tzset)
{
	struct mm_meeting *meeting = make_mime_meeting(c, tzset);
	struct mm_mime_options opt = { NOW, c->sender, NULL };
	struct mm_verdict verdict;
	struct mm_diag diag;
	GString *ics = g_string_new(NULL), *eml = g_string_new(NULL);
	GMimeMessage *message = NULL;
	GMimeObject *body;
	char *got;
	size_t longest = 0;
	bool short_lines;
	int rc;

	mm_verdict_init(&verdict);
	mm_diag_init(&diag);
	mm_write_itip_request(ics, meeting, NULL);
	rc = mm_write_mime(eml, meeting, &verdict, ics->str, ics->len, &opt,
	    &diag);
	tap_ok(rc == c->rc, "%s: returns %d (got %d%s%s)", c->name, c->rc, rc,
	    diag.message ? ": " : "", diag.message ? diag.message : "");
	if (c->want_evidence != NULL)
		tap_ok(evidence_has(&verdict, c->want_evidence),
		    "%s: evidence \"%s\"", c->name, c->want_evidence);
	if (c->rc != 0) {
		tap_ok(eml->len == 0, "%s: nothing written", c->name);
		if (c->rc == -1)
			tap_ok(diag.code == MM_DIAG_USAGE, "%s: usage error",
			    c->name);
		goto out;
	}
	short_lines = lines_short(eml, &longest);
	tap_ok(short_lines,
	    "%s: CRLF lines of at most 78 octets (longest %zu)", c->name,
	    longest);
	tap_ok(strstr(eml->str, "\r\nBcc:") == NULL &&
	    g_ascii_strncasecmp(eml->str, "Bcc:", 4) != 0,
	    "%s: no Bcc header", c->name);
	message = parse_message(eml);
	if (!tap_ok(message != NULL, "%s: GMime parses it back", c->name))
		goto out;
	got = addresses(message, GMIME_ADDRESS_TYPE_FROM);
	check_str(got, c->want_from, c, "From decoded");
	g_free(got);
	got = addresses(message, GMIME_ADDRESS_TYPE_TO);
	check_str(got, c->want_to, c, "To decoded");
	g_free(got);
	got = addresses(message, GMIME_ADDRESS_TYPE_CC);
	check_str(got, c->want_cc, c, "Cc decoded");
	g_free(got);
	got = addresses(message, GMIME_ADDRESS_TYPE_BCC);
	check_str(got, "", c, "Bcc empty");
	g_free(got);
	got = addresses(message, GMIME_ADDRESS_TYPE_SENDER);
	check_str(got, c->sender ? c->sender : "", c, "Sender");
	g_free(got);
	check_str(g_mime_message_get_subject(message), c->want_subject, c,
	    "Subject decoded");
	/* GMime's parser files Content-* headers under the body part. */
	tap_ok(strstr(eml->str, "\r\nContent-Class: "
	    "urn:content-classes:calendarmessage\r\n") != NULL &&
	    strstr(eml->str, "\r\nContent-Class:") < strstr(eml->str,
	    "\r\n\r\n"), "%s: Content-Class in the message header", c->name);
	tap_ok(strstr(eml->str, "\r\nDate: Wed, 18 Nov 2026 11:06:40 +0000\r\n") !=
	    NULL || g_str_has_prefix(eml->str,
	    "Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"), "%s: Date is --now",
	    c->name);
	tap_ok(g_str_has_prefix(g_mime_message_get_message_id(message),
	    "meetmig.") && g_str_has_suffix(g_mime_message_get_message_id(
	    message), strchr(c->organizer, '@')), "%s: Message-ID %s", c->name,
	    g_mime_message_get_message_id(message));
	body = g_mime_message_get_mime_part(message);
	if (!tap_ok(GMIME_IS_MULTIPART(body) && g_mime_content_type_is_type(
	    g_mime_object_get_content_type(body), "multipart", "alternative"),
	    "%s: multipart/alternative", c->name))
		goto out;
	{
		GMimeMultipart *alt = GMIME_MULTIPART(body);
		int parts = g_mime_multipart_get_count(alt), want = c->html ? 3 : 2;
		GMimeObject *plain, *cal;
		GByteArray *bytes;

		tap_ok(parts == want, "%s: %d parts (got %d)", c->name, want,
		    parts);
		if (parts != want)
			goto out;
		plain = g_mime_multipart_get_part(alt, 0);
		cal = g_mime_multipart_get_part(alt, parts - 1);
		check_str(g_mime_object_get_header(plain, "Content-Type"),
		    "text/plain; charset=utf-8", c, "text/plain part");
		bytes = part_bytes(plain);
		g_byte_array_append(bytes, (const guint8 *)"", 1);
		check_str((const char *)bytes->data, c->want_plain, c,
		    "text/plain decoded");
		g_byte_array_unref(bytes);
		if (c->html != NULL) {
			GMimeObject *html = g_mime_multipart_get_part(alt, 1);

			check_str(g_mime_object_get_header(html, "Content-Type"),
			    "text/html; charset=utf-8", c, "text/html part");
			bytes = part_bytes(html);
			g_byte_array_append(bytes, (const guint8 *)"", 1);
			check_str((const char *)bytes->data, c->html, c,
			    "text/html decoded");
			g_byte_array_unref(bytes);
		}
		check_str(g_mime_object_get_header(cal, "Content-Type"),
		    "text/calendar; method=REQUEST; charset=utf-8", c,
		    "text/calendar part");
		bytes = part_bytes(cal);
		tap_ok(bytes->len == ics->len &&
		    memcmp(bytes->data, ics->str, ics->len) == 0,
		    "%s: calendar part bytes == ics", c->name);
		g_byte_array_unref(bytes);
	}
out:
	if (message != NULL)
		g_object_unref(message);
	g_string_free(ics, TRUE);
	g_string_free(eml, TRUE);
	mm_verdict_release(&verdict);
	mm_diag_release(&diag);
	mm_meeting_free(meeting);
}

/* Two runs give the same bytes; another --now gives another message. */
static void
test_mime_reproducible(struct mm_tzset *tzset)
{
	struct mm_meeting *meeting = make_mime_meeting(&mime_cases[0], tzset);
	struct mm_mime_options opt = { NOW, NULL, NULL };
	GString *ics = g_string_new(NULL);
	GString *a = g_string_new(NULL), *b = g_string_new(NULL);
	GString *later = g_string_new(NULL);

	mm_write_itip_request(ics, meeting, NULL);
	mm_write_mime(a, meeting, NULL, ics->str, ics->len, &opt, NULL);
	mm_write_mime(b, meeting, NULL, ics->str, ics->len, &opt, NULL);
	opt.now += 60;
	mm_write_mime(later, meeting, NULL, ics->str, ics->len, &opt, NULL);
	tap_ok(a->len > 0 && g_string_equal(a, b), "identical output on two runs");
	tap_ok(!g_string_equal(a, later), "another --now, another message");
	tap_ok(strstr(a->str, "boundary=\"=_meetmig_") != NULL,
	    "boundary derived by meetmig");
	g_string_free(later, TRUE);
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
	g_string_free(ics, TRUE);
	mm_meeting_free(meeting);
}

/*
 * Addresses kept for many messages change no byte: every case written
 * twice over through one cache is what it is written alone.
 */
static void
test_mime_cache(struct mm_tzset *tzset)
{
	struct mm_mime_cache *cache = mm_mime_cache_new();
	unsigned same = 0, total = 0;

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < G_N_ELEMENTS(mime_cases); i++) {
			const struct mime_case *c = &mime_cases[i];
			struct mm_meeting *meeting = make_mime_meeting(c, tzset);
			struct mm_mime_options alone = { NOW, c->sender, NULL };
			struct mm_mime_options cached = { NOW, c->sender, cache };
			GString *ics = g_string_new(NULL);
			GString *a = g_string_new(NULL), *b = g_string_new(NULL);

			mm_write_itip_request(ics, meeting, NULL);
			if (mm_write_mime(a, meeting, NULL, ics->str, ics->len, &alone,
			    NULL) == mm_write_mime(b, meeting, NULL, ics->str, ics->len,
			    &cached, NULL) && g_string_equal(a, b))
				same++;
			total++;
			g_string_free(a, TRUE);
			g_string_free(b, TRUE);
			g_string_free(ics, TRUE);
			mm_meeting_free(meeting);
		}
	}
	tap_ok(same == total, "messages through an address cache: %u of %u as "
	    "written without it", same, total);
	mm_mime_cache_free(cache);
	mm_mime_cache_free(NULL);
}

/*
 * A body that carries the message's own boundary cannot end a part early:
 * such a text goes quoted-printable, where '=' is written "=3D".
 */
static void
test_mime_boundary_in_body(struct mm_tzset *tzset)
{
	struct mime_case c = mime_cases[2];
	struct mm_meeting *meeting;
	struct mm_mime_options opt = { NOW, NULL, NULL };
	GString *ics = g_string_new(NULL), *first = g_string_new(NULL);
	GString *eml = g_string_new(NULL);
	GMimeMessage *message;
	const char *at;
	char *boundary, *description;
	int parts = -1;

	meeting = make_mime_meeting(&c, tzset);
	mm_write_itip_request(ics, meeting, NULL);
	mm_write_mime(first, meeting, NULL, ics->str, ics->len, &opt, NULL);
	mm_meeting_free(meeting);
	at = strstr(first->str, "boundary=\"");
	boundary = g_strndup(at + 10, strcspn(at + 10, "\""));
	description = g_strdup_printf("a\\n--%s\\nContent-Type: text/plain\\n\\n"
	    "forged\\n--%s--\\n", boundary, boundary);
	c.description = description;
	meeting = make_mime_meeting(&c, tzset);
	mm_write_mime(eml, meeting, NULL, ics->str, ics->len, &opt, NULL);
	message = parse_message(eml);
	if (message != NULL && GMIME_IS_MULTIPART(g_mime_message_get_mime_part(
	    message)))
		parts = g_mime_multipart_get_count(GMIME_MULTIPART(
		    g_mime_message_get_mime_part(message)));
	tap_ok(parts == 2 && count(eml->str, boundary) == 4,
	    "boundary in a body does not split the message (%d parts)", parts);
	if (message != NULL)
		g_object_unref(message);
	g_free(description);
	g_free(boundary);
	g_string_free(eml, TRUE);
	g_string_free(first, TRUE);
	g_string_free(ics, TRUE);
	mm_meeting_free(meeting);
}

/* Many recipients: the folded To: header stays within line limits. */
static void
test_mime_many(struct mm_tzset *tzset)
{
	struct mime_case c = mime_cases[1];
	struct mm_meeting *meeting = make_mime_meeting(&c, tzset);
	struct mm_mime_options opt = { NOW, NULL, NULL };
	GString *ics = g_string_new(NULL), *eml = g_string_new(NULL);
	GMimeMessage *message;
	size_t i, longest = 0;
	bool short_lines;
	int n = -1;

	for (i = 0; i < meeting->attendee_count; i++)
		mm_party_release(&meeting->attendees[i]);
	g_free(meeting->attendees);
	meeting->attendees = g_new0(struct mm_party, 300);
	meeting->attendee_count = 300;
	for (i = 0; i < 300; i++) {
		meeting->attendees[i].address = g_strdup_printf(
		    "user%03zu@contoso.com", i);
		meeting->attendees[i].name = g_strdup_printf(
		    "\xd8\xb9\xd9\x85\xd8\xb1 User %zu", i);
	}
	mm_write_itip_request(ics, meeting, NULL);
	mm_write_mime(eml, meeting, NULL, ics->str, ics->len, &opt, NULL);
	message = parse_message(eml);
	if (message != NULL)
		n = internet_address_list_length(g_mime_message_get_addresses(
		    message, GMIME_ADDRESS_TYPE_TO));
	short_lines = lines_short(eml, &longest);
	tap_ok(n == 300 && short_lines,
	    "300 recipients, header lines folded (%d, longest %zu)", n, longest);
	if (message != NULL)
		g_object_unref(message);
	g_string_free(eml, TRUE);
	g_string_free(ics, TRUE);
	mm_meeting_free(meeting);
}

int
main(void)
{
	struct mm_tzset *tzset;
	size_t i;

	g_mime_init();
	test_itip_request();
	test_itip_calendar();
	tzset = make_tzset();
	for (i = 0; i < G_N_ELEMENTS(mime_cases); i++)
		test_mime_case(&mime_cases[i], tzset);
	test_mime_reproducible(tzset);
	test_mime_cache(tzset);
	test_mime_boundary_in_body(tzset);
	test_mime_many(tzset);
	mm_tzset_free(tzset);
	return tap_done();
}
