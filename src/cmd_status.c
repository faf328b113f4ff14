/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig status: Get-CsMeetingMigrationStatus over the store.  It shows
 * the requests that --identity, --state, --start-time and --end-time admit
 * (the times bound ModifiedDate), with the MMS field names, as a list (the
 * default, like PowerShell's Format-List), a table, JSON, CSV or one HTML
 * page with charts for people; or, with --summary-only, the State /
 * UserCount table MMS prints.  It opens the store read-only and changes
 * nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <json-glib/json-glib.h>

#include "cmd.h"
#include "report.h"
#include "select.h"
#include "store.h"

enum format {
	FORMAT_LIST,
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_CSV,
	FORMAT_HTML,
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
	case FORMAT_HTML:
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
	case FORMAT_HTML:
		break;
	}
	g_ptr_array_free(rows, TRUE);
}

/* --- the HTML report ---------------------------------------------------- */

/*
 * One self-contained page for people: no external asset and no script, so
 * it can be mailed or archived and opened anywhere.  The charts are CSS
 * bars (text next to each, so the page reads without colour too), then a
 * table that fits a 1280-pixel window: fixed column widths, and long values
 * (LastMessage, distinguished names, UIDs) wrap anywhere rather than widen
 * the page.  Failed users come first, each with its LastMessage.  Nothing
 * in the page comes from the clock: the same store gives the same bytes.
 */

static const char html_style[] =
    "*{box-sizing:border-box}"
    "body{margin:0 auto;max-width:80rem;padding:1rem 1.5rem;"
    "font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',"
    "'DejaVu Sans',sans-serif;color:#1d232a;background:#fff}"
    "h1{font-size:1.6rem;margin:.2rem 0}"
    "h2{font-size:1.15rem;margin:1.4rem 0 .5rem}"
    "p.counts{margin:.2rem 0;font-size:1.05rem}"
    "p.filter,p.asof{margin:.2rem 0;color:#555}"
    ".charts{display:flex;flex-wrap:wrap;gap:0 2.5rem}"
    ".chart{flex:1 1 24rem;min-width:0}"
    ".bar{display:grid;grid-template-columns:minmax(7rem,14rem) 1fr 3.5rem;"
    "gap:.6rem;align-items:center;margin:.25rem 0}"
    ".bar .label{overflow-wrap:anywhere}"
    ".track{display:block;height:1.1rem;background:#eef0f2;border-radius:3px}"
    ".fill{display:block;height:100%;border-radius:3px;min-width:2px}"
    ".fill.zero{min-width:0}"
    ".bar .n{text-align:right;font-variant-numeric:tabular-nums}"
    ".fill.Pending,.state.Pending,.fill.Skipped{background:#8a939b}"
    ".fill.InProgress,.state.InProgress{background:#1e6fd9}"
    ".fill.Failed,.state.Failed{background:#c62828}"
    ".fill.Succeeded,.state.Succeeded,.fill.Updated{background:#2e7d32}"
    "table{width:100%;table-layout:fixed;border-collapse:collapse}"
    "th,td{padding:.35rem .5rem;text-align:left;vertical-align:top}"
    "td{overflow-wrap:anywhere}"
    "thead th{border-bottom:2px solid #1d232a;font-size:.9rem}"
    "tr.user td{border-top:1px solid #d5d9dd}"
    "tr.Failed td{background:#fdf0ef}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "td.time{font-size:.9rem}"
    ".upn{display:block;color:#555;font-size:.9rem}"
    ".state{display:inline-block;padding:0 .45rem;border-radius:3px;"
    "color:#fff;font-size:.85rem;font-weight:600;white-space:nowrap}"
    "tr.message td{padding-top:0;color:#444}"
    "tr.message.Failed td{color:#7a1c1c}"
    "tr.message .what{font-weight:600}"
    "col.c-state{width:7.5rem}col.c-type{width:8.5rem}"
    "col.c-num{width:5.4rem}col.c-time{width:11.5rem}"
    "p.none{color:#555}";

/* One user's row, copied out of the borrowed request. */
struct html_user {
	enum mm_store_state state;
	char *identity;
	char *upn;
	char *migration_type;
	char *last_message;
	unsigned total;
	unsigned succeeded;
	unsigned failed;
	unsigned skipped;
	unsigned invites;
	unsigned retries;
	int64_t modified;
	int64_t next_attempt;
	bool retry_scheduled;
};

/* Meetings with one result and reason, for the chart. */
struct html_bar {
	char *result;
	char *reason;           /* or NULL */
	unsigned count;
};

struct html_report {
	struct mm_store *store;
	GPtrArray *users;               /* struct html_user * */
	GHashTable *bars;               /* "result\037reason" -> struct html_bar * */
	struct html_user *current;      /* the user whose meetings are counted */
	unsigned states[MM_STORE_STATE_COUNT];
	unsigned selected;              /* sum of TotalMeeting */
	unsigned updated;               /* sum of SucceededMeeting */
	unsigned failed;                /* sum of FailedMeeting */
	unsigned skipped;               /* meetings recorded as Skipped */
	int64_t as_of;                  /* latest ModifiedDate */
	bool has_as_of;
};

static void
html_user_free(gpointer data)
{
	struct html_user *u = data;

	g_free(u->identity);
	g_free(u->upn);
	g_free(u->migration_type);
	g_free(u->last_message);
	g_free(u);
}

static void
html_bar_free(gpointer data)
{
	struct html_bar *b = data;

	g_free(b->result);
	g_free(b->reason);
	g_free(b);
}

/* TEXT escaped for HTML text and attribute values; invalid UTF-8 repaired. */
static void
put_html(const char *text)
{
	char *valid = g_utf8_make_valid(text != NULL ? text : "", -1);
	char *escaped = g_markup_escape_text(valid, -1);

	fputs(escaped, stdout);
	g_free(escaped);
	g_free(valid);
}

static int
html_add_meeting(void *data, const struct mm_store_meeting *m,
    struct mm_diag *diag)
{
	struct html_report *h = data;
	char *key = g_strdup_printf("%s\037%s", m->result,
	    m->reason != NULL ? m->reason : "");
	struct html_bar *bar = g_hash_table_lookup(h->bars, key);

	(void)diag;
	if (bar == NULL) {
		bar = g_new0(struct html_bar, 1);
		bar->result = g_strdup(m->result);
		bar->reason = g_strdup(m->reason);
		g_hash_table_insert(h->bars, key, bar);
	} else {
		g_free(key);
	}
	bar->count++;
	if (strcmp(m->result, mm_result_name(MM_RESULT_SKIPPED)) == 0) {
		h->skipped++;
		h->current->skipped++;
	}
	return 0;
}

static int
html_add_request(void *data, const struct mm_store_request *r,
    struct mm_diag *diag)
{
	struct html_report *h = data;
	struct html_user *u = g_new0(struct html_user, 1);

	u->state = r->state;
	u->identity = g_strdup(r->identity);
	u->upn = g_strdup(r->upn);
	u->migration_type = g_strdup(r->migration_type);
	u->last_message = g_strdup(r->last_message);
	u->total = r->total_meeting;
	u->succeeded = r->succeeded_meeting;
	u->failed = r->failed_meeting;
	u->invites = r->invites_update;
	u->retries = r->retry_count;
	u->modified = r->modified_date;
	u->next_attempt = r->next_attempt;
	u->retry_scheduled = r->retry_scheduled;
	g_ptr_array_add(h->users, u);
	h->selected += u->total;
	h->updated += u->succeeded;
	h->failed += u->failed;
	if ((unsigned)r->state < MM_STORE_STATE_COUNT)
		h->states[r->state]++;
	if (!h->has_as_of || r->modified_date > h->as_of)
		h->as_of = r->modified_date;
	h->has_as_of = true;
	h->current = u;
	return mm_store_meetings(h->store, r->id, html_add_meeting, h, diag);
}

/* Failed first, then InProgress, Pending, Succeeded. */
static int
state_rank(enum mm_store_state state)
{
	switch (state) {
	case MM_STORE_FAILED:
		return 0;
	case MM_STORE_IN_PROGRESS:
		return 1;
	case MM_STORE_PENDING:
		return 2;
	case MM_STORE_SUCCEEDED:
		return 3;
	}
	return 4;
}

/* g_ptr_array_sort() is not stable: the creation order breaks ties. */
struct html_ranked {
	struct html_user *user;
	guint order;
};

static int
compare_users(const void *a, const void *b)
{
	const struct html_ranked *x = a, *y = b;
	int rx = state_rank(x->user->state), ry = state_rank(y->user->state);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Updated, Failed, Skipped; a result this meetmig does not know after them. */
#define RESULT_UNKNOWN 3

static int
result_rank(const char *result)
{
	static const enum mm_result order[RESULT_UNKNOWN] = {
		MM_RESULT_UPDATED, MM_RESULT_FAILED, MM_RESULT_SKIPPED,
	};

	for (int i = 0; i < RESULT_UNKNOWN; i++)
		if (strcmp(result, mm_result_name(order[i])) == 0)
			return i;
	return RESULT_UNKNOWN;
}

/* The order the rules apply in (select.h); unknown codes after them. */
static int
reason_rank(const char *reason)
{
	if (reason == NULL)
		return 0;
	for (int r = MM_REASON_NOT_ORGANIZER; r <= MM_REASON_INVALID_DATA; r++)
		if (strcmp(reason, mm_reason_name((enum mm_reason)r)) == 0)
			return r;
	return MM_REASON_INVALID_DATA + 1;
}

static int
compare_bars(const void *a, const void *b)
{
	const struct html_bar *x = *(struct html_bar *const *)a;
	const struct html_bar *y = *(struct html_bar *const *)b;
	int rx = result_rank(x->result), ry = result_rank(y->result);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (rx == RESULT_UNKNOWN && strcmp(x->result, y->result) != 0)
		return strcmp(x->result, y->result);
	rx = reason_rank(x->reason);
	ry = reason_rank(y->reason);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return g_strcmp0(x->reason, y->reason);
}

/*
 * One bar: the label, a track filled in proportion to COUNT of MAX, the
 * count.  CLASS picks the colour.  Widths in tenths of a percent, written
 * without the locale's decimal separator.
 */
static void
put_bar(const char *label, const char *class, unsigned count, unsigned max)
{
	unsigned permille = max > 0 ? (unsigned)((uint64_t)count * 1000 / max) : 0;

	fputs("<div class=\"bar\"><span class=\"label\">", stdout);
	put_html(label);
	fputs("</span><span class=\"track\"><span class=\"fill ", stdout);
	put_html(class);
	if (count == 0)
		fputs(" zero", stdout);
	printf("\" style=\"width:%u.%u%%\"></span></span><span class=\"n\">%u"
	    "</span></div>\n", permille / 10, permille % 10, count);
}

static void
put_state_chart(const unsigned states[MM_STORE_STATE_COUNT])
{
	unsigned max = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(summary_order); i++)
		max = MAX(max, states[summary_order[i]]);
	fputs("<section class=\"chart\" id=\"users-by-state\">\n"
	    "<h2>Users by state</h2>\n", stdout);
	for (size_t i = 0; i < G_N_ELEMENTS(summary_order); i++) {
		const char *name = mm_store_state_name(summary_order[i]);

		put_bar(name, name, states[summary_order[i]], max);
	}
	fputs("</section>\n", stdout);
}

static void
put_meeting_chart(GHashTable *bars)
{
	GPtrArray *sorted = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;
	unsigned max = 0;

	g_hash_table_iter_init(&iter, bars);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const struct html_bar *bar = value;

		g_ptr_array_add(sorted, value);
		max = MAX(max, bar->count);
	}
	g_ptr_array_sort(sorted, compare_bars);
	fputs("<section class=\"chart\" id=\"meetings-by-result\">\n"
	    "<h2>Meetings by result and reason</h2>\n", stdout);
	if (sorted->len == 0)
		fputs("<p class=\"none\">No meeting recorded yet.</p>\n", stdout);
	for (guint i = 0; i < sorted->len; i++) {
		const struct html_bar *bar = g_ptr_array_index(sorted, i);
		char *label = bar->reason != NULL ?
		    g_strdup_printf("%s: %s", bar->result, bar->reason) :
		    g_strdup(bar->result);

		put_bar(label, bar->result, bar->count, max);
		g_free(label);
	}
	fputs("</section>\n", stdout);
	g_ptr_array_free(sorted, TRUE);
}

/* "4 users: 1 Failed, 3 Succeeded" (states with no user left out). */
static char *
users_line(const unsigned states[MM_STORE_STATE_COUNT])
{
	static const enum mm_store_state order[] = {
		MM_STORE_FAILED, MM_STORE_IN_PROGRESS, MM_STORE_PENDING,
		MM_STORE_SUCCEEDED,
	};
	GString *line = g_string_new(NULL);
	unsigned users = 0;
	const char *sep = ": ";

	for (int s = 0; s < MM_STORE_STATE_COUNT; s++)
		users += states[s];
	g_string_append_printf(line, "%u user%s", users, users == 1 ? "" : "s");
	for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
		if (states[order[i]] == 0)
			continue;
		g_string_append_printf(line, "%s%u %s", sep, states[order[i]],
		    mm_store_state_name(order[i]));
		sep = ", ";
	}
	return g_string_free(line, FALSE);
}

static void
put_filter(const struct mm_store_filter *filter)
{
	const char *sep = "";
	char *t;

	if (filter->identity == NULL && filter->state < 0 &&
	    !filter->has_start_time && !filter->has_end_time)
		return;
	fputs("<p class=\"filter\">Only requests with ", stdout);
	if (filter->identity != NULL) {
		fputs("identity ", stdout);
		put_html(filter->identity);
		sep = ", ";
	}
	if (filter->state >= 0) {
		printf("%sstate %s", sep,
		    mm_store_state_name((enum mm_store_state)filter->state));
		sep = ", ";
	}
	if (filter->has_start_time) {
		t = mm_report_time(filter->start_time);
		printf("%smodified at or after %s", sep, t);
		g_free(t);
		sep = ", ";
	}
	if (filter->has_end_time) {
		t = mm_report_time(filter->end_time);
		printf("%smodified at or before %s", sep, t);
		g_free(t);
	}
	fputs(".</p>\n", stdout);
}

static void
put_user(const struct html_user *u)
{
	const char *state = mm_store_state_name(u->state);
	char *modified = mm_report_time(u->modified);

	printf("<tr class=\"user %s\"><td><span class=\"state %s\">%s</span></td>"
	    "<td>", state, state, state);
	put_html(u->identity);
	if (*u->upn != '\0' && g_ascii_strcasecmp(u->upn, u->identity) != 0) {
		fputs("<span class=\"upn\">", stdout);
		put_html(u->upn);
		fputs("</span>", stdout);
	}
	fputs("</td><td>", stdout);
	put_html(u->migration_type);
	printf("</td><td class=\"num\">%u</td><td class=\"num\">%u</td>"
	    "<td class=\"num\">%u</td><td class=\"num\">%u</td>"
	    "<td class=\"num\">%u</td><td class=\"num\">%u</td>"
	    "<td class=\"time\">%s</td></tr>\n", u->total, u->succeeded,
	    u->failed, u->skipped, u->invites, u->retries, modified);
	g_free(modified);
	if (*u->last_message == '\0' && u->state != MM_STORE_FAILED)
		return;
	printf("<tr class=\"message %s\"><td></td><td colspan=\"9\">", state);
	if (*u->last_message != '\0') {
		fputs("<span class=\"what\">LastMessage:</span> ", stdout);
		put_html(u->last_message);
	}
	if (u->state == MM_STORE_FAILED) {
		if (*u->last_message != '\0')
			fputs("<br>", stdout);
		if (u->retry_scheduled) {
			char *due = mm_report_time(u->next_attempt);

			printf("<span class=\"what\">Next retry:</span> due %s, "
			    "by the first meetmig run from then on", due);
			g_free(due);
		} else {
			fputs("<span class=\"what\">No retry scheduled:</span> fix the "
			    "cause, then migrate or enqueue the user again", stdout);
		}
	}
	fputs("</td></tr>\n", stdout);
}

static void
put_users(GPtrArray *users)
{
	struct html_ranked *ranked = g_new0(struct html_ranked, users->len + 1);

	fputs("<section id=\"users\">\n<h2>Users</h2>\n", stdout);
	if (users->len == 0) {
		fputs("<p class=\"none\">No request matches.</p>\n</section>\n",
		    stdout);
		g_free(ranked);
		return;
	}
	for (guint i = 0; i < users->len; i++) {
		ranked[i].user = g_ptr_array_index(users, i);
		ranked[i].order = i;
	}
	qsort(ranked, users->len, sizeof *ranked, compare_users);
	fputs("<table>\n<colgroup><col class=\"c-state\"><col class=\"c-user\">"
	    "<col class=\"c-type\"><col class=\"c-num\"><col class=\"c-num\">"
	    "<col class=\"c-num\"><col class=\"c-num\"><col class=\"c-num\">"
	    "<col class=\"c-num\"><col class=\"c-time\"></colgroup>\n"
	    "<thead><tr><th>State</th><th>User</th><th>MigrationType</th>"
	    "<th class=\"num\" title=\"TotalMeeting\">Selected</th>"
	    "<th class=\"num\" title=\"SucceededMeeting\">Updated</th>"
	    "<th class=\"num\" title=\"FailedMeeting\">Failed</th>"
	    "<th class=\"num\">Skipped</th>"
	    "<th class=\"num\" title=\"InvitesUpdate\">Invites</th>"
	    "<th class=\"num\" title=\"RetryCount\">Retries</th>"
	    "<th>ModifiedDate</th></tr></thead>\n<tbody>\n", stdout);
	for (guint i = 0; i < users->len; i++)
		put_user(ranked[i].user);
	fputs("</tbody>\n</table>\n</section>\n", stdout);
	g_free(ranked);
}

static int
show_html(struct mm_store *store, const struct mm_store_filter *filter,
    bool summary_only, struct mm_diag *diag)
{
	struct html_report h;
	char *users = NULL;
	int result;

	memset(&h, 0, sizeof h);
	h.store = store;
	h.users = g_ptr_array_new_with_free_func(html_user_free);
	h.bars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    html_bar_free);
	if (summary_only)
		result = mm_store_summary(store, filter, h.states, diag);
	else
		result = mm_store_query(store, filter, html_add_request, &h, diag);
	if (result < 0)
		goto out;
	users = users_line(h.states);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>meetmig status: ", stdout);
	put_html(users);
	printf("</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n"
	    "<h1>Meeting migration status</h1>\n<p class=\"counts\">", html_style);
	put_html(users);
	if (!summary_only)
		printf("; %u meeting%s selected: %u updated, %u failed; %u skipped",
		    h.selected, h.selected == 1 ? "" : "s", h.updated, h.failed,
		    h.skipped);
	fputs("</p>\n", stdout);
	if (h.has_as_of) {
		char *as_of = mm_report_time(h.as_of);

		printf("<p class=\"asof\">Last change: %s</p>\n", as_of);
		g_free(as_of);
	}
	put_filter(filter);
	fputs("</header>\n<div class=\"charts\">\n", stdout);
	put_state_chart(h.states);
	if (!summary_only)
		put_meeting_chart(h.bars);
	fputs("</div>\n", stdout);
	if (!summary_only)
		put_users(h.users);
	fputs("</body>\n</html>\n", stdout);
out:
	g_free(users);
	g_ptr_array_free(h.users, TRUE);
	g_hash_table_destroy(h.bars);
	return result;
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
		  "list (default), table (default with --summary-only), json, csv, "
		  "or html (one page with charts)", "FORMAT" },
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
	status = mm_cmd_parse_no_arguments(context, &argc, &argv);
	if (status != 0)
		goto out;
	status = EX_USAGE;
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
		else if (strcmp(format_name, "html") == 0)
			format = FORMAT_HTML;
		else {
			mm_cmd_error("--format: '%s' is not list, table, json, csv or "
			    "html", format_name);
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
	if (format == FORMAT_HTML) {
		if (show_html(store, &filter, summary_only, &diag) < 0)
			goto fail;
	} else if (summary_only) {
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
