/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Selection: which meetings are migrated, the MMS rules made explicit
 * (DESIGN.md "What is selected").  A meeting is migrated when every rule
 * holds; otherwise it is skipped with the first reason that applies, in the
 * order of enum mm_reason.  Each verdict records the evidence it rests on.
 *
 * Selection also finds the blocks: it unescapes each body of each event and
 * runs the block engine over it, and hands those bodies on in the verdict
 * for the rewrite.  It changes nothing in the meeting.
 */
#ifndef MM_SELECT_H
#define MM_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "block.h"
#include "coords.h"
#include "diag.h"
#include "identity.h"
#include "meeting.h"

enum mm_result {
	MM_RESULT_UPDATED,      /* selected (and, after rewrite, updated) */
	MM_RESULT_SKIPPED,
	MM_RESULT_FAILED,
};

/* In the order the rules apply.  Names are the status.json reason codes. */
enum mm_reason {
	MM_REASON_NONE = 0,
	MM_REASON_NOT_ORGANIZER,        /* NotOrganizer */
	MM_REASON_CANCELLED,            /* Cancelled */
	MM_REASON_PAST,                 /* Past */
	MM_REASON_NOT_ONLINE_MEETING,   /* NotOnlineMeeting */
	MM_REASON_PASTED_BLOCK,         /* PastedBlock */
	MM_REASON_SOURCE_TYPE_EXCLUDED, /* SourceTypeExcluded */
	MM_REASON_TOO_MANY_ATTENDEES,   /* TooManyAttendees */
	MM_REASON_ALREADY_MIGRATED,     /* AlreadyMigrated (decided by the rewrite) */
	/* failures of a selected meeting */
	MM_REASON_NO_COORDINATES,       /* NoCoordinates */
	MM_REASON_BLOCK_NOT_FOUND,      /* BlockNotFound */
	MM_REASON_TRUNCATED_BODY,       /* TruncatedBody */
	MM_REASON_INVALID_DATA,         /* InvalidData */
};

/* The reason code as status.json spells it ("NotOrganizer"); NULL for NONE. */
const char *mm_reason_name(enum mm_reason reason);
/* "Updated", "Skipped", "Failed". */
const char *mm_result_name(enum mm_result result);

/* One body of one event, unescaped, with where its block is. */
struct mm_body {
	size_t event;           /* index in meeting->events */
	int prop;               /* index of the DESCRIPTION / X-ALT-DESC property */
	enum mm_body_kind kind;
	char *text;             /* owned, unescaped UTF-8 */
	size_t len;
	size_t *raw_map;        /* owned: see mm_text_unescape() */
	int found;              /* enum mm_block_found */
	struct mm_block block;
};

struct mm_verdict {
	enum mm_result result;
	enum mm_reason reason;
	char *message;          /* owned: detail of a failure, or NULL */
	GPtrArray *evidence;    /* owned strings: what the decision rested on */
	size_t attendee_count;  /* distinct attendees + the organizer */
	int64_t first_start;    /* UTC seconds of DTSTART of the series (ordering) */
	bool has_start;
	enum mm_block_type block_type;  /* of the first block found */
	const char *language;   /* borrowed from the first block found, or NULL */
	bool pasted;            /* block without add-in markers, migrated by --include-pasted */
	/* owned: the first line of a block the organizer edited (text that no
	   template explains; set by rewrite), or NULL */
	char *edited_line;
	struct mm_body *bodies; /* owned */
	size_t body_count;
	/* per event of the meeting: true when the update covers it (master and
	   future exceptions); owned, meeting->event_count entries */
	bool *event_selected;
	/* the coordinates the rewrite moved the meeting to (first covered
	   event's); type MM_BLOCK_NONE until then */
	struct mm_target target;
};

void mm_verdict_init(struct mm_verdict *v);
void mm_verdict_release(struct mm_verdict *v);
/* Appends a printf-formatted evidence string. */
void mm_verdict_evidence(struct mm_verdict *v, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Sets result, reason and message (printf-formatted, or NULL). */
void mm_verdict_set(struct mm_verdict *v, enum mm_result result,
    enum mm_reason reason, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

enum {
	MM_SOURCE_SFB = 1 << 0,
	MM_SOURCE_TEAMS = 1 << 1,
	MM_SOURCE_ALL = MM_SOURCE_SFB | MM_SOURCE_TEAMS,
};

struct mm_select_options {
	const struct mm_identity *identity;
	int64_t now;                    /* UTC seconds */
	unsigned source_types;          /* MM_SOURCE_* bits */
	size_t max_attendees;           /* counting the organizer; default 250 */
	bool include_pasted;
};

/*
 * Decides about MEETING.  Returns 0 with *out filled (Updated meaning
 * "selected"), or -1 with diag on a run error (a PCRE2 failure).  *out must
 * be initialised by the caller and released with mm_verdict_release().
 */
int mm_select_meeting(struct mm_block_engine *engine, struct mm_meeting *meeting,
    const struct mm_select_options *opt, struct mm_verdict *out,
    struct mm_diag *diag);

/*
 * Whether EVENT has an occurrence that ends after NOW.  Honours RRULE,
 * RDATE, EXDATE and, for a master, the exceptions of MEETING that moved or
 * cancelled occurrences.  *first_start (may be NULL) gets DTSTART in UTC.
 * Returns 1 (future), 0 (past) or -1 with diag (no DTSTART, unknown TZID, a
 * limit).
 */
int mm_select_has_future(struct mm_meeting *meeting, size_t event_index,
    int64_t now, int64_t *first_start, struct mm_diag *diag);

#endif
