/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every size and count meetmig accepts from its input has a name here.  A
 * module that meets one of these limits reports it through a struct mm_diag
 * naming the limit, the file and the line or meeting; it never truncates
 * silently and never reads past it.
 */
#ifndef MM_LIMITS_H
#define MM_LIMITS_H

/* Bytes of one input file (any format). */
#define MM_LIMIT_FILE_SIZE          ((long long)16 << 30)
/* Octets of one logical (unfolded) iCalendar content line. */
#define MM_LIMIT_LINE_LENGTH        ((size_t)16 << 20)
/* Content lines in one VEVENT, nested components included. */
#define MM_LIMIT_PROPS_PER_EVENT    20000
/* VEVENTs (master + exceptions) in one meeting series. */
#define MM_LIMIT_EVENTS_PER_SERIES  5000
/* Attendees parsed per meeting; past this the count is known to be over it. */
#define MM_LIMIT_ATTENDEES          10000
/* Recurrence instances examined when looking for a future occurrence. */
#define MM_LIMIT_RECURRENCE_STEPS   200000
/*
 * Time zones one input defines (VTIMEZONEs); an export has a handful.  Also
 * how many made zones the process keeps for later inputs.
 */
#define MM_LIMIT_ZONES              1000
/* Octets of one body (DESCRIPTION, X-ALT-DESC, EWS Body). */
#define MM_LIMIT_BODY_SIZE          ((size_t)8 << 20)
/* Element nesting of an EWS XML document. */
#define MM_LIMIT_XML_DEPTH          256
/* PCRE2 match and depth limits for one block search. */
#define MM_LIMIT_PCRE2_MATCH        10000000u
#define MM_LIMIT_PCRE2_DEPTH        10000u
/*
 * Octets of update files waiting for the writer thread (output.h); more
 * and the migration waits for it.  A bound on memory, never an error.
 */
#define MM_LIMIT_WRITE_BACKLOG      ((size_t)4 << 20)
/*
 * Octets a spool (output.h: a request's status entries, its calendar's
 * events) keeps in memory before it moves to a file.  A bound on memory,
 * never an error.
 */
#define MM_LIMIT_SPOOL_MEMORY       ((size_t)1 << 20)
/*
 * Prepared requests of a `run` worker waiting to be published (each holds
 * at most two spools in memory); more and the worker waits.  A bound on
 * memory, never an error.
 */
#define MM_LIMIT_PUBLISH_QUEUE      16
/* Rows of a CSV file (directory, links, users) and fields of one row. */
#define MM_LIMIT_CSV_ROWS           2000000
#define MM_LIMIT_CSV_FIELDS         256
/* Octets of one CSV field. */
#define MM_LIMIT_CSV_FIELD          ((size_t)1 << 20)

#endif
