/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The rewrite: renders the new block from the coordinates and splices it
 * into every body of every event the update covers, at the byte offsets the
 * selection found, re-escaping only the new block.  It then makes the
 * properties that describe the meeting agree with the new block, and steps
 * SEQUENCE (with X-MICROSOFT-CDO-APPT-SEQUENCE) and DTSTAMP.  Nothing outside
 * the block changes by a single byte.
 */
#ifndef MM_REWRITE_H
#define MM_REWRITE_H

#include <stdint.h>

#include "coords.h"
#include "diag.h"
#include "meeting.h"
#include "select.h"

struct mm_templates;

enum mm_target_kind {
	MM_TARGET_CURRENT,      /* keep the block's own type */
	MM_TARGET_TEAMS,
};

struct mm_rewrite_options {
	enum mm_target_kind target;
	const struct mm_coords *coords;
	const char *user;               /* the organizer's key for [user:...] */
	const char *language;           /* override, or NULL: the old block's */
	/* a template directory (mm_templates_load()), or NULL: built-in only */
	const struct mm_templates *templates;
	int64_t now;                    /* DTSTAMP */
};

/*
 * Rewrites a selected MEETING (verdict result Updated).  On return the
 * verdict is Updated (meeting changed), Skipped AlreadyMigrated, or Failed
 * NoCoordinates / BlockNotFound (meeting unchanged).  A replaced block with
 * a line no template explains (mm_templates_edited()) is replaced all the
 * same, as MMS does, and sets verdict->edited with the evidence
 * "block edited: "<line>"".  Returns 0, or -1 with diag on a run error.
 */
int mm_rewrite_meeting(struct mm_meeting *meeting, struct mm_verdict *verdict,
    const struct mm_rewrite_options *opt, struct mm_diag *diag);

#endif
