/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The status of one request: status.json, shaped and named like
 * Get-CsMeetingMigrationStatus, and report.txt for people.  This module owns
 * the spool that keeps memory flat however many meetings a mailbox holds,
 * the JSON layout (written here, two-space indent, UTF-8 kept as it is, in
 * the layout Python's json.dumps(indent=2, ensure_ascii=False) gives, so a
 * reviewer's diff tools agree with it) and the text report.  json-glib
 * reads the spool back; its GError stays here.  It never decides a
 * verdict and never prints.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "output.h"
#include "report.h"

/* Enough for every enum mm_reason value. */
#define REASON_SLOTS    (MM_REASON_INVALID_DATA + 1)

/* report.txt columns; the subject takes what is left of REPORT_WIDTH. */
#define REPORT_WIDTH    100
#define COL_RESULT      7
#define COL_REASON      18
#define COL_START       16
#define COL_ID          12

struct entry {
	char **outputs;         /* owned, NULL-terminated; NULL when none */
};

struct mm_report {
	char *spool_dir;
	FILE *spool;            /* an unlinked file: nothing stays behind a crash */
	GArray *entries;        /* of struct entry */
	unsigned total;
	unsigned succeeded;
	unsigned failed;
	unsigned skipped;
	unsigned skipped_by[REASON_SLOTS];
	unsigned failed_by[REASON_SLOTS];
	char *error;            /* the first spool failure */
};

/* ---- JSON writing ------------------------------------------------------ */

/*
 * A JSON string as Python writes it with ensure_ascii=False: quotes,
 * backslash and C0 controls escaped, everything else as UTF-8.  Input that
 * is not UTF-8 (it cannot come from the reader, which rejects it) is made
 * valid so the file always parses.
 */
static void
json_string(GString *out, const char *text)
{
	char *valid = g_utf8_make_valid(text, -1);
	const unsigned char *p;

	g_string_append_c(out, '"');
	for (p = (const unsigned char *)valid; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		case '\b':
			g_string_append(out, "\\b");
			break;
		case '\f':
			g_string_append(out, "\\f");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
	g_free(valid);
}

static void
json_string_or_null(GString *out, const char *text)
{
	if (text == NULL)
		g_string_append(out, "null");
	else
		json_string(out, text);
}

static void
indent(GString *out, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		g_string_append(out, "  ");
}

/*
 * Writes NODE pretty-printed at DEPTH (the opening bracket goes where the
 * caller is; nested lines are indented two spaces a level).  SKIP names
 * one object member of NODE to leave out (NULL for none).
 */
static void
json_pretty(GString *out, JsonNode *node, int depth, const char *skip)
{
	switch (json_node_get_node_type(node)) {
	case JSON_NODE_NULL:
		g_string_append(out, "null");
		break;
	case JSON_NODE_VALUE:
		switch (json_node_get_value_type(node)) {
		case G_TYPE_STRING:
			json_string(out, json_node_get_string(node));
			break;
		case G_TYPE_BOOLEAN:
			g_string_append(out, json_node_get_boolean(node) ?
			    "true" : "false");
			break;
		case G_TYPE_DOUBLE:
			g_string_append_printf(out, "%.17g",
			    json_node_get_double(node));
			break;
		default:
			g_string_append_printf(out, "%" G_GINT64_FORMAT,
			    json_node_get_int(node));
		}
		break;
	case JSON_NODE_ARRAY: {
		JsonArray *array = json_node_get_array(node);
		guint i, n = json_array_get_length(array);

		if (n == 0) {
			g_string_append(out, "[]");
			break;
		}
		g_string_append(out, "[\n");
		for (i = 0; i < n; i++) {
			indent(out, depth + 1);
			json_pretty(out, json_array_get_element(array, i),
			    depth + 1, NULL);
			g_string_append(out, i + 1 < n ? ",\n" : "\n");
		}
		indent(out, depth);
		g_string_append_c(out, ']');
		break;
	}
	case JSON_NODE_OBJECT: {
		JsonObject *object = json_node_get_object(node);
		GList *members = json_object_get_members(object), *l;
		bool first = true;

		g_string_append_c(out, '{');
		for (l = members; l != NULL; l = l->next) {
			const char *name = l->data;

			if (skip != NULL && strcmp(name, skip) == 0)
				continue;
			g_string_append(out, first ? "\n" : ",\n");
			first = false;
			indent(out, depth + 1);
			json_string(out, name);
			g_string_append(out, ": ");
			json_pretty(out, json_object_get_member(object, name),
			    depth + 1, NULL);
		}
		g_list_free(members);
		if (!first) {
			g_string_append_c(out, '\n');
			indent(out, depth);
		}
		g_string_append_c(out, '}');
		break;
	}
	}
}

/* ---- the spool --------------------------------------------------------- */

struct mm_report *
mm_report_new(const char *spool_dir, struct mm_diag *diag)
{
	struct mm_report *report = NULL;
	char *tmpl;
	FILE *spool = NULL;
	int fd;

	tmpl = g_build_filename(spool_dir, ".status-spool-XXXXXX", NULL);
	fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		mm_diag_set(diag, MM_DIAG_CANTCREAT,
		    "cannot create a status spool in %s: %s", spool_dir,
		    g_strerror(errno));
		goto out;
	}
	/*
	 * Unlinked at once: the file lives as long as the descriptor, so a run
	 * killed at any point leaves no stray file in the output tree.
	 */
	g_unlink(tmpl);
	spool = fdopen(fd, "w+");
	if (spool == NULL) {
		mm_diag_set(diag, MM_DIAG_CANTCREAT,
		    "cannot create a status spool in %s: %s", spool_dir,
		    g_strerror(errno));
		close(fd);
		goto out;
	}
	report = g_new0(struct mm_report, 1);
	report->spool_dir = g_strdup(spool_dir);
	report->spool = spool;
	report->entries = g_array_new(FALSE, TRUE, sizeof(struct entry));
out:
	g_free(tmpl);
	return report;
}

void
mm_report_free(struct mm_report *report)
{
	guint i;

	if (report == NULL)
		return;
	if (report->spool != NULL)
		fclose(report->spool);
	for (i = 0; i < report->entries->len; i++)
		g_strfreev(g_array_index(report->entries, struct entry,
		    i).outputs);
	g_array_free(report->entries, TRUE);
	g_free(report->spool_dir);
	g_free(report->error);
	g_free(report);
}

/*
 * The RECURRENCE-ID a meeting is known by: none for a series (or single
 * meeting) with its master, else the first exception's.
 */
static const char *
meeting_recurrence_id(const struct mm_meeting *meeting)
{
	if (meeting->has_master || meeting->event_count == 0)
		return NULL;
	return meeting->events[0]->recurrence_id;
}

static void
member(GString *line, const char *name)
{
	if (line->len > 1)
		g_string_append_c(line, ',');
	json_string(line, name);
	g_string_append_c(line, ':');
}

static bool
reason_valid(enum mm_reason reason)
{
	return (int)reason >= 0 && (int)reason < REASON_SLOTS;
}

long
mm_report_add(struct mm_report *report, const struct mm_meeting *meeting,
    const struct mm_verdict *verdict, struct mm_diag *diag)
{
	GString *line = g_string_new("{");
	struct entry entry = { NULL };
	char *start = NULL;
	guint i;
	long index = -1;

	if (report->error != NULL) {
		mm_diag_set(diag, MM_DIAG_IOERR, "%s", report->error);
		goto out;
	}
	member(line, "Uid");
	json_string_or_null(line, meeting->uid);
	member(line, "RecurrenceId");
	json_string_or_null(line, meeting_recurrence_id(meeting));
	member(line, "Subject");
	json_string_or_null(line, meeting->summary);
	member(line, "Start");
	if (verdict->has_start)
		start = mm_report_time(verdict->first_start);
	json_string_or_null(line, start);
	member(line, "Attendees");
	g_string_append_printf(line, "%zu", verdict->attendee_count);
	member(line, "BlockType");
	json_string_or_null(line, verdict->block_type == MM_BLOCK_NONE ? NULL :
	    mm_block_type_name(verdict->block_type));
	member(line, "Language");
	json_string_or_null(line, verdict->language);
	member(line, "Result");
	json_string(line, mm_result_name(verdict->result));
	member(line, "Reason");
	json_string_or_null(line, verdict->reason == MM_REASON_NONE ? NULL :
	    mm_reason_name(verdict->reason));
	member(line, "Evidence");
	g_string_append_c(line, '[');
	for (i = 0; verdict->evidence != NULL && i < verdict->evidence->len;
	    i++) {
		if (i > 0)
			g_string_append_c(line, ',');
		json_string(line, g_ptr_array_index(verdict->evidence, i));
	}
	g_string_append_c(line, ']');
	/* For report.txt only: status.json has no field for it. */
	member(line, "Message");
	json_string_or_null(line, verdict->message);
	g_string_append(line, "}\n");

	if (fwrite(line->str, 1, line->len, report->spool) != line->len) {
		report->error = g_strdup_printf(
		    "cannot write the status spool in %s: %s",
		    report->spool_dir, g_strerror(errno));
		mm_diag_set(diag, MM_DIAG_IOERR, "%s", report->error);
		goto out;
	}
	switch (verdict->result) {
	case MM_RESULT_UPDATED:
		report->total++;
		report->succeeded++;
		break;
	case MM_RESULT_FAILED:
		report->total++;
		report->failed++;
		if (reason_valid(verdict->reason))
			report->failed_by[verdict->reason]++;
		break;
	case MM_RESULT_SKIPPED:
		report->skipped++;
		if (reason_valid(verdict->reason))
			report->skipped_by[verdict->reason]++;
		break;
	}
	g_array_append_val(report->entries, entry);
	index = (long)report->entries->len - 1;
out:
	g_free(start);
	g_string_free(line, TRUE);
	return index;
}

void
mm_report_set_outputs(struct mm_report *report, long index,
    const char *const *outputs)
{
	struct entry *entry;

	if (index < 0 || (guint)index >= report->entries->len)
		return;
	entry = &g_array_index(report->entries, struct entry, index);
	g_strfreev(entry->outputs);
	entry->outputs = outputs != NULL ? g_strdupv((char **)(uintptr_t)
	    outputs) : NULL;
}

unsigned
mm_report_total(const struct mm_report *report)
{
	return report->total;
}

unsigned
mm_report_succeeded(const struct mm_report *report)
{
	return report->succeeded;
}

unsigned
mm_report_failed(const struct mm_report *report)
{
	return report->failed;
}

/* An update message went out for the entry: an .eml or an EWS request. */
static bool
entry_invites(const struct entry *entry)
{
	char **p;

	for (p = entry->outputs; p != NULL && *p != NULL; p++)
		if (g_str_has_suffix(*p, ".eml") || g_str_has_suffix(*p,
		    ".ews.xml"))
			return true;
	return false;
}

unsigned
mm_report_invites(const struct mm_report *report)
{
	unsigned n = 0;
	guint i;

	for (i = 0; i < report->entries->len; i++)
		if (entry_invites(&g_array_index(report->entries, struct entry,
		    i)))
			n++;
	return n;
}

char *
mm_report_time(int64_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *text;

	if (dt == NULL)
		return g_strdup("0000-00-00T00:00:00Z");
	text = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return text;
}

/* ---- report.txt -------------------------------------------------------- */

/* Display columns of one character: East Asian wide ones take two. */
static int
char_width(gunichar c)
{
	if (g_unichar_iszerowidth(c))
		return 0;
	return g_unichar_iswide(c) ? 2 : 1;
}

static const char *
next_char(const char *p)
{
	return p + g_utf8_skip[*(const guchar *)p];
}

/* Columns TEXT (valid UTF-8) takes on a terminal, controls counted as 1. */
static int
text_width(const char *text)
{
	int width = 0;

	for (; *text != '\0'; text = next_char(text)) {
		gunichar c = g_utf8_get_char(text);

		width += g_unichar_iscntrl(c) ? 1 : char_width(c);
	}
	return width;
}

/*
 * TEXT on one line in at most WIDTH columns: controls become spaces, and a
 * text too long is cut on a character and ends with an ellipsis (U+2026).
 */
static void
append_fitted(GString *out, const char *text, int width)
{
	char *valid = g_utf8_make_valid(text, -1);
	bool cut = text_width(valid) > width;
	int used = 0;
	const char *p;

	for (p = valid; *p != '\0'; p = next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		int w = g_unichar_iscntrl(c) ? 1 : char_width(c);

		if (cut && used + w > width - 1)
			break;
		used += w;
		if (g_unichar_iscntrl(c))
			g_string_append_c(out, ' ');
		else
			g_string_append_len(out, p, next_char(p) - p);
	}
	if (cut)
		g_string_append(out, "\xe2\x80\xa6");
	g_free(valid);
}

static void
pad(GString *out, const char *text, int width)
{
	g_string_append_printf(out, "%-*s  ", width, text);
}

/* The control-free, one-line form of TEXT for the failure list. */
static char *
one_line(const char *text)
{
	char *valid = g_utf8_make_valid(text, -1);
	GString *out = g_string_new(NULL);
	const char *p;

	for (p = valid; *p != '\0'; p = next_char(p)) {
		if (g_unichar_iscntrl(g_utf8_get_char(p)))
			g_string_append_c(out, ' ');
		else
			g_string_append_len(out, p, next_char(p) - p);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

static const char *
member_string(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || JSON_NODE_TYPE(node) != JSON_NODE_VALUE)
		return NULL;
	return json_node_get_string(node);
}

/* "Result  Reason  Start  Id  Subject" for one entry. */
static void
text_line(GString *out, JsonObject *object, GString *failures)
{
	const char *uid = member_string(object, "Uid");
	const char *rid = member_string(object, "RecurrenceId");
	const char *result = member_string(object, "Result");
	const char *reason = member_string(object, "Reason");
	const char *start = member_string(object, "Start");
	const char *subject = member_string(object, "Subject");
	const char *message = member_string(object, "Message");
	char *id = mm_output_hash_id(uid, rid), *when;
	int subject_width = REPORT_WIDTH - (COL_RESULT + COL_REASON +
	    COL_START + COL_ID + 4 * 2);

	pad(out, result ? result : "-", COL_RESULT);
	pad(out, reason ? reason : "-", COL_REASON);
	/* "2026-12-01T09:00:00Z" shown as "2026-12-01 09:00" (UTC). */
	when = start != NULL && strlen(start) >= 16 ?
	    g_strdup_printf("%.10s %.5s", start, start + 11) : g_strdup("-");
	pad(out, when, COL_START);
	pad(out, id, COL_ID);
	append_fitted(out, subject ? subject : "(no subject)", subject_width);
	while (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	g_string_append_c(out, '\n');
	if (message != NULL && result != NULL && strcmp(result, "Failed") == 0) {
		char *clean = one_line(message);

		g_string_append_printf(failures, "%s  %s\n", id, clean);
		g_free(clean);
	}
	g_free(when);
	g_free(id);
}

static void
text_count(GString *out, const char *label, unsigned n)
{
	g_string_append_printf(out, "%-19s %u\n", label, n);
}

static void
text_reasons(GString *out, const unsigned *by_reason)
{
	int r;

	for (r = 0; r < REASON_SLOTS; r++) {
		const char *name;

		if (by_reason[r] == 0)
			continue;
		name = r == MM_REASON_NONE ? NULL : mm_reason_name(
		    (enum mm_reason)r);
		g_string_append_printf(out, "  %-17s %u\n", name ? name : "-",
		    by_reason[r]);
	}
}

static void
text_summary(GString *out, const struct mm_report *report,
    const struct mm_report_info *info, const char *state,
    const char *last_message)
{
	char *created = mm_report_time(info->create_date);
	char *modified = mm_report_time(info->modified_date);
	char *last = one_line(last_message ? last_message : "");

	g_string_append(out, "meetmig status report\n\n");
	g_string_append_printf(out, "%-19s %s\n", "UserPrincipalName",
	    info->upn ? info->upn : "-");
	g_string_append_printf(out, "%-19s %s\n", "UserId",
	    info->user_id ? info->user_id : "-");
	g_string_append_printf(out, "%-19s %s\n", "CorrelationId",
	    info->correlation_id ? info->correlation_id : "-");
	g_string_append_printf(out, "%-19s %s\n", "MigrationType",
	    info->migration_type ? info->migration_type : "-");
	g_string_append_printf(out, "%-19s %s\n", "State", state);
	g_string_append_printf(out, "%-19s %s\n", "CreateDate", created);
	g_string_append_printf(out, "%-19s %s\n", "ModifiedDate", modified);
	text_count(out, "TotalMeeting", report->total);
	text_count(out, "SucceededMeeting", report->succeeded);
	text_count(out, "FailedMeeting", report->failed);
	text_reasons(out, report->failed_by);
	text_count(out, "SkippedMeeting", report->skipped);
	text_reasons(out, report->skipped_by);
	text_count(out, "InvitesUpdate", mm_report_invites(report));
	text_count(out, "RetryCount", info->retry_count);
	g_string_append_printf(out, "%-19s %s\n", "LastMessage",
	    *last ? last : "-");
	g_string_append_c(out, '\n');
	pad(out, "Result", COL_RESULT);
	pad(out, "Reason", COL_REASON);
	pad(out, "Start (UTC)", COL_START);
	pad(out, "Id", COL_ID);
	g_string_append(out, "Subject\n");
	g_free(last);
	g_free(modified);
	g_free(created);
}

/* ---- finish ------------------------------------------------------------ */

static void
json_field(GString *out, const char *name)
{
	g_string_append(out, "  ");
	json_string(out, name);
	g_string_append(out, ": ");
}

static void
json_head(GString *out, const struct mm_report *report,
    const struct mm_report_info *info, const char *state,
    const char *last_message)
{
	char *created = mm_report_time(info->create_date);
	char *modified = mm_report_time(info->modified_date);

	g_string_append(out, "{\n");
	json_field(out, "CorrelationId");
	json_string_or_null(out, info->correlation_id);
	g_string_append(out, ",\n");
	json_field(out, "CreateDate");
	json_string(out, created);
	g_string_append(out, ",\n");
	json_field(out, "ModifiedDate");
	json_string(out, modified);
	g_string_append(out, ",\n");
	json_field(out, "UserId");
	json_string_or_null(out, info->user_id);
	g_string_append(out, ",\n");
	json_field(out, "UserPrincipalName");
	json_string_or_null(out, info->upn);
	g_string_append(out, ",\n");
	json_field(out, "MigrationType");
	json_string_or_null(out, info->migration_type);
	g_string_append(out, ",\n");
	json_field(out, "State");
	json_string(out, state);
	g_string_append(out, ",\n");
	json_field(out, "TotalMeeting");
	g_string_append_printf(out, "%u,\n", report->total);
	json_field(out, "SucceededMeeting");
	g_string_append_printf(out, "%u,\n", report->succeeded);
	json_field(out, "FailedMeeting");
	g_string_append_printf(out, "%u,\n", report->failed);
	json_field(out, "InvitesUpdate");
	g_string_append_printf(out, "%u,\n", mm_report_invites(report));
	json_field(out, "RetryCount");
	g_string_append_printf(out, "%u,\n", info->retry_count);
	json_field(out, "LastMessage");
	json_string(out, last_message ? last_message : "");
	g_string_append(out, ",\n");
	json_field(out, "Meetings");
	g_free(modified);
	g_free(created);
}

/* Adds "Outputs" to the entry read back from the spool. */
static void
add_outputs(JsonObject *object, const struct entry *entry)
{
	JsonArray *array = json_array_new();
	char **p;

	for (p = entry->outputs; p != NULL && *p != NULL; p++)
		json_array_add_string_element(array, *p);
	json_object_set_array_member(object, "Outputs", array);
}

/* Appends BUF to FILE and empties it. */
static int
drain(struct mm_outfile *file, GString *buf, struct mm_diag *diag)
{
	int rc = mm_outfile_write(file, buf->str, buf->len, diag);

	g_string_truncate(buf, 0);
	return rc;
}

int
mm_report_finish(struct mm_report *report, const struct mm_report_info *info,
    const char *dir, const char *last_message, struct mm_diag *diag)
{
	struct mm_outfile *json_file = NULL, *text_file = NULL;
	GString *json = g_string_new(NULL), *text = g_string_new(NULL);
	GString *failures = g_string_new(NULL);
	JsonParser *parser = json_parser_new();
	char *json_path = NULL, *text_path = NULL, *line = NULL;
	const char *state = report->failed > 0 ? "Failed" : "Succeeded";
	size_t line_alloc = 0;
	ssize_t line_len;
	guint index = 0;
	int rc = -1;

	if (report->error != NULL) {
		mm_diag_set(diag, MM_DIAG_IOERR, "%s", report->error);
		goto out;
	}
	if (fflush(report->spool) != 0 || fseek(report->spool, 0, SEEK_SET) != 0) {
		mm_diag_set(diag, MM_DIAG_IOERR,
		    "cannot write the status spool in %s: %s", report->spool_dir,
		    g_strerror(errno));
		goto out;
	}
	json_path = g_build_filename(dir, "status.json", NULL);
	text_path = g_build_filename(dir, "report.txt", NULL);
	if ((json_file = mm_outfile_open(json_path, diag)) == NULL ||
	    (text_file = mm_outfile_open(text_path, diag)) == NULL)
		goto out;

	json_head(json, report, info, state, last_message);
	text_summary(text, report, info, state, last_message);
	if (report->entries->len == 0)
		g_string_append(json, "[]");
	else
		g_string_append(json, "[\n");
	while ((line_len = getline(&line, &line_alloc, report->spool)) > 0) {
		GError *error = NULL;
		JsonNode *root;

		if (index >= report->entries->len ||
		    !json_parser_load_from_data(parser, line, line_len, &error) ||
		    (root = json_parser_get_root(parser)) == NULL ||
		    !JSON_NODE_HOLDS_OBJECT(root)) {
			mm_diag_set(diag, MM_DIAG_INTERNAL,
			    "cannot read the status spool back: entry %u: %s",
			    index, error ? error->message : "not an object");
			g_clear_error(&error);
			goto out;
		}
		add_outputs(json_node_get_object(root),
		    &g_array_index(report->entries, struct entry, index));
		if (index > 0)
			g_string_append(json, ",\n");
		indent(json, 2);
		json_pretty(json, root, 2, "Message");
		text_line(text, json_node_get_object(root), failures);
		index++;
		if (json->len >= 65536 && drain(json_file, json, diag) != 0)
			goto out;
		if (text->len >= 65536 && drain(text_file, text, diag) != 0)
			goto out;
	}
	if (ferror(report->spool) || index != report->entries->len) {
		mm_diag_set(diag, MM_DIAG_IOERR,
		    "cannot read the status spool in %s: %s", report->spool_dir,
		    ferror(report->spool) ? g_strerror(errno) :
		    "entries missing");
		goto out;
	}
	if (report->entries->len > 0)
		g_string_append(json, "\n  ]");
	g_string_append(json, "\n}\n");
	if (failures->len > 0) {
		g_string_append(text, "\nFailures\n");
		g_string_append_len(text, failures->str, failures->len);
	}
	if (drain(json_file, json, diag) != 0 || drain(text_file, text,
	    diag) != 0)
		goto out;
	rc = mm_outfile_commit(json_file, diag);
	json_file = NULL;
	if (rc != 0)
		goto out;
	rc = mm_outfile_commit(text_file, diag);
	text_file = NULL;
out:
	mm_outfile_abort(json_file);
	mm_outfile_abort(text_file);
	free(line);
	g_object_unref(parser);
	g_string_free(failures, TRUE);
	g_string_free(text, TRUE);
	g_string_free(json, TRUE);
	g_free(text_path);
	g_free(json_path);
	return rc;
}
