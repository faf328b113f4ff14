/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Time zones of one calendar file.  Each VTIMEZONE is parsed once (an
 * Outlook VTIMEZONE starting in 1601 costs milliseconds to expand the first
 * time) and kept, together with its content lines as read so writers can
 * copy it verbatim.  A TZID that the file does not define is looked up as an
 * IANA name in libical's built-in zones, then as a Windows zone name mapped
 * to IANA with ICU (ucal_getTimeZoneIDForWindowsID).  A TZID that none of
 * these knows is reported, never treated as floating time silently.
 */
#ifndef MM_TZ_H
#define MM_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include <libical/ical.h>

#include "diag.h"
#include "meeting.h"

struct mm_tzset;

struct mm_tzset *mm_tzset_new(void);
void mm_tzset_free(struct mm_tzset *tzset);

/*
 * Adds a VTIMEZONE: VTZ is its content lines as read (BEGIN:VTIMEZONE and
 * END:VTIMEZONE excluded, nested STANDARD/DAYLIGHT included), in an event
 * struct used as a plain list of lines; ownership passes to the set (it is
 * freed on failure too).  Returns 0, or -1 with diag when it has no TZID,
 * when its TZID is already defined (the first definition stays), or when
 * libical cannot make a zone of it.
 */
int mm_tzset_add(struct mm_tzset *tzset, struct mm_event *vtz,
    struct mm_diag *diag);

/*
 * The zone for TZID (as written in the TZID parameter, unquoted), or NULL
 * when no VTIMEZONE, built-in or Windows name matches.  Borrowed.  The
 * file's VTIMEZONEs are matched first exactly, then ASCII
 * case-insensitively, each by its TZID as written and TEXT-unescaped
 * (Exchange writes "Bangkok\, Hanoi" there and "Bangkok, Hanoi" in the
 * parameter).  Outlook display names without a VTIMEZONE ("(UTC-05:00)
 * Eastern Time (US & Canada)") are not mapped: they stay unknown.
 */
icaltimezone *mm_tzset_lookup(struct mm_tzset *tzset, const char *tzid);

/* The VTIMEZONE lines for TZID as read, or NULL when the file had none. */
const struct mm_event *mm_tzset_vtimezone(const struct mm_tzset *tzset,
    const char *tzid);

/*
 * The IANA name ICU gives for a Windows zone id ("W. Europe Standard Time"
 * is "Europe/Berlin"); owned (g_free), or NULL when ICU knows none.
 */
char *mm_tz_windows_to_iana(const char *windows_id);

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's). */
int64_t mm_tz_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * Converts an iCalendar time as written (value of DTSTART etc.) and its TZID
 * parameter (NULL when absent) to seconds since the epoch in UTC.  A DATE
 * value is midnight UTC of that date; a UTC value ('Z') is taken as it is
 * and its TZID ignored; a floating value without TZID is taken as UTC (the
 * file does not say where it is; UTC is the reproducible choice).  A value
 * with TZID is converted through mm_tzset_lookup()'s zone, so an Outlook
 * zone is expanded once per file.  Returns 0, or -1 with diag when the
 * value is not a time or the TZID is unknown ("unknown TZID \"X\"").
 */
int mm_tz_to_utc(struct mm_tzset *tzset, struct icaltimetype t,
    const char *tzid, int64_t *out, struct mm_diag *diag);

#endif
