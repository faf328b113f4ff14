/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The lexical layer of iCalendar (RFC 5545 section 3.1 and 3.3.11): content
 * line splitting, parameters, TEXT escaping and folding.  Everything here
 * works on raw octets and never changes a byte it was not asked to change.
 * It knows nothing of meetings.
 */
#ifndef MM_CONTENTLINE_H
#define MM_CONTENTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <glib.h>

/*
 * Finds the end of the name and the start of the value of a logical line:
 * line[0, *name_len) is the name, line[*value_off, len) the value.  Quoted
 * parameter values may hold ':' and ';'.  Returns 0, or -1 when there is no
 * ':' outside quotes.
 */
int mm_contentline_split(const char *line, size_t len, size_t *name_len,
    size_t *value_off);

/*
 * True when the line's name equals NAME, ASCII case-insensitively.  Inline:
 * it is asked of every line, mostly with a literal NAME whose length the
 * compiler then knows.
 */
static inline bool
mm_contentline_name_is(const char *line, size_t name_len, const char *name)
{
	return strlen(name) == name_len &&
	    g_ascii_strncasecmp(line, name, name_len) == 0;
}

/*
 * The value of parameter PARAM (case-insensitive) between the name and the
 * value, unquoted, RFC 6868 caret escapes decoded.  Returns an owned string
 * (g_free) or NULL when the parameter is absent.
 */
char *mm_contentline_param(const char *line, size_t name_len, size_t value_off,
    const char *param);
/*
 * The same for N parameters in one pass: VALUES[k] gets the value of
 * PARAMS[k] (owned, or NULL when absent).  Returns how many were found.
 */
size_t mm_contentline_params(const char *line, size_t name_len,
    size_t value_off, const char *const *params, char **values, size_t n);

/*
 * Unescapes a TEXT value (\\ \, \; \n \N).  Other backslash pairs are kept
 * as written, so nothing is lost.  *out is owned (g_free), NUL-terminated,
 * *out_len octets.  When map is non-NULL, *map receives an owned array of
 * *out_len + 1 offsets: (*map)[i] is the offset in VALUE of the escaped
 * sequence that produced output octet i, and (*map)[*out_len] == len; so an
 * unescaped span [a, b) is the raw span [(*map)[a], (*map)[b]).
 */
void mm_text_unescape(const char *value, size_t len, char **out, size_t *out_len,
    size_t **map);

/*
 * Escapes TEXT for a content line: backslash, ',', ';' and newline ("\n";
 * a CR before LF is dropped as RFC 5545 has no escape for it, and a lone CR
 * is a line break of its own, "\n").  Appends to OUT.
 */
void mm_text_escape(GString *out, const char *text, size_t len);

/*
 * Appends LINE folded as RFC 5545 section 3.1 asks: physical lines of at
 * most 75 octets, each ended by CRLF, continuation lines starting with one
 * space, never splitting a UTF-8 character (and, where the 75 octets allow,
 * not a grapheme cluster: UAX #29 rules GB6-GB13 from ICU's properties,
 * with "never break after ZWJ" for GB11).  Lines are filled to the limit,
 * not broken at spaces.  LINE must not contain CR or LF.
 */
void mm_contentline_fold(GString *out, const char *line, size_t len);

/*
 * Checks that LEN octets are valid UTF-8 (no overlong forms, surrogates or
 * values past U+10FFFF; NUL is valid here).  Returns true, or false with
 * *bad_offset (may be NULL) set to the offset of the first invalid sequence.
 */
bool mm_utf8_valid(const char *text, size_t len, size_t *bad_offset);

#endif
