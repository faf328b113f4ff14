/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One migration request, end to end: read the mailbox, select, rewrite,
 * write the updates, calendar.ics, status.json and report.txt into
 * OUT/<user>/.  This is the pipeline that `meetmig migrate` runs once and
 * `meetmig run` runs per queued request; it prints nothing.
 */
#ifndef MM_MIGRATE_H
#define MM_MIGRATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "report.h"
#include "rewrite.h"

enum {
	MM_FORMAT_ICS = 1 << 0,
	MM_FORMAT_EML = 1 << 1,
	MM_FORMAT_EWS = 1 << 2,
};

struct mm_migrate_request {
	const char *identity;           /* as given */
	const char *const *mailboxes;   /* input files, NULL-terminated */
	const char *directory;          /* AD CSV, or NULL */
	const char *coordinates;        /* key file, or NULL */
	unsigned source_types;          /* MM_SOURCE_* */
	enum mm_target_kind target;
	const char *output;             /* the output folder (OUT) */
	int64_t now;                    /* UTC seconds */
	bool now_given;                 /* --now was given: reproducible output */
	size_t max_attendees;
	unsigned formats;               /* MM_FORMAT_* */
	bool include_pasted;
	const char *language;           /* --language, or NULL */
	const char *templates;          /* --templates DIR, or NULL: built-in only */
	const char *sender;             /* --sender, or NULL */
	const char *correlation_id;     /* NULL: derived (see mm_migrate_user) */
	unsigned retry_count;
	bool plan_only;                 /* decide, write nothing but the plan */
	/* Called once per meeting after its verdict, for plans and progress; may be NULL. */
	void (*on_meeting)(void *data, const struct mm_meeting *meeting,
	    const struct mm_verdict *verdict);
	void *on_meeting_data;
	/* Called with each warning of a reader (a file cut short, characters
	   dropped, ...) once that mailbox has been read, and when the run
	   waits for another process writing into OUT/<user>; may be NULL. */
	void (*on_warning)(void *data, const char *message);
	/* Called with OUT/<user> once it is known, before anything in it is
	   touched; may be NULL.  All three callbacks get on_meeting_data. */
	void (*on_output_folder)(void *data, const char *user_dir);
	/* Read before each meeting, may be NULL: nonzero (a signal handler
	   sets it) stops the run with MM_DIAG_INTERRUPTED, as any run error,
	   before anything is put in place. */
	const atomic_int *stop;
};

struct mm_migrate_stats {
	unsigned meetings;              /* read */
	unsigned selected;              /* TotalMeeting */
	unsigned succeeded;
	unsigned failed;
	unsigned skipped;
	unsigned invites;               /* update messages written */
	char *user_dir;                 /* owned: OUT/<user> */
	char *state;                    /* owned: "Succeeded" or "Failed" */
	char *last_message;             /* owned or NULL */
	/* owned, as in status.json, once prepared (not for a plan), or NULL: */
	char *upn;                      /* UserPrincipalName */
	char *correlation_id;           /* CorrelationId */
};

void mm_migrate_stats_release(struct mm_migrate_stats *stats);

/* "SfbToTeams", "TeamsToTeams", "ToSameType" or "AllToTeams"; static. */
const char *mm_migrate_type_name(unsigned source_types, enum mm_target_kind target);

/*
 * Runs REQ.  Returns 0 when the request ran to the end (some meetings may
 * have failed: stats->failed), or -1 with diag on a run error (unreadable
 * mailbox: 65/66; output: 73/74; usage: 64) having written nothing half.
 * It is mm_migrate_prepare() then mm_migrate_publish().
 */
int mm_migrate_user(const struct mm_migrate_request *req,
    struct mm_migrate_stats *stats, struct mm_diag *diag);

/*
 * A request whose files are all written and closed under hidden names, not
 * yet in place.  Publishing waits on the disk, twice; a caller with more
 * requests to run (meetmig run) publishes one while it prepares the next.
 */
struct mm_migration;

/*
 * mm_migrate_user() up to publishing.  Returns 0 with *OUT owned (publish
 * it with mm_migrate_publish(), or drop it with mm_migration_free()), or 0
 * with *OUT NULL when there is nothing to publish (REQ->plan_only), or -1
 * with diag as mm_migrate_user() (*OUT NULL, no hidden file left).  REQ and
 * STATS are borrowed by *OUT: they must outlive it.
 */
int mm_migrate_prepare(const struct mm_migrate_request *req,
    struct mm_migrate_stats *stats, struct mm_migration **out,
    struct mm_diag *diag);
/*
 * Puts the files of MIGRATION in place, durably, status.json last.
 * Returns 0, or -1 with diag (74) and its hidden files removed.  Needs
 * none of the libraries that read and select (libical, ICU, PCRE2):
 * another thread may publish while this one prepares the next request.
 * MIGRATION stays the caller's, and OUT/<user> locked (mm_output_lock())
 * until it is freed: its meetings can be recorded in the meantime
 * (mm_migration_foreach_meeting()).
 */
int mm_migrate_publish(struct mm_migration *migration, struct mm_diag *diag);
/*
 * mm_migrate_publish() of the N migrations of GROUP at once, with the two
 * flushes shared among them (a run publishes the requests a worker has
 * ready).  Each has its outcome: RESULTS[i] is 0, or -1 with DIAGS[i] set
 * (initialised by the caller) and its hidden files removed.
 */
void mm_migrate_publish_group(struct mm_migration *const *group, size_t n,
    int *results, struct mm_diag *diags);
/*
 * Calls FN(DATA, meeting, DIAG) for each meeting of MIGRATION in the order
 * of status.json's Meetings, with the same Uid, RecurrenceId, Result and
 * Reason (mm_report_foreach()).  Returns 0, or -1 with diag.
 */
int mm_migration_foreach_meeting(struct mm_migration *migration,
    int (*fn)(void *data, const struct mm_report_meeting *meeting,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag);
/*
 * Frees MIGRATION, first removing its hidden files unless it was
 * published; accepts NULL.
 */
void mm_migration_free(struct mm_migration *migration);

#endif
