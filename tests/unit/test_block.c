/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The block engine: every profile in plain text and HTML, in English and
 * other languages, found inside text that is not ASCII (Chinese, Arabic,
 * emoji, combining accents) with an exact span; then the traps: the 2024
 * inner rule, rules without a meeting URL, an unclosed block, invalid UTF-8,
 * broken HTML and pathological bodies.
 *
 * Each file of fixtures/unit/block/ is exactly one block span, so the bytes
 * around it are exactly what the case puts there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "tap.h"

#define TEXT_BEFORE "Agenda: 季度回顾 — مراجعة ربع سنوية 🎉 Cafe\xcc\x81 naïve\n\n"
#define TEXT_AFTER "\nNotes after: 会后请填写反馈 — شكراً 👍🏽 e\xcc\x81\n"
#define HTML_BEFORE "<html><body><p>议程 مرحبا 🎉 Cafe\xcc\x81</p>\n"
#define HTML_AFTER "\n<p>谢谢 شكراً 👍🏽 e\xcc\x81</p></body></html>\n"

#define SFB_ACP "https://meet.lync.com/exlservice/amit.choudhary/M2NRN65H"
#define TEAMS_JOIN "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"MzBmYzAxYjktNDBlZS00MGIzLTg1MzktYThlYzQ0ODZjNDU2%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%22906d1680-c46e-4105-9c77-5bc90110a6e6%22%2c%22Oid%22%3a" \
	"%2239353b6b-e313-4c06-9f2d-ebd5ca2c9190%22%7d"
#define TEAMS_2019 "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"NGM2ZDc1YzMtYTk0OS00ZWQ0LWJlNjItZjM2ZjQ3ZGFkMzQ3%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab-2d7cd011db47%22%2c%22Oid%22%3a" \
	"%22e2a3c0b4-6c44-4bd9-a1d7-2f5d1b1e3c9a%22%7d"
#define TEAMS_DE "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"ODM1Y2ExN2QtM2M1Zi00OTMzLWJiMTMtYWI5YmQ1NDI0YTcw%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%221bf5df3d-726d-435f-b6dd-658e78e90581%22%2c%22Oid%22%3a" \
	"%227e2a0e7f-ce4f-42fd-a3bf-9e554ee7c7cb%22%7d"
#define TEAMS_2024 "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"YjA2N2M1NTItNjQ4Ny00YzA2LWI3ZDQtZDg0MmY5YzY3Mjk0%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%22c2a6b4d1-0e3f-4a5b-9c8d-7e6f5a4b3c2d%22%2c%22Oid%22%3a" \
	"%22a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d%22%7d"
#define TEAMS_2025 "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"ZmQ4OTE0ZTEtNGU1Ny00OTBhLWFmYTYtZTk4NTQzOGI0N2Zl%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%22858bad56-b0d7-4d5e-94d7-aa0d82eedbe2%22%2c%22Oid%22%3a" \
	"%2284c9bfe0-0c6e-431e-8665-fea0c27f0789%22%7d"
#define TEAMS_2025_TEXT "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" \
	"OTg2YjY1ZTUtZDM0Yy00YjE3LWE5ZWEtNmM3ZjY0NDE4ZjNl%40thread.v2/0?context=" \
	"%7b%22Tid%22%3a%22858bad56-b0d7-4d5e-94d7-aa0d82eedbe2%22%2c%22Oid%22%3a" \
	"%2284c9bfe0-0c6e-431e-8665-fea0c27f0789%22%7d"

#define RULE80 "________________________________________________________________" \
	"________________"
#define RULE32 "________________________________"

struct find_case {
	const char *file;
	enum mm_body_kind kind;
	const char *before, *after;     /* markup around the block */
	const char *profile;
	enum mm_block_type type;
	const char *language, *language_basis;
	const char *join_url, *conference_key, *conference_id;
	const char *meeting_id, *passcode;
	const char *addin_evidence;     /* NULL: no add-in marker */
	const char *newline;
};

#define T MM_BODY_TEXT
#define H MM_BODY_HTML

static const struct find_case find_cases[] = {
	{ "sfb-en.txt", T, "", "", "sfb", MM_BLOCK_SFB,
	  "en-US", "clid=1033", "https://meet.contoso.com/ashaw/8R3KQW2Z",
	  "8R3KQW2Z", "79261", NULL, NULL, NULL, "\n" },
	{ "sfb-acp-en.txt", T, "", "", "sfb", MM_BLOCK_SFB,
	  NULL, NULL, SFB_ACP, "M2NRN65H", "9549110989", NULL, NULL, NULL,
	  "\r\n" },
	{ "sfb-fr.txt", T, "", "", "sfb", MM_BLOCK_SFB,
	  "fr-FR", "[!OC([1036])!]",
	  "https://meet.lync.com/fabrikam/cdurand/QX7T2M9P", "QX7T2M9P",
	  "4821337", NULL, NULL, "[!OC([1036])!]", "\r\n" },
	{ "sfb-en.html", H, "<div class=\"WordSection1\">\r\n<p class=\"MsoNormal\">"
	  "<a name=\"_InsertRtfSavedPosition\"></a>&nbsp;</p>\r\n",
	  "\r\n<p class=\"MsoNormal\">&nbsp;</p>\r\n</div>", "sfb", MM_BLOCK_SFB,
	  "en-US", "[!OC([1033])!]", "https://sfb.bbd.co.za/meet/zanele/RWRQKNN2",
	  "RWRQKNN2", NULL, NULL, NULL, "OutJoinLink", "\r\n" },
	{ "sfb-de.html", H, "<div class=WordSection1>\n", "\n</div>", "sfb",
	  MM_BLOCK_SFB, "de-DE", "[!OC([1031])!]",
	  "https://lync.contoso.de/meet/jmueller/K4P7ZQ2R", "K4P7ZQ2R",
	  "5501234", NULL, NULL, "OutJoinLink", "\n" },
	{ "sfb-zh.html", H, "", "", "sfb", MM_BLOCK_SFB,
	  "zh-CN", "[!OC([2052])!]", "https://meet.contoso.cn/wli/ZH8Q2K4M",
	  "ZH8Q2K4M", "8801234", NULL, NULL, "OutJoinLink", "\r\n" },
	{ "teams-2019-en.txt", T, "", "", "teams-2019", MM_BLOCK_TEAMS,
	  "en-US", "language=en-US", TEAMS_2019, NULL, "73572842", NULL, NULL,
	  NULL, "\r\n" },
	{ "teams-2019-en.html", H, "<div>\r\n", "\r\n</div>", "teams-2019",
	  MM_BLOCK_TEAMS, "en-US", "language=en-US", TEAMS_2019, NULL,
	  "73572842", NULL, NULL, NULL, "\r\n" },
	{ "teams-2019-de.txt", T, "", "", "teams-2019", MM_BLOCK_TEAMS,
	  "de-DE", "language=de-DE", TEAMS_2019, NULL, "91562274", NULL, NULL,
	  NULL, "\n" },
	{ "teams-2019-es.html", H, "", "", "teams-2019", MM_BLOCK_TEAMS,
	  "es-ES", "language=es-ES", TEAMS_2019, NULL, "30144219", NULL, NULL,
	  NULL, "\r\n" },
	{ "teams-2020-en.html", H, "<div class=\"elementToProof\">\r\nRooster says "
	  "&quot;wake up!&quot;</div>\r\n<br>\r\n", "\r\n", "teams-2020",
	  MM_BLOCK_TEAMS, "en-US", "lang=\"en-US\"", TEAMS_JOIN, NULL, NULL,
	  "21305095066", "BuLHJx", NULL, "\r\n" },
	{ "teams-2020-en.txt", T, "", "", "teams-2020", MM_BLOCK_TEAMS,
	  "en-US", "language=en-US", TEAMS_JOIN, NULL, "987654321",
	  "21305095066", "BuLHJx", NULL, "\n" },
	{ "teams-2020-fr.txt", T, "", "", "teams-2020", MM_BLOCK_TEAMS,
	  "fr-FR", "language=fr-FR", TEAMS_JOIN, NULL, NULL, "31956012345",
	  "CTYa9", NULL, "\r\n" },
	{ "teams-2020-da.txt", T, "", "", "teams-2020", MM_BLOCK_TEAMS,
	  "da-DK", "language=da-DK", TEAMS_JOIN, NULL, NULL, NULL, NULL, NULL,
	  "\n" },
	{ "teams-2020-de.html", H, "<div class=\"WordSection1\"><p class=\"MsoNormal\">"
	  "&nbsp;</p><div>", "</div><p class=\"MsoNormal\">&nbsp;</p></div>",
	  "teams-2020", MM_BLOCK_TEAMS, "de-DE", "language=de-DE", TEAMS_DE, NULL,
	  NULL, "371519285955", "pvHjhQ", NULL, "\n" },
	{ "teams-2024-en.txt", T, "", "", "teams-2024", MM_BLOCK_TEAMS,
	  "en-US", "omkt=en-US", TEAMS_2024, NULL, "123456789", "212345678901",
	  "Ab3cD4", NULL, "\n" },
	{ "teams-2024-fr.txt", T, "", "", "teams-2024", MM_BLOCK_TEAMS,
	  "fr-FR", "omkt=fr-FR", TEAMS_2024, NULL, "123456789", "212345678901",
	  "Ab3cD4", NULL, "\r\n" },
	{ "teams-2024-en.html", H, "Dear User, you are invited.\n<br>\n", "",
	  "teams-2024", MM_BLOCK_TEAMS, "en-US", "lang=\"en-US\"", TEAMS_2024,
	  NULL, NULL, "12345678901234", "EXAMPLE", NULL, "\n" },
	{ "teams-2024-ja.html", H, "", "", "teams-2024", MM_BLOCK_TEAMS,
	  "ja-JP", "lang=\"ja-JP\"", TEAMS_2024, NULL, NULL, "12345678901234",
	  "Xy7Kp2", NULL, "\n" },
	{ "teams-2025-en.html", H, "<br>\r\n", "\r\n", "teams-2025",
	  MM_BLOCK_TEAMS, "en-US", "lang=\"en-US\"", TEAMS_2025, NULL, NULL,
	  "496119491249482", "nb9N9R8V", NULL, "\r\n" },
	{ "teams-2025-es.html", H, "<div>", "</div>", "teams-2025",
	  MM_BLOCK_TEAMS, "es-ES", "lang=\"es-ES\"", TEAMS_2025, NULL, NULL,
	  "318530717958647", "Hs6Jk9Lm", NULL, "\r\n" },
	{ "teams-2025-en.txt", T, "", "", "teams-2025", MM_BLOCK_TEAMS,
	  "en-US", "omkt=en-US", TEAMS_2025_TEXT, NULL, "133974151",
	  "232945666872637", "tn6ra9XT", NULL, "\r\n" },
	{ "teams-2025-zh.txt", T, "", "", "teams-2025", MM_BLOCK_TEAMS,
	  "zh-CN", "omkt=zh-CN",
	  "https://teams.microsoft.com/meet/271828182845904?p=Zq8Kd3LmPw", NULL,
	  NULL, "271828182845904", "Pe4Rt7Ys", NULL, "\n" },
	{ "teams-consumer-vi.txt", T, "", "", "teams-consumer", MM_BLOCK_TEAMS,
	  NULL, NULL, "https://teams.live.com/meet/9392947982999?p=qcrvLRJ0ODK2a5uraK",
	  NULL, NULL, NULL, NULL, NULL, "\n" },
	{ "teams-consumer-en.txt", T, "", "", "teams-consumer", MM_BLOCK_TEAMS,
	  NULL, NULL, "https://teams.live.com/meet/9477691496180", NULL, NULL,
	  NULL, NULL, NULL, "\r\n" },
	{ "teams-consumer-vi.html", H, "", "", "teams-consumer", MM_BLOCK_TEAMS,
	  NULL, NULL, "https://teams.live.com/meet/9392947982999?p=qcrvLRJ0ODK2a5uraK",
	  NULL, NULL, NULL, NULL, NULL, "\n" },
	{ "teams-consumer-en.html", H, "", "", "teams-consumer", MM_BLOCK_TEAMS,
	  NULL, NULL, "https://teams.live.com/meet/9477691496180", NULL, NULL,
	  NULL, NULL, NULL, "\n" },
};

static char *
read_fixture(const char *name, size_t *len)
{
	const char *srcdir = g_getenv("MM_SRCDIR");
	char *path = g_build_filename(srcdir != NULL ? srcdir : ".", "fixtures",
	    "unit", "block", name, NULL);
	char *data = NULL;
	gsize n = 0;

	if (!g_file_get_contents(path, &data, &n, NULL)) {
		data = NULL;
		n = 0;
	}
	g_free(path);
	*len = n;
	return data;
}

static void
test_find_cases(struct mm_block_engine *engine)
{
	for (size_t i = 0; i < G_N_ELEMENTS(find_cases); i++) {
		const struct find_case *c = &find_cases[i];
		const char *outer_before = c->kind == T ? TEXT_BEFORE : HTML_BEFORE;
		const char *outer_after = c->kind == T ? TEXT_AFTER : HTML_AFTER;
		struct mm_block block;
		struct mm_diag diag;
		size_t block_len, start, body_len;
		char *fixture = read_fixture(c->file, &block_len);
		char *body;
		char *name;
		int rc;

		if (!tap_ok(fixture != NULL, "%s: fixture readable", c->file))
			continue;
		body = g_strconcat(outer_before, c->before, fixture, c->after,
		    outer_after, NULL);
		body_len = strlen(body);
		start = strlen(outer_before) + strlen(c->before);
		mm_diag_init(&diag);
		rc = mm_block_find(engine, body, body_len, c->kind, &block, &diag);
		if (!tap_ok(rc == MM_BLOCK_FOUND, "%s: found (rc %d%s%s)", c->file,
		    rc, diag.message ? ", " : "", diag.message ? diag.message : "")) {
			g_free(body);
			g_free(fixture);
			mm_block_release(&block);
			mm_diag_release(&diag);
			continue;
		}
		tap_ok(block.type == c->type, "%s: type %s", c->file,
		    mm_block_type_name(block.type));
		name = g_strdup_printf("%s: profile", c->file);
		tap_str(block.profile, c->profile, name);
		g_free(name);
		tap_ok(block.start == start, "%s: start %zu (expected %zu)",
		    c->file, block.start, start);
		tap_ok(block.end == start + block_len,
		    "%s: end %zu (expected %zu)", c->file, block.end,
		    start + block_len);
#define STR(field, want) do { \
		name = g_strdup_printf("%s: " #field, c->file); \
		tap_str(block.field, want, name); \
		g_free(name); \
	} while (0)
		STR(language, c->language);
		STR(language_basis, c->language_basis);
		STR(join_url, c->join_url);
		STR(conference_key, c->conference_key);
		STR(conference_id, c->conference_id);
		STR(meeting_id, c->meeting_id);
		STR(passcode, c->passcode);
		STR(addin_evidence, c->addin_evidence);
		STR(newline, c->newline);
#undef STR
		tap_ok(block.addin_marker == (c->addin_evidence != NULL),
		    "%s: add-in marker %s", c->file,
		    block.addin_marker ? "true" : "false");
		mm_block_release(&block);
		mm_diag_release(&diag);
		g_free(body);
		g_free(fixture);
	}
}

/*
 * The page of local numbers (mm_block.dialin_url): the first dialin.* URL
 * of the block, in text and in HTML (href), never the PIN page beside it.
 */
static void
test_dialin(struct mm_block_engine *engine)
{
	static const struct {
		const char *file;
		enum mm_body_kind kind;
		const char *want;
	} cases[] = {
		{ "sfb-en.txt", T, "https://dialin.contoso.com" },
		{ "sfb-fr.txt", T,
		  "https://dialin.lync.com/8a2f6c1e-1b7d-4a5e-9c3f-2d6e8b9a0c11" },
		{ "sfb-zh.html", H, "https://dialin.contoso.cn" },
		{ "teams-2019-en.html", H, "https://dialin.teams.microsoft.com/"
		  "8551f4c1-bea3-441a-8738-69aa517a91c5?id=73572842" },
		{ "teams-2020-en.txt", T, "https://dialin.teams.microsoft.com/"
		  "0b2f1c1e-3a4d-4f5e-8a6b-7c8d9e0f1a2b?id=987654321" },
		{ "teams-2024-en.txt", T, "https://dialin.teams.microsoft.com/"
		  "0000aaaa-1111-2222-3333-444455556666?id=123456789" },
		{ "teams-2025-en.txt", T, "https://dialin.teams.cloud.microsoft/"
		  "5d3f2b1a-0c9e-4d8f-a7b6-c5d4e3f2a1b0?id=133974151" },
		{ "teams-2020-fr.txt", T, NULL },
	};
	static const char only_pin[] = RULE80 "\nMicrosoft Teams meeting\n"
	    "Join on your computer or mobile app\n"
	    "Click here to join the meeting <https://teams.microsoft.com/l/"
	    "meetup-join/19%3ameeting_x%40thread.v2/0>\n"
	    "Reset PIN <https://dialin.teams.microsoft.com/usp/pstnconferencing>\n"
	    RULE80 "\n";

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_block block;
		struct mm_diag diag;
		size_t len;
		char *body = read_fixture(cases[i].file, &len);
		int rc;

		if (!tap_ok(body != NULL, "%s: fixture readable", cases[i].file))
			continue;
		mm_diag_init(&diag);
		rc = mm_block_find(engine, body, len, cases[i].kind, &block, &diag);
		if (rc == MM_BLOCK_FOUND)
			tap_str(block.dialin_url, cases[i].want, cases[i].file);
		else
			tap_ok(false, "%s: found (rc %d)", cases[i].file, rc);
		mm_block_release(&block);
		mm_diag_release(&diag);
		g_free(body);
	}
	{
		struct mm_block block;
		struct mm_diag diag;
		int rc;

		mm_diag_init(&diag);
		rc = mm_block_find(engine, only_pin, strlen(only_pin), T, &block,
		    &diag);
		tap_ok(rc == MM_BLOCK_FOUND && block.dialin_url == NULL,
		    "a block with only the PIN page has no page of local numbers");
		mm_block_release(&block);
		mm_diag_release(&diag);
	}
}

/* Bodies that hold no block, an unclosed one, or one after a decoy. */
struct edge_case {
	const char *name;
	enum mm_body_kind kind;
	const char *body;
	int rc;
	enum mm_block_type type;
	size_t start, end;      /* (size_t)-1: not checked */
};

#define UNCHECKED ((size_t)-1)
#define DOTS137 "......................................................................" \
	"..................................................................."

static const struct edge_case edge_cases[] = {
	{ "rules without a meeting url", T,
	  RULE80 "\nJust a line\nhttps://example.com/meet/x/y\n" RULE80 "\n",
	  MM_BLOCK_FOUND_NONE, MM_BLOCK_NONE, UNCHECKED, UNCHECKED },
	{ "dotted rules without a meeting url", T,
	  DOTS137 "\nhello\n" DOTS137 "\n", MM_BLOCK_FOUND_NONE, MM_BLOCK_NONE,
	  UNCHECKED, UNCHECKED },
	{ "a decoy pair before the block", T,
	  RULE80 "\ndecoy\n" RULE80 "\n\n" RULE80 "\nJoin<" TEAMS_JOIN ">\n"
	  RULE80 "\nafter\n", MM_BLOCK_FOUND, MM_BLOCK_TEAMS, 81 + 6 + 81 + 1,
	  81 + 6 + 81 + 1 + 81 + 5 + sizeof(TEAMS_JOIN) - 1 + 2 + 81 },
	{ "the inner 32-underscore rule does not close", T,
	  "x\n" RULE80 "\nJoin<" TEAMS_JOIN ">\n" RULE32 "\nDial in\n",
	  MM_BLOCK_FOUND_UNCLOSED, MM_BLOCK_TEAMS, 2, UNCHECKED },
	{ "the inner 32-underscore rule does not open", T,
	  RULE32 "\nJoin<" TEAMS_JOIN ">\n" RULE32 "\n",
	  MM_BLOCK_FOUND_NONE, MM_BLOCK_NONE, UNCHECKED, UNCHECKED },
	{ "unclosed sfb block", T,
	  "Hi\r\n" DOTS137 "\r\nJoin Skype Meeting <https://meet.contoso.com/a/B7C8D9E0>\r\n",
	  MM_BLOCK_FOUND_UNCLOSED, MM_BLOCK_SFB, 4, UNCHECKED },
	{ "closing rule on the last line, no terminator", T,
	  "x\n" RULE80 "\n<" TEAMS_JOIN ">\n" RULE80,
	  MM_BLOCK_FOUND, MM_BLOCK_TEAMS, 2,
	  2 + 81 + sizeof(TEAMS_JOIN) - 1 + 3 + 80 },
	{ "rule inside an attribute is not a rule", H,
	  "<p>x</p><div>" RULE80 "</div><div><a href=\"" TEAMS_JOIN
	  "\">j</a></div><div title=\"" RULE80 "\"></div>",
	  MM_BLOCK_FOUND_UNCLOSED, MM_BLOCK_TEAMS, 8, UNCHECKED },
	{ "rule inside a comment is not a rule", H,
	  "<!-- " RULE80 " --><div>" RULE80 "</div><p><a href=\"" TEAMS_JOIN
	  "\">j</a></p>", MM_BLOCK_FOUND_UNCLOSED, MM_BLOCK_TEAMS, 89,
	  UNCHECKED },
	{ "closing element never closes: the rule ends the block", H,
	  "<div>" RULE80 "</div><div><a href=\"" TEAMS_JOIN "\">j</a></div><div>"
	  RULE80, MM_BLOCK_FOUND, MM_BLOCK_TEAMS, 0,
	  5 + 80 + 6 + 5 + 9 + sizeof(TEAMS_JOIN) - 1 + 2 + 1 + 4 + 6 + 5 + 80 },
	{ "both rules in one element: the rules are the bounds", H,
	  "<p>intro<br>" RULE80 "<br><a href=\"" TEAMS_JOIN "\">j</a><br>" RULE80
	  "<br>outro</p>", MM_BLOCK_FOUND, MM_BLOCK_TEAMS, 12,
	  12 + 80 + 4 + 9 + sizeof(TEAMS_JOIN) - 1 + 2 + 1 + 4 + 4 + 80 },
	{ "stray close tags and an unterminated tag", H,
	  "</div></p></div><div>" RULE80 "</div></div><p><a href=\"" TEAMS_JOIN
	  "\">j</a><div>" RULE80 "</div><b", MM_BLOCK_FOUND, MM_BLOCK_TEAMS, 16,
	  16 + 5 + 80 + 6 + 6 + 3 + 9 + sizeof(TEAMS_JOIN) - 1 + 2 + 1 + 4 + 5
	  + 80 + 6 },
	{ "empty body", T, "", MM_BLOCK_FOUND_NONE, MM_BLOCK_NONE, UNCHECKED,
	  UNCHECKED },
	{ "empty html body", H, "", MM_BLOCK_FOUND_NONE, MM_BLOCK_NONE,
	  UNCHECKED, UNCHECKED },
};

static void
test_edge_cases(struct mm_block_engine *engine)
{
	for (size_t i = 0; i < G_N_ELEMENTS(edge_cases); i++) {
		const struct edge_case *c = &edge_cases[i];
		struct mm_block block;
		struct mm_diag diag;
		int rc;

		mm_diag_init(&diag);
		rc = mm_block_find(engine, c->body, strlen(c->body), c->kind,
		    &block, &diag);
		tap_ok(rc == c->rc, "%s: rc %d (expected %d)", c->name, rc, c->rc);
		tap_ok(block.type == c->type, "%s: type %s", c->name,
		    mm_block_type_name(block.type));
		if (c->start != UNCHECKED)
			tap_ok(block.start == c->start, "%s: start %zu (expected %zu)",
			    c->name, block.start, c->start);
		if (c->end != UNCHECKED)
			tap_ok(block.end == c->end, "%s: end %zu (expected %zu)",
			    c->name, block.end, c->end);
		mm_block_release(&block);
		mm_diag_release(&diag);
	}
}

static void
test_invalid_utf8(struct mm_block_engine *engine)
{
	static const struct {
		const char *body;
		size_t len;
		size_t offset;
	} cases[] = {
		{ "abc\xff" RULE80 "\n<" TEAMS_JOIN ">\n" RULE80 "\n", 0, 3 },
		{ RULE80 "\n<" TEAMS_JOIN ">\n" RULE80 "\n\xc3", 0,
		  81 + sizeof(TEAMS_JOIN) - 1 + 3 + 81 },
		{ "ok \xed\xa0\x80 surrogate", 0, 3 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_block block;
		struct mm_diag diag;
		char *want = g_strdup_printf("invalid UTF-8 at body offset %zu",
		    cases[i].offset);
		int rc;

		mm_diag_init(&diag);
		rc = mm_block_find(engine, cases[i].body, strlen(cases[i].body),
		    i % 2 ? MM_BODY_HTML : MM_BODY_TEXT, &block, &diag);
		tap_ok(rc == -1, "invalid UTF-8 %zu: rc %d", i, rc);
		tap_ok(diag.message != NULL &&
		    strncmp(diag.message, want, strlen(want)) == 0,
		    "invalid UTF-8 %zu: diag \"%s\"", i,
		    diag.message ? diag.message : "(null)");
		tap_ok(diag.code == MM_DIAG_DATA, "invalid UTF-8 %zu: data error", i);
		tap_ok(block.join_url == NULL && block.type == MM_BLOCK_NONE,
		    "invalid UTF-8 %zu: block left empty", i);
		mm_block_release(&block);
		mm_diag_release(&diag);
		g_free(want);
	}
}

static char *
repeat(const char *unit, size_t count)
{
	GString *s = g_string_sized_new(strlen(unit) * count);

	for (size_t i = 0; i < count; i++)
		g_string_append(s, unit);
	return g_string_free(s, false);
}

/*
 * Bodies built to make a careless scanner quadratic or recursive.  They must
 * come back without a block and without an error (timing is for benchmarks).
 */
static void
test_pathological(struct mm_block_engine *engine)
{
	static const struct {
		const char *name;
		const char *head;
		const char *unit;
		size_t count;
		const char *tail;
		enum mm_body_kind kind;
		int rc;
	} cases[] = {
		{ "100k periods", "", ".", 100000, "", T, MM_BLOCK_FOUND_NONE },
		{ "100k periods, html", "", ".", 100000, "", H,
		  MM_BLOCK_FOUND_NONE },
		{ "1 MB of underscores", "", "_", 1 << 20, "", T,
		  MM_BLOCK_FOUND_NONE },
		{ "1 MB of underscores, html", "", "_", 1 << 20, "", H,
		  MM_BLOCK_FOUND_NONE },
		{ "many rule lines", "", RULE80 "\n", 20000, "", T,
		  MM_BLOCK_FOUND_NONE },
		{ "many rules in html", "", "<div>" RULE80 "</div>", 20000, "", H,
		  MM_BLOCK_FOUND_NONE },
		{ "short runs", "", "___________________________________x", 30000,
		  "", H, MM_BLOCK_FOUND_NONE },
		{ "1 MB of '<'", "", "<", 1 << 20, RULE80, H,
		  MM_BLOCK_FOUND_NONE },
		{ "deep divs", "", "<div>", 200000, RULE80 "<a href=\"" TEAMS_JOIN
		  "\">x</a>", H, MM_BLOCK_FOUND_UNCLOSED },
		{ "unterminated comments", "", "<!--", 100000, RULE80, H,
		  MM_BLOCK_FOUND_NONE },
		{ "colons and digits", RULE80 "\n", ": 1 2 3 4 5 6 7 8 9 0 ", 50000,
		  "<" TEAMS_JOIN ">\n" RULE80 "\n", T, MM_BLOCK_FOUND },
		{ "a host of 100k labels", RULE80 "\nhttps://", "a.", 100000,
		  "teams.microsoft.com/l/meetup-join/x\n" RULE80 "\n", T,
		  MM_BLOCK_FOUND_NONE },
		{ "a path of 20k segments", DOTS137 "\nhttps://meet.lync.com/", "a/",
		  20000, "KEY\n" DOTS137 "\n", T, MM_BLOCK_FOUND_NONE },
		{ "markers without end", "<div>" RULE80 "</div>", "[!OC([1033", 50000,
		  "<a href=\"" TEAMS_JOIN "\">x</a><div>" RULE80 "</div>", H,
		  MM_BLOCK_FOUND },
		{ "entities and tags without end", "<div>" RULE80 "</div>",
		  "&#x41&amp<a href=\"", 50000, "<a href=\"" TEAMS_JOIN
		  "\">x</a><div>" RULE80 "</div>", H, MM_BLOCK_FOUND },
		{ "a huge block of urls", RULE80 "\n",
		  "Join<" TEAMS_JOIN "> ID: 1234 5678 90#\n", 5000, RULE80 "\n", T,
		  MM_BLOCK_FOUND },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_block block;
		struct mm_diag diag;
		char *units = repeat(cases[i].unit, cases[i].count);
		char *body = g_strconcat(cases[i].head, units, cases[i].tail, NULL);
		int rc;

		mm_diag_init(&diag);
		rc = mm_block_find(engine, body, strlen(body), cases[i].kind,
		    &block, &diag);
		tap_ok(rc == cases[i].rc, "pathological %s: rc %d%s%s",
		    cases[i].name, rc, diag.message ? ", " : "",
		    diag.message ? diag.message : "");
		mm_block_release(&block);
		mm_diag_release(&diag);
		g_free(body);
		g_free(units);
	}
}

static void
test_splice(void)
{
	static const struct {
		const char *body;
		size_t start, end;
		const char *replacement;
		const char *expected;
	} cases[] = {
		{ "before[old]after", 6, 11, "NEW", "beforeNEWafter" },
		{ "[old]", 0, 5, "", "" },
		{ "季度[x]🎉", 6, 9, "新", "季度新🎉" },
		{ "abc", 3, 3, "+", "abc+" },
		{ "abc", 1, 99, "-", "a-" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_block block;
		size_t out_len = 0;
		char *out;

		memset(&block, 0, sizeof block);
		block.start = cases[i].start;
		block.end = cases[i].end;
		out = mm_block_splice(cases[i].body, strlen(cases[i].body), &block,
		    cases[i].replacement, &out_len);
		tap_str(out, cases[i].expected, "splice");
		tap_ok(out_len == strlen(cases[i].expected), "splice length %zu",
		    out_len);
		g_free(out);
	}
}

/* Splicing the block out of each fixture body leaves the rest untouched. */
static void
test_splice_found(struct mm_block_engine *engine)
{
	for (size_t i = 0; i < G_N_ELEMENTS(find_cases); i++) {
		const struct find_case *c = &find_cases[i];
		const char *outer_before = c->kind == T ? TEXT_BEFORE : HTML_BEFORE;
		const char *outer_after = c->kind == T ? TEXT_AFTER : HTML_AFTER;
		struct mm_block block;
		struct mm_diag diag;
		size_t block_len, out_len;
		char *fixture = read_fixture(c->file, &block_len);
		char *body, *out, *want;

		if (fixture == NULL)
			continue;
		body = g_strconcat(outer_before, c->before, fixture, c->after,
		    outer_after, NULL);
		want = g_strconcat(outer_before, c->before, "[NEW]", c->after,
		    outer_after, NULL);
		mm_diag_init(&diag);
		mm_block_find(engine, body, strlen(body), c->kind, &block, &diag);
		out = mm_block_splice(body, strlen(body), &block, "[NEW]", &out_len);
		tap_ok(strcmp(out, want) == 0, "%s: splice keeps the rest", c->file);
		mm_block_release(&block);
		mm_diag_release(&diag);
		g_free(out);
		g_free(want);
		g_free(body);
		g_free(fixture);
	}
}

int
main(void)
{
	struct mm_diag diag;
	struct mm_block_engine *engine;

	mm_diag_init(&diag);
	engine = mm_block_engine_new(&diag);
	if (!tap_ok(engine != NULL, "engine compiles (%s)",
	    diag.message ? diag.message : "ok"))
		return tap_done();
	tap_str(mm_block_type_name(MM_BLOCK_SFB), "sfb", "type name sfb");
	tap_str(mm_block_type_name(MM_BLOCK_TEAMS), "teams", "type name teams");
	tap_str(mm_block_type_name(MM_BLOCK_NONE), "none", "type name none");
	test_find_cases(engine);
	test_dialin(engine);
	test_edge_cases(engine);
	test_invalid_utf8(engine);
	test_pathological(engine);
	test_splice();
	test_splice_found(engine);
	mm_block_engine_free(engine);
	mm_block_engine_free(NULL);
	mm_diag_release(&diag);
	return tap_done();
}
