/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The status of one request: status.json, shaped and named like
 * Get-CsMeetingMigrationStatus, and report.txt for people.  This module owns
 * the spool that keeps memory flat however many meetings a mailbox holds,
 * the JSON layout (written here, two-space indent, UTF-8 kept as it is, in
 * the layout Python's json.dumps(indent=2, ensure_ascii=False) gives, so a
 * reviewer's diff tools agree with it) and the text report.  Each entry is
 * rendered once, when it is added, and spooled as text.  It never decides
 * a verdict and never prints.
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

/*
 * What an entry needs after it is spooled: its output names, packed in
 * report->names (each ends with NUL, an empty name ends the list); NULL
 * when it has none.  A mailbox of 500,000 meetings has 90,000 updates,
 * whose names as separate strings cost 14 MB.
 */
struct entry {
	const char *outputs;
};

struct mm_report {
	struct mm_spool *spool; /* the entries, rendered */
	struct mm_outfile *json_file;   /* finished, not yet published */
	struct mm_outfile *text_file;
	GArray *entries;        /* of struct entry */
	GStringChunk *names;    /* the entries' output names */
	unsigned total;
	unsigned succeeded;
	unsigned failed;
	unsigned skipped;
	unsigned skipped_by[REASON_SLOTS];
	unsigned failed_by[REASON_SLOTS];
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

/* ---- the spool --------------------------------------------------------- */

struct mm_report *
mm_report_new(const char *spool_dir)
{
	struct mm_report *report = g_new0(struct mm_report, 1);

	report->spool = mm_spool_new("status spool", spool_dir);
	report->entries = g_array_new(FALSE, TRUE, sizeof(struct entry));
	report->names = g_string_chunk_new(65536);
	return report;
}

void
mm_report_free(struct mm_report *report)
{
	if (report == NULL)
		return;
	mm_spool_free(report->spool);
	mm_outfile_abort(report->json_file);
	mm_outfile_abort(report->text_file);
	g_array_free(report->entries, TRUE);
	g_string_chunk_free(report->names);
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

/* One member of an entry, at depth 3 of status.json. */
static void
member(GString *out, const char *name)
{
	g_string_append(out, out->len > 0 ? ",\n      " : "    {\n      ");
	json_string(out, name);
	g_string_append(out, ": ");
}

static bool
reason_valid(enum mm_reason reason)
{
	return (int)reason >= 0 && (int)reason < REASON_SLOTS;
}

/* An entry's lines in report.txt: see text_line(). */
struct text_lines {
	GString *table;         /* its line of the table */
	GString *failure;       /* its line under "Failures", or none */
	GString *edited;        /* its line under "Edited blocks", or none */
};

static void text_line(struct text_lines *lines, const char *uid,
    const char *rid, const char *result, const char *reason,
    const char *start, const char *subject, const char *message,
    const char *edited_line);

/* A length of struct record that stands for no text (NULL). */
#define RECORD_NULL UINT32_MAX

/*
 * A spool record: the lengths, then the entry's status.json text (open:
 * Outputs and the closing brace come at the end), its report.txt line,
 * its lines under "Failures" and "Edited blocks" (most often empty), and
 * its Uid and RecurrenceId,
 * which mm_report_foreach() gives with the Result and Reason.  Rendered
 * once, here; finishing copies them.  No padding: it is written whole.
 */
struct record {
	uint32_t json_len;
	uint32_t text_len;
	uint32_t failure_len;
	uint32_t edited_len;
	uint32_t uid_len;       /* RECORD_NULL: no UID */
	uint32_t rid_len;       /* RECORD_NULL: no RecurrenceId */
	uint32_t result;        /* enum mm_result */
	uint32_t reason;        /* enum mm_reason */
};

static uint32_t
record_length(const char *text, size_t len)
{
	return text == NULL ? RECORD_NULL : (uint32_t)len;
}

static int
spool_record(struct mm_report *report, const GString *json,
    const struct text_lines *lines, const char *uid, const char *rid,
    const struct mm_verdict *verdict, struct mm_diag *diag)
{
	size_t uid_len = uid != NULL ? strlen(uid) : 0;
	size_t rid_len = rid != NULL ? strlen(rid) : 0;
	struct record rec = {
		.json_len = (uint32_t)json->len,
		.text_len = (uint32_t)lines->table->len,
		.failure_len = (uint32_t)lines->failure->len,
		.edited_len = (uint32_t)lines->edited->len,
		.uid_len = record_length(uid, uid_len),
		.rid_len = record_length(rid, rid_len),
		.result = (uint32_t)verdict->result,
		.reason = (uint32_t)verdict->reason,
	};

	if (json->len >= RECORD_NULL || lines->table->len >= RECORD_NULL ||
	    lines->failure->len >= RECORD_NULL ||
	    lines->edited->len >= RECORD_NULL || uid_len >= RECORD_NULL ||
	    rid_len >= RECORD_NULL)
		return mm_diag_set(diag, MM_DIAG_IOERR, "an entry of the status "
		    "spool is longer than 4 GiB");
	if (mm_spool_write(report->spool, &rec, sizeof rec, diag) < 0 ||
	    mm_spool_write(report->spool, json->str, json->len, diag) < 0 ||
	    mm_spool_write(report->spool, lines->table->str, lines->table->len,
	    diag) < 0 ||
	    mm_spool_write(report->spool, lines->failure->str,
	    lines->failure->len, diag) < 0 ||
	    mm_spool_write(report->spool, lines->edited->str,
	    lines->edited->len, diag) < 0 ||
	    mm_spool_write(report->spool, uid != NULL ? uid : "", uid_len,
	    diag) < 0 ||
	    mm_spool_write(report->spool, rid != NULL ? rid : "", rid_len,
	    diag) < 0)
		return -1;
	return 0;
}

long
mm_report_add(struct mm_report *report, const struct mm_meeting *meeting,
    const struct mm_verdict *verdict, struct mm_diag *diag)
{
	GString *json = g_string_new(NULL);
	struct text_lines lines = { g_string_new(NULL), g_string_new(NULL),
		g_string_new(NULL) };
	struct entry entry = { NULL };
	const char *rid = meeting_recurrence_id(meeting);
	const char *result = mm_result_name(verdict->result);
	const char *reason = verdict->reason == MM_REASON_NONE ? NULL :
	    mm_reason_name(verdict->reason);
	char *start = NULL;
	guint i;
	long index = -1;

	if (verdict->has_start)
		start = mm_report_time(verdict->first_start);
	member(json, "Uid");
	json_string_or_null(json, meeting->uid);
	member(json, "RecurrenceId");
	json_string_or_null(json, rid);
	member(json, "Subject");
	json_string_or_null(json, meeting->summary);
	member(json, "Start");
	json_string_or_null(json, start);
	member(json, "Attendees");
	g_string_append_printf(json, "%zu", verdict->attendee_count);
	member(json, "BlockType");
	json_string_or_null(json, verdict->block_type == MM_BLOCK_NONE ? NULL :
	    mm_block_type_name(verdict->block_type));
	member(json, "Language");
	json_string_or_null(json, verdict->language);
	member(json, "Result");
	json_string(json, result);
	member(json, "Reason");
	json_string_or_null(json, reason);
	member(json, "Evidence");
	if (verdict->evidence == NULL || verdict->evidence->len == 0)
		g_string_append(json, "[]");
	for (i = 0; verdict->evidence != NULL && i < verdict->evidence->len;
	    i++) {
		g_string_append(json, i == 0 ? "[\n        " : ",\n        ");
		json_string(json, g_ptr_array_index(verdict->evidence, i));
		if (i + 1 == verdict->evidence->len)
			g_string_append(json, "\n      ]");
	}
	text_line(&lines, meeting->uid, rid, result, reason, start,
	    meeting->summary, verdict->message, verdict->edited_line);

	if (spool_record(report, json, &lines, meeting->uid, rid, verdict,
	    diag) != 0)
		goto out;
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
	g_string_free(lines.edited, TRUE);
	g_string_free(lines.failure, TRUE);
	g_string_free(lines.table, TRUE);
	g_string_free(json, TRUE);
	return index;
}

void
mm_report_set_outputs(struct mm_report *report, long index,
    const char *const *outputs)
{
	struct entry *entry;
	GString *packed;

	if (index < 0 || (guint)index >= report->entries->len)
		return;
	entry = &g_array_index(report->entries, struct entry, index);
	entry->outputs = NULL;
	if (outputs == NULL || outputs[0] == NULL)
		return;
	packed = g_string_new(NULL);
	for (const char *const *p = outputs; *p != NULL; p++)
		if (**p != '\0')
			g_string_append_len(packed, *p, (gssize)strlen(*p) + 1);
	g_string_append_c(packed, '\0');
	if (packed->len > 1)
		entry->outputs = g_string_chunk_insert_len(report->names, packed->str,
	    (gssize)packed->len);
	g_string_free(packed, TRUE);
}

/* The output name after NAME in a packed list, or NULL at its end. */
static const char *
next_output(const char *name)
{
	name += strlen(name) + 1;
	return *name != '\0' ? name : NULL;
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
	for (const char *p = entry->outputs; p != NULL; p = next_output(p))
		if (g_str_has_suffix(p, ".eml") || g_str_has_suffix(p,
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

/*
 * "Result  Reason  Start  Id  Subject" for one entry to LINES->table; its
 * line under "Failures" to LINES->failure when it failed; and when it was
 * updated and EDITED_LINE is not NULL (a line the organizer typed into
 * the block, now replaced), its line under "Edited blocks".
 */
static void
text_line(struct text_lines *lines, const char *uid, const char *rid,
    const char *result, const char *reason, const char *start,
    const char *subject, const char *message, const char *edited_line)
{
	GString *out = lines->table;
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

		g_string_append_printf(lines->failure, "%s  %s\n", id, clean);
		g_free(clean);
	}
	/* Within the width of the table: "id  \"line\"". */
	if (edited_line != NULL && result != NULL &&
	    strcmp(result, "Updated") == 0) {
		g_string_append_printf(lines->edited, "%s  \"", id);
		append_fitted(lines->edited, edited_line,
		    REPORT_WIDTH - (COL_ID + 2 + 2));
		g_string_append(lines->edited, "\"\n");
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

/* Closes an entry of status.json with its Outputs. */
static void
close_entry(GString *out, const struct entry *entry)
{
	g_string_append(out, ",\n      \"Outputs\": ");
	if (entry->outputs == NULL)
		g_string_append(out, "[]");
	for (const char *p = entry->outputs; p != NULL; p = next_output(p)) {
		g_string_append(out, p == entry->outputs ? "[\n        " :
		    ",\n        ");
		json_string(out, p);
		if (next_output(p) == NULL)
			g_string_append(out, "\n      ]");
	}
	g_string_append(out, "\n    }");
}

/*
 * Appends N octets of the spool to OUT.  Returns 0, or -1 with diag when
 * they cannot be read or are not all there.
 */
static int
spool_read(struct mm_spool *spool, GString *out, size_t n,
    struct mm_diag *diag)
{
	size_t at = out->len, got;

	g_string_set_size(out, at + n);
	if (mm_spool_read(spool, out->str + at, n, &got, diag) < 0)
		return -1;
	if (got != n)
		return mm_diag_set(diag, MM_DIAG_IOERR, "cannot read the status "
		    "spool: entries missing");
	return 0;
}

/* Reads the next record header.  Returns 0, or -1 with diag. */
static int
read_record(struct mm_spool *spool, struct record *rec, struct mm_diag *diag)
{
	size_t got;

	if (mm_spool_read(spool, rec, sizeof *rec, &got, diag) < 0)
		return -1;
	if (got != sizeof *rec)
		return mm_diag_set(diag, MM_DIAG_IOERR, "cannot read the status "
		    "spool: entries missing");
	return 0;
}

/*
 * Appends the Uid of REC's entry, a NUL, its RecurrenceId to IDS (the
 * last texts of the record).  Returns 0, or -1 with diag.
 */
static int
read_ids(struct mm_spool *spool, const struct record *rec, GString *ids,
    struct mm_diag *diag)
{
	if (rec->uid_len != RECORD_NULL &&
	    spool_read(spool, ids, rec->uid_len, diag) != 0)
		return -1;
	g_string_append_c(ids, '\0');
	if (rec->rid_len != RECORD_NULL &&
	    spool_read(spool, ids, rec->rid_len, diag) != 0)
		return -1;
	return 0;
}

int
mm_report_foreach(struct mm_report *report,
    int (*fn)(void *data, const struct mm_report_meeting *meeting,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag)
{
	GString *skipped = g_string_new(NULL), *ids = g_string_new(NULL);
	struct record rec;
	int rc = -1;

	if (mm_spool_rewind(report->spool, diag) < 0)
		goto out;
	for (guint index = 0; index < report->entries->len; index++) {
		struct mm_report_meeting meeting;

		g_string_truncate(skipped, 0);
		g_string_truncate(ids, 0);
		if (read_record(report->spool, &rec, diag) != 0 ||
		    spool_read(report->spool, skipped, (size_t)rec.json_len +
		    rec.text_len + rec.failure_len + rec.edited_len, diag) != 0 ||
		    read_ids(report->spool, &rec, ids, diag) != 0)
			goto out;
		meeting.uid = rec.uid_len != RECORD_NULL ? ids->str : NULL;
		meeting.recurrence_id = rec.rid_len != RECORD_NULL ?
		    ids->str + strlen(ids->str) + 1 : NULL;
		meeting.result = mm_result_name((enum mm_result)rec.result);
		meeting.reason = rec.reason == MM_REASON_NONE ? NULL :
		    mm_reason_name((enum mm_reason)rec.reason);
		if (fn(data, &meeting, diag) < 0)
			goto out;
	}
	rc = 0;
out:
	g_string_free(ids, TRUE);
	g_string_free(skipped, TRUE);
	return rc;
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
	GString *failures = g_string_new(NULL), *ids = g_string_new(NULL);
	GString *edited = g_string_new(NULL);
	char *json_path = NULL, *text_path = NULL;
	const char *state = report->failed > 0 ? "Failed" : "Succeeded";
	struct record rec;
	guint index;
	int rc = -1;

	if (report->json_file != NULL || report->text_file != NULL) {
		mm_diag_set(diag, MM_DIAG_INTERNAL, "a report finished twice");
		goto out;
	}
	if (mm_spool_rewind(report->spool, diag) < 0)
		goto out;
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
	for (index = 0; index < report->entries->len; index++) {
		if (read_record(report->spool, &rec, diag) != 0)
			goto out;
		if (index > 0)
			g_string_append(json, ",\n");
		g_string_truncate(ids, 0);
		if (spool_read(report->spool, json, rec.json_len, diag) != 0 ||
		    spool_read(report->spool, text, rec.text_len, diag) != 0 ||
		    spool_read(report->spool, failures, rec.failure_len, diag) != 0 ||
		    spool_read(report->spool, edited, rec.edited_len, diag) != 0 ||
		    read_ids(report->spool, &rec, ids, diag) != 0)
			goto out;
		close_entry(json, &g_array_index(report->entries, struct entry,
		    index));
		if (json->len >= 65536 && drain(json_file, json, diag) != 0)
			goto out;
		if (text->len >= 65536 && drain(text_file, text, diag) != 0)
			goto out;
	}
	if (report->entries->len > 0)
		g_string_append(json, "\n  ]");
	g_string_append(json, "\n}\n");
	if (failures->len > 0) {
		g_string_append(text, "\nFailures\n");
		g_string_append_len(text, failures->str, failures->len);
	}
	if (edited->len > 0) {
		g_string_append(text, "\nEdited blocks (replaced whole, as MMS "
		    "does: tell the organizer what they had added)\n");
		g_string_append_len(text, edited->str, edited->len);
	}
	if (drain(json_file, json, diag) != 0 || drain(text_file, text,
	    diag) != 0)
		goto out;
	if (mm_outfile_close(json_file, diag) != 0 ||
	    mm_outfile_close(text_file, diag) != 0)
		goto out;
	report->json_file = json_file;
	report->text_file = text_file;
	json_file = text_file = NULL;
	rc = 0;
out:
	mm_outfile_abort(json_file);
	mm_outfile_abort(text_file);
	g_string_free(ids, TRUE);
	g_string_free(edited, TRUE);
	g_string_free(failures, TRUE);
	g_string_free(text, TRUE);
	g_string_free(json, TRUE);
	g_free(text_path);
	g_free(json_path);
	return rc;
}

int
mm_report_publish(struct mm_report *report, struct mm_diag *diag)
{
	struct mm_outfile *json_file = report->json_file;
	struct mm_outfile *text_file = report->text_file;

	report->json_file = report->text_file = NULL;
	if (json_file == NULL || text_file == NULL) {
		mm_outfile_abort(json_file);
		mm_outfile_abort(text_file);
		return mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "a report published before it was finished");
	}
	/* status.json last: its Outputs name files that are in place. */
	if (mm_outfile_publish(text_file, diag) != 0) {
		mm_outfile_abort(json_file);
		return -1;
	}
	return mm_outfile_publish(json_file, diag);
}
