/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The update as an iMIP message (RFC 6047), built with GMime 3: From the
 * organizer, To the required attendees, Cc the optional ones, the subject
 * RFC 2047-encoded when not ASCII, multipart/alternative with text/plain,
 * text/html and text/calendar; method=REQUEST.  Message-ID, Date and MIME
 * boundaries derive from the meeting and --now, so output is reproducible.
 * Header values never carry raw CR or LF from the input.
 */
#ifndef MM_WRITE_MIME_H
#define MM_WRITE_MIME_H

#include <stdint.h>

#include <glib.h>

#include "diag.h"
#include "meeting.h"
#include "select.h"

struct mm_mime_options {
	int64_t now;            /* Date: */
	const char *sender;     /* Sender: (sending on behalf), or NULL */
};

/*
 * Appends the message to OUT.  ICS is the iTIP REQUEST already rendered for
 * the meeting.  Returns 0, 1 when the meeting has no attendee who can
 * receive it (nothing appended; the verdict gets evidence), or -1 with diag.
 * Attendee addresses that are not valid addresses are left out of the
 * headers and named in the verdict's evidence.
 */
int mm_write_mime(GString *out, const struct mm_meeting *meeting,
    struct mm_verdict *verdict, const char *ics, size_t ics_len,
    const struct mm_mime_options *opt, struct mm_diag *diag);

#endif
