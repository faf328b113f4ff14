/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig migrate: one user, one shot (Start-CsExMeetingMigration and the
 * MMS worker in one).  It parses the options, runs the pipeline of
 * migrate.c, reports each failed meeting on stderr with its file, line and
 * UID, prints a summary and chooses the exit status.
 */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"
#include "select.h"
#include "store.h"

/* Failed meetings go to stderr as they happen, naming where they are. */
static void
report_failure(void *data, const struct mm_meeting *m,
    const struct mm_verdict *v)
{
	(void)data;
	if (v->result != MM_RESULT_FAILED)
		return;
	mm_cmd_error("%s:%u: meeting %s: %s%s%s", m->source, m->lineno,
	    m->uid ? m->uid : "(no UID)", mm_reason_name(v->reason),
	    v->message ? ": " : "", v->message ? v->message : "");
}

int
mm_cmd_migrate(int argc, char **argv)
{
	struct mm_cmd_common common = { 0 };
	struct mm_migrate_request req;
	struct mm_migrate_stats stats = { 0 };
	struct mm_migration *migration = NULL;
	struct mm_store *store = NULL;
	char *store_path = NULL;
	struct mm_diag diag;
	GOptionContext *context;
	int ran, status;

	mm_diag_init(&diag);
	context = g_option_context_new("- migrate one user's meetings");
	g_option_context_set_summary(context,
	    "Reads the user's exported mailbox (.ics or EWS XML; - is standard\n"
	    "input), selects the future online meetings the user organizes,\n"
	    "replaces their online meeting block and writes the update messages\n"
	    "and a status report into OUT/<user>/.");
	mm_cmd_common_add(context, &common, MM_CMD_WITH_OUTPUT | MM_CMD_WITH_STORE);
	status = mm_cmd_parse(context, &argc, &argv);
	if (status != 0)
		goto out;
	status = mm_cmd_common_request(&common, &req);
	if (status != 0)
		goto out;
	req.on_meeting = report_failure;
	req.on_warning = mm_cmd_warning;
	req.stop = &mm_cmd_stop_signal;

	/*
	 * The store is opened first, so that a store that cannot be written
	 * fails before any output is made.
	 */
	if (!common.no_store) {
		store_path = common.store ? g_strdup(common.store) :
		    mm_store_default_path();
		store = mm_store_open(store_path, &diag);
		if (store == NULL) {
			mm_cmd_error("%s", diag.message);
			status = mm_diag_exit_status(&diag);
			goto out;
		}
	}
	mm_cmd_catch_stop(NULL, true);
	ran = mm_migrate_prepare(&req, &stats, &migration, &diag);
	if (ran == 0 && migration != NULL)
		ran = mm_migrate_publish(migration, &diag);
	if (ran < 0 && diag.code == MM_DIAG_INTERRUPTED) {
		/* Not an attempt: the store is left as it was. */
		mm_cmd_error("%s: nothing was put in place", diag.message);
		status = 128 + mm_cmd_stop_signal;
		goto out;
	}
	if (store != NULL) {
		struct mm_diag store_diag;

		mm_diag_init(&store_diag);
		if (mm_store_record(store, &req, &stats, migration,
		    ran < 0 ? &diag : NULL, req.now, &store_diag) < 0 && ran == 0) {
			mm_cmd_error("%s", store_diag.message);
			status = mm_diag_exit_status(&store_diag);
			mm_diag_release(&store_diag);
			goto out;
		}
		mm_diag_release(&store_diag);
	}
	if (ran < 0) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	if (!common.quiet) {
		printf("%s: %s read; %u selected: %u updated, %u failed; "
		    "%u skipped\n", common.identity,
		    mm_cmd_count(stats.meetings, "meeting", "meetings"),
		    stats.selected, stats.succeeded, stats.failed, stats.skipped);
		printf("wrote %s/ (report.txt, status.json, %s, %s)\n",
		    stats.user_dir, mm_cmd_count(stats.succeeded, "update", "updates"),
		    mm_cmd_count(stats.invites, "message", "messages"));
	}
	status = stats.failed > 0 ? 1 : EX_OK;
out:
	mm_migration_free(migration);
	mm_store_close(store);
	g_free(store_path);
	mm_migrate_stats_release(&stats);
	mm_diag_release(&diag);
	mm_cmd_common_release(&common);
	g_option_context_free(context);
	return status;
}
