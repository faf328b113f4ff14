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

#include <stdbool.h>

#include "block.h"
#include "coords.h"

/*
 * Renders the block for TARGET in LANGUAGE (NULL or unknown: en-US) for a body
 * of KIND, lines ended with NEWLINE ("\r\n" or "\n").  Returns an owned
 * string (g_free).  *language_used (may be NULL) receives the static tag of
 * the template used.
 *
 * LANGUAGE matches a template tag exactly (ignoring case), else by its
 * primary subtag ("fr-CA" gives fr-FR), else en-US.  An SfB target renders
 * the Skype for Business layout (137-period rules, the add-in's
 * OutJoinLink/OutSharedNote bookmarks and [!OC([lcid])!] marker); any other
 * type renders the Teams 2020-23 layout (80-underscore rules, me-email-*
 * classes in HTML).  Lines whose values are NULL are left out, and so are
 * the dial-in section without a number or conference ID and the meeting
 * ID/passcode lines without those values.  A text rendering ends with the
 * closing rule and NEWLINE; an HTML rendering ends with the closing
 * element's end tag, so that mm_block_find() finds exactly the rendering,
 * with the same join URL, conference ID and language, provided the join URL
 * has a shape block.c knows (an SfB meet URL; a Teams meetup-join, /meet/
 * or teams.live.com link) and a Teams meeting ID has at least 11 digits.
 */
char *mm_template_render(const struct mm_target *target, const char *language,
    enum mm_body_kind kind, const char *newline, const char **language_used);

/*
 * The display text LOCATION carries for an online meeting of TYPE in
 * LANGUAGE ("Microsoft Teams Meeting"); static.
 */
const char *mm_template_location(enum mm_block_type type, const char *language);

/*
 * Whether TEXT is such a display text, of any type and any language known
 * (ASCII case-insensitive): a LOCATION that only names the online meeting,
 * which a migration may change, unlike a room the organizer typed.
 * *language (may be NULL) gets the static tag of the text's language when
 * a template has it, else NULL.
 */
bool mm_template_is_location(const char *text, const char **language);

/* NULL-terminated list of the languages with templates, static. */
const char *const *mm_template_languages(void);

#endif
