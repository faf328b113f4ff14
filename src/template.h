/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Templates for the new block, one per (type, language, body kind), filled
 * with the target coordinates: the built-in ones, and those of a template
 * directory (--templates) that override them.  Values are escaped for their
 * context (HTML text and attributes; plain text is left as is and escaped
 * for iCalendar by the caller).  Rendering is deterministic: the same values
 * give the same bytes, which is what makes re-runs idempotent.
 *
 * The same module tells whether an old block is one a template or a known
 * layout explains, line by line, or one the organizer edited
 * (mm_templates_edited()).
 */
#ifndef MM_TEMPLATE_H
#define MM_TEMPLATE_H

#include <stdbool.h>

#include "block.h"
#include "coords.h"
#include "diag.h"

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
 * LANGUAGE ("Microsoft Teams Meeting"); static.  Languages without a
 * template but with a known display text (da-DK) have theirs.
 */
const char *mm_template_location(enum mm_block_type type, const char *language);

/*
 * Whether TEXT is such a display text, of any type and any language known
 * (ASCII case-insensitive): a LOCATION that only names the online meeting,
 * which a migration may change, unlike a room the organizer typed.
 * *language (may be NULL) gets the static tag of the text's language when
 * it is known, else NULL.
 */
bool mm_template_is_location(const char *text, const char **language);

/* NULL-terminated list of the languages with built-in templates, static. */
const char *const *mm_template_languages(void);

/*
 * A template directory: files DIR/<type>-<language>.<kind>, type "sfb" or
 * "teams", language a BCP 47 tag ("da-DK"), kind "txt" (the plain-text
 * body) or "html".  Each holds the block as it is to appear, lines ended
 * with LF or CRLF (a rendering ends its lines as the body it goes into
 * does), with placeholders:
 *
 *   {join-url} {web-url} {dialin-url} {help-url} {conference-id}
 *   {toll-number} {toll-dial} {toll-free-number} {toll-free-dial}
 *   {meeting-id} {passcode} {provider} {language} {lcid}
 *
 * filled with the coordinates ({web-url}: the SfB join URL with "?sl=1";
 * {toll-dial}: the digits to put after "tel:"; {help-url}: the coordinates'
 * or, for SfB, Microsoft's help page; {language}: the file's tag; {lcid}:
 * its Windows LCID), HTML-escaped in a .html file, as they are in a .txt
 * file.  A line holding a placeholder whose value is unknown is left out.
 * {?NAME}...{/NAME} keeps what it encloses only when NAME is known and
 * {!NAME}...{/NAME} only when it is not, where NAME is a placeholder or
 * "phone" (a toll number, a toll-free number or a conference ID is known)
 * or "ids" (a meeting ID or passcode is known); sections nest and may span
 * lines, and a line left with nothing but section marks is left out.
 * "{{" is a literal "{".
 *
 * Every file is rendered with sample coordinates when loaded and given to
 * ENGINE: one whose block is not found again exactly, with the same join
 * URL, values and language, and rendered the same from what is read back,
 * is refused, because re-runs over it would not be idempotent.  Files of
 * other names are ignored.
 *
 * Returns owned templates (mm_templates_free()), or NULL with diag: 66 when
 * DIR cannot be read, 65 naming the file (and line) of a template that is
 * not valid UTF-8, is larger than MM_LIMIT_BODY_SIZE, has an unknown
 * placeholder or an unbalanced section, or fails the round trip.
 */
struct mm_templates;

struct mm_templates *mm_templates_load(const char *dir,
    struct mm_block_engine *engine, struct mm_diag *diag);
void mm_templates_free(struct mm_templates *templates);

/*
 * mm_template_render() with TEMPLATES (may be NULL: the built-in ones only).
 * A language is matched as there, exact tag, then primary subtag, then
 * en-US, and at each step a file of TEMPLATES comes before the built-in
 * template.  *language_used is static or owned by TEMPLATES.
 */
char *mm_templates_render(const struct mm_templates *templates,
    const struct mm_target *target, const char *language,
    enum mm_body_kind kind, const char *newline, const char **language_used);

/* What mm_templates_edited() found. */
enum mm_template_edit {
	MM_TEMPLATE_AS_WRITTEN = 0,     /* every line has an explanation */
	MM_TEMPLATE_EDITED,             /* a line has none: *line */
	MM_TEMPLATE_NOT_JUDGED,         /* no line is known at all: a layout or
	                                   language nothing here knows */
};

/*
 * Whether the organizer edited the block whose text (mm_block_text()) is
 * BLOCK_TEXT.  Each line is normalised: links (http, https, tel, mailto,
 * sip; with their angle brackets) become one link mark, numbers (digits
 * with the spaces, dashes, dots, commas, parentheses, "+" and "#" between
 * them) one number mark, Unicode NFKC and case folding are applied, format
 * and control characters dropped, white space collapsed and dropped before
 * ":", "?" and "!", and the Wingdings arrow that opens the SfB join line
 * removed.  A line is explained when each of its parts between "|" is a
 * line of a template (every built-in language and type, both kinds, with
 * and without the optional sections, and those of TEMPLATES; a value
 * matches anything) or of a known real-world layout (the SfB, Teams 2019,
 * 2020-23, 2024, 2025 and consumer blocks in the languages of the
 * fixtures); or when it is a dial-in line (a number of at least 7 digits
 * within its first three words, whatever city or label follows); or when
 * it names the audio provider (at most three words, no link) right after
 * a dial-in line; or when it holds no letter and no link (rules, blank
 * lines, "[!").  The first line with no explanation is returned in *line
 * (owned, as it is in the block without its white space around, cut to
 * 60 characters with "..."; NULL otherwise).  A block none of whose lines
 * a template or layout explains is not judged.
 */
enum mm_template_edit mm_templates_edited(const struct mm_templates *templates,
    const char *block_text, char **line);

#endif
