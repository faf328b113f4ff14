/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Templates for the new block, one per (type, language, body kind), filled
 * with the target coordinates.  Values are escaped for their context (HTML
 * text and attributes; plain text is left as is and escaped for iCalendar by
 * the caller).  Rendering is deterministic: the same values give the same
 * bytes, which is what makes re-runs idempotent.
 */
#ifndef MM_TEMPLATE_H
#define MM_TEMPLATE_H

#include "block.h"
#include "coords.h"

/*
 * Renders the block for TARGET in LANGUAGE (NULL or unknown: en-US) for a body
 * of KIND, lines ended with NEWLINE ("\r\n" or "\n").  Returns an owned
 * string (g_free).  *language_used (may be NULL) receives the static tag of
 * the template used.
 */
char *mm_template_render(const struct mm_target *target, const char *language,
    enum mm_body_kind kind, const char *newline, const char **language_used);

/* NULL-terminated list of the languages with templates, static. */
const char *const *mm_template_languages(void);

#endif
