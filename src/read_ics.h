/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iCalendar reader.  It streams a mailbox export: one meeting series in
 * memory at a time, VTIMEZONEs parsed once.  It splits the file at VEVENT
 * boundaries itself, on raw octets after joining folds, validates UTF-8 per
 * logical line, and gives each VEVENT to libical without its bodies.
 * Consecutive VEVENTs with the same UID form one series (Outlook and Exchange
 * write a master followed by its exceptions).
 *
 * Grades of trouble: a file that is not iCalendar at all is a run error
 * (MM_DIAG_DATA, exit 65); a VEVENT that cannot be made sense of (invalid
 * UTF-8, a line without ':', libical's refusal, a limit) is returned as a
 * meeting whose events carry parse_error, and reading goes on; a file cut
 * short (no END:VCALENDAR) still returns its complete meetings and records a
 * warning.
 */
#ifndef MM_READ_ICS_H
#define MM_READ_ICS_H

#include "diag.h"
#include "meeting.h"
#include "tz.h"

struct mm_read_ics;

/*
 * Opens PATH.  NAME is how messages call the file (NULL: PATH).  Returns an
 * owned reader, or NULL with diag (MM_DIAG_NOINPUT: cannot open;
 * MM_DIAG_DATA: not iCalendar, i.e. the first content line is not
 * BEGIN:VCALENDAR, or the encoding is broken).
 */
struct mm_read_ics *mm_read_ics_open(const char *path, const char *name,
    struct mm_diag *diag);

/* The same over a buffer in memory (borrowed), for tests and fuzzing. */
struct mm_read_ics *mm_read_ics_open_memory(const char *data, size_t len,
    const char *name, struct mm_diag *diag);

/*
 * Reads the next meeting series.  Returns 1 and an owned *out
 * (mm_meeting_free()), 0 at the end, or -1 on a run error with diag (the
 * input cannot be read further: an encoding error, a read error).
 */
int mm_read_ics_next(struct mm_read_ics *reader, struct mm_meeting **out,
    struct mm_diag *diag);

/* The file's time zones; borrowed until mm_read_ics_close(). */
struct mm_tzset *mm_read_ics_tzset(struct mm_read_ics *reader);

/* The VCALENDAR's own lines (PRODID, METHOD, ...), borrowed. */
const struct mm_event *mm_read_ics_calendar(const struct mm_read_ics *reader);

/*
 * Warnings recorded so far (a truncated file, an unknown line, a VTIMEZONE
 * libical refused): a NULL-terminated array of messages, borrowed until the
 * next call.
 */
const char *const *mm_read_ics_warnings(const struct mm_read_ics *reader);

void mm_read_ics_close(struct mm_read_ics *reader);

#endif
