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
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

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
 * Rendering.
 */

struct value {
	const char *name;
	const char *text;       /* NULL: not known */
};

struct context {
	const struct words *words;
	bool html;
	struct value values[24];
	size_t value_count;
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
    const char **text, bool *is_word)
{
	for (size_t i = 0; i < G_N_ELEMENTS(word_names); i++)
		if (strlen(word_names[i].name) == len &&
		    strncmp(word_names[i].name, name, len) == 0) {
			*text = *(const char *const *)(const void *)
			    ((const char *)ctx->words + word_names[i].offset);
			*is_word = true;
			return true;
		}
	for (size_t i = 0; i < ctx->value_count; i++)
		if (strlen(ctx->values[i].name) == len &&
		    strncmp(ctx->values[i].name, name, len) == 0) {
			*text = ctx->values[i].text;
			*is_word = false;
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
		bool is_word;

		if (!lookup(ctx, name, strlen(name), &text, &is_word))
			g_error("template condition %s is unknown", name);
		if ((text == NULL) != negate)
			return false;
	}
	while (*p != '\0') {
		const char *close;
		const char *text = NULL;
		bool is_word;

		if (*p != '{') {
			g_string_append_c(out, *p++);
			continue;
		}
		close = strchr(p, '}');
		if (close == NULL ||
		    !lookup(ctx, p + 1, (size_t)(close - p - 1), &text, &is_word))
			g_error("template placeholder %s is unknown", p);
		if (text == NULL) {
			g_string_truncate(out, mark);
			return false;
		}
		if (ctx->html)
			append_escaped(out, text);
		else
			g_string_append(out, text);
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

static const struct words *
find_language(const char *language)
{
	size_t primary;

	if (language == NULL)
		return &languages[0];
	for (size_t i = 0; i < G_N_ELEMENTS(languages); i++)
		if (g_ascii_strcasecmp(language, languages[i].tag) == 0)
			return &languages[i];
	primary = strcspn(language, "-_");
	for (size_t i = 0; i < G_N_ELEMENTS(languages); i++)
		if (primary == strcspn(languages[i].tag, "-") &&
		    g_ascii_strncasecmp(language, languages[i].tag, primary) == 0)
			return &languages[i];
	return &languages[0];
}

char *
mm_template_render(const struct mm_target *target, const char *language,
    enum mm_body_kind kind, const char *newline, const char **language_used)
{
	const struct words *words = find_language(language);
	struct context ctx = { .words = words, .html = kind == MM_BODY_HTML };
	const struct line *layout;
	size_t line_count;
	GString *out = g_string_new(NULL);
	GString *conference = NULL;
	char *conference_digits = NULL, *web_url = NULL, *help_url = NULL;
	char *learn_url = NULL, *toll_dial = NULL, *toll_free_dial = NULL;
	char lcid[16];
	bool first = true;

	if (newline == NULL)
		newline = "\n";
	if (language_used != NULL)
		*language_used = words->tag;
	g_snprintf(lcid, sizeof lcid, "%u", words->lcid);

	/*
	 * The conference ID is shown as given but without a trailing "#" (the
	 * Teams layout adds its own); the dial strings use its digits.
	 */
	if (target->conference_id != NULL) {
		conference = g_string_new(target->conference_id);
		while (conference->len > 0 &&
		    (conference->str[conference->len - 1] == '#' ||
		    conference->str[conference->len - 1] == ' '))
			g_string_truncate(conference, conference->len - 1);
		conference_digits = g_strdup(conference->str);
		only_digits(conference_digits);
	}
	if (target->type == MM_BLOCK_SFB) {
		layout = kind == MM_BODY_HTML ? sfb_html : sfb_text;
		line_count = kind == MM_BODY_HTML ? G_N_ELEMENTS(sfb_html) :
		    G_N_ELEMENTS(sfb_text);
		if (target->join_url != NULL)
			web_url = g_strconcat(target->join_url, "?sl=1", NULL);
		help_url = target->help_url != NULL ?
		    g_strdup(target->help_url) : g_strdup_printf(
		    "https://o15.officeredir.microsoft.com/r/rlidLync15"
		    "?clid=%u&p1=5&p2=2009", words->lcid);
		toll_dial = dial_string(target->toll_number, NULL);
		toll_free_dial = dial_string(target->toll_free_number, NULL);
	} else {
		layout = kind == MM_BODY_HTML ? teams_html : teams_text;
		line_count = kind == MM_BODY_HTML ? G_N_ELEMENTS(teams_html) :
		    G_N_ELEMENTS(teams_text);
		/*
		 * In text the language has no other carrier than this link;
		 * in HTML the lang attribute carries it, and "?omkt=" would
		 * make the block look like the 2024 layout.
		 */
		learn_url = kind == MM_BODY_HTML ?
		    g_strdup("https://aka.ms/JoinTeamsMeeting") :
		    g_strdup_printf("https://aka.ms/JoinTeamsMeeting?omkt=%s",
		    words->tag);
		help_url = g_strdup(target->help_url);
		toll_dial = dial_string(target->toll_number, conference_digits);
		toll_free_dial = dial_string(target->toll_free_number,
		    conference_digits);
	}
	set_value(&ctx, "rule_dots", RULE_DOTS);
	set_value(&ctx, "rule_underscores", RULE_UNDERSCORES);
	set_value(&ctx, "join_url", target->join_url);
	set_value(&ctx, "web_url", web_url);
	set_value(&ctx, "dialin_url", target->dialin_url);
	set_value(&ctx, "conference_id", conference != NULL ?
	    conference->str : NULL);
	set_value(&ctx, "toll_number", toll_dial != NULL ?
	    target->toll_number : NULL);
	set_value(&ctx, "toll_dial", toll_dial);
	set_value(&ctx, "toll_free_number", toll_free_dial != NULL ?
	    target->toll_free_number : NULL);
	set_value(&ctx, "toll_free_dial", toll_free_dial);
	set_value(&ctx, "meeting_id", target->meeting_id);
	set_value(&ctx, "passcode", target->passcode);
	set_value(&ctx, "provider", target->provider);
	set_value(&ctx, "help_url", help_url);
	set_value(&ctx, "learn_url", learn_url);
	set_value(&ctx, "reset_pin_url",
	    "https://dialin.teams.microsoft.com/usp/pstnconferencing");
	set_value(&ctx, "lcid", lcid);
	set_value(&ctx, "lang", words->tag);
	set_value(&ctx, "phone", target->toll_number != NULL ||
	    target->toll_free_number != NULL || conference != NULL ? "" : NULL);
	set_value(&ctx, "ids", target->meeting_id != NULL ||
	    target->passcode != NULL ? "" : NULL);

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

	if (conference != NULL)
		g_string_free(conference, true);
	g_free(conference_digits);
	g_free(web_url);
	g_free(help_url);
	g_free(learn_url);
	g_free(toll_dial);
	g_free(toll_free_dial);
	return g_string_free(out, false);
}

/*
 * Display texts other clients and languages put in LOCATION for an online
 * meeting, beyond the templates' own (reference/meeting-blocks.md 1.3).
 */
static const char *const other_locations[] = {
	"Microsoft Teams-møde", "Cuộc họp trong Microsoft Teams",
	"Online meeting", "Skype for Business Meeting", "Lync Meeting",
};

const char *
mm_template_location(enum mm_block_type type, const char *language)
{
	const struct words *words = find_language(language);

	return type == MM_BLOCK_SFB ? words->sfb_location : words->teams_location;
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
		if (g_ascii_strcasecmp(text, other_locations[i]) == 0)
			return true;
	return false;
}

const char *const *
mm_template_languages(void)
{
	return language_tags;
}
