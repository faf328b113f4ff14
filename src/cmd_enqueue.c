/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig enqueue: adds Pending requests to the store, as
 * Start-CsExMeetingMigration queues users for MMS.  One user from the
 * command line (-i ID MAILBOX...), or many from a users CSV (--users FILE:
 * a header row, columns identity and mailbox, optionally
 * source_meeting_type, target_meeting_type, coordinates and directory; paths
 * relative to the CSV's folder; several mailboxes in one field separated by
 * ';').  The command-line options are the defaults of every row.
 *
 * A users CSV is enqueued in one transaction: a bad row enqueues nothing.
 * The same request enqueued twice stays one request (store.h); a Failed one
 * is queued again from the start, a Succeeded one is not.  It runs nothing.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "csv.h"
#include "identity.h"
#include "select.h"
#include "store.h"

struct enqueue {
	struct mm_cmd_common common;
	char *users;
	char *store_path;
	struct mm_store *store;
	int64_t now;
	GHashTable *directories;        /* path -> struct mm_directory *, loaded once */
	unsigned counts[4];             /* by enum mm_store_enqueued */
	GString *lines;                 /* what was done, printed once committed */
};

static const char *const outcome_text[] = {
	[MM_STORE_ADDED] = "queued",
	[MM_STORE_REQUEUED] = "queued again (it had Failed)",
	[MM_STORE_ALREADY_QUEUED] = "already queued",
	[MM_STORE_ALREADY_SUCCEEDED] = "already Succeeded, not queued again",
};

static void
directory_free(gpointer data)
{
	mm_directory_free(data);
}

/*
 * Resolves IDENTITY through DIRECTORY (may be NULL) into RESOLVED (release
 * it): its UserPrincipalName, for status before the first run, and its
 * output folder.  An identity the directory does not know fails here
 * rather than in every retry of the run.  Returns 0 or -1 with diag.
 */
static int
resolve(struct enqueue *e, const char *identity, const char *directory,
    struct mm_identity *resolved, struct mm_diag *diag)
{
	struct mm_directory *dir = NULL;

	memset(resolved, 0, sizeof *resolved);
	if (directory != NULL) {
		dir = g_hash_table_lookup(e->directories, directory);
		if (dir == NULL) {
			dir = mm_directory_load(directory, diag);
			if (dir == NULL)
				return -1;
			g_hash_table_insert(e->directories, g_strdup(directory), dir);
		}
	}
	return mm_identity_resolve(identity, dir, resolved, diag);
}

/* Warns about mailboxes that are not there (yet): the run will fail them. */
static void
warn_missing(const struct mm_migrate_request *req, const char *where)
{
	for (size_t i = 0; req->mailboxes[i] != NULL; i++)
		if (!g_file_test(req->mailboxes[i], G_FILE_TEST_EXISTS))
			fprintf(stderr, "meetmig: warning: mailbox %s does not exist "
			    "(yet)%s%s%s\n", req->mailboxes[i], where ? " (" : "",
			    where ? where : "", where ? ")" : "");
}

/*
 * A request's mailboxes are read by a later run, so each must be a file or
 * a folder: a pipe (standard input, <(zcat ...)) would be gone by then.
 * Returns 0, or 64 (65 in a users CSV) with the message printed.
 */
static int
check_queueable(const struct mm_migrate_request *req, const char *where)
{
	for (size_t i = 0; req->mailboxes[i] != NULL; i++) {
		const char *path = req->mailboxes[i];
		struct stat st;

		if (strcmp(path, "-") != 0 && (stat(path, &st) != 0 ||
		    S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;
		mm_cmd_error("%s%s%s cannot be queued: meetmig run reads a "
		    "mailbox later, so it must be a file or a folder (save the "
		    "export to a file, or use meetmig migrate)", where ? where : "",
		    where ? ": " : "",
		    strcmp(path, "-") == 0 ? "standard input" : path);
		return where != NULL ? EX_DATAERR : EX_USAGE;
	}
	return 0;
}

/* Enqueues one request; prints its outcome.  Returns 0 or an exit status. */
static int
enqueue_one(struct enqueue *e, const struct mm_migrate_request *req,
    const char *where)
{
	struct mm_identity resolved;
	struct mm_diag diag;
	int64_t id = 0;
	int status = 0, outcome;

	mm_diag_init(&diag);
	if (resolve(e, req->identity, req->directory, &resolved, &diag) < 0) {
		if (where != NULL)
			mm_diag_prefix(&diag, "%s", where);
		mm_cmd_error("%s", diag.message);
		/* In a users CSV an unknown identity is bad data, not bad usage. */
		status = where != NULL && diag.code == MM_DIAG_USAGE ? EX_DATAERR :
		    mm_diag_exit_status(&diag);
		goto out;
	}
	warn_missing(req, where);
	outcome = mm_store_enqueue(e->store, req, resolved.upn, resolved.key,
	    e->now, &id, &diag);
	if (outcome < 0) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	e->counts[outcome]++;
	g_string_append_printf(e->lines, "%s: %s (request %lld)\n", req->identity,
	    outcome_text[outcome], (long long)id);
out:
	mm_identity_release(&resolved);
	mm_diag_release(&diag);
	return status;
}

/* PATH relative to FOLDER unless it is absolute; owned. */
static char *
relative_to(const char *folder, const char *path)
{
	if (g_path_is_absolute(path))
		return g_strdup(path);
	return g_build_filename(folder, path, NULL);
}

/* A CSV field trimmed of blanks, or NULL when it is empty; owned. */
static char *
field(const struct mm_csv *csv, const char *name)
{
	char *value = g_strstrip(g_strdup(mm_csv_get(csv, name)));

	if (*value == '\0') {
		g_free(value);
		return NULL;
	}
	return value;
}

static bool
valid_type(const char *value, const char *const *allowed)
{
	for (size_t i = 0; allowed[i] != NULL; i++)
		if (strcmp(value, allowed[i]) == 0)
			return true;
	return false;
}

/* One row of the users CSV.  Returns 0 or an exit status. */
static int
enqueue_row(struct enqueue *e, const struct mm_csv *csv, const char *folder)
{
	static const char *const sources[] = { "all", "sfb", "teams", NULL };
	static const char *const targets[] = { "current", "teams", NULL };
	struct mm_cmd_common row = e->common;
	struct mm_migrate_request req;
	char *identity = field(csv, "identity");
	char *mailbox = field(csv, "mailbox");
	char *source = field(csv, "source_meeting_type");
	char *target = field(csv, "target_meeting_type");
	char *coordinates = field(csv, "coordinates");
	char *directory = field(csv, "directory");
	char *where = g_strdup_printf("%s:%u", mm_csv_name(csv), mm_csv_lineno(csv));
	GPtrArray *mailboxes = g_ptr_array_new_with_free_func(g_free);
	int status = 0;

	if (identity == NULL && mailbox == NULL)
		goto out;       /* a blank row */
	if (identity == NULL || mailbox == NULL) {
		mm_cmd_error("%s: the %s is empty", where,
		    identity == NULL ? "identity" : "mailbox");
		status = EX_DATAERR;
		goto out;
	}
	{
		char **parts = g_strsplit(mailbox, ";", -1);

		for (size_t i = 0; parts[i] != NULL; i++) {
			char *part = g_strstrip(parts[i]);

			if (*part != '\0')
				g_ptr_array_add(mailboxes, relative_to(folder, part));
		}
		g_strfreev(parts);
	}
	if (mailboxes->len == 0) {
		mm_cmd_error("%s: the mailbox is empty", where);
		status = EX_DATAERR;
		goto out;
	}
	g_ptr_array_add(mailboxes, NULL);
	if (source != NULL && !valid_type(source, sources)) {
		mm_cmd_error("%s: source_meeting_type '%s' is not all, sfb or teams",
		    where, source);
		status = EX_DATAERR;
		goto out;
	}
	if (target != NULL && !valid_type(target, targets)) {
		mm_cmd_error("%s: target_meeting_type '%s' is not current or teams",
		    where, target);
		status = EX_DATAERR;
		goto out;
	}
	row.identity = identity;
	row.mailboxes = (char **)mailboxes->pdata;
	if (source != NULL)
		row.source_type = source;
	if (target != NULL)
		row.target_type = target;
	if (coordinates != NULL) {
		char *path = relative_to(folder, coordinates);

		g_free(coordinates);
		row.coordinates = coordinates = path;
	}
	if (directory != NULL) {
		char *path = relative_to(folder, directory);

		g_free(directory);
		row.directory = directory = path;
	}
	/* The common options were checked already; the row's values just now. */
	status = mm_cmd_common_request(&row, &req);
	if (status != 0) {
		mm_cmd_error("%s: not enqueued", where);
		goto out;
	}
	status = check_queueable(&req, where);
	if (status == 0)
		status = enqueue_one(e, &req, where);
out:
	g_ptr_array_free(mailboxes, TRUE);
	g_free(where);
	g_free(identity);
	g_free(mailbox);
	g_free(source);
	g_free(target);
	g_free(coordinates);
	g_free(directory);
	return status;
}

static int
enqueue_users(struct enqueue *e)
{
	struct mm_diag diag;
	struct mm_csv *csv;
	char *folder = g_path_get_dirname(e->users);
	int status = 0, more;

	mm_diag_init(&diag);
	csv = mm_csv_open(e->users, &diag);
	if (csv == NULL) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	if (mm_csv_column(csv, "identity") < 0 || mm_csv_column(csv, "mailbox") < 0) {
		mm_cmd_error("%s: the header row needs the columns identity and "
		    "mailbox", e->users);
		status = EX_DATAERR;
		goto out;
	}
	while ((more = mm_csv_next(csv, &diag)) == 1) {
		status = enqueue_row(e, csv, folder);
		if (status != 0)
			goto out;
	}
	if (more < 0) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
	}
out:
	mm_csv_close(csv);
	mm_diag_release(&diag);
	g_free(folder);
	return status;
}

int
mm_cmd_enqueue(int argc, char **argv)
{
	struct enqueue e;
	struct mm_migrate_request req;
	struct mm_diag diag;
	GOptionContext *context;
	int status;
	const GOptionEntry entries[] = {
		{ "users", 0, 0, G_OPTION_ARG_FILENAME, &e.users,
		  "Users CSV: identity,mailbox[,source_meeting_type,"
		  "target_meeting_type,coordinates,directory]", "FILE" },
		{ "store", 0, 0, G_OPTION_ARG_FILENAME, &e.store_path,
		  "Status database (default $XDG_STATE_HOME/meetmig/status.db)",
		  "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	memset(&e, 0, sizeof e);
	mm_diag_init(&diag);
	e.lines = g_string_new(NULL);
	e.directories = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    directory_free);
	context = g_option_context_new("- queue users for meetmig run");
	g_option_context_set_summary(context,
	    "Adds Pending migration requests to the store: one user (-i ID\n"
	    "MAILBOX...) or every row of a users CSV (--users FILE).  The same\n"
	    "request enqueued twice is one request; a Failed one is queued again\n"
	    "from the start, a Succeeded one is not.  'meetmig run' processes them.");
	mm_cmd_common_add(context, &e.common, MM_CMD_WITH_OUTPUT);
	g_option_context_add_main_entries(context, entries, NULL);
	status = mm_cmd_parse(context, &argc, &argv);
	if (status != 0)
		goto out;
	if (e.users != NULL &&
	    (e.common.identity != NULL || e.common.mailboxes != NULL)) {
		mm_cmd_error("--users cannot go with --identity or mailbox files");
		status = EX_USAGE;
		goto out;
	}
	if (e.users == NULL) {
		status = mm_cmd_common_request(&e.common, &req);
		if (status == 0)
			status = check_queueable(&req, NULL);
	} else {
		/* Check the common options once, with a stand-in user. */
		struct mm_cmd_common probe = e.common;
		char dash[] = "-";
		char *stand_in[] = { dash, NULL };

		probe.identity = dash;
		probe.mailboxes = stand_in;
		status = mm_cmd_common_request(&probe, &req);
	}
	if (status != 0)
		goto out;
	/* CreateDate: --now makes it reproducible, as it does the output. */
	e.now = req.now_given ? req.now : g_get_real_time() / G_USEC_PER_SEC;
	if (e.store_path == NULL)
		e.store_path = mm_store_default_path();
	e.store = mm_store_open(e.store_path, &diag);
	if (e.store == NULL) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	if (e.users == NULL) {
		status = enqueue_one(&e, &req, NULL);
		if (status == 0 && !e.common.quiet)
			fputs(e.lines->str, stdout);
		goto out;
	}
	if (mm_store_begin(e.store, &diag) < 0) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	status = enqueue_users(&e);
	if (status != 0) {
		mm_store_rollback(e.store);
		mm_cmd_error("nothing was enqueued from %s", e.users);
		goto out;
	}
	if (mm_store_commit(e.store, &diag) < 0) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	if (!e.common.quiet)
		fputs(e.lines->str, stdout);
	if (!e.common.quiet)
		printf("%u queued, %u queued again, %u already queued, "
		    "%u already Succeeded\n", e.counts[MM_STORE_ADDED],
		    e.counts[MM_STORE_REQUEUED], e.counts[MM_STORE_ALREADY_QUEUED],
		    e.counts[MM_STORE_ALREADY_SUCCEEDED]);
out:
	mm_store_close(e.store);
	g_hash_table_destroy(e.directories);
	g_string_free(e.lines, TRUE);
	g_free(e.users);
	g_free(e.store_path);
	mm_cmd_common_release(&e.common);
	mm_diag_release(&diag);
	g_option_context_free(context);
	return status;
}
