/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store: migration requests, their state history, per-meeting results
 * and retry schedule in one SQLite file.  This module owns the schema and
 * every SQL statement, and turns each SQLite result code into a struct
 * mm_diag; it never prints, never exits, and never builds SQL text out of
 * values (every value is bound to a prepared statement).
 *
 * Layout (schema version 2):
 *   request          one row per distinct request; `inputs` is the request
 *                    as JSON (identity, absolute paths, options), and
 *                    `request_key` the SHA-256 of that JSON, which is what
 *                    makes the same request enqueued twice one row;
 *                    `user_dir` its OUT/<user>, indexed (version 2): the
 *                    requests of one folder run in turn, and the one
 *                    enqueued last ends the retries of the others
 *   request_history  every state a request entered, with time, worker, why
 *   meeting_result   Uid, RecurrenceId, Result, Reason of each entry of the
 *                    Meetings of OUT/<user>/status.json after an attempt
 *                    (handed over by the run, not read back from the file)
 *
 * Concurrency: the file is in WAL mode, so readers (status) never block
 * the workers; every change runs in a BEGIN IMMEDIATE transaction, which
 * takes the write lock first and waits up to MM_STORE_BUSY_TIMEOUT_MS for
 * it.  A claim selects and updates the row inside one such transaction, so
 * two workers never get the same request.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "select.h"
#include "store.h"

struct mm_store {
	sqlite3 *db;
	char *path;
	int busy_ms;            /* the busy timeout */
	gint64 busy_since;      /* when the current wait for a lock began */
	bool readonly;
	bool empty;             /* read-only open of a store with no schema yet */
	bool in_txn;            /* mm_store_begin() opened a transaction */
	GHashTable *statements; /* SQL -> idle prepared statement (prepare()) */
};

/*
 * The schema, one script per version step: migrations[i] brings a store at
 * user_version i to i + 1.  A script sets user_version itself, so the step
 * and its version commit together.  application_id 1296910663 is 0x4d4d4947,
 * MM_STORE_APPLICATION_ID ("MMIG"): it is what tells a meetmig store from
 * any other SQLite file.
 */
static const char *const migrations[MM_STORE_SCHEMA_VERSION] = {
	"CREATE TABLE request ("
	"  id INTEGER PRIMARY KEY,"
	"  request_key TEXT NOT NULL UNIQUE,"
	"  identity TEXT NOT NULL,"
	"  inputs TEXT NOT NULL,"
	"  correlation_id TEXT NOT NULL,"
	"  migration_type TEXT NOT NULL,"
	"  upn TEXT NOT NULL DEFAULT '',"
	"  user_dir TEXT,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('Pending', 'InProgress', 'Succeeded', 'Failed')),"
	"  retry_count INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER,"
	"  worker_pid INTEGER,"
	"  worker_host TEXT,"
	"  claimed_at INTEGER,"
	"  total_meeting INTEGER NOT NULL DEFAULT 0,"
	"  succeeded_meeting INTEGER NOT NULL DEFAULT 0,"
	"  failed_meeting INTEGER NOT NULL DEFAULT 0,"
	"  invites_update INTEGER NOT NULL DEFAULT 0,"
	"  last_message TEXT NOT NULL DEFAULT '',"
	"  create_date INTEGER NOT NULL,"
	"  modified_date INTEGER NOT NULL"
	");"
	"CREATE INDEX request_due ON request (state, next_attempt);"
	"CREATE TABLE request_history ("
	"  id INTEGER PRIMARY KEY,"
	"  request_id INTEGER NOT NULL REFERENCES request (id) ON DELETE CASCADE,"
	"  state TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  worker_pid INTEGER,"
	"  message TEXT"
	");"
	"CREATE INDEX request_history_request ON request_history (request_id);"
	"CREATE TABLE meeting_result ("
	"  request_id INTEGER NOT NULL REFERENCES request (id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  uid TEXT NOT NULL,"
	"  recurrence_id TEXT,"
	"  result TEXT NOT NULL,"
	"  reason TEXT,"
	"  PRIMARY KEY (request_id, seq)"
	");"
	"PRAGMA application_id = 1296910663;"
	"PRAGMA user_version = 1;",
	"CREATE INDEX request_folder ON request (user_dir);"
	"PRAGMA user_version = 2;",
};

/*
 * The oldest schema a read-only open (status) reads as it is: version 2
 * only added an index.  An older one must be upgraded by a writer first.
 */
#define READABLE_VERSION 1

static char *absolute_path(const char *path);

/* The columns read_request() reads, in its order. */
#define REQUEST_COLUMNS \
	"id, identity, inputs, correlation_id, migration_type, upn, user_dir," \
	" state, retry_count, next_attempt, total_meeting, succeeded_meeting," \
	" failed_meeting, invites_update, last_message, create_date," \
	" modified_date"

static const char *const state_names[MM_STORE_STATE_COUNT] = {
	[MM_STORE_PENDING] = "Pending",
	[MM_STORE_IN_PROGRESS] = "InProgress",
	[MM_STORE_SUCCEEDED] = "Succeeded",
	[MM_STORE_FAILED] = "Failed",
};

const char *
mm_store_state_name(enum mm_store_state state)
{
	if ((unsigned)state >= MM_STORE_STATE_COUNT)
		return "Unknown";
	return state_names[state];
}

int
mm_store_state_parse(const char *name)
{
	int i;

	for (i = 0; i < MM_STORE_STATE_COUNT; i++)
		if (g_ascii_strcasecmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Turns an SQLite result code into a diag.  The grades follow the exit
 * statuses of DESIGN.md: what cannot be written is 74, what is not a
 * meetmig store is 65.
 */
static int
store_fail(const struct mm_store *store, int rc, const char *doing,
    struct mm_diag *diag)
{
	const char *why = store->db != NULL ? sqlite3_errmsg(store->db) :
	    sqlite3_errstr(rc);

	if (why == NULL || *why == '\0' || strcmp(why, "not an error") == 0)
		why = sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "not a meetmig store: %s (%s)", why, store->path);
	case SQLITE_CORRUPT:
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "store is corrupt: %s: %s (%s)", doing, why, store->path);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return mm_diag_set(diag, MM_DIAG_IOERR,
		    "store is locked by another process: %s: %s (%s, waited %.1f s)",
		    doing, why, store->path, store->busy_ms / 1000.0);
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:   /* the -wal or -shm file beside it cannot be made */
	case SQLITE_PERM:
		return mm_diag_set(diag, MM_DIAG_IOERR,
		    "cannot write store: %s: %s (%s)", doing, why, store->path);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_PROTOCOL:
		return mm_diag_set(diag, MM_DIAG_IOERR, "%s: %s (%s)", doing, why,
		    store->path);
	default:
		break;
	}
	return mm_diag_set(diag, MM_DIAG_INTERNAL, "%s: %s (%s)", doing, why,
	    store->path);
}

static void
finalize_statement(gpointer stmt)
{
	sqlite3_finalize(stmt);
}

/* Finalizes the kept statements: before the connection closes. */
static void
statements_clear(struct mm_store *store)
{
	if (store->statements != NULL)
		g_hash_table_remove_all(store->statements);
}

/*
 * *STMT gets SQL prepared; give it back with done().  Each SQL text is
 * prepared once per connection and kept while idle: a worker of run claims
 * and records requests with the same few statements, and preparing them
 * again each time was a tenth of a small request's CPU time, spent with
 * the store's write lock held.  A statement is either kept or with one
 * caller: the same SQL used twice at once gets a second, unkept one.
 */
static int
prepare(struct mm_store *store, const char *sql, sqlite3_stmt **stmt,
    struct mm_diag *diag)
{
	gpointer key, value;
	int rc;

	if (g_hash_table_steal_extended(store->statements, sql, &key, &value)) {
		g_free(key);
		*stmt = value;
		return 0;
	}
	rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    stmt, NULL);
	if (rc != SQLITE_OK) {
		*stmt = NULL;
		return store_fail(store, rc, "cannot read the store", diag);
	}
	return 0;
}

/* Gives back a statement of prepare(), reset; accepts NULL. */
static void
done(struct mm_store *store, sqlite3_stmt *stmt)
{
	const char *sql;

	if (stmt == NULL)
		return;
	sql = sqlite3_sql(stmt);
	if (sql == NULL || g_hash_table_contains(store->statements, sql)) {
		sqlite3_finalize(stmt);
		return;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	g_hash_table_insert(store->statements, g_strdup(sql), stmt);
}

/* Binds NULL for a NULL string. */
static void
bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(stmt, index);
	else
		sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

/* Runs a statement that returns no row; gives it back. */
static int
run_done(struct mm_store *store, sqlite3_stmt *stmt, const char *doing,
    struct mm_diag *diag)
{
	int rc = sqlite3_step(stmt);

	done(store, stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_fail(store, rc, doing, diag);
	return 0;
}

/*
 * Runs SQL (a statement of prepare()) with ?1 bound to ARG, and reads the
 * first column of its first row into *OUT.  Returns 1, 0 when there is no
 * row (*OUT untouched), or -1 with diag (DOING: "cannot ...").
 */
static int
lookup_int(struct mm_store *store, const char *sql, int64_t arg,
    int64_t *out, const char *doing, struct mm_diag *diag)
{
	sqlite3_stmt *stmt;
	int rc;

	if (prepare(store, sql, &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, arg);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	done(store, stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(store, rc, doing, diag);
	return rc == SQLITE_ROW;
}

/* Runs constant SQL (transaction control, PRAGMAs without values, schema). */
static int
exec_sql(struct mm_store *store, const char *sql, const char *doing,
    struct mm_diag *diag)
{
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_fail(store, rc, doing, diag);
	return 0;
}

/* Reads one integer from a one-row statement such as a PRAGMA. */
static int
query_int(struct mm_store *store, const char *sql, int64_t *out,
    struct mm_diag *diag)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(stmt, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK)
		return store_fail(store, rc, "cannot read the store header", diag);
	return 0;
}

/*
 * Opens a write transaction unless mm_store_begin() already did; *opened
 * says whether txn_close() must end it.
 */
static int
txn_open(struct mm_store *store, bool *opened, struct mm_diag *diag)
{
	*opened = false;
	if (store->in_txn)
		return 0;
	if (exec_sql(store, "BEGIN IMMEDIATE", "cannot start a transaction",
	    diag) < 0)
		return -1;
	*opened = true;
	return 0;
}

/* Commits when RESULT is 0, else rolls back; returns 0 or -1. */
static int
txn_close(struct mm_store *store, bool opened, int result, struct mm_diag *diag)
{
	if (!opened)
		return result;
	if (result < 0) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (exec_sql(store, "COMMIT", "cannot commit to the store", diag) < 0) {
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int
mm_store_begin(struct mm_store *store, struct mm_diag *diag)
{
	if (store->in_txn)
		return mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "a store transaction is already open (%s)", store->path);
	if (exec_sql(store, "BEGIN IMMEDIATE", "cannot start a transaction",
	    diag) < 0)
		return -1;
	store->in_txn = true;
	return 0;
}

int
mm_store_commit(struct mm_store *store, struct mm_diag *diag)
{
	int result;

	if (!store->in_txn)
		return 0;
	store->in_txn = false;
	result = exec_sql(store, "COMMIT", "cannot commit to the store", diag);
	if (result < 0)
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return result;
}

void
mm_store_rollback(struct mm_store *store)
{
	if (store == NULL || !store->in_txn)
		return;
	store->in_txn = false;
	sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
mm_store_default_path(void)
{
	const char *state_home = g_getenv("XDG_STATE_HOME");

	/* The XDG base directory spec: an unset, empty or relative value is ignored. */
	if (state_home != NULL && g_path_is_absolute(state_home))
		return g_build_filename(state_home, "meetmig", "status.db", NULL);
	return g_build_filename(g_get_home_dir(), ".local", "state", "meetmig",
	    "status.db", NULL);
}

/*
 * What SQLite calls when another connection holds the lock: returns 1 to
 * try again, 0 to give up (SQLITE_BUSY) once busy_ms have passed.
 * SQLite's own busy timeout sleeps 1, 2, 5, 10, ... ms between tries, long
 * beside the fraction of a millisecond a worker holds the write lock: with
 * run -j 2 the workers slept through a tenth of the run.  This one tries
 * again after 50 us, doubling up to 2 ms.
 */
static int
busy_wait(void *data, int count)
{
	struct mm_store *store = data;
	gint64 now = g_get_monotonic_time();

	if (count == 0)
		store->busy_since = now;
	if (now - store->busy_since >= (gint64)store->busy_ms * 1000)
		return 0;
	g_usleep(count < 6 ? (gulong)50 << count : 2000);
	return 1;
}

/* Makes SQLite wait for a lock with busy_wait(). */
static void
set_busy_wait(struct mm_store *store)
{
	sqlite3_busy_handler(store->db, busy_wait, store);
}

void
mm_store_set_busy_timeout(struct mm_store *store, int milliseconds)
{
	store->busy_ms = milliseconds;
}

const char *
mm_store_path(const struct mm_store *store)
{
	return store->path;
}

void
mm_store_close(struct mm_store *store)
{
	if (store == NULL)
		return;
	mm_store_rollback(store);
	statements_clear(store);
	g_hash_table_destroy(store->statements);
	sqlite3_close_v2(store->db);
	g_free(store->path);
	g_free(store);
}

/*
 * Reads the header and decides what the file is: 1 a meetmig store (or a
 * fresh, empty database: *fresh), or -1 with diag.  *version gets
 * user_version.
 */
static int
check_header(struct mm_store *store, int64_t *version, bool *fresh,
    struct mm_diag *diag)
{
	int64_t application_id = 0, tables = 0;

	*fresh = false;
	if (query_int(store, "PRAGMA application_id", &application_id, diag) < 0 ||
	    query_int(store, "PRAGMA user_version", version, diag) < 0 ||
	    query_int(store, "SELECT count(*) FROM sqlite_master", &tables,
	    diag) < 0)
		return -1;
	if (application_id == 0 && *version == 0 && tables == 0) {
		*fresh = true;
		return 0;
	}
	if (application_id != MM_STORE_APPLICATION_ID)
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "not a meetmig store: an SQLite database of another program (%s)",
		    store->path);
	if (*version > MM_STORE_SCHEMA_VERSION)
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "store schema version %lld is newer than this meetmig knows (%d): "
		    "upgrade meetmig (%s)", (long long)*version,
		    MM_STORE_SCHEMA_VERSION, store->path);
	return 0;
}

/* Brings the schema to MM_STORE_SCHEMA_VERSION, one step per transaction. */
static int
migrate_schema(struct mm_store *store, struct mm_diag *diag)
{
	int64_t version = 0;
	int result = -1;

	if (exec_sql(store, "BEGIN IMMEDIATE", "cannot upgrade the store", diag) < 0)
		return -1;
	/* Read again under the lock: another process may have done it meanwhile. */
	if (query_int(store, "PRAGMA user_version", &version, diag) < 0)
		goto out;
	while (version < MM_STORE_SCHEMA_VERSION) {
		if (exec_sql(store, migrations[version], "cannot upgrade the store",
		    diag) < 0)
			goto out;
		version++;
	}
	result = 0;
out:
	return txn_close(store, true, result, diag);
}

static struct mm_store *
store_new(const char *path)
{
	struct mm_store *store = g_new0(struct mm_store, 1);

	store->path = g_strdup(path);
	store->busy_ms = MM_STORE_BUSY_TIMEOUT_MS;
	store->statements = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    finalize_statement);
	return store;
}

struct mm_store *
mm_store_open(const char *path, struct mm_diag *diag)
{
	struct mm_store *store = store_new(path);
	char *folder = g_path_get_dirname(path);
	int64_t version = 0;
	bool fresh = false;
	int rc;

	if (g_mkdir_with_parents(folder, 0700) < 0) {
		mm_diag_set(diag, MM_DIAG_CANTCREAT,
		    "cannot create the store's folder: %s (%s)", g_strerror(errno),
		    folder);
		goto fail;
	}
	rc = sqlite3_open_v2(path, &store->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		mm_diag_set(diag, (rc & 0xff) == SQLITE_CANTOPEN ? MM_DIAG_CANTCREAT :
		    MM_DIAG_IOERR, "cannot open store: %s (%s)",
		    store->db != NULL ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc),
		    path);
		goto fail;
	}
	sqlite3_extended_result_codes(store->db, 1);
	set_busy_wait(store);
	/* SQLite opens a write-protected file read-only without a word. */
	if (sqlite3_db_readonly(store->db, "main") == 1) {
		mm_diag_set(diag, MM_DIAG_IOERR,
		    "cannot write store: the file is read-only (%s)", path);
		goto fail;
	}
	if (check_header(store, &version, &fresh, diag) < 0)
		goto fail;
	/*
	 * synchronous=NORMAL: in WAL mode a commit is then synced at
	 * checkpoints, not each time.  A killed process loses nothing (the
	 * WAL is in the file), and a power cut can only take back the last
	 * state changes, never corrupt the store; a request taken back is run
	 * again, which rewrites the same files.  With FULL, `run -j 2` spent
	 * its time waiting on the store's fsyncs, one request at a time.
	 */
	if (exec_sql(store, "PRAGMA journal_mode = WAL",
	    "cannot switch the store to WAL", diag) < 0 ||
	    exec_sql(store, "PRAGMA synchronous = NORMAL",
	    "cannot set the store's synchronous mode", diag) < 0 ||
	    exec_sql(store, "PRAGMA foreign_keys = ON",
	    "cannot enable foreign keys", diag) < 0)
		goto fail;
	if ((fresh || version < MM_STORE_SCHEMA_VERSION) &&
	    migrate_schema(store, diag) < 0)
		goto fail;
	g_free(folder);
	return store;
fail:
	g_free(folder);
	mm_store_close(store);
	return NULL;
}

/* Opens PATH read-only, IMMUTABLE: as a file nobody writes (no -shm). */
static int
open_reader(struct mm_store *store, const char *path, bool immutable,
    struct mm_diag *diag)
{
	char *absolute = NULL, *uri = NULL;
	int rc;

	statements_clear(store);
	sqlite3_close_v2(store->db);
	store->db = NULL;
	if (immutable) {
		absolute = absolute_path(path);
		uri = g_filename_to_uri(absolute, NULL, NULL);
	}
	if (immutable && uri == NULL) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open store: not a file "
		    "name (%s)", path);
		rc = -1;
		goto out;
	}
	if (immutable) {
		char *with_query = g_strconcat(uri, "?immutable=1", NULL);

		rc = sqlite3_open_v2(with_query, &store->db,
		    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		g_free(with_query);
	} else {
		rc = sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READONLY, NULL);
	}
	if (rc != SQLITE_OK) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open store: %s (%s)",
		    store->db != NULL ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc),
		    path);
		rc = -1;
		goto out;
	}
	sqlite3_extended_result_codes(store->db, 1);
	set_busy_wait(store);
out:
	g_free(uri);
	g_free(absolute);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Whether the header read failed only because a WAL store cannot be read
 * without its -shm file, which a read-only folder does not let SQLite make.
 * When no -wal file holds changes beyond the main file (the last writer
 * closed cleanly), the main file is the whole store and can be read as an
 * immutable file.
 */
static bool
wal_unreadable(const struct mm_store *store, const char *path,
    const struct mm_diag *diag)
{
	char *wal = g_strconcat(path, "-wal", NULL);
	GStatBuf st;
	bool clean;

	(void)store;
	clean = g_stat(wal, &st) < 0 || st.st_size == 0;
	g_free(wal);
	return clean && diag != NULL && diag->code == MM_DIAG_IOERR;
}

struct mm_store *
mm_store_open_readonly(const char *path, struct mm_diag *diag)
{
	struct mm_store *store = store_new(path);
	int64_t version = 0;
	bool fresh = false;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		mm_diag_set(diag, MM_DIAG_NOINPUT,
		    "cannot open store: no such file (%s)", path);
		goto fail;
	}
	store->readonly = true;
	if (open_reader(store, path, false, diag) < 0)
		goto fail;
	if (check_header(store, &version, &fresh, diag) < 0) {
		if (!wal_unreadable(store, path, diag) ||
		    open_reader(store, path, true, diag) < 0 ||
		    check_header(store, &version, &fresh, diag) < 0)
			goto fail;
	}
	if (fresh) {
		store->empty = true;
		return store;
	}
	if (version < READABLE_VERSION) {
		mm_diag_set(diag, MM_DIAG_DATA,
		    "store schema version %lld is older than this meetmig's (%d): "
		    "run meetmig enqueue or run once to upgrade it (%s)",
		    (long long)version, MM_STORE_SCHEMA_VERSION, path);
		goto fail;
	}
	return store;
fail:
	mm_store_close(store);
	return NULL;
}

/* --- times ------------------------------------------------------------- */

/* Reads back a time inputs_json() wrote. */
static int
parse_time(const char *text, int64_t *out)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *parsed;

	parsed = g_date_time_new_from_iso8601(text, utc);
	g_time_zone_unref(utc);
	if (parsed == NULL)
		return -1;
	*out = g_date_time_to_unix(parsed);
	g_date_time_unref(parsed);
	return 0;
}

/* ISO 8601 UTC of T, as status.json writes times; owned. */
static char *
format_time(int64_t t)
{
	GDateTime *time_utc = g_date_time_new_from_unix_utc(t);
	char *text;

	if (time_utc == NULL)
		return g_strdup("");
	text = g_date_time_format(time_utc, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(time_utc);
	return text;
}

/* --- requests as JSON ------------------------------------------------ */

/* PATH made absolute against the current folder, with "." and ".." resolved. */
static char *
absolute_path(const char *path)
{
	if (path == NULL)
		return NULL;
#if GLIB_CHECK_VERSION(2, 58, 0)
	return g_canonicalize_filename(path, NULL);
#else
	if (g_path_is_absolute(path))
		return g_strdup(path);
	{
		char *cwd = g_get_current_dir();
		char *joined = g_build_filename(cwd, path, NULL);

		g_free(cwd);
		return joined;
	}
#endif
}

static const char *
source_name(unsigned source_types)
{
	switch (source_types & MM_SOURCE_ALL) {
	case MM_SOURCE_SFB:
		return "sfb";
	case MM_SOURCE_TEAMS:
		return "teams";
	default:
		break;
	}
	return "all";
}

static unsigned
source_parse(const char *name)
{
	if (g_strcmp0(name, "sfb") == 0)
		return MM_SOURCE_SFB;
	if (g_strcmp0(name, "teams") == 0)
		return MM_SOURCE_TEAMS;
	return MM_SOURCE_ALL;
}

static void
add_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value == NULL)
		json_builder_add_null_value(builder);
	else
		json_builder_add_string_value(builder, value);
}

/*
 * The request as JSON, paths made absolute.  The text is canonical (the
 * members always in this order, json-glib's compact form), so its SHA-256
 * identifies the request.  Owned.
 */
static char *
inputs_json(const struct mm_migrate_request *req)
{
	JsonBuilder *builder = json_builder_new();
	JsonGenerator *generator = json_generator_new();
	JsonNode *root;
	char *text, *path, *now_text;
	size_t i;

	json_builder_begin_object(builder);
	add_string(builder, "identity", req->identity != NULL ? req->identity : "");
	json_builder_set_member_name(builder, "mailboxes");
	json_builder_begin_array(builder);
	for (i = 0; req->mailboxes != NULL && req->mailboxes[i] != NULL; i++) {
		path = absolute_path(req->mailboxes[i]);
		json_builder_add_string_value(builder, path);
		g_free(path);
	}
	json_builder_end_array(builder);
	path = absolute_path(req->directory);
	add_string(builder, "directory", path);
	g_free(path);
	path = absolute_path(req->coordinates);
	add_string(builder, "coordinates", path);
	g_free(path);
	/*
	 * Written only when given, so that the keys and CorrelationIds of
	 * requests made before --templates existed stay the same.
	 */
	if (req->templates != NULL) {
		path = absolute_path(req->templates);
		add_string(builder, "templates", path);
		g_free(path);
	}
	path = absolute_path(req->output != NULL ? req->output : "meetmig-out");
	add_string(builder, "output", path);
	g_free(path);
	add_string(builder, "source", source_name(req->source_types));
	add_string(builder, "target", req->target == MM_TARGET_TEAMS ? "teams" :
	    "current");
	now_text = req->now_given ? format_time(req->now) : NULL;
	add_string(builder, "now", now_text);
	g_free(now_text);
	json_builder_set_member_name(builder, "max_attendees");
	json_builder_add_int_value(builder, (gint64)req->max_attendees);
	json_builder_set_member_name(builder, "formats");
	json_builder_begin_array(builder);
	if (req->formats & MM_FORMAT_ICS)
		json_builder_add_string_value(builder, "ics");
	if (req->formats & MM_FORMAT_EML)
		json_builder_add_string_value(builder, "eml");
	if (req->formats & MM_FORMAT_EWS)
		json_builder_add_string_value(builder, "ews");
	json_builder_end_array(builder);
	json_builder_set_member_name(builder, "include_pasted");
	json_builder_add_boolean_value(builder, req->include_pasted);
	add_string(builder, "language", req->language);
	add_string(builder, "sender", req->sender);
	json_builder_end_object(builder);

	root = json_builder_get_root(builder);
	json_generator_set_root(generator, root);
	text = json_generator_to_data(generator, NULL);
	json_node_unref(root);
	g_object_unref(generator);
	g_object_unref(builder);
	return text;
}

/* A member's string, or NULL when it is absent or null. */
static char *
member_dup(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || JSON_NODE_HOLDS_NULL(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return g_strdup(json_node_get_string(node));
}

/* Fills the request fields of OUT from the inputs JSON TEXT. */
static int
inputs_parse(const struct mm_store *store, int64_t id, const char *text,
    struct mm_store_request *out, struct mm_diag *diag)
{
	JsonParser *parser = json_parser_new();
	GError *error = NULL;
	JsonNode *root;
	JsonObject *object;
	JsonArray *array;
	char *now_text;
	unsigned i, n;
	int result = -1;

	if (!json_parser_load_from_data(parser, text, -1, &error)) {
		mm_diag_set(diag, MM_DIAG_DATA,
		    "store is corrupt: request %lld: %s (%s)", (long long)id,
		    error->message, store->path);
		goto out;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		mm_diag_set(diag, MM_DIAG_DATA,
		    "store is corrupt: request %lld: inputs are not an object (%s)",
		    (long long)id, store->path);
		goto out;
	}
	object = json_node_get_object(root);
	array = json_object_has_member(object, "mailboxes") ?
	    json_object_get_array_member(object, "mailboxes") : NULL;
	n = array != NULL ? json_array_get_length(array) : 0;
	out->mailboxes = g_new0(char *, n + 1);
	for (i = 0; i < n; i++)
		out->mailboxes[i] = g_strdup(json_array_get_string_element(array, i));
	out->directory = member_dup(object, "directory");
	out->coordinates = member_dup(object, "coordinates");
	out->templates = member_dup(object, "templates");
	out->output = member_dup(object, "output");
	out->language = member_dup(object, "language");
	out->sender = member_dup(object, "sender");
	{
		char *source = member_dup(object, "source");
		char *target = member_dup(object, "target");

		out->source_types = source_parse(source);
		out->target = g_strcmp0(target, "teams") == 0 ? MM_TARGET_TEAMS :
		    MM_TARGET_CURRENT;
		g_free(source);
		g_free(target);
	}
	now_text = member_dup(object, "now");
	out->now_given = now_text != NULL &&
	    parse_time(now_text, &out->now) == 0;
	g_free(now_text);
	out->max_attendees = json_object_has_member(object, "max_attendees") ?
	    (size_t)json_object_get_int_member(object, "max_attendees") : 250;
	out->formats = 0;
	array = json_object_has_member(object, "formats") ?
	    json_object_get_array_member(object, "formats") : NULL;
	n = array != NULL ? json_array_get_length(array) : 0;
	for (i = 0; i < n; i++) {
		const char *format = json_array_get_string_element(array, i);

		if (g_strcmp0(format, "ics") == 0)
			out->formats |= MM_FORMAT_ICS;
		else if (g_strcmp0(format, "eml") == 0)
			out->formats |= MM_FORMAT_EML;
		else if (g_strcmp0(format, "ews") == 0)
			out->formats |= MM_FORMAT_EWS;
	}
	out->include_pasted = json_object_has_member(object, "include_pasted") &&
	    json_object_get_boolean_member(object, "include_pasted");
	result = 0;
out:
	g_clear_error(&error);
	g_object_unref(parser);
	return result;
}

/*
 * A name-based UUID (the layout of RFC 4122 version 5, over SHA-256 rather
 * than SHA-1) of the request key: the same request has the same
 * CorrelationId in every store, so a run that is killed and resumed writes
 * the same status.json as one that was not.
 */
static char *
correlation_from_key(const char *key)
{
	static const char variant[] = "89ab";

	return g_strdup_printf("%.8s-%.4s-5%.3s-%c%.3s-%.12s", key, key + 8,
	    key + 13, variant[g_ascii_xdigit_value(key[16]) & 3], key + 17,
	    key + 20);
}

void
mm_store_request_release(struct mm_store_request *request)
{
	if (request == NULL)
		return;
	g_free(request->identity);
	g_strfreev(request->mailboxes);
	g_free(request->directory);
	g_free(request->coordinates);
	g_free(request->templates);
	g_free(request->output);
	g_free(request->language);
	g_free(request->sender);
	g_free(request->correlation_id);
	g_free(request->migration_type);
	g_free(request->upn);
	g_free(request->user_dir);
	g_free(request->last_message);
	memset(request, 0, sizeof *request);
}

void
mm_store_request_to_migrate(const struct mm_store_request *request,
    struct mm_migrate_request *out)
{
	memset(out, 0, sizeof *out);
	out->identity = request->identity;
	out->mailboxes = (const char *const *)request->mailboxes;
	out->directory = request->directory;
	out->coordinates = request->coordinates;
	out->templates = request->templates;
	out->source_types = request->source_types;
	out->target = request->target;
	out->output = request->output;
	out->now = request->now;
	out->now_given = request->now_given;
	out->max_attendees = request->max_attendees;
	out->formats = request->formats;
	out->include_pasted = request->include_pasted;
	out->language = request->language;
	out->sender = request->sender;
	out->correlation_id = request->correlation_id;
	out->retry_count = request->retry_count;
}

static char *
column_dup(sqlite3_stmt *stmt, int column)
{
	const unsigned char *text = sqlite3_column_text(stmt, column);

	return text != NULL ? g_strdup((const char *)text) : NULL;
}

/* Reads a row of REQUEST_COLUMNS into OUT. */
static int
read_request(const struct mm_store *store, sqlite3_stmt *stmt,
    struct mm_store_request *out, struct mm_diag *diag)
{
	const char *inputs = (const char *)sqlite3_column_text(stmt, 2);
	char *state;
	int parsed;

	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(stmt, 0);
	out->identity = column_dup(stmt, 1);
	out->correlation_id = column_dup(stmt, 3);
	out->migration_type = column_dup(stmt, 4);
	out->upn = column_dup(stmt, 5);
	out->user_dir = column_dup(stmt, 6);
	state = column_dup(stmt, 7);
	parsed = state != NULL ? mm_store_state_parse(state) : -1;
	g_free(state);
	out->state = parsed >= 0 ? (enum mm_store_state)parsed : MM_STORE_FAILED;
	out->retry_count = (unsigned)sqlite3_column_int64(stmt, 8);
	out->retry_scheduled = sqlite3_column_type(stmt, 9) != SQLITE_NULL;
	out->next_attempt = sqlite3_column_int64(stmt, 9);
	out->total_meeting = (unsigned)sqlite3_column_int64(stmt, 10);
	out->succeeded_meeting = (unsigned)sqlite3_column_int64(stmt, 11);
	out->failed_meeting = (unsigned)sqlite3_column_int64(stmt, 12);
	out->invites_update = (unsigned)sqlite3_column_int64(stmt, 13);
	out->last_message = column_dup(stmt, 14);
	out->create_date = sqlite3_column_int64(stmt, 15);
	out->modified_date = sqlite3_column_int64(stmt, 16);
	if (out->identity == NULL)
		out->identity = g_strdup("");
	if (out->upn == NULL)
		out->upn = g_strdup("");
	if (out->last_message == NULL)
		out->last_message = g_strdup("");
	if (out->correlation_id == NULL)
		out->correlation_id = g_strdup("");
	if (out->migration_type == NULL)
		out->migration_type = g_strdup("");
	if (inputs_parse(store, out->id, inputs != NULL ? inputs : "", out,
	    diag) < 0) {
		mm_store_request_release(out);
		return -1;
	}
	return 0;
}

static int
add_history(struct mm_store *store, int64_t id, enum mm_store_state state,
    int64_t at, long worker, const char *message, struct mm_diag *diag)
{
	sqlite3_stmt *stmt;

	if (prepare(store,
	    "INSERT INTO request_history (request_id, state, at, worker_pid, message)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	bind_text(stmt, 2, mm_store_state_name(state));
	sqlite3_bind_int64(stmt, 3, at);
	if (worker != 0)
		sqlite3_bind_int64(stmt, 4, worker);
	else
		sqlite3_bind_null(stmt, 4);
	bind_text(stmt, 5, message);
	return run_done(store, stmt, "cannot record the state history", diag);
}

/*
 * Finds the request with KEY: 1 with *id and *state, 0 when there is
 * none, -1 with diag.
 */
static int
find_request(struct mm_store *store, const char *key, int64_t *id,
    enum mm_store_state *state, struct mm_diag *diag)
{
	sqlite3_stmt *stmt;
	int rc, found = 0, parsed;

	if (prepare(store, "SELECT id, state FROM request WHERE request_key = ?1",
	    &stmt, diag) < 0)
		return -1;
	bind_text(stmt, 1, key);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(stmt, 0);
		parsed = mm_store_state_parse(
		    (const char *)sqlite3_column_text(stmt, 1));
		*state = parsed >= 0 ? (enum mm_store_state)parsed : MM_STORE_FAILED;
		found = 1;
	} else if (rc != SQLITE_DONE) {
		done(store, stmt);
		return store_fail(store, rc, "cannot look up a request", diag);
	}
	done(store, stmt);
	return found;
}

/* Adds a new request row in STATE; *id gets its id. */
static int
insert_request(struct mm_store *store, const struct mm_migrate_request *req,
    const char *key, const char *inputs, const char *correlation_id,
    const char *upn, const char *user_dir, enum mm_store_state state,
    int64_t now, int64_t *id, struct mm_diag *diag)
{
	sqlite3_stmt *stmt;
	char *derived = NULL;
	int result;

	if (prepare(store,
	    "INSERT INTO request (request_key, identity, inputs, correlation_id,"
	    " migration_type, upn, user_dir, state, create_date, modified_date)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)", &stmt, diag) < 0)
		return -1;
	if (correlation_id == NULL)
		correlation_id = derived = correlation_from_key(key);
	bind_text(stmt, 1, key);
	bind_text(stmt, 2, req->identity != NULL ? req->identity : "");
	bind_text(stmt, 3, inputs);
	bind_text(stmt, 4, correlation_id);
	bind_text(stmt, 5, mm_migrate_type_name(req->source_types, req->target));
	bind_text(stmt, 6, upn != NULL ? upn : "");
	bind_text(stmt, 7, user_dir);
	bind_text(stmt, 8, mm_store_state_name(state));
	sqlite3_bind_int64(stmt, 9, now);
	result = run_done(store, stmt, "cannot add a request", diag);
	g_free(derived);
	if (result == 0)
		*id = sqlite3_last_insert_rowid(store->db);
	return result;
}

/*
 * Ends the retries of the other requests on the folder of request ID, just
 * enqueued: a retry would write its older inputs (the coordinates ID was
 * enqueued to correct, say) over ID's files.  They stay Failed, for good,
 * and their history and LastMessage say why (?2): the history first, while
 * their next_attempt still tells them.  Returns 0 or -1 with diag.
 */
#define OLDER_RETRIES \
	" FROM request WHERE state = 'Failed' AND next_attempt IS NOT NULL" \
	" AND id <> ?1 AND user_dir = (SELECT user_dir FROM request WHERE id = ?1)"

static int
end_older_retries(struct mm_store *store, int64_t id, int64_t now,
    struct mm_diag *diag)
{
	static const char *const steps[] = {
		"INSERT INTO request_history (request_id, state, at, message)"
		" SELECT id, 'Failed', ?3, ?2" OLDER_RETRIES,
		"UPDATE request SET next_attempt = NULL, modified_date = ?3,"
		" last_message = CASE WHEN last_message = '' THEN ?2"
		" ELSE last_message || '; ' || ?2 END"
		" WHERE id IN (SELECT id" OLDER_RETRIES ")",
	};
	char *why = g_strdup_printf("no more retries: request %lld was enqueued "
	    "for the same folder", (long long)id);
	int result = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(steps) && result == 0; i++) {
		sqlite3_stmt *stmt;

		result = prepare(store, steps[i], &stmt, diag);
		if (result < 0)
			break;
		sqlite3_bind_int64(stmt, 1, id);
		bind_text(stmt, 2, why);
		sqlite3_bind_int64(stmt, 3, now);
		result = run_done(store, stmt, "cannot end the retries of older "
		    "requests", diag);
	}
	g_free(why);
	return result;
}

int
mm_store_enqueue(struct mm_store *store, const struct mm_migrate_request *req,
    const char *upn, const char *folder, int64_t now, int64_t *id,
    struct mm_diag *diag)
{
	char *inputs = inputs_json(req);
	char *key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, inputs, -1);
	char *output = absolute_path(req->output);
	/* where mm_migrate_prepare() will write, from the same inputs */
	char *user_dir = folder != NULL && output != NULL ?
	    g_build_filename(output, folder, NULL) : NULL;
	enum mm_store_state state = MM_STORE_PENDING;
	sqlite3_stmt *stmt;
	int64_t request_id = 0;
	bool opened = false;
	int result = -1, found;

	if (txn_open(store, &opened, diag) < 0)
		goto out;
	found = find_request(store, key, &request_id, &state, diag);
	if (found < 0)
		goto done;
	if (found == 0) {
		if (insert_request(store, req, key, inputs, NULL, upn, user_dir,
		    MM_STORE_PENDING, now, &request_id, diag) < 0 ||
		    add_history(store, request_id, MM_STORE_PENDING, now, 0,
		    "enqueued", diag) < 0 ||
		    end_older_retries(store, request_id, now, diag) < 0)
			goto done;
		result = MM_STORE_ADDED;
	} else if (state == MM_STORE_FAILED) {
		/*
		 * Enqueueing a Failed request again is the admin saying "try
		 * again now" (after fixing its cause, say the coordinates), as
		 * Start-CsExMeetingMigration does for a Failed user: it starts
		 * over with a fresh retry budget.
		 */
		if (prepare(store,
		    "UPDATE request SET state = 'Pending', retry_count = 0,"
		    " next_attempt = NULL, last_message = '', modified_date = ?2,"
		    " upn = CASE WHEN ?3 IS NULL OR ?3 = '' THEN upn ELSE ?3 END,"
		    " user_dir = coalesce(?4, user_dir)"
		    " WHERE id = ?1 AND state = 'Failed'", &stmt, diag) < 0)
			goto done;
		sqlite3_bind_int64(stmt, 1, request_id);
		sqlite3_bind_int64(stmt, 2, now);
		bind_text(stmt, 3, upn);
		bind_text(stmt, 4, user_dir);
		if (run_done(store, stmt, "cannot queue a request again", diag) < 0 ||
		    add_history(store, request_id, MM_STORE_PENDING, now, 0,
		    "enqueued again after Failed", diag) < 0 ||
		    end_older_retries(store, request_id, now, diag) < 0)
			goto done;
		result = MM_STORE_REQUEUED;
	} else if (state == MM_STORE_SUCCEEDED) {
		result = MM_STORE_ALREADY_SUCCEEDED;
	} else {
		result = MM_STORE_ALREADY_QUEUED;
	}
done:
	if (txn_close(store, opened, result < 0 ? -1 : 0, diag) < 0)
		result = -1;
out:
	if (result >= 0 && id != NULL)
		*id = request_id;
	g_free(user_dir);
	g_free(output);
	g_free(key);
	g_free(inputs);
	return result;
}

/* --- workers ----------------------------------------------------------- */

static bool
pid_alive(long pid)
{
	char *path, *stat = NULL, *state;
	bool alive;

	if (pid <= 0)
		return false;
	/* EPERM: the process exists but belongs to someone else. */
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return false;
	/*
	 * A worker killed with its run is a zombie until something reaps it,
	 * and kill() still finds a zombie.  Where /proc tells the state (Linux:
	 * "PID (COMM) S ..."), Z and X are dead.
	 */
	path = g_strdup_printf("/proc/%ld/stat", pid);
	alive = true;
	if (g_file_get_contents(path, &stat, NULL, NULL) &&
	    (state = strrchr(stat, ')')) != NULL && state[1] == ' ')
		alive = state[2] != 'Z' && state[2] != 'X';
	g_free(stat);
	g_free(path);
	return alive;
}

/*
 * Whether the worker of an InProgress request is gone: its pid is not
 * alive on this host, or its lease ran out on another (WALL is time(NULL)).
 */
static bool
worker_gone(sqlite3_stmt *stmt, int pid_column, int64_t wall)
{
	long pid = (long)sqlite3_column_int64(stmt, pid_column);
	const char *host = (const char *)sqlite3_column_text(stmt, pid_column + 1);
	int64_t claimed_at = sqlite3_column_int64(stmt, pid_column + 2);

	if (host == NULL || strcmp(host, g_get_host_name()) == 0)
		return !pid_alive(pid);
	return wall - claimed_at > MM_STORE_LEASE;
}

/*
 * Returns request ID, InProgress (claimed by WORKER, or by any worker when
 * 0), to Pending as of NOW, with WHY in its history and as its LastMessage
 * (status then tells why it is Pending again).  The attempt does not
 * count as a retry: the files it wrote are rewritten whole by the next.
 * Returns 1, 0 when ID is not such a request, or -1 with diag.
 */
static int
back_to_pending(struct mm_store *store, int64_t id, long worker,
    const char *why, int64_t now, struct mm_diag *diag)
{
	sqlite3_stmt *stmt;

	if (prepare(store,
	    "UPDATE request SET state = 'Pending', next_attempt = NULL,"
	    " worker_pid = NULL, worker_host = NULL, claimed_at = NULL,"
	    " modified_date = ?2, last_message = ?4 WHERE id = ?1"
	    " AND state = 'InProgress' AND (?3 IS NULL OR worker_pid = ?3)",
	    &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	if (worker != 0)
		sqlite3_bind_int64(stmt, 3, worker);
	bind_text(stmt, 4, why);
	if (run_done(store, stmt, "cannot give a request back", diag) < 0)
		return -1;
	if (sqlite3_changes(store->db) != 1)
		return 0;
	if (add_history(store, id, MM_STORE_PENDING, now, worker, why, diag) < 0)
		return -1;
	return 1;
}

int
mm_store_recover(struct mm_store *store, int64_t now, unsigned *recovered,
    struct mm_diag *diag)
{
	GArray *stale = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int64_t wall = (int64_t)time(NULL);
	sqlite3_stmt *stmt = NULL;
	bool opened = false;
	unsigned count = 0;
	int result = -1, rc;
	guint i;

	if (txn_open(store, &opened, diag) < 0)
		goto out;
	if (prepare(store,
	    "SELECT id, worker_pid, worker_host, claimed_at FROM request"
	    " WHERE state = 'InProgress' ORDER BY id", &stmt, diag) < 0)
		goto done;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);

		if (worker_gone(stmt, 1, wall))
			g_array_append_val(stale, id);
	}
	done(store, stmt);
	stmt = NULL;
	if (rc != SQLITE_DONE) {
		store_fail(store, rc, "cannot look for interrupted requests", diag);
		goto done;
	}
	for (i = 0; i < stale->len; i++) {
		int64_t id = g_array_index(stale, int64_t, i);
		int back = back_to_pending(store, id, 0,
		    "taken back: its worker is gone", now, diag);

		if (back < 0)
			goto done;
		count += (unsigned)back;
	}
	result = 0;
done:
	done(store, stmt);
	result = txn_close(store, opened, result, diag);
out:
	if (result == 0 && recovered != NULL)
		*recovered = count;
	g_array_free(stale, TRUE);
	return result;
}

int
mm_store_count_due(struct mm_store *store, int64_t now, unsigned *count,
    struct mm_diag *diag)
{
	int64_t n = 0;

	*count = 0;
	if (store->empty)
		return 0;
	if (lookup_int(store,
	    "SELECT count(*) FROM request WHERE state = 'Pending' OR"
	    " (state = 'Failed' AND next_attempt IS NOT NULL AND next_attempt <= ?1)",
	    now, &n, "cannot count due requests", diag) < 0)
		return -1;
	*count = (unsigned)n;
	return 0;
}

/* Reads request ID in the current transaction: 1, 0 (none) or -1. */
static int
get_request(struct mm_store *store, int64_t id, struct mm_store_request *out,
    struct mm_diag *diag)
{
	sqlite3_stmt *stmt;
	int rc, result = 0;

	if (prepare(store, "SELECT " REQUEST_COLUMNS " FROM request WHERE id = ?1",
	    &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		result = read_request(store, stmt, out, diag) < 0 ? -1 : 1;
	else if (rc != SQLITE_DONE)
		result = store_fail(store, rc, "cannot read a request", diag);
	done(store, stmt);
	return result;
}

int
mm_store_get(struct mm_store *store, int64_t id, struct mm_store_request *out,
    struct mm_diag *diag)
{
	if (store->empty)
		return 0;
	return get_request(store, id, out, diag);
}

/* One ordered search of due requests: its statement and current id. */
struct due_stream {
	sqlite3_stmt *stmt;
	int64_t id;             /* 0 at the end */
};

/* Steps STREAM to its next id.  Returns 0, or the SQLite error code. */
static int
due_next(struct due_stream *stream)
{
	int rc = sqlite3_step(stream->stmt);

	stream->id = rc == SQLITE_ROW ? sqlite3_column_int64(stream->stmt, 0) : 0;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc;
}

/*
 * Whether a live worker's request writes into the folder of request ID
 * (when the store knows it) now: 1 or 0, -1 with diag.  A claim whose
 * worker is gone holds nothing up; mm_store_recover() takes it back.
 */
static int
folder_busy(struct mm_store *store, int64_t id, int64_t wall,
    struct mm_diag *diag)
{
	sqlite3_stmt *stmt;
	int busy = 0, rc;

	if (prepare(store,
	    "SELECT b.worker_pid, b.worker_host, b.claimed_at"
	    " FROM request r JOIN request b"
	    " ON b.state = 'InProgress' AND b.user_dir = r.user_dir"
	    " WHERE r.id = ?1", &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	while (!busy && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		busy = !worker_gone(stmt, 0, wall);
	done(store, stmt);
	if (!busy && rc != SQLITE_DONE)
		return store_fail(store, rc, "cannot look for due requests", diag);
	return busy;
}

int
mm_store_claim(struct mm_store *store, int64_t now, long worker,
    struct mm_store_request *out, struct mm_diag *diag)
{
	sqlite3_stmt *stmt = NULL;
	struct due_stream streams[2] = { { NULL, 0 }, { NULL, 0 } };
	bool opened = false, due = false, failed = true;
	int64_t id = 0, wall = (int64_t)time(NULL);
	int result = -1, rc = 0;

	if (txn_open(store, &opened, diag) < 0)
		return -1;
	/*
	 * The due requests in order of id, merged from two index searches
	 * that need no sort: the Pending ones (next_attempt is always NULL
	 * for them, which makes the index give them in order of id), and the
	 * retries that are due (few).  One query with an OR sorted every due
	 * request at each claim: quadratic in the batch, a twentieth of a run
	 * over 1,000 small mailboxes.  A request waits while another one
	 * writes into the same OUT/<user> (the same user enqueued twice), so
	 * that the two never mix their files and the later one is written last.
	 */
	if (prepare(store,
	    "SELECT id FROM request WHERE state = 'Pending' AND next_attempt IS NULL"
	    " ORDER BY id", &streams[0].stmt, diag) < 0 ||
	    prepare(store,
	    "SELECT id FROM request WHERE (state = 'Failed' AND next_attempt <= ?1)"
	    " OR (state = 'Pending' AND next_attempt IS NOT NULL) ORDER BY id",
	    &streams[1].stmt, diag) < 0)
		goto searched;
	sqlite3_bind_int64(streams[1].stmt, 1, now);
	for (int k = 0; k < 2 && rc == 0; k++)
		rc = due_next(&streams[k]);
	while (rc == 0 && (streams[0].id != 0 || streams[1].id != 0)) {
		struct due_stream *first = streams[1].id == 0 ||
		    (streams[0].id != 0 && streams[0].id < streams[1].id) ?
		    &streams[0] : &streams[1];
		int busy = folder_busy(store, first->id, wall, diag);

		if (busy < 0)
			goto searched;
		due = true;
		if (!busy) {
			id = first->id;
			break;
		}
		rc = due_next(first);
	}
	if (rc != 0) {
		store_fail(store, rc, "cannot look for due requests", diag);
		goto searched;
	}
	failed = false;
searched:
	for (int k = 0; k < 2; k++)
		done(store, streams[k].stmt);
	if (failed)
		goto done;
	if (id == 0) {
		result = due ? MM_STORE_FOLDER_BUSY : MM_STORE_NOTHING_DUE;
		goto done;
	}
	/*
	 * The state test repeats the SELECT's so that the UPDATE changes
	 * nothing if the row moved on; the write lock BEGIN IMMEDIATE holds
	 * already guarantees it, this keeps it true if the caller's
	 * transaction was a deferred one.
	 */
	if (prepare(store,
	    "UPDATE request SET state = 'InProgress',"
	    " retry_count = retry_count + (state = 'Failed'),"
	    " next_attempt = NULL, worker_pid = ?2, worker_host = ?3,"
	    " claimed_at = ?4, modified_date = ?5"
	    " WHERE id = ?1 AND state IN ('Pending', 'Failed')", &stmt, diag) < 0)
		goto done;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, worker);
	bind_text(stmt, 3, g_get_host_name());
	sqlite3_bind_int64(stmt, 4, wall);
	sqlite3_bind_int64(stmt, 5, now);
	if (run_done(store, stmt, "cannot claim a request", diag) < 0)
		goto done;
	stmt = NULL;
	if (sqlite3_changes(store->db) != 1) {
		result = MM_STORE_NOTHING_DUE;
		goto done;
	}
	if (add_history(store, id, MM_STORE_IN_PROGRESS, now, worker, NULL,
	    diag) < 0)
		goto done;
	rc = get_request(store, id, out, diag);
	if (rc < 0)
		goto done;
	result = rc;
done:
	if (txn_close(store, opened, result < 0 ? -1 : 0, diag) < 0) {
		if (result == 1)
			mm_store_request_release(out);
		result = -1;
	}
	return result;
}

/* --- the end of an attempt -------------------------------------------- */

/* Inserting the meetings of an attempt, one row each. */
struct meeting_rows {
	struct mm_store *store;
	sqlite3_stmt *insert;
	int64_t id;
	int64_t seq;
	bool failed;            /* the store failed (not the meetings' source) */
};

static int
insert_meeting(void *data, const struct mm_report_meeting *meeting,
    struct mm_diag *diag)
{
	struct meeting_rows *rows = data;
	sqlite3_stmt *stmt = rows->insert;
	int rc;

	sqlite3_reset(stmt);
	sqlite3_bind_int64(stmt, 1, rows->id);
	sqlite3_bind_int64(stmt, 2, rows->seq++);
	bind_text(stmt, 3, meeting->uid != NULL ? meeting->uid : "");
	bind_text(stmt, 4, meeting->recurrence_id);
	bind_text(stmt, 5, meeting->result);
	bind_text(stmt, 6, meeting->reason);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		rows->failed = true;
		return store_fail(rows->store, rc, "cannot record meeting results",
		    diag);
	}
	return 0;
}

/*
 * Replaces the meeting results of request ID with the Meetings of
 * MIGRATION, as its status.json has them, straight from the run (reading
 * status.json back cost a fifth of publishing a small request, and a
 * second of a 100,000-meeting one).  When they cannot be read, the earlier
 * results stay (a savepoint) and *LOST (owned) says why.  Returns 0, or -1
 * with diag when the store fails.
 */
static int
store_meetings(struct mm_store *store, int64_t id,
    struct mm_migration *migration, char **lost, struct mm_diag *diag)
{
	struct meeting_rows rows = { store, NULL, id, 0, false };
	struct mm_diag why;
	sqlite3_stmt *stmt;
	int rc;

	*lost = NULL;
	if (exec_sql(store, "SAVEPOINT meetings", "cannot record meeting results",
	    diag) < 0)
		return -1;
	if (prepare(store, "DELETE FROM meeting_result WHERE request_id = ?1",
	    &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	if (run_done(store, stmt, "cannot record meeting results", diag) < 0 ||
	    prepare(store,
	    "INSERT INTO meeting_result (request_id, seq, uid, recurrence_id,"
	    " result, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &rows.insert,
	    diag) < 0)
		return -1;
	mm_diag_init(&why);
	rc = mm_migration_foreach_meeting(migration, insert_meeting, &rows, &why);
	done(store, rows.insert);
	if (rc < 0 && rows.failed) {
		mm_diag_set(diag, why.code, "%s", why.message);
		mm_diag_release(&why);
		return -1;
	}
	if (rc < 0) {
		*lost = g_strdup_printf("meeting results not recorded: %s",
		    why.message);
		mm_diag_release(&why);
		return exec_sql(store, "ROLLBACK TO meetings; RELEASE meetings",
		    "cannot record meeting results", diag);
	}
	mm_diag_release(&why);
	return exec_sql(store, "RELEASE meetings", "cannot record meeting results",
	    diag);
}

static bool
has_run_error(const struct mm_diag *run_error)
{
	return run_error != NULL && run_error->code != MM_DIAG_NONE;
}

/* Whether an attempt with STATS and RUN_ERROR ends the request Failed. */
static bool
attempt_failed(const struct mm_migrate_stats *stats,
    const struct mm_diag *run_error)
{
	return has_run_error(run_error) || stats == NULL ||
	    g_strcmp0(stats->state, "Succeeded") != 0;
}

/*
 * The last Pending request on the folder of request ID other than ID:
 * 1 with *LATER, 0 when there is none, -1 with diag.
 */
static int
later_request(struct mm_store *store, int64_t id, int64_t *later,
    struct mm_diag *diag)
{
	return lookup_int(store,
	    "SELECT o.id FROM request r JOIN request o ON o.user_dir = r.user_dir"
	    " AND o.id <> r.id AND o.state = 'Pending' WHERE r.id = ?1"
	    " ORDER BY o.id DESC LIMIT 1", id, later,
	    "cannot look for later requests", diag);
}

/*
 * Writes the end of an attempt on request ID: the state, counts,
 * LastMessage, UPN and Meetings.  WORKER non-zero: only while the request
 * is InProgress for that worker.  NEXT_ATTEMPT < 0: no retry.  RETRY_COUNT
 * < 0: left as it is.  CORRELATION_ID may be NULL (left as it is).
 */
static int
end_attempt(struct mm_store *store, int64_t id, long worker,
    const struct mm_migrate_stats *stats, struct mm_migration *migration,
    const struct mm_diag *run_error, int64_t next_attempt, long retry_count,
    const char *note, int64_t now, struct mm_diag *diag)
{
	bool failed = attempt_failed(stats, run_error);
	enum mm_store_state state = failed ? MM_STORE_FAILED : MM_STORE_SUCCEEDED;
	const char *message = "";
	char *history = NULL, *noted = NULL;
	sqlite3_stmt *stmt;
	int result = -1;

	if (has_run_error(run_error) && run_error->message != NULL)
		message = run_error->message;
	else if (stats != NULL && stats->last_message != NULL)
		message = stats->last_message;
	else if (failed && stats == NULL)
		message = "the attempt ended without a result";
	if (note != NULL)
		message = noted = g_strdup_printf("%s%s%s", message,
		    *message ? "; " : "", note);
	if (prepare(store,
	    "UPDATE request SET state = ?3, next_attempt = ?4, worker_pid = NULL,"
	    " worker_host = NULL, claimed_at = NULL,"
	    " retry_count = CASE WHEN ?5 IS NULL THEN retry_count ELSE ?5 END,"
	    " total_meeting = ?6, succeeded_meeting = ?7, failed_meeting = ?8,"
	    " invites_update = ?9, last_message = ?10,"
	    " upn = CASE WHEN ?11 IS NULL OR ?11 = '' THEN upn ELSE ?11 END,"
	    " user_dir = CASE WHEN ?12 IS NULL THEN user_dir ELSE ?12 END,"
	    " correlation_id = CASE WHEN ?13 IS NULL THEN correlation_id ELSE ?13 END,"
	    " modified_date = ?14"
	    " WHERE id = ?1"
	    " AND (?2 IS NULL OR (state = 'InProgress' AND worker_pid = ?2))",
	    &stmt, diag) < 0)
		goto out;
	sqlite3_bind_int64(stmt, 1, id);
	if (worker != 0)
		sqlite3_bind_int64(stmt, 2, worker);
	if (failed && next_attempt >= 0)
		sqlite3_bind_int64(stmt, 4, next_attempt);
	if (retry_count >= 0)
		sqlite3_bind_int64(stmt, 5, retry_count);
	sqlite3_bind_int64(stmt, 6, stats != NULL ? stats->selected : 0);
	sqlite3_bind_int64(stmt, 7, stats != NULL ? stats->succeeded : 0);
	sqlite3_bind_int64(stmt, 8, stats != NULL ? stats->failed : 0);
	sqlite3_bind_int64(stmt, 9, stats != NULL ? stats->invites : 0);
	bind_text(stmt, 3, mm_store_state_name(state));
	bind_text(stmt, 10, message);
	bind_text(stmt, 11, stats != NULL ? stats->upn : NULL);
	bind_text(stmt, 12, stats != NULL ? stats->user_dir : NULL);
	bind_text(stmt, 13, stats != NULL ? stats->correlation_id : NULL);
	sqlite3_bind_int64(stmt, 14, now);
	if (run_done(store, stmt, "cannot record the end of a request", diag) < 0)
		goto out;
	if (sqlite3_changes(store->db) != 1) {
		mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "request %lld is no longer claimed by worker %ld (%s)",
		    (long long)id, worker, store->path);
		goto out;
	}
	/*
	 * The Meetings are those of the status.json the attempt published:
	 * after a run error nothing was, so the results of the last attempt
	 * that wrote one stay.
	 */
	if (!has_run_error(run_error) && migration != NULL) {
		char *lost;

		if (store_meetings(store, id, migration, &lost, diag) < 0)
			goto out;
		if (lost != NULL)
			history = g_strdup_printf("%s%s%s", message,
			    *message ? "; " : "", lost);
		g_free(lost);
	}
	if (add_history(store, id, state, now, worker,
	    history != NULL ? history : (*message ? message : NULL), diag) < 0)
		goto out;
	result = 0;
out:
	g_free(noted);
	g_free(history);
	return result;
}

int
mm_store_finish(struct mm_store *store, int64_t id, long worker,
    const struct mm_migrate_stats *stats, struct mm_migration *migration,
    const struct mm_diag *run_error, const struct mm_store_retry *retry,
    int64_t now, struct mm_diag *diag)
{
	struct mm_store_retry fallback = { MM_STORE_MAX_RETRIES,
		MM_STORE_RETRY_INTERVAL };
	int64_t next_attempt = -1, retry_count = 0, later = 0;
	char *why = NULL;       /* a note for LastMessage, or NULL */
	bool opened = false;
	int result = -1, rc;

	if (retry == NULL)
		retry = &fallback;
	if (run_error != NULL && run_error->code == MM_DIAG_INTERRUPTED) {
		why = g_strdup_printf("given back: %s", run_error->message);
		if (txn_open(store, &opened, diag) == 0) {
			rc = back_to_pending(store, id, worker, why, now, diag);
			if (rc == 0)
				mm_diag_set(diag, MM_DIAG_INTERNAL, "request %lld is no "
				    "longer claimed by worker %ld (%s)", (long long)id,
				    worker, store->path);
			result = txn_close(store, opened, rc == 1 ? 0 : -1, diag);
		}
		g_free(why);
		return result;
	}
	if (txn_open(store, &opened, diag) < 0)
		return -1;
	rc = lookup_int(store, "SELECT retry_count FROM request WHERE id = ?1",
	    id, &retry_count, "cannot read a request", diag);
	if (rc < 0)
		goto done;
	if (rc == 0) {
		mm_diag_set(diag, MM_DIAG_INTERNAL, "no request %lld in the store (%s)",
		    (long long)id, store->path);
		goto done;
	}
	if (retry_count < (int64_t)retry->max_retries &&
	    attempt_failed(stats, run_error)) {
		/*
		 * A request enqueued for the same folder while this one ran
		 * comes next: a retry of this one would write over its files.
		 */
		rc = later_request(store, id, &later, diag);
		if (rc < 0)
			goto done;
		if (rc == 0)
			next_attempt = now + retry->interval;
		else
			why = g_strdup_printf("no retry: request %lld was "
			    "enqueued for the same folder", (long long)later);
	}
	result = end_attempt(store, id, worker, stats, migration, run_error,
	    next_attempt, -1, why, now, diag);
done:
	g_free(why);
	return txn_close(store, opened, result, diag);
}

int
mm_store_record(struct mm_store *store, const struct mm_migrate_request *req,
    const struct mm_migrate_stats *stats, struct mm_migration *migration,
    const struct mm_diag *run_error, int64_t now, struct mm_diag *diag)
{
	char *inputs = inputs_json(req);
	char *key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, inputs, -1);
	enum mm_store_state state;
	const char *correlation_id = req->correlation_id != NULL ?
	    req->correlation_id : stats != NULL ? stats->correlation_id : NULL;
	bool opened = false;
	int64_t id = 0;
	int result = -1, found;

	if (txn_open(store, &opened, diag) < 0)
		goto out;
	found = find_request(store, key, &id, &state, diag);
	if (found < 0)
		goto done;
	if (found == 0) {
		if (insert_request(store, req, key, inputs, correlation_id,
		    stats != NULL ? stats->upn : NULL, NULL, MM_STORE_IN_PROGRESS,
		    now, &id, diag) < 0 ||
		    add_history(store, id, MM_STORE_IN_PROGRESS, now, 0,
		    "meetmig migrate", diag) < 0)
			goto done;
	}
	result = end_attempt(store, id, 0, stats, migration, run_error, -1,
	    (long)req->retry_count, NULL, now, diag);
done:
	result = txn_close(store, opened, result, diag);
out:
	g_free(key);
	g_free(inputs);
	return result;
}

/* --- reading ----------------------------------------------------------- */

void
mm_store_filter_init(struct mm_store_filter *filter)
{
	memset(filter, 0, sizeof *filter);
	filter->state = -1;
}

static bool
identity_admitted(const char *folded, const struct mm_store_request *request)
{
	char *identity, *upn;
	bool admitted;

	if (folded == NULL)
		return true;
	identity = g_utf8_casefold(request->identity, -1);
	upn = g_utf8_casefold(request->upn, -1);
	admitted = strcmp(folded, identity) == 0 || strcmp(folded, upn) == 0;
	g_free(identity);
	g_free(upn);
	return admitted;
}

int
mm_store_query(struct mm_store *store, const struct mm_store_filter *filter,
    int (*fn)(void *data, const struct mm_store_request *request,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag)
{
	struct mm_store_filter all;
	struct mm_store_request request;
	sqlite3_stmt *stmt;
	char *folded = NULL;
	int result = -1, rc;

	if (filter == NULL) {
		mm_store_filter_init(&all);
		filter = &all;
	}
	if (store->empty)
		return 0;
	if (prepare(store,
	    "SELECT " REQUEST_COLUMNS " FROM request"
	    " WHERE (?1 IS NULL OR state = ?1)"
	    " AND (?2 IS NULL OR modified_date >= ?2)"
	    " AND (?3 IS NULL OR modified_date <= ?3)"
	    " ORDER BY create_date, id", &stmt, diag) < 0)
		return -1;
	if (filter->state >= 0)
		bind_text(stmt, 1, mm_store_state_name(
		    (enum mm_store_state)filter->state));
	if (filter->has_start_time)
		sqlite3_bind_int64(stmt, 2, filter->start_time);
	if (filter->has_end_time)
		sqlite3_bind_int64(stmt, 3, filter->end_time);
	if (filter->identity != NULL)
		folded = g_utf8_casefold(filter->identity, -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int stop;

		if (read_request(store, stmt, &request, diag) < 0)
			goto out;
		stop = identity_admitted(folded, &request) ?
		    fn(data, &request, diag) : 0;
		mm_store_request_release(&request);
		if (stop < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(store, rc, "cannot read requests", diag);
		goto out;
	}
	result = 0;
out:
	g_free(folded);
	done(store, stmt);
	return result;
}

static int
count_state(void *data, const struct mm_store_request *request,
    struct mm_diag *diag)
{
	unsigned *counts = data;

	(void)diag;
	if ((unsigned)request->state < MM_STORE_STATE_COUNT)
		counts[request->state]++;
	return 0;
}

int
mm_store_summary(struct mm_store *store, const struct mm_store_filter *filter,
    unsigned counts[MM_STORE_STATE_COUNT], struct mm_diag *diag)
{
	memset(counts, 0, sizeof(unsigned) * MM_STORE_STATE_COUNT);
	return mm_store_query(store, filter, count_state, counts, diag);
}

int
mm_store_meetings(struct mm_store *store, int64_t id,
    int (*fn)(void *data, const struct mm_store_meeting *meeting,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag)
{
	struct mm_store_meeting meeting;
	sqlite3_stmt *stmt;
	int result = -1, rc;

	if (store->empty)
		return 0;
	if (prepare(store,
	    "SELECT uid, recurrence_id, result, reason FROM meeting_result"
	    " WHERE request_id = ?1 ORDER BY seq", &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		meeting.uid = (const char *)sqlite3_column_text(stmt, 0);
		meeting.recurrence_id = (const char *)sqlite3_column_text(stmt, 1);
		meeting.result = (const char *)sqlite3_column_text(stmt, 2);
		meeting.reason = (const char *)sqlite3_column_text(stmt, 3);
		if (fn(data, &meeting, diag) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(store, rc, "cannot read meeting results", diag);
		goto out;
	}
	result = 0;
out:
	done(store, stmt);
	return result;
}

int
mm_store_history(struct mm_store *store, int64_t id,
    int (*fn)(void *data, const struct mm_store_event *event,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag)
{
	struct mm_store_event event;
	sqlite3_stmt *stmt;
	int result = -1, rc, parsed;

	if (store->empty)
		return 0;
	if (prepare(store,
	    "SELECT state, at, worker_pid, message FROM request_history"
	    " WHERE request_id = ?1 ORDER BY id", &stmt, diag) < 0)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		parsed = mm_store_state_parse(
		    (const char *)sqlite3_column_text(stmt, 0));
		event.state = parsed >= 0 ? (enum mm_store_state)parsed :
		    MM_STORE_FAILED;
		event.at = sqlite3_column_int64(stmt, 1);
		event.worker = (long)sqlite3_column_int64(stmt, 2);
		event.message = (const char *)sqlite3_column_text(stmt, 3);
		if (fn(data, &event, diag) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(store, rc, "cannot read the state history", diag);
		goto out;
	}
	result = 0;
out:
	done(store, stmt);
	return result;
}

