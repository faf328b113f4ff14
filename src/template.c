/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Templates of the new online-meeting block.  This module owns the layouts
 * (one per block type and body kind, written from the structure of the real
 * blocks in meeting-blocks.md §1.1 and §1.2) and the words of each language;
 * it escapes values for HTML.  It must never read a clock, draw a random
 * number or depend on anything but its arguments, so that the same target
 * always renders the same bytes, and every block it renders must be found
 * again by block.c with the same values (the round trip that makes re-runs
 * idempotent).
 *
 * A layout is a list of lines.  A line names words ({join}) and values
 * ({join_url}) in braces; a line whose value is NULL is left out, and a line
 * may carry a condition ("phone": some dial-in value is known; "!help_url":
 * the value is NULL) so that whole sections come and go together.
 *
 * It also owns the template files of a --templates directory: it parses
 * them, refuses at load any whose rendering block.c does not read back the
 * same (so the round trip holds for them too), and renders them like the
 * layouts; ICU's UErrorCode (for a language's LCID) stays here.  Last, it
 * owns the rule that tells a block the organizer edited from one a template
 * or a known layout explains (mm_templates_edited()).  It never reads a
 * file outside mm_templates_load() and never prints.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <unicode/uloc.h>

#include "limits.h"
#include "template.h"

/* ------------------------------------------------------------------------
 * Words, one struct per language.  English, French (meeting-blocks.md §1.3
 * for Teams), German (the Teams words of a real German block, §1.1 for
 * "An Skype-Besprechung teilnehmen") and Spanish (§1.3) follow public
 * samples; the Chinese and Japanese words follow Microsoft's product
 * terminology.
 */

struct words {
	const char *tag;
	unsigned lcid;
	const char *colon;              /* between a label and its value */
	/* Skype for Business */
	const char *sfb_join;
	const char *sfb_trouble;
	const char *sfb_web_app;
	const char *sfb_intro;
	const char *sfb_by_phone;
	const char *sfb_local_number;
	const char *sfb_conference_id;
	const char *sfb_forgot_pin;
	const char *help;
	const char *toll_free;
	/* Teams */
	const char *teams_title;
	const char *teams_join_on;
	const char *teams_click;
	const char *teams_meeting_id;
	const char *teams_passcode;
	const char *teams_call_in;
	const char *teams_conference_id;
	const char *teams_local_number;
	const char *teams_reset_pin;
	const char *teams_learn_more;
	/* LOCATION's display text of an online meeting (meeting-blocks.md 2.1) */
	const char *sfb_location;
	const char *teams_location;
};

static const struct words languages[] = {
	{
		.tag = "en-US", .lcid = 1033, .colon = ": ",
		.sfb_join = "Join Skype Meeting",
		.sfb_trouble = "Trouble Joining?",
		.sfb_web_app = "Try Skype Web App",
		.sfb_intro = "This is an online meeting for Skype for Business, "
		    "the professional meetings and communications app formerly "
		    "known as Lync.",
		.sfb_by_phone = "Join by phone",
		.sfb_local_number = "Find a local number",
		.sfb_conference_id = "Conference ID",
		.sfb_forgot_pin = "Forgot your dial-in PIN?",
		.help = "Help",
		.toll_free = "(Toll-free)",
		.teams_title = "Microsoft Teams meeting",
		.teams_join_on = "Join on your computer, mobile app or room device",
		.teams_click = "Click here to join the meeting",
		.teams_meeting_id = "Meeting ID",
		.teams_passcode = "Passcode",
		.teams_call_in = "Or call in (audio only)",
		.teams_conference_id = "Phone Conference ID",
		.teams_local_number = "Find a local number",
		.teams_reset_pin = "Reset PIN",
		.teams_learn_more = "Learn More",
		.sfb_location = "Skype Meeting",
		.teams_location = "Microsoft Teams Meeting",
	},
	{
		.tag = "fr-FR", .lcid = 1036, .colon = "\xc2\xa0: ",
		.sfb_join = "Rejoindre la réunion Skype",
		.sfb_trouble = "Des difficultés pour rejoindre la réunion\xc2\xa0?",
		.sfb_web_app = "Essayez Skype Web App",
		.sfb_intro = "Il s'agit d'une réunion en ligne Skype Entreprise, "
		    "l'application de réunions et de communications "
		    "professionnelles anciennement appelée Lync.",
		.sfb_by_phone = "Participer par téléphone",
		.sfb_local_number = "Rechercher un numéro local",
		.sfb_conference_id = "ID de conférence",
		.sfb_forgot_pin = "Vous avez oublié votre code confidentiel\xc2\xa0?",
		.help = "Aide",
		.toll_free = "(numéro gratuit)",
		.teams_title = "Réunion Microsoft Teams",
		.teams_join_on = "Rejoindre sur votre ordinateur, application "
		    "mobile ou appareil de salle",
		.teams_click = "Cliquez ici pour participer à la réunion",
		.teams_meeting_id = "ID de la réunion",
		.teams_passcode = "Code secret",
		.teams_call_in = "Ou appelez (audio uniquement)",
		.teams_conference_id = "ID de conférence téléphonique",
		.teams_local_number = "Trouver un numéro local",
		.teams_reset_pin = "Réinitialiser le code PIN",
		.teams_learn_more = "En savoir plus",
		.sfb_location = "Réunion Skype",
		.teams_location = "Réunion Microsoft Teams",
	},
	{
		.tag = "de-DE", .lcid = 1031, .colon = ": ",
		.sfb_join = "An Skype-Besprechung teilnehmen",
		.sfb_trouble = "Probleme beim Teilnehmen?",
		.sfb_web_app = "Skype Web App ausprobieren",
		.sfb_intro = "Dies ist eine Onlinebesprechung für Skype for "
		    "Business, die App für professionelle Besprechungen und "
		    "Kommunikation, die früher als Lync bekannt war.",
		.sfb_by_phone = "Telefonisch teilnehmen",
		.sfb_local_number = "Lokale Nummer suchen",
		.sfb_conference_id = "Konferenz-ID",
		.sfb_forgot_pin = "Einwahl-PIN vergessen?",
		.help = "Hilfe",
		.toll_free = "(gebührenfrei)",
		.teams_title = "Microsoft Teams-Besprechung",
		.teams_join_on = "Nehmen Sie auf dem Computer, in der mobilen App "
		    "oder über ein Raumgerät teil",
		.teams_click = "Hier klicken, um an der Besprechung teilzunehmen",
		.teams_meeting_id = "Besprechungs-ID",
		.teams_passcode = "Passcode",
		.teams_call_in = "Oder rufen Sie an (nur Audio)",
		.teams_conference_id = "ID der Telefonkonferenz",
		.teams_local_number = "Ortsgebundene Nummer suchen",
		.teams_reset_pin = "PIN zurücksetzen",
		.teams_learn_more = "Weitere Infos",
		.sfb_location = "Skype-Besprechung",
		.teams_location = "Microsoft Teams-Besprechung",
	},
	{
		.tag = "es-ES", .lcid = 3082, .colon = ": ",
		.sfb_join = "Unirse a la reunión de Skype",
		.sfb_trouble = "¿Problemas para unirse?",
		.sfb_web_app = "Pruebe Skype Web App",
		.sfb_intro = "Esta es una reunión en línea de Skype Empresarial, "
		    "la aplicación de reuniones y comunicaciones profesionales "
		    "antes conocida como Lync.",
		.sfb_by_phone = "Unirse por teléfono",
		.sfb_local_number = "Buscar un número local",
		.sfb_conference_id = "Id. de conferencia",
		.sfb_forgot_pin = "¿Olvidó su PIN de acceso telefónico?",
		.help = "Ayuda",
		.toll_free = "(número gratuito)",
		.teams_title = "Reunión de Microsoft Teams",
		.teams_join_on = "Únase a través de su ordenador, aplicación "
		    "móvil o dispositivo de sala",
		.teams_click = "Haga clic aquí para unirse a la reunión",
		.teams_meeting_id = "ID de la reunión",
		.teams_passcode = "Código de acceso",
		.teams_call_in = "O llame (solo audio)",
		.teams_conference_id = "Id. de conferencia telefónica",
		.teams_local_number = "Buscar un número local",
		.teams_reset_pin = "Restablecer PIN",
		.teams_learn_more = "Más información",
		.sfb_location = "Reunión de Skype",
		.teams_location = "Reunión de Microsoft Teams",
	},
	{
		.tag = "zh-CN", .lcid = 2052, .colon = "：",
		.sfb_join = "加入 Skype 会议",
		.sfb_trouble = "加入时遇到问题？",
		.sfb_web_app = "试用 Skype Web App",
		.sfb_intro = "这是 Skype for Business 联机会议。Skype for Business "
		    "是专业会议和通信应用，以前称为 Lync。",
		.sfb_by_phone = "通过电话加入",
		.sfb_local_number = "查找本地号码",
		.sfb_conference_id = "会议 ID",
		.sfb_forgot_pin = "忘记拨入 PIN？",
		.help = "帮助",
		.toll_free = "（免费电话）",
		.teams_title = "Microsoft Teams 会议",
		.teams_join_on = "在计算机、移动应用或会议室设备上加入",
		.teams_click = "单击此处加入会议",
		.teams_meeting_id = "会议 ID",
		.teams_passcode = "密码",
		.teams_call_in = "或拨入(仅音频)",
		.teams_conference_id = "电话会议 ID",
		.teams_local_number = "查找本地号码",
		.teams_reset_pin = "重置 PIN",
		.teams_learn_more = "了解详细信息",
		.sfb_location = "Skype 会议",
		.teams_location = "Microsoft Teams 会议",
	},
	{
		.tag = "ja-JP", .lcid = 1041, .colon = ": ",
		.sfb_join = "Skype 会議に参加",
		.sfb_trouble = "参加できない場合",
		.sfb_web_app = "Skype Web App を試す",
		.sfb_intro = "これは Skype for Business (旧称 Lync) の"
		    "オンライン会議です。",
		.sfb_by_phone = "電話で参加",
		.sfb_local_number = "市内番号を検索",
		.sfb_conference_id = "会議 ID",
		.sfb_forgot_pin = "ダイヤルイン PIN をお忘れですか?",
		.help = "ヘルプ",
		.toll_free = "(フリーダイヤル)",
		.teams_title = "Microsoft Teams 会議",
		.teams_join_on = "コンピューター、モバイル アプリケーション、"
		    "またはルーム デバイスで参加する",
		.teams_click = "ここをクリックして会議に参加してください",
		.teams_meeting_id = "会議 ID",
		.teams_passcode = "パスコード",
		.teams_call_in = "または電話で参加 (音声のみ)",
		.teams_conference_id = "電話会議 ID",
		.teams_local_number = "市内番号を検索",
		.teams_reset_pin = "PIN のリセット",
		.teams_learn_more = "詳細情報",
		.sfb_location = "Skype 会議",
		.teams_location = "Microsoft Teams 会議",
	},
};

static const char *const language_tags[] = {
	"en-US", "fr-FR", "de-DE", "es-ES", "zh-CN", "ja-JP", NULL,
};

static const struct {
	const char *name;
	size_t offset;
} word_names[] = {
#define WORD(field) { #field, offsetof(struct words, field) }
	WORD(colon), WORD(sfb_join), WORD(sfb_trouble), WORD(sfb_web_app),
	WORD(sfb_intro), WORD(sfb_by_phone), WORD(sfb_local_number),
	WORD(sfb_conference_id), WORD(sfb_forgot_pin), WORD(help),
	WORD(toll_free), WORD(teams_title), WORD(teams_join_on),
	WORD(teams_click), WORD(teams_meeting_id), WORD(teams_passcode),
	WORD(teams_call_in), WORD(teams_conference_id),
	WORD(teams_local_number), WORD(teams_reset_pin),
	WORD(teams_learn_more),
#undef WORD
};

/* ------------------------------------------------------------------------
 * Layouts.  The rules are data of block.c's profiles: 137 periods (SfB),
 * 80 underscores (Teams).  HTML layouts hold no line break of their own, so
 * the rendering ends with the closing element and a splice keeps whatever
 * followed the old block.
 */

struct line {
	const char *condition;  /* NULL, "name" (value set) or "!name" (NULL) */
	const char *text;
};

#define P_OPEN "<p class=\"MsoNormal\" style=\"text-autospace:none\">"
#define P_INDENT "<p class=\"MsoNormal\" style=\"margin-left:16.0pt; " \
	"margin-bottom:12.0pt; text-autospace:none\">"
#define SPAN10 "<span style=\"font-size:10.0pt\">"
#define LINK "<a href=\"{%s}\"><span style=\"color:#0066CC\">{%s}</span></a>"
#define TEAMS_LINK "class=\"me-email-link\" style=\"font-size:14px; " \
	"text-decoration:underline; color:#6264a7\""
#define TEAMS_TEXT "<span style=\"font-size:14px; color:#252424\">"
#define TEAMS_VALUE "<span style=\"font-size:16px; color:#252424\">"

static const struct line sfb_text[] = {
	{ NULL, "{rule_dots}" },
	{ NULL, "{sfb_join} <{join_url}>" },
	{ NULL, "{sfb_trouble} {sfb_web_app} <{web_url}>" },
	{ NULL, "{sfb_intro}" },
	{ "phone", "{sfb_by_phone}" },
	{ NULL, "{toll_number} <tel:{toll_dial}>" },
	{ NULL, "{toll_free_number} <tel:{toll_free_dial}> {toll_free}" },
	{ NULL, "{provider}" },
	{ NULL, "{sfb_local_number} <{dialin_url}>" },
	{ NULL, "{sfb_conference_id}{colon}{conference_id}" },
	{ NULL, "{sfb_forgot_pin} <{dialin_url}> | {help} <{help_url}>" },
	{ "!dialin_url", "{help} <{help_url}>" },
	{ NULL, "[!OC([{lcid}])!]" },
	{ NULL, "{rule_dots}" },
};

static const struct line sfb_html[] = {
	{ NULL, P_OPEN "<span style=\"font-size:8.0pt; color:#404040\">"
	  "{rule_dots}</span></p>" },
	{ NULL, P_OPEN "<a name=\"OutJoinLink\"><span style=\"font-size:14.0pt; "
	  "font-family:Wingdings; color:#0066CC\">&#224;</span></a>"
	  "<span style=\"font-size:14.0pt; color:#0066CC\"> </span>"
	  "<a href=\"{join_url}\"><span style=\"font-size:16.0pt; "
	  "color:#0066CC\">{sfb_join}</span></a>"
	  "<span style=\"font-size:14.0pt\">&nbsp; <a name=\"OutSharedNoteBorder\">"
	  "&nbsp;</a>&nbsp;&nbsp;<a name=\"OutSharedNoteLink\">&nbsp;</a>"
	  "</span></p>" },
	{ NULL, P_INDENT SPAN10 "{sfb_trouble} <u>"
	  "<a href=\"{web_url}\"><span style=\"color:#0066CC\">{sfb_web_app}"
	  "</span></a></u></span></p>" },
	{ NULL, P_INDENT "<span style=\"font-size:8.0pt; color:#404040\">"
	  "{sfb_intro}</span></p>" },
	{ "phone", P_OPEN SPAN10 "{sfb_by_phone}</span></p>" },
	{ NULL, P_OPEN SPAN10 "<a href=\"tel:{toll_dial}\"><span style=\""
	  "color:#0066CC\">{toll_number}</span></a></span></p>" },
	{ NULL, P_OPEN SPAN10 "<a href=\"tel:{toll_free_dial}\"><span style=\""
	  "color:#0066CC\">{toll_free_number}</span></a> {toll_free}</span></p>" },
	{ NULL, P_OPEN SPAN10 "{provider}</span></p>" },
	{ NULL, P_OPEN SPAN10 "<a href=\"{dialin_url}\"><span style=\""
	  "color:#0066CC\">{sfb_local_number}</span></a></span></p>" },
	{ NULL, P_OPEN SPAN10 "{sfb_conference_id}{colon}{conference_id}"
	  "</span></p>" },
	{ NULL, P_OPEN "<span style=\"font-size:8.0pt\"><a href=\"{dialin_url}\">"
	  "<span style=\"color:#0066CC\">{sfb_forgot_pin}</span></a> | "
	  "<a href=\"{help_url}\"><span style=\"color:#0066CC\">{help}</span></a>"
	  "</span></p>" },
	{ "!dialin_url", P_OPEN "<span style=\"font-size:8.0pt\">"
	  "<a href=\"{help_url}\"><span style=\"color:#0066CC\">{help}</span></a>"
	  "</span></p>" },
	{ NULL, P_OPEN "<sub><span style=\"font-size:1.0pt; color:white\">"
	  "[!OC([{lcid}])!]</span></sub></p>" },
	{ NULL, P_OPEN "<span style=\"font-size:8.0pt; color:#404040\">"
	  "{rule_dots}</span></p>" },
};

static const struct line teams_text[] = {
	{ NULL, "{rule_underscores}" },
	{ NULL, "{teams_title}" },
	{ NULL, "{teams_join_on}" },
	{ NULL, "{teams_click} <{join_url}>" },
	{ NULL, "{teams_meeting_id}{colon}{meeting_id}" },
	{ NULL, "{teams_passcode}{colon}{passcode}" },
	{ "phone", "{teams_call_in}" },
	{ NULL, "{toll_number} <tel:{toll_dial}>" },
	{ NULL, "{toll_free_number} <tel:{toll_free_dial}> {toll_free}" },
	{ NULL, "{provider}" },
	{ NULL, "{teams_conference_id}{colon}{conference_id}#" },
	{ NULL, "{teams_local_number} <{dialin_url}> | "
	  "{teams_reset_pin} <{reset_pin_url}>" },
	{ NULL, "{teams_learn_more} <{learn_url}> | {help} <{help_url}>" },
	{ "!help_url", "{teams_learn_more} <{learn_url}>" },
	{ NULL, "{rule_underscores}" },
};

static const struct line teams_html[] = {
	{ NULL, "<div style=\"width:100%\"><span style=\"white-space:nowrap; "
	  "color:#5F5F5F; opacity:.36\">{rule_underscores}</span></div>" },
	{ NULL, "<div class=\"me-email-text\" lang=\"{lang}\" style=\""
	  "color:#252424; font-family:'Segoe UI','Helvetica Neue',Helvetica,"
	  "Arial,sans-serif\">" },
	{ NULL, "<div style=\"margin-top:24px; margin-bottom:20px\">"
	  "<span style=\"font-size:24px; color:#252424\">{teams_title}</span>"
	  "</div>" },
	{ NULL, "<div style=\"margin-bottom:20px\"><div style=\"margin-top:0px; "
	  "margin-bottom:0px; font-weight:bold\">" TEAMS_TEXT "{teams_join_on}"
	  "</span></div>" },
	{ NULL, "<a href=\"{join_url}\" class=\"me-email-headline\" style=\""
	  "font-size:14px; font-family:'Segoe UI Semibold','Segoe UI',"
	  "'Helvetica Neue',Helvetica,Arial,sans-serif; "
	  "text-decoration:underline; color:#6264a7\">{teams_click}</a></div>" },
	{ "ids", "<div style=\"margin-bottom:20px; margin-top:20px\">" },
	{ NULL, "<div style=\"margin-bottom:4px\"><span data-tid=\"meeting-code\" "
	  "style=\"font-size:14px; color:#252424\">{teams_meeting_id}{colon}"
	  TEAMS_VALUE "{meeting_id}</span></span></div>" },
	{ NULL, "<div style=\"margin-bottom:4px\">" TEAMS_TEXT "{teams_passcode}"
	  "{colon}</span>" TEAMS_VALUE "{passcode}</span></div>" },
	{ "ids", "</div>" },
	{ "phone", "<div style=\"margin-bottom:20px; margin-top:20px\">" },
	{ "phone", "<div style=\"margin-bottom:4px\">" TEAMS_TEXT
	  "{teams_call_in}</span></div>" },
	{ NULL, "<div style=\"margin-bottom:4px\"><a href=\"tel:{toll_dial}\" "
	  TEAMS_LINK ">{toll_number}</a></div>" },
	{ NULL, "<div style=\"margin-bottom:4px\"><a href=\"tel:{toll_free_dial}\" "
	  TEAMS_LINK ">{toll_free_number}</a> " TEAMS_TEXT "{toll_free}</span>"
	  "</div>" },
	{ NULL, "<div style=\"margin-bottom:4px\">" TEAMS_TEXT "{provider}"
	  "</span></div>" },
	{ NULL, "<div style=\"margin-bottom:4px\">" TEAMS_TEXT
	  "{teams_conference_id}{colon}</span>" TEAMS_VALUE "{conference_id}#"
	  "</span></div>" },
	{ NULL, "<div style=\"font-size:14px\"><a href=\"{dialin_url}\" "
	  TEAMS_LINK ">{teams_local_number}</a> | <a href=\"{reset_pin_url}\" "
	  TEAMS_LINK ">{teams_reset_pin}</a></div>" },
	{ "phone", "</div>" },
	{ NULL, "<div style=\"margin-bottom:24px; margin-top:20px\">"
	  "<a href=\"{learn_url}\" " TEAMS_LINK ">{teams_learn_more}</a> | "
	  "<a href=\"{help_url}\" " TEAMS_LINK ">{help}</a></div>" },
	{ "!help_url", "<div style=\"margin-bottom:24px; margin-top:20px\">"
	  "<a href=\"{learn_url}\" " TEAMS_LINK ">{teams_learn_more}</a></div>" },
	{ NULL, "</div>" },
	{ NULL, "<div style=\"width:100%\"><span style=\"white-space:nowrap; "
	  "color:#5F5F5F; opacity:.36\">{rule_underscores}</span></div>" },
};

#define RULE_DOTS "................................................................" \
	"........................................................................."
#define RULE_UNDERSCORES "________________________________________" \
	"________________________________________"

/* ------------------------------------------------------------------------
 * Rendering.  A built-in layout names words ({sfb_join}) and values
 * ({join_url}); a template file names values only, spelt with dashes
 * ({join-url}), and the two share the values of one target.
 */

struct value {
	const char *name;
	const char *text;       /* NULL: not known */
};

struct context {
	const struct words *words;      /* NULL for a template file */
	bool html;
	struct value values[24];
	size_t value_count;
};

/* The strings a rendering makes from the target, released together. */
struct filled {
	GString *conference;
	char *conference_digits, *web_url, *help_url, *learn_url;
	char *toll_dial, *toll_free_dial;
	char lcid[16];
};

static void
set_value(struct context *ctx, const char *name, const char *text)
{
	g_assert(ctx->value_count < G_N_ELEMENTS(ctx->values));
	ctx->values[ctx->value_count].name = name;
	ctx->values[ctx->value_count].text = text;
	ctx->value_count++;
}

/* Returns true with *text (NULL when the value is unknown) if NAME exists. */
static bool
lookup(const struct context *ctx, const char *name, size_t len,
    const char **text)
{
	for (size_t i = 0; ctx->words != NULL && i < G_N_ELEMENTS(word_names);
	    i++)
		if (strncmp(word_names[i].name, name, len) == 0 &&
		    word_names[i].name[len] == '\0') {
			*text = *(const char *const *)(const void *)
			    ((const char *)ctx->words + word_names[i].offset);
			return true;
		}
	for (size_t i = 0; i < ctx->value_count; i++)
		if (strncmp(ctx->values[i].name, name, len) == 0 &&
		    ctx->values[i].name[len] == '\0') {
			*text = ctx->values[i].text;
			return true;
		}
	return false;
}

static void
append_escaped(GString *out, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&#39;");
			break;
		default:
			g_string_append_c(out, *p);
			break;
		}
	}
}

static void
append_value(GString *out, const struct context *ctx, const char *text)
{
	if (ctx->html)
		append_escaped(out, text);
	else
		g_string_append(out, text);
}

/*
 * Appends LINE to OUT; returns false (OUT unchanged) when the line is left
 * out because its condition fails or one of its values is unknown.
 */
static bool
render_line(GString *out, const struct line *line, const struct context *ctx)
{
	const char *p = line->text;
	size_t mark = out->len;

	if (line->condition != NULL) {
		bool negate = line->condition[0] == '!';
		const char *name = line->condition + (negate ? 1 : 0);
		const char *text = NULL;

		if (!lookup(ctx, name, strlen(name), &text))
			g_error("template condition %s is unknown", name);
		if ((text == NULL) != negate)
			return false;
	}
	while (*p != '\0') {
		const char *close;
		const char *text = NULL;

		if (*p != '{') {
			g_string_append_c(out, *p++);
			continue;
		}
		close = strchr(p, '}');
		if (close == NULL ||
		    !lookup(ctx, p + 1, (size_t)(close - p - 1), &text))
			g_error("template placeholder %s is unknown", p);
		if (text == NULL) {
			g_string_truncate(out, mark);
			return false;
		}
		append_value(out, ctx, text);
		p = close + 1;
	}
	return true;
}

/*
 * The number to dial for a "tel:" link: a "+" and the digits up to the first
 * letter after them ("+1 425 555 0100 (Redmond)" gives "+14255550100",
 * "US 877 361 4628" gives "8773614628"), then
 * ",,<conference id>#" when a conference ID is known (Teams dial strings,
 * meeting-blocks.md §1.4).  Owned, or NULL for no number.
 */
static char *
dial_string(const char *number, const char *conference_digits)
{
	GString *dial;

	if (number == NULL)
		return NULL;
	dial = g_string_new(NULL);
	for (const char *p = number; *p != '\0'; p++) {
		if (g_ascii_isalpha(*p) && dial->len > 0)
			break;
		if (*p == '+' && dial->len == 0)
			g_string_append_c(dial, '+');
		else if (g_ascii_isdigit(*p))
			g_string_append_c(dial, *p);
	}
	if (dial->len == 0) {
		g_string_free(dial, true);
		return NULL;
	}
	if (conference_digits != NULL && conference_digits[0] != '\0')
		g_string_append_printf(dial, ",,%s#", conference_digits);
	return g_string_free(dial, false);
}

static void
only_digits(char *s)
{
	char *d = s;

	for (const char *p = s; *p != '\0'; p++)
		if (g_ascii_isdigit(*p))
			*d++ = *p;
	*d = '\0';
}

/*
 * Sets every value of a rendering of TARGET in language TAG (Windows LCID
 * LCID) for a body of KIND; F holds the strings made for it.
 */
static void
fill_values(struct context *ctx, struct filled *f,
    const struct mm_target *target, const char *tag, unsigned lcid,
    enum mm_body_kind kind)
{
	memset(f, 0, sizeof *f);
	g_snprintf(f->lcid, sizeof f->lcid, "%u", lcid);

	/*
	 * The conference ID is shown as given but without a trailing "#" (the
	 * Teams layout adds its own); the dial strings use its digits.
	 */
	if (target->conference_id != NULL) {
		f->conference = g_string_new(target->conference_id);
		while (f->conference->len > 0 &&
		    (f->conference->str[f->conference->len - 1] == '#' ||
		    f->conference->str[f->conference->len - 1] == ' '))
			g_string_truncate(f->conference, f->conference->len - 1);
		f->conference_digits = g_strdup(f->conference->str);
		only_digits(f->conference_digits);
	}
	if (target->type == MM_BLOCK_SFB) {
		if (target->join_url != NULL)
			f->web_url = g_strconcat(target->join_url, "?sl=1", NULL);
		f->help_url = target->help_url != NULL ?
		    g_strdup(target->help_url) : g_strdup_printf(
		    "https://o15.officeredir.microsoft.com/r/rlidLync15"
		    "?clid=%u&p1=5&p2=2009", lcid != 0 ? lcid : 1033);
		f->toll_dial = dial_string(target->toll_number, NULL);
		f->toll_free_dial = dial_string(target->toll_free_number, NULL);
	} else {
		/*
		 * In text the language has no other carrier than this link;
		 * in HTML the lang attribute carries it, and "?omkt=" would
		 * make the block look like the 2024 layout.
		 */
		f->learn_url = kind == MM_BODY_HTML ?
		    g_strdup("https://aka.ms/JoinTeamsMeeting") :
		    g_strdup_printf("https://aka.ms/JoinTeamsMeeting?omkt=%s", tag);
		f->help_url = g_strdup(target->help_url);
		f->toll_dial = dial_string(target->toll_number,
		    f->conference_digits);
		f->toll_free_dial = dial_string(target->toll_free_number,
		    f->conference_digits);
	}
	set_value(ctx, "rule_dots", RULE_DOTS);
	set_value(ctx, "rule_underscores", RULE_UNDERSCORES);
	set_value(ctx, "join_url", target->join_url);
	set_value(ctx, "web_url", f->web_url);
	set_value(ctx, "dialin_url", target->dialin_url);
	set_value(ctx, "conference_id", f->conference != NULL ?
	    f->conference->str : NULL);
	set_value(ctx, "toll_number", f->toll_dial != NULL ?
	    target->toll_number : NULL);
	set_value(ctx, "toll_dial", f->toll_dial);
	set_value(ctx, "toll_free_number", f->toll_free_dial != NULL ?
	    target->toll_free_number : NULL);
	set_value(ctx, "toll_free_dial", f->toll_free_dial);
	set_value(ctx, "meeting_id", target->meeting_id);
	set_value(ctx, "passcode", target->passcode);
	set_value(ctx, "provider", target->provider);
	set_value(ctx, "help_url", f->help_url);
	set_value(ctx, "learn_url", f->learn_url);
	set_value(ctx, "reset_pin_url",
	    "https://dialin.teams.microsoft.com/usp/pstnconferencing");
	set_value(ctx, "lcid", f->lcid);
	set_value(ctx, "lang", tag);
	set_value(ctx, "phone", target->toll_number != NULL ||
	    target->toll_free_number != NULL || f->conference != NULL ? "" : NULL);
	set_value(ctx, "ids", target->meeting_id != NULL ||
	    target->passcode != NULL ? "" : NULL);
}

static void
filled_release(struct filled *f)
{
	if (f->conference != NULL)
		g_string_free(f->conference, true);
	g_free(f->conference_digits);
	g_free(f->web_url);
	g_free(f->help_url);
	g_free(f->learn_url);
	g_free(f->toll_dial);
	g_free(f->toll_free_dial);
}

static char *
render_builtin(const struct words *words, const struct mm_target *target,
    enum mm_body_kind kind, const char *newline)
{
	struct context ctx = { .words = words, .html = kind == MM_BODY_HTML };
	struct filled f;
	const struct line *layout;
	size_t line_count;
	GString *out = g_string_new(NULL);
	bool first = true;

	fill_values(&ctx, &f, target, words->tag, words->lcid, kind);
	if (target->type == MM_BLOCK_SFB) {
		layout = kind == MM_BODY_HTML ? sfb_html : sfb_text;
		line_count = kind == MM_BODY_HTML ? G_N_ELEMENTS(sfb_html) :
		    G_N_ELEMENTS(sfb_text);
	} else {
		layout = kind == MM_BODY_HTML ? teams_html : teams_text;
		line_count = kind == MM_BODY_HTML ? G_N_ELEMENTS(teams_html) :
		    G_N_ELEMENTS(teams_text);
	}
	for (size_t i = 0; i < line_count; i++) {
		size_t mark = out->len;

		if (!first)
			g_string_append(out, newline);
		if (render_line(out, &layout[i], &ctx))
			first = false;
		else
			g_string_truncate(out, mark);
	}
	/* A text block ends with its line terminator (block.h "end"). */
	if (kind == MM_BODY_TEXT)
		g_string_append(out, newline);
	filled_release(&f);
	return g_string_free(out, false);
}

/* ------------------------------------------------------------------------
 * Template files (template.h): each line a list of pieces.
 */

enum piece_kind {
	PIECE_TEXT,
	PIECE_VALUE,
	PIECE_OPEN,             /* {?name}, or {!name} when negate */
	PIECE_CLOSE,            /* {/name} */
};

struct piece {
	enum piece_kind kind;
	bool negate;
	char *text;             /* owned: literal text, or the value's name */
};

struct file_line {
	GArray *pieces;         /* of struct piece */
};

struct file_template {
	enum mm_block_type type;
	enum mm_body_kind kind;
	char *tag;              /* the file's language, BCP 47 case */
	unsigned lcid;          /* its Windows LCID, 0 when none is known */
	char *path;
	GArray *lines;          /* of struct file_line */
};

/* Normalised lines (mm_templates_edited()): those without a value mark,
   to look up, and those with one, to match. */
struct patterns {
	GHashTable *exact;      /* owned keys */
	GPtrArray *wild;        /* borrowed from exact, sorted */
};

struct mm_templates {
	GPtrArray *files;       /* of struct file_template */
	struct patterns *patterns;      /* the lines the files explain */
};

/* The names a file may use, and the values they stand for. */
static const struct {
	const char *name;
	const char *value;
	bool section_only;
} file_names[] = {
	{ "join-url", "join_url", false },
	{ "web-url", "web_url", false },
	{ "dialin-url", "dialin_url", false },
	{ "help-url", "help_url", false },
	{ "conference-id", "conference_id", false },
	{ "toll-number", "toll_number", false },
	{ "toll-dial", "toll_dial", false },
	{ "toll-free-number", "toll_free_number", false },
	{ "toll-free-dial", "toll_free_dial", false },
	{ "meeting-id", "meeting_id", false },
	{ "passcode", "passcode", false },
	{ "provider", "provider", false },
	{ "language", "lang", false },
	{ "lcid", "lcid", false },
	{ "phone", "phone", true },
	{ "ids", "ids", true },
};

static void
file_template_free(gpointer data)
{
	struct file_template *t = data;

	if (t == NULL)
		return;
	for (guint i = 0; t->lines != NULL && i < t->lines->len; i++) {
		GArray *pieces = g_array_index(t->lines, struct file_line,
		    i).pieces;

		for (guint k = 0; k < pieces->len; k++)
			g_free(g_array_index(pieces, struct piece, k).text);
		g_array_free(pieces, true);
	}
	if (t->lines != NULL)
		g_array_free(t->lines, true);
	g_free(t->tag);
	g_free(t->path);
	g_free(t);
}

static void
add_piece(GArray *pieces, enum piece_kind kind, bool negate, const char *text,
    size_t len)
{
	struct piece piece = {
		.kind = kind, .negate = negate, .text = g_strndup(text, len),
	};

	g_array_append_val(pieces, piece);
}

/*
 * Parses one line of T (number LINENO) into pieces, checking names and
 * keeping the stack of open sections.  Returns 0 or -1 with diag.
 */
static int
parse_line(struct file_template *t, const char *s, size_t len,
    unsigned lineno, GArray *open, struct mm_diag *diag)
{
	struct file_line line = {
		.pieces = g_array_new(false, false, sizeof(struct piece)),
	};
	GString *literal = g_string_new(NULL);
	size_t i = 0;
	int rc = -1;

	while (i < len) {
		const char *close;
		size_t name_len;
		enum piece_kind kind = PIECE_VALUE;
		bool negate = false, known = false, section_only = false;
		const char *name;

		if (s[i] != '{') {
			g_string_append_c(literal, s[i++]);
			continue;
		}
		if (i + 1 < len && s[i + 1] == '{') {
			g_string_append_c(literal, '{');
			i += 2;
			continue;
		}
		close = memchr(s + i, '}', len - i);
		if (close == NULL) {
			mm_diag_set(diag, MM_DIAG_DATA, "template has a \"{\" "
			    "that opens no placeholder (write \"{{\" for a "
			    "brace) (%s:%u)", t->path, lineno);
			goto out;
		}
		name = s + i + 1;
		if (*name == '?' || *name == '!' || *name == '/') {
			kind = *name == '/' ? PIECE_CLOSE : PIECE_OPEN;
			negate = *name == '!';
			name++;
		}
		name_len = (size_t)(close - name);
		for (size_t k = 0; k < G_N_ELEMENTS(file_names); k++)
			if (strlen(file_names[k].name) == name_len &&
			    memcmp(file_names[k].name, name, name_len) == 0) {
				known = true;
				section_only = file_names[k].section_only;
				name = file_names[k].value;
				name_len = strlen(name);
			}
		if (!known || (kind == PIECE_VALUE && section_only)) {
			mm_diag_set(diag, MM_DIAG_DATA, "template has an unknown "
			    "placeholder \"%.*s\" (%s:%u)",
			    (int)(close - s - i + 1), s + i, t->path, lineno);
			goto out;
		}
		if (kind == PIECE_CLOSE) {
			if (open->len == 0 || strcmp(g_array_index(open,
			    const char *, open->len - 1), name) != 0) {
				mm_diag_set(diag, MM_DIAG_DATA, "template closes "
				    "section \"%.*s\" that is not the one open "
				    "(%s:%u)", (int)(close - s - i + 1), s + i,
				    t->path, lineno);
				goto out;
			}
			g_array_set_size(open, open->len - 1);
		} else if (kind == PIECE_OPEN) {
			g_array_append_val(open, name);
		}
		if (literal->len > 0) {
			add_piece(line.pieces, PIECE_TEXT, false, literal->str,
			    literal->len);
			g_string_truncate(literal, 0);
		}
		add_piece(line.pieces, kind, negate, name, name_len);
		i = (size_t)(close - s) + 1;
	}
	if (literal->len > 0)
		add_piece(line.pieces, PIECE_TEXT, false, literal->str,
		    literal->len);
	g_array_append_val(t->lines, line);
	line.pieces = NULL;
	rc = 0;
out:
	if (line.pieces != NULL) {
		for (guint k = 0; k < line.pieces->len; k++)
			g_free(g_array_index(line.pieces, struct piece, k).text);
		g_array_free(line.pieces, true);
	}
	g_string_free(literal, true);
	return rc;
}

static int
parse_file(struct file_template *t, const char *data, size_t len,
    struct mm_diag *diag)
{
	GArray *open = g_array_new(false, false, sizeof(const char *));
	size_t pos = 0, end = len;
	unsigned lineno = 0;
	int rc = -1;

	/* Line ends after the last line are not lines of the block. */
	while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r'))
		end--;
	t->lines = g_array_new(false, false, sizeof(struct file_line));
	while (pos < end) {
		const char *nl = memchr(data + pos, '\n', end - pos);
		size_t stop = nl != NULL ? (size_t)(nl - data) : end;
		size_t content = stop;

		if (content > pos && data[content - 1] == '\r')
			content--;
		lineno++;
		if (parse_line(t, data + pos, content - pos, lineno, open,
		    diag) < 0)
			goto out;
		pos = nl != NULL ? stop + 1 : end;
	}
	if (open->len > 0) {
		mm_diag_set(diag, MM_DIAG_DATA, "template leaves a section open "
		    "at its end (%s)", t->path);
		goto out;
	}
	if (t->lines->len == 0) {
		mm_diag_set(diag, MM_DIAG_DATA, "template is empty (%s)",
		    t->path);
		goto out;
	}
	rc = 0;
out:
	g_array_free(open, true);
	return rc;
}

static bool
only_space_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

static char *
render_file(const struct file_template *t, const struct mm_target *target,
    const char *newline)
{
	struct context ctx = { .html = t->kind == MM_BODY_HTML };
	struct filled f;
	GString *out = g_string_new(NULL);
	GArray *active = g_array_new(false, false, sizeof(bool));
	bool on = true, first = true;

	fill_values(&ctx, &f, target, t->tag, t->lcid, t->kind);
	for (guint i = 0; i < t->lines->len; i++) {
		GArray *pieces = g_array_index(t->lines, struct file_line,
		    i).pieces;
		size_t mark = out->len;
		bool on_at_start = on, has_mark = false, content = false;
		bool unknown = false;

		if (!first)
			g_string_append(out, newline);
		for (guint k = 0; k < pieces->len; k++) {
			const struct piece *p = &g_array_index(pieces,
			    struct piece, k);
			const char *text = NULL;

			switch (p->kind) {
			case PIECE_TEXT:
				if (!on)
					break;
				g_string_append(out, p->text);
				if (!only_space_text(p->text))
					content = true;
				break;
			case PIECE_VALUE:
				if (!on)
					break;
				lookup(&ctx, p->text, strlen(p->text), &text);
				if (text == NULL)
					unknown = true;
				else
					append_value(out, &ctx, text);
				content = true;
				break;
			case PIECE_OPEN:
				has_mark = true;
				g_array_append_val(active, on);
				lookup(&ctx, p->text, strlen(p->text), &text);
				on = on && ((text != NULL) != p->negate);
				break;
			case PIECE_CLOSE:
				has_mark = true;
				on = g_array_index(active, bool, active->len - 1);
				g_array_set_size(active, active->len - 1);
				break;
			}
		}
		if (unknown || (has_mark ? !content : !on_at_start))
			g_string_truncate(out, mark);
		else
			first = false;
	}
	if (t->kind == MM_BODY_TEXT)
		g_string_append(out, newline);
	g_array_free(active, true);
	filled_release(&f);
	return g_string_free(out, false);
}

/* ------------------------------------------------------------------------
 * Choosing a template.
 */

/* The primary subtag's length ("fr" of "fr-CA"). */
static size_t
primary_len(const char *tag)
{
	return strcspn(tag, "-_");
}

static bool
tag_matches(const char *asked, const char *tag, bool primary)
{
	size_t n;

	if (!primary)
		return g_ascii_strcasecmp(asked, tag) == 0;
	n = primary_len(asked);
	return n > 0 && n == primary_len(tag) &&
	    g_ascii_strncasecmp(asked, tag, n) == 0;
}

static const struct words *
builtin_language(const char *language, bool primary)
{
	for (size_t i = 0; i < G_N_ELEMENTS(languages); i++)
		if (tag_matches(language, languages[i].tag, primary))
			return &languages[i];
	return NULL;
}

static const struct file_template *
file_language(const struct mm_templates *templates, enum mm_block_type type,
    enum mm_body_kind kind, const char *language, bool primary)
{
	if (templates == NULL)
		return NULL;
	for (guint i = 0; i < templates->files->len; i++) {
		const struct file_template *t =
		    g_ptr_array_index(templates->files, i);

		if (t->type == type && t->kind == kind &&
		    tag_matches(language, t->tag, primary))
			return t;
	}
	return NULL;
}

char *
mm_templates_render(const struct mm_templates *templates,
    const struct mm_target *target, const char *language,
    enum mm_body_kind kind, const char *newline, const char **language_used)
{
	enum mm_block_type type = target->type == MM_BLOCK_SFB ?
	    MM_BLOCK_SFB : MM_BLOCK_TEAMS;
	const char *asked[] = { language, language, "en-US" };
	const bool primary[] = { false, true, false };

	if (newline == NULL)
		newline = "\n";
	for (size_t step = 0; step < G_N_ELEMENTS(asked); step++) {
		const struct file_template *file;
		const struct words *words;

		if (asked[step] == NULL)
			continue;
		file = file_language(templates, type, kind, asked[step],
		    primary[step]);
		if (file != NULL) {
			if (language_used != NULL)
				*language_used = file->tag;
			return render_file(file, target, newline);
		}
		words = builtin_language(asked[step], primary[step]);
		if (words != NULL) {
			if (language_used != NULL)
				*language_used = words->tag;
			return render_builtin(words, target, kind, newline);
		}
	}
	g_assert_not_reached();
	return NULL;
}

char *
mm_template_render(const struct mm_target *target, const char *language,
    enum mm_body_kind kind, const char *newline, const char **language_used)
{
	return mm_templates_render(NULL, target, language, kind, newline,
	    language_used);
}

/* ------------------------------------------------------------------------
 * LOCATION's display texts.
 */

/*
 * Display texts other clients and languages put in LOCATION for an online
 * meeting, beyond the templates' own (reference/meeting-blocks.md 1.3).
 */
static const struct {
	const char *text;
	enum mm_block_type type;
	const char *tag;        /* NULL: no language of its own */
} other_locations[] = {
	{ "Microsoft Teams-møde", MM_BLOCK_TEAMS, "da-DK" },
	{ "Skype-møde", MM_BLOCK_SFB, "da-DK" },
	{ "Cuộc họp trong Microsoft Teams", MM_BLOCK_TEAMS, "vi-VN" },
	{ "Online meeting", MM_BLOCK_NONE, NULL },
	{ "Skype for Business Meeting", MM_BLOCK_SFB, NULL },
	{ "Lync Meeting", MM_BLOCK_SFB, NULL },
};

const char *
mm_template_location(enum mm_block_type type, const char *language)
{
	const struct words *words = NULL;
	enum mm_block_type want = type == MM_BLOCK_SFB ? MM_BLOCK_SFB :
	    MM_BLOCK_TEAMS;

	for (int primary = 0; language != NULL && primary < 2; primary++) {
		words = builtin_language(language, primary);
		if (words != NULL)
			break;
		for (size_t i = 0; i < G_N_ELEMENTS(other_locations); i++)
			if (other_locations[i].tag != NULL &&
			    other_locations[i].type == want &&
			    tag_matches(language, other_locations[i].tag,
			    primary))
				return other_locations[i].text;
	}
	if (words == NULL)
		words = &languages[0];
	return want == MM_BLOCK_SFB ? words->sfb_location :
	    words->teams_location;
}

bool
mm_template_is_location(const char *text, const char **language)
{
	if (language != NULL)
		*language = NULL;
	if (text == NULL)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(languages); i++) {
		if (g_ascii_strcasecmp(text, languages[i].sfb_location) == 0 ||
		    g_ascii_strcasecmp(text, languages[i].teams_location) == 0) {
			if (language != NULL)
				*language = languages[i].tag;
			return true;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(other_locations); i++)
		if (g_ascii_strcasecmp(text, other_locations[i].text) == 0) {
			if (language != NULL)
				*language = other_locations[i].tag;
			return true;
		}
	return false;
}

const char *const *
mm_template_languages(void)
{
	return language_tags;
}

/* ------------------------------------------------------------------------
 * Telling an edited block (template.h, mm_templates_edited()).  Lines are
 * normalised into a form where a link is MARK_LINK, a number "#", and, in
 * the lines a template or a known layout has, a value MARK_VALUE, which
 * matches anything.  Both marks are private-use characters, which NFKC and
 * case folding keep.
 */

#define MARK_VALUE "\xee\x80\x80"       /* U+E000 */
#define MARK_LINK "\xee\x80\x81"        /* U+E001 */
#define MARK_LEN 3
#define SHOWN_CHARS 60

/*
 * Lines of real blocks that the templates do not have, by layout and
 * language: the SfB add-in's, Teams 2019 ("Join Microsoft Teams Meeting"),
 * 2020-23, 2024 ("Join the meeting now"), 2025 ("Join: https://...") and the
 * consumer block, as meeting-blocks.md §1 and fixtures/unit/block/ show
 * them in English, French, German, Danish, Spanish, Chinese and Japanese
 * (and the Arabic of fixtures/unicode.ics).  Parts between "|" are separate
 * entries; "<url>" is a link, "{}" a value.
 */
static const char *const known_lines[] = {
	/* sfb, en-US */
	"Join Skype Meeting <url>",
	"Trouble Joining? Try Skype Web App <url>",
	"This is an online meeting for Skype for Business, the professional meetings and communications app formerly known as Lync.",
	"Join by phone",
	"Find a local number <url>",
	"Conference ID: {}",
	"Forgot your dial-in PIN? <url>",
	"Help <url>",
	"[!OC([{}])!]",
	/* teams-2019, en-US */
	"Join Microsoft Teams Meeting <url>",
	"Local numbers <url>",
	"Reset PIN <url>",
	"Learn more about Teams <url>",
	"Meeting options <url>",
	/* teams-2020, en-US */
	"Microsoft Teams meeting",
	"Join on your computer, mobile app or room device",
	"Click here to join the meeting <url>",
	"Meeting ID: {}",
	"Passcode: {}",
	"Download Teams <url>",
	"Join on the web <url>",
	"Or call in (audio only)",
	"Phone Conference ID: {}",
	"Learn More <url>",
	/* teams-2024, en-US */
	"Microsoft Teams Need help? <url>",
	"Join the meeting now <url>",
	"Dial in by phone",
	"Phone conference ID: {}",
	"For organizers: Meeting options <url>",
	"Reset dial-in PIN <url>",
	/* teams-2025, en-US */
	"Join: <url>",
	"Need help? <url>",
	"System reference: <url>",
	"Find a local number: <url>",
	"For organizers: Meeting options: <url>",
	"System reference <url>",
	/* teams-consumer, en-US */
	"You're invited to join a Microsoft Teams meeting",
	"Join on your computer or mobile app",
	/* sfb, fr-FR */
	"Rejoindre la réunion Skype <url>",
	"Des difficultés pour rejoindre la réunion ? Essayez Skype Web App <url>",
	"Il s'agit d'une réunion en ligne Skype Entreprise, l'application de réunions et de communications professionnelles anciennement appelée Lync.",
	"Participer par téléphone",
	"Rechercher un numéro local <url>",
	"ID de conférence : {}",
	"Vous avez oublié votre code confidentiel ? <url>",
	"Aide <url>",
	/* teams-2019, fr-FR */
	"Participer à une réunion Microsoft Teams <url>",
	"Numéros locaux <url>",
	"Réinitialiser le code confidentiel <url>",
	"En savoir plus sur Teams <url>",
	"Options de réunion <url>",
	/* teams-2020, fr-FR */
	"Réunion Microsoft Teams",
	"Rejoindre sur votre ordinateur, application mobile ou appareil de salle",
	"Cliquez ici pour participer à la réunion <url>",
	"ID de la réunion : {}",
	"Code secret : {}",
	"Télécharger Teams <url>",
	"Rejoindre sur le web <url>",
	"Ou appelez (audio uniquement)",
	"ID de conférence téléphonique : {}",
	"Trouver un numéro local <url>",
	"Réinitialiser le code PIN <url>",
	"En savoir plus <url>",
	/* teams-2024, fr-FR */
	"Microsoft Teams Besoin d’aide ? <url>",
	"Rejoindre la réunion maintenant <url>",
	"Appel entrant (audio uniquement)",
	"Pour les organisateurs : Options de réunion <url>",
	"Réinitialiser le code PIN d’appel entrant <url>",
	/* teams-2025, fr-FR */
	"Rejoindre : <url>",
	"Besoin d’aide ? <url>",
	"Référence système: <url>",
	"Trouver un numéro local: <url>",
	"Pour les organisateurs : Options de réunion: <url>",
	"Référence système <url>",
	/* teams-consumer, fr-FR */
	"Vous êtes invité à participer à une réunion Microsoft Teams",
	"Rejoindre sur votre ordinateur ou votre appareil mobile",
	/* sfb, de-DE */
	"An Skype-Besprechung teilnehmen <url>",
	"Probleme beim Teilnehmen? Skype Web App ausprobieren <url>",
	"Dies ist eine Onlinebesprechung für Skype for Business, die App für professionelle Besprechungen und Kommunikation, die früher als Lync bekannt war.",
	"Telefonisch teilnehmen",
	"Lokale Nummer suchen <url>",
	"Konferenz-ID: {}",
	"Einwahl-PIN vergessen? <url>",
	"Hilfe <url>",
	/* teams-2019, de-DE */
	"An Microsoft Teams-Besprechung teilnehmen <url>",
	"Lokale Nummern <url>",
	"PIN zurücksetzen <url>",
	"Weitere Infos zu Teams <url>",
	"Besprechungsoptionen <url>",
	/* teams-2020, de-DE */
	"Microsoft Teams-Besprechung",
	"Nehmen Sie auf dem Computer oder in der mobilen App teil",
	"Hier klicken, um an der Besprechung teilzunehmen <url>",
	"Besprechungs-ID: {}",
	"Teams herunterladen <url>",
	"Im Web beitreten <url>",
	"Oder rufen Sie an (nur Audio)",
	"ID der Telefonkonferenz: {}",
	"Ortsgebundene Nummer suchen <url>",
	"Weitere Infos <url>",
	/* teams-2024, de-DE */
	"Microsoft Teams Benötigen Sie Hilfe? <url>",
	"Jetzt an der Besprechung teilnehmen <url>",
	"Kennung: {}",
	"Einwahl per Telefon",
	"Telefonkonferenz-ID: {}",
	"Für Organisatoren: Besprechungsoptionen <url>",
	"Einwahl-PIN zurücksetzen <url>",
	/* teams-2025, de-DE */
	"Teilnehmen: <url>",
	"Benötigen Sie Hilfe? <url>",
	"Systemreferenz: <url>",
	"Lokale Nummer suchen: <url>",
	"Für Organisatoren: Besprechungsoptionen: <url>",
	"Systemreferenz <url>",
	/* teams-consumer, de-DE */
	"Sie wurden zu einer Microsoft Teams-Besprechung eingeladen",
	/* sfb, da-DK */
	"Deltag i Skype-møde <url>",
	"Har du problemer med at deltage? Prøv Skype Web App <url>",
	"Dette er et onlinemøde til Skype for Business, den professionelle app til møder og kommunikation, der tidligere hed Lync.",
	"Deltag via telefon",
	"Find et lokalt nummer <url>",
	"Konference-id: {}",
	"Har du glemt din PIN-kode til opkald? <url>",
	"Hjælp <url>",
	/* teams-2019, da-DK */
	"Deltag i Microsoft Teams-møde <url>",
	"Lokale numre <url>",
	"Nulstil PIN-kode <url>",
	"Få mere at vide om Teams <url>",
	"Mødeindstillinger <url>",
	/* teams-2020, da-DK */
	"Microsoft Teams-møde",
	"Deltag på din computer eller via mobilapp",
	"Klik her for at deltage i mødet <url>",
	"Møde-id: {}",
	"Adgangskode: {}",
	"Deltag på internettet <url>",
	"Eller ring ind (kun lyd)",
	"Telefonkonference-id: {}",
	"Få mere at vide <url>",
	/* teams-2024, da-DK */
	"Microsoft Teams Har du brug for hjælp? <url>",
	"Deltag i mødet nu <url>",
	"Ring ind via telefon",
	"For arrangører: Mødeindstillinger <url>",
	"Nulstil PIN-kode til opkald <url>",
	/* teams-2025, da-DK */
	"Deltag: <url>",
	"Har du brug for hjælp? <url>",
	"Systemreference: <url>",
	"Find et lokalt nummer: <url>",
	"For arrangører: Mødeindstillinger: <url>",
	"Systemreference <url>",
	/* teams-consumer, da-DK */
	"Du er inviteret til at deltage i et Microsoft Teams-møde",
	/* sfb, es-ES */
	"Unirse a la reunión de Skype <url>",
	"¿Problemas para unirse? Pruebe Skype Web App <url>",
	"Esta es una reunión en línea de Skype Empresarial, la aplicación de reuniones y comunicaciones profesionales antes conocida como Lync.",
	"Unirse por teléfono",
	"Buscar un número local <url>",
	"Id. de conferencia: {}",
	"¿Olvidó su PIN de acceso telefónico? <url>",
	"Ayuda <url>",
	/* teams-2019, es-ES */
	"Unirse a una reunión de Microsoft Teams <url>",
	"Números locales <url>",
	"Restablecer PIN <url>",
	"Más información sobre Teams <url>",
	"Opciones de reunión <url>",
	/* teams-2020, es-ES */
	"Reunión de Microsoft Teams",
	"Únase a través de su ordenador, aplicación móvil o dispositivo de sala",
	"Haga clic aquí para unirse a la reunión <url>",
	"ID de la reunión: {}",
	"Código de acceso: {}",
	"Descargar Teams <url>",
	"Unirse en la web <url>",
	"O llame (solo audio)",
	"Id. de conferencia telefónica: {}",
	"Más información <url>",
	/* teams-2024, es-ES */
	"Microsoft Teams ¿Necesita ayuda? <url>",
	"Unirse a la reunión ahora <url>",
	"Id. de reunión: {}",
	"Marcar por teléfono",
	"Para organizadores: Opciones de reunión <url>",
	"Restablecer PIN de acceso telefónico <url>",
	/* teams-2025, es-ES */
	"Unirse: <url>",
	"¿Necesita ayuda? <url>",
	"Referencia del sistema: <url>",
	"Buscar un número local: <url>",
	"Para organizadores: Opciones de reunión: <url>",
	"Referencia del sistema <url>",
	/* teams-consumer, es-ES */
	"Se le ha invitado a unirse a una reunión de Microsoft Teams",
	"Unirse desde el equipo o la aplicación móvil",
	/* sfb, zh-CN */
	"加入 Skype 会议 <url>",
	"加入时遇到问题？ 请尝试 Skype Web App <url>",
	"这是 Skype for Business（以前称为 Lync）的联机会议，专业会议和通信应用。",
	"通过电话加入",
	"查找本地号码 <url>",
	"会议 ID： {}",
	"忘记了拨入 PIN？ <url>",
	"帮助 <url>",
	/* teams-2019, zh-CN */
	"加入 Microsoft Teams 会议 <url>",
	"本地号码 <url>",
	"重置 PIN <url>",
	"了解有关 Teams 的详细信息 <url>",
	"会议选项 <url>",
	/* teams-2020, zh-CN */
	"Microsoft Teams 会议",
	"在计算机、移动应用或会议室设备上加入",
	"单击此处加入会议 <url>",
	"密码： {}",
	"下载 Teams <url>",
	"在网页上加入 <url>",
	"或拨入(仅音频)",
	"电话会议 ID： {}",
	"了解详细信息 <url>",
	/* teams-2024, zh-CN */
	"Microsoft Teams 需要帮助？ <url>",
	"立即加入会议 <url>",
	"电话拨入",
	"对于组织者： 会议选项 <url>",
	"重置拨入 PIN <url>",
	/* teams-2025, zh-CN */
	"加入： <url>",
	"需要帮助？ <url>",
	"系统参考: <url>",
	"查找本地号码: <url>",
	"对于组织者： 会议选项: <url>",
	"系统参考 <url>",
	/* teams-consumer, zh-CN */
	"邀请你加入 Microsoft Teams 会议",
	"在计算机或移动应用上加入",
	/* sfb, ja-JP */
	"Skype 会議に参加 <url>",
	"参加できない場合 Skype Web App をお試しください <url>",
	"これは Skype for Business のオンライン会議です。Skype for Business は、以前 Lync と呼ばれていたプロフェッショナル向けの会議およびコミュニケーション アプリです。",
	"電話で参加",
	"市内番号を検索 <url>",
	"会議 ID: {}",
	"ダイヤルイン PIN をお忘れの場合 <url>",
	"ヘルプ <url>",
	/* teams-2019, ja-JP */
	"Microsoft Teams 会議に参加 <url>",
	"市内番号 <url>",
	"PIN のリセット <url>",
	"Teams の詳細を表示 <url>",
	"会議のオプション <url>",
	/* teams-2020, ja-JP */
	"Microsoft Teams 会議",
	"コンピューター、モバイル アプリケーション、またはルーム デバイスで参加する",
	"ここをクリックして会議に参加してください <url>",
	"パスコード: {}",
	"Teams のダウンロード <url>",
	"Web に参加 <url>",
	"または電話で参加 (音声のみ)",
	"電話会議 ID: {}",
	"詳細情報 <url>",
	/* teams-2024, ja-JP */
	"Microsoft Teams ヘルプが必要ですか? <url>",
	"今すぐ会議に参加する <url>",
	"会議 ID： {}",
	"パスコード： {}",
	"電話でダイヤルイン",
	"電話会議 ID： {}",
	"開催者向け： 会議のオプション <url>",
	"ダイヤルイン PIN のリセット <url>",
	/* teams-2025, ja-JP */
	"参加: <url>",
	"ヘルプが必要ですか? <url>",
	"システム参照: <url>",
	"市内番号を検索: <url>",
	"開催者向け: 会議のオプション: <url>",
	"システム参照 <url>",
	/* teams-consumer, ja-JP */
	"Microsoft Teams 会議に招待されました",
	"コンピューターまたはモバイル アプリで参加する",
	/* teams-2020, ar-SA */
	"اجتماع Microsoft Teams",
	"الانضمام على الكمبيوتر أو تطبيق الهاتف المحمول أو جهاز الغرفة",
	"انقر هنا للانضمام إلى الاجتماع <url>",
	"معرّف الاجتماع: {}",
	"رمز المرور: {}",
	"تنزيل Teams <url>",
	"الانضمام على الويب <url>",
	"أو الاتصال (صوت فقط)",
	"معرّف مؤتمر الهاتف: {}",
	"البحث عن رقم محلي <url>",
	"إعادة تعيين رمز PIN <url>",
	"معرفة المزيد <url>",
	"خيارات الاجتماع <url>",
	/* real blocks beyond those (meeting-blocks.md 1.1, 1.2; fixtures/unit/block/) */
	"Join Lync Meeting <url>",
	"加入时遇到问题？试用 Skype Web App <url>",
	"Join with a video conferencing device",
	"Alternate VTC dialing instructions <url>",
	"Join on a video conferencing device",
	"Tenant key: {}",
	"Video ID: {}",
	"Learn more about Teams",
	"Meeting options",
};

/* Owned "\n"-free copy of LINE's text without the white space around it. */
static char *
trimmed(const char *s, size_t len)
{
	while (len > 0 && g_ascii_isspace(s[len - 1]))
		len--;
	while (len > 0 && g_ascii_isspace(*s)) {
		s++;
		len--;
	}
	return g_strndup(s, len);
}

static bool
is_scheme_at(const char *s, size_t len, size_t i, size_t *scheme_len)
{
	static const char *const schemes[] = {
		"https://", "http://", "tel:", "mailto:", "sip:",
	};

	/* Called at every octet of a line: most fail at the first test. */
	if (strchr("hHtTmMsS", s[i]) == NULL || s[i] == '\0' ||
	    (i > 0 && g_ascii_isalnum(s[i - 1])))
		return false;
	for (size_t k = 0; k < G_N_ELEMENTS(schemes); k++) {
		size_t n = strlen(schemes[k]);

		if (i + n <= len && g_ascii_strncasecmp(s + i, schemes[k], n) == 0) {
			*scheme_len = n;
			return true;
		}
	}
	return false;
}

static bool
ends_link(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' ||
	    c == '>' || c == '"';
}

/* LINE with its links replaced by MARK_LINK (and their angle brackets). */
static GString *
without_links(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len);
	size_t i = 0, n;

	while (i < len) {
		if (i + 5 <= len && g_ascii_strncasecmp(s + i, "<url>", 5) == 0) {
			g_string_append(out, " " MARK_LINK " ");
			i += 5;
			continue;
		}
		if (!is_scheme_at(s, len, i, &n)) {
			g_string_append_c(out, s[i++]);
			continue;
		}
		for (i += n; i < len && !ends_link(s[i]); i++)
			;
		if (out->len > 0 && out->str[out->len - 1] == '<') {
			g_string_truncate(out, out->len - 1);
			if (i < len && s[i] == '>')
				i++;
		}
		g_string_append(out, " " MARK_LINK " ");
	}
	return out;
}

/* g_utf8_next_char() without its cast. */
static const char *
next_char(const char *p)
{
	return p + g_utf8_skip[(guchar)*p];
}

static bool
number_char(gunichar c)
{
	return g_unichar_isdigit(c) || c == ' ' || c == '-' || c == '.' ||
	    c == ',' || c == '(' || c == ')' || c == '#' || c == '/' || c == '+';
}

/* Space-separated words in the normalised text S. */
static size_t
count_words(const char *s)
{
	size_t words = *s != '\0' ? 1 : 0;

	for (; *s != '\0'; s++)
		if (*s == ' ')
			words++;
	return words;
}

/*
 * S made valid, in NFKC and case folded.  Owned.  For ASCII, the common
 * case, that is its lower case: NFKC changes no ASCII character and case
 * folding only the capitals.
 */
static char *
folded_form(const char *s, size_t len)
{
	char *valid, *nfkc, *folded;
	size_t i;

	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len)
		return g_ascii_strdown(s, (gssize)len);
	valid = g_utf8_make_valid(s, (gssize)len);
	nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
	folded = g_utf8_casefold(nfkc != NULL ? nfkc : valid, -1);
	g_free(valid);
	g_free(nfkc);
	return folded;
}

/*
 * The normal form of one line (template.h).  *dial_in (may be NULL) is set
 * when the line is a dial-in line.  Owned.
 */
static char *
normalize_line(const char *s, size_t len, bool *dial_in)
{
	GString *linked = without_links(s, len);
	char *folded = folded_form(linked->str, linked->len);
	GString *out = g_string_new(NULL);
	bool space = false;
	const char *p = folded;

	if (dial_in != NULL)
		*dial_in = false;
	while (*p != '\0') {
		gunichar c = g_utf8_get_char(p);
		const char *next = next_char(p);
		GUnicodeType type = g_unichar_type(c);

		if (g_unichar_isspace(c) || type == G_UNICODE_SPACE_SEPARATOR) {
			space = true;
			p = next;
			continue;
		}
		if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT) {
			p = next;
			continue;
		}
		if (g_unichar_isdigit(c) || ((c == '+' || c == '(') &&
		    g_unichar_isdigit(g_utf8_get_char(next)))) {
			const char *end = p, *last = p;
			size_t digits = 0;

			while (*end != '\0' && number_char(g_utf8_get_char(end))) {
				gunichar d = g_utf8_get_char(end);

				if (g_unichar_isdigit(d))
					digits++;
				end = next_char(end);
				if (g_unichar_isdigit(d) || d == '#')
					last = end;
			}
			if (dial_in != NULL && digits >= 7 && count_words(out->str) <= 2)
				*dial_in = true;
			if (space && out->len > 0)
				g_string_append_c(out, ' ');
			g_string_append_c(out, '#');
			space = false;
			p = last;
			continue;
		}
		if (c != ':' && c != '?' && c != '!' && space && out->len > 0)
			g_string_append_c(out, ' ');
		space = false;
		g_string_append_len(out, p, next - p);
		p = next;
	}
	/* The Wingdings arrow of OutJoinLink (meeting-blocks.md §1.1). */
	if (g_str_has_prefix(out->str, "\xc3\xa0 "))
		g_string_erase(out, 0, 3);
	g_string_free(linked, true);
	g_free(folded);
	return g_string_free(out, false);
}

/*
 * normalize_line() remembered: a mailbox's blocks repeat the same labels,
 * rules and numbers from meeting to meeting, and NFKC and case folding are
 * the dear part of judging a block.  Bounded: lines of a block's usual
 * length only (a hostile body's 8 MB line is normalised, not kept), and
 * emptied when its lines reach NORMAL_CACHE_BYTES.
 */
#define NORMAL_CACHE_BYTES      ((size_t)1 << 20)
#define NORMAL_CACHE_LINE       512

struct normal {
	char *text;
	bool dial_in;
};

static void
normal_free(gpointer data)
{
	struct normal *n = data;

	g_free(n->text);
	g_free(n);
}

G_LOCK_DEFINE_STATIC(normal_cache);

static char *
normalize_line_cached(const char *s, size_t len, bool *dial_in)
{
	static GHashTable *cache;
	static size_t cache_bytes;
	char *key, *text;
	struct normal *n;

	if (len > NORMAL_CACHE_LINE)
		return normalize_line(s, len, dial_in);
	key = g_strndup(s, len);
	G_LOCK(normal_cache);
	if (cache == NULL)
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    normal_free);
	n = g_hash_table_lookup(cache, key);
	if (n == NULL) {
		n = g_new(struct normal, 1);
		n->text = normalize_line(s, len, &n->dial_in);
		if (cache_bytes >= NORMAL_CACHE_BYTES) {
			g_hash_table_remove_all(cache);
			cache_bytes = 0;
		}
		cache_bytes += len + strlen(n->text);
		g_hash_table_insert(cache, g_steal_pointer(&key), n);
	}
	*dial_in = n->dial_in;
	text = g_strdup(n->text);
	G_UNLOCK(normal_cache);
	g_free(key);
	return text;
}

static bool
has_letter(const char *s)
{
	for (; *s != '\0'; s = next_char(s))
		if (g_unichar_isalpha(g_utf8_get_char(s)))
			return true;
	return false;
}

/* Calls FN with each part of NORMAL between "|", trimmed. */
static void
each_part(char *normal, void (*fn)(char *part, void *data), void *data)
{
	char **parts = g_strsplit(normal, "|", -1);

	for (size_t i = 0; parts[i] != NULL; i++) {
		char *part = g_strstrip(parts[i]);

		if (*part != '\0')
			fn(part, data);
	}
	g_strfreev(parts);
}

static void
add_pattern(char *part, void *data)
{
	GHashTable *set = data;

	/* A part with no letter needs no pattern; a lone value says nothing. */
	if (!has_letter(part) || strcmp(part, MARK_VALUE) == 0)
		return;
	g_hash_table_add(set, g_strdup(part));
}

/* Adds the normalised parts of every line of TEXT to SET. */
static void
add_patterns(GHashTable *set, const char *text)
{
	const char *line = text;

	while (*line != '\0') {
		size_t len = strcspn(line, "\n");
		char *normal = normalize_line(line, len, NULL);

		each_part(normal, add_pattern, set);
		g_free(normal);
		line += len;
		if (*line == '\n')
			line++;
	}
}

/* Values that show where each value of a template goes. */
static void
sample_target(struct mm_target *t, enum mm_block_type type, bool full)
{
	memset(t, 0, sizeof *t);
	t->type = type;
	t->join_url = g_strdup(type == MM_BLOCK_SFB ?
	    "https://meet.example.com/user/KEY" :
	    "https://teams.microsoft.com/l/meetup-join/sample");
	if (!full)
		return;
	t->dialin_url = g_strdup("https://dialin.example.com");
	t->conference_id = g_strdup("1234567");
	t->toll_number = g_strdup("+1 555 0100");
	t->toll_free_number = g_strdup("+1 555 0101");
	t->meeting_id = g_strdup("12345678901");
	t->passcode = g_strdup(MARK_VALUE);
	t->provider = g_strdup(MARK_VALUE);
	t->help_url = g_strdup("https://help.example.com");
}

/* The text a reader sees of RENDERED, a block of KIND. */
static char *
rendered_text(const char *rendered, enum mm_body_kind kind)
{
	struct mm_block whole = { .start = 0, .end = strlen(rendered) };

	return mm_block_text(rendered, whole.end, &whole, kind);
}

static void
add_rendering_patterns(GHashTable *set, const struct file_template *file,
    const struct words *words, enum mm_block_type type, enum mm_body_kind kind)
{
	for (int full = 0; full < 2; full++) {
		struct mm_target target;
		char *rendered, *text;

		sample_target(&target, type, full);
		rendered = file != NULL ? render_file(file, &target, "\n") :
		    render_builtin(words, &target, kind, "\n");
		text = rendered_text(rendered, kind);
		add_patterns(set, text);
		g_free(text);
		g_free(rendered);
		mm_target_release(&target);
	}
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes SET (of owned strings). */
static struct patterns *
patterns_of(GHashTable *set)
{
	struct patterns *patterns = g_new0(struct patterns, 1);
	GHashTableIter iter;
	gpointer key;

	patterns->exact = set;
	patterns->wild = g_ptr_array_new();
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		if (strstr(key, MARK_VALUE) != NULL)
			g_ptr_array_add(patterns->wild, key);
	/* Sorted, so that matching does not depend on hashing. */
	g_ptr_array_sort(patterns->wild, compare_names);
	return patterns;
}

static void
patterns_free(struct patterns *patterns)
{
	if (patterns == NULL)
		return;
	g_ptr_array_free(patterns->wild, true);
	g_hash_table_destroy(patterns->exact);
	g_free(patterns);
}

static gpointer
make_builtin_patterns(gpointer data)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);

	(void)data;
	for (size_t i = 0; i < G_N_ELEMENTS(languages); i++)
		for (int type = 0; type < 2; type++)
			for (int kind = 0; kind < 2; kind++)
				add_rendering_patterns(set, NULL, &languages[i],
				    type ? MM_BLOCK_TEAMS : MM_BLOCK_SFB,
				    kind ? MM_BODY_HTML : MM_BODY_TEXT);
	for (size_t i = 0; i < G_N_ELEMENTS(known_lines); i++) {
		char *line = g_strdup(known_lines[i]);
		char **parts = g_strsplit(line, "{}", -1);
		char *marked = g_strjoinv(MARK_VALUE, parts);

		add_patterns(set, marked);
		g_free(marked);
		g_strfreev(parts);
		g_free(line);
	}
	return patterns_of(set);
}

static const struct patterns *
builtin_patterns(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, make_builtin_patterns, NULL);
}

/* Whether S matches PATTERN, where MARK_VALUE matches any text. */
static bool
glob_match(const char *pattern, const char *s)
{
	const char *p = pattern, *star_p = NULL, *star_s = NULL;

	while (*s != '\0') {
		if (strncmp(p, MARK_VALUE, MARK_LEN) == 0) {
			p += MARK_LEN;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p == *s) {
			p++;
			s++;
			continue;
		}
		if (star_p == NULL)
			return false;
		p = star_p;
		s = ++star_s;
	}
	while (strncmp(p, MARK_VALUE, MARK_LEN) == 0)
		p += MARK_LEN;
	return *p == '\0';
}

static bool
matches_any(const struct patterns *patterns, const char *part)
{
	if (patterns == NULL)
		return false;
	if (g_hash_table_contains(patterns->exact, part))
		return true;
	for (guint i = 0; i < patterns->wild->len; i++) {
		const char *p = g_ptr_array_index(patterns->wild, i);

		/* Most patterns differ from the part in their first octet. */
		if (*p != *part && strncmp(p, MARK_VALUE, MARK_LEN) != 0)
			continue;
		if (glob_match(p, part))
			return true;
	}
	return false;
}

struct judging {
	const struct mm_templates *templates;
	size_t known;           /* parts a pattern explains */
	bool unexplained;       /* a part of the current line none explains */
};

static void
judge_part(char *part, void *data)
{
	struct judging *j = data;

	if (!has_letter(part) && strstr(part, MARK_LINK) == NULL)
		return;
	if (matches_any(builtin_patterns(), part) || (j->templates != NULL &&
	    matches_any(j->templates->patterns, part)))
		j->known++;
	else
		j->unexplained = true;
}

/* Shown text of a line: at most SHOWN_CHARS characters, then "...". */
static char *
shown_line(const char *s, size_t len)
{
	char *line = trimmed(s, len);
	char *valid = g_utf8_make_valid(line, -1);

	g_free(line);
	if (g_utf8_strlen(valid, -1) > SHOWN_CHARS) {
		char *cut = g_utf8_offset_to_pointer(valid, SHOWN_CHARS);

		*cut = '\0';
		line = g_strconcat(valid, "...", NULL);
		g_free(valid);
		return line;
	}
	return valid;
}

enum mm_template_edit
mm_templates_edited(const struct mm_templates *templates,
    const char *block_text, char **line)
{
	struct judging j = { .templates = templates };
	const char *s = block_text;
	char *first = NULL;
	bool after_dial_in = false;

	*line = NULL;
	while (*s != '\0') {
		size_t len = strcspn(s, "\n");
		bool dial_in;
		char *normal = normalize_line_cached(s, len, &dial_in);

		/* Rules, blank lines, "[!" have nothing to explain. */
		if (has_letter(normal) || strstr(normal, MARK_LINK) != NULL) {
			j.unexplained = false;
			each_part(normal, judge_part, &j);
			if (j.unexplained && dial_in) {
				after_dial_in = true;
				j.unexplained = false;
			} else if (j.unexplained && after_dial_in &&
			    strstr(normal, MARK_LINK) == NULL &&
			    count_words(normal) <= 3) {
				/* The audio provider's name follows the numbers. */
				j.unexplained = false;
				after_dial_in = false;
			} else {
				after_dial_in = false;
			}
			if (j.unexplained && first == NULL)
				first = shown_line(s, len);
		}
		g_free(normal);
		s += len;
		if (*s == '\n')
			s++;
	}
	if (j.known == 0) {
		g_free(first);
		return MM_TEMPLATE_NOT_JUDGED;
	}
	if (first == NULL)
		return MM_TEMPLATE_AS_WRITTEN;
	*line = first;
	return MM_TEMPLATE_EDITED;
}

/* ------------------------------------------------------------------------
 * Loading a template directory.
 */

/* "sfb-da-DK.txt" -> type, tag "da-DK", kind; false for other names. */
static bool
parse_file_name(const char *name, enum mm_block_type *type, char **tag,
    enum mm_body_kind *kind)
{
	const char *rest, *dot;
	size_t tag_len, i = 0, n = 0;

	if (g_str_has_prefix(name, "sfb-")) {
		*type = MM_BLOCK_SFB;
		rest = name + 4;
	} else if (g_str_has_prefix(name, "teams-")) {
		*type = MM_BLOCK_TEAMS;
		rest = name + 6;
	} else {
		return false;
	}
	dot = strrchr(rest, '.');
	if (dot == NULL)
		return false;
	if (strcmp(dot, ".txt") == 0)
		*kind = MM_BODY_TEXT;
	else if (strcmp(dot, ".html") == 0)
		*kind = MM_BODY_HTML;
	else
		return false;
	tag_len = (size_t)(dot - rest);
	/* language [-subtag]...: 2-3 letters, then 2-8 letters or digits. */
	while (i < tag_len && g_ascii_isalpha(rest[i]))
		i++;
	if (i < 2 || i > 3)
		return false;
	while (i < tag_len) {
		if (rest[i] != '-')
			return false;
		i++;
		n = 0;
		while (i < tag_len && g_ascii_isalnum(rest[i])) {
			i++;
			n++;
		}
		if (n < 2 || n > 8)
			return false;
	}
	*tag = g_strndup(rest, tag_len);
	/* BCP 47 case: "da-dk" is "da-DK", "zh-hans-cn" is "zh-Hans-CN". */
	for (char *p = *tag, *sub = *tag;; p++) {
		if (*p == '-' || *p == '\0') {
			size_t sub_len = (size_t)(p - sub);

			for (char *q = sub; q < p; q++) {
				if (sub == *tag || (sub_len != 2 && sub_len != 4))
					*q = g_ascii_tolower(*q);
				else if (sub_len == 2)
					*q = g_ascii_toupper(*q);
				else
					*q = q == sub ? g_ascii_toupper(*q) :
					    g_ascii_tolower(*q);
			}
			if (*p == '\0')
				break;
			sub = p + 1;
		}
	}
	return true;
}

/* The Windows LCID of TAG, 0 when neither our table nor ICU knows one. */
static unsigned
tag_lcid(const char *tag)
{
	const struct words *words = builtin_language(tag, false);
	char locale[ULOC_FULLNAME_CAPACITY];
	UErrorCode status = U_ZERO_ERROR;
	int32_t parsed = 0;

	if (words != NULL)
		return words->lcid;
	uloc_forLanguageTag(tag, locale, sizeof locale, &parsed, &status);
	if (U_FAILURE(status) || parsed <= 0)
		return 0;
	return uloc_getLCID(locale);
}

/*
 * The round trip (template.h): renders T with TARGET, finds the block in a
 * body, and renders again from the values read back.  Returns 0, or -1
 * with diag naming the first thing read back wrong.
 */
static int
round_trip(const struct file_template *t, struct mm_block_engine *engine,
    const struct mm_target *target, const char *newline, struct mm_diag *diag)
{
	static const char before_text[] = "Agenda: budget 2027\n\n";
	static const char after_text[] = "\nThanks\n";
	static const char before_html[] = "<p>Agenda: budget 2027</p>\n";
	static const char after_html[] = "\n<p>Thanks</p>";
	const char *before = t->kind == MM_BODY_HTML ? before_html : before_text;
	const char *after = t->kind == MM_BODY_HTML ? after_html : after_text;
	struct mm_target again = { 0 };
	struct mm_block block;
	char *first = render_file(t, target, newline);
	char *body = g_strconcat(before, first, after, NULL);
	char *second = NULL, *why = NULL;
	size_t start = strlen(before);
	int rc;

	rc = mm_block_find(engine, body, strlen(body), t->kind, &block, diag);
	if (rc < 0) {
		mm_diag_prefix(diag, "cannot check template %s", t->path);
		goto out;
	}
	if (rc != MM_BLOCK_FOUND)
		why = g_strdup("no block is found in its rendering (rules of "
		    "137 periods or 80 underscores around a join URL of a "
		    "known shape)");
	else if (block.type != t->type)
		why = g_strdup_printf("its rendering is found as a %s block",
		    mm_block_type_name(block.type));
	else if (block.start != start || block.end != start + strlen(first))
		why = g_strdup("the block found is not its whole rendering "
		    "(a text template ends with its closing rule, an HTML one "
		    "with the element holding it)");
	else if (g_strcmp0(block.join_url, target->join_url) != 0)
		why = g_strdup_printf("the join URL is read back as %s",
		    block.join_url != NULL ? block.join_url : "(none)");
	else if (block.language == NULL ||
	    g_ascii_strcasecmp(block.language, t->tag) != 0)
		why = g_strdup_printf("the language is read back as %s, not %s "
		    "(put {language} in a link's ?omkt= or language= "
		    "parameter, the lang attribute of a me-email-text div, "
		    "or [!OC([{lcid}])!] for SfB)",
		    block.language != NULL ? block.language : "(none)", t->tag);
	if (why == NULL) {
		/* What "keep" takes from an old block, read back. */
		again.type = target->type;
		again.join_url = g_strdup(block.join_url);
		again.conference_id = g_strdup(block.conference_id);
		again.meeting_id = g_strdup(block.meeting_id);
		again.passcode = g_strdup(block.passcode);
		again.dialin_url = g_strdup(target->dialin_url);
		again.toll_number = g_strdup(target->toll_number);
		again.toll_free_number = g_strdup(target->toll_free_number);
		again.provider = g_strdup(target->provider);
		again.help_url = g_strdup(target->help_url);
		second = render_file(t, &again, newline);
		if (strcmp(first, second) != 0)
			why = g_strdup_printf("rendered again from the values "
			    "read back (conference ID %s, meeting ID %s, "
			    "passcode %s) it changes",
			    block.conference_id ? block.conference_id : "(none)",
			    block.meeting_id ? block.meeting_id : "(none)",
			    block.passcode ? block.passcode : "(none)");
	}
	rc = 0;
	if (why != NULL)
		rc = mm_diag_set(diag, MM_DIAG_DATA, "template refused: %s, so "
		    "re-runs would not be idempotent (%s)", why, t->path);
	mm_block_release(&block);
out:
	mm_target_release(&again);
	g_free(why);
	g_free(second);
	g_free(body);
	g_free(first);
	return rc < 0 ? -1 : 0;
}

/* The sample coordinates of the round trip: full, and a join URL alone. */
static void
check_target(struct mm_target *t, enum mm_block_type type, bool full)
{
	memset(t, 0, sizeof *t);
	t->type = type;
	if (type == MM_BLOCK_SFB) {
		t->join_url = g_strdup("https://meet.contoso.com/sample/K7Q2M9ZX");
		if (!full)
			return;
		t->dialin_url = g_strdup("https://dialin.contoso.com");
		t->conference_id = g_strdup("7654321");
		t->toll_number = g_strdup("+1 425 555 0100 (Redmond)");
		t->toll_free_number = g_strdup("+1 800 555 0100");
		t->provider = g_strdup("Contoso Audio");
		return;
	}
	t->join_url = g_strdup("https://teams.microsoft.com/l/meetup-join/"
	    "19%3ameeting_MzBmYzAxYjktNDBlZS00MGIzLTg1MzktYThlYzQ0ODZjNDU2"
	    "%40thread.v2/0?context=%7b%22Tid%22%3a%22906d1680-c46e-4105-9c77-"
	    "5bc90110a6e6%22%2c%22Oid%22%3a%2239353b6b-e313-4c06-9f2d-"
	    "ebd5ca2c9190%22%7d");
	if (!full)
		return;
	t->dialin_url = g_strdup("https://dialin.teams.microsoft.com/"
	    "0b2f1c1e?id=987654321");
	t->conference_id = g_strdup("987654321");
	t->toll_number = g_strdup("+1 323-555-0123 (Los Angeles)");
	t->toll_free_number = g_strdup("(866) 679-9995");
	t->meeting_id = g_strdup("21305095066");
	t->passcode = g_strdup("BuLHJx");
}

static int
check_file(const struct file_template *t, struct mm_block_engine *engine,
    struct mm_diag *diag)
{
	static const char *const newlines[] = { "\r\n", "\n" };

	for (int full = 1; full >= 0; full--)
		for (size_t n = 0; n < G_N_ELEMENTS(newlines); n++) {
			struct mm_target target;
			int rc;

			check_target(&target, t->type, full);
			rc = round_trip(t, engine, &target, newlines[n], diag);
			mm_target_release(&target);
			if (rc < 0)
				return -1;
		}
	return 0;
}

static int
load_file(struct mm_templates *templates, const char *dir, const char *name,
    struct mm_block_engine *engine, struct mm_diag *diag)
{
	struct file_template *t = g_new0(struct file_template, 1);
	GError *error = NULL;
	char *data = NULL;
	gsize len = 0;
	GStatBuf st;
	int rc = -1;

	if (!parse_file_name(name, &t->type, &t->tag, &t->kind)) {
		file_template_free(t);
		return 0;
	}
	t->lcid = tag_lcid(t->tag);
	t->path = g_build_filename(dir, name, NULL);
	if (g_stat(t->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = 0;
		goto out;
	}
	if (g_stat(t->path, &st) == 0 &&
	    (unsigned long long)st.st_size > MM_LIMIT_BODY_SIZE) {
		mm_diag_set(diag, MM_DIAG_LIMIT, "template is larger than "
		    "MM_LIMIT_BODY_SIZE (%zu octets) (%s)",
		    (size_t)MM_LIMIT_BODY_SIZE, t->path);
		goto out;
	}
	if (!g_file_get_contents(t->path, &data, &len, &error)) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot read template: %s",
		    error->message);
		goto out;
	}
	if (!g_utf8_validate(data, (gssize)len, NULL) ||
	    memchr(data, '\0', len) != NULL) {
		mm_diag_set(diag, MM_DIAG_DATA, "template is not UTF-8 text "
		    "(%s)", t->path);
		goto out;
	}
	if (parse_file(t, data, len, diag) < 0 ||
	    check_file(t, engine, diag) < 0)
		goto out;
	g_ptr_array_add(templates->files, t);
	t = NULL;
	rc = 0;
out:
	if (error != NULL)
		g_error_free(error);
	g_free(data);
	file_template_free(t);
	return rc;
}

struct mm_templates *
mm_templates_load(const char *dir, struct mm_block_engine *engine,
    struct mm_diag *diag)
{
	struct mm_templates *templates = g_new0(struct mm_templates, 1);
	struct mm_templates *loaded = NULL;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	DIR *folder = opendir(dir);
	struct dirent *entry;

	templates->files = g_ptr_array_new_with_free_func(file_template_free);
	if (folder == NULL) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open templates %s: %s",
		    dir, g_strerror(errno));
		goto out;
	}
	while ((entry = readdir(folder)) != NULL)
		g_ptr_array_add(names, g_strdup(entry->d_name));
	closedir(folder);
	/* In name order, so that errors and choices do not depend on readdir. */
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		if (load_file(templates, dir, g_ptr_array_index(names, i),
		    engine, diag) < 0)
			goto out;
	for (guint i = 0; i < templates->files->len; i++) {
		const struct file_template *t =
		    g_ptr_array_index(templates->files, i);

		add_rendering_patterns(set, t, NULL, t->type, t->kind);
	}
	templates->patterns = patterns_of(g_steal_pointer(&set));
	loaded = g_steal_pointer(&templates);
out:
	if (set != NULL)
		g_hash_table_destroy(set);
	g_ptr_array_free(names, true);
	mm_templates_free(templates);
	return loaded;
}

void
mm_templates_free(struct mm_templates *templates)
{
	if (templates == NULL)
		return;
	g_ptr_array_free(templates->files, true);
	patterns_free(templates->patterns);
	g_free(templates);
}
