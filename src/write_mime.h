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

/*
 * The addresses of the messages of one mailbox, made once: the same
 * attendees come back from one meeting to the next, and GMime converts an
 * address's domain to IDNA once per address it makes (a tenth of a
 * message's time).  At most a few thousand are kept.  For one thread.
 */
struct mm_mime_cache;

struct mm_mime_cache *mm_mime_cache_new(void);
/* Accepts NULL. */
void mm_mime_cache_free(struct mm_mime_cache *cache);

struct mm_mime_options {
	int64_t now;            /* Date: */
	const char *sender;     /* Sender: (sending on behalf), or NULL */
	struct mm_mime_cache *cache;    /* or NULL */
};

/*
 * Appends the message to OUT, CRLF line ends throughout, every line within
 * 78 octets (headers folded by GMime; bodies 7bit when they allow it, else
 * quoted-printable or base64; the calendar always base64, so its octets
 * survive any relay).  ICS is the iTIP REQUEST already rendered for the
 * meeting; it becomes the text/calendar part as it is.
 *
 * Headers: From the organizer (CN and address); Sender OPT->sender when
 * given; To the REQ-PARTICIPANT and CHAIR attendees; Cc the OPT-PARTICIPANT
 * and NON-PARTICIPANT ones (RFC 5545: copied for information); each
 * address once, the organizer's never; Subject the meeting's summary;
 * Date OPT->now; Message-ID <meetmig.HASH@organizer-domain>;
 * Content-Class urn:content-classes:calendarmessage (Outlook).  Names and
 * the subject have control characters replaced by spaces and are RFC 2047
 * encoded (UTF-8) when not ASCII; an address goes in only when it is a
 * plain addr-spec (one '@', printable ASCII, no specials).
 *
 * Bodies: text/plain is the DESCRIPTION of the master (or of the first
 * event the update covers), unescaped; text/html its X-ALT-DESC with
 * FMTTYPE=text/html, left out when there is none; both charset=utf-8.
 *
 * Returns 0; 1 when no message can be written (nothing appended; the
 * verdict gets evidence): no attendee can receive it, or the organizer's
 * address is not valid; or -1 with diag: OPT->sender is not a valid
 * address (MM_DIAG_USAGE), OPT->now is out of range, GMime fails.
 * Attendee addresses that are not valid are left out and named in the
 * verdict's evidence ("attendee address not valid, left out: ...").
 * VERDICT may be NULL (no evidence is recorded).
 */
int mm_write_mime(GString *out, const struct mm_meeting *meeting,
    struct mm_verdict *verdict, const char *ics, size_t ics_len,
    const struct mm_mime_options *opt, struct mm_diag *diag);

#endif
