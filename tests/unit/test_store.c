/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store: schema creation and upgrade from version 0, files that are not
 * a store (garbage, another program's database, a newer schema, corrupt
 * pages, read-only, locked), enqueue de-duplication, claim atomicity across
 * connections and processes, retry scheduling against a given now,
 * recovery of requests whose worker is gone, status filters, and the copy
 * of an attempt's Meetings, equal to those of the status.json it published.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "select.h"
#include "store.h"
#include "meetings.h"
#include "tap.h"

#define T0 ((int64_t)1795251600)        /* 2026-11-21T09:00:00Z */

static char *tmpdir;
static char *srcdir;

static char *
tmp_path(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

/* Reads one integer with a plain SQLite connection, behind the store's back. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t value = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

static char *
raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	char *value = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		value = g_strdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) == SQLITE_OK)
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

/* A request for IDENTITY with one mailbox and default options. */
struct req_buf {
	struct mm_migrate_request req;
	const char *mailboxes[3];
};

static void
req_init(struct req_buf *b, const char *identity, const char *mailbox)
{
	memset(b, 0, sizeof *b);
	b->mailboxes[0] = mailbox;
	b->req.identity = identity;
	b->req.mailboxes = b->mailboxes;
	b->req.output = "/srv/out";
	b->req.source_types = MM_SOURCE_ALL;
	b->req.target = MM_TARGET_TEAMS;
	b->req.max_attendees = 250;
	b->req.formats = MM_FORMAT_ICS | MM_FORMAT_EML;
}

static int64_t
enqueue(struct mm_store *store, const char *identity, int64_t now)
{
	struct req_buf b;
	int64_t id = 0;
	char *mailbox = g_strdup_printf("/srv/in/%s.ics", identity);

	req_init(&b, identity, mailbox);
	if (mm_store_enqueue(store, &b.req, NULL, NULL, now, &id, NULL) < 0)
		id = -1;
	g_free(mailbox);
	return id;
}

/*
 * N requests for PREFIX000@contoso.com, PREFIX001@contoso.com, ...; their
 * ids into IDS (may be NULL).
 */
static void
enqueue_users(struct mm_store *store, const char *prefix, int n, int64_t *ids)
{
	for (int i = 0; i < n; i++) {
		char *identity = g_strdup_printf("%s%03d@contoso.com", prefix, i);
		int64_t id = enqueue(store, identity, T0);

		if (ids != NULL)
			ids[i] = id;
		g_free(identity);
	}
}

/* A pid that surely is no process any more: a child that has exited. */
static pid_t
exited_pid(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	return pid;
}

/* Ends the attempt of worker WORKER on ID as Succeeded or Failed. */
static int
finish(struct mm_store *store, int64_t id, long worker, bool ok,
    const struct mm_store_retry *retry, int64_t now)
{
	struct mm_migrate_stats stats = { 0 };
	struct mm_diag diag;
	int result;

	mm_diag_init(&diag);
	stats.selected = 3;
	stats.succeeded = ok ? 3 : 2;
	stats.failed = ok ? 0 : 1;
	stats.state = g_strdup(ok ? "Succeeded" : "Failed");
	result = mm_store_finish(store, id, worker, &stats, NULL, NULL, retry, now,
	    &diag);
	mm_migrate_stats_release(&stats);
	if (result < 0)
		printf("# finish: %s\n", diag.message);
	mm_diag_release(&diag);
	return result;
}

/* --- schema ------------------------------------------------------------ */

static void
test_schema(void)
{
	struct {
		const char *name;
		const char *setup_sql;  /* run on the file before the store opens it */
		bool zero_length;
	} cases[] = {
		{ "new file", NULL, false },
		{ "zero-length file", NULL, true },
		{ "empty database at user_version 0", "PRAGMA page_size = 4096; VACUUM;",
		  false },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *name = g_strdup_printf("schema-%zu/sub/status.db", i);
		char *path = tmp_path(name);
		struct mm_diag diag;
		struct mm_store *store;
		char *mode;

		mm_diag_init(&diag);
		if (cases[i].zero_length || cases[i].setup_sql != NULL) {
			char *folder = g_path_get_dirname(path);

			g_mkdir_with_parents(folder, 0700);
			g_file_set_contents(path, "", 0, NULL);
			g_free(folder);
		}
		if (cases[i].setup_sql != NULL)
			raw_exec(path, cases[i].setup_sql);
		store = mm_store_open(path, &diag);
		tap_ok(store != NULL, "schema: %s opens (%s)", cases[i].name,
		    diag.message ? diag.message : "ok");
		mm_store_close(store);
		tap_ok(raw_int(path, "PRAGMA user_version") == MM_STORE_SCHEMA_VERSION,
		    "schema: %s is at version %d", cases[i].name,
		    MM_STORE_SCHEMA_VERSION);
		tap_ok(raw_int(path, "PRAGMA application_id") == MM_STORE_APPLICATION_ID,
		    "schema: %s has the meetmig application_id", cases[i].name);
		mode = raw_text(path, "PRAGMA journal_mode");
		tap_str(mode, "wal", "schema: journal_mode is WAL");
		g_free(mode);
		tap_ok(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
		    " ('request', 'request_history', 'meeting_result')") == 3,
		    "schema: %s has its three tables", cases[i].name);
		/* A second open finds the schema there and changes nothing. */
		store = mm_store_open(path, &diag);
		tap_ok(store != NULL, "schema: %s opens again", cases[i].name);
		mm_store_close(store);
		mm_diag_release(&diag);
		g_free(path);
		g_free(name);
	}
	/* A store of version 1 gains the index of request folders. */
	{
		char *path = tmp_path("schema-v1.db");
		struct mm_store *store = mm_store_open(path, NULL);
		struct mm_store_request got = { 0 };
		int64_t id;

		id = enqueue(store, "v1@contoso.com", T0);
		mm_store_close(store);
		raw_exec(path, "DROP INDEX request_folder; PRAGMA user_version = 1;");
		store = mm_store_open_readonly(path, NULL);
		tap_ok(store != NULL && mm_store_get(store, id, &got, NULL) == 1 &&
		    raw_int(path, "PRAGMA user_version") == 1,
		    "schema: status reads a version 1 store as it is");
		mm_store_request_release(&got);
		memset(&got, 0, sizeof got);
		mm_store_close(store);
		store = mm_store_open(path, NULL);
		tap_ok(store != NULL && raw_int(path, "PRAGMA user_version") == 2 &&
		    raw_int(path, "SELECT count(*) FROM sqlite_master WHERE"
		    " name = 'request_folder'") == 1 &&
		    mm_store_claim(store, T0, 1, &got, NULL) == MM_STORE_CLAIMED &&
		    got.id == id,
		    "schema: version 1 is brought to 2, its requests kept");
		mm_store_request_release(&got);
		mm_store_close(store);
		g_free(path);
	}
}

/* --- files that are not a usable store -------------------------------- */

enum setup {
	SETUP_GARBAGE,
	SETUP_OTHER_DATABASE,
	SETUP_NEWER_SCHEMA,
	SETUP_FOLDER_IS_A_FILE,
	SETUP_MISSING_READONLY,
	SETUP_READONLY_FILE,
};

static void
test_bad_files(void)
{
	struct {
		const char *name;
		enum setup setup;
		bool readonly_open;
		enum mm_diag_code code;
		const char *message;    /* a part of the message */
	} cases[] = {
		{ "text file", SETUP_GARBAGE, false, MM_DIAG_DATA,
		  "not a meetmig store: file is not a database" },
		{ "text file, read-only open", SETUP_GARBAGE, true, MM_DIAG_DATA,
		  "not a meetmig store" },
		{ "another program's database", SETUP_OTHER_DATABASE, false,
		  MM_DIAG_DATA, "not a meetmig store: an SQLite database of another" },
		{ "a newer schema", SETUP_NEWER_SCHEMA, false, MM_DIAG_DATA,
		  "store schema version 99 is newer" },
		{ "folder is a file", SETUP_FOLDER_IS_A_FILE, false,
		  MM_DIAG_CANTCREAT, "cannot create the store's folder" },
		{ "missing, read-only open", SETUP_MISSING_READONLY, true,
		  MM_DIAG_NOINPUT, "cannot open store: no such file" },
		{ "read-only file", SETUP_READONLY_FILE, false, MM_DIAG_IOERR,
		  "cannot write store" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *name = g_strdup_printf("bad-%zu.db", i);
		char *path = tmp_path(name);
		struct mm_diag diag;
		struct mm_store *store;
		char *folder = NULL;
		bool skip = false;

		mm_diag_init(&diag);
		switch (cases[i].setup) {
		case SETUP_GARBAGE:
			g_file_set_contents(path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
			    "this is a calendar, not a database, and it is long enough "
			    "for SQLite to read a whole header from it.....\r\n"
			    "END:VCALENDAR\r\n", -1, NULL);
			break;
		case SETUP_OTHER_DATABASE:
			raw_exec(path, "CREATE TABLE moz_places (id INTEGER);");
			break;
		case SETUP_NEWER_SCHEMA:
			raw_exec(path, "PRAGMA application_id = 1296910663;"
			    " PRAGMA user_version = 99; CREATE TABLE future (x);");
			break;
		case SETUP_FOLDER_IS_A_FILE: {
			char *file = tmp_path("plain-file");

			g_file_set_contents(file, "x", -1, NULL);
			g_free(path);
			path = g_build_filename(file, "meetmig", "status.db", NULL);
			g_free(file);
			break;
		}
		case SETUP_MISSING_READONLY:
			break;
		case SETUP_READONLY_FILE:
			/*
			 * Root writes through a 0444 mode; a file of a read-only
			 * file system stands in for it then.
			 */
			if (geteuid() == 0) {
				g_free(path);
				path = g_strdup("/proc/version");
				skip = !g_file_test(path, G_FILE_TEST_EXISTS);
			} else {
				store = mm_store_open(path, NULL);
				mm_store_close(store);
				g_chmod(path, 0444);
			}
			break;
		}
		if (skip) {
			tap_ok(1, "# SKIP %s: no read-only file to try", cases[i].name);
			tap_ok(1, "# SKIP %s", cases[i].name);
			goto next;
		}
		store = cases[i].readonly_open ? mm_store_open_readonly(path, &diag) :
		    mm_store_open(path, &diag);
		tap_ok(store == NULL && diag.code == cases[i].code,
		    "open %s fails with code %d (got %d)", cases[i].name,
		    (int)cases[i].code, (int)diag.code);
		folder = g_path_get_dirname(path);
		tap_ok(diag.message != NULL &&
		    strstr(diag.message, cases[i].message) != NULL &&
		    strstr(diag.message, folder) != NULL,
		    "open %s says '%s' and names the file", cases[i].name,
		    cases[i].message);
		if (diag.message != NULL)
			printf("# %s\n", diag.message);
		mm_store_close(store);
next:
		g_free(folder);
		mm_diag_release(&diag);
		g_free(path);
		g_free(name);
	}
}

/* Pages overwritten in the middle: the header reads, the data does not. */
static void
test_corrupt_pages(void)
{
	char *path = tmp_path("corrupt.db");
	struct mm_store *store = mm_store_open(path, NULL);
	struct mm_diag diag;
	unsigned counts[MM_STORE_STATE_COUNT];
	char junk[4096];
	int fd;

	mm_diag_init(&diag);
	enqueue_users(store, "user", 300, NULL);
	mm_store_close(store);
	/* Fold the WAL into the file so the damage is not read around. */
	raw_exec(path, "PRAGMA wal_checkpoint(TRUNCATE);");
	memset(junk, 0x5a, sizeof junk);
	fd = open(path, O_WRONLY);
	for (int page = 2; page < 12; page++)
		if (pwrite(fd, junk, sizeof junk, (off_t)page * 4096) < 0)
			break;
	close(fd);
	store = mm_store_open(path, &diag);
	if (store != NULL && mm_store_summary(store, NULL, counts, &diag) == 0)
		mm_diag_set(&diag, MM_DIAG_NONE, "read a corrupt store");
	tap_ok(diag.code == MM_DIAG_DATA, "corrupt pages give code %d (got %d)",
	    MM_DIAG_DATA, (int)diag.code);
	tap_ok(diag.message != NULL && strstr(diag.message, "corrupt") != NULL &&
	    strstr(diag.message, path) != NULL,
	    "corrupt pages: the message says corrupt and names the file");
	if (diag.message != NULL)
		printf("# %s\n", diag.message);
	mm_store_close(store);
	mm_diag_release(&diag);
	g_free(path);
}

/* Another connection holds the write lock past the busy timeout. */
static void
test_locked(void)
{
	char *path = tmp_path("locked.db");
	struct mm_store *store = mm_store_open(path, NULL);
	struct mm_diag diag;
	sqlite3 *other = NULL;
	int64_t id;

	mm_diag_init(&diag);
	sqlite3_open(path, &other);
	sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	mm_store_set_busy_timeout(store, 100);
	id = enqueue(store, "locked@contoso.com", T0);
	{
		struct req_buf b;

		req_init(&b, "locked@contoso.com", "/srv/in/x.ics");
		mm_store_enqueue(store, &b.req, NULL, NULL, T0, NULL, &diag);
	}
	tap_ok(id == -1 && diag.code == MM_DIAG_IOERR,
	    "locked store: enqueue fails with code %d (got %d)", MM_DIAG_IOERR,
	    (int)diag.code);
	tap_ok(diag.message != NULL && strstr(diag.message, "locked") != NULL,
	    "locked store: the message says locked");
	if (diag.message != NULL)
		printf("# %s\n", diag.message);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	tap_ok(enqueue(store, "locked@contoso.com", T0) > 0,
	    "locked store: enqueue works once the lock is gone");
	mm_store_close(store);
	mm_diag_release(&diag);
	g_free(path);
}

/* --- enqueue ------------------------------------------------------------ */

static void
test_enqueue(void)
{
	char *path = tmp_path("enqueue.db");
	struct mm_store *store = mm_store_open(path, NULL);
	struct mm_store_request got;
	struct req_buf b;
	int64_t first = 0, id = 0;
	char *cwd = g_get_current_dir();
	char *absolute = g_build_filename(cwd, "in", "ashaw.ics", NULL);
	struct {
		const char *name;
		const char *mailbox;
		unsigned source_types;
		bool now_given;
		const char *before;     /* SQL run first, behind the store's back */
		int want;
		bool same;              /* the same request as the first */
	} cases[] = {
		{ "new request", "in/ashaw.ics", MM_SOURCE_ALL, false, NULL,
		  MM_STORE_ADDED, true },
		{ "the same again", "in/ashaw.ics", MM_SOURCE_ALL, false, NULL,
		  MM_STORE_ALREADY_QUEUED, true },
		{ "the same by absolute path", absolute, MM_SOURCE_ALL, false, NULL,
		  MM_STORE_ALREADY_QUEUED, true },
		{ "the same through ./ and ..", "./in/../in/ashaw.ics", MM_SOURCE_ALL,
		  false, NULL, MM_STORE_ALREADY_QUEUED, true },
		{ "another option", "in/ashaw.ics", MM_SOURCE_SFB, false, NULL,
		  MM_STORE_ADDED, false },
		{ "another --now", "in/ashaw.ics", MM_SOURCE_ALL, true, NULL,
		  MM_STORE_ADDED, false },
		{ "while InProgress", "in/ashaw.ics", MM_SOURCE_ALL, false,
		  "UPDATE request SET state = 'InProgress' WHERE id = 1",
		  MM_STORE_ALREADY_QUEUED, true },
		{ "after it Succeeded", "in/ashaw.ics", MM_SOURCE_ALL, false,
		  "UPDATE request SET state = 'Succeeded' WHERE id = 1",
		  MM_STORE_ALREADY_SUCCEEDED, true },
		{ "after it Failed for good", "in/ashaw.ics", MM_SOURCE_ALL, false,
		  "UPDATE request SET state = 'Failed', retry_count = 9,"
		  " last_message = 'cannot open mailbox' WHERE id = 1",
		  MM_STORE_REQUEUED, true },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int result;

		if (cases[i].before != NULL)
			raw_exec(path, cases[i].before);
		req_init(&b, "ashaw@contoso.com", cases[i].mailbox);
		b.req.source_types = cases[i].source_types;
		b.req.now_given = cases[i].now_given;
		b.req.now = T0;
		result = mm_store_enqueue(store, &b.req, "ashaw@contoso.com", NULL, T0 + 20,
		    &id, NULL);
		if (i == 0)
			first = id;
		tap_ok(result == cases[i].want, "enqueue %s: result %d (got %d)",
		    cases[i].name, cases[i].want, result);
		tap_ok((id == first) == cases[i].same, "enqueue %s: %s request",
		    cases[i].name, cases[i].same ? "the same" : "a new");
	}
	/* The requeued request starts over. */
	tap_ok(mm_store_get(store, first, &got, NULL) == 1 &&
	    got.state == MM_STORE_PENDING && got.retry_count == 0 &&
	    *got.last_message == '\0', "requeued: Pending, RetryCount 0");
	tap_str(got.mailboxes != NULL ? got.mailboxes[0] : NULL, absolute,
	    "the store keeps the mailbox path absolute");
	tap_ok(strlen(got.correlation_id) == 36 && got.correlation_id[14] == '5',
	    "CorrelationId is a version 5 layout UUID (%s)", got.correlation_id);
	tap_str(got.migration_type, "AllToTeams", "MigrationType from the options");
	mm_store_request_release(&got);
	/* Same identity, inputs and options in another store: same CorrelationId. */
	{
		char *other_path = tmp_path("enqueue-other.db");
		struct mm_store *other = mm_store_open(other_path, NULL);
		struct mm_store_request again;
		int64_t other_id = 0;

		req_init(&b, "ashaw@contoso.com", "in/ashaw.ics");
		mm_store_enqueue(other, &b.req, NULL, NULL, T0 + 999, &other_id, NULL);
		mm_store_get(store, first, &got, NULL);
		mm_store_get(other, other_id, &again, NULL);
		tap_str(again.correlation_id, got.correlation_id,
		    "the CorrelationId is the same in another store");
		mm_store_request_release(&again);
		mm_store_request_release(&got);
		mm_store_close(other);
		g_free(other_path);
	}
	/* A users CSV is all or nothing: a rolled back batch leaves nothing. */
	{
		unsigned counts[MM_STORE_STATE_COUNT], before, after;

		mm_store_summary(store, NULL, counts, NULL);
		before = counts[0] + counts[1] + counts[2] + counts[3];
		mm_store_begin(store, NULL);
		enqueue(store, "batch1@contoso.com", T0);
		enqueue(store, "batch2@contoso.com", T0);
		mm_store_rollback(store);
		mm_store_summary(store, NULL, counts, NULL);
		after = counts[0] + counts[1] + counts[2] + counts[3];
		tap_ok(before == after, "a rolled back batch adds nothing (%u, %u)",
		    before, after);
	}
	mm_store_close(store);
	g_free(absolute);
	g_free(cwd);
	g_free(path);
}

/* --- claim ------------------------------------------------------------- */

static void
test_claim_two_connections(void)
{
	char *path = tmp_path("claim.db");
	struct mm_store *a = mm_store_open(path, NULL);
	struct mm_store *b = mm_store_open(path, NULL);
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	struct mm_store_request got;
	unsigned claims = 0, duplicates = 0, in_progress = 0;
	unsigned counts[MM_STORE_STATE_COUNT];
	int ra = 1, rb = 1;

	enqueue_users(a, "u", 20, NULL);
	while (ra == 1 || rb == 1) {
		ra = mm_store_claim(a, T0, 1000001, &got, NULL);
		if (ra == 1) {
			claims++;
			if (!g_hash_table_add(seen, GSIZE_TO_POINTER((gsize)got.id)))
				duplicates++;
			mm_store_request_release(&got);
		}
		rb = mm_store_claim(b, T0, 1000002, &got, NULL);
		if (rb == 1) {
			claims++;
			if (!g_hash_table_add(seen, GSIZE_TO_POINTER((gsize)got.id)))
				duplicates++;
			mm_store_request_release(&got);
		}
	}
	mm_store_summary(a, NULL, counts, NULL);
	in_progress = counts[MM_STORE_IN_PROGRESS];
	tap_ok(claims == 20 && duplicates == 0,
	    "two connections claim 20 requests, none twice (%u claims, %u twice)",
	    claims, duplicates);
	tap_ok(in_progress == 20 && counts[MM_STORE_PENDING] == 0,
	    "every claimed request is InProgress (%u)", in_progress);
	tap_ok(ra == 0 && rb == 0, "claim returns 0 when nothing is due");
	g_hash_table_destroy(seen);
	mm_store_close(a);
	mm_store_close(b);
	g_free(path);
}

/* Worker processes claim as fast as they can; each id must come once. */
static void
test_claim_processes(void)
{
	enum { REQUESTS = 120, WORKERS = 3 };
	char *path = tmp_path("claim-fork.db");
	struct mm_store *store = mm_store_open(path, NULL);
	int fds[2];
	pid_t pids[WORKERS];
	unsigned seen[REQUESTS + 1] = { 0 };
	unsigned total = 0, twice = 0, failed_workers = 0;
	int64_t id;

	enqueue_users(store, "p", REQUESTS, NULL);
	mm_store_close(store);
	if (pipe(fds) < 0) {
		tap_ok(0, "pipe");
		g_free(path);
		return;
	}
	fflush(stdout);
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			struct mm_store *mine;
			struct mm_store_request got;
			int r;

			close(fds[0]);
			mine = mm_store_open(path, NULL);
			if (mine == NULL)
				_exit(2);
			g_free(tmpdir);
			g_free(srcdir);
			while ((r = mm_store_claim(mine, T0, (long)getpid(), &got,
			    NULL)) == 1) {
				if (write(fds[1], &got.id, sizeof got.id) < 0)
					_exit(3);
				mm_store_request_release(&got);
			}
			mm_store_close(mine);
			g_free(path);
			_exit(r == 0 ? 0 : 4);
		}
	}
	close(fds[1]);
	while (read(fds[0], &id, sizeof id) == (ssize_t)sizeof id) {
		total++;
		if (id >= 1 && id <= REQUESTS && seen[id]++ > 0)
			twice++;
	}
	close(fds[0]);
	for (int w = 0; w < WORKERS; w++) {
		int status = 0;

		waitpid(pids[w], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed_workers++;
	}
	tap_ok(failed_workers == 0, "%d worker processes end well", WORKERS);
	tap_ok(total == REQUESTS && twice == 0,
	    "%d processes claim %d requests, none twice (%u claims, %u twice)",
	    WORKERS, REQUESTS, total, twice);
	g_free(path);
}

/* A request for IDENTITY from MAILBOX into OUT/<FOLDER>. */
static int64_t
enqueue_into(struct mm_store *store, const char *identity, const char *folder,
    const char *mailbox)
{
	struct req_buf b;
	int64_t id = 0;

	req_init(&b, identity, mailbox);
	if (mm_store_enqueue(store, &b.req, NULL, folder, T0, &id, NULL) < 0)
		id = -1;
	return id;
}

/* Claims for WORKER: the id claimed, 0 when nothing is due, -1 when busy. */
static int64_t
claim_id(struct mm_store *store, long worker)
{
	struct mm_store_request got;
	int r = mm_store_claim(store, T0, worker, &got, NULL);
	int64_t id;

	if (r != MM_STORE_CLAIMED)
		return r == MM_STORE_FOLDER_BUSY ? -1 : 0;
	id = got.id;
	mm_store_request_release(&got);
	return id;
}

/* Requests on one folder are claimed one at a time, in order. */
static void
test_claim_folder(void)
{
	char *path = tmp_path("claim-folder.db");
	struct mm_store *store = mm_store_open(path, NULL);
	long me = (long)getpid();
	struct mm_store_request got;
	int64_t a1, a2, b1, a3, first, second;
	pid_t dead;

	a1 = enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/1.ics");
	a2 = enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/2.ics");
	b1 = enqueue_into(store, "jpatel@contoso.com", "jpatel", "/srv/in/3.ics");
	mm_store_get(store, a1, &got, NULL);
	tap_str(got.user_dir, "/srv/out/ashaw",
	    "enqueue records OUT/<user> before the run");
	mm_store_request_release(&got);
	first = claim_id(store, me);
	second = claim_id(store, me + 1);
	tap_ok(first == a1 && second == b1,
	    "the second request of a folder waits; the next folder's is claimed"
	    " (%lld, %lld)", (long long)first, (long long)second);
	tap_ok(claim_id(store, me) == -1,
	    "only requests waiting for a folder: FOLDER_BUSY, not nothing due");
	tap_ok(finish(store, a1, me, true, NULL, T0 + 1) == 0 &&
	    claim_id(store, me + 1) == a2,
	    "once the first is recorded, the second is claimed");
	tap_ok(claim_id(store, me) == 0, "then nothing is due");

	/* A claim whose worker is gone holds nothing up. */
	a3 = enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/4.ics");
	finish(store, a2, me + 1, true, NULL, T0 + 2);
	dead = exited_pid();
	enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/5.ics");
	tap_ok(claim_id(store, (long)dead) == a3 &&
	    claim_id(store, me) == a3 + 1,
	    "a request whose folder a dead worker claimed is not held up");
	mm_store_close(store);
	g_free(path);
}

/*
 * Claims go by id across the Pending requests and the due retries, which
 * the store finds with two searches; a Pending row with a next_attempt
 * (no code writes one) is still found.
 */
static void
test_claim_order(void)
{
	char *path = tmp_path("claim-order.db");
	struct mm_store *store = mm_store_open(path, NULL);
	long me = (long)getpid();
	int64_t ids[5], got[5];
	char *sql;

	enqueue_users(store, "order", 5, ids);
	mm_store_close(store);
	/* 0 a due retry, 1 Pending, 2 a retry not yet due, 3 odd, 4 Pending */
	sql = g_strdup_printf(
	    "UPDATE request SET state = 'Failed', next_attempt = %lld"
	    " WHERE id = %lld;"
	    "UPDATE request SET state = 'Failed', next_attempt = %lld"
	    " WHERE id = %lld;"
	    "UPDATE request SET next_attempt = 5 WHERE id = %lld;",
	    (long long)(T0 - 1), (long long)ids[0], (long long)(T0 + 60),
	    (long long)ids[2], (long long)ids[3]);
	raw_exec(path, sql);
	g_free(sql);
	store = mm_store_open(path, NULL);
	for (int i = 0; i < 5; i++)
		got[i] = claim_id(store, me);
	tap_ok(got[0] == ids[0] && got[1] == ids[1] && got[2] == ids[3] &&
	    got[3] == ids[4] && got[4] == 0,
	    "claims by id: the due retry, Pending, odd Pending, Pending, then"
	    " nothing (%lld %lld %lld %lld %lld)", (long long)got[0],
	    (long long)got[1], (long long)got[2], (long long)got[3],
	    (long long)got[4]);
	mm_store_close(store);
	g_free(path);
}

/*
 * The request enqueued last for a folder wins: it ends the retries of an
 * older Failed one (which would write the old inputs over its files), and
 * an attempt that fails while a later request for its folder waits gets
 * no retry.
 */
static void
test_supersede(void)
{
	char *path = tmp_path("supersede.db");
	struct mm_store *store = mm_store_open(path, NULL);
	long me = (long)getpid();
	struct mm_store_request got;
	int64_t a1, a2, a3, claimed;
	char *want, *sql, *last;

	a1 = enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/1.ics");
	claimed = claim_id(store, me);
	finish(store, a1, me, false, NULL, T0 + 10);
	mm_store_get(store, a1, &got, NULL);
	tap_ok(claimed == a1 && got.state == MM_STORE_FAILED && got.retry_scheduled,
	    "supersede: the first request Failed, a retry due");
	mm_store_request_release(&got);

	a2 = enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/2.ics");
	mm_store_get(store, a1, &got, NULL);
	want = g_strdup_printf("no more retries: request %lld was enqueued for "
	    "the same folder", (long long)a2);
	tap_ok(got.state == MM_STORE_FAILED && !got.retry_scheduled,
	    "supersede: a request enqueued for the folder ends its retries");
	tap_ok(g_str_has_suffix(got.last_message, want),
	    "supersede: its LastMessage says why (%s)", got.last_message);
	mm_store_request_release(&got);
	sql = g_strdup_printf("SELECT state || ': ' || message FROM"
	    " request_history WHERE request_id = %lld ORDER BY id DESC LIMIT 1",
	    (long long)a1);
	last = raw_text(path, sql);
	tap_ok(g_str_has_prefix(last, "Failed: ") && g_str_has_suffix(last, want),
	    "supersede: so does its history (%s)", last);
	g_free(last);
	g_free(sql);
	g_free(want);
	claimed = claim_id(store, me);
	tap_ok(claimed == a2 && mm_store_claim(store, T0 + 2 * 86400, me + 1,
	    &got, NULL) == MM_STORE_NOTHING_DUE,
	    "supersede: only the later request is claimed, even two days later");

	/* a3 is enqueued while a2 runs; a2 fails: no retry */
	a3 = enqueue_into(store, "ashaw@contoso.com", "ashaw", "/srv/in/3.ics");
	finish(store, a2, me, false, NULL, T0 + 20);
	mm_store_get(store, a2, &got, NULL);
	want = g_strdup_printf("no retry: request %lld was enqueued for the same "
	    "folder", (long long)a3);
	tap_ok(got.state == MM_STORE_FAILED && !got.retry_scheduled &&
	    g_str_has_suffix(got.last_message, want),
	    "supersede: a failure while a later request waits gets no retry (%s)",
	    got.last_message);
	mm_store_request_release(&got);
	g_free(want);
	tap_ok(claim_id(store, me) == a3, "supersede: then the later one runs");
	mm_store_close(store);
	g_free(path);
}

/* --- retries ----------------------------------------------------------- */

static void
test_retry(void)
{
	struct {
		const char *name;
		unsigned max_retries;
		int64_t interval;
		unsigned failures_before_success;   /* 0: it never succeeds */
		enum mm_store_state final;
		unsigned final_retry_count;
	} cases[] = {
		{ "fails always, 9 retries of 160 min", 9, 9600, 0,
		  MM_STORE_FAILED, 9 },
		{ "fails twice then succeeds", 9, 9600, 2, MM_STORE_SUCCEEDED, 2 },
		{ "no retries", 0, 9600, 0, MM_STORE_FAILED, 0 },
		{ "interval 0: due at once", 3, 0, 0, MM_STORE_FAILED, 3 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *name = g_strdup_printf("retry-%zu.db", i);
		char *path = tmp_path(name);
		struct mm_store *store = mm_store_open(path, NULL);
		struct mm_store_retry retry = { cases[i].max_retries,
			cases[i].interval };
		struct mm_store_request got;
		int64_t now = T0, id = enqueue(store, "retry@contoso.com", T0);
		unsigned attempts = 0, early = 0, late = 0, count = 0;
		bool spacing_ok = true;

		for (;;) {
			int r = mm_store_claim(store, now, 4242, &got, NULL);
			bool ok;

			if (r != 1)
				break;
			if (got.retry_count != attempts)
				spacing_ok = false;
			attempts++;
			mm_store_request_release(&got);
			ok = cases[i].failures_before_success != 0 &&
			    attempts > cases[i].failures_before_success;
			finish(store, id, 4242, ok, &retry, now);
			mm_store_get(store, id, &got, NULL);
			if (got.state == MM_STORE_FAILED && got.retry_scheduled) {
				if (got.next_attempt != now + cases[i].interval)
					spacing_ok = false;
				/* One second early: not due. */
				if (cases[i].interval > 0) {
					mm_store_count_due(store, got.next_attempt - 1, &count,
					    NULL);
					if (count != 0 || mm_store_claim(store,
					    got.next_attempt - 1, 4242, &got, NULL) != 0)
						early++;
				}
				now = got.next_attempt;
				mm_store_count_due(store, now, &count, NULL);
				if (count != 1)
					late++;
			}
			mm_store_request_release(&got);
			if (attempts > 20)
				break;
		}
		mm_store_get(store, id, &got, NULL);
		tap_ok(got.state == cases[i].final &&
		    got.retry_count == cases[i].final_retry_count,
		    "retry %s: ends %s with RetryCount %u (got %s, %u)",
		    cases[i].name, mm_store_state_name(cases[i].final),
		    cases[i].final_retry_count, mm_store_state_name(got.state),
		    got.retry_count);
		tap_ok(spacing_ok && early == 0 && late == 0,
		    "retry %s: each retry is due exactly interval after the failure",
		    cases[i].name);
		tap_ok(!got.retry_scheduled && mm_store_claim(store, now + 86400 * 30,
		    4242, &got, NULL) == 0, "retry %s: nothing is due at the end",
		    cases[i].name);
		mm_store_request_release(&got);
		mm_store_close(store);
		g_free(path);
		g_free(name);
	}
}

/* --- recovery ---------------------------------------------------------- */

static void
test_recover(void)
{
	char *path = tmp_path("recover.db");
	struct mm_store *store = mm_store_open(path, NULL);
	struct mm_store_request got;
	unsigned recovered = 99;
	int rc;
	siginfo_t info;
	pid_t dead, zombie;
	int64_t alive_id = 0, dead_id = 0, zombie_id = 0;
	int status;

	enqueue(store, "alive@contoso.com", T0);
	enqueue(store, "dead@contoso.com", T0);
	enqueue(store, "zombie@contoso.com", T0);
	dead = exited_pid();
	/* A worker killed with its run stays a zombie until it is reaped. */
	zombie = fork();
	if (zombie == 0) {
		g_free(path);
		_exit(0);
	}
	waitid(P_PID, (id_t)zombie, &info, WEXITED | WNOWAIT);
	if (mm_store_claim(store, T0, (long)getpid(), &got, NULL) == 1) {
		alive_id = got.id;
		mm_store_request_release(&got);
	}
	if (mm_store_claim(store, T0, (long)dead, &got, NULL) == 1) {
		dead_id = got.id;
		mm_store_request_release(&got);
	}
	if (mm_store_claim(store, T0, (long)zombie, &got, NULL) == 1) {
		zombie_id = got.id;
		mm_store_request_release(&got);
	}
	rc = mm_store_recover(store, T0 + 5, &recovered, NULL);
	tap_ok(rc == 0 && recovered == 2,
	    "recover takes back two requests (got %u)", recovered);
	mm_store_get(store, zombie_id, &got, NULL);
	tap_ok(got.state == MM_STORE_PENDING,
	    "a zombie worker's request is Pending again");
	mm_store_request_release(&got);
	waitpid(zombie, &status, 0);
	mm_store_get(store, dead_id, &got, NULL);
	tap_ok(got.state == MM_STORE_PENDING && got.retry_count == 0 &&
	    got.modified_date == T0 + 5,
	    "the dead worker's request is Pending again, no retry counted");
	tap_str(got.last_message, "taken back: its worker is gone",
	    "its LastMessage says why it is Pending again");
	mm_store_request_release(&got);
	mm_store_get(store, alive_id, &got, NULL);
	tap_ok(got.state == MM_STORE_IN_PROGRESS,
	    "the live worker's request stays InProgress");
	mm_store_request_release(&got);
	tap_ok(finish(store, dead_id, (long)dead, true, NULL, T0 + 6) < 0,
	    "the dead worker can no longer finish the request");
	tap_ok(finish(store, alive_id, (long)getpid(), true, NULL, T0 + 6) == 0,
	    "the live worker finishes its request");
	mm_store_close(store);
	g_free(path);
}

/* --- an attempt's meetings, migrate records, history --------------------- */

static int
collect_event(void *data, const struct mm_store_event *e, struct mm_diag *diag)
{
	GString *text = data;

	(void)diag;
	g_string_append_printf(text, "%s ", mm_store_state_name(e->state));
	return 0;
}

/* Each meeting as meeting_line() writes it. */
static int
collect_row(void *data, const struct mm_store_meeting *m, struct mm_diag *diag)
{
	(void)diag;
	meeting_line(data, m->uid, m->recurrence_id, m->result, m->reason);
	return 0;
}

/*
 * The Meetings of DIR/status.json as status_meeting_lines() writes them,
 * and its CorrelationId and UserPrincipalName; false when it cannot be
 * read.
 */
static bool
status_rows(const char *dir, GString *rows, char **correlation_id, char **upn)
{
	char *path = g_build_filename(dir, "status.json", NULL);
	JsonParser *parser = json_parser_new();
	bool ok = json_parser_load_from_file(parser, path, NULL);

	if (ok) {
		JsonObject *root = json_node_get_object(json_parser_get_root(parser));

		*correlation_id = g_strdup(member_text(root, "CorrelationId"));
		*upn = g_strdup(member_text(root, "UserPrincipalName"));
		status_meeting_lines(root, rows);
	}
	g_object_unref(parser);
	g_free(path);
	return ok;
}

/*
 * The results of an attempt come from the run, not from reading its
 * status.json back: a real migration of the contoso fixture (a series,
 * exceptions, meetings skipped and failed for several reasons), recorded
 * as meetmig migrate does, has in the store exactly the Meetings, the
 * CorrelationId and the UserPrincipalName of the status.json it published.
 */
static void
test_meetings(void)
{
	char *path = tmp_path("meetings.db");
	char *out = tmp_path("meetings-out");
	char *mailbox = g_build_filename(srcdir, "fixtures", "contoso-ashaw.ics",
	    NULL);
	char *coordinates = g_build_filename(srcdir, "fixtures", "coordinates.ini",
	    NULL);
	struct mm_store *store = mm_store_open(path, NULL);
	struct mm_migrate_stats stats = { 0 };
	struct mm_migration *migration = NULL;
	struct mm_store_request got;
	struct mm_diag run_error, diag;
	struct req_buf b;
	GString *rows = g_string_new(NULL), *expected = g_string_new(NULL);
	char *correlation_id = NULL, *upn = NULL;
	int64_t id = 0;
	int ran;

	mm_diag_init(&run_error);
	mm_diag_init(&diag);
	req_init(&b, "ashaw@contoso.com", mailbox);
	b.req.coordinates = coordinates;
	b.req.output = out;
	b.req.now = T0;
	b.req.now_given = true;
	ran = mm_migrate_prepare(&b.req, &stats, &migration, &diag);
	if (ran == 0)
		ran = mm_migrate_publish(migration, &diag);
	tap_ok(ran == 0 && status_rows(stats.user_dir, expected, &correlation_id,
	    &upn) && strstr(expected->str, "|Skipped|") != NULL &&
	    strstr(expected->str, "|Updated|") != NULL,
	    "a migration of the contoso fixture (%s)",
	    diag.message ? diag.message : "ok");
	tap_ok(mm_store_record(store, &b.req, &stats, migration, NULL, T0,
	    &diag) == 0, "record it as migrate does (%s)",
	    diag.message ? diag.message : "ok");
	mm_migration_free(migration);
	mm_store_enqueue(store, &b.req, NULL, NULL, T0, &id, NULL);
	mm_store_get(store, id, &got, NULL);
	tap_str(got.correlation_id, correlation_id,
	    "the store has status.json's CorrelationId");
	tap_str(got.upn, upn, "the store has status.json's UserPrincipalName");
	mm_store_request_release(&got);
	mm_store_meetings(store, id, collect_row, rows, NULL);
	tap_str(rows->str, expected->str, "the store has status.json's Meetings");

	/* A run error keeps the Meetings of the last attempt that had some. */
	mm_store_claim(store, T0 + 100, 777, &got, NULL);
	mm_store_request_release(&got);
	mm_diag_set(&run_error, MM_DIAG_NOINPUT,
	    "cannot open mailbox: No such file (/srv/in/ashaw.ics)");
	mm_store_finish(store, id, 777, NULL, NULL, &run_error, NULL, T0 + 200,
	    &diag);
	mm_store_get(store, id, &got, NULL);
	tap_ok(got.state == MM_STORE_FAILED && got.retry_scheduled &&
	    got.next_attempt == T0 + 200 + MM_STORE_RETRY_INTERVAL,
	    "a run error fails the request and schedules a retry in 160 min");
	tap_str(got.last_message, run_error.message,
	    "LastMessage is the run error");
	mm_store_request_release(&got);
	g_string_truncate(rows, 0);
	mm_store_meetings(store, id, collect_row, rows, NULL);
	tap_str(rows->str, expected->str, "a run error leaves the earlier Meetings");
	g_string_truncate(rows, 0);
	mm_store_history(store, id, collect_event, rows, NULL);
	tap_str(rows->str, "InProgress Failed Pending InProgress Failed ",
	    "the state history has every step");

	g_string_free(rows, TRUE);
	g_string_free(expected, TRUE);
	g_free(correlation_id);
	g_free(upn);
	mm_migrate_stats_release(&stats);
	mm_diag_release(&run_error);
	mm_diag_release(&diag);
	mm_store_close(store);
	g_free(coordinates);
	g_free(mailbox);
	g_free(out);
	g_free(path);
}

/* --- status filters ---------------------------------------------------- */

static int
collect_identity(void *data, const struct mm_store_request *r,
    struct mm_diag *diag)
{
	GString *text = data;

	(void)diag;
	g_string_append_printf(text, "%s%s", text->len ? " " : "", r->identity);
	return 0;
}

/* A query run from the callback of the same query. */
struct nested {
	struct mm_store *store;
	const char *want;
	unsigned outer, ok;
};

static int
nested_query(void *data, const struct mm_store_request *r, struct mm_diag *diag)
{
	struct nested *n = data;
	GString *text = g_string_new(NULL);

	(void)r;
	n->outer++;
	if (mm_store_query(n->store, NULL, collect_identity, text, diag) == 0 &&
	    strcmp(text->str, n->want) == 0)
		n->ok++;
	g_string_free(text, TRUE);
	return 0;
}

static void
test_filters(void)
{
	char *path = tmp_path("filters.db");
	struct mm_store *store = mm_store_open(path, NULL);
	struct mm_store_request got;
	struct mm_store_retry retry = { 9, 9600 };
	unsigned counts[MM_STORE_STATE_COUNT];
	struct {
		const char *name;
		const char *identity;
		int state;
		int64_t start, end;     /* 0: none */
		const char *want;
	} cases[] = {
		{ "all", NULL, -1, 0, 0, "a@contoso.com b@contoso.com Åsa@contoso.com d@contoso.com" },
		{ "identity", "b@contoso.com", -1, 0, 0, "b@contoso.com" },
		{ "identity in other case", "B@CONTOSO.COM", -1, 0, 0, "b@contoso.com" },
		{ "identity, non-ASCII case", "åSA@CONTOSO.COM", -1, 0, 0, "Åsa@contoso.com" },
		{ "state Pending", NULL, MM_STORE_PENDING, 0, 0, "d@contoso.com" },
		{ "state Succeeded", NULL, MM_STORE_SUCCEEDED, 0, 0, "a@contoso.com" },
		{ "state Failed", NULL, MM_STORE_FAILED, 0, 0, "b@contoso.com" },
		{ "state InProgress", NULL, MM_STORE_IN_PROGRESS, 0, 0, "Åsa@contoso.com" },
		{ "start time", NULL, -1, T0 + 150, 0, "b@contoso.com Åsa@contoso.com d@contoso.com" },
		{ "end time", NULL, -1, 0, T0 + 150, "a@contoso.com" },
		{ "start and end", NULL, -1, T0 + 150, T0 + 250, "b@contoso.com Åsa@contoso.com" },
		{ "identity and state that disagree", "a@contoso.com", MM_STORE_FAILED, 0, 0, "" },
	};

	enqueue(store, "a@contoso.com", T0);
	enqueue(store, "b@contoso.com", T0 + 1);
	enqueue(store, "Åsa@contoso.com", T0 + 2);
	mm_store_claim(store, T0 + 100, 55, &got, NULL);
	finish(store, got.id, 55, true, &retry, T0 + 100);
	mm_store_request_release(&got);
	mm_store_claim(store, T0 + 200, 55, &got, NULL);
	finish(store, got.id, 55, false, &retry, T0 + 200);
	mm_store_request_release(&got);
	mm_store_claim(store, T0 + 250, (long)getpid(), &got, NULL);
	mm_store_request_release(&got);
	enqueue(store, "d@contoso.com", T0 + 300);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_store_filter filter;
		GString *text = g_string_new(NULL);

		mm_store_filter_init(&filter);
		filter.identity = cases[i].identity;
		filter.state = cases[i].state;
		filter.has_start_time = cases[i].start != 0;
		filter.start_time = cases[i].start;
		filter.has_end_time = cases[i].end != 0;
		filter.end_time = cases[i].end;
		mm_store_query(store, &filter, collect_identity, text, NULL);
		tap_str(text->str, cases[i].want, cases[i].name);
		g_string_free(text, TRUE);
	}
	mm_store_summary(store, NULL, counts, NULL);
	tap_ok(counts[MM_STORE_PENDING] == 1 && counts[MM_STORE_IN_PROGRESS] == 1 &&
	    counts[MM_STORE_SUCCEEDED] == 1 && counts[MM_STORE_FAILED] == 1,
	    "summary counts one request per state");
	/* A read-only open reads the same. */
	{
		struct mm_store *reader = mm_store_open_readonly(path, NULL);
		GString *text = g_string_new(NULL);

		if (reader != NULL)
			mm_store_query(reader, NULL, collect_identity, text, NULL);
		tap_str(text->str, cases[0].want, "a read-only open sees every request");
		g_string_free(text, TRUE);
		mm_store_close(reader);
	}
	/*
	 * A statement is kept for the next use of its SQL: a query inside the
	 * same query's callback gets its own, twice in a row.
	 */
	for (int round = 1; round <= 2; round++) {
		struct nested n = { store, cases[0].want, 0, 0 };
		int rc = mm_store_query(store, NULL, nested_query, &n, NULL);

		tap_ok(rc == 0 && n.outer == 4 && n.ok == 4,
		    "a query inside the same query's callback, round %d: %u of %u "
		    "inner queries see every request", round, n.ok, n.outer);
	}
	mm_store_close(store);
	g_free(path);
}

/* A store in a folder nobody may write: SQLite cannot make its -shm file. */
static void
test_readonly_folder(void)
{
	char *folder = tmp_path("readonly-folder");
	char *path = g_build_filename(folder, "status.db", NULL);
	struct mm_store *store;
	struct mm_diag diag;
	GString *text = g_string_new(NULL);

	mm_diag_init(&diag);
	g_mkdir_with_parents(folder, 0700);
	store = mm_store_open(path, NULL);
	enqueue(store, "reader@contoso.com", T0);
	mm_store_close(store);
	g_chmod(path, 0444);
	g_chmod(folder, 0555);
	if (geteuid() == 0) {
		tap_ok(1, "# SKIP root writes into a read-only folder");
		tap_ok(1, "# SKIP root writes into a read-only folder");
		goto out;
	}
	store = mm_store_open_readonly(path, &diag);
	if (store != NULL)
		mm_store_query(store, NULL, collect_identity, text, &diag);
	tap_str(text->str, "reader@contoso.com",
	    "a store in a read-only folder can be read");
	mm_store_close(store);
	store = mm_store_open(path, &diag);
	tap_ok(store == NULL && diag.code == MM_DIAG_IOERR,
	    "a store in a read-only folder cannot be opened to write (code %d)",
	    (int)diag.code);
	mm_store_close(store);
out:
	g_chmod(folder, 0700);
	g_string_free(text, TRUE);
	mm_diag_release(&diag);
	g_free(path);
	g_free(folder);
}

static void
test_names(void)
{
	struct {
		const char *text;
		int state;
	} cases[] = {
		{ "Pending", MM_STORE_PENDING },
		{ "inprogress", MM_STORE_IN_PROGRESS },
		{ "SUCCEEDED", MM_STORE_SUCCEEDED },
		{ "Failed", MM_STORE_FAILED },
		{ "Done", -1 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		tap_ok(mm_store_state_parse(cases[i].text) == cases[i].state,
		    "state name '%s'", cases[i].text);
	{
		const char *saved = g_getenv("XDG_STATE_HOME");
		char *copy = g_strdup(saved);
		char *path;

		g_setenv("XDG_STATE_HOME", "/var/state", TRUE);
		path = mm_store_default_path();
		tap_str(path, "/var/state/meetmig/status.db",
		    "default path under XDG_STATE_HOME");
		g_free(path);
		g_setenv("XDG_STATE_HOME", "relative/state", TRUE);
		path = mm_store_default_path();
		tap_ok(g_str_has_suffix(path, "/.local/state/meetmig/status.db"),
		    "a relative XDG_STATE_HOME is ignored (%s)", path);
		g_free(path);
		if (copy != NULL)
			g_setenv("XDG_STATE_HOME", copy, TRUE);
		else
			g_unsetenv("XDG_STATE_HOME");
		g_free(copy);
	}
}

static void
remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			char *child = g_build_filename(path, name, NULL);

			if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
			    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
				remove_tree(child);
			else
				g_unlink(child);
			g_free(child);
		}
		g_dir_close(dir);
	}
	g_rmdir(path);
}

int
main(void)
{
	char *cwd = g_get_current_dir();
	const char *env_srcdir = g_getenv("MM_SRCDIR");
	int status;

	srcdir = env_srcdir != NULL && g_path_is_absolute(env_srcdir) ?
	    g_strdup(env_srcdir) :
	    g_build_filename(cwd, env_srcdir != NULL ? env_srcdir : ".", NULL);

	tmpdir = g_dir_make_tmp("test_store-XXXXXX", NULL);
	if (tmpdir == NULL) {
		printf("Bail out! cannot make a temporary folder\n");
		return 1;
	}
	/* Relative paths in the enqueue cases resolve inside the temporary folder. */
	if (chdir(tmpdir) < 0) {
		printf("Bail out! cannot enter the temporary folder\n");
		return 1;
	}
	test_schema();
	test_bad_files();
	test_corrupt_pages();
	test_locked();
	test_enqueue();
	test_claim_two_connections();
	test_claim_processes();
	test_claim_folder();
	test_claim_order();
	test_supersede();
	test_retry();
	test_recover();
	test_meetings();
	test_filters();
	test_readonly_folder();
	test_names();
	status = tap_done();
	if (chdir(cwd) == 0)
		remove_tree(tmpdir);
	g_free(cwd);
	g_free(tmpdir);
	g_free(srcdir);
	return status;
}
