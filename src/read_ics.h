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
 * Warnings kept per file; past this they are counted, and one last warning
 * says how many were not shown.
 */
#define MM_READ_ICS_MAX_WARNINGS    1000

/*
 * Opens PATH.  NAME is how messages call the file (NULL: PATH).  Returns an
 * owned reader, or NULL with diag (MM_DIAG_NOINPUT: cannot open;
 * MM_DIAG_DATA: not iCalendar, i.e. the first content line is not
 * BEGIN:VCALENDAR, or the encoding is broken).
 */
struct mm_read_ics *mm_read_ics_open(const char *path, const char *name,
    struct mm_diag *diag);

/*
 * The same over descriptor FD (owned, closed with the reader, or at once
 * when it fails) of which HEAD_LEN octets were read already into HEAD: a
 * pipe, read as it comes.  NAME is how messages call it.
 */
struct mm_read_ics *mm_read_ics_open_fd(int fd, const char *head,
    size_t head_len, const char *name, struct mm_diag *diag);

/* The same over a buffer in memory (borrowed), for tests and fuzzing. */
struct mm_read_ics *mm_read_ics_open_memory(const char *data, size_t len,
    const char *name, struct mm_diag *diag);

/*
 * Reads the next meeting series.  Returns 1 and an owned *out
 * (mm_meeting_free()), 0 at the end, or -1 on a run error with diag (the
 * input cannot be read further: an encoding error, a read error, a
 * VCALENDAR-level line longer than MM_LIMIT_LINE_LENGTH).
 *
 * What a meeting carries:
 * - events: every content line of each VEVENT, nested VALARM lines (with
 *   their BEGIN:/END:) included, as read.  ev->ical is libical's parse of
 *   the event without the bodies (DESCRIPTION, X-ALT-DESC, ATTACH) at the
 *   event's own level; nested components are given to libical whole.
 * - grouping: consecutive VEVENTs with the same UID (compared octet for
 *   octet as written) are one series, the one without RECURRENCE-ID first
 *   (has_master).  A UID that comes back after another UID starts a new
 *   meeting; a VEVENT without UID is a meeting of its own.
 * - summary: our own unescaping of SUMMARY as written (mm_text_unescape(),
 *   which keeps unknown escapes such as "\:"); organizer and attendees
 *   from libical's parse (address without a "mailto:" of any case, other
 *   schemes kept; CN as libical decodes it, RFC 6868 carets included).
 *
 * Event errors (ev->parse_error, the first problem of the event; the
 * meeting is still returned and the reader goes on):
 * - "invalid UTF-8 at byte offset N (FILE:LINE)" and "NUL byte at byte
 *   offset N (FILE:LINE)": N is the offset in the input file for UTF-8
 *   input (BOM counted); for UTF-16 or legacy input the message says
 *   "decoded byte offset", the offset in the UTF-8 stream; LINE is the
 *   physical line of the bad octet.
 * - a line over MM_LIMIT_LINE_LENGTH (not stored, skipped without
 *   buffering it), more than MM_LIMIT_PROPS_PER_EVENT lines (the rest are
 *   not stored), more than MM_LIMIT_EVENTS_PER_SERIES events for one UID
 *   (on the first event; the extra events are dropped).
 * - a line without ':', END:X without its BEGIN, BEGIN:X without its END,
 *   a VEVENT without END:VEVENT, "file ends inside VEVENT started at line
 *   N (FILE)".
 * - "cannot parse DTSTART: ..." and the like when libical dropped one of
 *   DTSTART, DTEND, DURATION, RRULE, RDATE, EXDATE, EXRULE, RECURRENCE-ID.
 * - a second VEVENT without RECURRENCE-ID in one series.
 *
 * Broken folding: Exchange 2003's CDO wrote continuation lines without the
 * leading space.  Inside a VEVENT, a line that has no ':' at all, or whose
 * text before the first ':' or ';' is not a property name, is joined to
 * the line before it, and a warning says so.  Attendees over
 * MM_LIMIT_ATTENDEES are counted in attendees_listed, not kept.
 */
int mm_read_ics_next(struct mm_read_ics *reader, struct mm_meeting **out,
    struct mm_diag *diag);

/* The file's time zones; borrowed until mm_read_ics_close(). */
struct mm_tzset *mm_read_ics_tzset(struct mm_read_ics *reader);

/* The VCALENDAR's own lines (PRODID, METHOD, ...), borrowed. */
const struct mm_event *mm_read_ics_calendar(const struct mm_read_ics *reader);

/*
 * Warnings recorded so far (a truncated file, an unknown line, a VTIMEZONE
 * libical refused, a VTODO/VJOURNAL/VFREEBUSY skipped, a broken fold
 * joined, invalid UTF-8 outside events): a NULL-terminated array of
 * messages, borrowed until the next call.  "FILE: missing END:VCALENDAR"
 * is added when the end is reached.
 */
const char *const *mm_read_ics_warnings(const struct mm_read_ics *reader);

void mm_read_ics_close(struct mm_read_ics *reader);

#endif
