/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The model every stage works on: one struct mm_meeting per meeting series
 * (or per EWS item), holding its VEVENTs as the content lines they were read
 * as, plus the facts the reader extracted from them.
 *
 * Readers build meetings, selection and rewrite read and change them, writers
 * serialise them.  Nobody else's private format appears here: an EWS item is
 * presented as the same content lines an .ics export would carry, with its
 * EWS-only facts (ItemId, ChangeKey, PublicStrings) in struct mm_ews_item.
 *
 * Bytes are kept as read.  A property that nothing changed is written back
 * with exactly the octets of its logical line (folding is redone, content is
 * not), so X- escapes, RRULE, EXDATE and quoted TZIDs survive byte for byte.
 */
#ifndef MM_MEETING_H
#define MM_MEETING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>

/*
 * One logical content line (RFC 5545 section 3.1) as read: folds joined on
 * raw octets, line terminator removed.  A nested component's BEGIN: and END:
 * lines are content lines too.
 */
struct mm_prop {
	char *line;             /* owned, NUL-terminated, len octets */
	size_t len;
	size_t name_len;        /* line[0, name_len) is the name, as written */
	size_t value_off;       /* line[value_off, len) is the value, escaped as written */
	unsigned lineno;        /* first physical line in the source, 1-based; 0 if made up */
	bool changed;           /* rewritten by meetmig (for evidence and tests) */
};

/* One VEVENT: a single meeting, a recurring master or one exception. */
struct mm_event {
	struct mm_prop *props;  /* every line between BEGIN:VEVENT and END:VEVENT */
	size_t prop_count;
	size_t prop_alloc;
	/*
	 * libical's parse of the event without its bodies and attendees
	 * (DESCRIPTION, X-ALT-DESC, ATTACH and ATTENDEE are not given to
	 * libical: nothing needs the bodies parsed, readers take attendees
	 * from the lines, and together they are most of the bytes).  Owned.  NULL when libical
	 * could not make sense of the event; parse_error then says why.
	 */
	icalcomponent *ical;
	char *parse_error;      /* owned or NULL */
	unsigned lineno;        /* line of BEGIN:VEVENT, 1-based */
	char *recurrence_id;    /* owned: RECURRENCE-ID value as written, or NULL */
};

enum mm_role {
	MM_ROLE_REQUIRED,       /* REQ-PARTICIPANT, the default */
	MM_ROLE_OPTIONAL,       /* OPT-PARTICIPANT */
	MM_ROLE_CHAIR,
	MM_ROLE_NONE,           /* NON-PARTICIPANT */
};

/* An organizer or attendee: address without its mailto: scheme. */
struct mm_party {
	char *address;          /* owned; as written minus "mailto:"; NULL if none */
	char *name;             /* owned; CN, unquoted; NULL if none */
	enum mm_role role;
	bool is_group;          /* CUTYPE=GROUP: a distribution list, counts once */
	bool rsvp;
	char *partstat;         /* owned or NULL, as written */
};

/* EWS-only facts of an item (issue: EWS reader); NULL for .ics input. */
struct mm_ews_item;

struct mm_meeting {
	char *source;           /* owned: the file it was read from, as named by the user */
	unsigned lineno;        /* line of its first BEGIN:VEVENT (or XML line) */
	char *uid;              /* owned; NULL when the events had none */
	/*
	 * The series: the master first when there is one (has_master), then
	 * the exceptions (RECURRENCE-ID) in the order read.  A file may carry
	 * exceptions without their master (an iTIP REQUEST for one
	 * occurrence); then has_master is false.
	 */
	struct mm_event **events;
	size_t event_count;
	bool has_master;

	/* Facts extracted from the first event, for selection and writers. */
	char *summary;          /* owned, unescaped UTF-8, or NULL */
	struct mm_party organizer;
	struct mm_party *attendees;
	size_t attendee_count;
	bool attendees_truncated;       /* more than MM_LIMIT_ATTENDEES were listed */
	size_t attendees_listed;        /* how many ATTENDEE lines there were in all */
	bool cancelled;                 /* STATUS:CANCELLED on the master (or first event), once parsed */

	/*
	 * The time zones the events refer to, owned by the reader and valid
	 * until it is closed.  Writers copy the VTIMEZONEs they need from it.
	 */
	struct mm_tzset *tzset;        /* borrowed */

	struct mm_ews_item *ews;        /* owned; NULL for .ics */
	/*
	 * How mm_meeting_free() releases ews: the EWS reader owns the layout
	 * of struct mm_ews_item and sets this when it sets ews.
	 */
	void (*ews_free)(struct mm_ews_item *ews);
};

struct mm_meeting *mm_meeting_new(void);
/* Frees the meeting, its events and its parties; accepts NULL. */
void mm_meeting_free(struct mm_meeting *meeting);

/* Appends an event (ownership passes to the meeting). */
void mm_meeting_add_event(struct mm_meeting *meeting, struct mm_event *event);

struct mm_event *mm_event_new(unsigned lineno);
void mm_event_free(struct mm_event *event);

/*
 * Appends a content line: copies len octets of line.  The name and value
 * offsets are found by mm_contentline_split().  Returns 0, or -1 when the
 * line has no ':' outside quoted parameter values; such a line is still
 * appended, with name_len == value_off == len, so no octet is lost.
 */
int mm_event_add_line(struct mm_event *event, const char *line, size_t len,
    unsigned lineno);

/*
 * The index of the first property of the event itself (not of a nested
 * component) whose name is NAME, compared ASCII case-insensitively; -1 when
 * there is none.
 */
int mm_event_find(const struct mm_event *event, const char *name);

/*
 * Replaces property INDEX's value with VALUE (already escaped for iCalendar),
 * keeping its name and parameters as written, and marks it changed.
 */
void mm_event_set_value(struct mm_event *event, size_t index, const char *value,
    size_t value_len);

/*
 * Replaces or appends (before the first nested component) the property NAME
 * with the complete content line LINE ("SEQUENCE:3") and marks it changed.
 */
void mm_event_put_line(struct mm_event *event, const char *name, const char *line);

/* Removes property INDEX. */
void mm_event_remove(struct mm_event *event, size_t index);

void mm_party_release(struct mm_party *party);

/*
 * Gives libical the lines of LINES (those KEEP says yes to, every one when
 * KEEP is NULL; DATA is KEEP's) one at a time, wrapped in BEGIN:KIND and
 * END:KIND.  icalparser_add_line() borrows each line, and a line at a time
 * keeps libical linear where icalparser_parse_string() is quadratic.
 * Returns the component, owned (icalcomponent_free), or NULL when libical
 * makes nothing of the lines.
 */
icalcomponent *mm_lines_parse(const struct mm_event *lines, const char *kind,
    bool (*keep)(const struct mm_prop *p, void *data), void *data);

/*
 * libical's parse of EVENT's own lines that are read from its tree (the
 * times, recurrence, STATUS and ORGANIZER; see meeting.c): owned, or NULL.
 * mm_meeting_parse() fills ev->ical with it.
 */
icalcomponent *mm_event_parse(const struct mm_event *ev);

/* Keeps the first problem of an event: it is the one to fix first. */
void mm_event_error(struct mm_event *ev, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/*
 * Gives libical the events of M that are not parsed yet (ical NULL and no
 * parse_error): a time property libical cannot read becomes the event's
 * parse_error, naming M's source and the line.  When the first event is
 * parsed here, M's cancelled comes from its STATUS.  Both readers leave
 * this to selection, which asks for it once the user is known to be the
 * organizer: most meetings of a mailbox are not theirs.
 */
void mm_meeting_parse(struct mm_meeting *m);

#endif
