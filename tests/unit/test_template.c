/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Templates: every (type, language, body kind) with full, partial and
 * minimal values goes through the block engine again and must come back as
 * the same block (the round trip behind idempotent re-runs); sections whose
 * values are missing are left out; values are HTML-escaped in HTML and left
 * alone in text; language tags fall back as documented; and a few renders
 * are compared byte for byte with fixtures/unit/block/render-* (MM_REGEN=1
 * rewrites them, for a reviewer to read the diff).  Then template
 * directories: a file overrides the built-in template of its type and
 * language, placeholders and sections, and every way a file is refused at
 * load.  Last, the rule that tells an edited block: every real block of
 * fixtures/unit/block/ and every rendering is as written; the same blocks
 * with a line the organizer typed are edited, and the line is named.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "block.h"
#include "template.h"
#include "tap.h"

#define BEFORE_TEXT "Before: 季度回顾 مرحبا 🎉 e\xcc\x81\n"
#define AFTER_TEXT "After: 谢谢 شكراً 👍🏽\n"
#define BEFORE_HTML "<p>Before: 季度回顾 مرحبا 🎉</p>\n"
#define AFTER_HTML "\n<p>After: 谢谢 شكراً 👍🏽</p>"

#define SFB_URL "https://meet.contoso.com/ashaw/8R3KQW2Z"
#define TEAMS_URL "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"MzBmYzAxYjktNDBlZS00MGIzLTg1MzktYThlYzQ0ODZjNDU2%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%22906d1680-c46e-4105-9c77-5bc90110a6e6%22%2c%22Oid%22%3a" \
	"%2239353b6b-e313-4c06-9f2d-ebd5ca2c9190%22%7d"
#define RULE_DOTS "................................................................" \
	"........................................................................."
#define TEAMS_SHORT "https://teams.microsoft.com/meet/496119491249482?p=Dqox30LtKOEIJCrNdL"

/* The values of one target, as string literals. */
struct values {
	const char *name;
	enum mm_block_type type;
	const char *join_url, *dialin_url, *conference_id, *toll_number;
	const char *toll_free_number, *meeting_id, *passcode, *provider;
	const char *help_url;
	const char *expect_conference;  /* digits block.c must read back */
	bool expect_ids;                /* meeting ID and passcode read back */
};

static const struct values value_sets[] = {
	{ "sfb full", MM_BLOCK_SFB, SFB_URL, "https://dialin.contoso.com",
	  "765 4321", "+1 425 555 0100 (Redmond)", "+1 800 555 0100", NULL, NULL,
	  NULL, NULL, "7654321", false },
	{ "sfb provider", MM_BLOCK_SFB, SFB_URL,
	  "http://www.intercall.com/l/dial-in-number-lookup.php", "9549110989",
	  "US 877 361 4628", NULL, NULL, NULL, "InterCall",
	  "http://go.microsoft.com/fwlink/?LinkId=389737", "9549110989", false },
	{ "sfb no dial-in", MM_BLOCK_SFB, SFB_URL, NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, false },
	{ "teams full", MM_BLOCK_TEAMS, TEAMS_URL,
	  "https://dialin.teams.microsoft.com/0b2f1c1e?id=987654321",
	  "987 654 321#", "+1 323-555-0123 (Los Angeles)", "(866) 679-9995",
	  "213 050 950 66", "BuLHJx", NULL, "https://help.contoso.com/teams",
	  "987654321", true },
	{ "teams ids only", MM_BLOCK_TEAMS, TEAMS_URL, NULL, NULL, NULL, NULL,
	  "213 050 950 66", "BuLHJx", NULL, NULL, NULL, true },
	{ "teams join only", MM_BLOCK_TEAMS, TEAMS_URL, NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, false },
	{ "teams short link", MM_BLOCK_TEAMS, TEAMS_SHORT, NULL, "133974151",
	  "+1 872-215-6947", NULL, "496 119 491 249 482", "nb9N9R8V", NULL, NULL,
	  "133974151", true },
};

static void
make_target(const struct values *v, struct mm_target *t)
{
	memset(t, 0, sizeof *t);
	t->type = v->type;
	t->join_url = g_strdup(v->join_url);
	t->dialin_url = g_strdup(v->dialin_url);
	t->conference_id = g_strdup(v->conference_id);
	t->toll_number = g_strdup(v->toll_number);
	t->toll_free_number = g_strdup(v->toll_free_number);
	t->meeting_id = g_strdup(v->meeting_id);
	t->passcode = g_strdup(v->passcode);
	t->provider = g_strdup(v->provider);
	t->help_url = g_strdup(v->help_url);
}

static char *
digits(const char *s)
{
	GString *d = g_string_new(NULL);

	for (; s != NULL && *s != '\0'; s++)
		if (g_ascii_isdigit(*s))
			g_string_append_c(d, *s);
	return g_string_free(d, false);
}

static void
check_round_trip(struct mm_block_engine *engine, const struct values *v,
    const char *language, enum mm_body_kind kind, const char *newline)
{
	const char *before = kind == MM_BODY_TEXT ? BEFORE_TEXT : BEFORE_HTML;
	const char *after = kind == MM_BODY_TEXT ? AFTER_TEXT : AFTER_HTML;
	const char *kind_name = kind == MM_BODY_TEXT ? "text" : "html";
	const char *used = NULL, *used_again = NULL;
	struct mm_target target;
	struct mm_block block;
	struct mm_diag diag;
	char *rendered, *again, *body, *label, *want_meeting = NULL;
	size_t start;
	int rc;

	make_target(v, &target);
	rendered = mm_template_render(&target, language, kind, newline, &used);
	again = mm_template_render(&target, language, kind, newline, &used_again);
	label = g_strdup_printf("%s %s %s%s", v->name, language, kind_name,
	    strcmp(newline, "\r\n") == 0 ? " crlf" : "");
	tap_ok(strcmp(rendered, again) == 0, "%s: deterministic", label);
	tap_ok(used != NULL && strcmp(used, language) == 0,
	    "%s: language used %s", label, used ? used : "(null)");
	if (kind == MM_BODY_TEXT) {
		size_t n = strlen(rendered), nl = strlen(newline);

		tap_ok(n > 80 + nl && strcmp(rendered + n - nl, newline) == 0 &&
		    rendered[n - nl - 1] == (v->type == MM_BLOCK_SFB ? '.' : '_'),
		    "%s: ends with the closing rule and its newline", label);
		tap_ok(strstr(rendered, newline[0] == '\r' ? "\n" : "\r") == NULL ||
		    newline[0] == '\r', "%s: one newline style", label);
	} else {
		tap_ok(g_str_has_suffix(rendered, "</p>") ||
		    g_str_has_suffix(rendered, "</div>"),
		    "%s: ends with the closing element", label);
	}
	tap_ok((v->toll_number != NULL) == (strstr(rendered, "tel:") != NULL),
	    "%s: dial-in section %s", label,
	    v->toll_number != NULL ? "present" : "absent");
	if (v->passcode == NULL)
		tap_ok(strstr(rendered, "BuLHJx") == NULL &&
		    strstr(rendered, "nb9N9R8V") == NULL,
		    "%s: no passcode line", label);

	body = g_strconcat(before, rendered, after, NULL);
	start = strlen(before);
	mm_diag_init(&diag);
	rc = mm_block_find(engine, body, strlen(body), kind, &block, &diag);
	tap_ok(rc == MM_BLOCK_FOUND, "%s: found again (rc %d%s%s)", label, rc,
	    diag.message ? ", " : "", diag.message ? diag.message : "");
	tap_ok(block.type == v->type, "%s: same type", label);
	tap_ok(block.start == start && block.end == start + strlen(rendered),
	    "%s: span is the rendering (%zu-%zu, expected %zu-%zu)", label,
	    block.start, block.end, start, start + strlen(rendered));
	tap_str(block.join_url, v->join_url, "join url read back");
	tap_str(block.conference_id, v->expect_conference,
	    "conference id read back");
	tap_str(block.language, language, "language read back");
	if (v->expect_ids) {
		want_meeting = digits(v->meeting_id);
		tap_str(block.meeting_id, want_meeting, "meeting id read back");
		tap_str(block.passcode, v->passcode, "passcode read back");
	}
	if (v->type == MM_BLOCK_SFB)
		tap_str(block.conference_key, "8R3KQW2Z", "conference key");
	if (kind == MM_BODY_TEXT)
		tap_str(block.newline, newline, "newline read back");
	/* Only the Skype block carries add-in marks of its own. */
	tap_ok(block.addin_marker == (v->type == MM_BLOCK_SFB),
	    "%s: add-in marker %s", label,
	    block.addin_evidence ? block.addin_evidence : "none");

	g_free(want_meeting);
	mm_block_release(&block);
	mm_diag_release(&diag);
	g_free(body);
	g_free(label);
	g_free(again);
	g_free(rendered);
	mm_target_release(&target);
}

static void
test_round_trips(struct mm_block_engine *engine)
{
	const char *const *languages = mm_template_languages();
	size_t count = 0;

	for (size_t l = 0; languages[l] != NULL; l++) {
		count++;
		for (size_t v = 0; v < G_N_ELEMENTS(value_sets); v++) {
			check_round_trip(engine, &value_sets[v], languages[l],
			    MM_BODY_TEXT, v % 2 ? "\r\n" : "\n");
			check_round_trip(engine, &value_sets[v], languages[l],
			    MM_BODY_HTML, "\r\n");
		}
	}
	tap_ok(count >= 6, "%zu template languages", count);
}

static void
test_language_choice(void)
{
	static const struct {
		const char *asked;
		const char *used;
	} cases[] = {
		{ NULL, "en-US" }, { "en-US", "en-US" }, { "fr-FR", "fr-FR" },
		{ "fr-CA", "fr-FR" }, { "FR-fr", "fr-FR" }, { "de_AT", "de-DE" },
		{ "es-MX", "es-ES" }, { "zh", "zh-CN" }, { "ja-JP", "ja-JP" },
		{ "pt-BR", "en-US" }, { "", "en-US" }, { "x", "en-US" },
		{ "en-GB", "en-US" },
	};
	struct mm_target target;

	memset(&target, 0, sizeof target);
	target.type = MM_BLOCK_TEAMS;
	target.join_url = g_strdup(TEAMS_URL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *used = NULL;
		char *out = mm_template_render(&target, cases[i].asked,
		    MM_BODY_TEXT, "\n", &used);
		char *name = g_strdup_printf("language %s",
		    cases[i].asked ? cases[i].asked : "(null)");

		tap_str(used, cases[i].used, name);
		g_free(name);
		g_free(out);
	}
	g_free(mm_template_render(&target, "fr-FR", MM_BODY_HTML, "\n", NULL));
	tap_ok(1, "language_used may be NULL");
	mm_target_release(&target);
}

static void
test_escaping(struct mm_block_engine *engine)
{
	static const char *const evil = "<script>alert(1)</script>&\"'";
	struct mm_target target;
	char *html, *text;
	struct mm_block block;
	struct mm_diag diag;
	int rc;

	memset(&target, 0, sizeof target);
	target.type = MM_BLOCK_TEAMS;
	target.join_url = g_strdup(TEAMS_URL "&anon=true");
	target.passcode = g_strdup(evil);
	target.provider = g_strdup(evil);
	target.meeting_id = g_strdup("213 050 950 66");
	target.toll_number = g_strdup("+1 425 555 0100 <b>&\"'");
	target.conference_id = g_strdup("123456");
	target.dialin_url = g_strdup("https://dialin.example.com/?a=1&b=\"2\"");
	html = mm_template_render(&target, "en-US", MM_BODY_HTML, "\n", NULL);
	text = mm_template_render(&target, "en-US", MM_BODY_TEXT, "\n", NULL);
	tap_ok(strstr(html, "<script>") == NULL && strstr(html, "<b>") == NULL,
	    "html: no live markup from values");
	tap_ok(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;"
	    "&#39;") != NULL, "html: value escaped as text");
	tap_ok(strstr(html, "href=\"https://dialin.example.com/?a=1&amp;b="
	    "&quot;2&quot;\"") != NULL, "html: value escaped in an attribute");
	tap_ok(strstr(html, TEAMS_URL "&amp;anon=true\"") != NULL,
	    "html: & in the join url escaped");
	tap_ok(strstr(text, evil) != NULL, "text: value unchanged");
	tap_ok(strstr(text, "<" TEAMS_URL "&anon=true>") != NULL,
	    "text: join url unchanged");
	mm_diag_init(&diag);
	rc = mm_block_find(engine, html, strlen(html), MM_BODY_HTML, &block,
	    &diag);
	tap_ok(rc == MM_BLOCK_FOUND && block.start == 0 &&
	    block.end == strlen(html), "html with escaped values: found whole");
	tap_str(block.join_url, TEAMS_URL "&anon=true",
	    "html: &amp; decoded in the join url read back");
	tap_str(block.conference_id, "123456", "html: conference id read back");
	mm_block_release(&block);
	mm_diag_release(&diag);
	g_free(html);
	g_free(text);
	mm_target_release(&target);
}

/*
 * Replacing an old block with a rendering and running again changes
 * nothing: the second run finds the new block and splices identical bytes.
 */
static void
test_idempotent_splice(struct mm_block_engine *engine)
{
	static const char old_body[] =
	    "Hello 🎉\r\n"
	    "........................................................................."
	    "................................................................\r\n"
	    "Join Skype Meeting <https://meet.lync.com/contoso/ashaw/OLDKEY12>\r\n"
	    "Conference ID: 1111\r\n"
	    "........................................................................."
	    "................................................................\r\n"
	    "Bye مرحبا\r\n";
	struct mm_target target;
	struct mm_block block;
	struct mm_diag diag;
	char *rendered, *first, *second;
	size_t first_len = 0, second_len = 0;
	int rc;

	memset(&target, 0, sizeof target);
	target.type = MM_BLOCK_TEAMS;
	target.join_url = g_strdup(TEAMS_URL);
	target.meeting_id = g_strdup("213 050 950 66");
	target.passcode = g_strdup("BuLHJx");
	mm_diag_init(&diag);
	rc = mm_block_find(engine, old_body, strlen(old_body), MM_BODY_TEXT,
	    &block, &diag);
	tap_ok(rc == MM_BLOCK_FOUND && block.type == MM_BLOCK_SFB,
	    "old sfb block found");
	rendered = mm_template_render(&target, block.language, MM_BODY_TEXT,
	    block.newline, NULL);
	first = mm_block_splice(old_body, strlen(old_body), &block, rendered,
	    &first_len);
	mm_block_release(&block);
	tap_ok(g_str_has_prefix(first, "Hello 🎉\r\n") &&
	    g_str_has_suffix(first, "\r\nBye مرحبا\r\n"),
	    "text around the block kept");
	rc = mm_block_find(engine, first, first_len, MM_BODY_TEXT, &block,
	    &diag);
	tap_ok(rc == MM_BLOCK_FOUND && block.type == MM_BLOCK_TEAMS,
	    "new teams block found");
	tap_str(block.join_url, TEAMS_URL, "new join url");
	second = mm_block_splice(first, first_len, &block, rendered,
	    &second_len);
	tap_ok(second_len == first_len && memcmp(first, second, first_len) == 0,
	    "second splice changes nothing");
	mm_block_release(&block);
	mm_diag_release(&diag);
	g_free(rendered);
	g_free(first);
	g_free(second);
	mm_target_release(&target);
}

/* Whole renders compared with reviewed files (MM_REGEN=1 rewrites them). */
static void
test_golden(void)
{
	static const struct {
		const char *file;
		size_t values;
		const char *language;
		enum mm_body_kind kind;
		const char *newline;
	} cases[] = {
		{ "render-sfb-en.txt", 0, "en-US", MM_BODY_TEXT, "\r\n" },
		{ "render-sfb-en.html", 0, "en-US", MM_BODY_HTML, "\r\n" },
		{ "render-sfb-de.txt", 1, "de-DE", MM_BODY_TEXT, "\n" },
		{ "render-teams-en.txt", 3, "en-US", MM_BODY_TEXT, "\n" },
		{ "render-teams-en.html", 3, "en-US", MM_BODY_HTML, "\n" },
		{ "render-teams-fr.txt", 3, "fr-FR", MM_BODY_TEXT, "\r\n" },
		{ "render-teams-ja.html", 4, "ja-JP", MM_BODY_HTML, "\n" },
	};
	const char *srcdir = g_getenv("MM_SRCDIR");
	bool regen = g_getenv("MM_REGEN") != NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_target target;
		char *path = g_build_filename(srcdir != NULL ? srcdir : ".",
		    "fixtures", "unit", "block", cases[i].file, NULL);
		char *rendered, *want = NULL;

		make_target(&value_sets[cases[i].values], &target);
		rendered = mm_template_render(&target, cases[i].language,
		    cases[i].kind, cases[i].newline, NULL);
		if (regen)
			g_file_set_contents(path, rendered, -1, NULL);
		if (!g_file_get_contents(path, &want, NULL, NULL))
			want = NULL;
		tap_ok(want != NULL && strcmp(rendered, want) == 0,
		    "%s: rendering unchanged", cases[i].file);
		g_free(want);
		g_free(rendered);
		g_free(path);
		mm_target_release(&target);
	}
}

/* LOCATION's display texts, with the languages that have no template. */
static void
test_locations(void)
{
	static const struct {
		enum mm_block_type type;
		const char *language;
		const char *text;
	} cases[] = {
		{ MM_BLOCK_TEAMS, "en-US", "Microsoft Teams Meeting" },
		{ MM_BLOCK_SFB, "fr-CA", "Réunion Skype" },
		{ MM_BLOCK_TEAMS, "da-DK", "Microsoft Teams-møde" },
		{ MM_BLOCK_SFB, "da", "Skype-møde" },
		{ MM_BLOCK_TEAMS, "vi-VN", "Cuộc họp trong Microsoft Teams" },
		{ MM_BLOCK_SFB, "vi-VN", "Skype Meeting" },
		{ MM_BLOCK_TEAMS, NULL, "Microsoft Teams Meeting" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const char *language = NULL;
		char *name = g_strdup_printf("location %s %s",
		    mm_block_type_name(cases[i].type),
		    cases[i].language ? cases[i].language : "(null)");

		tap_str(mm_template_location(cases[i].type, cases[i].language),
		    cases[i].text, name);
		tap_ok(mm_template_is_location(cases[i].text, &language),
		    "%s is a location (language %s)", cases[i].text,
		    language ? language : "none");
		g_free(name);
	}
	{
		const char *language = NULL;

		tap_ok(mm_template_is_location("Microsoft Teams-møde", &language) &&
		    g_strcmp0(language, "da-DK") == 0,
		    "the Danish display text has its language");
		tap_ok(!mm_template_is_location("Conf Room 4/201", &language) &&
		    language == NULL, "a room is no such text");
	}
}

/* ------------------------------------------------------------------------
 * Template directories.
 */

static const char *
srcdir(void)
{
	const char *dir = g_getenv("MM_SRCDIR");

	return dir != NULL ? dir : ".";
}

/* A path in the source tree: srcdir_path("fixtures", "unit", NULL). */
#define srcdir_path(...) g_build_filename(srcdir(), __VA_ARGS__)

/* A fresh directory holding NAME with TEXT (NAME NULL: empty). */
static char *
make_dir(const char *name, const char *text, size_t len)
{
	char *dir = g_dir_make_tmp("meetmig-templates-XXXXXX", NULL);

	if (dir != NULL && name != NULL) {
		char *path = g_build_filename(dir, name, NULL);

		g_file_set_contents(path, text, (gssize)len, NULL);
		g_free(path);
	}
	return dir;
}

static void
remove_dir(char *dir)
{
	GDir *d = dir != NULL ? g_dir_open(dir, 0, NULL) : NULL;
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);

		g_remove(path);
		g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
	if (dir != NULL)
		g_rmdir(dir);
	g_free(dir);
}

#define EN_TEAMS_TEXT \
	"________________________________________________________________________________\n" \
	"Contoso Teams meeting\n" \
	"Join <{join-url}>\n" \
	"{?ids}Meeting ID: {meeting-id}\n" \
	"Passcode: {passcode}{/ids}\n" \
	"{?phone}\n" \
	"Dial in: {toll-number} <tel:{toll-dial}>\n" \
	"Phone conference ID: {conference-id}#\n" \
	"{/phone}\n" \
	"{!phone}No dial-in for this meeting{/phone}\n" \
	"Questions? Contoso IT <https://it.contoso.com/teams?language={language}>\n" \
	"________________________________________________________________________________\n"

static void
test_template_dir(struct mm_block_engine *engine)
{
	char *dir = make_dir("teams-en-US.txt", EN_TEAMS_TEXT,
	    strlen(EN_TEAMS_TEXT));
	char *da = srcdir_path("fixtures", "templates", "da", NULL);
	struct mm_templates *templates, *danish;
	struct mm_target target;
	struct mm_diag diag;
	const char *used = NULL;
	char *out;

	mm_diag_init(&diag);
	templates = mm_templates_load(dir, engine, &diag);
	tap_ok(templates != NULL, "a valid template file loads (%s)",
	    diag.message ? diag.message : "no diagnostic");
	make_target(&value_sets[3], &target);        /* teams full */
	out = mm_templates_render(templates, &target, "en-US", MM_BODY_TEXT,
	    "\r\n", &used);
	tap_ok(g_str_has_prefix(out, "________") &&
	    strstr(out, "\r\nContoso Teams meeting\r\n") != NULL &&
	    strstr(out, "Join <" TEAMS_URL ">\r\n") != NULL,
	    "the file replaces the built-in template, CRLF as asked");
	tap_ok(strstr(out, "Meeting ID: 213 050 950 66\r\nPasscode: BuLHJx\r\n")
	    != NULL, "a section spanning two lines is kept with its values");
	tap_ok(strstr(out, "Dial in: +1 323-555-0123 (Los Angeles) <tel:"
	    "+13235550123,,987654321#>\r\nPhone conference ID: 987 654 321#\r\n")
	    != NULL, "values and dial strings filled in");
	tap_ok(strstr(out, "No dial-in") == NULL && strstr(out, "{") == NULL &&
	    strstr(out, "\r\n\r\n") == NULL,
	    "lines of section marks only and the negated section left out");
	tap_str(used, "en-US", "language used: the file's");
	g_free(out);
	out = mm_templates_render(templates, &target, "en-GB", MM_BODY_TEXT,
	    "\n", &used);
	tap_ok(strstr(out, "Contoso Teams meeting") != NULL,
	    "en-GB: the file of the same primary language");
	g_free(out);
	out = mm_templates_render(templates, &target, "fr-FR", MM_BODY_TEXT,
	    "\n", &used);
	tap_ok(strstr(out, "Réunion Microsoft Teams") != NULL &&
	    strcmp(used, "fr-FR") == 0, "fr-FR: the built-in template");
	g_free(out);
	out = mm_templates_render(templates, &target, "pt-BR", MM_BODY_HTML,
	    "\n", &used);
	tap_ok(strstr(out, "me-email-text") != NULL &&
	    strcmp(used, "en-US") == 0,
	    "no HTML file: the built-in HTML template");
	g_free(out);
	mm_target_release(&target);

	make_target(&value_sets[5], &target);        /* teams join only */
	out = mm_templates_render(templates, &target, "en-US", MM_BODY_TEXT,
	    "\n", &used);
	tap_ok(strstr(out, "Meeting ID") == NULL &&
	    strstr(out, "\nNo dial-in for this meeting\n") != NULL,
	    "unknown values: their sections go, the negated one comes");
	g_free(out);
	mm_target_release(&target);

	danish = mm_templates_load(da, engine, &diag);
	tap_ok(danish != NULL, "fixtures/templates/da loads");
	for (int type = 0; type < 2 && danish != NULL; type++)
		for (int kind = 0; kind < 2; kind++) {
			struct mm_block block;
			enum mm_body_kind k = kind ? MM_BODY_HTML : MM_BODY_TEXT;

			make_target(&value_sets[type ? 3 : 0], &target);
			out = mm_templates_render(danish, &target, "da-DK", k,
			    "\n", &used);
			tap_ok(mm_block_find(engine, out, strlen(out), k, &block,
			    &diag) == MM_BLOCK_FOUND && block.end == strlen(out) &&
			    g_strcmp0(block.language, "da-DK") == 0 &&
			    strcmp(used, "da-DK") == 0 &&
			    strstr(out, type ? "Microsoft Teams-møde" :
			    "Deltag i Skype-møde") != NULL,
			    "da-DK %s %s: Danish, found again as da-DK",
			    type ? "teams" : "sfb", kind ? "html" : "text");
			if (k == MM_BODY_HTML)
				tap_ok(strstr(out, "&amp;") != NULL ||
				    strstr(out, "&") == NULL,
				    "da-DK html: values escaped");
			mm_block_release(&block);
			mm_target_release(&target);
			g_free(out);
		}
	mm_templates_free(danish);
	mm_templates_free(templates);
	mm_templates_free(NULL);
	tap_ok(1, "mm_templates_free(NULL)");
	mm_diag_release(&diag);
	remove_dir(dir);
	g_free(da);
}

/* Files refused at load, each for one reason, and where the message says. */
static void
test_template_refused(struct mm_block_engine *engine)
{
	static const struct {
		const char *name;
		const char *file;
		const char *text;       /* NULL: the fixture directory FILE */
		enum mm_diag_code code;
		const char *says;
	} cases[] = {
		{ "no language", "no-language", NULL, MM_DIAG_DATA,
		  "language is read back as (none), not da-DK" },
		{ "built-in spelling", "bad-placeholder", NULL, MM_DIAG_DATA,
		  "unknown placeholder \"{join_url}\" (" },
		{ "no closing rule", "no-closing-rule", NULL, MM_DIAG_DATA,
		  "no block is found in its rendering" },
		{ "unknown placeholder", "teams-en-US.txt",
		  EN_TEAMS_TEXT "{meeting}\n", MM_DIAG_DATA,
		  "unknown placeholder \"{meeting}\" (" },
		{ "section name as value", "teams-en-US.txt",
		  "{phone}\n" EN_TEAMS_TEXT, MM_DIAG_DATA,
		  "unknown placeholder \"{phone}\" (" },
		{ "section never closed", "teams-en-US.txt",
		  "{?phone}\n" EN_TEAMS_TEXT, MM_DIAG_DATA,
		  "leaves a section open" },
		{ "section closed twice", "teams-en-US.txt",
		  EN_TEAMS_TEXT "{/phone}\n", MM_DIAG_DATA,
		  "closes section \"{/phone}\" that is not the one open (" },
		{ "stray brace", "teams-en-US.txt",
		  "{ margin:0 \n" EN_TEAMS_TEXT, MM_DIAG_DATA,
		  "opens no placeholder" },
		{ "not UTF-8", "sfb-en-US.txt", "caf\xe9\n", MM_DIAG_DATA,
		  "not UTF-8 text" },
		{ "empty", "sfb-fr-FR.html", "\n\n", MM_DIAG_DATA,
		  "template is empty" },
		{ "conference ID without #", "teams-de-DE.txt",
		  "________________________________________________________________________________\n"
		  "<{join-url}>\n"
		  "Konferenz-ID: {conference-id}\n"
		  "<https://aka.ms/JoinTeamsMeeting?omkt={language}>\n"
		  "________________________________________________________________________________\n",
		  MM_DIAG_DATA, "(conference ID (none)" },
		{ "a Skype template under a Teams name", "teams-en-US.txt",
		  ".........................................................................................................................................\n"
		  "<{join-url}> [!OC([{lcid}])!]\n"
		  ".........................................................................................................................................\n",
		  MM_DIAG_DATA, "no block is found" },
		{ "no such directory", "does-not-exist", NULL, MM_DIAG_NOINPUT,
		  "cannot open templates" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_diag diag;
		struct mm_templates *t;
		char *dir, *file_path;
		bool fixture = cases[i].text == NULL;

		mm_diag_init(&diag);
		dir = fixture ? srcdir_path("fixtures", "templates",
		    cases[i].file, NULL) : make_dir(cases[i].file, cases[i].text,
		    strlen(cases[i].text));
		t = mm_templates_load(dir, engine, &diag);
		file_path = fixture ? g_strdup(dir) :
		    g_build_filename(dir, cases[i].file, NULL);
		tap_ok(t == NULL && diag.code == cases[i].code &&
		    diag.message != NULL &&
		    strstr(diag.message, cases[i].says) != NULL &&
		    strstr(diag.message, file_path) != NULL,
		    "refused: %s (%s)", cases[i].name,
		    diag.message ? diag.message : "no diagnostic");
		mm_templates_free(t);
		mm_diag_release(&diag);
		g_free(file_path);
		if (fixture)
			g_free(dir);
		else
			remove_dir(dir);
	}
	{
		/* Files of other names are not templates. */
		char *dir = make_dir("README.txt", "{nonsense", 9);
		struct mm_diag diag;
		struct mm_templates *t;

		mm_diag_init(&diag);
		t = mm_templates_load(dir, engine, &diag);
		tap_ok(t != NULL, "other file names are ignored");
		mm_templates_free(t);
		mm_diag_release(&diag);
		remove_dir(dir);
	}
}

/* ------------------------------------------------------------------------
 * Edited blocks.
 */

static enum mm_template_edit
edit_of(struct mm_block_engine *engine, const struct mm_templates *templates,
    const char *body, enum mm_body_kind kind, char **line)
{
	struct mm_block block;
	struct mm_diag diag;
	enum mm_template_edit edit = MM_TEMPLATE_NOT_JUDGED;
	char *text;

	*line = NULL;
	mm_diag_init(&diag);
	if (body == NULL) {
		*line = g_strdup("(no body)");
		return MM_TEMPLATE_EDITED;
	}
	if (mm_block_find(engine, body, strlen(body), kind, &block, &diag) ==
	    MM_BLOCK_FOUND) {
		text = mm_block_text(body, strlen(body), &block, kind);
		edit = mm_templates_edited(templates, text, line);
		g_free(text);
	} else {
		*line = g_strdup("(no block)");
		edit = MM_TEMPLATE_EDITED;
	}
	mm_block_release(&block);
	mm_diag_release(&diag);
	return edit;
}

/*
 * BODY with LINE put in as its own line after the block's INSERT_AFTER-th
 * line (text) or as a paragraph after its first closing </p> or </div>
 * past the opening rule (HTML).
 */
static char *
with_line(const char *body, enum mm_body_kind kind, const char *line,
    int insert_after)
{
	const char *at = body;

	if (kind == MM_BODY_TEXT) {
		for (int i = 0; i < insert_after && at != NULL; i++) {
			at = strchr(at, '\n');
			if (at != NULL)
				at++;
		}
		if (at == NULL)
			return NULL;
		return g_strdup_printf("%.*s%s\n%s", (int)(at - body), body, line,
		    at);
	}
	at = strstr(body, "_____");
	if (at == NULL)
		at = strstr(body, ".....");
	if (at == NULL)
		return NULL;
	{
		/* Tags in either case (fixtures/unit/block/sfb-zh.html). */
		char *lower = g_ascii_strdown(at, -1);
		const char *p = strstr(lower, "</p>"), *div = strstr(lower, "</div>");
		size_t offset;

		if (p == NULL || (div != NULL && div < p))
			p = div;
		offset = p != NULL ? (size_t)(strchr(p, '>') + 1 - lower) : 0;
		g_free(lower);
		if (p == NULL)
			return NULL;
		at += offset;
		return g_strdup_printf("%.*s<p>%s</p>%s", (int)(at - body), body,
		    line, at);
	}
}

static void
test_edited_real_blocks(struct mm_block_engine *engine)
{
	static const char *const files[] = {
		"sfb-acp-en.txt", "sfb-en.txt", "sfb-fr.txt", "sfb-en.html",
		"sfb-de.html", "sfb-zh.html", "teams-2019-en.txt",
		"teams-2019-de.txt", "teams-2019-en.html", "teams-2019-es.html",
		"teams-2020-en.txt", "teams-2020-fr.txt", "teams-2020-da.txt",
		"teams-2020-en.html", "teams-2020-de.html", "teams-2024-en.txt",
		"teams-2024-fr.txt", "teams-2024-en.html", "teams-2024-ja.html",
		"teams-2025-en.txt", "teams-2025-zh.txt", "teams-2025-en.html",
		"teams-2025-es.html", "teams-consumer-en.txt",
		"teams-consumer-en.html",
	};
	static const char *const personal[] = {
		"Please bring your laptops.",
		"Bitte pünktlich sein!",
		"请提前五分钟加入。",
		"Call me at +1 425 555 0100 if the link does not work",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *path = srcdir_path("fixtures", "unit", "block", files[i],
		    NULL);
		enum mm_body_kind kind = g_str_has_suffix(files[i], ".html") ?
		    MM_BODY_HTML : MM_BODY_TEXT;
		const char *typed = personal[i % G_N_ELEMENTS(personal)];
		char *body = NULL, *edited_body, *line = NULL;
		enum mm_template_edit edit;

		if (!g_file_get_contents(path, &body, NULL, NULL)) {
			tap_ok(0, "%s: readable", files[i]);
			g_free(path);
			continue;
		}
		edit = edit_of(engine, NULL, body, kind, &line);
		tap_ok(edit == MM_TEMPLATE_AS_WRITTEN, "%s: as written%s%s",
		    files[i], line ? ": " : "", line ? line : "");
		g_free(line);
		edited_body = with_line(body, kind, typed, 2);
		edit = edit_of(engine, NULL, edited_body, kind, &line);
		tap_ok(edit == MM_TEMPLATE_EDITED && line != NULL &&
		    strcmp(line, typed) == 0, "%s with \"%s\": edited (%s)",
		    files[i], typed, line ? line : "nothing named");
		g_free(line);
		g_free(edited_body);
		g_free(body);
		g_free(path);
	}
	{
		/* No line of a Vietnamese consumer block is known: not judged. */
		char *path = srcdir_path("fixtures", "unit", "block",
		    "teams-consumer-vi.txt", NULL);
		char *body = NULL, *line = NULL;

		g_file_get_contents(path, &body, NULL, NULL);
		tap_ok(body != NULL && edit_of(engine, NULL, body, MM_BODY_TEXT,
		    &line) == MM_TEMPLATE_NOT_JUDGED && line == NULL,
		    "teams-consumer-vi.txt: not judged");
		g_free(line);
		g_free(body);
		g_free(path);
	}
}

static void
test_edited_renderings(struct mm_block_engine *engine)
{
	const char *const *languages = mm_template_languages();

	for (size_t l = 0; languages[l] != NULL; l++)
		for (size_t v = 0; v < G_N_ELEMENTS(value_sets); v++)
			for (int kind = 0; kind < 2; kind++) {
				enum mm_body_kind k = kind ? MM_BODY_HTML :
				    MM_BODY_TEXT;
				struct mm_target target;
				char *out, *line = NULL;
				enum mm_template_edit edit;

				make_target(&value_sets[v], &target);
				out = mm_template_render(&target, languages[l], k,
				    "\r\n", NULL);
				edit = edit_of(engine, NULL, out, k, &line);
				tap_ok(edit == MM_TEMPLATE_AS_WRITTEN,
				    "rendering %s %s %s: as written%s%s",
				    value_sets[v].name, languages[l],
				    kind ? "html" : "text", line ? ": " : "",
				    line ? line : "");
				g_free(line);
				g_free(out);
				mm_target_release(&target);
			}
}

static void
test_edited_lines(struct mm_block_engine *engine)
{
	static const struct {
		const char *name;
		const char *inner;      /* lines between the rules */
		enum mm_template_edit want;
		const char *line;
	} cases[] = {
		{ "dial-in line with a city and language",
		  "Join Skype Meeting <https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "Join by phone\n"
		  "+44 20 7946 0000 (London, Zone 1)      English (United Kingdom)\n"
		  "0800 555 0199 (Toll-free)\n",
		  MM_TEMPLATE_AS_WRITTEN, NULL },
		{ "the audio provider after the numbers",
		  "Join Skype Meeting <https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "US 877 361 4628\n"
		  "InterCall\n"
		  "Conference ID: 9549110989\n",
		  MM_TEMPLATE_AS_WRITTEN, NULL },
		{ "a short line away from the numbers",
		  "Join Skype Meeting <https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "Room 4.201\n"
		  "Conference ID: 9549110989\n",
		  MM_TEMPLATE_EDITED, "Room 4.201" },
		{ "case, white space and full-width forms",
		  "  JOIN   skype meeting<https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "CONFERENCE ID：９５４９１１０９８９\n",
		  MM_TEMPLATE_AS_WRITTEN, NULL },
		{ "a known part and a typed one",
		  "Join Skype Meeting <https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "Help <https://o15.officeredir.microsoft.com/r/rlidLync15> | "
		  "Ask Jordan <mailto:jpatel@contoso.com>\n",
		  MM_TEMPLATE_EDITED,
		  "Help <https://o15.officeredir.microsoft.com/r/rlidLync15> | "
		  "..." },
		{ "a link pasted alone",
		  "Join Skype Meeting <https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "https://contoso.sharepoint.com/sites/q1/agenda.docx\n",
		  MM_TEMPLATE_EDITED,
		  "https://contoso.sharepoint.com/sites/q1/agenda.docx" },
		{ "a long line is cut",
		  "Join Skype Meeting <https://meet.contoso.com/ashaw/8R3KQW2Z>\n"
		  "Rappel : la réunion est enregistrée ; prévenez-moi si vous ne "
		  "le souhaitez pas.\n",
		  MM_TEMPLATE_EDITED,
		  "Rappel : la réunion est enregistrée ; prévenez-moi si vous n..." },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *body = g_strconcat(RULE_DOTS "\n", cases[i].inner,
		    RULE_DOTS "\n", NULL);
		char *line = NULL;
		enum mm_template_edit edit = edit_of(engine, NULL, body,
		    MM_BODY_TEXT, &line);

		tap_ok(edit == cases[i].want, "%s: %s", cases[i].name,
		    edit == MM_TEMPLATE_EDITED ? "edited" :
		    edit == MM_TEMPLATE_AS_WRITTEN ? "as written" : "not judged");
		tap_str(line, cases[i].line, "  the line named");
		g_free(line);
		g_free(body);
	}
}

/* A line only a template file has is explained when its directory is used. */
static void
test_edited_with_templates(struct mm_block_engine *engine)
{
	char *dir = make_dir("teams-en-US.txt", EN_TEAMS_TEXT,
	    strlen(EN_TEAMS_TEXT));
	struct mm_diag diag;
	struct mm_templates *templates;
	struct mm_target target;
	enum mm_template_edit edit;
	char *out, *line = NULL;

	mm_diag_init(&diag);
	templates = mm_templates_load(dir, engine, &diag);
	make_target(&value_sets[3], &target);
	out = mm_templates_render(templates, &target, "en-US", MM_BODY_TEXT,
	    "\n", NULL);
	edit = edit_of(engine, templates, out, MM_BODY_TEXT, &line);
	tap_ok(edit == MM_TEMPLATE_AS_WRITTEN, "a file's rendering, with its "
	    "directory: as written%s%s", line ? ": " : "", line ? line : "");
	g_free(line);
	edit = edit_of(engine, NULL, out, MM_BODY_TEXT, &line);
	tap_ok(edit == MM_TEMPLATE_EDITED && line != NULL &&
	    strcmp(line, "Contoso Teams meeting") == 0,
	    "the same without the directory: edited (%s)",
	    line ? line : "nothing named");
	g_free(line);
	g_free(out);
	mm_target_release(&target);
	mm_templates_free(templates);
	mm_diag_release(&diag);
	remove_dir(dir);
}

int
main(void)
{
	struct mm_diag diag;
	struct mm_block_engine *engine;

	mm_diag_init(&diag);
	engine = mm_block_engine_new(&diag);
	if (!tap_ok(engine != NULL, "engine compiles"))
		return tap_done();
	test_round_trips(engine);
	test_language_choice();
	test_escaping(engine);
	test_idempotent_splice(engine);
	test_golden();
	test_locations();
	test_template_dir(engine);
	test_template_refused(engine);
	test_edited_real_blocks(engine);
	test_edited_renderings(engine);
	test_edited_lines(engine);
	test_edited_with_templates(engine);
	mm_block_engine_free(engine);
	mm_diag_release(&diag);
	return tap_done();
}
