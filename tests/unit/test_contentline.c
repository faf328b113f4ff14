/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The lexical layer: splitting, parameters, TEXT escaping with its offset
 * map, folding at 75 octets on character (and grapheme) boundaries, UTF-8
 * validation; plus the content-line edits of the model (meeting.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "contentline.h"
#include "meeting.h"
#include "tap.h"

static const struct {
	const char *line;
	int rc;
	const char *name;
	const char *value;
} split_cases[] = {
	{ "SUMMARY:Hello", 0, "SUMMARY", "Hello" },
	{ "SUMMARY:", 0, "SUMMARY", "" },
	{ "DTSTART;TZID=\"W. Europe: Standard; Time\":20260330T100000", 0,
	  "DTSTART", "20260330T100000" },
	{ "ATTENDEE;CN=\"Shaw; Amy: PM\";RSVP=TRUE:mailto:a@b.c", 0,
	  "ATTENDEE", "mailto:a@b.c" },
	{ "DESCRIPTION:a:b;c", 0, "DESCRIPTION", "a:b;c" },
	{ "X-ALT-DESC;FMTTYPE=text/html:<p>x</p>", 0, "X-ALT-DESC", "<p>x</p>" },
	{ "NOCOLON", -1, NULL, NULL },
	{ "X;P=\"unterminated:value", -1, NULL, NULL },
	{ ":novalue-name", 0, "", "novalue-name" },
};

static void
test_split(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(split_cases); i++) {
		const char *line = split_cases[i].line;
		size_t name_len = 0, value_off = 0;
		int rc = mm_contentline_split(line, strlen(line), &name_len,
		    &value_off);
		char *name, *value;

		tap_ok(rc == split_cases[i].rc, "split rc %s", line);
		if (rc != 0 || split_cases[i].rc != 0)
			continue;
		name = g_strndup(line, name_len);
		value = g_strdup(line + value_off);
		tap_str(name, split_cases[i].name, "split name");
		tap_str(value, split_cases[i].value, "split value");
		g_free(name);
		g_free(value);
	}
}

static const struct {
	const char *line;
	const char *param;
	const char *want;
} param_cases[] = {
	{ "ATTENDEE;CN=\"Shaw; Amy\";ROLE=REQ-PARTICIPANT:mailto:a@b", "CN",
	  "Shaw; Amy" },
	{ "ATTENDEE;CN=\"Shaw; Amy\";ROLE=REQ-PARTICIPANT:mailto:a@b", "role",
	  "REQ-PARTICIPANT" },
	{ "ATTENDEE;CN=\"Shaw; Amy\";ROLE=REQ-PARTICIPANT:mailto:a@b", "RSVP",
	  NULL },
	{ "ATTENDEE;CN=George ^'Bob^' Smith^nJr ^^ x:mailto:a@b", "CN",
	  "George \"Bob\" Smith\nJr ^ x" },
	{ "ATTENDEE;CN=\"a^b\":mailto:a@b", "CN", "a^b" },
	{ "ATTENDEE;MEMBER=\"mailto:a@b\",\"mailto:c@d\":mailto:x@y", "MEMBER",
	  "mailto:a@b,mailto:c@d" },
	{ "DTSTART;TZID=\"(UTC+01:00) Amsterdam\":20260101T100000", "TZID",
	  "(UTC+01:00) Amsterdam" },
	{ "DTSTART;VALUE=DATE;TZID=X:20260101", "TZID", "X" },
	{ "DTSTART;X-EMPTY=;TZID=:20260101", "TZID", "" },
	{ "DTSTART;X-EMPTY=;TZID=:20260101", "X-EMPTY", "" },
};

static void
test_param(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(param_cases); i++) {
		const char *line = param_cases[i].line;
		size_t name_len, value_off;
		char *got = NULL;

		if (mm_contentline_split(line, strlen(line), &name_len,
		    &value_off) == 0)
			got = mm_contentline_param(line, name_len, value_off,
			    param_cases[i].param);
		tap_str(got, param_cases[i].want, line);
		g_free(got);
	}
	/* In one pass with others, each parameter gets what it gets alone. */
	for (i = 0; i < G_N_ELEMENTS(param_cases); i++) {
		const char *line = param_cases[i].line;
		const char *names[] = { "X-NONE", param_cases[i].param, "CN", "ROLE" };
		char *values[G_N_ELEMENTS(names)];
		size_t name_len = 0, value_off = 0, k, found = 0;
		bool same = true;

		mm_contentline_split(line, strlen(line), &name_len, &value_off);
		found = mm_contentline_params(line, name_len, value_off, names,
		    values, G_N_ELEMENTS(names));
		for (k = 0; k < G_N_ELEMENTS(names); k++) {
			char *alone = mm_contentline_param(line, name_len,
			    value_off, names[k]);
			bool again = false;

			for (size_t j = 0; j < k; j++)
				again = again ||
				    g_ascii_strcasecmp(names[j], names[k]) == 0;
			/* A name asked twice: only its first slot is filled. */
			if (again)
				same = same && values[k] == NULL;
			else
				same = same && g_strcmp0(alone, values[k]) == 0;
			if (values[k] != NULL)
				found--;
			g_free(alone);
			g_free(values[k]);
		}
		tap_ok(same && found == 0, "params in one pass: %s", line);
	}
}

static const struct {
	const char *raw;
	const char *text;
} unescape_cases[] = {
	{ "plain", "plain" },
	{ "a\\,b\\;c\\\\d\\ne\\Nf", "a,b;c\\d\ne\nf" },
	{ "https\\://x", "https\\://x" },
	{ "tab\\tx", "tab\\tx" },
	{ "trailing\\", "trailing\\" },
	{ "\\\\n", "\\n" },
	{ "", "" },
	{ "\xe4\xb8\xad\\,\xf0\x9f\x98\x80", "\xe4\xb8\xad,\xf0\x9f\x98\x80" },
};

static void
test_unescape(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(unescape_cases); i++) {
		const char *raw = unescape_cases[i].raw;
		size_t len = strlen(raw), out_len, *map, k;
		char *out;
		int map_ok = 1;

		mm_text_unescape(raw, len, &out, &out_len, &map);
		tap_str(out, unescape_cases[i].text, raw);
		tap_ok(out_len == strlen(unescape_cases[i].text),
		    "unescape length %s", raw);
		/*
		 * The map: monotonic, ends at len, and each output octet's
		 * raw span re-unescapes to exactly that octet.
		 */
		if (map[out_len] != len)
			map_ok = 0;
		for (k = 0; k < out_len && map_ok; k++) {
			char *piece;
			size_t piece_len;

			if (map[k + 1] <= map[k]) {
				map_ok = 0;
				break;
			}
			mm_text_unescape(raw + map[k], map[k + 1] - map[k],
			    &piece, &piece_len, NULL);
			if (piece_len != 1 || piece[0] != out[k])
				map_ok = 0;
			g_free(piece);
		}
		tap_ok(map_ok, "unescape map %s", raw);
		g_free(out);
		g_free(map);
	}
}

static const struct {
	const char *text;
	const char *escaped;
} escape_cases[] = {
	{ "a,b;c\\d", "a\\,b\\;c\\\\d" },
	{ "l1\nl2", "l1\\nl2" },
	{ "l1\r\nl2", "l1\\nl2" },
	{ "l1\rl2", "l1\\nl2" },
	{ "https://x:y", "https://x:y" },
	{ "", "" },
};

static void
test_escape(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(escape_cases); i++) {
		const char *text = escape_cases[i].text;
		GString *out = g_string_new(NULL);
		char *back;
		size_t back_len;

		mm_text_escape(out, text, strlen(text));
		tap_str(out->str, escape_cases[i].escaped, "escape");
		/* Unescaping gives the text back, line breaks as LF. */
		mm_text_unescape(out->str, out->len, &back, &back_len, NULL);
		{
			GString *want = g_string_new(NULL);
			size_t k;

			for (k = 0; text[k] != '\0'; k++) {
				if (text[k] == '\r') {
					if (text[k + 1] != '\n')
						g_string_append_c(want, '\n');
				} else {
					g_string_append_c(want, text[k]);
				}
			}
			tap_str(back, want->str, "escape round trip");
			g_string_free(want, TRUE);
		}
		g_free(back);
		g_string_free(out, TRUE);
	}
}

/* Unfolds CRLF + one space; returns NULL when a line is not CRLF-ended. */
static char *
unfold(const char *folded, size_t len)
{
	GString *out = g_string_new(NULL);
	size_t i = 0;

	while (i < len) {
		const char *crlf = g_strstr_len(folded + i, (gssize)(len - i), "\r\n");

		if (crlf == NULL) {
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_len(out, folded + i, crlf - (folded + i));
		i = (size_t)(crlf - folded) + 2;
		if (i < len) {
			if (folded[i] != ' ') {
				g_string_free(out, TRUE);
				return NULL;
			}
			i++;
		}
	}
	return g_string_free(out, FALSE);
}

/* Whether the octet at p starts a character that must not open a line. */
static int
starts_with_extender(const char *p)
{
	static const char *const extenders[] = {
		"\xcc\x81",             /* U+0301 combining acute */
		"\xe2\x80\x8d",         /* U+200D ZWJ */
		"\xef\xb8\x8f",         /* U+FE0F VS16 */
		"\xf0\x9f\x8f\xbd",     /* U+1F3FD skin tone */
	};
	size_t k;

	for (k = 0; k < G_N_ELEMENTS(extenders); k++)
		if (strncmp(p, extenders[k], strlen(extenders[k])) == 0)
			return 1;
	return 0;
}

static const struct {
	const char *name;
	const char *unit;
	int cluster_safe;       /* a line never starts inside a cluster */
} fold_units[] = {
	{ "cjk", "\xe4\xb8\xad\xe6\x96\x87", 1 },
	{ "emoji", "\xf0\x9f\x98\x80", 1 },
	{ "combining", "e\xcc\x81", 1 },
	{ "zwj family", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7", 1 },
	{ "thumbs skin", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 1 },
	{ "heart vs16", "\xe2\x9d\xa4\xef\xb8\x8f", 1 },
	{ "latin", "\xc3\xa9", 1 },
	{ "mixed", "a\xe4\xb8\xad\xf0\x9f\x98\x80 e\xcc\x81", 1 },
	{ "flags", "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", 1 },
};

static void
test_fold(void)
{
	size_t u;
	int prefix;

	for (u = 0; u < G_N_ELEMENTS(fold_units); u++) {
		int short_ok = 1, valid_ok = 1, round_ok = 1, cluster_ok = 1;

		for (prefix = 0; prefix <= 150; prefix++) {
			GString *line = g_string_new("DESCRIPTION:");
			GString *out = g_string_new(NULL);
			char *back;
			size_t start, k;
			int r;

			for (r = 0; r < prefix; r++)
				g_string_append_c(line, 'x');
			for (r = 0; r < 60; r++)
				g_string_append(line, fold_units[u].unit);
			mm_contentline_fold(out, line->str, line->len);
			for (start = 0; start < out->len;) {
				const char *crlf = strstr(out->str + start, "\r\n");
				size_t plen = (size_t)(crlf - (out->str + start));

				if (plen > 75)
					short_ok = 0;
				if (!mm_utf8_valid(out->str + start, plen, NULL))
					valid_ok = 0;
				if (start > 0 && fold_units[u].cluster_safe &&
				    starts_with_extender(out->str + start + 1))
					cluster_ok = 0;
				start += plen + 2;
			}
			back = unfold(out->str, out->len);
			if (back == NULL || strcmp(back, line->str) != 0)
				round_ok = 0;
			/* Flags: every continuation starts on an even indicator. */
			if (strcmp(fold_units[u].name, "flags") == 0) {
				size_t ri = 0;

				for (k = 0; k + 3 < out->len; k++) {
					if (k >= 3 && out->str[k - 1] == ' ' &&
					    out->str[k - 2] == '\n' &&
					    strncmp(out->str + k, "\xf0\x9f\x87", 3) == 0 &&
					    ri % 2 != 0)
						cluster_ok = 0;
					if (strncmp(out->str + k, "\xf0\x9f\x87", 3) == 0)
						ri++;
				}
			}
			g_free(back);
			g_string_free(line, TRUE);
			g_string_free(out, TRUE);
		}
		tap_ok(short_ok, "fold %s: every physical line <= 75 octets",
		    fold_units[u].name);
		tap_ok(valid_ok, "fold %s: every physical line valid UTF-8",
		    fold_units[u].name);
		tap_ok(round_ok, "fold %s: unfold gives the line back",
		    fold_units[u].name);
		tap_ok(cluster_ok, "fold %s: no line starts inside a cluster",
		    fold_units[u].name);
	}
}

static void
test_fold_edges(void)
{
	static const struct {
		const char *line;
		const char *want;
	} cases[] = {
		{ "", "\r\n" },
		{ "SUMMARY:x", "SUMMARY:x\r\n" },
		/* 75 octets exactly: one line. */
		{ "X:2345678901234567890123456789012345678901234567890123456789012345678901234",
		  "X:2345678901234567890123456789012345678901234567890123456789012345678901234\r\n" },
		/* 76 octets: one octet moves to a continuation line. */
		{ "X:23456789012345678901234567890123456789012345678901234567890123456789012345",
		  "X:2345678901234567890123456789012345678901234567890123456789012345678901234\r\n 5\r\n" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *out = g_string_new(NULL);

		mm_contentline_fold(out, cases[i].line, strlen(cases[i].line));
		tap_str(out->str, cases[i].want, "fold edge");
		g_string_free(out, TRUE);
	}
}

static const struct {
	const char *text;
	size_t len;
	int valid;
	size_t bad;
} utf8_cases[] = {
	{ "ascii", 5, 1, 0 },
	{ "\xe4\xb8\xad\xf0\x9f\x98\x80", 7, 1, 0 },
	{ "ab\xc3\x28", 4, 0, 2 },
	{ "\xff", 1, 0, 0 },
	{ "x\xc0\xaf", 3, 0, 1 },
	{ "\x80", 1, 0, 0 },
	{ "xy\xe4\xb8", 4, 0, 2 },
	{ "\xed\xa0\x80", 3, 0, 0 },            /* surrogate */
	{ "\xf4\x90\x80\x80", 4, 0, 0 },        /* past U+10FFFF */
	{ "\xe0\x80\xaf", 3, 0, 0 },            /* overlong */
	{ "a\0b", 3, 1, 0 },
};

static void
test_utf8(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(utf8_cases); i++) {
		size_t bad = 999;
		bool ok = mm_utf8_valid(utf8_cases[i].text, utf8_cases[i].len, &bad);

		tap_ok(ok == (bool)utf8_cases[i].valid, "utf8 case %zu validity", i);
		if (!utf8_cases[i].valid)
			tap_ok(bad == utf8_cases[i].bad, "utf8 case %zu offset %zu",
			    i, bad);
	}
}

/* The model's line edits (meeting.c). */
static void
test_event_edits(void)
{
	static const char *const lines[] = {
		"UID:abc",
		"SUMMARY;LANGUAGE=en:Old",
		"BEGIN:VALARM",
		"TRIGGER:-PT15M",
		"SUMMARY:alarm",
		"END:VALARM",
	};
	struct mm_event *ev = mm_event_new(3);
	size_t i;
	int idx;

	for (i = 0; i < G_N_ELEMENTS(lines); i++)
		mm_event_add_line(ev, lines[i], strlen(lines[i]), (unsigned)(i + 4));
	tap_ok(mm_event_add_line(ev, "BROKEN", 6, 20) == -1,
	    "add_line without colon returns -1");
	tap_ok(ev->prop_count == 7, "line without colon kept");
	tap_ok(mm_event_find(ev, "summary") == 1, "find top-level SUMMARY");
	tap_ok(mm_event_find(ev, "TRIGGER") == -1, "find skips VALARM");
	mm_event_set_value(ev, 1, "New\\, value", 11);
	tap_str(ev->props[1].line, "SUMMARY;LANGUAGE=en:New\\, value",
	    "set_value keeps parameters");
	tap_ok(ev->props[1].changed, "set_value marks changed");
	mm_event_put_line(ev, "SEQUENCE", "SEQUENCE:1");
	idx = mm_event_find(ev, "SEQUENCE");
	tap_ok(idx == 2, "put_line appends before VALARM (got %d)", idx);
	mm_event_put_line(ev, "SEQUENCE", "SEQUENCE:2");
	tap_str(ev->props[2].line, "SEQUENCE:2", "put_line replaces");
	tap_ok(ev->prop_count == 8, "put_line replace keeps count");
	tap_ok(ev->props[2].value_off == 9, "put_line splits the line");
	mm_event_remove(ev, 0);
	tap_str(ev->props[0].line, "SUMMARY;LANGUAGE=en:New\\, value",
	    "remove shifts lines");
	mm_event_free(ev);
}

int
main(void)
{
	test_split();
	test_param();
	test_unescape();
	test_escape();
	test_fold();
	test_fold_edges();
	test_utf8();
	test_event_edits();
	return tap_done();
}
