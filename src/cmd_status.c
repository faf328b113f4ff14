/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig status: Get-CsMeetingMigrationStatus over the store.  It shows
 * the requests that --identity, --state, --start-time and --end-time admit
 * (the times bound ModifiedDate), with the MMS field names, as a list (the
 * default, like PowerShell's Format-List), a table, JSON or CSV; or, with
 * --summary-only, the State / UserCount table MMS prints.  It opens the
 * store read-only and changes nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <json-glib/json-glib.h>

#include "cmd.h"
#include "report.h"
#include "store.h"

enum format {
	FORMAT_LIST,
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_CSV,
};

/* The fields of Get-CsMeetingMigrationStatus, in its order. */
enum field {
	F_IDENTITY,
	F_CORRELATION_ID,
	F_CREATE_DATE,
	F_MODIFIED_DATE,
	F_UPN,
	F_MIGRATION_TYPE,
	F_STATE,
	F_TOTAL_MEETING,
	F_SUCCEEDED_MEETING,
	F_FAILED_MEETING,
	F_INVITES_UPDATE,
	F_RETRY_COUNT,
	F_LAST_MESSAGE,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"Identity", "CorrelationId", "CreateDate", "ModifiedDate",
	"UserPrincipalName", "MigrationType", "State", "TotalMeeting",
	"SucceededMeeting", "FailedMeeting", "InvitesUpdate", "RetryCount",
	"LastMessage",
};

/* The columns of the table format: what fits on a screen. */
static const enum field table_fields[] = {
	F_IDENTITY, F_STATE, F_MIGRATION_TYPE, F_TOTAL_MEETING,
	F_SUCCEEDED_MEETING, F_FAILED_MEETING, F_RETRY_COUNT, F_MODIFIED_DATE,
};

/* The order MMS lists states in its summary. */
static const enum mm_store_state summary_order[] = {
	MM_STORE_PENDING, MM_STORE_IN_PROGRESS, MM_STORE_FAILED,
	MM_STORE_SUCCEEDED,
};

static bool
field_is_number(enum field f)
{
	return f >= F_TOTAL_MEETING && f <= F_RETRY_COUNT;
}

/* The field's value as text; owned. */
static char *
field_text(const struct mm_store_request *r, enum field f)
{
	switch (f) {
	case F_IDENTITY:
		return g_strdup(r->identity);
	case F_CORRELATION_ID:
		return g_strdup(r->correlation_id);
	case F_CREATE_DATE:
		return mm_report_time(r->create_date);
	case F_MODIFIED_DATE:
		return mm_report_time(r->modified_date);
	case F_UPN:
		return g_strdup(r->upn);
	case F_MIGRATION_TYPE:
		return g_strdup(r->migration_type);
	case F_STATE:
		return g_strdup(mm_store_state_name(r->state));
	case F_TOTAL_MEETING:
		return g_strdup_printf("%u", r->total_meeting);
	case F_SUCCEEDED_MEETING:
		return g_strdup_printf("%u", r->succeeded_meeting);
	case F_FAILED_MEETING:
		return g_strdup_printf("%u", r->failed_meeting);
	case F_INVITES_UPDATE:
		return g_strdup_printf("%u", r->invites_update);
	case F_RETRY_COUNT:
		return g_strdup_printf("%u", r->retry_count);
	case F_LAST_MESSAGE:
		return g_strdup(r->last_message);
	case F_COUNT:
		break;
	}
	return g_strdup("");
}

static unsigned
field_number(const struct mm_store_request *r, enum field f)
{
	switch (f) {
	case F_TOTAL_MEETING:
		return r->total_meeting;
	case F_SUCCEEDED_MEETING:
		return r->succeeded_meeting;
	case F_FAILED_MEETING:
		return r->failed_meeting;
	case F_INVITES_UPDATE:
		return r->invites_update;
	case F_RETRY_COUNT:
		return r->retry_count;
	default:
		break;
	}
	return 0;
}

/* Display width of UTF-8 TEXT, counting characters. */
static size_t
text_width(const char *text)
{
	return (size_t)g_utf8_strlen(text, -1);
}

static void
put_padded(const char *text, size_t width, bool right)
{
	size_t w = text_width(text);

	if (right)
		printf("%*s%s", (int)(width > w ? width - w : 0), "", text);
	else
		printf("%s%*s", text, (int)(width > w ? width - w : 0), "");
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void
put_csv(const char *text)
{
	if (strpbrk(text, ",\"\r\n") == NULL) {
		fputs(text, stdout);
		return;
	}
	putchar('"');
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
}

/* --- the requests ------------------------------------------------------ */

struct show {
	struct mm_store *store;
	enum format format;
	bool meetings;
	unsigned shown;
	GPtrArray *rows;        /* table: char *[G_N_ELEMENTS(table_fields)] */
	JsonBuilder *json;
};

/* Format-List: every name padded to the longest, " : ", the value. */
static void
show_list(struct show *s, const struct mm_store_request *r)
{
	size_t width = 0;

	for (int f = 0; f < F_COUNT; f++)
		width = MAX(width, strlen(field_names[f]));
	if (s->shown > 0)
		putchar('\n');
	for (int f = 0; f < F_COUNT; f++) {
		char *value = field_text(r, (enum field)f);

		printf("%-*s :%s%s\n", (int)width, field_names[f], *value ? " " : "",
		    value);
		g_free(value);
	}
}

static int
add_meeting(void *data, const struct mm_store_meeting *m, struct mm_diag *diag)
{
	JsonBuilder *json = data;

	(void)diag;
	json_builder_begin_object(json);
	json_builder_set_member_name(json, "Uid");
	json_builder_add_string_value(json, m->uid);
	json_builder_set_member_name(json, "RecurrenceId");
	if (m->recurrence_id != NULL)
		json_builder_add_string_value(json, m->recurrence_id);
	else
		json_builder_add_null_value(json);
	json_builder_set_member_name(json, "Result");
	json_builder_add_string_value(json, m->result);
	json_builder_set_member_name(json, "Reason");
	if (m->reason != NULL)
		json_builder_add_string_value(json, m->reason);
	else
		json_builder_add_null_value(json);
	json_builder_end_object(json);
	return 0;
}

static int
show_json(struct show *s, const struct mm_store_request *r, struct mm_diag *diag)
{
	json_builder_begin_object(s->json);
	for (int f = 0; f < F_COUNT; f++) {
		json_builder_set_member_name(s->json, field_names[f]);
		if (field_is_number((enum field)f)) {
			json_builder_add_int_value(s->json,
			    field_number(r, (enum field)f));
		} else {
			char *value = field_text(r, (enum field)f);

			json_builder_add_string_value(s->json, value);
			g_free(value);
		}
	}
	if (s->meetings) {
		json_builder_set_member_name(s->json, "Meetings");
		json_builder_begin_array(s->json);
		if (mm_store_meetings(s->store, r->id, add_meeting, s->json, diag) < 0)
			return -1;
		json_builder_end_array(s->json);
	}
	json_builder_end_object(s->json);
	return 0;
}

static void
show_csv(const struct mm_store_request *r)
{
	for (int f = 0; f < F_COUNT; f++) {
		char *value = field_text(r, (enum field)f);

		if (f > 0)
			putchar(',');
		put_csv(value);
		g_free(value);
	}
	putchar('\n');
}

static int
show_request(void *data, const struct mm_store_request *r, struct mm_diag *diag)
{
	struct show *s = data;

	switch (s->format) {
	case FORMAT_LIST:
		show_list(s, r);
		break;
	case FORMAT_TABLE: {
		char **row = g_new0(char *, G_N_ELEMENTS(table_fields) + 1);

		for (size_t i = 0; i < G_N_ELEMENTS(table_fields); i++)
			row[i] = field_text(r, table_fields[i]);
		g_ptr_array_add(s->rows, row);
		break;
	}
	case FORMAT_JSON:
		if (show_json(s, r, diag) < 0)
			return -1;
		break;
	case FORMAT_CSV:
		show_csv(r);
		break;
	}
	s->shown++;
	return 0;
}

/*
 * Format-Table: columns as wide as their widest cell, a rule of dashes as
 * long as each name, numbers to the right.
 */
static void
print_table(const char *const *names, size_t columns, GPtrArray *rows,
    const bool *numeric)
{
	size_t *widths = g_new0(size_t, columns);

	for (size_t c = 0; c < columns; c++) {
		widths[c] = strlen(names[c]);
		for (guint i = 0; i < rows->len; i++) {
			char **row = g_ptr_array_index(rows, i);

			widths[c] = MAX(widths[c], text_width(row[c]));
		}
	}
	for (int line = 0; line < 2; line++) {
		for (size_t c = 0; c < columns; c++) {
			char *cell = line == 0 ? g_strdup(names[c]) :
			    g_strnfill(strlen(names[c]), '-');

			if (c > 0)
				putchar(' ');
			if (c + 1 == columns && !numeric[c])
				fputs(cell, stdout);
			else
				put_padded(cell, widths[c], numeric[c]);
			g_free(cell);
		}
		putchar('\n');
	}
	for (guint i = 0; i < rows->len; i++) {
		char **row = g_ptr_array_index(rows, i);

		for (size_t c = 0; c < columns; c++) {
			if (c > 0)
				putchar(' ');
			if (c + 1 == columns && !numeric[c])
				fputs(row[c], stdout);
			else
				put_padded(row[c], widths[c], numeric[c]);
		}
		putchar('\n');
	}
	g_free(widths);
}

static void
print_json(JsonBuilder *builder)
{
	JsonGenerator *generator = json_generator_new();
	JsonNode *root = json_builder_get_root(builder);
	char *text;

	json_generator_set_root(generator, root);
	json_generator_set_pretty(generator, TRUE);
	json_generator_set_indent(generator, 2);
	text = json_generator_to_data(generator, NULL);
	printf("%s\n", text);
	g_free(text);
	json_node_unref(root);
	g_object_unref(generator);
}

static int
show_requests(struct mm_store *store, const struct mm_store_filter *filter,
    enum format format, bool meetings, struct mm_diag *diag)
{
	struct show s;
	int result;

	memset(&s, 0, sizeof s);
	s.store = store;
	s.format = format;
	s.meetings = meetings;
	s.rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	s.json = json_builder_new();
	json_builder_begin_array(s.json);
	if (format == FORMAT_CSV) {
		for (int f = 0; f < F_COUNT; f++)
			printf("%s%s", f > 0 ? "," : "", field_names[f]);
		putchar('\n');
	}
	result = mm_store_query(store, filter, show_request, &s, diag);
	if (result == 0 && format == FORMAT_TABLE && s.rows->len > 0) {
		const char *names[G_N_ELEMENTS(table_fields)];
		bool numeric[G_N_ELEMENTS(table_fields)];

		for (size_t i = 0; i < G_N_ELEMENTS(table_fields); i++) {
			names[i] = field_names[table_fields[i]];
			numeric[i] = field_is_number(table_fields[i]);
		}
		print_table(names, G_N_ELEMENTS(table_fields), s.rows, numeric);
	}
	if (result == 0 && format == FORMAT_JSON) {
		json_builder_end_array(s.json);
		print_json(s.json);
	}
	g_ptr_array_free(s.rows, TRUE);
	g_object_unref(s.json);
	return result;
}

/* --- the summary ------------------------------------------------------- */

static void
show_summary(const unsigned counts[MM_STORE_STATE_COUNT], enum format format)
{
	static const char *const names[] = { "State", "UserCount" };
	static const bool numeric[] = { false, true };
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	JsonBuilder *json;

	switch (format) {
	case FORMAT_TABLE:
		for (size_t i = 0; i < G_N_ELEMENTS(summary_order); i++) {
			char **row = g_new0(char *, 3);

			row[0] = g_strdup(mm_store_state_name(summary_order[i]));
			row[1] = g_strdup_printf("%u", counts[summary_order[i]]);
			g_ptr_array_add(rows, row);
		}
		print_table(names, 2, rows, numeric);
		break;
	case FORMAT_LIST:
		for (size_t i = 0; i < G_N_ELEMENTS(summary_order); i++)
			printf("%sState     : %s\nUserCount : %u\n", i > 0 ? "\n" : "",
			    mm_store_state_name(summary_order[i]),
			    counts[summary_order[i]]);
		break;
	case FORMAT_CSV:
		printf("State,UserCount\n");
		for (size_t i = 0; i < G_N_ELEMENTS(summary_order); i++)
			printf("%s,%u\n", mm_store_state_name(summary_order[i]),
			    counts[summary_order[i]]);
		break;
	case FORMAT_JSON:
		json = json_builder_new();
		json_builder_begin_array(json);
		for (size_t i = 0; i < G_N_ELEMENTS(summary_order); i++) {
			json_builder_begin_object(json);
			json_builder_set_member_name(json, "State");
			json_builder_add_string_value(json,
			    mm_store_state_name(summary_order[i]));
			json_builder_set_member_name(json, "UserCount");
			json_builder_add_int_value(json, counts[summary_order[i]]);
			json_builder_end_object(json);
		}
		json_builder_end_array(json);
		print_json(json);
		g_object_unref(json);
		break;
	}
	g_ptr_array_free(rows, TRUE);
}

int
mm_cmd_status(int argc, char **argv)
{
	struct mm_store_filter filter;
	struct mm_store *store = NULL;
	struct mm_diag diag;
	GOptionContext *context;
	char *identity = NULL, *state = NULL, *start_time = NULL, *end_time = NULL;
	char *format_name = NULL, *store_path = NULL;
	gboolean summary_only = FALSE, meetings = FALSE;
	enum format format;
	int status;
	const GOptionEntry entries[] = {
		{ "identity", 'i', 0, G_OPTION_ARG_STRING, &identity,
		  "Only this user: the identity as enqueued, or its UserPrincipalName",
		  "ID" },
		{ "state", 0, 0, G_OPTION_ARG_STRING, &state,
		  "Only requests in this state: Pending, InProgress, Succeeded or "
		  "Failed", "STATE" },
		{ "start-time", 0, 0, G_OPTION_ARG_STRING, &start_time,
		  "Only requests modified at or after this time (ISO 8601)", "TIME" },
		{ "end-time", 0, 0, G_OPTION_ARG_STRING, &end_time,
		  "Only requests modified at or before this time (ISO 8601)", "TIME" },
		{ "summary-only", 0, 0, G_OPTION_ARG_NONE, &summary_only,
		  "Only the number of users in each state", NULL },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
		  "list (default), table (default with --summary-only), json or csv",
		  "FORMAT" },
		{ "meetings", 0, 0, G_OPTION_ARG_NONE, &meetings,
		  "With --format json: each request's Meetings (Uid, RecurrenceId, "
		  "Result, Reason)", NULL },
		{ "store", 0, 0, G_OPTION_ARG_FILENAME, &store_path,
		  "Status database (default $XDG_STATE_HOME/meetmig/status.db)",
		  "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	mm_diag_init(&diag);
	mm_store_filter_init(&filter);
	context = g_option_context_new("- show the status of migration requests");
	g_option_context_set_summary(context,
	    "Shows the requests of the store with the fields of\n"
	    "Get-CsMeetingMigrationStatus, or with --summary-only how many users\n"
	    "are in each state.");
	g_option_context_add_main_entries(context, entries, NULL);
	status = mm_cmd_parse(context, &argc, &argv);
	if (status != 0)
		goto out;
	status = EX_USAGE;
	if (argc > 1) {
		mm_cmd_error("unexpected argument '%s' (try '%s --help')", argv[1],
		    argv[0]);
		goto out;
	}
	format = summary_only ? FORMAT_TABLE : FORMAT_LIST;
	if (format_name != NULL) {
		if (strcmp(format_name, "list") == 0)
			format = FORMAT_LIST;
		else if (strcmp(format_name, "table") == 0)
			format = FORMAT_TABLE;
		else if (strcmp(format_name, "json") == 0)
			format = FORMAT_JSON;
		else if (strcmp(format_name, "csv") == 0)
			format = FORMAT_CSV;
		else {
			mm_cmd_error("--format: '%s' is not list, table, json or csv",
			    format_name);
			goto out;
		}
	}
	if (meetings && (format != FORMAT_JSON || summary_only)) {
		mm_cmd_error("--meetings goes with --format json, without "
		    "--summary-only");
		goto out;
	}
	filter.identity = identity;
	if (state != NULL) {
		filter.state = mm_store_state_parse(state);
		if (filter.state < 0) {
			mm_cmd_error("--state: '%s' is not Pending, InProgress, "
			    "Succeeded or Failed", state);
			goto out;
		}
	}
	if (start_time != NULL) {
		if (mm_cmd_parse_time(start_time, &filter.start_time) < 0) {
			mm_cmd_error("--start-time: '%s' is not an ISO 8601 time such "
			    "as 2026-11-21T09:00:00Z", start_time);
			goto out;
		}
		filter.has_start_time = true;
	}
	if (end_time != NULL) {
		if (mm_cmd_parse_time(end_time, &filter.end_time) < 0) {
			mm_cmd_error("--end-time: '%s' is not an ISO 8601 time such as "
			    "2026-11-21T09:00:00Z", end_time);
			goto out;
		}
		filter.has_end_time = true;
	}
	status = 0;
	if (store_path == NULL)
		store_path = mm_store_default_path();
	store = mm_store_open_readonly(store_path, &diag);
	if (store == NULL)
		goto fail;
	if (summary_only) {
		unsigned counts[MM_STORE_STATE_COUNT];

		if (mm_store_summary(store, &filter, counts, &diag) < 0)
			goto fail;
		show_summary(counts, format);
	} else if (show_requests(store, &filter, format, meetings, &diag) < 0) {
		goto fail;
	}
	goto out;
fail:
	fflush(stdout);
	mm_cmd_error("%s", diag.message);
	status = mm_diag_exit_status(&diag);
out:
	mm_store_close(store);
	g_free(identity);
	g_free(state);
	g_free(start_time);
	g_free(end_time);
	g_free(format_name);
	g_free(store_path);
	mm_diag_release(&diag);
	g_option_context_free(context);
	return status;
}
