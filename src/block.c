/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The online-meeting block engine.  It owns the table of block profiles and
 * every PCRE2 pattern used to recognise a block, and turns PCRE2's negative
 * codes into diagnostics.  It reads bodies and reports byte spans and the
 * values found in the block; it must never change a body, re-serialise HTML,
 * match English phrases, print, or know anything of iCalendar or EWS.
 *
 * A block is found in three steps.  First every delimiter rule is listed: a
 * line made of one repeated character (plain text), or a run of it outside
 * markup (HTML source).  Then rules are paired in order: a pair is a block
 * of the first profile whose rule character and minimum run it has and whose
 * URL shape (and, for some layouts, structural evidence) appears between the
 * two rules.  Last, the values are read from the block: for HTML from a
 * plain-text view of it that renders links the way Outlook does
 * ("text <href>"), so that one set of patterns serves both kinds of body.
 */
#include "config.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uloc.h>

#include "block.h"
#include "limits.h"

/* ------------------------------------------------------------------------
 * Patterns.  Each is compiled once, with PCRE2_UTF | PCRE2_UCP, in
 * mm_block_engine_new().  The URL shapes come from meeting-blocks.md §1.4;
 * a URL stops at white space, angle brackets, quotes and the backslash
 * (iCalendar escapes).
 */

enum pattern_id {
	PAT_NONE = -1,
	PAT_SFB_URL,
	PAT_TEAMS_JOIN,
	PAT_TEAMS_SHORT,
	PAT_TEAMS_LIVE,
	PAT_TEAMS_2024_TEXT,
	PAT_TEAMS_2024_HTML,
	PAT_TEAMS_2019_TEXT,
	PAT_COLON_NUMBER,
	PAT_PASSCODE,
	PAT_DIALIN_URL,
	PAT_OC_MARKER,
	PAT_LANG_PARAM,
	PAT_CLID_PARAM,
	PAT_ADDIN,
	PAT_UTF_CHECK,
	PAT_COUNT
};

#define URL_CHAR "[^\\s<>\"'\\\\]"
#define SEGMENT "[^/\\s<>\"'\\\\?#]+"
#define HSPACE "[ \\t\\x{A0}\\x{202F}]"

struct pattern_def {
	const char *name;       /* for diagnostics */
	const char *source;
	uint32_t options;       /* on top of PCRE2_UTF | PCRE2_UCP */
};

static const struct pattern_def pattern_defs[PAT_COUNT] = {
	/*
	 * Skype for Business / Lync meet URLs: Online
	 * (meet.lync.com/<tenant>/<user>/<key>), simple URL
	 * (meet.<domain>/<user>/<key>) and pool URL (<host>/meet/<user>/<key>).
	 * Group 1 is the conference key; the match never includes "?sl=1".
	 */
	[PAT_SFB_URL] = { "sfb-url",
		"https?://(?:meet\\.lync\\.com/(?:" SEGMENT "/){1,2}+"
		"|meet\\.[a-z0-9.-]+(?::[0-9]+)?/" SEGMENT "/"
		"|[a-z0-9.-]+(?::[0-9]+)?/meet/" SEGMENT "/)"
		"([a-z0-9]++)(?![^\\s<>\"'\\\\?#])",
		PCRE2_CASELESS },
	[PAT_TEAMS_JOIN] = { "teams-join-url",
		"https://(?:[a-z0-9-]++\\.){0,4}teams\\.microsoft\\.(?:com|us)"
		"/l/meetup-join/" URL_CHAR "++",
		PCRE2_CASELESS },
	[PAT_TEAMS_SHORT] = { "teams-short-url",
		"https://(?:[a-z0-9-]++\\.){0,4}teams\\.microsoft\\.(?:com|us)"
		"/meet/[0-9]++(?:\\?" URL_CHAR "*+)?",
		PCRE2_CASELESS },
	[PAT_TEAMS_LIVE] = { "teams-live-url",
		"https://teams\\.live\\.com/meet/[0-9]++(?:\\?" URL_CHAR "*+)?",
		PCRE2_CASELESS },
	/*
	 * The 2024 layout: an inner rule of fewer than 64 underscores on a
	 * line of its own, or the "?omkt=" help link on the first line of the
	 * block (meeting-blocks.md §1.2 (c)).
	 */
	[PAT_TEAMS_2024_TEXT] = { "teams-2024-text",
		"\\G(?:" HSPACE "*\\r?\\n)*+[^\\n]*?aka\\.ms/JoinTeamsMeeting\\?omkt="
		"|^" HSPACE "*_{20,63}" HSPACE "*\\r?$",
		PCRE2_CASELESS | PCRE2_MULTILINE },
	[PAT_TEAMS_2024_HTML] = { "teams-2024-html",
		"meet_invite_block\\.action\\.|aka\\.ms/JoinTeamsMeeting\\?omkt=",
		PCRE2_CASELESS },
	/* The 2019 layout: the join link is the block's first line. */
	[PAT_TEAMS_2019_TEXT] = { "teams-2019-text",
		"\\G(?:" HSPACE "*\\r?\\n)*+[^\\n]*?"
		"teams\\.microsoft\\.(?:com|us)/l/meetup-join/",
		PCRE2_CASELESS },
	/*
	 * A number after a colon (ASCII or full-width, so "ID de la réunion :
	 * 319 560 123 45" and "会议 ID：123" qualify), groups separated by
	 * single spaces; group 2 holds the "#" that ends Teams phone
	 * conference IDs.  Not after a digit (times) nor "tel" (dial strings),
	 * and not followed by what makes it part of a URL or a longer token.
	 */
	[PAT_COLON_NUMBER] = { "colon-number",
		"(?<![0-9])(?<!(?i:tel))[:：]" HSPACE "*+"
		"([0-9](?:[ \\x{A0}\\x{202F}]?[0-9]){3,}+)"
		"(?![0-9A-Za-z/.:_,-])" HSPACE "*+(#?)",
		0 },
	/* The value on the line after the meeting ID ("Passcode: BuLHJx"). */
	[PAT_PASSCODE] = { "passcode",
		"\\G[^\\n]*\\n" HSPACE "*[^\\n:：]{1,60}?" HSPACE "*[:：]" HSPACE "*+"
		"([A-Za-z0-9]{3,64})" HSPACE "*(?=\\r?\\n|\\z)",
		0 },
	/*
	 * The page of local dial-in numbers: Teams'
	 * dialin.teams.microsoft.com/<bridge>?id=<conference ID>, SfB Online's
	 * dialin.lync.com/<bridge>, an on-premises dialin.<domain>; not the
	 * dial-in PIN page on the same host (/usp/pstnconferencing).
	 */
	[PAT_DIALIN_URL] = { "dialin-url",
		"https?://dialin\\.[a-z0-9-]++(?:\\.[a-z0-9-]++)++(?::[0-9]+)?"
		"(?:/(?!usp/)" URL_CHAR "*+)?(?![^\\s<>\"'\\\\])",
		PCRE2_CASELESS },
	/* The SfB add-in's hidden language marker, "[!OC([1033])!]". */
	[PAT_OC_MARKER] = { "oc-marker",
		"\\[!OC\\(\\[([0-9]{1,5})\\]\\)!\\]",
		0 },
	[PAT_LANG_PARAM] = { "language-parameter",
		"[?&;](?:language|omkt|setlang|mkt)=([a-z]{2,3}(?:-[a-z0-9]{2,8})?)"
		"(?![a-z0-9-])",
		PCRE2_CASELESS },
	[PAT_CLID_PARAM] = { "clid-parameter",
		"[?&;]clid=([0-9]{4,5})(?![0-9])",
		PCRE2_CASELESS },
	/*
	 * Evidence that the Skype add-in wrote the block (meeting-blocks.md
	 * §1.1; DESIGN.md "PastedBlock"): its Word bookmarks and the hidden
	 * [!OC([lcid])!] marker.  The Teams block's me-email-* classes,
	 * meet_invite_block ids and data-tid attributes are layout, which a
	 * copy and paste carries along, so they are no such evidence: a Teams
	 * meeting's add-in marks are its X-MICROSOFT properties.  The marker
	 * is the match and its attribute is looked behind, so that no part of
	 * the pattern scans ahead for a name that may never come.
	 */
	[PAT_ADDIN] = { "add-in-marker",
		"(?<=\\bname=|\\bname=\"|\\bname=')"
		"Out(?:JoinLink|SharedNoteBorder|SharedNoteLink)\\b"
		"|\\[!OC\\(\\[[0-9]{1,5}\\]\\)!\\]",
		PCRE2_CASELESS },
	/* Matches at once: running it validates the whole subject as UTF-8. */
	[PAT_UTF_CHECK] = { "utf-check", "", 0 },
};

/* ------------------------------------------------------------------------
 * Profiles: data, not code paths.  Rules are tried in table order; the
 * first profile whose rules and URL shape (and evidence) fit wins, so the
 * more specific layouts come first and teams-2020 is the Teams fallback.
 */

/*
 * A layout is told from its neighbours by evidence: a pattern matched
 * from the first inner line of the block's text (for HTML, of its text
 * view), or one found in the HTML source between the rules.  Either will
 * do; a profile with neither needs only its URL.
 */
struct profile {
	const char *name;
	enum mm_block_type type;
	char rule_char;
	size_t rule_min;        /* the shortest run that opens or closes */
	enum pattern_id url;    /* must appear between the rules */
	enum pattern_id text_evidence;
	enum pattern_id html_evidence;
};

static const struct profile profiles[] = {
	/* 137 periods in every known SfB/Lync block. */
	{ "sfb", MM_BLOCK_SFB, '.', 100, PAT_SFB_URL, PAT_NONE, PAT_NONE },
	/* 80 underscores; the 2024 inner rule of 32 never opens or closes. */
	{ "teams-2025", MM_BLOCK_TEAMS, '_', 64, PAT_TEAMS_SHORT,
	  PAT_NONE, PAT_NONE },
	{ "teams-2024", MM_BLOCK_TEAMS, '_', 64, PAT_TEAMS_JOIN,
	  PAT_TEAMS_2024_TEXT, PAT_TEAMS_2024_HTML },
	{ "teams-2019", MM_BLOCK_TEAMS, '_', 64, PAT_TEAMS_JOIN,
	  PAT_TEAMS_2019_TEXT, PAT_NONE },
	{ "teams-2020", MM_BLOCK_TEAMS, '_', 64, PAT_TEAMS_JOIN,
	  PAT_NONE, PAT_NONE },
	/* outlook.com: 137 periods as well (meeting-blocks.md §1.2). */
	{ "teams-consumer", MM_BLOCK_TEAMS, '.', 100, PAT_TEAMS_LIVE,
	  PAT_NONE, PAT_NONE },
	{ "teams-consumer", MM_BLOCK_TEAMS, '_', 64, PAT_TEAMS_LIVE,
	  PAT_NONE, PAT_NONE },
};

/* The shortest run of C that any profile accepts as a rule, or 0. */
static size_t
rule_floor(char c)
{
	size_t floor = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++)
		if (profiles[i].rule_char == c &&
		    (floor == 0 || profiles[i].rule_min < floor))
			floor = profiles[i].rule_min;
	return floor;
}

/* ------------------------------------------------------------------------
 * Languages.  The SfB add-in writes a Windows LCID ([!OC([1033])!],
 * clid=1033); the common ones are listed here, ICU knows the rest.
 */

static const struct {
	unsigned lcid;
	const char *tag;
} lcid_tags[] = {
	{ 1025, "ar-SA" }, { 1028, "zh-TW" }, { 1029, "cs-CZ" },
	{ 1030, "da-DK" }, { 1031, "de-DE" }, { 1032, "el-GR" },
	{ 1033, "en-US" }, { 1035, "fi-FI" }, { 1036, "fr-FR" },
	{ 1037, "he-IL" }, { 1038, "hu-HU" }, { 1040, "it-IT" },
	{ 1041, "ja-JP" }, { 1042, "ko-KR" }, { 1043, "nl-NL" },
	{ 1044, "nb-NO" }, { 1045, "pl-PL" }, { 1046, "pt-BR" },
	{ 1049, "ru-RU" }, { 1053, "sv-SE" }, { 1054, "th-TH" },
	{ 1055, "tr-TR" }, { 1058, "uk-UA" }, { 1066, "vi-VN" },
	{ 2052, "zh-CN" }, { 2057, "en-GB" }, { 2070, "pt-PT" },
	{ 3076, "zh-HK" }, { 3082, "es-ES" }, { 3084, "fr-CA" },
};

static char *
lcid_to_tag(unsigned lcid)
{
	char locale[ULOC_FULLNAME_CAPACITY];
	char tag[ULOC_FULLNAME_CAPACITY];
	UErrorCode status = U_ZERO_ERROR;
	int32_t n;

	for (size_t i = 0; i < G_N_ELEMENTS(lcid_tags); i++)
		if (lcid_tags[i].lcid == lcid)
			return g_strdup(lcid_tags[i].tag);
	n = uloc_getLocaleForLCID(lcid, locale, sizeof locale, &status);
	if (U_FAILURE(status) || n <= 0 || n >= (int32_t)sizeof locale)
		return NULL;
	n = uloc_toLanguageTag(locale, tag, sizeof tag, false, &status);
	if (U_FAILURE(status) || n <= 0 || n >= (int32_t)sizeof tag ||
	    strcmp(tag, "und") == 0)
		return NULL;
	return g_strdup(tag);
}

/* "en-us" -> "en-US", "zh-hans-cn" -> "zh-Hans-CN" (BCP 47 case conventions). */
static char *
normalize_tag(const char *s, size_t len)
{
	char *tag = g_strndup(s, len);
	size_t i = 0, start;

	while (tag[i] != '\0') {
		start = i;
		while (tag[i] != '\0' && tag[i] != '-' && tag[i] != '_')
			i++;
		for (size_t k = start; k < i; k++) {
			if (start == 0 || (i - start != 2 && i - start != 4))
				tag[k] = g_ascii_tolower(tag[k]);
			else if (i - start == 2)
				tag[k] = g_ascii_toupper(tag[k]);
			else
				tag[k] = k == start ? g_ascii_toupper(tag[k]) :
				    g_ascii_tolower(tag[k]);
		}
		if (tag[i] != '\0') {
			tag[i] = '-';
			i++;
		}
	}
	return tag;
}

static bool
is_language_tag(const char *s, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && g_ascii_isalpha(s[i])) {
		i++;
		n++;
	}
	if (n < 2 || n > 3)
		return false;
	while (i < len) {
		if (s[i] != '-' && s[i] != '_')
			return false;
		i++;
		n = 0;
		while (i < len && g_ascii_isalnum(s[i])) {
			i++;
			n++;
		}
		if (n < 2 || n > 8)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * The engine.
 */

struct mm_block_engine {
	pcre2_code *code[PAT_COUNT];
	pcre2_match_context *match_context;
};

struct mm_block_engine *
mm_block_engine_new(struct mm_diag *diag)
{
	struct mm_block_engine *engine = g_new0(struct mm_block_engine, 1);
	const char *jit_setting = g_getenv("MEETMIG_PCRE2_JIT");
	bool jit = jit_setting == NULL || strcmp(jit_setting, "0") != 0;
	PCRE2_UCHAR message[256];
	PCRE2_SIZE error_offset;
	int error_code;

	for (int i = 0; i < PAT_COUNT; i++) {
		const struct pattern_def *def = &pattern_defs[i];

		engine->code[i] = pcre2_compile((PCRE2_SPTR)def->source,
		    PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_UCP | def->options, &error_code,
		    &error_offset, NULL);
		if (engine->code[i] == NULL) {
			pcre2_get_error_message(error_code, message,
			    sizeof message);
			mm_diag_set(diag, MM_DIAG_INTERNAL,
			    "cannot compile block pattern %s: %s at offset %zu",
			    def->name, (const char *)message,
			    (size_t)error_offset);
			mm_block_engine_free(engine);
			return NULL;
		}
		/*
		 * Without JIT support (or with it turned off) pcre2_match()
		 * uses the interpreter, which honours the same limits; the
		 * result does not depend on it.  JIT code reads the subject
		 * 16 bytes at a time, which valgrind reports as reads past
		 * the end, hence the switch (block.h).
		 */
		if (jit)
			(void)pcre2_jit_compile(engine->code[i],
			    PCRE2_JIT_COMPLETE);
	}
	engine->match_context = pcre2_match_context_create(NULL);
	if (engine->match_context == NULL)
		g_error("out of memory creating a pcre2 match context");
	pcre2_set_match_limit(engine->match_context, MM_LIMIT_PCRE2_MATCH);
	pcre2_set_depth_limit(engine->match_context, MM_LIMIT_PCRE2_DEPTH);
	return engine;
}

void
mm_block_engine_free(struct mm_block_engine *engine)
{
	if (engine == NULL)
		return;
	for (int i = 0; i < PAT_COUNT; i++)
		pcre2_code_free(engine->code[i]);
	pcre2_match_context_free(engine->match_context);
	g_free(engine);
}

const char *
mm_block_type_name(enum mm_block_type type)
{
	switch (type) {
	case MM_BLOCK_SFB:
		return "sfb";
	case MM_BLOCK_TEAMS:
		return "teams";
	case MM_BLOCK_NONE:
		break;
	}
	return "none";
}

static void
block_init(struct mm_block *block)
{
	memset(block, 0, sizeof *block);
	block->type = MM_BLOCK_NONE;
	block->newline = "\n";
}

void
mm_block_release(struct mm_block *block)
{
	if (block == NULL)
		return;
	g_free(block->language);
	g_free(block->language_basis);
	g_free(block->addin_evidence);
	g_free(block->join_url);
	g_free(block->conference_key);
	g_free(block->conference_id);
	g_free(block->meeting_id);
	g_free(block->passcode);
	g_free(block->dialin_url);
	block_init(block);
}

char *
mm_block_splice(const char *body, size_t len, const struct mm_block *block,
    const char *replacement, size_t *out_len)
{
	size_t start = MIN(block->start, len);
	size_t end = MIN(MAX(block->end, start), len);
	size_t rlen = strlen(replacement);
	size_t total = start + rlen + (len - end);
	char *spliced = g_malloc(total + 1);

	memcpy(spliced, body, start);
	memcpy(spliced + start, replacement, rlen);
	memcpy(spliced + start + rlen, body + end, len - end);
	spliced[total] = '\0';
	if (out_len != NULL)
		*out_len = total;
	return spliced;
}

/* ------------------------------------------------------------------------
 * One search: the body, the match data and where errors go.
 */

struct search {
	const struct mm_block_engine *engine;
	const char *body;
	size_t len;
	enum mm_body_kind kind;
	pcre2_match_data *match_data;
	PCRE2_SIZE *ovector;
	struct mm_diag *diag;
};

static int
match_error(struct search *s, enum pattern_id id, int rc)
{
	PCRE2_UCHAR message[256];

	pcre2_get_error_message(rc, message, sizeof message);
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		return mm_diag_set(s->diag, MM_DIAG_LIMIT,
		    "block search stopped: %s (MM_LIMIT_PCRE2_MATCH %u, "
		    "pattern %s)", (const char *)message,
		    MM_LIMIT_PCRE2_MATCH, pattern_defs[id].name);
	case PCRE2_ERROR_DEPTHLIMIT:
		return mm_diag_set(s->diag, MM_DIAG_LIMIT,
		    "block search stopped: %s (MM_LIMIT_PCRE2_DEPTH %u, "
		    "pattern %s)", (const char *)message,
		    MM_LIMIT_PCRE2_DEPTH, pattern_defs[id].name);
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return mm_diag_set(s->diag, MM_DIAG_LIMIT,
		    "block search stopped: %s (pattern %s)",
		    (const char *)message, pattern_defs[id].name);
	default:
		break;
	}
	return mm_diag_set(s->diag, MM_DIAG_INTERNAL,
	    "block search failed: %s (pattern %s)", (const char *)message,
	    pattern_defs[id].name);
}

/*
 * Runs pattern ID on SUBJECT[0, LENGTH) from OFFSET.  Subjects are checked
 * for UTF-8 once, as a whole (check_utf8()), so every later match skips the
 * check; offsets and lengths always fall on ASCII bytes, hence on character
 * boundaries.  Returns 1 (s->ovector filled), 0, or -1 with diag.
 */
static int
run(struct search *s, enum pattern_id id, const char *subject, size_t length,
    size_t offset)
{
	int rc;

	if (offset > length)
		return 0;
	rc = pcre2_match(s->engine->code[id], (PCRE2_SPTR)subject, length,
	    offset, PCRE2_NO_UTF_CHECK, s->match_data,
	    s->engine->match_context);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return match_error(s, id, rc);
}

static int
check_utf8(struct search *s)
{
	int rc = pcre2_match(s->engine->code[PAT_UTF_CHECK],
	    (PCRE2_SPTR)s->body, s->len, 0, 0, s->match_data,
	    s->engine->match_context);

	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21) {
		PCRE2_UCHAR message[256];

		pcre2_get_error_message(rc, message, sizeof message);
		return mm_diag_set(s->diag, MM_DIAG_DATA,
		    "invalid UTF-8 at body offset %zu: %s",
		    (size_t)pcre2_get_startchar(s->match_data),
		    (const char *)message);
	}
	return match_error(s, PAT_UTF_CHECK, rc);
}

/* ------------------------------------------------------------------------
 * Rules.
 */

struct rule {
	char c;
	size_t run_start, run_end;      /* the run of rule characters */
	size_t start, end;              /* text: the whole line with its
	                                   terminator; HTML: the run */
	const char *newline;
};

static bool
is_nbsp(const char *s, size_t i, size_t end)
{
	return i + 1 < end && (unsigned char)s[i] == 0xc2 &&
	    (unsigned char)s[i + 1] == 0xa0;
}

/* Lines made of one rule character, white space around it allowed. */
static GArray *
text_rules(const char *s, size_t len)
{
	GArray *rules = g_array_new(false, false, sizeof(struct rule));
	size_t dot_floor = rule_floor('.'), line_floor = rule_floor('_');
	size_t line = 0;

	while (line < len) {
		const char *nl = memchr(s + line, '\n', len - line);
		size_t content_end = nl != NULL ? (size_t)(nl - s) : len;
		size_t next = nl != NULL ? content_end + 1 : len;
		size_t a = line, b = content_end, floor;
		bool crlf = false;

		if (b > a && s[b - 1] == '\r') {
			b--;
			crlf = true;
		}
		for (;;) {
			if (a < b && (s[a] == ' ' || s[a] == '\t'))
				a++;
			else if (is_nbsp(s, a, b))
				a += 2;
			else
				break;
		}
		for (;;) {
			if (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
				b--;
			else if (b >= a + 2 && is_nbsp(s, b - 2, b))
				b -= 2;
			else
				break;
		}
		floor = a < b && s[a] == '.' ? dot_floor :
		    a < b && s[a] == '_' ? line_floor : 0;
		if (floor > 0 && b - a >= floor) {
			size_t k = a;

			while (k < b && s[k] == s[a])
				k++;
			if (k == b) {
				struct rule r = {
					.c = s[a], .run_start = a, .run_end = b,
					.start = line, .end = next,
					.newline = crlf ? "\r\n" : "\n",
				};
				g_array_append_val(rules, r);
			}
		}
		line = next;
	}
	return rules;
}

/* ------------------------------------------------------------------------
 * A forward-only HTML tokenizer, just enough to know which <p> or <div>
 * holds an offset and where it ends.  It never allocates per token, never
 * goes backwards, and treats whatever it cannot parse as text, so any input
 * is walked in linear time.
 */

#define HTML_STACK_MAX 512
#define UNKNOWN ((size_t)-1)

struct html_element {
	size_t start;           /* the '<' of the start tag */
	size_t tag_end;         /* just after the start tag's '>' */
	bool is_p;
};

struct html_cursor {
	const char *s;
	size_t len;
	size_t pos;             /* constructs starting before pos are done */
	GArray *stack;          /* struct html_element, innermost last */
	size_t overflow;        /* <div>s not pushed past HTML_STACK_MAX */
	size_t next_lt, next_gt;        /* caches for find_byte() */
	size_t watch_depth;     /* fire when the stack gets shorter than this */
	bool watch_fired;
	size_t watch_close_start, watch_close_end;
};

static void
html_cursor_init(struct html_cursor *c, const char *s, size_t len)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->len = len;
	c->stack = g_array_new(false, false, sizeof(struct html_element));
	c->next_lt = c->next_gt = UNKNOWN;
}

static void
html_cursor_release(struct html_cursor *c)
{
	g_array_free(c->stack, true);
}

/*
 * The first BYTE at or after FROM, or len.  *cache remembers the last
 * answer: positions only grow, so it stays right while it is >= FROM.
 */
static size_t
find_byte(const struct html_cursor *c, size_t *cache, size_t from, char byte)
{
	const char *hit;

	if (*cache != UNKNOWN && *cache >= from)
		return *cache;
	hit = from < c->len ? memchr(c->s + from, byte, c->len - from) : NULL;
	*cache = hit != NULL ? (size_t)(hit - c->s) : c->len;
	return *cache;
}

static size_t
find_bytes(const char *s, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);

	while (from + n <= len) {
		const char *hit = memchr(s + from, needle[0], len - from);

		if (hit == NULL)
			break;
		from = (size_t)(hit - s);
		if (from + n <= len && memcmp(s + from, needle, n) == 0)
			return from;
		from++;
	}
	return len;
}

static bool
name_is(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && g_ascii_strncasecmp(s, name, len) == 0;
}

static bool
html_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\f';
}

static void
html_pop(struct html_cursor *c, size_t close_start, size_t close_end)
{
	g_array_set_size(c->stack, c->stack->len - 1);
	if (!c->watch_fired && c->stack->len < c->watch_depth) {
		c->watch_fired = true;
		c->watch_close_start = close_start;
		c->watch_close_end = close_end;
	}
}

static bool
top_is_p(const struct html_cursor *c)
{
	return c->stack->len > 0 &&
	    g_array_index(c->stack, struct html_element, c->stack->len - 1).is_p;
}

/*
 * The end of the raw-text element NAME ("style", "script") whose content
 * starts at FROM in S[0, LEN): just after its close tag, or LEN.
 */
static size_t
raw_text_end(const char *s, size_t len, size_t from, const char *name)
{
	size_t n = strlen(name);

	for (;;) {
		size_t lt = find_bytes(s, len, from, "</");
		const char *gt;

		if (lt >= len)
			return len;
		if (lt + 2 + n <= len &&
		    g_ascii_strncasecmp(s + lt + 2, name, n) == 0) {
			gt = memchr(s + lt, '>', len - lt);
			return gt != NULL ? (size_t)(gt - s) + 1 : len;
		}
		from = lt + 2;
	}
}

/* Processes the construct at '<' P; returns the offset just after it. */
static size_t
html_step(struct html_cursor *c, size_t p)
{
	const char *s = c->s;
	size_t len = c->len, q = p + 1, name, name_len, gt, end;
	bool closing = false, self_closing;

	if (p + 4 <= len && memcmp(s + p, "<!--", 4) == 0) {
		q = find_bytes(s, len, p + 4, "-->");
		return q < len ? q + 3 : len;
	}
	if (q < len && s[q] == '/') {
		closing = true;
		q++;
	}
	if (q >= len)
		return p + 1;
	if (!closing && (s[q] == '!' || s[q] == '?')) {
		gt = find_byte(c, &c->next_gt, q, '>');
		return gt < len ? gt + 1 : p + 1;
	}
	if (!g_ascii_isalpha(s[q]))
		return p + 1;           /* a '<' that starts no tag is text */
	name = q;
	while (q < len && (g_ascii_isalnum(s[q]) || s[q] == '-' || s[q] == ':'))
		q++;
	name_len = q - name;
	gt = find_byte(c, &c->next_gt, q, '>');
	if (gt >= len)
		return p + 1;
	end = gt + 1;
	self_closing = gt > q && s[gt - 1] == '/';
	if (name_is(s + name, name_len, "p") ||
	    name_is(s + name, name_len, "div")) {
		bool is_p = name_len == 1;

		if (closing && is_p) {
			if (top_is_p(c))
				html_pop(c, p, end);
		} else if (closing) {
			guint i = c->stack->len;

			if (c->overflow > 0) {
				c->overflow--;
				return end;
			}
			while (i > 0 && g_array_index(c->stack,
			    struct html_element, i - 1).is_p)
				i--;
			if (i == 0)
				return end;     /* a stray </div> */
			while (c->stack->len >= i)
				html_pop(c, p, end);
		} else {
			/* A new <p> or <div> ends an open <p> (HTML §13.2.6.4.7). */
			if (top_is_p(c))
				html_pop(c, p, p);
			if (self_closing)
				return end;
			if (c->stack->len >= HTML_STACK_MAX) {
				if (!is_p)
					c->overflow++;
				return end;
			}
			struct html_element e = {
				.start = p, .tag_end = end, .is_p = is_p,
			};
			g_array_append_val(c->stack, e);
		}
	} else if (!closing && !self_closing &&
	    (name_is(s + name, name_len, "style") ||
	    name_is(s + name, name_len, "script"))) {
		end = raw_text_end(s, len, end,
		    name_len == 5 ? "style" : "script");
	}
	return end;
}

/*
 * Processes every construct that starts before TARGET.  Returns true when
 * TARGET lies inside one of them (a tag, a comment, a style sheet).
 */
static bool
html_advance(struct html_cursor *c, size_t target)
{
	while (c->pos < target) {
		size_t lt = find_byte(c, &c->next_lt, c->pos, '<');

		if (lt >= target) {
			c->pos = target;
			return false;
		}
		c->pos = html_step(c, lt);
		if (c->pos > target)
			return true;
	}
	return false;
}

/* Walks on until the watch fires; false at the end of the body. */
static bool
html_run_until_watch(struct html_cursor *c)
{
	while (!c->watch_fired) {
		size_t lt = find_byte(c, &c->next_lt, c->pos, '<');

		if (lt >= c->len) {
			c->pos = c->len;
			return false;
		}
		c->pos = html_step(c, lt);
	}
	return true;
}

static void
html_watch(struct html_cursor *c, size_t depth)
{
	c->watch_depth = depth;
	c->watch_fired = false;
}

/* Runs of rule characters that lie in text, not inside markup. */
static GArray *
html_rules(const char *s, size_t len)
{
	GArray *rules = g_array_new(false, false, sizeof(struct rule));
	size_t dot_floor = rule_floor('.'), line_floor = rule_floor('_');
	struct html_cursor c;
	size_t i = 0;

	html_cursor_init(&c, s, len);
	while (i < len) {
		size_t run = i, floor;

		if (s[i] != '.' && s[i] != '_') {
			i++;
			continue;
		}
		while (i < len && s[i] == s[run])
			i++;
		floor = s[run] == '.' ? dot_floor : line_floor;
		if (i - run < floor)
			continue;
		if (c.pos > run || html_advance(&c, run))
			continue;
		struct rule r = {
			.c = s[run], .run_start = run, .run_end = i,
			.start = run, .end = i, .newline = "\n",
		};
		g_array_append_val(rules, r);
	}
	html_cursor_release(&c);
	return rules;
}

/*
 * Finds the value of attribute NAME in the start tag [tag, tag_end).
 * Returns true with *value and *value_len (the raw, undecoded value).
 */
static bool
tag_attr(const char *s, size_t tag, size_t tag_end, const char *name,
    size_t *value, size_t *value_len)
{
	size_t i = tag + 1, n = strlen(name);

	while (i < tag_end && !html_space(s[i]) && s[i] != '>' && s[i] != '/')
		i++;
	while (i < tag_end) {
		size_t a, alen, v = 0, vlen = 0;

		while (i < tag_end && (html_space(s[i]) || s[i] == '/'))
			i++;
		if (i >= tag_end || s[i] == '>')
			break;
		a = i;
		while (i < tag_end && !html_space(s[i]) && s[i] != '=' &&
		    s[i] != '>')
			i++;
		alen = i - a;
		while (i < tag_end && html_space(s[i]))
			i++;
		if (i < tag_end && s[i] == '=') {
			i++;
			while (i < tag_end && html_space(s[i]))
				i++;
			if (i < tag_end && (s[i] == '"' || s[i] == '\'')) {
				char quote = s[i++];

				v = i;
				while (i < tag_end && s[i] != quote)
					i++;
				vlen = i - v;
				if (i < tag_end)
					i++;
			} else {
				v = i;
				while (i < tag_end && !html_space(s[i]) &&
				    s[i] != '>')
					i++;
				vlen = i - v;
			}
		}
		if (alen == n && g_ascii_strncasecmp(s + a, name, n) == 0) {
			*value = v;
			*value_len = vlen;
			return true;
		}
	}
	return false;
}

static bool
has_class(const char *s, size_t tag, size_t tag_end, const char *cls)
{
	size_t v, vlen, n = strlen(cls), i = 0;

	if (!tag_attr(s, tag, tag_end, "class", &v, &vlen))
		return false;
	while (i < vlen) {
		size_t w;

		while (i < vlen && html_space(s[v + i]))
			i++;
		w = i;
		while (i < vlen && !html_space(s[v + i]))
			i++;
		if (i - w == n && g_ascii_strncasecmp(s + v + w, cls, n) == 0)
			return true;
	}
	return false;
}

static bool
only_space(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (!html_space(s[i]))
			return false;
	return true;
}

/*
 * The span of an HTML block: from the start tag of the <p>/<div> holding
 * the opening rule to the end of the close tag of the one holding the
 * closing rule.  When an element holds more than its rule (both rules in
 * one <div>, say), the rule itself is the boundary on that side.  A Teams
 * "me-email-text" <div> that wraps exactly the block (2024 and 2025
 * layouts, meeting-blocks.md §1.2) is part of the block.  ANCESTORS gets
 * the elements around the opening rule, outermost first.
 */
static void
html_span(const char *s, size_t len, const struct rule *open,
    const struct rule *close, size_t *start, size_t *end, GArray *ancestors)
{
	struct html_cursor c;
	struct html_element open_el = { 0 }, parent = { 0 };
	guint open_depth, close_depth;
	bool open_bounded = false, close_bounded = false;

	html_cursor_init(&c, s, len);
	*start = open->run_start;
	*end = close->run_end;
	html_advance(&c, open->run_start);
	open_depth = c.stack->len;
	g_array_append_vals(ancestors, c.stack->data, c.stack->len);
	if (open_depth > 0) {
		open_el = g_array_index(c.stack, struct html_element,
		    open_depth - 1);
		html_watch(&c, open_depth);
	}
	html_advance(&c, close->run_start);
	if (open_depth > 0 && c.watch_fired &&
	    c.watch_close_end <= close->run_start) {
		*start = open_el.start;
		open_bounded = true;
	}
	close_depth = c.stack->len;
	html_watch(&c, 0);
	if (close_depth > 0 && g_array_index(c.stack, struct html_element,
	    close_depth - 1).start >= open->run_end) {
		html_watch(&c, close_depth);
		if (html_run_until_watch(&c)) {
			*end = c.watch_close_end;
			close_bounded = true;
		}
	}
	if (open_bounded && close_bounded && open_depth >= 2 &&
	    close_depth == open_depth && c.stack->len >= open_depth - 1) {
		parent = g_array_index(ancestors, struct html_element,
		    open_depth - 2);
		if (!parent.is_p &&
		    g_array_index(c.stack, struct html_element,
		    open_depth - 2).start == parent.start &&
		    has_class(s, parent.start, parent.tag_end, "me-email-text") &&
		    only_space(s, parent.tag_end, *start)) {
			size_t inner_end = *end;

			html_watch(&c, open_depth - 1);
			if (html_run_until_watch(&c) &&
			    only_space(s, inner_end, c.watch_close_start)) {
				*start = parent.start;
				*end = c.watch_close_end;
			}
		}
	}
	html_cursor_release(&c);
}

/* ------------------------------------------------------------------------
 * The text view of an HTML block: tags dropped, block elements and <br> as
 * line breaks, white space collapsed, entities decoded, and each link as
 * "text <href>" (Outlook's own HTML-to-text rendering, meeting-blocks.md
 * §1.1), so the values are read with the same patterns as in plain text.
 */

/* Appends the decoded entity at S[I] (I at '&'); returns its length or 0. */
static size_t
append_entity(GString *out, const char *s, size_t i, size_t end)
{
	static const struct {
		const char *name;
		const char *text;
	} named[] = {
		{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
		{ "apos", "'" }, { "nbsp", "\xc2\xa0" },
	};
	size_t semi = i + 1;

	while (semi < end && semi - i <= 10 && s[semi] != ';')
		semi++;
	if (semi >= end || s[semi] != ';')
		return 0;
	if (s[i + 1] == '#') {
		gunichar ch = 0;
		size_t k = i + 2;
		bool hex = k < semi && (s[k] == 'x' || s[k] == 'X');
		char utf8[6];

		if (hex)
			k++;
		if (k == semi)
			return 0;
		for (; k < semi; k++) {
			int d = hex ? g_ascii_xdigit_value(s[k]) :
			    g_ascii_digit_value(s[k]);

			if (d < 0 || ch > 0x10ffff)
				return 0;
			ch = ch * (hex ? 16 : 10) + (gunichar)d;
		}
		if (ch == 0 || ch > 0x10ffff || (ch >= 0xd800 && ch <= 0xdfff))
			return 0;
		g_string_append_len(out, utf8, g_unichar_to_utf8(ch, utf8));
		return semi + 1 - i;
	}
	for (size_t k = 0; k < G_N_ELEMENTS(named); k++)
		if (name_is(s + i + 1, semi - i - 1, named[k].name)) {
			g_string_append(out, named[k].text);
			return semi + 1 - i;
		}
	return 0;
}

static void
append_decoded(GString *out, const char *s, size_t from, size_t to)
{
	while (from < to) {
		size_t n = s[from] == '&' ? append_entity(out, s, from, to) : 0;

		if (n == 0)
			g_string_append_c(out, s[from++]);
		else
			from += n;
	}
}

static void
view_break(GString *view)
{
	while (view->len > 0 && view->str[view->len - 1] == ' ')
		g_string_truncate(view, view->len - 1);
	if (view->len > 0 && view->str[view->len - 1] != '\n')
		g_string_append_c(view, '\n');
}

static bool
breaks_line(const char *name, size_t len)
{
#define TAG(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *name;
		size_t len;
	} tags[] = {
		TAG("p"), TAG("div"), TAG("br"), TAG("tr"), TAG("li"),
		TAG("table"), TAG("hr"), TAG("blockquote"), TAG("h1"),
		TAG("h2"), TAG("h3"), TAG("h4"), TAG("h5"), TAG("h6"),
		TAG("ul"), TAG("ol"),
	};
#undef TAG

	/* Every tag of a body comes here: lengths first, no strlen. */
	for (size_t i = 0; i < G_N_ELEMENTS(tags); i++)
		if (tags[i].len == len &&
		    g_ascii_strncasecmp(name, tags[i].name, len) == 0)
			return true;
	return false;
}

static GString *
html_text_view(const char *s, size_t start, size_t end)
{
	GString *view = g_string_sized_new(end - start);
	GString *href = NULL;
	size_t anchor_text = 0, i = start, next_gt = UNKNOWN, next_lt = UNKNOWN;

	while (i < end) {
		char ch = s[i];

		if (ch == '<') {
			size_t q = i + 1, name, name_len, gt;
			bool closing = false;

			if (i + 4 <= end && memcmp(s + i, "<!--", 4) == 0) {
				size_t close = find_bytes(s, end, i + 4, "-->");

				i = close < end ? close + 3 : end;
				continue;
			}
			if (q < end && s[q] == '/') {
				closing = true;
				q++;
			}
			if (next_gt == UNKNOWN || next_gt < q) {
				const char *hit = q < end ?
				    memchr(s + q, '>', end - q) : NULL;

				next_gt = hit != NULL ? (size_t)(hit - s) : end;
			}
			if (next_lt == UNKNOWN || next_lt <= i) {
				const char *hit = i + 1 < end ?
				    memchr(s + i + 1, '<', end - i - 1) : NULL;

				next_lt = hit != NULL ? (size_t)(hit - s) : end;
			}
			gt = next_gt;
			/* A '<' that another '<' follows before any '>' is text. */
			if (q >= end || gt >= end || next_lt < gt ||
			    !(g_ascii_isalpha(s[q]) || s[q] == '!' ||
			    s[q] == '?')) {
				g_string_append_c(view, ch);
				i++;
				continue;
			}
			name = q;
			while (q < end && (g_ascii_isalnum(s[q]) || s[q] == '-'))
				q++;
			name_len = q - name;
			if (breaks_line(s + name, name_len))
				view_break(view);
			if (!closing && name_is(s + name, name_len, "a")) {
				size_t v, vlen;

				if (href != NULL)
					g_string_free(href, true);
				href = NULL;
				/*
				 * Safe Links rewrite href and keep the real
				 * target in originalsrc (a Teams block seen
				 * through Defender for Office 365).
				 */
				if (tag_attr(s, i, gt + 1, "originalsrc", &v,
				    &vlen) || tag_attr(s, i, gt + 1, "href", &v,
				    &vlen)) {
					href = g_string_new(NULL);
					append_decoded(href, s, v, v + vlen);
					anchor_text = view->len;
				}
			} else if (closing && name_is(s + name, name_len, "a") &&
			    href != NULL) {
				const char *text = view->str + anchor_text;
				char *trimmed = g_strstrip(g_strdup(text));

				if (strcmp(trimmed, href->str) != 0)
					g_string_append_printf(view, " <%s>",
					    href->str);
				g_free(trimmed);
				g_string_free(href, true);
				href = NULL;
			} else if (!closing && (name_is(s + name, name_len,
			    "style") || name_is(s + name, name_len, "script"))) {
				i = raw_text_end(s, end, gt + 1,
				    name_len == 5 ? "style" : "script");
				continue;
			}
			i = gt + 1;
			continue;
		}
		if (ch == '&') {
			size_t n = append_entity(view, s, i, end);

			if (n > 0) {
				i += n;
				continue;
			}
		}
		if (html_space(ch)) {
			if (view->len > 0 && view->str[view->len - 1] != ' ' &&
			    view->str[view->len - 1] != '\n')
				g_string_append_c(view, ' ');
			i++;
			continue;
		}
		g_string_append_c(view, ch);
		i++;
	}
	if (href != NULL)
		g_string_free(href, true);
	return view;
}

/* ------------------------------------------------------------------------
 * Pairing rules into blocks and reading the block.
 */

static size_t
group_start(const struct search *s, int group)
{
	return s->ovector[2 * group];
}

static size_t
group_len(const struct search *s, int group)
{
	if (s->ovector[2 * group] == PCRE2_UNSET)
		return 0;
	return s->ovector[2 * group + 1] - s->ovector[2 * group];
}

/* The inside of one pair of rules, with its text view made on demand. */
struct pair {
	const struct rule *open;
	size_t inner, limit;    /* [inner, limit) lies between the rules */
	GString *view;          /* HTML: text view of [inner, limit), or NULL */
};

/* Whether profile P fits PAIR: 1, 0, or -1 with diag. */
static int
profile_fits(struct search *s, const struct profile *p, struct pair *pair)
{
	int rc;

	rc = run(s, p->url, s->body, pair->limit, pair->inner);
	if (rc <= 0 || (p->text_evidence == PAT_NONE &&
	    p->html_evidence == PAT_NONE))
		return rc;
	if (p->text_evidence != PAT_NONE && s->kind == MM_BODY_TEXT) {
		rc = run(s, p->text_evidence, s->body, pair->limit,
		    pair->inner);
	} else if (p->text_evidence != PAT_NONE) {
		if (pair->view == NULL)
			pair->view = html_text_view(s->body, pair->inner,
			    pair->limit);
		rc = run(s, p->text_evidence, pair->view->str,
		    pair->view->len, 0);
	} else {
		rc = 0;
	}
	if (rc != 0 || p->html_evidence == PAT_NONE ||
	    s->kind != MM_BODY_HTML)
		return rc;
	return run(s, p->html_evidence, s->body, pair->limit, pair->inner);
}

static char *
digits_of(const char *s, size_t len)
{
	GString *digits = g_string_sized_new(len);

	for (size_t i = 0; i < len; i++)
		if (g_ascii_isdigit(s[i]))
			g_string_append_c(digits, s[i]);
	return g_string_free(digits, false);
}

static char *
copy_group(const struct search *s, const char *subject, int group)
{
	return g_strndup(subject + group_start(s, group), group_len(s, group));
}

/*
 * The numbers of the block.  Labels differ by language, so the numbers are
 * found by shape: SfB's conference ID is the first number after a colon;
 * in Teams blocks the phone conference ID is the number ending in "#", and
 * the meeting ID the first number of at least 11 digits without one, with
 * the passcode on the line after it (meeting-blocks.md §1.2, §1.3).
 */
static int
read_numbers(struct search *s, const struct profile *p, struct mm_block *out,
    const char *view, size_t from, size_t to)
{
	size_t pos = from;
	int rc;

	while ((rc = run(s, PAT_COLON_NUMBER, view, to, pos)) > 0) {
		char *digits = copy_group(s, view, 1);
		char *only = digits_of(digits, strlen(digits));
		bool hash = group_len(s, 2) > 0;
		size_t after = s->ovector[1];

		g_free(digits);
		if (p->type == MM_BLOCK_SFB || hash) {
			if (out->conference_id == NULL)
				out->conference_id = g_steal_pointer(&only);
		} else if (out->meeting_id == NULL && strlen(only) >= 11) {
			out->meeting_id = g_steal_pointer(&only);
			rc = run(s, PAT_PASSCODE, view, to, after);
			if (rc < 0)
				return -1;
			if (rc > 0)
				out->passcode = copy_group(s, view, 1);
		}
		g_free(only);
		if (out->conference_id != NULL &&
		    (p->type == MM_BLOCK_SFB || out->meeting_id != NULL))
			break;
		pos = after;
	}
	return rc < 0 ? -1 : 0;
}

static int
read_join_url(struct search *s, const struct profile *p, struct mm_block *out,
    const char *view, size_t from, size_t to)
{
	static const enum pattern_id teams[] = {
		PAT_TEAMS_JOIN, PAT_TEAMS_SHORT, PAT_TEAMS_LIVE,
	};
	int rc;

	if (p->type == MM_BLOCK_SFB) {
		rc = run(s, PAT_SFB_URL, view, to, from);
		if (rc > 0) {
			out->join_url = copy_group(s, view, 0);
			out->conference_key = copy_group(s, view, 1);
		}
		return rc < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(teams); i++) {
		rc = run(s, teams[i], view, to, from);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			out->join_url = copy_group(s, view, 0);
			break;
		}
	}
	return 0;
}

static int
read_dialin_url(struct search *s, struct mm_block *out, const char *view,
    size_t from, size_t to)
{
	int rc = run(s, PAT_DIALIN_URL, view, to, from);

	if (rc > 0)
		out->dialin_url = copy_group(s, view, 0);
	return rc < 0 ? -1 : 0;
}

/* Takes TAG and BASIS (both owned; TAG may be NULL: nothing is set). */
static void
set_language(struct mm_block *out, char *tag, char *basis)
{
	if (tag == NULL) {
		g_free(basis);
		return;
	}
	out->language = tag;
	out->language_basis = basis;
}

static void
set_lang_attr(struct mm_block *out, const char *value, size_t len)
{
	set_language(out, normalize_tag(value, len),
	    g_strdup_printf("lang=\"%.*s\"", (int)len, value));
}

/*
 * Finds the first <div class="me-email-text" lang="..."> in S[from, to).
 * A tag ends at the first '>' and holds no '<', so each byte is looked at a
 * bounded number of times whatever the markup.
 */
static bool
email_text_lang(const char *s, size_t from, size_t to, size_t *value,
    size_t *value_len)
{
	size_t i = from, next_gt = UNKNOWN;

	while (i < to) {
		const char *lt = memchr(s + i, '<', to - i);
		const char *next_lt;
		size_t tag;

		if (lt == NULL)
			break;
		tag = (size_t)(lt - s);
		i = tag + 1;
		if (tag + 4 >= to || g_ascii_strncasecmp(s + tag + 1, "div", 3) != 0 ||
		    !(html_space(s[tag + 4]) || s[tag + 4] == '>'))
			continue;
		if (next_gt == UNKNOWN || next_gt < tag) {
			const char *gt = memchr(s + tag, '>', to - tag);

			next_gt = gt != NULL ? (size_t)(gt - s) : to;
		}
		if (next_gt >= to)
			break;
		next_lt = memchr(s + tag + 1, '<', next_gt - tag - 1);
		if (next_lt != NULL)
			continue;
		if (has_class(s, tag, next_gt + 1, "me-email-text") &&
		    tag_attr(s, tag, next_gt + 1, "lang", value, value_len) &&
		    is_language_tag(s + *value, *value_len))
			return true;
	}
	return false;
}

/* lang="..." on a "me-email-text" <div>, in the block or around it. */
static int
read_html_lang(struct search *s, struct mm_block *out, const GArray *ancestors)
{
	const char *body = s->body;
	size_t v, vlen;

	if (email_text_lang(body, out->start, out->end, &v, &vlen)) {
		set_lang_attr(out, body + v, vlen);
		return 0;
	}
	for (guint i = ancestors->len; i > 0; i--) {
		const struct html_element *e = &g_array_index(ancestors,
		    struct html_element, i - 1);

		if (!e->is_p && e->start < out->start &&
		    has_class(body, e->start, e->tag_end, "me-email-text") &&
		    tag_attr(body, e->start, e->tag_end, "lang", &v, &vlen) &&
		    is_language_tag(body + v, vlen)) {
			set_lang_attr(out, body + v, vlen);
			return 0;
		}
	}
	return 0;
}

static int
read_language(struct search *s, struct mm_block *out, const GArray *ancestors,
    const char *view, size_t from, size_t to)
{
	int rc;

	rc = run(s, PAT_OC_MARKER, s->body, out->end, out->start);
	if (rc > 0) {
		char *lcid = copy_group(s, s->body, 1);

		set_language(out, lcid_to_tag((unsigned)atoi(lcid)),
		    copy_group(s, s->body, 0));
		g_free(lcid);
	}
	if (rc < 0)
		return -1;
	if (out->language == NULL && s->kind == MM_BODY_HTML &&
	    read_html_lang(s, out, ancestors) < 0)
		return -1;
	if (out->language != NULL)
		return 0;
	rc = run(s, PAT_LANG_PARAM, view, to, from);
	if (rc > 0)
		set_language(out, normalize_tag(view + group_start(s, 1),
		    group_len(s, 1)), g_strndup(view + s->ovector[0] + 1,
		    s->ovector[1] - s->ovector[0] - 1));
	if (rc < 0)
		return -1;
	if (out->language != NULL)
		return 0;
	rc = run(s, PAT_CLID_PARAM, view, to, from);
	if (rc > 0) {
		char *lcid = copy_group(s, view, 1);

		set_language(out, lcid_to_tag((unsigned)atoi(lcid)),
		    g_strndup(view + s->ovector[0] + 1,
		    s->ovector[1] - s->ovector[0] - 1));
		g_free(lcid);
	}
	return rc < 0 ? -1 : 0;
}

static int
read_block(struct search *s, const struct profile *p, struct mm_block *out,
    const GArray *ancestors)
{
	GString *html_view = NULL;
	const char *view = s->body;
	size_t from = out->start, to = out->end;
	int rc, ret = -1;

	if (s->kind == MM_BODY_HTML) {
		html_view = html_text_view(s->body, out->start, out->end);
		view = html_view->str;
		from = 0;
		to = html_view->len;
	}
	if (read_join_url(s, p, out, view, from, to) < 0 ||
	    read_numbers(s, p, out, view, from, to) < 0 ||
	    read_dialin_url(s, out, view, from, to) < 0 ||
	    read_language(s, out, ancestors, view, from, to) < 0)
		goto out;
	rc = run(s, PAT_ADDIN, s->body, out->end, out->start);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		out->addin_marker = true;
		out->addin_evidence = copy_group(s, s->body, 0);
	}
	ret = 0;
out:
	if (html_view != NULL)
		g_string_free(html_view, true);
	return ret;
}

static const char *
html_newline(const char *s, size_t start, size_t end)
{
	const char *nl = start < end ? memchr(s + start, '\n', end - start) :
	    NULL;

	if (nl != NULL && nl > s + start && nl[-1] == '\r')
		return "\r\n";
	return "\n";
}

static int
found(struct search *s, const struct profile *p, const struct rule *open,
    const struct rule *close, struct mm_block *out)
{
	GArray *ancestors = g_array_new(false, false,
	    sizeof(struct html_element));
	int ret;

	out->type = p->type;
	out->profile = p->name;
	if (s->kind == MM_BODY_TEXT) {
		out->start = open->start;
		out->end = close->end;
		out->newline = open->newline;
	} else {
		html_span(s->body, s->len, open, close, &out->start, &out->end,
		    ancestors);
		out->newline = html_newline(s->body, out->start, out->end);
	}
	ret = read_block(s, p, out, ancestors) < 0 ? -1 : MM_BLOCK_FOUND;
	g_array_free(ancestors, true);
	return ret;
}

static const struct rule *
closing_rule(const GArray *rules, guint open, const struct profile *p)
{
	for (guint i = open + 1; i < rules->len; i++) {
		const struct rule *r = &g_array_index(rules, struct rule, i);

		if (r->c == p->rule_char && r->run_end - r->run_start >=
		    p->rule_min)
			return r;
	}
	return NULL;
}

static void
pair_reset(struct pair *pair, const struct rule *open, size_t inner,
    size_t limit)
{
	if (pair->view != NULL && (pair->open != open ||
	    pair->inner != inner || pair->limit != limit)) {
		g_string_free(pair->view, true);
		pair->view = NULL;
	}
	pair->open = open;
	pair->inner = inner;
	pair->limit = limit;
}

static int
pair_rules(struct search *s, const GArray *rules, struct mm_block *out)
{
	const struct profile *unclosed = NULL;
	const struct rule *unclosed_rule = NULL;
	struct pair pair = { 0 };
	int rc = MM_BLOCK_FOUND_NONE;

	for (guint i = 0; i < rules->len; i++) {
		const struct rule *open = &g_array_index(rules, struct rule, i);
		size_t inner = s->kind == MM_BODY_TEXT ? open->end :
		    open->run_end;

		for (size_t k = 0; k < G_N_ELEMENTS(profiles); k++) {
			const struct profile *p = &profiles[k];
			const struct rule *close;

			if (open->c != p->rule_char ||
			    open->run_end - open->run_start < p->rule_min)
				continue;
			close = closing_rule(rules, i, p);
			if (close == NULL && unclosed != NULL)
				continue;
			pair_reset(&pair, open, inner, close == NULL ? s->len :
			    s->kind == MM_BODY_TEXT ? close->start :
			    close->run_start);
			rc = profile_fits(s, p, &pair);
			if (rc < 0)
				goto out;
			if (rc > 0 && close == NULL) {
				unclosed = p;
				unclosed_rule = open;
			} else if (rc > 0) {
				rc = found(s, p, open, close, out);
				goto out;
			}
		}
	}
	rc = MM_BLOCK_FOUND_NONE;
	if (unclosed == NULL)
		goto out;
	out->type = unclosed->type;
	out->profile = unclosed->name;
	out->start = unclosed_rule->start;
	if (s->kind == MM_BODY_HTML) {
		struct html_cursor c;

		html_cursor_init(&c, s->body, s->len);
		html_advance(&c, unclosed_rule->run_start);
		if (c.stack->len > 0)
			out->start = g_array_index(c.stack, struct html_element,
			    c.stack->len - 1).start;
		html_cursor_release(&c);
	}
	out->end = s->len;
	out->newline = unclosed_rule->newline;
	rc = MM_BLOCK_FOUND_UNCLOSED;
out:
	if (pair.view != NULL)
		g_string_free(pair.view, true);
	return rc;
}

int
mm_block_find(struct mm_block_engine *engine, const char *body, size_t len,
    enum mm_body_kind kind, struct mm_block *out, struct mm_diag *diag)
{
	struct search s = {
		.engine = engine, .body = body, .len = len, .kind = kind,
		.diag = diag,
	};
	GArray *rules = NULL;
	int ret = -1;

	block_init(out);
	s.match_data = pcre2_match_data_create(8, NULL);
	if (s.match_data == NULL)
		g_error("out of memory creating pcre2 match data");
	s.ovector = pcre2_get_ovector_pointer(s.match_data);
	if (check_utf8(&s) < 0)
		goto out;
	rules = kind == MM_BODY_TEXT ? text_rules(body, len) :
	    html_rules(body, len);
	ret = pair_rules(&s, rules, out);
out:
	if (ret < 0)
		mm_block_release(out);
	if (rules != NULL)
		g_array_free(rules, true);
	pcre2_match_data_free(s.match_data);
	return ret;
}

char *
mm_block_text(const char *body, size_t len, const struct mm_block *block,
    enum mm_body_kind kind)
{
	size_t start = MIN(block->start, len);
	size_t end = MIN(MAX(block->end, start), len);

	if (kind == MM_BODY_TEXT)
		return g_strndup(body + start, end - start);
	return g_string_free(html_text_view(body, start, end), false);
}

char *
mm_block_teams_thread_id(const char *join_url)
{
	const char *p, *end;
	char *escaped, *thread;

	if (join_url == NULL || (p = strstr(join_url, "/l/meetup-join/")) == NULL)
		return NULL;
	p += strlen("/l/meetup-join/");
	end = p + strcspn(p, "/?#");
	escaped = g_strndup(p, (gsize)(end - p));
	thread = g_uri_unescape_string(escaped, NULL);
	g_free(escaped);
	if (thread != NULL && *thread == '\0') {
		g_free(thread);
		thread = NULL;
	}
	return thread;
}

/* The string value of KEY in the small JSON object TEXT, owned, or NULL. */
static char *
json_string_value(const char *text, const char *key)
{
	char *quoted = g_strdup_printf("\"%s\"", key);
	const char *p = strstr(text, quoted);
	const char *end;

	p = p != NULL ? p + strlen(quoted) : NULL;
	g_free(quoted);
	if (p == NULL)
		return NULL;
	p += strspn(p, " \t");
	if (*p++ != ':')
		return NULL;
	p += strspn(p, " \t");
	if (*p++ != '"')
		return NULL;
	end = strchr(p, '"');
	return end != NULL ? g_strndup(p, (gsize)(end - p)) : NULL;
}

int
mm_block_teams_context(const char *join_url, char **tenant, char **organizer)
{
	const char *p;
	char *context;

	*tenant = *organizer = NULL;
	if (join_url == NULL || (p = strstr(join_url, "context=")) == NULL)
		return -1;
	p += strlen("context=");
	context = g_uri_unescape_segment(p, p + strcspn(p, "&#"), NULL);
	if (context == NULL)
		return -1;
	*tenant = json_string_value(context, "Tid");
	*organizer = json_string_value(context, "Oid");
	g_free(context);
	if (*tenant == NULL || *organizer == NULL) {
		g_free(*tenant);
		g_free(*organizer);
		*tenant = *organizer = NULL;
		return -1;
	}
	return 0;
}
