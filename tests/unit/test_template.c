/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Templates: every (type, language, body kind) with full, partial and
 * minimal values goes through the block engine again and must come back as
 * the same block (the round trip behind idempotent re-runs); sections whose
 * values are missing are left out; values are HTML-escaped in HTML and left
 * alone in text; language tags fall back as documented; and a few renders
 * are compared byte for byte with fixtures/unit/block/render-* (MM_REGEN=1
 * rewrites them, for a reviewer to read the diff).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
	mm_block_engine_free(engine);
	mm_diag_release(&diag);
	return tap_done();
}
