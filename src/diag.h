/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Diagnostics.  A function that can fail returns 0 or -1 and fills the
 * struct mm_diag given as its last parameter.  The message says what failed,
 * then where: "cannot parse DTSTART: bad date (export.ics:42, UID 0400...)".
 * Lower case, no trailing full stop.  The code tells the command layer which
 * exit status a run error maps to; modules never exit or print.
 */
#ifndef MM_DIAG_H
#define MM_DIAG_H

#include <glib.h>

enum mm_diag_code {
	MM_DIAG_NONE = 0,
	MM_DIAG_USAGE,          /* bad arguments or option values (exit 64) */
	MM_DIAG_DATA,           /* input is not what it must be (exit 65) */
	MM_DIAG_NOINPUT,        /* an input file cannot be opened (exit 66) */
	MM_DIAG_CANTCREAT,      /* an output cannot be created (exit 73) */
	MM_DIAG_IOERR,          /* an output cannot be written (exit 74) */
	MM_DIAG_LIMIT,          /* a named limit of limits.h was reached (exit 65) */
	MM_DIAG_INTERNAL,       /* a library failed in a way input cannot explain (exit 70) */
	MM_DIAG_INTERRUPTED,    /* a signal asked the run to stop (exit 128 + it) */
};

struct mm_diag {
	enum mm_diag_code code;
	char *message;          /* owned; NULL when nothing was reported */
};

void mm_diag_init(struct mm_diag *diag);
void mm_diag_release(struct mm_diag *diag);
/* Clears a reported diagnostic so the struct can be reused. */
void mm_diag_clear(struct mm_diag *diag);

/*
 * Records a diagnostic, replacing any earlier one, and returns -1 so that a
 * caller can write "return mm_diag_set(diag, ...);".  diag may be NULL.
 */
int mm_diag_set(struct mm_diag *diag, enum mm_diag_code code,
    const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Puts "PREFIX: " in front of the message already there (for context). */
void mm_diag_prefix(struct mm_diag *diag, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* The sysexits.h status a run error of this code ends with. */
int mm_diag_exit_status(const struct mm_diag *diag);

/* "SIGINT", "SIGTERM", "SIGHUP" or "a signal" (MM_DIAG_INTERRUPTED); static. */
const char *mm_signal_name(int sig);

#endif
