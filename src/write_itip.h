/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * iCalendar output: an iTIP METHOD:REQUEST object per migrated meeting
 * (RFC 5546 section 3.2.2), and the organizer's calendar.ics.  Content lines
 * are written as the model holds them (untouched ones byte for byte), folded
 * at 75 octets on UTF-8 character boundaries with CRLF; the VTIMEZONEs the
 * events refer to are copied as read.
 */
#ifndef MM_WRITE_ITIP_H
#define MM_WRITE_ITIP_H

#include <stdbool.h>

#include <glib.h>

#include "meeting.h"

/*
 * "BEGIN:VCALENDAR", "PRODID:-//meetmig//meetmig//EN" (no version, so
 * golden outputs survive a release), "VERSION:2.0" and, when METHOD is
 * non-NULL, "METHOD:" METHOD.  An update passes "REQUEST"; calendar.ics is
 * a plain calendar for re-import and passes NULL (RFC 5546 section 1.4: an
 * object with METHOD is a scheduling message, not calendar data).
 * Every function here appends CRLF-terminated lines to OUT.
 */
void mm_write_itip_begin(GString *out, const char *method);
void mm_write_itip_end(GString *out);

/*
 * The VTIMEZONEs that the selected events of MEETING refer to (TZID
 * parameters of any property, nested components included), each once, in
 * the order of first reference, copied line by line from meeting->tzset.
 * A TZID for which the file had no VTIMEZONE (a Windows or IANA name that
 * the reader resolved by name) writes nothing.  EVENT_SELECTED has
 * meeting->event_count entries, or is NULL for every event.  SEEN (may be
 * NULL) is a set of TZIDs already written, made with
 * g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL): the TZIDs
 * written are added to it as owned strings, so calendar.ics can hold many
 * meetings and each VTIMEZONE once.
 */
void mm_write_itip_timezones(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected, GHashTable *seen);

/*
 * The selected events of MEETING (all when EVENT_SELECTED is NULL) in model
 * order (the master first), each BEGIN:VEVENT, its lines folded at 75
 * octets, END:VEVENT.
 */
void mm_write_itip_events(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected);

/* A whole iTIP REQUEST for MEETING: begin, timezones, events, end. */
void mm_write_itip_request(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected);

#endif
