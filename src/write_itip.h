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

/* "BEGIN:VCALENDAR", PRODID, VERSION and, when METHOD is non-NULL, METHOD. */
void mm_write_itip_begin(GString *out, const char *method);
void mm_write_itip_end(GString *out);

/*
 * The VTIMEZONEs that the selected events of MEETING refer to (TZID
 * parameters of any property), each once; SEEN (may be NULL) is a set of
 * TZIDs already written (g_str_hash), updated.
 */
void mm_write_itip_timezones(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected, GHashTable *seen);

/* The selected events of MEETING, each BEGIN:VEVENT ... END:VEVENT. */
void mm_write_itip_events(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected);

/* A whole iTIP REQUEST for MEETING: begin, timezones, events, end. */
void mm_write_itip_request(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected);

#endif
