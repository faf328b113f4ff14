/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig plan: the decisions of migrate (its -WhatIf), one line per
 * meeting with verdict, reason and evidence, and nothing written but the
 * plan.  --provisioning-csv lists the meetings that need a Teams join link,
 * in the shape of the links CSV the coordinates file takes back.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "output.h"
#include "report.h"
#include "select.h"

struct plan {
	GString *csv;           /* provisioning rows, or NULL */
	unsigned csv_rows;
};

/* Control characters would break the one-line-per-meeting layout. */
static char *
printable(const char *text)
{
	char *copy = g_strdup(text ? text : "");

	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return copy;
}

static void
csv_field(GString *out, const char *value, bool last)
{
	const char *v = value ? value : "";

	if (strpbrk(v, ",\"\r\n") != NULL) {
		g_string_append_c(out, '"');
		for (const char *p = v; *p != '\0'; p++) {
			if (*p == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '"');
	} else {
		g_string_append(out, v);
	}
	g_string_append(out, last ? "\r\n" : ",");
}

static void
print_verdict(void *data, const struct mm_meeting *m, const struct mm_verdict *v)
{
	struct plan *plan = data;
	const char *reason = mm_reason_name(v->reason);
	char *start = v->has_start ? mm_report_time(v->first_start) : g_strdup("-");
	char *subject = printable(m->summary);
	const char *rid = m->has_master || m->event_count == 0 ?
	    NULL : m->events[0]->recurrence_id;
	char *id = mm_output_hash_id(m->uid ? m->uid : "", rid);

	printf("%-8s %-20s %-20s %s %s:%u %s\n", mm_result_name(v->result),
	    reason ? reason : "-", start, id, m->source, m->lineno, subject);
	if (v->message != NULL) {
		char *message = printable(v->message);

		printf("    message: %s\n", message);
		g_free(message);
	}
	for (guint i = 0; v->evidence != NULL && i < v->evidence->len; i++) {
		char *evidence = printable(g_ptr_array_index(v->evidence, i));

		printf("    evidence: %s\n", evidence);
		g_free(evidence);
	}
	if (plan->csv != NULL && v->reason == MM_REASON_NO_COORDINATES) {
		csv_field(plan->csv, m->uid, false);
		csv_field(plan->csv, rid, false);
		for (int k = 0; k < 5; k++)
			csv_field(plan->csv, NULL, false);
		csv_field(plan->csv, m->summary, false);
		csv_field(plan->csv, start, false);
		csv_field(plan->csv, m->organizer.address, true);
		plan->csv_rows++;
	}
	g_free(start);
	g_free(subject);
	g_free(id);
}

int
mm_cmd_plan(int argc, char **argv)
{
	struct mm_cmd_common common = { 0 };
	struct mm_migrate_request req;
	struct mm_migrate_stats stats = { 0 };
	struct plan plan = { 0 };
	char *provisioning = NULL;
	struct mm_diag diag;
	GOptionContext *context;
	const GOptionEntry entries[] = {
		{ "provisioning-csv", 0, 0, G_OPTION_ARG_FILENAME, &provisioning,
		  "Write the meetings that need a Teams join link to FILE", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	int status;

	mm_diag_init(&diag);
	context = g_option_context_new("- show what migrate would do");
	g_option_context_set_summary(context,
	    "Makes the decisions of migrate and prints them, one line per meeting\n"
	    "with its result, reason and evidence.  Writes nothing else.  A\n"
	    "MAILBOX of - is standard input.");
	mm_cmd_common_add(context, &common, 0);
	g_option_context_add_main_entries(context, entries, NULL);
	status = mm_cmd_parse(context, &argc, &argv);
	if (status != 0)
		goto out;
	status = mm_cmd_common_request(&common, &req);
	if (status != 0)
		goto out;
	req.plan_only = true;
	req.on_meeting = print_verdict;
	req.on_warning = mm_cmd_warning;
	req.on_meeting_data = &plan;
	req.stop = &mm_cmd_stop_signal;
	if (provisioning != NULL) {
		plan.csv = g_string_new(NULL);
		g_string_append(plan.csv, "uid,recurrence_id,join_url,meeting_id,"
		    "passcode,conference_id,dialin_url,subject,start,organizer\r\n");
	}

	printf("%-8s %-20s %-20s %-12s %s %s\n", "RESULT", "REASON", "START", "ID",
	    "WHERE", "SUBJECT");
	/* Ctrl-C ends the plan between meetings (and removes a pipe's copy). */
	mm_cmd_catch_stop(NULL, true);
	if (mm_migrate_user(&req, &stats, &diag) < 0) {
		fflush(stdout);
		mm_cmd_error("%s", diag.message);
		status = diag.code == MM_DIAG_INTERRUPTED ?
		    128 + mm_cmd_stop_signal : mm_diag_exit_status(&diag);
		goto out;
	}
	printf("%s: %s read; %u selected; %u would fail; %u skipped\n",
	    common.identity, mm_cmd_count(stats.meetings, "meeting", "meetings"),
	    stats.selected, stats.failed, stats.skipped);
	if (plan.csv != NULL) {
		char *folder = g_path_get_dirname(provisioning);
		int made = mm_output_mkdirs(folder, &diag);

		g_free(folder);
		if (made < 0 || mm_output_write_file(provisioning, plan.csv->str,
		    plan.csv->len, &diag) < 0) {
			mm_cmd_error("%s", diag.message);
			status = mm_diag_exit_status(&diag);
			goto out;
		}
		printf("wrote %s (%s a Teams join link)\n", provisioning,
		    mm_cmd_count(plan.csv_rows, "meeting needs", "meetings need"));
	}
	status = EX_OK;
out:
	if (plan.csv != NULL)
		g_string_free(plan.csv, TRUE);
	g_free(provisioning);
	mm_migrate_stats_release(&stats);
	mm_diag_release(&diag);
	mm_cmd_common_release(&common);
	g_option_context_free(context);
	return status;
}
