/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * EWS reader and writer cases.  Dump shapes and hazards are small XML
 * documents in C strings or the dumps of fixtures/ews/; each is read whole
 * and its meetings are rendered one line each ("subject|events|..."), then
 * compared.  The synthesized content lines are checked line by line, the
 * recurrence patterns one RRULE each, and a weekly series is expanded with
 * libical across a DST change.  The UpdateItem writer's output for one
 * meeting is compared byte for byte with fixtures/unit/ews/ (MM_REGEN=1
 * rewrites it) and parsed back for its key elements.  Every file of the
 * shared corpus (beside the project) is read when it is there.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "contentline.h"
#include "limits.h"
#include "read_ews.h"
#include "tap.h"
#include "write_ews.h"

static const char *srcdir;

/* ------------------------------------------------------------------ */
/* Building inputs.                                                    */

#define ENV_OPEN \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>" \
	"<m:GetItemResponse xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" " \
	"xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\">" \
	"<m:ResponseMessages>"
#define ENV_CLOSE "</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"
#define MSG(items) \
	"<m:GetItemResponseMessage ResponseClass=\"Success\">" \
	"<m:ResponseCode>NoError</m:ResponseCode><m:Items>" items "</m:Items>" \
	"</m:GetItemResponseMessage>"
/* A single item at 2026-12-01 09:00Z with SUBJ as subject and ID as ItemId. */
#define ITEM(id, subj) \
	"<t:CalendarItem><t:ItemId Id=\"" id "\" ChangeKey=\"CK\"/>" \
	"<t:Subject>" subj "</t:Subject>" \
	"<t:UID>UID-" id "</t:UID>" \
	"<t:Start>2026-12-01T09:00:00Z</t:Start><t:End>2026-12-01T10:00:00Z</t:End>" \
	"<t:CalendarItemType>Single</t:CalendarItemType>" \
	"<t:MyResponseType>Organizer</t:MyResponseType></t:CalendarItem>"
#define GETITEM(items) ENV_OPEN MSG(items) ENV_CLOSE

static char *
fixture_path(const char *a, const char *b)
{
	return g_build_filename(srcdir, "fixtures", a, b, NULL);
}

/* One line per meeting: subject|events|master|organizer|attendees|cancelled. */
static void
render_meeting(GString *out, const struct mm_meeting *m)
{
	size_t i;

	g_string_append_printf(out, "%s|%zu|%s|%d|%zu|%s",
	    m->summary != NULL ? m->summary : "(none)", m->event_count,
	    m->has_master ? "master" : "instances",
	    mm_ews_item_is_organizer(m->ews), m->attendee_count,
	    m->cancelled ? "cancelled" : "live");
	for (i = 0; i < m->event_count; i++)
		if (m->events[i]->parse_error != NULL)
			g_string_append_printf(out, "|error:%s",
			    m->events[i]->parse_error);
	g_string_append_c(out, '\n');
}

struct outcome {
	char *meetings;         /* rendered */
	char *warnings;         /* joined with '\n' */
	char *error;            /* open or next error, or NULL */
	struct mm_read_ews_stats stats;
	int rc;                 /* 0 read to the end, -1 open failed, -2 next failed */
};

static void
outcome_release(struct outcome *o)
{
	g_free(o->meetings);
	g_free(o->warnings);
	g_free(o->error);
}

/* Reads an input whole (a path when LEN is (size_t)-1, else memory). */
static void
read_all(const char *data, size_t len, const char *name, struct outcome *o)
{
	struct mm_diag diag;
	struct mm_read_ews *r;
	struct mm_meeting *m;
	GString *meetings = g_string_new(NULL), *warnings = g_string_new(NULL);
	const char *const *w;
	int rc;

	memset(o, 0, sizeof(*o));
	mm_diag_init(&diag);
	if (len == (size_t)-1)
		r = mm_read_ews_open(data, name, &diag);
	else
		r = mm_read_ews_open_memory(data, len, name, &diag);
	if (r == NULL) {
		o->rc = -1;
		o->error = g_strdup(diag.message);
		goto out;
	}
	while ((rc = mm_read_ews_next(r, &m, &diag)) == 1) {
		mm_meeting_parse(m);
		render_meeting(meetings, m);
		mm_meeting_free(m);
	}
	if (rc < 0) {
		o->rc = -2;
		o->error = g_strdup(diag.message);
	}
	for (w = mm_read_ews_warnings(r); *w != NULL; w++)
		g_string_append_printf(warnings, "%s\n", *w);
	mm_read_ews_stats(r, &o->stats);
	mm_read_ews_close(r);
out:
	o->meetings = g_string_free(meetings, FALSE);
	o->warnings = g_string_free(warnings, FALSE);
	mm_diag_release(&diag);
}

static bool
contains(const char *haystack, const char *needle)
{
	return needle == NULL || (haystack != NULL &&
	    strstr(haystack, needle) != NULL);
}

/* ------------------------------------------------------------------ */
/* Dump shapes and hazards in C strings.                               */

struct shape_case {
	const char *name;
	const char *input;
	const char *meetings;   /* rendered, exactly */
	const char *warning;    /* a substring of the warnings, or NULL */
	const char *error;      /* a substring of the error, or NULL: none */
};

static const struct shape_case shapes[] = {
	{ "SOAP envelope", GETITEM(ITEM("a1", "One")),
	  "One|1|master|1|0|live\n", NULL, NULL },
	{ "bare GetItemResponse payload",
	  "<m:GetItemResponse xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" "
	  "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"><m:ResponseMessages>"
	  MSG(ITEM("a1", "Bare")) "</m:ResponseMessages></m:GetItemResponse>",
	  "Bare|1|master|1|0|live\n", NULL, NULL },
	{ "messages namespace as default (Exchange 2007 docs)",
	  "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
	  "<GetItemResponse xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" "
	  "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\" "
	  "xmlns=\"http://schemas.microsoft.com/exchange/services/2006/messages\"><ResponseMessages>"
	  "<GetItemResponseMessage ResponseClass=\"Success\"><ResponseCode>NoError</ResponseCode>"
	  "<Items>" ITEM("a1", "Default ns") "</Items></GetItemResponseMessage>"
	  "</ResponseMessages></GetItemResponse></soap:Body></soap:Envelope>",
	  "Default ns|1|master|1|0|live\n", NULL, NULL },
	{ "unusual prefixes, matched by namespace",
	  "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body>"
	  "<x:GetItemResponse xmlns:x=\"http://schemas.microsoft.com/exchange/services/2006/messages\">"
	  "<x:ResponseMessages><x:GetItemResponseMessage ResponseClass=\"Success\">"
	  "<x:Items><y:CalendarItem xmlns:y=\"http://schemas.microsoft.com/exchange/services/2006/types\">"
	  "<y:Subject>Prefixes</y:Subject><y:Start>2026-12-01T09:00:00Z</y:Start>"
	  "</y:CalendarItem></x:Items></x:GetItemResponseMessage></x:ResponseMessages>"
	  "</x:GetItemResponse></e:Body></e:Envelope>",
	  "Prefixes|1|master|-1|0|live\n", NULL, NULL },
	{ "right local names in a foreign namespace are not EWS",
	  "<a xmlns:m=\"urn:other\"><m:GetItemResponseMessage><m:Items>"
	  "<m:CalendarItem/></m:Items></m:GetItemResponseMessage></a>",
	  "", NULL, "no element of the EWS namespaces" },
	{ "several envelopes, each with an XML declaration",
	  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" GETITEM(ITEM("a1", "First"))
	  "\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" GETITEM(ITEM("a2", "Second")),
	  "First|1|master|1|0|live\nSecond|1|master|1|0|live\n", NULL, NULL },
	{ "https envelope namespace (Microsoft docs artefact)",
	  "<s:Envelope xmlns:s=\"https://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
	  "<m:GetItemResponse xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" "
	  "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"><m:ResponseMessages>"
	  MSG(ITEM("a1", "Https")) ENV_CLOSE,
	  "Https|1|master|1|0|live\n", NULL, NULL },
	{ "nested ConflictingMeetings items are not read",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"top\"/><t:Subject>Top</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:ConflictingMeetings><t:CalendarItem>"
	  "<t:ItemId Id=\"n1\"/><t:Subject>Nested</t:Subject></t:CalendarItem></t:ConflictingMeetings>"
	  "<t:AdjacentMeetings><t:CalendarItem><t:Subject>Nested 2</t:Subject></t:CalendarItem>"
	  "</t:AdjacentMeetings></t:CalendarItem>"),
	  "Top|1|master|-1|0|live\n", NULL, NULL },
	{ "a request's items are not mailbox content",
	  "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	  "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" "
	  "xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"><soap:Body>"
	  "<m:CreateItem><m:Items>" ITEM("r1", "Request") "</m:Items></m:CreateItem>"
	  "</soap:Body></soap:Envelope>",
	  "", NULL, NULL },
	{ "an error response message is a warning",
	  GETITEM(ITEM("a1", "Kept")) "\n"
	  ENV_OPEN "<m:GetItemResponseMessage ResponseClass=\"Error\">"
	  "<m:MessageText>The specified object was not found in the store.</m:MessageText>"
	  "<m:ResponseCode>ErrorItemNotFound</m:ResponseCode>"
	  "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/>"
	  "</m:GetItemResponseMessage>" ENV_CLOSE,
	  "Kept|1|master|1|0|live\n",
	  "EWS response Error ErrorItemNotFound: The specified object was not "
	  "found in the store. (t.xml:2)", NULL },
	{ "a warning response message keeps its items",
	  ENV_OPEN "<m:GetItemResponseMessage ResponseClass=\"Warning\">"
	  "<m:MessageText>Partial</m:MessageText><m:ResponseCode>ErrorBatchProcessingStopped</m:ResponseCode>"
	  "<m:Items>" ITEM("a1", "Partial") "</m:Items></m:GetItemResponseMessage>" ENV_CLOSE,
	  "Partial|1|master|1|0|live\n",
	  "EWS response Warning ErrorBatchProcessingStopped: Partial", NULL },
	{ "a SOAP fault is a warning",
	  "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>"
	  "<faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/types\">a:ErrorSchemaValidation</faultcode>"
	  "<faultstring xml:lang=\"en-US\">The request failed schema validation.</faultstring>"
	  "</s:Fault></s:Body></s:Envelope>",
	  "", "SOAP fault: The request failed schema validation. (t.xml:1)", NULL },
	{ "an .ics file is not EWS XML",
	  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "", NULL,
	  "not EWS XML: the file does not start with an element (t.xml:1)" },
	{ "an empty file", "  \n\t", "", NULL, "not EWS XML: t.xml is empty" },
	{ "XML without EWS", "<?xml version=\"1.0\"?>\n<config><a>1</a></config>",
	  "", NULL, "not EWS XML: no element of the EWS namespaces in t.xml" },
	{ "broken XML before any EWS element", "<a><b></a>", "", NULL,
	  "not EWS XML: Opening and ending tag mismatch" },
	{ "not well-formed after an item: the items before stay, the broken one is lost",
	  GETITEM(ITEM("a1", "Before")) GETITEM(ITEM("a2", "After</t:Subjekt>")),
	  "Before|1|master|1|0|live\n"
	  "(none)|1|instances|-1|0|live|error:CalendarItem started at line 1 "
	  "cannot be read: Opening and ending tag mismatch: Subject line 1 and "
	  "Subjekt; it and the items after it are not read (t.xml:1)\n",
	  "EWS XML not well-formed: Opening and ending tag mismatch", NULL },
	{ "an undeclared entity is not expanded",
	  GETITEM(ITEM("a1", "Ok")) GETITEM(ITEM("a2", "&nbsp;")),
	  "Ok|1|master|1|0|live\n"
	  "(none)|1|instances|-1|0|live|error:CalendarItem started at line 1 "
	  "cannot be read: Entity 'nbsp' not defined; it and the items after "
	  "it are not read (t.xml:1)\n", "Entity 'nbsp' not defined", NULL },
	{ "an internal DTD subset is refused",
	  "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n" GETITEM(ITEM("a1", "&a;")),
	  "", NULL, "document type declaration refused: EWS XML has no DTD and "
	  "no entity is ever declared or expanded (t.xml:2)" },
	{ "a DOCTYPE inside a comment or CDATA is text",
	  "<!-- <!DOCTYPE x> <?xml version=\"1.0\"?> -->" GETITEM(
	  "<t:CalendarItem><t:Subject><![CDATA[<!DOCTYPE &#x0;]]></t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start></t:CalendarItem>"),
	  "<!DOCTYPE &#x0;|1|master|-1|0|live\n", NULL, NULL },
	{ "the same ItemId twice is one meeting",
	  GETITEM(ITEM("a1", "Twice") ITEM("a1", "Twice")),
	  "Twice|1|master|1|0|live\n", NULL, NULL },
	{ "legal character references are kept",
	  GETITEM(ITEM("a1", "A&#x9;B&#65;&#x10000;&#xD7FF;")),
	  "A\tBA\xF0\x90\x80\x80\xED\x9F\xBF|1|master|1|0|live\n", NULL, NULL },
	{ "references to characters XML forbids are dropped",
	  GETITEM(ITEM("a1", "A&#x0;B&#31;C&#xFFFE;D&#xD800;E&#x110000;F")),
	  "ABCDEF|1|master|1|0|live\n",
	  "dropped 5 characters XML forbids (such as &#x0;), first on line 1 (t.xml)",
	  NULL },
	{ "a malformed character reference is libxml2's to report",
	  GETITEM(ITEM("a1", "Ok")) GETITEM(ITEM("a2", "&#xZZ;")),
	  "Ok|1|master|1|0|live\n"
	  "(none)|1|instances|-1|0|live|error:CalendarItem started at line 1 "
	  "cannot be read: CharRef: invalid hexadecimal value; it and the items "
	  "after it are not read (t.xml:1)\n", "EWS XML not well-formed", NULL },
	{ "a master after its exception goes first",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"x1\"/><t:Subject>Exception</t:Subject>"
	  "<t:UID>S</t:UID><t:RecurrenceId>2026-12-08T09:00:00Z</t:RecurrenceId>"
	  "<t:Start>2026-12-09T09:00:00Z</t:Start><t:CalendarItemType>Exception</t:CalendarItemType>"
	  "</t:CalendarItem>"
	  "<t:CalendarItem><t:ItemId Id=\"m1\"/><t:Subject>Master</t:Subject><t:UID>S</t:UID>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:CalendarItemType>RecurringMaster</t:CalendarItemType>"
	  "<t:Recurrence><t:DailyRecurrence><t:Interval>7</t:Interval></t:DailyRecurrence>"
	  "<t:NoEndRecurrence><t:StartDate>2026-12-01Z</t:StartDate></t:NoEndRecurrence></t:Recurrence>"
	  "<t:StartTimeZoneId>tzone://Microsoft/Utc</t:StartTimeZoneId></t:CalendarItem>"),
	  "Master|2|master|-1|0|live\n", NULL, NULL },
	{ "an exception elsewhere is a meeting of its own",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"x1\"/><t:Subject>Exception</t:Subject>"
	  "<t:UID>S</t:UID><t:OriginalStart>2026-12-08T09:00:00Z</t:OriginalStart>"
	  "<t:Start>2026-12-09T09:00:00Z</t:Start><t:CalendarItemType>Exception</t:CalendarItemType>"
	  "</t:CalendarItem>" ITEM("o1", "Other")),
	  "Exception|1|instances|-1|0|live\nOther|1|master|1|0|live\n", NULL, NULL },
	{ "an item without Start fails alone",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"b1\"/><t:Subject>No start</t:Subject>"
	  "<t:UID>B</t:UID></t:CalendarItem>" ITEM("a1", "Fine")),
	  "No start|1|master|-1|0|live|error:item without a valid Start (t.xml:1, UID B)\n"
	  "Fine|1|master|1|0|live\n", NULL, NULL },
	{ "a bad date fails the item",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"b1\"/><t:Subject>Bad</t:Subject>"
	  "<t:UID>B</t:UID><t:Start>2026-13-45T09:00:00Z</t:Start></t:CalendarItem>"),
	  "Bad|1|master|-1|0|live|error:item without a valid Start (t.xml:1, UID B)\n",
	  NULL, NULL },
	{ "IsCancelled and AppointmentState bit 4",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"c1\"/><t:Subject>C1</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:IsCancelled>true</t:IsCancelled></t:CalendarItem>"
	  "<t:CalendarItem><t:ItemId Id=\"c2\"/><t:Subject>C2</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:AppointmentState>7</t:AppointmentState></t:CalendarItem>"),
	  "C1|1|master|-1|0|cancelled\nC2|1|master|-1|0|cancelled\n", NULL, NULL },
	{ "organizer facts: MyResponseType and IsOrganizer",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"o1\"/><t:Subject>Accept</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:MyResponseType>Accept</t:MyResponseType></t:CalendarItem>"
	  "<t:CalendarItem><t:ItemId Id=\"o2\"/><t:Subject>IsOrganizer</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:MyResponseType>Unknown</t:MyResponseType>"
	  "<t:IsOrganizer>true</t:IsOrganizer></t:CalendarItem>"
	  "<t:CalendarItem><t:ItemId Id=\"o3\"/><t:Subject>Unknown</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:MyResponseType>Unknown</t:MyResponseType></t:CalendarItem>"
	  "<t:CalendarItem><t:ItemId Id=\"o4\"/><t:Subject>Not me</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:MyResponseType>Organizer</t:MyResponseType>"
	  "<t:IsOrganizer>false</t:IsOrganizer></t:CalendarItem>"),
	  "Accept|1|master|0|0|live\nIsOrganizer|1|master|1|0|live\n"
	  "Unknown|1|master|-1|0|live\nNot me|1|master|1|0|live\n", NULL, NULL },
	{ "attendees: a DL counts once, no address no line",
	  GETITEM("<t:CalendarItem><t:ItemId Id=\"p1\"/><t:Subject>People</t:Subject>"
	  "<t:Start>2026-12-01T09:00:00Z</t:Start><t:RequiredAttendees>"
	  "<t:Attendee><t:Mailbox><t:Name>All staff</t:Name><t:EmailAddress>all@contoso.com</t:EmailAddress>"
	  "<t:MailboxType>PublicDL</t:MailboxType></t:Mailbox></t:Attendee>"
	  "<t:Attendee><t:Mailbox><t:Name>No address</t:Name></t:Mailbox></t:Attendee>"
	  "</t:RequiredAttendees><t:OptionalAttendees><t:Attendee><t:Mailbox>"
	  "<t:EmailAddress>/O=CONTOSO/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=BEA</t:EmailAddress>"
	  "<t:RoutingType>EX</t:RoutingType></t:Mailbox></t:Attendee></t:OptionalAttendees>"
	  "</t:CalendarItem>"),
	  "People|1|master|-1|3|live\n", NULL, NULL },
};

static void
test_shapes(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(shapes); i++) {
		const struct shape_case *c = &shapes[i];
		struct outcome o;
		bool ok;

		read_all(c->input, strlen(c->input), "t.xml", &o);
		ok = tap_str(o.meetings, c->meetings, c->name);
		if (c->error == NULL)
			ok = tap_ok(o.rc == 0, "%s: no error", c->name) && ok;
		else
			ok = tap_ok(o.rc != 0 && contains(o.error, c->error),
			    "%s: error", c->name) && ok;
		ok = tap_ok(contains(o.warnings, c->warning), "%s: warning",
		    c->name) && ok;
		if (!ok)
			printf("# error: %s\n# warnings: %s\n",
			    o.error != NULL ? o.error : "(none)", o.warnings);
		outcome_release(&o);
	}
}

/* Deep nesting stops at MM_LIMIT_XML_DEPTH, whoever notices first. */
static void
test_depth(void)
{
	static const size_t depths[] = { MM_LIMIT_XML_DEPTH - 2,
	    MM_LIMIT_XML_DEPTH + 1, 100000 };
	size_t i, k;

	for (i = 0; i < G_N_ELEMENTS(depths); i++) {
		GString *doc = g_string_new(ENV_OPEN);
		struct outcome o;

		/* The envelope already nests 3 deep. */
		for (k = 3; k < depths[i]; k++)
			g_string_append(doc, "<t:x>");
		for (k = 3; k < depths[i]; k++)
			g_string_append(doc, "</t:x>");
		g_string_append(doc, ENV_CLOSE);
		read_all(doc->str, doc->len, "deep.xml", &o);
		if (depths[i] <= MM_LIMIT_XML_DEPTH)
			tap_ok(o.rc == 0, "depth %zu is read", depths[i]);
		else
			tap_ok(o.rc == -2 && contains(o.error,
			    "XML elements nested deeper than MM_LIMIT_XML_DEPTH "
			    "(256) (deep.xml:1)"), "depth %zu is refused: %s",
			    depths[i], o.error != NULL ? o.error : "none");
		outcome_release(&o);
		g_string_free(doc, TRUE);
	}
}

/* The same document in UTF-16 with and without a byte order mark. */
static void
test_utf16(void)
{
	static const char doc[] = GETITEM(ITEM("u1", "Caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC"));
	static const struct {
		const char *name;
		const char *charset;
		const char *bom;
		size_t bom_len;
	} cases[] = {
		{ "UTF-16LE with BOM", "UTF-16LE", "\xFF\xFE", 2 },
		{ "UTF-16BE with BOM", "UTF-16BE", "\xFE\xFF", 2 },
		{ "UTF-16LE without BOM", "UTF-16LE", "", 0 },
		{ "UTF-16BE without BOM", "UTF-16BE", "", 0 },
		{ "UTF-8 with BOM", "UTF-8", "\xEF\xBB\xBF", 3 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize conv_len = 0;
		char *conv = g_convert(doc, -1, cases[i].charset, "UTF-8", NULL,
		    &conv_len, NULL);
		GString *bytes = g_string_new_len(cases[i].bom,
		    (gssize)cases[i].bom_len);
		struct outcome o;

		g_string_append_len(bytes, conv, (gssize)conv_len);
		tap_ok(mm_read_ews_sniff(bytes->str, bytes->len),
		    "%s: sniffed as XML", cases[i].name);
		read_all(bytes->str, bytes->len, "u.xml", &o);
		tap_str(o.meetings, "Caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC|1|master|1|0|live\n",
		    cases[i].name);
		outcome_release(&o);
		g_string_free(bytes, TRUE);
		g_free(conv);
	}
	tap_ok(!mm_read_ews_sniff("BEGIN:VCALENDAR", 15), "an .ics is not sniffed as XML");
	tap_ok(!mm_read_ews_sniff("\xFF\xFE" "B\0E\0", 6), "nor a UTF-16 .ics");
	tap_ok(mm_read_ews_sniff(" \r\n<?xml", 8), "whitespace before '<'");
}

/* Octets that are not what the file says they are: a run error, no U+FFFD. */
static void
test_bad_encoding(void)
{
	static const struct {
		const char *name;
		const char *bom;
		const char *bad;        /* placed in a subject */
		const char *comment;    /* placed in a comment instead, or NULL */
	} cases[] = {
		{ "Windows-1252 under utf-8", "", "\xE9t\xE9", NULL },
		{ "a broken sequence", "", "\xC3\x28", NULL },
		{ "an overlong slash", "", "\xC0\xAF", NULL },
		{ "a UTF-8 surrogate", "", "\xED\xA0\x80", NULL },
		{ "after a BOM the offset counts it", "\xEF\xBB\xBF", "\xFF", NULL },
		{ "in a comment", "", NULL, "<!-- \xE9 -->" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *doc = g_string_new(cases[i].bom);
		char *want;
		size_t at;
		struct outcome o;

		g_string_append(doc, GETITEM(ITEM("g1", "Good")));
		if (cases[i].comment != NULL) {
			at = doc->len + 5;
			g_string_append(doc, cases[i].comment);
			g_string_append(doc, GETITEM(ITEM("g2", "After")));
		} else {
			g_string_append(doc, ENV_OPEN MSG(ITEM("b1", "x")) ENV_CLOSE);
			at = (size_t)(strstr(doc->str, "<t:Subject>x") - doc->str) +
			    strlen("<t:Subject>");
			g_string_insert(doc, (gssize)at, cases[i].bad);
		}
		want = g_strdup_printf("invalid UTF-8 at byte offset %zu: the file "
		    "is not in the encoding it declares (t.xml:1)", at);
		/* The filter reads ahead of libxml2: "Good" may not be out yet. */
		read_all(doc->str, doc->len, "t.xml", &o);
		if (!tap_ok(o.rc == -2 && contains(o.error, want),
		    "%s: a run error", cases[i].name))
			printf("# got: %s\n# expected: %s\n", o.error, want);
		outcome_release(&o);
		g_free(want);
		g_string_free(doc, TRUE);
	}
	{
		/* A lone surrogate in UTF-16: the decoder names the offset. */
		static const char le[] = "\xFF\xFE<\0a\0>\0\x00\xD8<\0/\0a\0>\0";
		struct outcome o;

		read_all(le, sizeof(le) - 1, "t.xml", &o);
		tap_ok(o.rc != 0 && contains(o.error,
		    "invalid UTF-16LE at byte offset 8 (t.xml)"),
		    "a lone surrogate in UTF-16: %s", o.error != NULL ? o.error : "none");
		outcome_release(&o);
	}
}

/*
 * Tokens the filter looks at (character references, XML declarations,
 * comments) across the edge of its 64 KiB block: each offset around it.
 */
static void
test_block_edges(void)
{
	static const char prefix[] = ENV_OPEN "<m:GetItemResponseMessage "
	    "ResponseClass=\"Success\"><m:Items><t:CalendarItem><t:ItemId Id=\"e\"/>"
	    "<t:Subject>";
	static const char suffix[] = "</t:Subject><t:Start>2026-12-01T09:00:00Z"
	    "</t:Start></t:CalendarItem></m:Items></m:GetItemResponseMessage>"
	    ENV_CLOSE;
	/* The filter adds a 13-octet root tag before the input. */
	const size_t edge = 65536 - 13;
	size_t at, bad = 0;

	for (at = edge - 24; at <= edge + 8; at++) {
		GString *doc = g_string_new(prefix);
		GString *want = g_string_new(NULL);
		struct outcome o;

		while (doc->len < at) {
			g_string_append_c(doc, 'x');
			g_string_append_c(want, 'x');
		}
		g_string_append(doc, "&#x1F;&#x41;<!--&#x0;-->\x01&#0;B");
		g_string_append(want, "AB|1|master|-1|0|live\n");
		g_string_append(doc, suffix);
		g_string_append(doc, "<?xml version=\"1.0\"?>");
		read_all(doc->str, doc->len, "edge.xml", &o);
		if (strcmp(o.meetings, want->str) != 0 || o.rc != 0 ||
		    o.stats.dropped_chars != 3)
			bad++;
		outcome_release(&o);
		g_string_free(doc, TRUE);
		g_string_free(want, TRUE);
	}
	tap_ok(bad == 0, "filter tokens across its block edge (%zu offsets failed)",
	    bad);
}

/* A body at the limit is read; one octet more fails that item only. */
static void
test_body_limit(void)
{
	static const size_t sizes[] = { MM_LIMIT_BODY_SIZE, MM_LIMIT_BODY_SIZE + 1 };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
		GString *doc = g_string_new(ENV_OPEN
		    "<m:GetItemResponseMessage ResponseClass=\"Success\"><m:Items>"
		    "<t:CalendarItem><t:ItemId Id=\"big\"/><t:Subject>Big</t:Subject>"
		    "<t:Body BodyType=\"Text\">");
		struct mm_diag diag;
		struct mm_read_ews *r;
		struct mm_meeting *m = NULL;
		int rc;

		g_string_set_size(doc, doc->len + sizes[i]);
		memset(doc->str + doc->len - sizes[i], 'a', sizes[i]);
		g_string_append(doc, "</t:Body><t:Start>2026-12-01T09:00:00Z</t:Start>"
		    "</t:CalendarItem></m:Items></m:GetItemResponseMessage>" ENV_CLOSE);
		mm_diag_init(&diag);
		r = mm_read_ews_open_memory(doc->str, doc->len, "big.xml", &diag);
		rc = r != NULL ? mm_read_ews_next(r, &m, &diag) : -1;
		if (i == 0)
			tap_ok(rc == 1 && m->events[0]->parse_error == NULL &&
			    m->ews->events[0].body_len == sizes[i],
			    "a body of MM_LIMIT_BODY_SIZE octets is read");
		else
			tap_ok(rc == 1 && contains(m->events[0]->parse_error,
			    "body larger than MM_LIMIT_BODY_SIZE"),
			    "a body over MM_LIMIT_BODY_SIZE fails its item");
		mm_meeting_free(m);
		mm_read_ews_close(r);
		mm_diag_release(&diag);
		g_string_free(doc, TRUE);
	}
}

/* ------------------------------------------------------------------ */
/* The fixture dumps.                                                  */

struct fixture_case {
	const char *file;
	const char *meetings;
	const char *warning;
	const char *error;
	unsigned items, duplicates, error_responses, dropped;
};

static const struct fixture_case fixture_cases[] = {
	{ "getitem-calendar.xml",
	  "Quarterly planning (Skype)|1|master|1|6|live\n"
	  "Design review (Teams)|1|master|1|1|live\n"
	  "Weekly sync (Skype)|2|master|1|2|live\n"
	  "Canceled: Budget review|1|master|1|1|cancelled\n"
	  "Partner sync (Fabrikam)|1|master|0|1|live\n",
	  "EWS response Error ErrorItemNotFound: The specified object was not "
	  "found in the store., The process failed to get the correct "
	  "properties. (getitem-calendar.xml:664)", NULL, 6, 0, 1, 0 },
	{ "finditem-calendarview.xml",
	  "Weekly sync (Skype)|2|instances|1|0|live\n"
	  "Quarterly planning (Skype)|1|master|1|0|live\n"
	  "1:1 with Bea|1|master|1|0|live\n"
	  "Weekly sync (Skype) - moved to Tuesday|1|instances|1|0|live\n",
	  NULL, NULL, 5, 0, 0, 0 },
	{ "trace-several-roots.xml",
	  "Design review (Teams)|1|master|1|1|live\n"
	  "Partner sync (Fabrikam)|1|master|0|1|live\n", NULL, NULL, 2, 0, 0, 0 },
	{ "utf16-powershell.xml",
	  "R\xC3\xA9union d'\xC3\xA9quipe \xE2\x80\x93 Q1 \xE6\x9D\xB1\xE4\xBA\xAC|1|master|1|1|live\n",
	  NULL, NULL, 1, 0, 0, 0 },
	{ "invalid-charrefs.xml", "Budgetreview|1|master|1|0|live\n",
	  "dropped 6 characters XML forbids (such as &#x0;), first on line 15 "
	  "(invalid-charrefs.xml)", NULL, 1, 0, 0, 6 },
	{ "truncated-body.xml", "Big agenda (Skype)|1|master|1|0|live\n",
	  NULL, NULL, 1, 0, 0, 0 },
	{ "xxe.xml", "", NULL, "document type declaration refused: EWS XML has "
	  "no DTD and no entity is ever declared or expanded (xxe.xml:2)",
	  0, 0, 0, 0 },
	{ "billion-laughs.xml", "", NULL, "document type declaration refused: "
	  "EWS XML has no DTD and no entity is ever declared or expanded "
	  "(billion-laughs.xml:2)", 0, 0, 0, 0 },
	{ "truncated-file.xml",
	  "Design review (Teams)|1|master|1|1|live\n"
	  "Partner sync (Fabrikam)|1|master|0|1|live\n"
	  "Quarterly planning (Skype)|1|instances|-1|0|live|error:file ends "
	  "inside CalendarItem started at line 186; it and anything after it "
	  "are not read (truncated-file.xml:207)\n",
	  "EWS XML cut short: the file ends inside an element, items from there "
	  "on are not read (truncated-file.xml:", NULL, 3, 0, 0, 0 },
};

static void
test_fixtures(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(fixture_cases); i++) {
		const struct fixture_case *c = &fixture_cases[i];
		char *path = fixture_path("ews", c->file);
		struct outcome o;
		bool ok;

		read_all(path, (size_t)-1, c->file, &o);
		ok = tap_str(o.meetings, c->meetings, c->file);
		if (c->error == NULL)
			ok = tap_ok(o.rc == 0, "%s: no error", c->file) && ok;
		else
			ok = tap_ok(contains(o.error, c->error), "%s: error",
			    c->file) && ok;
		ok = tap_ok(contains(o.warnings, c->warning), "%s: warning",
		    c->file) && ok;
		ok = tap_ok(o.stats.items == c->items &&
		    o.stats.duplicates == c->duplicates &&
		    o.stats.error_responses == c->error_responses &&
		    o.stats.dropped_chars == c->dropped,
		    "%s: counts (items %u, duplicates %u, errors %u, dropped %u)",
		    c->file, o.stats.items, o.stats.duplicates,
		    o.stats.error_responses, o.stats.dropped_chars) && ok;
		if (!ok)
			printf("# error: %s\n# warnings: %s\n",
			    o.error != NULL ? o.error : "(none)", o.warnings);
		outcome_release(&o);
		g_free(path);
	}
}

/* Nothing a hostile DTD asks for reaches a meeting or a message. */
static void
test_hostile(void)
{
	static const char *const files[] = { "xxe.xml", "billion-laughs.xml" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		char *path = fixture_path("ews", files[i]);
		struct outcome o;

		read_all(path, (size_t)-1, files[i], &o);
		tap_ok(o.rc == -2 && o.stats.items == 0 &&
		    !contains(o.error, "root:") && !contains(o.error, "lollol") &&
		    !contains(o.warnings, "root:") &&
		    !contains(o.warnings, "lollol"),
		    "%s: refused, nothing expanded", files[i]);
		outcome_release(&o);
		g_free(path);
	}
}

/*
 * A folder: calendarview.xml sorts before getitem.xml, so the occurrences
 * and FindItem copies come first and are found duplicates by the first
 * pass; notes.txt and a sub-folder are ignored.
 */
static void
test_folder(void)
{
	char *dir = g_dir_make_tmp("mm-ews-XXXXXX", NULL);
	char *src1 = fixture_path("ews", "finditem-calendarview.xml");
	char *src2 = fixture_path("ews", "getitem-calendar.xml");
	char *dst1 = g_build_filename(dir, "calendarview.xml", NULL);
	char *dst2 = g_build_filename(dir, "getitem.XML", NULL);
	char *notes = g_build_filename(dir, "notes.txt", NULL);
	char *sub = g_build_filename(dir, "sub.xml", NULL);
	char *data = NULL;
	gsize len = 0;
	struct outcome o;

	g_file_get_contents(src1, &data, &len, NULL);
	g_file_set_contents(dst1, data, (gssize)len, NULL);
	g_free(data);
	g_file_get_contents(src2, &data, &len, NULL);
	g_file_set_contents(dst2, data, (gssize)len, NULL);
	g_free(data);
	g_file_set_contents(notes, "not XML", -1, NULL);
	g_mkdir(sub, 0700);

	read_all(dir, (size_t)-1, "mailbox", &o);
	tap_str(o.meetings,
	    "1:1 with Bea|1|master|1|0|live\n"
	    "Quarterly planning (Skype)|1|master|1|6|live\n"
	    "Design review (Teams)|1|master|1|1|live\n"
	    "Weekly sync (Skype)|2|master|1|2|live\n"
	    "Canceled: Budget review|1|master|1|1|cancelled\n"
	    "Partner sync (Fabrikam)|1|master|0|1|live\n",
	    "folder: occurrences and FindItem copies deduplicated");
	tap_ok(o.rc == 0 && o.stats.files == 2 && o.stats.items == 11 &&
	    o.stats.duplicates == 4, "folder: 2 files, 11 items, 4 duplicates "
	    "(%u, %u, %u)", o.stats.files, o.stats.items, o.stats.duplicates);
	tap_ok(contains(o.warnings, "(mailbox/getitem.XML:664)"),
	    "folder: messages name the file in the folder");
	outcome_release(&o);

	g_remove(dst1);
	g_remove(dst2);
	read_all(dir, (size_t)-1, "mailbox", &o);
	tap_ok(o.rc == -1 && contains(o.error, "no *.xml files in folder mailbox"),
	    "a folder without *.xml files");
	outcome_release(&o);
	read_all("/nonexistent/ews.xml", (size_t)-1, "ews.xml", &o);
	tap_ok(o.rc == -1 && contains(o.error, "cannot open ews.xml"),
	    "a missing file");
	outcome_release(&o);

	g_remove(notes);
	g_rmdir(sub);
	g_rmdir(dir);
	g_free(sub);
	g_free(notes);
	g_free(dst1);
	g_free(dst2);
	g_free(src1);
	g_free(src2);
	g_free(dir);
}

/* ------------------------------------------------------------------ */
/* Synthesized lines and EWS facts.                                    */

static GPtrArray *
read_meetings(const char *file, struct mm_read_ews **reader)
{
	char *path = fixture_path("ews", file);
	GPtrArray *list = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)mm_meeting_free);
	struct mm_diag diag;
	struct mm_meeting *m;

	mm_diag_init(&diag);
	*reader = mm_read_ews_open(path, file, &diag);
	while (*reader != NULL && mm_read_ews_next(*reader, &m, &diag) == 1) {
		/* As selection does before it looks at the times. */
		mm_meeting_parse(m);
		g_ptr_array_add(list, m);
	}
	mm_diag_release(&diag);
	g_free(path);
	return list;
}

/* The first line of the event named NAME (with its parameters), or NULL. */
static const char *
line_of(const struct mm_event *ev, const char *name)
{
	int i = mm_event_find(ev, name);

	return i >= 0 ? ev->props[i].line : NULL;
}

static size_t
count_lines(const struct mm_event *ev, const char *prefix, const char *needle)
{
	size_t i, n = 0;

	for (i = 0; i < ev->prop_count; i++)
		if (g_str_has_prefix(ev->props[i].line, prefix) &&
		    (needle == NULL || strstr(ev->props[i].line, needle) != NULL))
			n++;
	return n;
}

static void
test_lines(void)
{
	static const struct {
		size_t meeting, event;
		const char *name;
		const char *want;       /* NULL: the property must be absent */
	} lines[] = {
		{ 0, 0, "DTSTART", "DTSTART:20261201T090000Z" },
		{ 0, 0, "DTEND", "DTEND:20261201T100000Z" },
		{ 0, 0, "DTSTAMP", "DTSTAMP:20261001T080000Z" },
		{ 0, 0, "SEQUENCE", "SEQUENCE:2" },
		{ 0, 0, "SUMMARY", "SUMMARY:Quarterly planning (Skype)" },
		{ 0, 0, "LOCATION", "LOCATION:Skype Meeting\\; Room 4/1" },
		{ 0, 0, "ORGANIZER", "ORGANIZER;CN=\"Alex Shaw\":mailto:ashaw@contoso.com" },
		{ 0, 0, "STATUS", NULL },
		{ 0, 0, "RRULE", NULL },
		{ 0, 0, "DESCRIPTION", NULL },
		{ 0, 0, "UID", "UID:040000008200E00074C5B7101A82E00800000000D0F1A2B3"
		  "C4D5DB01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90" },
		{ 1, 0, "DTSTART", "DTSTART:20261203T170000Z" },
		{ 2, 0, "DTSTART", "DTSTART;TZID=Europe/Berlin:20261102T100000" },
		{ 2, 0, "DTEND", "DTEND;TZID=Europe/Berlin:20261102T103000" },
		{ 2, 0, "RRULE", "RRULE:FREQ=WEEKLY;UNTIL=20270329T080000Z;INTERVAL=1;"
		  "BYDAY=MO;WKST=MO" },
		{ 2, 0, "EXDATE", "EXDATE;TZID=Europe/Berlin:20261116T100000,20261228T100000" },
		{ 2, 0, "RECURRENCE-ID", NULL },
		{ 2, 1, "RECURRENCE-ID", "RECURRENCE-ID;TZID=Europe/Berlin:20261207T100000" },
		{ 2, 1, "DTSTART", "DTSTART;TZID=Europe/Berlin:20261208T100000" },
		{ 2, 1, "SUMMARY", "SUMMARY:Weekly sync (Skype) - moved to Tuesday" },
		{ 2, 1, "RRULE", NULL },
		{ 2, 1, "EXDATE", NULL },
		{ 3, 0, "STATUS", "STATUS:CANCELLED" },
		{ 4, 0, "ORGANIZER", "ORGANIZER;CN=\"Dana Reyes\":mailto:dreyes@fabrikam.com" },
	};
	static const struct {
		size_t meeting, event;
		const char *prefix, *needle;
		size_t want;
	} counts[] = {
		{ 0, 0, "ATTENDEE", NULL, 6 },
		{ 0, 0, "ATTENDEE;CUTYPE=GROUP;", NULL, 1 },
		{ 0, 0, "ATTENDEE;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;", NULL, 1 },
		{ 0, 0, "ATTENDEE", "ROLE=REQ-PARTICIPANT", 4 },
		{ 0, 0, "ATTENDEE", "ROLE=OPT-PARTICIPANT", 1 },
		{ 0, 0, "ATTENDEE", "PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=\"Sales Team\":mailto:sales@contoso.com", 1 },
		{ 0, 0, "X-ALT-DESC;FMTTYPE=text/html:", NULL, 1 },
		{ 0, 0, "X-MICROSOFT-", NULL, 0 },
		{ 2, 0, "ATTENDEE", NULL, 2 },
		{ 2, 1, "X-ALT-DESC;FMTTYPE=text/html:", "Moved to Tuesday", 1 },
		{ 3, 0, "ATTENDEE", "PARTSTAT=DECLINED", 1 },
	};
	struct mm_read_ews *r = NULL;
	GPtrArray *ms = read_meetings("getitem-calendar.xml", &r);
	const struct mm_meeting *m0, *m2, *m4;
	const struct mm_ews_item *e0, *e2;
	size_t i, k;
	bool parsed = true;

	if (!tap_ok(ms->len == 5, "getitem-calendar.xml: 5 meetings for the line checks")) {
		g_ptr_array_free(ms, TRUE);
		mm_read_ews_close(r);
		return;
	}
	for (i = 0; i < G_N_ELEMENTS(lines); i++) {
		const struct mm_meeting *m = g_ptr_array_index(ms, lines[i].meeting);
		char *name = g_strdup_printf("meeting %zu event %zu: %s %s",
		    lines[i].meeting, lines[i].event, lines[i].name,
		    lines[i].want != NULL ? "line" : "absent");

		tap_str(line_of(m->events[lines[i].event], lines[i].name),
		    lines[i].want, name);
		g_free(name);
	}
	for (i = 0; i < G_N_ELEMENTS(counts); i++) {
		const struct mm_meeting *m = g_ptr_array_index(ms, counts[i].meeting);
		size_t got = count_lines(m->events[counts[i].event],
		    counts[i].prefix, counts[i].needle);

		tap_ok(got == counts[i].want, "meeting %zu event %zu: %zu lines "
		    "%s%s%s (got %zu)", counts[i].meeting, counts[i].event,
		    counts[i].want, counts[i].prefix, counts[i].needle ? " with " : "",
		    counts[i].needle ? counts[i].needle : "", got);
	}
	for (i = 0; i < ms->len; i++) {
		const struct mm_meeting *m = g_ptr_array_index(ms, i);

		for (k = 0; k < m->event_count; k++)
			parsed = parsed && m->events[k]->ical != NULL &&
			    m->events[k]->parse_error == NULL &&
			    m->ews->events[k].item_id != NULL;
	}
	tap_ok(parsed, "every event parsed by libical, with an ItemId");

	m0 = g_ptr_array_index(ms, 0);
	m2 = g_ptr_array_index(ms, 2);
	m4 = g_ptr_array_index(ms, 4);
	e0 = m0->ews;
	e2 = m2->ews;
	tap_str(e0->events[0].item_id, "AAMkAGSfbSingle0001=", "ItemId");
	tap_str(e0->events[0].change_key, "DwAAABYAAAAsfb0001", "ChangeKey");
	tap_ok(e0->events[0].body_type == MM_EWS_BODY_HTML &&
	    !e0->events[0].body_truncated && e0->events[0].body != NULL &&
	    strstr(e0->events[0].body, "</p>\r\n") != NULL,
	    "the HTML body as the dump had it, CRLF kept");
	tap_ok(e0->is_online_meeting && e0->has_public_strings &&
	    e0->prop_count == 5 && e0->my_response == MM_EWS_RESPONSE_ORGANIZER &&
	    e0->has_is_organizer && e0->is_organizer && e0->is_meeting &&
	    !e0->from_find_item, "online meeting, organizer, 5 PublicStrings");
	tap_str(e0->join_online_meeting_url, "https://meet.contoso.com/ashaw/K7Q2ZP9D",
	    "JoinOnlineMeetingUrl");
	tap_str(mm_ews_item_prop(e0, "onlinemeetingconferenceid") != NULL ?
	    mm_ews_item_prop(e0, "onlinemeetingconferenceid")->value : NULL,
	    "4417380", "a PublicStrings property by name");
	tap_str(e0->time_zone_id, "W. Europe Standard Time", "zone as named");
	tap_str(e0->iana_zone, "Europe/Berlin", "zone mapped with ICU");
	tap_ok(e0->required_count == 4 && e0->optional_count == 1 &&
	    e0->resource_count == 1 && m0->attendees_listed == 6 &&
	    !m0->attendees_truncated, "attendee counts 4 + 1 + 1");
	tap_ok(m0->attendees[2].is_group && m0->attendees[4].role == MM_ROLE_OPTIONAL &&
	    m0->attendees[5].role == MM_ROLE_NONE &&
	    strcmp(m0->attendees[0].partstat, "ACCEPTED") == 0 &&
	    strcmp(m0->organizer.address, "ashaw@contoso.com") == 0,
	    "parties: a group, an optional, a resource");
	tap_ok(e2->modified_count == 1 && e2->deleted_count == 2 &&
	    !e2->no_end && e2->has_last_occurrence &&
	    e2->last_occurrence_end == 1806309000 &&
	    strcmp(e2->modified[0].item_id, "AAMkAGWeeklyException1=") == 0 &&
	    e2->modified[0].original_start == 1796634000,
	    "master: modified, deleted and last occurrences");
	tap_ok(e2->event_count == 2 &&
	    e2->events[1].type == MM_EWS_ITEM_EXCEPTION &&
	    strcmp(e2->events[1].item_id, "AAMkAGWeeklyException1=") == 0 &&
	    m2->events[1]->recurrence_id != NULL &&
	    strcmp(m2->events[1]->recurrence_id, "20261207T100000") == 0,
	    "the exception is the series' second event");
	tap_ok(mm_ews_item_is_organizer(m4->ews) == 0 &&
	    mm_ews_item_addin_marker(m4->ews) == NULL,
	    "not organizer, no add-in marker");
	tap_str(mm_ews_item_addin_marker(e0), "IsOnlineMeeting", "add-in marker");
	tap_ok(mm_tzset_vtimezone(mm_read_ews_tzset(r), "Europe/Berlin") != NULL &&
	    mm_tzset_lookup(mm_read_ews_tzset(r), "Europe/Berlin") != NULL &&
	    m2->tzset == mm_read_ews_tzset(r),
	    "a VTIMEZONE for the TZID written");
	g_ptr_array_free(ms, TRUE);
	mm_read_ews_close(r);
}

static void
collect_start(icalcomponent *comp, struct icaltime_span *span, void *data)
{
	GArray *starts = data;
	time_t t = span->start;

	(void)comp;
	g_array_append_val(starts, t);
}

/* The weekly series expanded by libical: local 10:00 across the DST change. */
static void
test_expansion(void)
{
	struct mm_read_ews *r = NULL;
	GPtrArray *ms = read_meetings("getitem-calendar.xml", &r);
	GArray *starts = g_array_new(FALSE, FALSE, sizeof(time_t));
	const struct mm_meeting *m;
	struct icaltimetype from, to;
	bool dec28 = false;
	guint i;

	if (ms->len < 3) {
		tap_ok(0, "weekly series expands");
		goto out;
	}
	m = g_ptr_array_index(ms, 2);
	from = icaltime_from_timet_with_zone(1795251600, 0,
	    icaltimezone_get_utc_timezone());     /* 2026-11-21T09:00:00Z */
	to = icaltime_from_timet_with_zone(1830297600, 0,
	    icaltimezone_get_utc_timezone());     /* 2028-01-01 */
	icalcomponent_foreach_recurrence(m->events[0]->ical, from, to,
	    collect_start, starts);
	for (i = 0; i < starts->len; i++)
		if (g_array_index(starts, time_t, i) == 1798448400)
			dec28 = true;
	tap_ok(starts->len == 18, "weekly series: 18 occurrences after now "
	    "(got %u)", starts->len);
	tap_ok(starts->len > 0 && g_array_index(starts, time_t, 0) == 1795424400,
	    "first: 2026-11-23T09:00:00Z");
	tap_ok(starts->len > 0 &&
	    g_array_index(starts, time_t, starts->len - 1) == 1806307200,
	    "last: 2027-03-29T08:00:00Z, after the change to summer time");
	tap_ok(!dec28, "EXDATE 2026-12-28 honoured");
out:
	g_array_free(starts, TRUE);
	g_ptr_array_free(ms, TRUE);
	mm_read_ews_close(r);
}

/* One RRULE per pattern and range (types.xsd RecurrenceType). */
#define REC_ITEM(rec) GETITEM( \
	"<t:CalendarItem><t:ItemId Id=\"r\"/><t:Subject>R</t:Subject><t:UID>R</t:UID>" \
	"<t:Start>2026-11-02T09:00:00Z</t:Start><t:End>2026-11-02T09:30:00Z</t:End>" \
	"<t:CalendarItemType>RecurringMaster</t:CalendarItemType>" \
	"<t:Recurrence>" rec "</t:Recurrence>" \
	"<t:StartTimeZoneId>W. Europe Standard Time</t:StartTimeZoneId></t:CalendarItem>")
#define NO_END "<t:NoEndRecurrence><t:StartDate>2026-11-02+01:00</t:StartDate></t:NoEndRecurrence>"

static const struct {
	const char *name;
	const char *input;
	const char *rrule;      /* NULL: no RRULE */
	const char *error;      /* parse_error substring, or NULL */
} recurrences[] = {
	{ "daily, no end", REC_ITEM("<t:DailyRecurrence><t:Interval>2</t:Interval>"
	  "</t:DailyRecurrence>" NO_END), "RRULE:FREQ=DAILY;INTERVAL=2", NULL },
	{ "weekly, numbered", REC_ITEM("<t:WeeklyRecurrence><t:Interval>1</t:Interval>"
	  "<t:DaysOfWeek>Monday Wednesday Friday</t:DaysOfWeek></t:WeeklyRecurrence>"
	  "<t:NumberedRecurrence><t:StartDate>2026-11-02</t:StartDate>"
	  "<t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence>"),
	  "RRULE:FREQ=WEEKLY;COUNT=10;INTERVAL=1;BYDAY=MO,WE,FR", NULL },
	{ "weekly on weekdays, every 2 weeks from Sunday", REC_ITEM(
	  "<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek>"
	  "<t:FirstDayOfWeek>Sunday</t:FirstDayOfWeek></t:WeeklyRecurrence>" NO_END),
	  "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;WKST=SU", NULL },
	{ "absolute monthly, end date in summer time", REC_ITEM(
	  "<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>2</t:DayOfMonth>"
	  "</t:AbsoluteMonthlyRecurrence><t:EndDateRecurrence><t:StartDate>2026-11-02</t:StartDate>"
	  "<t:EndDate>2027-06-30-07:00</t:EndDate></t:EndDateRecurrence>"),
	  "RRULE:FREQ=MONTHLY;UNTIL=20270630T080000Z;INTERVAL=1;BYMONTHDAY=2", NULL },
	{ "relative monthly, first Monday", REC_ITEM(
	  "<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek>"
	  "<t:DayOfWeekIndex>First</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>" NO_END),
	  "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1MO", NULL },
	{ "relative monthly, last weekday", REC_ITEM(
	  "<t:RelativeMonthlyRecurrence><t:Interval>3</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek>"
	  "<t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>" NO_END),
	  "RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", NULL },
	{ "absolute yearly", REC_ITEM("<t:AbsoluteYearlyRecurrence><t:DayOfMonth>2</t:DayOfMonth>"
	  "<t:Month>November</t:Month></t:AbsoluteYearlyRecurrence>" NO_END),
	  "RRULE:FREQ=YEARLY;BYMONTHDAY=2;BYMONTH=11", NULL },
	{ "relative yearly", REC_ITEM("<t:RelativeYearlyRecurrence><t:DaysOfWeek>Tuesday</t:DaysOfWeek>"
	  "<t:DayOfWeekIndex>Second</t:DayOfWeekIndex><t:Month>March</t:Month>"
	  "</t:RelativeYearlyRecurrence>" NO_END),
	  "RRULE:FREQ=YEARLY;BYDAY=2TU;BYMONTH=3", NULL },
	{ "a task's regeneration pattern", REC_ITEM("<t:DailyRegeneration><t:Interval>1</t:Interval>"
	  "</t:DailyRegeneration>" NO_END), NULL, "unsupported recurrence pattern DailyRegeneration" },
	{ "an unknown day", REC_ITEM("<t:WeeklyRecurrence><t:Interval>1</t:Interval>"
	  "<t:DaysOfWeek>Funday</t:DaysOfWeek></t:WeeklyRecurrence>" NO_END),
	  NULL, "bad DaysOfWeek \"Funday\"" },
	{ "no range", REC_ITEM("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>"),
	  NULL, "recurrence without a range" },
	{ "interval 0", REC_ITEM("<t:DailyRecurrence><t:Interval>0</t:Interval></t:DailyRecurrence>"
	  NO_END), NULL, "recurrence without a valid Interval" },
	{ "a bad end date", REC_ITEM("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>"
	  "<t:EndDateRecurrence><t:StartDate>2026-11-02</t:StartDate><t:EndDate>soon</t:EndDate>"
	  "</t:EndDateRecurrence>"), NULL, "bad EndDate \"soon\" in recurrence" },
};

/* The time zone, in the order of preference (ews-xml.md section 1.6). */
#define ZONE_ITEM(type, zone) GETITEM( \
	"<t:CalendarItem><t:ItemId Id=\"z\"/><t:Subject>Z</t:Subject><t:UID>Z</t:UID>" \
	"<t:Start>2026-11-02T09:00:00Z</t:Start><t:End>2026-11-02T09:30:00Z</t:End>" \
	"<t:CalendarItemType>" type "</t:CalendarItemType>" \
	"<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>" \
	NO_END "</t:Recurrence>" zone "</t:CalendarItem>")

static const struct {
	const char *name;
	const char *input;
	const char *dtstart;
	const char *warning;
} zones[] = {
	{ "StartTimeZoneId", ZONE_ITEM("RecurringMaster",
	  "<t:StartTimeZoneId>Pacific Standard Time</t:StartTimeZoneId>"),
	  "DTSTART;TZID=America/Los_Angeles:20261102T010000", NULL },
	{ "StartTimeZone/@Id", ZONE_ITEM("RecurringMaster",
	  "<t:StartTimeZone Id=\"India Standard Time\" Name=\"(UTC+05:30) Chennai\"/>"),
	  "DTSTART;TZID=Asia/Calcutta:20261102T143000", NULL },
	{ "MeetingTimeZone/@TimeZoneName", ZONE_ITEM("RecurringMaster",
	  "<t:MeetingTimeZone TimeZoneName=\"Central Standard Time\"><t:BaseOffset>PT360M</t:BaseOffset>"
	  "</t:MeetingTimeZone>"), "DTSTART;TZID=America/Chicago:20261102T030000", NULL },
	{ "TimeZone when it is a Windows id", ZONE_ITEM("RecurringMaster",
	  "<t:TimeZone>Tokyo Standard Time</t:TimeZone>"),
	  "DTSTART;TZID=Asia/Tokyo:20261102T180000", NULL },
	{ "StartTimeZoneId wins over MeetingTimeZone", ZONE_ITEM("RecurringMaster",
	  "<t:MeetingTimeZone TimeZoneName=\"Central Standard Time\"/>"
	  "<t:StartTimeZoneId>Tokyo Standard Time</t:StartTimeZoneId>"),
	  "DTSTART;TZID=Asia/Tokyo:20261102T180000", NULL },
	{ "an unmappable id falls back to the next", ZONE_ITEM("RecurringMaster",
	  "<t:TimeZone>(UTC+01:00) Amsterdam, Berlin</t:TimeZone>"
	  "<t:StartTimeZone Id=\"Romance Standard Time\"/>"),
	  "DTSTART;TZID=Europe/Paris:20261102T100000", NULL },
	{ "an IANA id", ZONE_ITEM("RecurringMaster",
	  "<t:StartTimeZoneId>Europe/Paris</t:StartTimeZoneId>"),
	  "DTSTART;TZID=Europe/Paris:20261102T100000", NULL },
	{ "tzone://Microsoft/Utc", ZONE_ITEM("RecurringMaster",
	  "<t:StartTimeZoneId>tzone://Microsoft/Utc</t:StartTimeZoneId>"),
	  "DTSTART:20261102T090000Z", NULL },
	{ "UTC by ICU's name", ZONE_ITEM("RecurringMaster",
	  "<t:StartTimeZoneId>UTC</t:StartTimeZoneId>"), "DTSTART:20261102T090000Z", NULL },
	{ "a custom zone: UTC, and said", ZONE_ITEM("RecurringMaster",
	  "<t:StartTimeZoneId>Customized Time Zone</t:StartTimeZoneId>"),
	  "DTSTART:20261102T090000Z", "time zone of a recurring item unknown "
	  "(Customized Time Zone): its recurrence is expanded in UTC (t.xml:1, UID Z)" },
	{ "a single meeting stays in UTC", ZONE_ITEM("Single",
	  "<t:StartTimeZoneId>Pacific Standard Time</t:StartTimeZoneId>"),
	  "DTSTART:20261102T090000Z", NULL },
	{ "an all-day meeting is a local date", GETITEM(
	  "<t:CalendarItem><t:ItemId Id=\"d\"/><t:Subject>D</t:Subject>"
	  "<t:Start>2026-11-01T23:00:00Z</t:Start><t:End>2026-11-02T23:00:00Z</t:End>"
	  "<t:IsAllDayEvent>true</t:IsAllDayEvent><t:CalendarItemType>Single</t:CalendarItemType>"
	  "<t:StartTimeZoneId>W. Europe Standard Time</t:StartTimeZoneId></t:CalendarItem>"),
	  "DTSTART;VALUE=DATE:20261102", NULL },
};

static const struct mm_event *
first_event(const char *input, struct outcome *o, struct mm_meeting **m,
    struct mm_read_ews **r)
{
	struct mm_diag diag;

	memset(o, 0, sizeof(*o));
	*m = NULL;
	mm_diag_init(&diag);
	*r = mm_read_ews_open_memory(input, strlen(input), "t.xml", &diag);
	if (*r != NULL && mm_read_ews_next(*r, m, &diag) != 1)
		*m = NULL;
	if (*m != NULL)
		mm_meeting_parse(*m);
	mm_diag_release(&diag);
	return *m != NULL ? (*m)->events[0] : NULL;
}

static void
test_recurrence_and_zones(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(recurrences); i++) {
		struct outcome o;
		struct mm_meeting *m;
		struct mm_read_ews *r;
		const struct mm_event *ev = first_event(recurrences[i].input, &o,
		    &m, &r);

		tap_str(ev != NULL ? line_of(ev, "RRULE") : "(no meeting)",
		    recurrences[i].rrule, recurrences[i].name);
		tap_ok(ev != NULL && (recurrences[i].error == NULL ?
		    ev->parse_error == NULL && ev->ical != NULL :
		    contains(ev->parse_error, recurrences[i].error)),
		    "%s: %s", recurrences[i].name, recurrences[i].error != NULL ?
		    "fails the item" : "libical takes it");
		mm_meeting_free(m);
		mm_read_ews_close(r);
	}
	for (i = 0; i < G_N_ELEMENTS(zones); i++) {
		struct outcome o;
		struct mm_meeting *m;
		struct mm_read_ews *r;
		const struct mm_event *ev = first_event(zones[i].input, &o, &m, &r);
		GString *w = g_string_new(NULL);
		const char *const *p;

		for (p = r != NULL ? mm_read_ews_warnings(r) : NULL;
		    p != NULL && *p != NULL; p++)
			g_string_append(w, *p);
		tap_str(ev != NULL ? line_of(ev, "DTSTART") : "(no meeting)",
		    zones[i].dtstart, zones[i].name);
		tap_ok(zones[i].warning == NULL ? w->len == 0 :
		    contains(w->str, zones[i].warning), "%s: warnings", zones[i].name);
		g_string_free(w, TRUE);
		mm_meeting_free(m);
		mm_read_ews_close(r);
	}
}

/* Add-in markers from PublicStrings alone. */
static void
test_markers(void)
{
#define PROP_ITEM(name, value) GETITEM("<t:CalendarItem><t:ItemId Id=\"p\"/>" \
	"<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId=\"PublicStrings\" " \
	"PropertyName=\"" name "\" PropertyType=\"String\"/><t:Value>" value "</t:Value>" \
	"</t:ExtendedProperty><t:Start>2026-12-01T09:00:00Z</t:Start></t:CalendarItem>")
	static const struct {
		const char *input;
		const char *marker;
	} cases[] = {
		{ PROP_ITEM("SkypeTeamsMeetingUrl", "https://teams.microsoft.com/l/meetup-join/x"),
		  "SkypeTeamsMeetingUrl" },
		{ PROP_ITEM("UCOpenedConferenceID", "abc"), "UCOpenedConferenceID" },
		{ PROP_ITEM("OnlineMeetingConfLink", "conf:sip:a@b;gruu"), "OnlineMeetingConfLink" },
		{ PROP_ITEM("SkypeTeamsMeetingUrl", ""), NULL },
		{ PROP_ITEM("ptagCreatorSimpleDispName", "Alex Shaw"), NULL },
		{ GETITEM("<t:CalendarItem><t:ItemId Id=\"p\"/><t:ExtendedProperty>"
		  "<t:ExtendedFieldURI PropertySetId=\"00020329-0000-0000-C000-000000000046\" "
		  "PropertyName=\"SkypeTeamsMeetingUrl\" PropertyType=\"String\"/>"
		  "<t:Values><t:Value>x</t:Value><t:Value>y</t:Value></t:Values></t:ExtendedProperty>"
		  "<t:Start>2026-12-01T09:00:00Z</t:Start></t:CalendarItem>"), NULL },
	};
#undef PROP_ITEM
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct outcome o;
		struct mm_meeting *m;
		struct mm_read_ews *r;

		first_event(cases[i].input, &o, &m, &r);
		tap_str(m != NULL ? mm_ews_item_addin_marker(m->ews) : "(no meeting)",
		    cases[i].marker, "add-in marker case");
		if (i + 1 == G_N_ELEMENTS(cases))
			tap_ok(m != NULL && m->ews->prop_count == 1 &&
			    m->ews->props[0].value_count == 2 &&
			    strcmp(m->ews->props[0].value, "x") == 0 &&
			    !m->ews->has_public_strings,
			    "a multi-valued property in another set");
		mm_meeting_free(m);
		mm_read_ews_close(r);
	}
}

/* ------------------------------------------------------------------ */
/* The writer.                                                         */

static char *
xml_escape(const char *s, size_t len)
{
	GString *out = g_string_new(NULL);
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '\r': g_string_append(out, "&#xD;"); break;
		default: g_string_append_c(out, s[i]); break;
		}
	}
	return g_string_free(out, FALSE);
}

/* Replaces the value of the event's body line with TEXT, escaped. */
static void
set_body(struct mm_event *ev, const char *name, const char *text, size_t len)
{
	GString *escaped = g_string_new(NULL);
	int i = mm_event_find(ev, name);

	mm_text_escape(escaped, text, len);
	mm_event_set_value(ev, (size_t)i, escaped->str, escaped->len);
	g_string_free(escaped, TRUE);
}

/* What the rewrite hands the writer: the body with [a, b) replaced. */
static void
splice_body(struct mm_event *ev, const char *start_marker,
    const char *end_marker, const char *replacement)
{
	int i = mm_event_find(ev, "X-ALT-DESC");
	const struct mm_prop *p = &ev->props[i];
	char *text, *a, *b;
	size_t len;
	GString *edited;

	mm_text_unescape(p->line + p->value_off, p->len - p->value_off, &text,
	    &len, NULL);
	/* From the opening rule to the end of the closing rule's paragraph. */
	a = strstr(text, start_marker);
	b = a != NULL ? strstr(a + strlen(start_marker), start_marker) : NULL;
	b = b != NULL ? strstr(b, end_marker) : NULL;
	if (a == NULL || b == NULL) {
		g_free(text);
		return;
	}
	b += strlen(end_marker);
	edited = g_string_new_len(text, a - text);
	g_string_append(edited, replacement);
	g_string_append(edited, b);
	set_body(ev, "X-ALT-DESC", edited->str, edited->len);
	g_string_free(edited, TRUE);
	g_free(text);
}

static char *
xpath_string(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;
	char *s = NULL;

	xmlXPathRegisterNs(ctx, (const xmlChar *)"m",
	    (const xmlChar *)MM_EWS_NS_MESSAGES);
	xmlXPathRegisterNs(ctx, (const xmlChar *)"t",
	    (const xmlChar *)MM_EWS_NS_TYPES);
	obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	if (obj != NULL) {
		xmlChar *v = xmlXPathCastToString(obj);

		s = g_strdup((const char *)v);
		xmlFree(v);
		xmlXPathFreeObject(obj);
	}
	xmlXPathFreeContext(ctx);
	return s;
}

#define NEW_JOIN "https://teams.microsoft.com/l/meetup-join/19%3ameeting_TEST%40thread.v2/0?context=%7b%7d"
#define NEW_BLOCK \
	"<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">" \
	"________________________________________________________________________________</span></div>\n" \
	"<div class=\"me-email-text\" lang=\"en-US\">\n" \
	"<a href=\"" NEW_JOIN "\" class=\"me-email-headline\">Click here to join the meeting</a>\n" \
	"<div>Meeting ID: 123 456 789; Passcode: a,b\\c &amp; &lt;d&gt;</div>\n" \
	"</div>\n" \
	"<div style=\"width:100%\"><span style=\"white-space:nowrap;color:#5F5F5F;opacity:.36\">" \
	"________________________________________________________________________________</span></div>\n"
#define BLOCK_START "<p class=\"MsoNormal\"><span style=\"font-size:8.0pt;color:#404040\">"
#define BLOCK_END "</p>\n"

static const struct mm_ews_update to_teams = {
	.target = MM_BLOCK_TEAMS,
	.join_url = NEW_JOIN,
	.conference_id = "7654321",
	.conf_link = "conf:ashaw@contoso.com;gruu;opaque=app:conf:focus:id:teams:2:0!19:meeting_TEST@thread.v2!oid!tid",
	.teams_thread_id = "19:meeting_TEST@thread.v2",
};

static const struct mm_ews_update to_sfb = {
	.target = MM_BLOCK_SFB,
	.join_url = "https://meet.contoso.com/ashaw/NEWKEY01",
	.conference_id = "7654321",
	.conf_link = "conf:sip:ashaw@contoso.com;gruu;opaque=app:conf:focus:id:NEWKEY01",
	.server_version = "Exchange2013",
};

static void
test_writer(void)
{
	struct mm_read_ews *r = NULL;
	GPtrArray *ms = read_meetings("getitem-calendar.xml", &r);
	struct mm_meeting *m0, *m2, *m4;
	struct mm_diag diag;
	GString *out = g_string_new(NULL), *want_body;
	const char *raw, *a, *b;
	char *body, *golden_path, *golden = NULL, *s, *dels;
	size_t body_len;
	xmlDocPtr doc;
	bool regen = g_getenv("MM_REGEN") != NULL;
	static const bool master_only[] = { true, false }, exception_only[] = { false, true };

	mm_diag_init(&diag);
	if (!tap_ok(ms->len == 5, "writer: fixture read"))
		goto out;
	m0 = g_ptr_array_index(ms, 0);
	m2 = g_ptr_array_index(ms, 2);
	m4 = g_ptr_array_index(ms, 4);

	/* Unchanged, the body goes back exactly as the dump had it, CRs and all. */
	body = mm_write_ews_body(m0, 0, &body_len, &diag);
	tap_ok(body != NULL && body_len == m0->ews->events[0].body_len &&
	    memcmp(body, m0->ews->events[0].body, body_len) == 0,
	    "writer: an unchanged body comes back byte for byte");
	g_free(body);

	/* The rewrite replaced the block: CRLF outside, CRLF inside too. */
	raw = m0->ews->events[0].body;
	a = strstr(raw, BLOCK_START);
	b = a != NULL ? strstr(strstr(a + 1, BLOCK_START) + 1, "</p>\r\n") : NULL;
	want_body = g_string_new_len(raw, a != NULL ? a - raw : 0);
	{
		gchar **parts = g_strsplit(NEW_BLOCK, "\n", -1);
		char *crlf = g_strjoinv("\r\n", parts);

		g_string_append(want_body, crlf);
		g_free(crlf);
		g_strfreev(parts);
	}
	if (b != NULL)
		g_string_append(want_body, b + strlen("</p>\r\n"));
	splice_body(m0->events[0], BLOCK_START, BLOCK_END, NEW_BLOCK);
	body = mm_write_ews_body(m0, 0, &body_len, &diag);
	tap_ok(a != NULL && b != NULL && body != NULL &&
	    body_len == want_body->len && memcmp(body, want_body->str, body_len) == 0,
	    "writer: outside the block every octet is the dump's");
	g_free(body);

	tap_ok(mm_write_ews_update(out, m0, NULL, &to_teams, &diag) == 0,
	    "writer: SfB meeting to Teams");
	golden_path = fixture_path("unit", "ews/update-sfb-to-teams.ews.xml");
	if (regen)
		g_file_set_contents(golden_path, out->str, (gssize)out->len, NULL);
	g_file_get_contents(golden_path, &golden, NULL, NULL);
	tap_ok(golden != NULL && strcmp(golden, out->str) == 0,
	    "writer: output as fixtures/unit/ews/update-sfb-to-teams.ews.xml");
	g_free(golden);
	g_free(golden_path);

	doc = xmlReadMemory(out->str, (int)out->len, "update.xml", NULL,
	    XML_PARSE_NONET);
	tap_ok(doc != NULL, "writer: output is XML");
	if (doc != NULL) {
		static const struct {
			const char *expr, *want;
		} checks[] = {
			{ "count(//m:UpdateItem[@ConflictResolution='AutoResolve' and "
			  "@SendMeetingInvitationsOrCancellations='SendToAllAndSaveCopy' and "
			  "@MessageDisposition='SaveOnly'])", "1" },
			{ "string(//t:RequestServerVersion/@Version)", "Exchange2010_SP2" },
			{ "count(//t:ItemChange)", "1" },
			{ "string(//t:ItemChange/t:ItemId/@Id)", "AAMkAGSfbSingle0001=" },
			{ "string(//t:ItemChange/t:ItemId/@ChangeKey)", "DwAAABYAAAAsfb0001" },
			{ "string(//t:SetItemField[t:FieldURI/@FieldURI='item:Body']/t:CalendarItem/t:Body/@BodyType)", "HTML" },
			{ "string(//t:SetItemField[t:ExtendedFieldURI/@PropertyName='SkypeTeamsMeetingUrl']"
			  "/t:CalendarItem/t:ExtendedProperty/t:Value)", NEW_JOIN },
			{ "string(//t:SetItemField[t:ExtendedFieldURI/@PropertyName='SkypeTeamsProperties']"
			  "/t:CalendarItem/t:ExtendedProperty/t:Value)",
			  "{\"cid\":\"19:meeting_TEST@thread.v2\",\"private\":true,\"type\":0,"
			  "\"mid\":0,\"rid\":0,\"uid\":null}" },
			{ "string(//t:SetItemField[t:ExtendedFieldURI/@PropertyName='OnlineMeetingConfLink']"
			  "/t:CalendarItem/t:ExtendedProperty/t:ExtendedFieldURI/@DistinguishedPropertySetId)",
			  "PublicStrings" },
			{ "count(//t:SetItemField)", "4" },
			{ "count(//t:SetItemField[t:ExtendedFieldURI/@PropertyName='OnlineMeetingConferenceId'])", "0" },
			{ "count(//t:DeleteItemField[t:ExtendedFieldURI/@PropertyName='ConferenceTelURI'])", "0" },
		};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(checks); i++) {
			s = xpath_string(doc, checks[i].expr);
			tap_str(s, checks[i].want, checks[i].expr);
			g_free(s);
		}
		s = xpath_string(doc, "string(//t:Body)");
		tap_ok(s != NULL && strcmp(s, want_body->str) == 0,
		    "writer: the body parses back to the octets wanted, CRs included");
		g_free(s);
		dels = xpath_string(doc, "concat(//t:DeleteItemField[1]/t:ExtendedFieldURI/@PropertyName, ' ',"
		    "//t:DeleteItemField[2]/t:ExtendedFieldURI/@PropertyName, ' ',"
		    "//t:DeleteItemField[3]/t:ExtendedFieldURI/@PropertyName, ' ',"
		    "//t:DeleteItemField[4]/t:ExtendedFieldURI/@PropertyName, ' ',"
		    "count(//t:DeleteItemField))");
		tap_str(dels, "OnlineMeetingExternalLink OnlineMeetingInternalLink "
		    "OnlineMeetingConferenceId UCOpenedConferenceID 4",
		    "writer: the Skype properties the item has are deleted");
		g_free(dels);
		xmlFreeDoc(doc);
	}

	/* A series: the master and its exception, or either alone. */
	{
		static const struct {
			const bool *selected;
			const char *ids;
		} sel[] = {
			{ NULL, "AAMkAGWeeklyMaster0003= AAMkAGWeeklyException1= 2" },
			{ master_only, "AAMkAGWeeklyMaster0003=  1" },
			{ exception_only, "AAMkAGWeeklyException1=  1" },
		};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(sel); i++) {
			g_string_truncate(out, 0);
			doc = NULL;
			if (mm_write_ews_update(out, m2, sel[i].selected, &to_sfb,
			    &diag) == 0)
				doc = xmlReadMemory(out->str, (int)out->len, "u.xml",
				    NULL, XML_PARSE_NONET);
			s = doc == NULL ? NULL : xpath_string(doc,
			    "concat(//t:ItemChange[1]/t:ItemId/@Id, ' ', "
			    "//t:ItemChange[2]/t:ItemId/@Id, ' ', count(//t:ItemChange))");
			tap_str(s, sel[i].ids, "writer: series selection");
			g_free(s);
			if (i == 0) {
				char *path = fixture_path("unit",
				    "ews/update-series-to-sfb.ews.xml");

				if (regen)
					g_file_set_contents(path, out->str,
					    (gssize)out->len, NULL);
				g_file_get_contents(path, &golden, NULL, NULL);
				tap_ok(golden != NULL && strcmp(golden, out->str) == 0,
				    "writer: output as fixtures/unit/ews/"
				    "update-series-to-sfb.ews.xml");
				g_free(golden);
				golden = NULL;
				g_free(path);
			}
			if (doc != NULL && i == 0) {
				s = xpath_string(doc, "concat(count(//t:ItemChange[1]/t:Updates/"
				    "t:SetItemField[t:ExtendedFieldURI]), ' ', count(//t:DeleteItemField), ' ',"
				    "//t:RequestServerVersion/@Version, ' ',"
				    "//t:ItemChange[1]//t:SetItemField[t:ExtendedFieldURI/@PropertyName="
				    "'OnlineMeetingExternalLink']//t:Value)");
				tap_str(s, "4 0 Exchange2013 https://meet.contoso.com/ashaw/NEWKEY01",
				    "writer: to SfB, the link properties set, nothing deleted");
				g_free(s);
			}
			if (doc != NULL)
				xmlFreeDoc(doc);
		}
	}

	/* The dump shows no PublicStrings: every stale add-in property goes. */
	g_string_truncate(out, 0);
	doc = mm_write_ews_update(out, m4, NULL, &(struct mm_ews_update){
	    .target = MM_BLOCK_TEAMS, .join_url = NEW_JOIN,
	    .teams_thread_id = "19:meeting_TEST@thread.v2" }, &diag) == 0 ?
	    xmlReadMemory(out->str, (int)out->len, "u.xml", NULL, XML_PARSE_NONET) : NULL;
	s = doc != NULL ? xpath_string(doc, "concat(count(//t:SetItemField), ' ', "
	    "count(//t:DeleteItemField))") : NULL;
	tap_str(s, "3 15", "writer: no PublicStrings in the dump: body and 2 set, 15 deleted");
	g_free(s);
	if (doc != NULL)
		xmlFreeDoc(doc);
	g_string_free(want_body, TRUE);
out:
	g_string_free(out, TRUE);
	mm_diag_release(&diag);
	g_ptr_array_free(ms, TRUE);
	mm_read_ews_close(r);
}

/* What the writer refuses. */
static void
test_writer_errors(void)
{
	struct mm_read_ews *r = NULL;
	GPtrArray *ms = read_meetings("truncated-body.xml", &r);
	struct mm_meeting *ics = mm_meeting_new(), *m;
	struct outcome o;
	struct mm_read_ews *r2;
	struct mm_diag diag;
	GString *out = g_string_new(NULL);
	static const bool none[] = { false };

	mm_diag_init(&diag);
	tap_ok(ms->len == 1 && mm_write_ews_update(out, g_ptr_array_index(ms, 0),
	    NULL, &to_teams, &diag) == -1 && diag.code == MM_DIAG_DATA &&
	    contains(diag.message, "item body is truncated (IsTruncated): it "
	    "cannot be updated (truncated-body.xml:12, UID "),
	    "writer: a truncated body is refused");
	mm_diag_clear(&diag);
	tap_ok(ms->len == 1 && mm_write_ews_update(out, g_ptr_array_index(ms, 0),
	    none, &to_teams, &diag) == -1 && contains(diag.message, "no item to update"),
	    "writer: nothing selected");
	mm_diag_clear(&diag);
	ics->source = g_strdup("cal.ics");
	ics->uid = g_strdup("U");
	mm_meeting_add_event(ics, mm_event_new(1));
	tap_ok(mm_write_ews_update(out, ics, NULL, &to_teams, &diag) == -1 &&
	    diag.code == MM_DIAG_USAGE && contains(diag.message,
	    "an EWS update needs EWS input (cal.ics:0, UID U)"),
	    "writer: an .ics meeting is refused");
	mm_diag_clear(&diag);
	first_event(GETITEM("<t:CalendarItem><t:ItemId Id=\"\" ChangeKey=\"\"/>"
	    "<t:Subject>No id</t:Subject><t:Start>2026-12-01T09:00:00Z</t:Start>"
	    "</t:CalendarItem>"), &o, &m, &r2);
	tap_ok(m != NULL && mm_write_ews_update(out, m, NULL, &to_teams, &diag) == -1 &&
	    contains(diag.message, "item has no ItemId to update (t.xml:1, UID meetmig-ews-"),
	    "writer: an item without ItemId is refused");
	mm_diag_clear(&diag);
	tap_ok(m != NULL && mm_write_ews_update(out, m, NULL,
	    &(struct mm_ews_update){ .target = MM_BLOCK_TEAMS }, &diag) == -1 &&
	    diag.code == MM_DIAG_USAGE && contains(diag.message,
	    "an EWS update needs the new join URL"),
	    "writer: an update without a join URL is refused");
	mm_meeting_free(m);
	mm_read_ews_close(r2);
	mm_diag_clear(&diag);
	{
		struct mm_read_ews *r3 = NULL;
		GPtrArray *found = read_meetings("finditem-calendarview.xml", &r3);

		tap_ok(found->len == 4 && mm_write_ews_update(out,
		    g_ptr_array_index(found, 2), NULL, &to_teams, &diag) == -1 &&
		    contains(diag.message, "item has no body to update "
		    "(finditem-calendarview.xml:41, UID "),
		    "writer: a FindItem copy without body is refused");
		g_ptr_array_free(found, TRUE);
		mm_read_ews_close(r3);
	}
	tap_ok(out->len == 0, "writer: nothing written on refusal");
	mm_meeting_free(ics);
	g_string_free(out, TRUE);
	mm_diag_release(&diag);
	g_ptr_array_free(ms, TRUE);
	mm_read_ews_close(r);
}

/*
 * Bodies through reader, iCalendar escaping and writer: unescape(escape(x))
 * keeps everything but CR, and the writer gives the CRs back, unchanged or
 * edited in the middle.
 */
static void
test_round_trip(void)
{
	static const char *const bodies[] = {
		"a\r\nb",
		"a\rb",
		"a\nb",
		"mixed\r\nand\nand\rend\r\n",
		"back\\slash, comma; semi\\n not a newline",
		"tab\tand unicode \xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80",
		"&lt;escaped&gt; &amp;amp; <b>raw</b>",
		"\r\n\r\nEDIT\r\n\r\n",
		"trailing CR\r",
		"EDIT",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bodies); i++) {
		const char *x = bodies[i];
		char *escaped = xml_escape(x, strlen(x));
		char *input = g_strdup_printf(ENV_OPEN MSG("<t:CalendarItem>"
		    "<t:ItemId Id=\"rt\" ChangeKey=\"ck\"/><t:Subject>RT</t:Subject>"
		    "<t:Body BodyType=\"HTML\">%s</t:Body>"
		    "<t:Start>2026-12-01T09:00:00Z</t:Start></t:CalendarItem>") ENV_CLOSE,
		    escaped);
		struct outcome o;
		struct mm_meeting *m;
		struct mm_read_ews *r;
		const struct mm_event *ev = first_event(input, &o, &m, &r);
		struct mm_diag diag;
		GString *lf = g_string_new(NULL), *out = g_string_new(NULL);
		char *text = NULL, *body, *edited_want;
		size_t text_len = 0, body_len, k;
		xmlDocPtr doc;

		mm_diag_init(&diag);
		for (k = 0; x[k] != '\0'; k++) {
			if (x[k] == '\r' && x[k + 1] == '\n')
				continue;
			g_string_append_c(lf, x[k] == '\r' ? '\n' : x[k]);
		}
		if (ev != NULL) {
			const struct mm_prop *p = &ev->props[mm_event_find(ev, "X-ALT-DESC")];

			mm_text_unescape(p->line + p->value_off, p->len - p->value_off,
			    &text, &text_len, NULL);
		}
		tap_ok(text != NULL && text_len == lf->len &&
		    memcmp(text, lf->str, lf->len) == 0,
		    "round trip %zu: X-ALT-DESC unescapes to the body, CR as LF", i);
		body = ev != NULL ? mm_write_ews_body(m, 0, &body_len, &diag) : NULL;
		tap_ok(body != NULL && body_len == strlen(x) && memcmp(body, x, body_len) == 0,
		    "round trip %zu: the writer's body is the dump's", i);
		g_free(body);
		/* The XML the writer makes parses back to the same octets. */
		doc = ev != NULL && mm_write_ews_update(out, m, NULL, &to_teams, &diag) == 0 ?
		    xmlReadMemory(out->str, (int)out->len, "u.xml", NULL, XML_PARSE_NONET) : NULL;
		body = doc != NULL ? xpath_string(doc, "string(//t:Body)") : NULL;
		tap_str(body, x, "round trip: through the XML");
		g_free(body);
		if (doc != NULL)
			xmlFreeDoc(doc);
		/* An edit in the middle keeps the octets around it. */
		if (ev != NULL && strstr(text, "EDIT") != NULL) {
			char **halves = g_strsplit(text, "EDIT", 2);
			char *edited = g_strconcat(halves[0], "new\nblock", halves[1], NULL);
			char **raw_halves = g_strsplit(x, "EDIT", 2);
			bool crlf = strstr(x, "\r\n") != NULL;

			edited_want = g_strconcat(raw_halves[0], crlf ? "new\r\nblock" :
			    "new\nblock", raw_halves[1], NULL);
			set_body(m->events[0], "X-ALT-DESC", edited, strlen(edited));
			body = mm_write_ews_body(m, 0, &body_len, &diag);
			tap_str(body, edited_want, "round trip: an edit keeps the CRs around it");
			g_free(body);
			g_free(edited_want);
			g_free(edited);
			g_strfreev(halves);
			g_strfreev(raw_halves);
		}
		g_free(text);
		g_string_free(lf, TRUE);
		g_string_free(out, TRUE);
		mm_diag_release(&diag);
		mm_meeting_free(m);
		mm_read_ews_close(r);
		g_free(input);
		g_free(escaped);
	}
}

/* ------------------------------------------------------------------ */
/* The shared corpus of real and published dumps.                      */

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_corpus(void)
{
	char *dir = g_build_filename(srcdir, "..", "shared", "corpus",
	    "public-ews", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *entry;
	unsigned meetings = 0;
	guint i;

	if (d == NULL) {
		tap_ok(1, "public-ews corpus # SKIP not present");
		g_ptr_array_free(names, TRUE);
		g_free(dir);
		return;
	}
	while ((entry = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(entry, ".xml"))
			g_ptr_array_add(names, g_strdup(entry));
	g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	for (i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		char *path = g_build_filename(dir, name, NULL);
		struct outcome o;
		char **lines;
		size_t k;

		read_all(path, (size_t)-1, name, &o);
		tap_ok(o.rc == 0, "corpus %s: read to the end", name);
		lines = g_strsplit(o.meetings, "\n", -1);
		for (k = 0; lines[k] != NULL; k++)
			if (*lines[k] != '\0') {
				printf("#   %s\n", lines[k]);
				meetings++;
			}
		g_strfreev(lines);
		lines = g_strsplit(o.warnings, "\n", -1);
		for (k = 0; lines[k] != NULL; k++)
			if (*lines[k] != '\0')
				printf("#   warning: %s\n", lines[k]);
		g_strfreev(lines);
		if (o.error != NULL)
			printf("#   error: %s\n", o.error);
		if (o.stats.duplicates > 0)
			printf("#   %u items dropped as duplicates (same ItemId "
			    "or an occurrence of a master read)\n",
			    o.stats.duplicates);
		outcome_release(&o);
		g_free(path);
	}
	tap_ok(meetings > 0, "corpus: %u meetings from %u files", meetings,
	    names->len);
	g_ptr_array_free(names, TRUE);
	g_free(dir);
}

int
main(void)
{
	srcdir = g_getenv("MM_SRCDIR");
	if (srcdir == NULL)
		srcdir = ".";
	test_shapes();
	test_depth();
	test_utf16();
	test_bad_encoding();
	test_block_edges();
	test_body_limit();
	test_fixtures();
	test_hostile();
	test_folder();
	test_lines();
	test_expansion();
	test_recurrence_and_zones();
	test_markers();
	test_writer();
	test_writer_errors();
	test_round_trip();
	test_corpus();
	xmlCleanupParser();
	return tap_done();
}
