/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Selection cases: a small calendar (one meeting series), the options, and
 * the verdict wanted: result, reason, message, evidence and which events
 * the update covers.  Every case runs with --now 2026-11-21T09:00:00Z and
 * the identity ashaw@contoso.com unless it says otherwise.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "contentline.h"
#include "identity.h"
#include "limits.h"
#include "read_ics.h"
#include "select.h"
#include "tap.h"

#define NOW_TEXT "2026-11-21T09:00:00Z"

/* 137 periods (SfB) and 80 underscores (Teams). */
#define D10 ".........."
#define DOTS D10 D10 D10 D10 D10 D10 D10 D10 D10 D10 D10 D10 D10 "......."
#define U10 "__________"
#define UNDERS U10 U10 U10 U10 U10 U10 U10 U10

#define ORG "ORGANIZER;CN=Alex Shaw:mailto:ashaw@contoso.com\n"
#define ATT "ATTENDEE;CN=Jordan Patel;RSVP=TRUE:mailto:jpatel@contoso.com\n"
#define SFB_BLOCK(marker) \
	DOTS "\\nJoin Skype Meeting<https://sfb.contoso.com/meet/alex.shaw/MPPLMBZH>\\n" \
	"Trouble Joining? Try Skype Web App<https://sfb.contoso.com/meet/alex.shaw/MPPLMBZH?sl=1>\\n" \
	"Join by phone\\n+1 425 555 0199 (Redmond)\\n" \
	"Find a local number<https://sfb.contoso.com/dialin>\\n" \
	"Conference ID: 1221185\\n" marker DOTS "\\n"
#define SFB_DESC "DESCRIPTION:Agenda first.\\n\\n" SFB_BLOCK("[!OC([1033])!]\\n") "\n"
#define SFB_PASTED "DESCRIPTION:Same bridge.\\n\\n" SFB_BLOCK("") "\n"
#define SFB_UNCLOSED "DESCRIPTION:Agenda.\\n\\n" DOTS \
	"\\nJoin Skype Meeting<https://sfb.contoso.com/meet/alex.shaw/MPPLMBZH>\\n" \
	"Conference ID: 1221185\\n[!OC([1033])!]\\nThe rest of the notes.\n"
#define TEAMS_DESC "DESCRIPTION:Hello.\\n\\n" UNDERS "\\nMicrosoft Teams meeting\\n" \
	"Join on your computer\\, mobile app or room device\\n" \
	"Click here to join the meeting<https://teams.microsoft.com/l/meetup-join/" \
	"19%3ameeting_Zjk4YWE0M2M%40thread.v2/0?context=%7b%22Tid%22%3a%222f5e%22%7d>\\n" \
	"Meeting ID: 260 074 730 53\\nPasscode: EqCuwS\\n" \
	"Learn More<https://aka.ms/JoinTeamsMeeting>\\n" UNDERS "\\n\n"
#define CONFLINK "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:alex.shaw@contoso.com" \
	"\\;gruu\\;opaque=app:conf:focus:id:MPPLMBZH\n"
#define TEAMSURL "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/" \
	"meetup-join/19%3ameeting_Zjk4YWE0M2M%40thread.v2/0\n"
#define ALARM "BEGIN:VALARM\nDESCRIPTION:REMINDER\nTRIGGER:-PT15M\nACTION:DISPLAY\nEND:VALARM\n"

#define EVENT(uid, times, rest) \
	"BEGIN:VEVENT\nUID:" uid "\nSUMMARY:" uid "\n" times ORG ATT rest "END:VEVENT\n"
#define FUTURE "DTSTART:20261203T090000Z\nDTEND:20261203T100000Z\n"
#define ONLINE SFB_DESC CONFLINK

/* W. Europe Standard Time as Outlook writes it. */
#define VTZ_WEST "BEGIN:VTIMEZONE\nTZID:W. Europe Standard Time\n" \
	"BEGIN:STANDARD\nDTSTART:16010101T030000\nTZOFFSETFROM:+0200\n" \
	"TZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\n" \
	"END:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\n" \
	"TZOFFSETTO:+0200\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\n" \
	"END:DAYLIGHT\nEND:VTIMEZONE\n"

enum { OPT_DEFAULT = 0, OPT_PASTED = 1, OPT_TEAMS_ONLY = 2, OPT_BY_NAME = 4,
	OPT_SFB_ONLY = 8 };

struct select_case {
	const char *name;
	const char *ics;        /* VTIMEZONEs and VEVENTs of one series */
	unsigned options;
	size_t extra_attendees; /* distinct ATTENDEE lines added before END:VEVENT */
	const char *extra_line; /* added once with them, or NULL */
	const char *result;
	const char *reason;     /* NULL for none */
	const char *message;    /* NULL: not checked */
	const char *evidence;   /* joined with "; ", NULL: not checked */
	const char *selected;   /* event_selected as "101", NULL: not checked */
	size_t attendees;       /* 0: not checked */
};

static const struct select_case cases[] = {
	/* --- InvalidData --- */
	{ "InvalidData: libical refuses a value",
	  EVENT("bad-value", "DTSTART:tomorrow\n", ONLINE),
	  0, 0, NULL, "Failed", "InvalidData",
	  "cannot parse DTSTART: \"tomorrow\" is not a valid value (t.ics:7)",
	  NULL, "0", 0 },
	{ "InvalidData: DTSTART out of range",
	  EVENT("bad-date", "DTSTART:20261345T090000Z\nDTEND:20261345T100000Z\n",
	      ONLINE), 0, 0, NULL, "Failed", "InvalidData",
	  "cannot read DTSTART: not a valid date-time (t.ics:7, UID bad-date)",
	  NULL, "0", 0 },
	{ "InvalidData: unknown TZID",
	  EVENT("bad-tz", "DTSTART;TZID=Nowhere/Atlantis:20261203T090000\n"
	      "DTEND;TZID=Nowhere/Atlantis:20261203T100000\n", ONLINE),
	  0, 0, NULL, "Failed", "InvalidData",
	  "cannot read DTSTART: unknown TZID \"Nowhere/Atlantis\" (t.ics:7, "
	  "UID bad-tz)", NULL, NULL, 0 },
	/* --- NotOrganizer --- */
	{ "NotOrganizer",
	  "BEGIN:VEVENT\nUID:other\n" FUTURE
	  "ORGANIZER;CN=Åsa Östberg:mailto:aostberg@contoso.com\n" ATT ONLINE
	  "END:VEVENT\n", 0, 0, NULL, "Skipped", "NotOrganizer", NULL,
	  "ORGANIZER aostberg@contoso.com does not match identity", "0", 2 },
	{ "organizer by display name",
	  "BEGIN:VEVENT\nUID:by-name\n" FUTURE
	  "ORGANIZER;CN=\"ALEX SHAW\":mailto:alex@other.example\n" ATT ONLINE
	  "END:VEVENT\n", OPT_BY_NAME, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by name; DTSTART 2026-12-03T09:00:00Z; "
	  "block sfb in DESCRIPTION; X-MICROSOFT-ONLINEMEETINGCONFLINK; "
	  "text [!OC([1033])!]; attendees 2", "1", 2 },
	/* --- Cancelled --- */
	{ "Cancelled",
	  EVENT("cancelled", FUTURE, "STATUS:CANCELLED\n" ONLINE),
	  0, 0, NULL, "Skipped", "Cancelled", NULL,
	  "ORGANIZER matches identity by address; STATUS:CANCELLED", "0", 0 },
	/* --- Past --- */
	{ "Past: ended a minute before now",
	  EVENT("past-minute", "DTSTART:20261121T080000Z\nDTEND:20261121T085900Z\n",
	      ONLINE), 0, 0, NULL, "Skipped", "Past", NULL,
	  "ORGANIZER matches identity by address; no occurrence ends after "
	  NOW_TEXT, "0", 0 },
	{ "Past: ends exactly now",
	  EVENT("past-now", "DTSTART:20261121T080000Z\nDTEND:20261121T090000Z\n",
	      ONLINE), 0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "not Past: ends a second after now",
	  EVENT("running", "DTSTART:20261121T080000Z\nDTEND:20261121T090001Z\n",
	      ONLINE), 0, 0, NULL, "Updated", NULL, NULL, NULL, "1", 0 },
	{ "DURATION instead of DTEND",
	  EVENT("duration", "DTSTART:20261121T080000Z\nDURATION:PT2H\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "1", 0 },
	{ "DATE without DTEND lasts the day",
	  EVENT("all-day", "DTSTART;VALUE=DATE:20261121\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "1", 0 },
	{ "DATE-TIME without DTEND is an instant",
	  EVENT("instant", "DTSTART:20261121T085959Z\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	/* --- NotOnlineMeeting, PastedBlock, BlockNotFound --- */
	{ "NotOnlineMeeting",
	  EVENT("lunch", FUTURE, "DESCRIPTION:Lunch at noon.\n" ALARM),
	  0, 0, NULL, "Skipped", "NotOnlineMeeting", NULL,
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "no block in DESCRIPTION or X-ALT-DESC", "0", 0 },
	{ "a VALARM's DESCRIPTION is not a body",
	  EVENT("alarm-only", FUTURE, "BEGIN:VALARM\nDESCRIPTION:Agenda.\\n\\n"
	      SFB_BLOCK("[!OC([1033])!]\\n") "\nTRIGGER:-PT15M\nACTION:DISPLAY\n"
	      "END:VALARM\n"), 0, 0, NULL, "Skipped", "NotOnlineMeeting", NULL,
	  NULL, NULL, 0 },
	{ "PastedBlock",
	  EVENT("pasted", FUTURE, SFB_PASTED), 0, 0, NULL, "Skipped",
	  "PastedBlock", NULL,
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "block sfb in DESCRIPTION; no add-in marker", "0", 0 },
	{ "PastedBlock with --include-pasted",
	  EVENT("pasted-incl", FUTURE, SFB_PASTED), OPT_PASTED, 0, NULL,
	  "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "block sfb in DESCRIPTION; pasted block migrated (--include-pasted); "
	  "attendees 2", "1", 0 },
	{ "pasted block but an X- marker: not pasted",
	  EVENT("pasted-prop", FUTURE, SFB_PASTED CONFLINK), 0, 0, NULL,
	  "Updated", NULL, NULL, NULL, "1", 0 },
	{ "BlockNotFound: markers, no block",
	  EVENT("deleted", FUTURE, "DESCRIPTION:The block was deleted.\n"
	      CONFLINK TEAMSURL), 0, 0, NULL, "Failed", "BlockNotFound",
	  "add-in markers but no block in the body",
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "X-MICROSOFT-SKYPETEAMSMEETINGURL; X-MICROSOFT-ONLINEMEETINGCONFLINK; "
	  "attendees 2", NULL, 0 },
	{ "BlockNotFound: no body at all",
	  EVENT("nobody", FUTURE, CONFLINK), 0, 0, NULL, "Failed",
	  "BlockNotFound", "add-in markers but no block in the body", NULL,
	  NULL, 0 },
	{ "BlockNotFound: unclosed block",
	  EVENT("unclosed", FUTURE, SFB_UNCLOSED CONFLINK), 0, 0, NULL,
	  "Failed", "BlockNotFound",
	  "block opened at body offset 9 never closes", NULL, NULL, 0 },
	{ "unclosed and pasted is PastedBlock",
	  EVENT("unclosed-pasted", FUTURE,
	      "DESCRIPTION:Agenda.\\n\\n" DOTS "\\nJoin Skype Meeting<https://"
	      "sfb.contoso.com/meet/alex.shaw/MPPLMBZH>\\nmore\n"),
	  0, 0, NULL, "Skipped", "PastedBlock", NULL, NULL, NULL, 0 },
	/* --- SourceTypeExcluded --- */
	{ "SourceTypeExcluded: sfb block, -s teams",
	  EVENT("sfb-excluded", FUTURE, ONLINE), OPT_TEAMS_ONLY, 0, NULL,
	  "Skipped", "SourceTypeExcluded", NULL,
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "block sfb in DESCRIPTION; X-MICROSOFT-ONLINEMEETINGCONFLINK; "
	  "text [!OC([1033])!]; block type sfb not in --source-meeting-type",
	  "0", 0 },
	{ "SourceTypeExcluded: teams block, -s sfb",
	  EVENT("teams-excluded", FUTURE, TEAMS_DESC TEAMSURL), OPT_SFB_ONLY, 0,
	  NULL, "Skipped", "SourceTypeExcluded", NULL, NULL, "0", 0 },
	{ "teams block, -s teams",
	  EVENT("teams-ok", FUTURE, TEAMS_DESC TEAMSURL), OPT_TEAMS_ONLY, 0,
	  NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "block teams in DESCRIPTION; X-MICROSOFT-SKYPETEAMSMEETINGURL; "
	  "attendees 2", "1", 0 },
	/* --- TooManyAttendees: ATT plus the extra ones plus the organizer --- */
	{ "249 attendees with the organizer", EVENT("a249", FUTURE, ONLINE),
	  0, 247, NULL, "Updated", NULL, NULL, NULL, "1", 249 },
	{ "250 attendees with the organizer", EVENT("a250", FUTURE, ONLINE),
	  0, 248, NULL, "Updated", NULL, NULL, NULL, "1", 250 },
	{ "251 attendees with the organizer", EVENT("a251", FUTURE, ONLINE),
	  0, 249, NULL, "Skipped", "TooManyAttendees", NULL,
	  "ORGANIZER matches identity by address; DTSTART 2026-12-03T09:00:00Z; "
	  "block sfb in DESCRIPTION; X-MICROSOFT-ONLINEMEETINGCONFLINK; "
	  "text [!OC([1033])!]; attendees 251 over --max-attendees 250", "0",
	  251 },
	{ "organizer also listed counts once", EVENT("a250-org", FUTURE, ONLINE),
	  0, 248, "ATTENDEE;CN=Alex Shaw:mailto:ASHAW@contoso.com\n", "Updated",
	  NULL, NULL, NULL, "1", 250 },
	{ "one address twice counts once", EVENT("a250-dup", FUTURE, ONLINE),
	  0, 248, "ATTENDEE:mailto:JPatel@Contoso.com\n", "Updated", NULL, NULL,
	  NULL, "1", 250 },
	{ "a distribution list counts as one", EVENT("a251-group", FUTURE, ONLINE),
	  0, 248, "ATTENDEE;CUTYPE=GROUP;CN=All staff:mailto:all@contoso.com\n",
	  "Skipped", "TooManyAttendees", NULL, NULL, "0", 251 },
	{ "attendees past the parse limit", EVENT("a-huge", FUTURE, ONLINE),
	  0, MM_LIMIT_ATTENDEES + 5, NULL, "Skipped", "TooManyAttendees", NULL,
	  NULL, "0", MM_LIMIT_ATTENDEES + 7 },
	/* --- recurrence --- */
	{ "future series",
	  EVENT("series-future", "DTSTART:20270104T090000Z\nDTEND:20270104T093000Z\n"
	      "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; "
	  "next occurrence 2027-01-04T09:00:00Z; block sfb in DESCRIPTION; "
	  "X-MICROSOFT-ONLINEMEETINGCONFLINK; text [!OC([1033])!]; attendees 2",
	  "1", 0 },
	{ "started in the past, no end",
	  VTZ_WEST EVENT("series-started",
	      "DTSTART;TZID=W. Europe Standard Time:20260602T150000\n"
	      "DTEND;TZID=W. Europe Standard Time:20260602T153000\n"
	      "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;WKST=SU\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; "
	  "next occurrence 2026-11-24T14:00:00Z; block sfb in DESCRIPTION; "
	  "X-MICROSOFT-ONLINEMEETINGCONFLINK; text [!OC([1033])!]; attendees 2",
	  "1", 0 },
	{ "UNTIL ended",
	  VTZ_WEST EVENT("series-until",
	      "DTSTART;TZID=W. Europe Standard Time:20260302T100000\n"
	      "DTEND;TZID=W. Europe Standard Time:20260302T103000\n"
	      "RRULE:FREQ=WEEKLY;UNTIL=20261116T090000Z;BYDAY=MO\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "UNTIL in UTC keeps the last local occurrence",
	  VTZ_WEST EVENT("series-until-last",
	      "DTSTART;TZID=W. Europe Standard Time:20260302T100000\n"
	      "DTEND;TZID=W. Europe Standard Time:20260302T103000\n"
	      "RRULE:FREQ=WEEKLY;UNTIL=20261130T090000Z;BYDAY=MO\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "1", 0 },
	{ "COUNT ended",
	  EVENT("series-count", "DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\n"
	      "RRULE:FREQ=WEEKLY;COUNT=8\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "EXDATE removes the only future occurrence",
	  EVENT("series-exdate", "DTSTART:20261102T090000Z\nDTEND:20261102T100000Z\n"
	      "RRULE:FREQ=WEEKLY;COUNT=4\nEXDATE:20261123T090000Z\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "EXDATE list and DATE form",
	  VTZ_WEST EVENT("series-exdate-date",
	      "DTSTART;TZID=W. Europe Standard Time:20261102T100000\n"
	      "DTEND;TZID=W. Europe Standard Time:20261102T110000\n"
	      "RRULE:FREQ=WEEKLY;COUNT=6\n"
	      "EXDATE;TZID=W. Europe Standard Time:20261123T100000,20261130T100000\n"
	      "EXDATE;VALUE=DATE:20261207\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "RDATE in the future",
	  EVENT("series-rdate", "DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\n"
	      "RDATE:20270301T090000Z\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "1", 0 },
	{ "exception moved into the future",
	  EVENT("series-moved", "DTSTART:20261005T090000Z\nDTEND:20261005T100000Z\n"
	      "RRULE:FREQ=WEEKLY;COUNT=4\n", ONLINE)
	  EVENT("series-moved", "RECURRENCE-ID:20261019T090000Z\n"
	      "DTSTART:20261214T090000Z\nDTEND:20261214T100000Z\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; "
	  "next occurrence 2026-12-14T09:00:00Z; block sfb in DESCRIPTION; "
	  "X-MICROSOFT-ONLINEMEETINGCONFLINK; text [!OC([1033])!]; attendees 2",
	  "11", 0 },
	{ "exception moved into the past",
	  EVENT("series-moved-back", "DTSTART:20261123T090000Z\nDTEND:20261123T100000Z\n", ONLINE)
	  EVENT("series-moved-back", "RECURRENCE-ID:20261123T090000Z\n"
	      "DTSTART:20261120T090000Z\nDTEND:20261120T100000Z\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "00", 0 },
	{ "the only future occurrence cancelled",
	  EVENT("series-cancelled-one", "DTSTART:20261102T090000Z\n"
	      "DTEND:20261102T100000Z\nRRULE:FREQ=WEEKLY;COUNT=4\n", ONLINE)
	  EVENT("series-cancelled-one", "RECURRENCE-ID:20261123T090000Z\n"
	      "DTSTART:20261123T090000Z\nDTEND:20261123T100000Z\n"
	      "STATUS:CANCELLED\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "00", 0 },
	{ "master and a past and a future exception",
	  EVENT("series-three", "DTSTART:20261102T090000Z\nDTEND:20261102T100000Z\n"
	      "RRULE:FREQ=WEEKLY\n", ONLINE)
	  EVENT("series-three", "RECURRENCE-ID:20261109T090000Z\n"
	      "DTSTART:20261109T100000Z\nDTEND:20261109T110000Z\n", ONLINE)
	  EVENT("series-three", "RECURRENCE-ID:20261207T090000Z\n"
	      "DTSTART:20261208T090000Z\nDTEND:20261208T100000Z\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "101", 0 },
	{ "exceptions without their master",
	  EVENT("lone-exceptions", "RECURRENCE-ID:20261109T090000Z\n"
	      "DTSTART:20261109T100000Z\nDTEND:20261109T110000Z\n", ONLINE)
	  EVENT("lone-exceptions", "RECURRENCE-ID:20261207T090000Z\n"
	      "DTSTART:20261208T090000Z\nDTEND:20261208T100000Z\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "01", 0 },
	{ "FREQ=SECONDLY without end terminates",
	  EVENT("secondly", "DTSTART:20200101T000000Z\nDTEND:20200101T000001Z\n"
	      "RRULE:FREQ=SECONDLY;INTERVAL=7\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL, NULL, "1", 0 },
	{ "FREQ=SECONDLY with BY parts hits the limit",
	  EVENT("secondly-by", "DTSTART:20200101T000000Z\nDTEND:20200101T000001Z\n"
	      "RRULE:FREQ=SECONDLY;BYSECOND=1,2,3\n", ONLINE),
	  0, 0, NULL, "Failed", "InvalidData",
	  "recurrence expands past limit (200000 steps) (t.ics:9, UID secondly-by)",
	  NULL, "0", 0 },
	{ "UNTIL long past needs no expansion",
	  EVENT("secondly-until", "DTSTART:20200101T000000Z\nDTEND:20200101T000001Z\n"
	      "RRULE:FREQ=SECONDLY;BYSECOND=1,2,3;UNTIL=20250101T000000Z\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "all-day series with a DATE UNTIL of today",
	  EVENT("date-until", "DTSTART;VALUE=DATE:20261101\n"
	      "RRULE:FREQ=DAILY;UNTIL=20261121\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; "
	  "next occurrence 2026-11-21T00:00:00Z; block sfb in DESCRIPTION; "
	  "X-MICROSOFT-ONLINEMEETINGCONFLINK; text [!OC([1033])!]; attendees 2",
	  "1", 0 },
	{ "all-day series with a DATE UNTIL of yesterday",
	  EVENT("date-until-past", "DTSTART;VALUE=DATE:20261101\n"
	      "RRULE:FREQ=DAILY;UNTIL=20261120\n", ONLINE),
	  0, 0, NULL, "Skipped", "Past", NULL, NULL, "0", 0 },
	{ "DAILY from long ago jumps ahead",
	  EVENT("daily-old", "DTSTART:19700101T090000Z\nDTEND:19700101T093000Z\n"
	      "RRULE:FREQ=DAILY;INTERVAL=3\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; "
	  "next occurrence 2026-11-21T09:00:00Z; block sfb in DESCRIPTION; "
	  "X-MICROSOFT-ONLINEMEETINGCONFLINK; text [!OC([1033])!]; attendees 2",
	  "1", 0 },
	{ "HOURLY grid kept when jumping",
	  EVENT("hourly", "DTSTART:20200101T000000Z\nDTEND:20200101T001000Z\n"
	      "RRULE:FREQ=HOURLY;INTERVAL=7\n", ONLINE),
	  0, 0, NULL, "Updated", NULL, NULL,
	  "ORGANIZER matches identity by address; "
	  "next occurrence 2026-11-21T12:00:00Z; block sfb in DESCRIPTION; "
	  "X-MICROSOFT-ONLINEMEETINGCONFLINK; text [!OC([1033])!]; attendees 2",
	  "1", 0 },
};

/* The case's calendar: CRLF line ends, extra attendees before END:VEVENT. */
static GString *
build_calendar(const struct select_case *c)
{
	GString *ics = g_string_new("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//meetmig//test//EN\r\n");
	const char *p = c->ics;
	bool first_event_done = false;
	size_t i;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t n = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (!first_event_done && n == 10 && strncmp(p, "END:VEVENT", 10) == 0) {
			for (i = 0; i < c->extra_attendees; i++)
				g_string_append_printf(ics, "ATTENDEE;RSVP=TRUE:"
				    "mailto:person%zu@fabrikam.com\r\n", i);
			if (c->extra_line != NULL) {
				g_string_append_len(ics, c->extra_line,
				    (gssize)strlen(c->extra_line) - 1);
				g_string_append(ics, "\r\n");
			}
			first_event_done = true;
		}
		g_string_append_len(ics, p, (gssize)n);
		g_string_append(ics, "\r\n");
		p = eol != NULL ? eol + 1 : p + n;
	}
	g_string_append(ics, "END:VCALENDAR\r\n");
	return ics;
}

static char *
join_evidence(const struct mm_verdict *v)
{
	GString *out = g_string_new(NULL);
	guint i;

	for (i = 0; i < v->evidence->len; i++) {
		if (i > 0)
			g_string_append(out, "; ");
		g_string_append(out, g_ptr_array_index(v->evidence, i));
	}
	return g_string_free(out, FALSE);
}

static void
run_case(struct mm_block_engine *engine, const struct mm_identity *by_address,
    const struct mm_identity *by_name, int64_t now, const struct select_case *c)
{
	struct mm_select_options opt;
	struct mm_diag diag;
	struct mm_read_ics *reader;
	struct mm_meeting *meeting = NULL;
	struct mm_verdict verdict;
	GString *ics = build_calendar(c);
	int rc;

	mm_diag_init(&diag);
	mm_verdict_init(&verdict);
	reader = mm_read_ics_open_memory(ics->str, ics->len, "t.ics", &diag);
	if (reader == NULL || mm_read_ics_next(reader, &meeting, &diag) != 1) {
		tap_ok(0, "%s: read: %s", c->name, diag.message);
		goto out;
	}
	memset(&opt, 0, sizeof(opt));
	opt.identity = (c->options & OPT_BY_NAME) ? by_name : by_address;
	opt.now = now;
	opt.source_types = (c->options & OPT_TEAMS_ONLY) ? MM_SOURCE_TEAMS :
	    (c->options & OPT_SFB_ONLY) ? MM_SOURCE_SFB : MM_SOURCE_ALL;
	opt.max_attendees = 250;
	opt.include_pasted = (c->options & OPT_PASTED) != 0;

	rc = mm_select_meeting(engine, meeting, &opt, &verdict, &diag);
	if (!tap_ok(rc == 0, "%s: runs", c->name)) {
		printf("# %s\n", diag.message);
		goto out;
	}
	tap_str(mm_result_name(verdict.result), c->result, c->name);
	tap_str(mm_reason_name(verdict.reason), c->reason, c->name);
	if (c->message != NULL)
		tap_str(verdict.message, c->message, c->name);
	if (c->evidence != NULL) {
		char *got = join_evidence(&verdict);

		tap_str(got, c->evidence, c->name);
		g_free(got);
	}
	if (c->selected != NULL) {
		GString *sel = g_string_new(NULL);
		size_t i;

		for (i = 0; i < meeting->event_count; i++)
			g_string_append_c(sel, verdict.event_selected[i] ? '1' : '0');
		tap_str(sel->str, c->selected, c->name);
		g_string_free(sel, TRUE);
	}
	if (c->attendees != 0)
		tap_ok(verdict.attendee_count == c->attendees,
		    "%s: attendees %zu", c->name, verdict.attendee_count);
out:
	mm_verdict_release(&verdict);
	mm_meeting_free(meeting);
	mm_read_ics_close(reader);
	mm_diag_release(&diag);
	g_string_free(ics, TRUE);
}

/* mm_select_has_future() alone, and the block details the verdict hands on. */
static void
run_detail_cases(struct mm_block_engine *engine,
    const struct mm_identity *id, int64_t now)
{
	static const char ics[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "BEGIN:VEVENT\r\nUID:detail\r\nDTSTART:20261203T090000Z\r\n"
	    "DTEND:20261203T100000Z\r\n"
	    "ORGANIZER:mailto:ashaw@contoso.com\r\n"
	    "DESCRIPTION:Hi\\, all.\\n\\n" SFB_BLOCK("[!OC([1036])!]\\n") "\r\n"
	    "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:x\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";
	struct mm_diag diag;
	struct mm_read_ics *reader;
	struct mm_meeting *meeting = NULL;
	struct mm_select_options opt = { id, now, MM_SOURCE_ALL, 250, false };
	struct mm_verdict verdict;
	int64_t first = 0;

	mm_diag_init(&diag);
	mm_verdict_init(&verdict);
	reader = mm_read_ics_open_memory(ics, sizeof(ics) - 1, "d.ics", &diag);
	if (!tap_ok(reader != NULL && mm_read_ics_next(reader, &meeting,
	    &diag) == 1, "detail: read"))
		goto out;
	tap_ok(mm_select_has_future(meeting, 0, now, &first, &diag) == 1 &&
	    first == 1796288400, "has_future: 1, first start");
	tap_ok(mm_select_has_future(meeting, 0, 1796292000, NULL, &diag) == 0,
	    "has_future: 0 at its end");
	tap_ok(mm_select_meeting(engine, meeting, &opt, &verdict, &diag) == 0 &&
	    verdict.result == MM_RESULT_UPDATED, "detail: selected");
	tap_ok(verdict.has_start && verdict.first_start == 1796288400,
	    "detail: first_start");
	tap_ok(verdict.block_type == MM_BLOCK_SFB, "detail: block type");
	tap_str(verdict.language, "fr-FR", "detail: language");
	tap_ok(verdict.body_count == 1 && verdict.bodies[0].kind == MM_BODY_TEXT &&
	    verdict.bodies[0].found == MM_BLOCK_FOUND, "detail: one text body");
	if (verdict.body_count == 1) {
		const struct mm_body *b = &verdict.bodies[0];
		const struct mm_prop *prop =
		    &meeting->events[0]->props[b->prop];

		/* Unescaped "Hi, all.\n\n" is 10 octets; raw "Hi\, all.\n\n" 13. */
		tap_ok(b->block.start == 10, "detail: block start %zu",
		    b->block.start);
		tap_ok(b->raw_map[b->block.start] == 13, "detail: raw map");
		tap_ok(mm_contentline_name_is(prop->line, prop->name_len,
		    "DESCRIPTION"), "detail: body prop");
	}
out:
	mm_verdict_release(&verdict);
	mm_meeting_free(meeting);
	mm_read_ics_close(reader);
	mm_diag_release(&diag);
}

static void
run_name_cases(void)
{
	static const struct {
		enum mm_reason reason;
		const char *name;
	} names[] = {
		{ MM_REASON_NONE, NULL },
		{ MM_REASON_NOT_ORGANIZER, "NotOrganizer" },
		{ MM_REASON_CANCELLED, "Cancelled" },
		{ MM_REASON_PAST, "Past" },
		{ MM_REASON_NOT_ONLINE_MEETING, "NotOnlineMeeting" },
		{ MM_REASON_PASTED_BLOCK, "PastedBlock" },
		{ MM_REASON_SOURCE_TYPE_EXCLUDED, "SourceTypeExcluded" },
		{ MM_REASON_TOO_MANY_ATTENDEES, "TooManyAttendees" },
		{ MM_REASON_ALREADY_MIGRATED, "AlreadyMigrated" },
		{ MM_REASON_NO_COORDINATES, "NoCoordinates" },
		{ MM_REASON_BLOCK_NOT_FOUND, "BlockNotFound" },
		{ MM_REASON_TRUNCATED_BODY, "TruncatedBody" },
		{ MM_REASON_INVALID_DATA, "InvalidData" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(names); i++)
		tap_str(mm_reason_name(names[i].reason), names[i].name,
		    names[i].name != NULL ? names[i].name : "NONE");
	tap_str(mm_result_name(MM_RESULT_UPDATED), "Updated", "Updated");
	tap_str(mm_result_name(MM_RESULT_SKIPPED), "Skipped", "Skipped");
	tap_str(mm_result_name(MM_RESULT_FAILED), "Failed", "Failed");
}

int
main(void)
{
	struct mm_diag diag;
	struct mm_block_engine *engine;
	struct mm_identity by_address, by_name;
	GDateTime *now_dt = g_date_time_new_from_iso8601(NOW_TEXT, NULL);
	int64_t now = g_date_time_to_unix(now_dt);
	size_t i;

	mm_diag_init(&diag);
	engine = mm_block_engine_new(&diag);
	if (!tap_ok(engine != NULL, "block engine")) {
		printf("# %s\n", diag.message);
		return tap_done();
	}
	if (mm_identity_resolve("ashaw@contoso.com", NULL, &by_address,
	    &diag) != 0 || mm_identity_resolve("Alex Shaw", NULL, &by_name,
	    &diag) != 0) {
		tap_ok(0, "identities: %s", diag.message);
		return tap_done();
	}
	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		run_case(engine, &by_address, &by_name, now, &cases[i]);
	run_detail_cases(engine, &by_address, now);
	run_name_cases();

	mm_identity_release(&by_address);
	mm_identity_release(&by_name);
	mm_block_engine_free(engine);
	g_date_time_unref(now_dt);
	return tap_done();
}
