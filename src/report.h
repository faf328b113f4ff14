/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The status of one request, shaped like Get-CsMeetingMigrationStatus:
 * status.json (json-glib) and report.txt for people.  Meeting entries are
 * spooled to a temporary file as they come, so memory does not grow with the
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

/* SPOOL_DIR is where the spool file goes (the output folder).  NULL with diag. */
struct mm_report *mm_report_new(const char *spool_dir, struct mm_diag *diag);
void mm_report_free(struct mm_report *report);

/*
 * Records one meeting.  Returns the entry's index (0, 1, ...), which
 * mm_report_set_outputs() takes, or -1 with diag (the spool cannot be
 * written).
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
unsigned mm_report_total(const struct mm_report *report);      /* selected */
unsigned mm_report_succeeded(const struct mm_report *report);
unsigned mm_report_failed(const struct mm_report *report);

/*
 * Writes DIR/status.json and DIR/report.txt (each to a temporary name, then
 * renamed).  State is Succeeded when no meeting failed, else Failed;
 * LAST_MESSAGE (may be NULL) goes to LastMessage.  Returns 0 or -1 with diag.
 */
int mm_report_finish(struct mm_report *report, const struct mm_report_info *info,
    const char *dir, const char *last_message, struct mm_diag *diag);

/* ISO 8601 UTC ("2026-11-21T09:00:00Z") of T; owned. */
char *mm_report_time(int64_t t);

#endif
