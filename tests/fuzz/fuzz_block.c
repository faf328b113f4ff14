/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: the block engine on one body, as an unescaped DESCRIPTION or
 * X-ALT-DESC would be.  The first input byte picks the body kind: 0x00 (plain
 * text) and 0x01 (HTML source) are consumed, and the rest is the body; any
 * other byte is part of the body, which is HTML when it starts with '<' and
 * text otherwise.  So the fixtures' bodies are seeds as they are, and the
 * fuzzer can still try any body as either kind.  A block found is spliced
 * out and replaced with the rendering of a target made from its own values,
 * as the rewrite does, and the result is searched again.  Besides memory
 * safety it checks the contracts of block.h: spans lie inside the body, and
 * a splice copies every byte outside the span unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "block.h"
#include "coords.h"
#include "diag.h"
#include "template.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mm_block_engine *engine;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mm_diag diag;

	(void)argc;
	(void)argv;
	mm_diag_init(&diag);
	engine = mm_block_engine_new(&diag);
	if (engine == NULL)
		g_error("fuzz_block: %s", diag.message);
	mm_diag_release(&diag);
	return 0;
}

/* block.h: "Every byte outside the span is copied unchanged." */
static void
check_splice(const char *body, size_t len, const struct mm_block *b,
    const char *rep, const char *out, size_t out_len)
{
	size_t rep_len = strlen(rep);

	if (out_len != len - (b->end - b->start) + rep_len ||
	    memcmp(out, body, b->start) != 0 ||
	    memcmp(out + b->start, rep, rep_len) != 0 ||
	    memcmp(out + b->start + rep_len, body + b->end, len - b->end) != 0)
		abort();
}

/* Searches BODY; on a block, splices a rendering in and searches again. */
static void
find_and_splice(const char *body, size_t len, enum mm_body_kind kind,
    int depth)
{
	struct mm_block b;
	struct mm_diag diag;
	int r;

	mm_diag_init(&diag);
	r = mm_block_find(engine, body, len, kind, &b, &diag);
	if (r == MM_BLOCK_FOUND_UNCLOSED && (b.start > len))
		abort();
	if (r == MM_BLOCK_FOUND) {
		struct mm_target t = {
			.type = b.type,
			.join_url = g_strdup(b.join_url),
			.conference_id = g_strdup(b.conference_id),
			.meeting_id = g_strdup(b.meeting_id),
			.passcode = g_strdup(b.passcode),
		};
		char *rep, *out;
		size_t out_len = 0;

		if (b.start > b.end || b.end > len || b.newline == NULL)
			abort();
		(void)mm_block_type_name(b.type);
		rep = mm_template_render(&t, b.language, kind, b.newline, NULL);
		out = mm_block_splice(body, len, &b, rep, &out_len);
		check_splice(body, len, &b, rep, out, out_len);
		if (depth == 0)
			find_and_splice(out, out_len, kind, 1);
		g_free(out);
		g_free(rep);
		mm_target_release(&t);
	}
	mm_block_release(&b);
	mm_diag_release(&diag);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	enum mm_body_kind kind;

	if (size == 0)
		return 0;
	if (data[0] <= 1) {
		kind = data[0] == 1 ? MM_BODY_HTML : MM_BODY_TEXT;
		body++;
		size--;
	} else {
		kind = data[0] == '<' ? MM_BODY_HTML : MM_BODY_TEXT;
	}
	find_and_splice(body, size, kind, 0);
	return 0;
}
