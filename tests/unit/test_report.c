/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The status report: a few meetings go through the spool, and status.json
 * and report.txt come out equal to fixtures/unit/write/status.json and
 * report.txt; status.json parses with json-glib with its fields in
 * DESIGN.md's order and non-ASCII kept as UTF-8; report.txt keeps its lines
 * within 100 columns.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "report.h"
#include "select.h"
#include "meetings.h"
#include "tap.h"

static char *tmpdir;

struct entry_case {
	const char *uid;
	const char *recurrence_id;      /* non-NULL: a meeting of exceptions only */
	const char *subject;
	int64_t start;                  /* 0: no start */
	size_t attendees;
	enum mm_block_type block;
	const char *language;
	enum mm_result result;
	enum mm_reason reason;
	const char *message;
	const char *evidence[3];
	const char *outputs[3];
	const char *edited;             /* verdict->edited_line */
};

static const struct entry_case entries[] = {
	{
		"040000008200E00074C5B7101A82E00800000000AAAA", NULL,
		"\xe9\xa1\xb9\xe7\x9b\xae\xe5\x91\xa8\xe4\xbc\x9a", 1796115600, 14,
		MM_BLOCK_SFB, "zh-CN", MM_RESULT_UPDATED, MM_REASON_NONE, NULL,
		{ "X-MICROSOFT-ONLINEMEETINGCONFLINK", "block profile sfb" },
		{ "updates/0001-1f9af35b6b11.ics", "updates/0001-1f9af35b6b11.eml" },
		"\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\tBring your badge",
	},
	{
		"not-mine@example.com", NULL,
		"Lunch\twith \"friends\"\nand \\ more\x01", 0, 3,
		MM_BLOCK_NONE, NULL, MM_RESULT_SKIPPED, MM_REASON_NOT_ORGANIZER,
		NULL, { "ORGANIZER is boss@contoso.com" }, { NULL }, NULL,
	},
	{
		"040000008200E00074C5B7101A82E00800000000BBBB", "20261215T090000",
		"\xd8\xa7\xd8\xac\xd8\xaa\xd9\x85\xd8\xa7\xd8\xb9 \xd9\x81\xd8\xb1\xd9\x8a\xd9\x82 "
		"\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89\xe5\x9b\x9b\xe4\xba\x94\xe5\x85\xad\xe4\xb8\x83\xe5\x85\xab\xe4\xb9\x9d\xe5\x8d\x81"
		" Quarterly business review with the whole extended team",
		1797325200, 251, MM_BLOCK_TEAMS, "ar-SA", MM_RESULT_FAILED,
		MM_REASON_NO_COORDINATES,
		"no Teams join link for this meeting\n(teams-links.csv)",
		{ NULL }, { NULL }, "a failed meeting's block was not replaced",
	},
	{
		"single@contoso.com", NULL, NULL, 1796202000, 2, MM_BLOCK_TEAMS,
		"en-US", MM_RESULT_UPDATED, MM_REASON_NONE, NULL, { NULL },
		{ "updates/0002-aaaaaaaaaaaa.ics" },
		/* 45 wide characters, 90 columns: cut to fit 100 */
		"\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7"
		"\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6"
		"\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5"
		"\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c"
		"\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7"
		"\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6"
		"\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5"
		"\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c"
		"\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7"
		"\xe5\xb8\xa6\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6"
		"\xe5\xb7\xa5\xe7\x89\x8c\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5"
		"\xe7\x89\x8c",
	},
};

static struct mm_meeting *
make_meeting(const struct entry_case *c)
{
	struct mm_meeting *meeting = mm_meeting_new();
	struct mm_event *event = mm_event_new(1);

	meeting->uid = g_strdup(c->uid);
	meeting->summary = g_strdup(c->subject);
	meeting->has_master = c->recurrence_id == NULL;
	event->recurrence_id = g_strdup(c->recurrence_id);
	mm_meeting_add_event(meeting, event);
	return meeting;
}

static void
make_verdict(const struct entry_case *c, struct mm_verdict *v)
{
	size_t i;

	mm_verdict_init(v);
	v->result = c->result;
	v->reason = c->reason;
	v->message = g_strdup(c->message);
	v->attendee_count = c->attendees;
	v->has_start = c->start != 0;
	v->first_start = c->start;
	v->block_type = c->block;
	v->language = c->language;
	v->edited_line = g_strdup(c->edited);
	for (i = 0; i < G_N_ELEMENTS(c->evidence) && c->evidence[i]; i++)
		mm_verdict_evidence(v, "%s", c->evidence[i]);
}

static char *
read_text(const char *dir, const char *name, size_t *len)
{
	char *path = g_build_filename(dir, name, NULL);
	char *data = NULL;
	gsize data_len = 0;

	g_file_get_contents(path, &data, &data_len, NULL);
	g_free(path);
	if (len != NULL)
		*len = data_len;
	return data;
}

static char *
fixture_dir(void)
{
	const char *srcdir = g_getenv("MM_SRCDIR");

	return g_build_filename(srcdir ? srcdir : ".", "fixtures", "unit",
	    "write", NULL);
}

static bool
same_file(const char *dir, const char *name)
{
	char *fixtures = fixture_dir();
	size_t got_len, want_len;
	char *got = read_text(dir, name, &got_len);
	char *want = read_text(fixtures, name, &want_len);
	bool same = got != NULL && want != NULL && got_len == want_len &&
	    memcmp(got, want, got_len) == 0;

	if (!same && g_getenv("MM_WRITE_SHOW") != NULL && got != NULL)
		printf("# --- %s\n%s", name, got);
	g_free(want);
	g_free(got);
	g_free(fixtures);
	return same;
}

/* The member names of OBJECT, in order, joined with ','. */
static char *
member_names(JsonObject *object)
{
	GList *members = json_object_get_members(object), *l;
	GString *names = g_string_new(NULL);

	for (l = members; l != NULL; l = l->next)
		g_string_append_printf(names, "%s%s", names->len ? "," : "",
		    (const char *)l->data);
	g_list_free(members);
	return g_string_free(names, FALSE);
}

static const char *top_fields = "CorrelationId,CreateDate,ModifiedDate,"
    "UserId,UserPrincipalName,MigrationType,State,TotalMeeting,"
    "SucceededMeeting,FailedMeeting,InvitesUpdate,RetryCount,LastMessage,"
    "Meetings";
static const char *meeting_fields = "Uid,RecurrenceId,Subject,Start,"
    "Attendees,BlockType,Language,Result,Reason,Evidence,Outputs";

static void
check_json(const char *dir)
{
	char *path = g_build_filename(dir, "status.json", NULL);
	JsonParser *parser = json_parser_new();
	GError *error = NULL;
	JsonObject *top, *first, *skipped, *failed;
	JsonArray *meetings;
	char *names, *raw;

	if (!tap_ok(json_parser_load_from_file(parser, path, &error),
	    "status.json parses with json-glib (%s)",
	    error ? error->message : "ok"))
		goto out;
	top = json_node_get_object(json_parser_get_root(parser));
	names = member_names(top);
	tap_str(names, top_fields, "status.json fields in DESIGN.md order");
	g_free(names);
	tap_str(json_object_get_string_member(top, "State"), "Failed",
	    "State Failed when a meeting failed");
	tap_ok(json_object_get_int_member(top, "TotalMeeting") == 3 &&
	    json_object_get_int_member(top, "SucceededMeeting") == 2 &&
	    json_object_get_int_member(top, "FailedMeeting") == 1 &&
	    json_object_get_int_member(top, "InvitesUpdate") == 1 &&
	    json_object_get_int_member(top, "RetryCount") == 2,
	    "counts: 3 selected, 2 updated, 1 failed, 1 invite, 2 retries");
	tap_ok(json_object_get_null_member(top, "UserId"), "UserId null");
	meetings = json_object_get_array_member(top, "Meetings");
	if (!tap_ok(json_array_get_length(meetings) == 4, "four meetings"))
		goto out;
	first = json_array_get_object_element(meetings, 0);
	skipped = json_array_get_object_element(meetings, 1);
	failed = json_array_get_object_element(meetings, 2);
	names = member_names(first);
	tap_str(names, meeting_fields, "meeting fields in order, no Message");
	g_free(names);
	tap_str(json_object_get_string_member(first, "Subject"),
	    entries[0].subject, "Chinese subject round trip");
	tap_str(json_object_get_string_member(first, "Start"),
	    "2026-12-01T09:00:00Z", "Start in ISO 8601 UTC");
	tap_str(json_object_get_string_member(first, "BlockType"), "sfb",
	    "BlockType");
	tap_ok(json_object_get_null_member(first, "RecurrenceId") &&
	    json_object_get_null_member(first, "Reason"),
	    "series: RecurrenceId and Reason null");
	tap_ok(json_array_get_length(json_object_get_array_member(first,
	    "Outputs")) == 2, "outputs listed");
	tap_str(json_object_get_string_member(skipped, "Subject"),
	    entries[1].subject, "subject with controls round trip");
	tap_ok(json_object_get_null_member(skipped, "Start") &&
	    json_object_get_null_member(skipped, "BlockType") &&
	    json_object_get_null_member(skipped, "Language") &&
	    json_array_get_length(json_object_get_array_member(skipped,
	    "Outputs")) == 0, "skipped: no start, no block, no outputs");
	tap_str(json_object_get_string_member(skipped, "Reason"),
	    "NotOrganizer", "skip reason");
	tap_str(json_object_get_string_member(failed, "RecurrenceId"),
	    "20261215T090000", "exceptions only: RecurrenceId given");
	tap_str(json_object_get_string_member(failed, "Result"), "Failed",
	    "failed result");
	raw = read_text(dir, "status.json", NULL);
	tap_ok(raw != NULL && strstr(raw, "\"\xe9\xa1\xb9\xe7\x9b\xae") != NULL &&
	    strstr(raw, "\\u") == strstr(raw, "\\u0001") &&
	    strstr(raw, "\\u0001") != NULL,
	    "non-ASCII kept as UTF-8, only controls as \\u escapes");
	tap_ok(raw != NULL && g_str_has_suffix(raw, "]\n}\n") &&
	    strstr(raw, "\n  \"CorrelationId\": \"") != NULL,
	    "two-space indent, \"key\": value, final newline");
	g_free(raw);
out:
	g_clear_error(&error);
	g_object_unref(parser);
	g_free(path);
}

/* Display columns of a line: wide characters count two. */
static long
columns(const char *line)
{
	long n = 0;
	const char *p;

	for (p = line; *p != '\0'; p += g_utf8_skip[*(const guchar *)p]) {
		gunichar c = g_utf8_get_char(p);

		n += g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
	}
	return n;
}

static void
check_text(const char *dir)
{
	char *text = read_text(dir, "report.txt", NULL);
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	long widest = 0;
	size_t i;
	bool controls = false;

	for (i = 0; lines[i] != NULL; i++) {
		const char *p;

		if (columns(lines[i]) > widest)
			widest = columns(lines[i]);
		for (p = lines[i]; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20)
				controls = true;
	}
	tap_ok(widest <= 100, "report.txt lines within 100 columns (%ld)",
	    widest);
	tap_ok(!controls, "report.txt has no control characters");
	tap_ok(text != NULL && strstr(text, " Quart\xe2\x80\xa6\n") != NULL,
	    "long subject cut with an ellipsis");
	tap_ok(text != NULL && strstr(text, "\nFailures\n") != NULL &&
	    strstr(text, "  no Teams join link for this meeting "
	    "(teams-links.csv)\n") != NULL, "failure message listed");
	tap_ok(text != NULL && strstr(text, "\nEdited blocks "
	    "(replaced whole, as MMS does: tell the organizer what they had "
	    "added)\nd416f48e8d70  \"\xe8\xaf\xb7\xe5\xb8\xa6\xe5\xb7\xa5"
	    "\xe7\x89\x8c Bring your badge\"\n619a03dee52e  \"") != NULL &&
	    g_str_has_suffix(text, "\xe2\x80\xa6\"\n") &&
	    strstr(text, "was not replaced") == NULL,
	    "the updated meetings' edited lines listed last (a long one cut), "
	    "the failed one's not");
	tap_ok(text != NULL && strstr(text, "  NotOrganizer      1\n") != NULL &&
	    strstr(text, "  NoCoordinates     1\n") != NULL,
	    "counts per reason");
	g_strfreev(lines);
	g_free(text);
}

/* How many names DIR holds, hidden ones included. */
static unsigned
count_files(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	unsigned n = 0;

	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	if (d != NULL)
		g_dir_close(d);
	return n;
}

static void
remove_outputs(const char *dir)
{
	char *json = g_build_filename(dir, "status.json", NULL);
	char *text = g_build_filename(dir, "report.txt", NULL);

	g_unlink(json);
	g_unlink(text);
	g_rmdir(dir);
	g_free(text);
	g_free(json);
}

static void
test_report(void)
{
	struct mm_report_info info = {
		"5f0c7a1e-9b1d-4c8e-a0f3-2b6d7e8f9a01", 1795000000, 1795000300,
		NULL, "ashaw@contoso.com", "AllToTeams", 2,
	};
	struct mm_diag diag;
	struct mm_report *report;
	char *dir = g_build_filename(tmpdir, "report", NULL);
	char *listing;
	GDir *d;
	size_t i;
	int rc;

	mm_diag_init(&diag);
	g_mkdir(dir, 0777);
	report = mm_report_new(dir);
	if (!tap_ok(report != NULL, "report_new (%s)", diag.message ?
	    diag.message : "ok"))
		goto out;
	for (i = 0; i < G_N_ELEMENTS(entries); i++) {
		struct mm_meeting *meeting = make_meeting(&entries[i]);
		struct mm_verdict verdict;
		long index;

		make_verdict(&entries[i], &verdict);
		index = mm_report_add(report, meeting, &verdict, &diag);
		tap_ok(index == (long)i, "entry %zu added", i);
		if (entries[i].outputs[0] != NULL)
			mm_report_set_outputs(report, index, entries[i].outputs);
		mm_verdict_release(&verdict);
		mm_meeting_free(meeting);
	}
	d = g_dir_open(dir, 0, NULL);
	listing = g_strdup(d != NULL ? g_dir_read_name(d) : "?");
	if (d != NULL)
		g_dir_close(d);
	tap_ok(listing == NULL, "the spool leaves no file in the folder (%s)",
	    listing ? listing : "none");
	g_free(listing);
	tap_ok(mm_report_total(report) == 3 && mm_report_succeeded(report) == 2 &&
	    mm_report_failed(report) == 1 && mm_report_invites(report) == 1,
	    "counts before finish");
	rc = mm_report_finish(report, &info, dir, "1 meeting failed", &diag);
	tap_ok(rc == 0, "finish (%s)", diag.message ? diag.message : "ok");
	listing = read_text(dir, "status.json", NULL);
	tap_ok(listing == NULL, "no status.json before the report is published");
	g_free(listing);
	rc = mm_report_publish(report, &diag);
	tap_ok(rc == 0, "publish (%s)", diag.message ? diag.message : "ok");
	tap_ok(same_file(dir, "status.json"),
	    "status.json equals fixtures/unit/write/status.json");
	tap_ok(same_file(dir, "report.txt"),
	    "report.txt equals fixtures/unit/write/report.txt");
	check_json(dir);
	check_text(dir);
out:
	mm_report_free(report);
	remove_outputs(dir);
	g_free(dir);
	mm_diag_release(&diag);
}

/* mm_report_foreach() into meeting_line()s. */
static int
foreach_line(void *data, const struct mm_report_meeting *m,
    struct mm_diag *diag)
{
	(void)diag;
	meeting_line(data, m->uid, m->recurrence_id, m->result, m->reason);
	return 0;
}

/*
 * What the store records comes from mm_report_foreach(): the same Uid,
 * RecurrenceId, Result and Reason as status.json, in its order, also once
 * the spool has spilled into a file (4,000 entries, past the MiB it keeps
 * in memory), also with no UID, and as often as it is asked.
 */
static void
test_foreach(void)
{
	enum { COUNT = 4000 };
	struct mm_report_info info = {
		"5f0c7a1e-9b1d-4c8e-a0f3-2b6d7e8f9a01", 1795000000, 1795000300,
		NULL, "ashaw@contoso.com", "AllToTeams", 0,
	};
	struct mm_diag diag;
	char *dir = g_build_filename(tmpdir, "foreach", NULL);
	struct mm_report *report;
	GString *first = g_string_new(NULL), *again = g_string_new(NULL);
	GString *want = g_string_new(NULL);
	char *path = g_build_filename(dir, "status.json", NULL);
	JsonParser *parser = json_parser_new();
	bool added = true;
	int rc;

	mm_diag_init(&diag);
	g_mkdir(dir, 0777);
	report = mm_report_new(dir);
	for (int i = 0; i < COUNT && added; i++) {
		const struct entry_case *c = &entries[i % G_N_ELEMENTS(entries)];
		struct mm_meeting *meeting = make_meeting(c);
		struct mm_verdict verdict;

		g_free(meeting->uid);
		meeting->uid = i % 7 == 3 ? NULL : g_strdup_printf("%s-%d", c->uid, i);
		make_verdict(c, &verdict);
		added = mm_report_add(report, meeting, &verdict, &diag) == i;
		mm_verdict_release(&verdict);
		mm_meeting_free(meeting);
	}
	tap_ok(added, "%d entries added (%s)", COUNT,
	    diag.message ? diag.message : "ok");
	rc = mm_report_foreach(report, foreach_line, first, &diag);
	rc |= mm_report_finish(report, &info, dir, NULL, &diag);
	rc |= mm_report_publish(report, &diag);
	rc |= mm_report_foreach(report, foreach_line, again, &diag);
	tap_ok(rc == 0, "foreach, finish, publish, foreach (%s)",
	    diag.message ? diag.message : "ok");
	if (json_parser_load_from_file(parser, path, NULL))
		status_meeting_lines(json_node_get_object(
		    json_parser_get_root(parser)), want);
	tap_ok(want->len > 0 && strcmp(first->str, want->str) == 0,
	    "foreach gives status.json's Meetings (%zu octets of lines)",
	    want->len);
	tap_ok(strcmp(again->str, first->str) == 0,
	    "foreach gives the same after finishing and publishing");
	g_object_unref(parser);
	g_string_free(want, TRUE);
	g_string_free(again, TRUE);
	g_string_free(first, TRUE);
	g_free(path);
	mm_report_free(report);
	remove_outputs(dir);
	g_free(dir);
	mm_diag_release(&diag);
}

static void
test_empty(void)
{
	struct mm_report_info info = {
		"00000000-0000-0000-0000-000000000000", 0, 0, "guid", "u@x.example",
		"SfbToTeams", 0,
	};
	struct mm_diag diag;
	char *dir = g_build_filename(tmpdir, "empty", NULL);
	char *missing = g_build_filename(tmpdir, "missing", NULL);
	struct mm_report *report;
	char *json;

	mm_diag_init(&diag);
	g_mkdir(dir, 0777);
	report = mm_report_new(dir);
	tap_ok(mm_report_finish(report, &info, dir, NULL, &diag) == 0 &&
	    mm_report_publish(report, &diag) == 0, "finish with no meetings");
	json = read_text(dir, "status.json", NULL);
	tap_ok(json != NULL && strstr(json, "  \"State\": \"Succeeded\",\n") &&
	    strstr(json, "  \"LastMessage\": \"\",\n") &&
	    g_str_has_suffix(json, "  \"Meetings\": []\n}\n"),
	    "no meetings: Succeeded, LastMessage \"\", Meetings []");
	g_free(json);
	mm_report_free(report);
	report = mm_report_new(dir);
	tap_ok(mm_report_finish(report, &info, missing, NULL, &diag) == -1 &&
	    diag.code == MM_DIAG_CANTCREAT, "finish into a missing folder is 73");
	mm_report_free(report);
	mm_diag_clear(&diag);
	report = mm_report_new(dir);
	tap_ok(mm_report_publish(report, &diag) == -1 &&
	    diag.code == MM_DIAG_INTERNAL, "publish before finish is refused");
	mm_report_free(report);
	mm_diag_clear(&diag);
	report = mm_report_new(dir);
	tap_ok(mm_report_finish(report, &info, dir, NULL, &diag) == 0,
	    "finish, then free without publishing");
	mm_report_free(report);
	tap_ok(count_files(dir) == 2, "an unpublished report leaves no file "
	    "behind (%u files)", count_files(dir));
	remove_outputs(dir);
	g_free(missing);
	g_free(dir);
	mm_diag_release(&diag);
}

static void
test_time(void)
{
	static const struct {
		int64_t t;
		const char *want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1795000000, "2026-11-18T11:06:40Z" },
		{ 1796115600, "2026-12-01T09:00:00Z" },
		{ 4102444799, "2099-12-31T23:59:59Z" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = mm_report_time(cases[i].t);

		tap_str(got, cases[i].want, cases[i].want);
		g_free(got);
	}
}

int
main(void)
{
	GError *error = NULL;

	tmpdir = g_dir_make_tmp("meetmig-report-XXXXXX", &error);
	if (tmpdir == NULL) {
		printf("Bail out! cannot make a temporary folder: %s\n",
		    error->message);
		return 1;
	}
	test_report();
	test_foreach();
	test_empty();
	test_time();
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return tap_done();
}
