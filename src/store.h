/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store: one SQLite file (WAL) that holds migration requests, their
 * state history (Pending -> InProgress -> Succeeded | Failed), their
 * per-meeting results and their retry schedule, for `meetmig enqueue`,
 * `run`, `status` and `migrate`.
 *
 * A request is identified by what it would do: the identity as given, the
 * input files (made absolute), the output folder and every option.  The
 * same request enqueued twice is one request.  Several processes may use
 * one store at once; a request is claimed by exactly one worker, inside a
 * write transaction.
 *
 * Every SQLite result code becomes a struct mm_diag here: a store that
 * cannot be written (read-only, locked past the busy timeout, disk full) is
 * MM_DIAG_IOERR (74), a file that is not a meetmig store or is corrupt is
 * MM_DIAG_DATA (65), a folder that cannot be made is MM_DIAG_CANTCREAT (73).
 * This module never prints.
 */
#ifndef MM_STORE_H
#define MM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "migrate.h"

/* The schema version this meetmig writes (PRAGMA user_version). */
#define MM_STORE_SCHEMA_VERSION 2
/* PRAGMA application_id of a meetmig store: "MMIG". */
#define MM_STORE_APPLICATION_ID 0x4d4d4947
/* How long a statement waits for another process's lock (milliseconds). */
#define MM_STORE_BUSY_TIMEOUT_MS 15000
/*
 * Seconds after which a request claimed by a worker on another host is
 * taken again (on this host the worker's pid tells whether it is alive).
 */
#define MM_STORE_LEASE 43200
/* Retries of a failed request (after the first attempt), as MMS does. */
#define MM_STORE_MAX_RETRIES 9
/* Seconds between retries: 24 hours spread over 9 retries, 160 minutes. */
#define MM_STORE_RETRY_INTERVAL (24 * 3600 / 9)

enum mm_store_state {
	MM_STORE_PENDING,
	MM_STORE_IN_PROGRESS,
	MM_STORE_SUCCEEDED,
	MM_STORE_FAILED,
};
#define MM_STORE_STATE_COUNT 4

/* "Pending", "InProgress", "Succeeded", "Failed"; static. */
const char *mm_store_state_name(enum mm_store_state state);
/* Parses a state name (case-insensitive); -1 when it is none. */
int mm_store_state_parse(const char *name);

struct mm_store;

/*
 * $XDG_STATE_HOME/meetmig/status.db, XDG_STATE_HOME defaulting to
 * ~/.local/state.  Owned (g_free).
 */
char *mm_store_default_path(void);

/*
 * Opens the store at PATH for reading and writing, creating the file (and
 * its folder) and the schema when it does not exist, and bringing an older
 * schema up to MM_STORE_SCHEMA_VERSION.  Owned: close with
 * mm_store_close().  NULL with diag: 73 (folder or file cannot be made), 74
 * (read-only, locked), 65 (not a meetmig store, corrupt, or a newer schema).
 */
struct mm_store *mm_store_open(const char *path, struct mm_diag *diag);
/*
 * Opens an existing store for reading only (status): the file is neither
 * created nor upgraded, so a read-only file can be read, also in a folder
 * where SQLite cannot make its -shm file (when no -wal file holds changes).
 * NULL with diag: 66 when PATH does not exist, else as mm_store_open().
 */
struct mm_store *mm_store_open_readonly(const char *path, struct mm_diag *diag);
/* Closes STORE; accepts NULL. */
void mm_store_close(struct mm_store *store);
/*
 * How long a statement waits for another process's lock before it fails
 * with MM_DIAG_IOERR (default MM_STORE_BUSY_TIMEOUT_MS).
 */
void mm_store_set_busy_timeout(struct mm_store *store, int milliseconds);
/* The path the store was opened with; borrowed. */
const char *mm_store_path(const struct mm_store *store);

/*
 * Groups the calls up to mm_store_commit() into one transaction (enqueue of
 * a users CSV is all or nothing).  mm_store_rollback() undoes them; it
 * accepts a store with no transaction open.
 */
int mm_store_begin(struct mm_store *store, struct mm_diag *diag);
int mm_store_commit(struct mm_store *store, struct mm_diag *diag);
void mm_store_rollback(struct mm_store *store);

/* One request as the store holds it. */
struct mm_store_request {
	int64_t id;
	char *identity;                 /* owned: as given */
	char **mailboxes;               /* owned, NULL-terminated, absolute paths */
	char *directory;                /* owned or NULL */
	char *coordinates;              /* owned or NULL */
	char *templates;                /* owned or NULL, absolute */
	char *output;                   /* owned: absolute OUT */
	char *language;                 /* owned or NULL */
	char *sender;                   /* owned or NULL */
	unsigned source_types;          /* MM_SOURCE_* */
	enum mm_target_kind target;
	int64_t now;                    /* the request's --now, when now_given */
	bool now_given;
	size_t max_attendees;
	unsigned formats;               /* MM_FORMAT_* */
	bool include_pasted;

	char *correlation_id;           /* owned: a UUID derived from the request */
	char *migration_type;           /* owned: AllToTeams, SfbToTeams, ... */
	char *upn;                      /* owned: UserPrincipalName, or "" */
	char *user_dir;                 /* owned: OUT/<user>, or NULL */
	enum mm_store_state state;
	unsigned retry_count;
	int64_t next_attempt;           /* when a Failed request is retried */
	bool retry_scheduled;           /* false: Failed for good (or not Failed) */
	unsigned total_meeting;
	unsigned succeeded_meeting;
	unsigned failed_meeting;
	unsigned invites_update;
	char *last_message;             /* owned, "" when none */
	int64_t create_date;            /* UTC seconds */
	int64_t modified_date;
};

void mm_store_request_release(struct mm_store_request *request);

/*
 * Fills OUT (every field, on_meeting NULL) from REQUEST for
 * mm_migrate_user(); the strings stay borrowed from REQUEST.  MAILBOXES
 * points into REQUEST too.
 */
void mm_store_request_to_migrate(const struct mm_store_request *request,
    struct mm_migrate_request *out);

/* What mm_store_enqueue() did. */
enum mm_store_enqueued {
	MM_STORE_ADDED,                 /* a new Pending request */
	MM_STORE_REQUEUED,              /* it was Failed: Pending again, RetryCount 0 */
	MM_STORE_ALREADY_QUEUED,        /* it is Pending or InProgress: unchanged */
	MM_STORE_ALREADY_SUCCEEDED,     /* it Succeeded: not queued again */
};

/*
 * Adds REQ (on_meeting, correlation_id, retry_count and plan_only are not
 * kept) as a Pending request created at NOW, or finds the same request
 * (identity + absolute inputs + options).  UPN (may be NULL) is the
 * UserPrincipalName resolved for status until a run knows better; FOLDER
 * (may be NULL) the output folder name of the identity (mm_identity.key),
 * which makes OUT/<user> known before the run, so that requests on one
 * folder are claimed one at a time.
 * Returns an enum mm_store_enqueued with *id (may be NULL) set, or -1 with
 * diag.
 */
int mm_store_enqueue(struct mm_store *store, const struct mm_migrate_request *req,
    const char *upn, const char *folder, int64_t now, int64_t *id,
    struct mm_diag *diag);

/*
 * Returns requests left InProgress by a worker that is gone (its pid is not
 * alive on this host, or its lease ran out on another host) to Pending, as
 * of NOW (ModifiedDate).  The interrupted attempt does not count as a
 * retry: the files it wrote are rewritten whole by the next.  *recovered
 * (may be NULL) gets how many.  Returns 0 or -1 with diag.
 */
int mm_store_recover(struct mm_store *store, int64_t now, unsigned *recovered,
    struct mm_diag *diag);

/* Counts the requests a run at NOW would take: Pending and due retries. */
int mm_store_count_due(struct mm_store *store, int64_t now, unsigned *count,
    struct mm_diag *diag);

/* What mm_store_claim() found. */
enum mm_store_claimed {
	MM_STORE_NOTHING_DUE = 0,
	MM_STORE_CLAIMED = 1,
	/* due requests, each waiting for another one on its folder */
	MM_STORE_FOLDER_BUSY = 2,
};

/*
 * Claims the oldest due request (Pending, or Failed with a retry due at or
 * before NOW) for WORKER (its pid) in one write transaction, so that no two
 * workers, in this process or another, ever claim the same request.  A
 * request whose OUT/<user> another live worker's request is writing
 * (InProgress) is passed over: requests on one folder run one at a time,
 * in order.  A Failed request claimed again counts one more retry.
 * Returns an enum mm_store_claimed (*out filled when CLAIMED: release it),
 * or -1 with diag.
 */
int mm_store_claim(struct mm_store *store, int64_t now, long worker,
    struct mm_store_request *out, struct mm_diag *diag);

/* The retry policy of a run. */
struct mm_store_retry {
	unsigned max_retries;           /* MM_STORE_MAX_RETRIES */
	int64_t interval;               /* seconds, MM_STORE_RETRY_INTERVAL */
};

/*
 * Records the end of an attempt on request ID claimed by WORKER.  STATS is
 * what mm_migrate_prepare() filled; MIGRATION (may be NULL) the published
 * migration; RUN_ERROR (NULL or code NONE when it ran to the end) the diag
 * of a run error.  The request becomes Succeeded, or Failed with a retry
 * due at NOW + interval while RetryCount < max_retries, else Failed for
 * good.  Without a run error, the Meetings of MIGRATION (Uid, RecurrenceId,
 * Result, Reason: those of its status.json) replace the request's, and
 * STATS gives the UserPrincipalName and CorrelationId; meetings that
 * cannot be read leave the earlier ones, and the history says so.  A
 * RUN_ERROR of code MM_DIAG_INTERRUPTED (the run
 * was stopped before it put anything in place) is no attempt: the request
 * is given back, Pending again with its RetryCount.  Returns 0, or -1 with
 * diag (also when the request is no longer claimed by WORKER).
 */
int mm_store_finish(struct mm_store *store, int64_t id, long worker,
    const struct mm_migrate_stats *stats, struct mm_migration *migration,
    const struct mm_diag *run_error, const struct mm_store_retry *retry,
    int64_t now, struct mm_diag *diag);

/*
 * Records a request that ran outside the queue (`meetmig migrate`): finds
 * or adds REQ as mm_store_enqueue() does and sets its end state, counts,
 * LastMessage and Meetings as mm_store_finish() does, at NOW.  No retry is
 * scheduled (enqueue it to have `run` retry it).  When REQ has no
 * correlation_id, the one the run derived (STATS) is kept.  Returns 0 or
 * -1 with diag.
 */
int mm_store_record(struct mm_store *store, const struct mm_migrate_request *req,
    const struct mm_migrate_stats *stats, struct mm_migration *migration,
    const struct mm_diag *run_error, int64_t now, struct mm_diag *diag);

/* Reads request ID into *out (release it).  1, 0 when there is none, or -1. */
int mm_store_get(struct mm_store *store, int64_t id, struct mm_store_request *out,
    struct mm_diag *diag);

/* Which requests status shows.  Zero-initialise, then set what is wanted. */
struct mm_store_filter {
	/* The identity as given or the UPN, compared case-folded; NULL: all. */
	const char *identity;
	int state;                      /* an enum mm_store_state, or -1 for all */
	bool has_start_time;
	int64_t start_time;             /* ModifiedDate >= start_time */
	bool has_end_time;
	int64_t end_time;               /* ModifiedDate <= end_time */
};

/* Initialises FILTER to "every request". */
void mm_store_filter_init(struct mm_store_filter *filter);

/*
 * Calls FN for each request that FILTER admits, in the order they were
 * created; the request is borrowed for the call.  FN returns 0 to go on or
 * -1 (with diag) to stop.  Returns 0 or -1 with diag.
 */
int mm_store_query(struct mm_store *store, const struct mm_store_filter *filter,
    int (*fn)(void *data, const struct mm_store_request *request,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag);

/* Counts the requests FILTER admits, per state (indexed by enum mm_store_state). */
int mm_store_summary(struct mm_store *store, const struct mm_store_filter *filter,
    unsigned counts[MM_STORE_STATE_COUNT], struct mm_diag *diag);

/* One per-meeting result, as copied from status.json. */
struct mm_store_meeting {
	const char *uid;
	const char *recurrence_id;      /* or NULL */
	const char *result;             /* Updated, Skipped, Failed */
	const char *reason;             /* or NULL */
};

/* Calls FN for each meeting result of request ID, in status.json order. */
int mm_store_meetings(struct mm_store *store, int64_t id,
    int (*fn)(void *data, const struct mm_store_meeting *meeting,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag);

/* One entry of a request's state history, oldest first. */
struct mm_store_event {
	enum mm_store_state state;
	int64_t at;
	long worker;                    /* pid, or 0 */
	const char *message;            /* or NULL */
};

int mm_store_history(struct mm_store *store, int64_t id,
    int (*fn)(void *data, const struct mm_store_event *event,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag);

#endif
