/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The status of one request, shaped like Get-CsMeetingMigrationStatus:
 * status.json and report.txt for people.  Meeting entries are
 * spooled as they come (output.h), so memory does not grow with the
 * mailbox; mm_report_finish() writes both files in one pass over the spool.
 */
#ifndef MM_REPORT_H
#define MM_REPORT_H

#include <stdint.h>

#include "diag.h"
#include "meeting.h"
#include "select.h"

struct mm_report_info {
	const char *correlation_id;     /* a UUID */
	int64_t create_date;            /* UTC seconds */
	int64_t modified_date;
	const char *user_id;            /* ObjectGUID, or NULL */
	const char *upn;                /* UserPrincipalName (or the identity) */
	const char *migration_type;     /* SfbToTeams, TeamsToTeams, ToSameType, AllToTeams */
	unsigned retry_count;
};

struct mm_report;

/*
 * SPOOL_DIR is where the entries go once they outgrow memory (the output
 * folder), in a file with no name, so nothing is left behind whatever
 * happens (output.h's spool).  Owned; free with mm_report_free(), which
 * also removes what was finished and not published.
 */
struct mm_report *mm_report_new(const char *spool_dir);
void mm_report_free(struct mm_report *report);

/*
 * Records one meeting: its status.json entry is written to the spool at
 * once (Uid; RecurrenceId, null for a series with its master, else the
 * first exception's; Subject; Start from verdict->first_start, null unless
 * has_start; Attendees; BlockType "sfb"/"teams"/null; Language; Result;
 * Reason, null for none; Evidence), and only the counts and outputs stay in
 * memory.  The verdict's message goes to report.txt only.  Returns the
 * entry's index (0, 1, ...), which mm_report_set_outputs() takes, or -1
 * with diag (73 or 74: the spool cannot be written).
 */
long mm_report_add(struct mm_report *report, const struct mm_meeting *meeting,
    const struct mm_verdict *verdict, struct mm_diag *diag);

/*
 * Names the output files of entry INDEX, relative to the user's folder
 * ("updates/0001-3fa9c2d1e0b4.ics"); NULL-terminated, copied.
 */
void mm_report_set_outputs(struct mm_report *report, long index,
    const char *const *outputs);

/* Counts so far. */
unsigned mm_report_total(const struct mm_report *report);      /* not Skipped */
unsigned mm_report_succeeded(const struct mm_report *report);  /* Updated */
unsigned mm_report_failed(const struct mm_report *report);     /* Failed */
/*
 * InvitesUpdate: entries whose outputs include an update message to the
 * attendees, an ".eml" or an ".ews.xml" (each entry counts once).
 */
unsigned mm_report_invites(const struct mm_report *report);

/*
 * Writes DIR/status.json and DIR/report.txt to temporary names in one pass
 * over the spool, and closes them without fsync (mm_outfile_close()):
 * mm_report_publish() puts them in place once the caller has synced them
 * with its other files.  Call it once.  State is Succeeded when no meeting
 * failed, else Failed; LAST_MESSAGE (may be NULL, written as "") goes to
 * LastMessage.  Returns 0 or -1 with diag (73, 74).
 *
 * status.json: the fields of Get-CsMeetingMigrationStatus in DESIGN.md's
 * order, then Meetings (each entry as mm_report_add() says, plus Outputs);
 * UTF-8 as it is (no \u escapes but for controls), two-space indent,
 * "key": value, a final newline: byte for byte what Python's
 * json.dumps(obj, indent=2, ensure_ascii=False) writes.
 *
 * report.txt: a summary (identity, counts, failures and skips per reason),
 * then one line per meeting, "Result  Reason  Start (UTC)  Id  Subject" in
 * aligned columns, the subject cut with an ellipsis (U+2026) to keep lines
 * within 100 columns, Id being mm_output_hash_id(Uid, RecurrenceId); then,
 * when any meeting failed, a "Failures" list of Id and the failure's
 * message; then, when the block of an updated meeting had been edited by
 * its organizer (verdict->edited_line), an "Edited blocks" list of Id and
 * that line, so that someone can tell the organizer what was replaced.
 */
int mm_report_finish(struct mm_report *report, const struct mm_report_info *info,
    const char *dir, const char *last_message, struct mm_diag *diag);
/*
 * Renames the files mm_report_finish() wrote into place, report.txt then
 * status.json, without syncing their folder (mm_outfile_publish()).
 * Returns 0, or -1 with diag (74) and the files not in place removed.
 */
int mm_report_publish(struct mm_report *report, struct mm_diag *diag);

/* What mm_report_foreach() gives of each entry; strings borrowed. */
struct mm_report_meeting {
	const char *uid;                /* or NULL */
	const char *recurrence_id;      /* or NULL, as in status.json */
	const char *result;             /* "Updated", "Skipped" or "Failed" */
	const char *reason;             /* its name, or NULL for none */
};

/*
 * Calls FN(DATA, entry, DIAG) for each entry recorded, in order, from the
 * spool (once or more, before or after finishing, until the report is
 * freed): the same Uid, RecurrenceId, Result and Reason as status.json.
 * Stops at the first FN that returns -1.  Returns 0, or -1 with diag.
 */
int mm_report_foreach(struct mm_report *report,
    int (*fn)(void *data, const struct mm_report_meeting *meeting,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag);

/* ISO 8601 UTC ("2026-11-21T09:00:00Z") of T (seconds, UTC); owned. */
char *mm_report_time(int64_t t);

#endif
