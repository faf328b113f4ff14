/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The EWS XML reader.  It streams a mailbox dump made of Exchange Web
 * Services responses (GetItem, FindItem; SOAP envelopes, bare payloads,
 * several roots per file, EWS Managed API <Trace> files, or a folder of such
 * files) with libxml2's push parser: the top-level t:CalendarItems one
 * chunk of input completes are copied and handed on one at a time, so
 * memory does not grow with the file.  Each item becomes a
 * struct mm_meeting whose events carry synthesized iCalendar content lines
 * (UID, SUMMARY, DTSTART, RRULE, ATTENDEE, DESCRIPTION, X-ALT-DESC, ...), so
 * the rest of the program sees an EWS item as it sees an .ics VEVENT.  What
 * only EWS knows (ItemId, ChangeKey, MyResponseType, PublicStrings extended
 * properties, the body as the dump had it) is kept in struct mm_ews_item.
 *
 * The lines: UID (t:UID, else "meetmig-ews-" and a hash of the ItemId),
 * RECURRENCE-ID (exceptions and occurrences), DTSTAMP, SEQUENCE, SUMMARY,
 * LOCATION, DTSTART, DTEND, RRULE and EXDATE (masters), STATUS:CANCELLED,
 * ORGANIZER, ATTENDEE (Required: REQ-PARTICIPANT, Optional:
 * OPT-PARTICIPANT, Resources: CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT, a
 * PublicDL or PrivateDL: CUTYPE=GROUP), DESCRIPTION (Text body) and
 * X-ALT-DESC;FMTTYPE=text/html (HTML body), TEXT-escaped with
 * mm_text_escape().  No X-MICROSOFT-* line is made up.  A single meeting's
 * times are UTC ("...Z"); a series' are local times with the TZID of the
 * IANA zone the item's Windows zone maps to, so libical expands it across
 * DST changes; an all-day item's are local dates.
 *
 * Consecutive items with the same UID form one series: a RecurringMaster
 * and the Exception items next to it, the master first.  Dropped as
 * duplicates: an item whose ItemId was read already, a FindItem copy of an
 * item the input also has from GetItem, and a CalendarView Occurrence of a
 * series whose master the input has (in any file, before or after).  The
 * last two need a first pass over the whole input, made only when a
 * FindItem item or an Occurrence turns up; memory then holds one string per
 * item, never an item.
 *
 * Security: no network, no DTD, no entity of any kind.  A document type
 * declaration is refused outright (SOAP 1.1 section 3 forbids one in a
 * message), which stops external entities and entity expansion bombs before
 * libxml2 sees them.  Elements nest at most MM_LIMIT_XML_DEPTH deep.
 *
 * Grades of trouble:
 * - run error: a file that cannot be opened, is not XML, holds no EWS
 *   element at all, carries a DTD, nests deeper than MM_LIMIT_XML_DEPTH, or
 *   has octets invalid in its encoding (UTF-8 or UTF-16, named by byte
 *   offset; the reader reads ahead, so the items just before the damage
 *   may not have been returned yet);
 * - warning: a file cut short, or not well-formed after its first EWS
 *   element (the items before the damage are returned, the rest of that
 *   file is not read); an error response message (ResponseClass="Error" or
 *   "Warning"), a SOAP fault; characters XML forbids (&#x0; and the like,
 *   dropped and counted); a recurring item whose zone is unknown;
 * - event error: an item that cannot be made sense of (no Start, a bad
 *   recurrence, a body over MM_LIMIT_BODY_SIZE) is returned with
 *   parse_error set on its event.
 */
#ifndef MM_READ_EWS_H
#define MM_READ_EWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "meeting.h"
#include "tz.h"

#define MM_EWS_NS_TYPES \
    "http://schemas.microsoft.com/exchange/services/2006/types"
#define MM_EWS_NS_MESSAGES \
    "http://schemas.microsoft.com/exchange/services/2006/messages"

/* t:CalendarItemType. */
enum mm_ews_item_type {
	MM_EWS_ITEM_UNKNOWN = 0,        /* element absent */
	MM_EWS_ITEM_SINGLE,
	MM_EWS_ITEM_OCCURRENCE,
	MM_EWS_ITEM_EXCEPTION,
	MM_EWS_ITEM_RECURRING_MASTER,
};

/* t:MyResponseType (ResponseTypeType). */
enum mm_ews_response {
	MM_EWS_RESPONSE_ABSENT = 0,     /* element absent */
	MM_EWS_RESPONSE_UNKNOWN,
	MM_EWS_RESPONSE_ORGANIZER,
	MM_EWS_RESPONSE_TENTATIVE,
	MM_EWS_RESPONSE_ACCEPT,
	MM_EWS_RESPONSE_DECLINE,
	MM_EWS_RESPONSE_NO_RESPONSE_RECEIVED,
};

enum mm_ews_body_type {
	MM_EWS_BODY_NONE = 0,           /* no t:Body, or an empty one */
	MM_EWS_BODY_TEXT,
	MM_EWS_BODY_HTML,
};

/* One t:ExtendedProperty of an item, as the dump had it. */
struct mm_ews_extprop {
	char *set;              /* owned: DistinguishedPropertySetId ("PublicStrings")
	                           or PropertySetId (a GUID), or NULL */
	char *name;             /* owned: PropertyName, or NULL */
	char *id;               /* owned: PropertyId or PropertyTag, or NULL */
	char *type;             /* owned: PropertyType ("String"), or NULL */
	char *value;            /* owned: t:Value, or the first of t:Values;
	                           "" if none */
	size_t value_count;     /* 1 for t:Value, the count of t:Values/t:Value */
};

/* A t:ModifiedOccurrences/t:Occurrence of a master (times in UTC seconds). */
struct mm_ews_occurrence {
	char *item_id;          /* owned, or NULL */
	char *change_key;       /* owned, or NULL */
	int64_t start, end, original_start;
	bool has_start, has_end, has_original_start;
};

/* What EWS says about one event of the meeting (same index as events[]). */
struct mm_ews_event {
	char *item_id;          /* owned: t:ItemId/@Id, or NULL */
	char *change_key;       /* owned: t:ItemId/@ChangeKey, or NULL */
	enum mm_ews_item_type type;
	enum mm_ews_body_type body_type;
	/*
	 * The t:Body text exactly as the dump had it after XML unescaping
	 * (CR, CRLF and all), owned, or NULL.  The writer uses it to give
	 * back every octet outside the block, which iCalendar TEXT escaping
	 * cannot carry (it has no escape for CR).
	 */
	char *body;
	size_t body_len;
	bool body_truncated;    /* t:Body/@IsTruncated="true" */
	unsigned lineno;        /* line of the t:CalendarItem start tag */
};

/*
 * EWS-only facts of a meeting.  The item-level facts are those of the first
 * item read for the meeting (the master when there is one).
 */
struct mm_ews_item {
	struct mm_ews_event *events;    /* owned, one per meeting->events[] */
	size_t event_count;

	bool from_find_item;            /* read from a FindItem response, which
	                                   carries neither body nor attendees */
	char *item_class;               /* owned: "IPM.Appointment", or NULL */
	enum mm_ews_response my_response;
	bool is_organizer;              /* t:IsOrganizer (2013+) ... */
	bool has_is_organizer;          /* ... when present */
	bool is_meeting;                /* t:IsMeeting */
	bool is_cancelled;              /* t:IsCancelled, or AppointmentState bit 4 */
	bool is_online_meeting;         /* t:IsOnlineMeeting */
	char *join_online_meeting_url;  /* owned: t:JoinOnlineMeetingUrl, or NULL */
	char *conference_type;          /* owned: t:ConferenceType, or NULL */

	struct mm_ews_extprop *props;   /* owned: every t:ExtendedProperty */
	size_t prop_count;
	bool has_public_strings;        /* some props are in PublicStrings */

	char *time_zone_id;             /* owned: the zone as the dump named it
	                                   (StartTimeZoneId, StartTimeZone/@Id,
	                                   MeetingTimeZone/@TimeZoneName or
	                                   TimeZone), or NULL */
	char *iana_zone;                /* owned: what it maps to ("UTC" for
	                                   tzone://Microsoft/Utc), or NULL */

	bool body_truncated;            /* some event's body IsTruncated */
	size_t required_count;          /* t:Attendee under RequiredAttendees */
	size_t optional_count;          /* ... OptionalAttendees */
	size_t resource_count;          /* ... Resources */

	/* Recurring masters. */
	bool has_last_occurrence;
	int64_t last_occurrence_end;    /* t:LastOccurrence/t:End, UTC seconds */
	bool no_end;                    /* t:NoEndRecurrence */
	struct mm_ews_occurrence *modified;     /* owned: t:ModifiedOccurrences */
	size_t modified_count;
	size_t deleted_count;           /* t:DeletedOccurrences */
};

/* Frees an item and everything in it; accepts NULL. */
void mm_ews_item_free(struct mm_ews_item *ews);

/*
 * The first extended property in PublicStrings named NAME (compared ASCII
 * case-insensitively), borrowed, or NULL.
 */
const struct mm_ews_extprop *mm_ews_item_prop(const struct mm_ews_item *ews,
    const char *name);

/*
 * Whether the item carries an add-in marker of an online meeting: a true
 * t:IsOnlineMeeting, or a non-empty PublicStrings property named
 * OnlineMeeting*, UC* or SkypeTeams* (DESIGN.md, PastedBlock).  Returns the
 * marker's name for the evidence ("IsOnlineMeeting", or the property's name
 * such as "SkypeTeamsMeetingUrl"), borrowed, or NULL when there is none.
 */
const char *mm_ews_item_addin_marker(const struct mm_ews_item *ews);

/*
 * Whether the mailbox the dump came from organizes the item:
 * MyResponseType=Organizer or IsOrganizer=true.  Returns 1 (organizer), 0
 * (an attendee: another response type, or IsOrganizer=false) or -1 when the
 * dump says neither.
 */
int mm_ews_item_is_organizer(const struct mm_ews_item *ews);

struct mm_read_ews;

/*
 * Opens PATH: an EWS XML file, or a folder whose *.xml files (any case of
 * the suffix) are read in byte order of their names.  NAME is how messages
 * call PATH (NULL: PATH); files in a folder are called NAME/<file>.  Returns
 * an owned reader, or NULL with diag (MM_DIAG_NOINPUT: cannot open, or a
 * folder without *.xml files; MM_DIAG_DATA: the first file is not XML).
 */
struct mm_read_ews *mm_read_ews_open(const char *path, const char *name,
    struct mm_diag *diag);

/* The same over a buffer in memory (borrowed), for tests and fuzzing. */
struct mm_read_ews *mm_read_ews_open_memory(const char *data, size_t len,
    const char *name, struct mm_diag *diag);

/*
 * Reads the next meeting.  Returns 1 and an owned *out (mm_meeting_free();
 * its ews is set), 0 at the end, or -1 on a run error with diag (see the
 * grades above).  After -1 the reader can only be closed.
 */
int mm_read_ews_next(struct mm_read_ews *reader, struct mm_meeting **out,
    struct mm_diag *diag);

/*
 * The time zones the meetings refer to (a VTIMEZONE made from libical's
 * built-in zone for every IANA TZID written), borrowed until
 * mm_read_ews_close().
 */
struct mm_tzset *mm_read_ews_tzset(struct mm_read_ews *reader);

/*
 * Warnings recorded so far: a NULL-terminated array of messages, borrowed
 * until the next call.
 */
const char *const *mm_read_ews_warnings(const struct mm_read_ews *reader);

/* Counts for reports and tests. */
struct mm_read_ews_stats {
	unsigned files;                 /* files opened */
	unsigned items;                 /* top-level t:CalendarItem elements */
	unsigned duplicates;            /* Occurrence items dropped: master read */
	unsigned error_responses;       /* ResponseClass="Error" messages and faults */
	unsigned dropped_chars;         /* characters XML forbids, dropped */
};
void mm_read_ews_stats(const struct mm_read_ews *reader,
    struct mm_read_ews_stats *out);

void mm_read_ews_close(struct mm_read_ews *reader);

/*
 * Whether the first octets of a file look like XML (after a BOM and
 * whitespace, in UTF-8 or UTF-16, the first character is '<'), so a caller
 * can pick this reader over the iCalendar one.
 */
bool mm_read_ews_sniff(const char *head, size_t len);

#endif
