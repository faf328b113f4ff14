/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The online-meeting block engine: finds the Skype for Business / Lync or
 * Teams "online meeting information block" in a body and tells what it is.
 *
 * Detection is data-driven: a table of block profiles, each with delimiter
 * rules (137 periods for Skype; 80 underscores for Teams, which may hold an
 * inner 32-underscore rule that does not end the block), structural HTML
 * markers and URL shapes, compiled once with PCRE2 (UTF, UCP, JIT).  It works
 * by structure and URLs, never by English phrases, so localized blocks are
 * found too.
 *
 * It works on unescaped bodies (plain text or HTML source) and reports byte
 * spans; it never changes a body and knows nothing of iCalendar or EWS.
 */
#ifndef MM_BLOCK_H
#define MM_BLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum mm_body_kind {
	MM_BODY_TEXT,
	MM_BODY_HTML,
};

enum mm_block_type {
	MM_BLOCK_NONE = 0,
	MM_BLOCK_SFB,           /* Skype for Business / Lync */
	MM_BLOCK_TEAMS,         /* Microsoft Teams, any layout */
};

/* "sfb", "teams" or "none"; static. */
const char *mm_block_type_name(enum mm_block_type type);

struct mm_block {
	enum mm_block_type type;
	const char *profile;    /* static profile name: "sfb", "teams-2020", ... */
	/*
	 * The block's byte span in the body: from the first byte of the
	 * opening rule's line (text) or element (HTML) to just after the
	 * closing rule's line terminator or element end.
	 */
	size_t start, end;
	char *language;         /* owned BCP 47 tag ("en-US") when the block says, else NULL */
	char *language_basis;   /* owned: what the language was read from ("[!OC([1033])!]") */
	bool addin_marker;      /* OutJoinLink, [!OC(...)!], meet_invite_block.* ... */
	char *addin_evidence;   /* owned: the marker found ("OutJoinLink",
	                           "[!OC([1033])!]", "me-email-text",
	                           "meet_invite_block.action.join_link",
	                           "meeting-code"), or NULL */
	char *join_url;         /* owned: the meeting's join URL (SfB meet URL, Teams
	                           meetup-join URL when present, else the short /meet/ URL) */
	char *conference_key;   /* owned: SfB: the last path segment of the meet URL */
	char *conference_id;    /* owned: the dial-in conference ID, digits only, or NULL */
	char *meeting_id;       /* owned: Teams meeting ID, digits only, or NULL */
	char *passcode;         /* owned: Teams passcode (the value on the line after
	                           the meeting ID), or NULL */
	char *dialin_url;       /* owned: the page of local dial-in numbers ("Find a
	                           local number"): the block's first URL on a host
	                           named dialin.*, not its PIN page (/usp/), or NULL */
	const char *newline;    /* static: "\r\n" or "\n", as the block's lines end */
};

struct mm_block_engine;

/*
 * Compiles every profile once, JIT-compiled unless the environment variable
 * MEETMIG_PCRE2_JIT is "0" (for valgrind runs: JIT code reads the subject in
 * 16-byte words).  Returns NULL with diag if PCRE2 refuses.  An engine is
 * read-only once made: several threads may search with one engine.
 */
struct mm_block_engine *mm_block_engine_new(struct mm_diag *diag);
void mm_block_engine_free(struct mm_block_engine *engine);

enum mm_block_found {
	MM_BLOCK_FOUND_NONE = 0,        /* no block */
	MM_BLOCK_FOUND = 1,             /* *out filled */
	MM_BLOCK_FOUND_UNCLOSED = 2,    /* an opening rule with no closing one;
	                                   out->type and out->start are set */
};

/*
 * Looks for the first block in BODY (LEN octets of UTF-8).  Returns one of
 * enum mm_block_found, or -1 with diag (a PCRE2 limit, invalid UTF-8).  *out
 * is initialised in every case and must be released with
 * mm_block_release().
 */
int mm_block_find(struct mm_block_engine *engine, const char *body, size_t len,
    enum mm_body_kind kind, struct mm_block *out, struct mm_diag *diag);

void mm_block_release(struct mm_block *block);

/*
 * Returns a new owned string (g_free): BODY with [block->start, block->end)
 * replaced by REPLACEMENT.  Every byte outside the span is copied unchanged.
 */
char *mm_block_splice(const char *body, size_t len, const struct mm_block *block,
    const char *replacement, size_t *out_len);

/*
 * The text of BLOCK in BODY as a reader sees it: for a text body the span
 * itself; for HTML the view block.c reads the values from (tags dropped,
 * block elements and <br> as line breaks, white space collapsed, entities
 * decoded, each link as "text <href>").  Lines end with "\n" (a text body
 * keeps its "\r").  Owned (g_free).
 */
char *mm_block_text(const char *body, size_t len, const struct mm_block *block,
    enum mm_body_kind kind);

/*
 * The Teams thread id ("19:meeting_...@thread.v2") of a meetup-join URL,
 * percent-decoded (reference/meeting-blocks.md section 1.4); owned, or NULL
 * when the URL has none.
 */
char *mm_block_teams_thread_id(const char *join_url);

/*
 * The tenant (Tid) and organizer (Oid) ids in a meetup-join URL's context
 * parameter.  Returns 0 with both owned, or -1 with both NULL.
 */
int mm_block_teams_context(const char *join_url, char **tenant,
    char **organizer);

#endif
