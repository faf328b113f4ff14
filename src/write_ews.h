/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * EWS output: an UpdateItem request (a SOAP envelope) per migrated meeting
 * that came from EWS input, for updates/NNNN-<id>.ews.xml.  Replaying it
 * against the mailbox with the organizer's rights updates the item and
 * sends the update to every attendee (SendToAllAndSaveCopy), as MMS does.
 *
 * One t:ItemChange per event the update covers: the master's ItemId for a
 * series (and for a single meeting), each future exception's own ItemId,
 * with the ChangeKeys of the dump.  Each change sets item:Body to the
 * rewritten body and sets and deletes PublicStrings extended properties so
 * that they agree with the new block (ews-xml.md section 2; the Skype and
 * Teams add-in properties of [TAS]).  Everything outside the block goes
 * back byte for byte as the dump had it, CRs included.
 *
 * The request validates against the EWS schema (V2017_07_11) and asks for
 * no more than Exchange2010_SP2 knows, so on-premises servers accept it.
 */
#ifndef MM_WRITE_EWS_H
#define MM_WRITE_EWS_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "block.h"
#include "diag.h"
#include "meeting.h"

/* What the new block is, for the PublicStrings properties (all borrowed). */
struct mm_ews_update {
	enum mm_block_type target;      /* MM_BLOCK_SFB or MM_BLOCK_TEAMS */
	const char *join_url;           /* the new join URL (SfB meet URL or
	                                   Teams meetup-join URL); required */
	const char *conference_id;      /* dial-in conference ID, or NULL */
	const char *conf_link;          /* OnlineMeetingConfLink ("conf:sip:...;
	                                   gruu;opaque=app:conf:focus:id:..."),
	                                   or NULL */
	const char *teams_thread_id;    /* Teams "19:meeting_...@thread.v2", for
	                                   SkypeTeamsProperties, or NULL */
	const char *toll_number;        /* OnlineMeetingTollNumber, or NULL */
	const char *server_version;     /* RequestServerVersion; NULL:
	                                   "Exchange2010_SP2" */
};

/*
 * Appends to OUT the UpdateItem request for the events of MEETING that
 * EVENT_SELECTED marks (NULL: all of them), in UTF-8.  Returns 0, or -1
 * with diag and OUT unchanged: MM_DIAG_USAGE when the meeting did not come
 * from EWS input or UPDATE has no join URL; MM_DIAG_DATA when a selected
 * event has no ItemId, no body (FindItem carries none), a body the dump
 * marked IsTruncated, or no event is selected.
 */
int mm_write_ews_update(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected, const struct mm_ews_update *update,
    struct mm_diag *diag);

/*
 * The body event INDEX of MEETING goes back with: its X-ALT-DESC (HTML
 * items) or DESCRIPTION (Text items) unescaped, with the octets of the
 * body as the dump had it wherever the text is unchanged, so that the CRs
 * iCalendar escaping drops come back; line breaks inside the changed span
 * follow the body's (CRLF when it has any).  Returns an owned string of
 * *len octets (g_free), or NULL with diag when the event has no body.
 */
char *mm_write_ews_body(const struct mm_meeting *meeting, size_t index,
    size_t *len, struct mm_diag *diag);

#endif
