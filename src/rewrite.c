/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The rewrite owns the change made to a selected meeting: the new block in
 * each body of each event the update covers, the properties that describe
 * the online meeting, SEQUENCE and DTSTAMP.  It splices the new block into the
 * escaped value at the raw offsets the selection mapped, and escapes only the
 * new block, so that every octet outside the block stays as it was read
 * (DESIGN.md "Replacement").  It never reads input files or writes output.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "contentline.h"
#include "rewrite.h"
#include "template.h"

#define EVIDENCE_NOT_JUDGED "block not compared with the templates: " \
	"no line of it is known"

static bool
has_evidence(const struct mm_verdict *v, const char *text)
{
	for (guint i = 0; v->evidence != NULL && i < v->evidence->len; i++)
		if (strcmp(g_ptr_array_index(v->evidence, i), text) == 0)
			return true;
	return false;
}

/* The first complete block among the bodies of event EVENT, or NULL. */
static const struct mm_block *
event_block(const struct mm_verdict *v, size_t event)
{
	for (size_t i = 0; i < v->body_count; i++) {
		const struct mm_body *b = &v->bodies[i];

		if (b->event == event && b->found == MM_BLOCK_FOUND)
			return &b->block;
	}
	return NULL;
}

/* Whether BODY's block is already exactly RENDERED. */
static bool
block_equals(const struct mm_body *body, const char *rendered)
{
	size_t old_len = body->block.end - body->block.start;

	return strlen(rendered) == old_len &&
	    memcmp(body->text + body->block.start, rendered, old_len) == 0;
}

/*
 * The new raw (escaped) value of BODY's property: the raw octets before and
 * after the block unchanged, the rendered block escaped in between.
 */
static GString *
splice_raw(const struct mm_event *ev, const struct mm_body *body,
    const char *rendered)
{
	const struct mm_prop *p = &ev->props[body->prop];
	const char *raw = p->line + p->value_off;
	size_t raw_len = p->len - p->value_off;
	size_t raw_start = body->raw_map[body->block.start];
	size_t raw_end = body->raw_map[body->block.end];
	GString *value = g_string_sized_new(raw_len + strlen(rendered));

	g_string_append_len(value, raw, (gssize)raw_start);
	mm_text_escape(value, rendered, strlen(rendered));
	g_string_append_len(value, raw + raw_end, (gssize)(raw_len - raw_end));
	return value;
}

/* SEQUENCE + 1 (absent means 0), X-MICROSOFT-CDO-APPT-SEQUENCE in step. */
static void
step_sequence(struct mm_event *ev, char **evidence)
{
	long long sequence = 0;
	int i = mm_event_find(ev, "SEQUENCE");
	char line[64];

	if (i >= 0) {
		const struct mm_prop *p = &ev->props[i];

		sequence = strtoll(p->line + p->value_off, NULL, 10);
		if (sequence < 0)
			sequence = 0;
	}
	sequence++;
	g_snprintf(line, sizeof line, "SEQUENCE:%lld", sequence);
	mm_event_put_line(ev, "SEQUENCE", line);
	if (mm_event_find(ev, "X-MICROSOFT-CDO-APPT-SEQUENCE") >= 0) {
		g_snprintf(line, sizeof line, "X-MICROSOFT-CDO-APPT-SEQUENCE:%lld",
		    sequence);
		mm_event_put_line(ev, "X-MICROSOFT-CDO-APPT-SEQUENCE", line);
	}
	if (evidence != NULL && *evidence == NULL)
		*evidence = g_strdup_printf("SEQUENCE %lld", sequence);
}

static void
put_dtstamp(struct mm_event *ev, int64_t now)
{
	GDateTime *t = g_date_time_new_from_unix_utc(now);
	char *stamp = g_date_time_format(t, "DTSTAMP:%Y%m%dT%H%M%SZ");

	mm_event_put_line(ev, "DTSTAMP", stamp);
	g_free(stamp);
	g_date_time_unref(t);
}

/* The unescaped TEXT value of property NAME, owned, or NULL. */
static char *
text_property(const struct mm_event *ev, const char *name)
{
	int i = mm_event_find(ev, name);
	const struct mm_prop *p;
	char *text;
	size_t len;

	if (i < 0)
		return NULL;
	p = &ev->props[i];
	mm_text_unescape(p->line + p->value_off, p->len - p->value_off, &text,
	    &len, NULL);
	return text;
}

/*
 * Sets property NAME to VALUE escaped as TEXT: its value when the event
 * has it (parameters kept), else a new line when ADD.  The X-MICROSOFT-*
 * properties are X- properties, which RFC 5545 section 3.8.8.2 types as
 * TEXT by default; Exchange escapes them so.
 */
static void
set_text_property(struct mm_event *ev, const char *name, const char *value,
    bool add)
{
	int i = mm_event_find(ev, name);
	GString *escaped;

	if (value == NULL || (i < 0 && !add))
		return;
	escaped = g_string_new(NULL);
	if (i >= 0) {
		mm_text_escape(escaped, value, strlen(value));
		mm_event_set_value(ev, (size_t)i, escaped->str, escaped->len);
	} else {
		g_string_append_printf(escaped, "%s:", name);
		mm_text_escape(escaped, value, strlen(value));
		mm_event_put_line(ev, name, escaped->str);
	}
	g_string_free(escaped, TRUE);
}

static void
remove_property(struct mm_event *ev, const char *name)
{
	int i;

	while ((i = mm_event_find(ev, name)) >= 0)
		mm_event_remove(ev, (size_t)i);
}

/*
 * The SIP user of the conference URI: the one the old
 * X-MICROSOFT-ONLINEMEETINGCONFLINK names (the organizer's SIP address,
 * which need not be the ORGANIZER mail address), else ORGANIZER's address
 * without its scheme.  Owned.
 */
static char *
conference_user(const struct mm_meeting *m, const struct mm_event *ev)
{
	char *old = text_property(ev, "X-MICROSOFT-ONLINEMEETINGCONFLINK");
	const char *a = m->organizer.address;
	char *user = NULL;

	if (old != NULL && g_str_has_prefix(old, "conf:sip:"))
		user = g_strndup(old + 9, strcspn(old + 9, ";"));
	g_free(old);
	if (user != NULL && *user != '\0')
		return user;
	g_free(user);
	if (a != NULL && g_ascii_strncasecmp(a, "sip:", 4) == 0)
		a += 4;
	return g_strdup(a != NULL ? a : "");
}

/*
 * The Teams form of X-MICROSOFT-ONLINEMEETINGCONFLINK
 * (reference/meeting-blocks.md section 2.1): the thread id with "@"
 * written "-", the organizer and tenant ids without dashes.  NULL when the
 * join URL does not carry them.
 */
/* TEXT without its '-' characters (GUIDs as the conference URI writes them). */
static char *
without_dashes(const char *text)
{
	GString *out = g_string_new(NULL);

	for (const char *p = text; *p != '\0'; p++)
		if (*p != '-')
			g_string_append_c(out, *p);
	return g_string_free(out, FALSE);
}

static char *
teams_conf_link(const struct mm_meeting *m, const struct mm_event *ev,
    const char *join_url)
{
	char *thread = mm_block_teams_thread_id(join_url);
	char *tenant = NULL, *oid = NULL, *link = NULL;
	char *user = conference_user(m, ev);

	if (thread != NULL && mm_block_teams_context(join_url, &tenant, &oid) == 0) {
		char *tenant_bare = without_dashes(tenant);
		char *oid_bare = without_dashes(oid);

		g_strdelimit(thread, "@", '-');
		link = g_strdup_printf("conf:sip:%s;gruu;opaque=app:conf:focus:id:"
		    "teams:2:0!%s!%s!%s", user, thread, oid_bare, tenant_bare);
		g_free(tenant_bare);
		g_free(oid_bare);
	}
	g_free(thread);
	g_free(tenant);
	g_free(oid);
	g_free(user);
	return link;
}

/* SkypeTeamsProperties with its "cid" set to THREAD. */
static char *
teams_properties(const char *old, const char *thread)
{
	const char *cid = old != NULL ? strstr(old, "\"cid\"") : NULL;
	const char *open, *close;

	if (cid != NULL && (open = strchr(cid + 5, '"')) != NULL &&
	    (close = strchr(open + 1, '"')) != NULL)
		return g_strdup_printf("%.*s%s%s", (int)(open + 1 - old), old,
		    thread, close);
	return g_strdup_printf("{\"cid\":\"%s\",\"private\":true,\"type\":0,"
	    "\"mid\":0,\"rid\":0,\"uid\":null}", thread);
}

/*
 * LOCATION and the location properties that only name the online meeting
 * ("Skype Meeting") follow the new block; a room the organizer typed is
 * left alone.
 */
static void
align_location(struct mm_event *ev, const struct mm_target *target,
    const char *language)
{
	char *old = text_property(ev, "LOCATION");
	const char *old_language = NULL;
	const char *now;
	static const char *const json_props[] = {
		"X-MICROSOFT-LOCATIONS", "X-MICROSOFT-LOCATIONDISPLAYNAME",
	};

	if (old == NULL || !mm_template_is_location(old, &old_language)) {
		g_free(old);
		return;
	}
	/* The location keeps its own language (and LANGUAGE parameter). */
	now = mm_template_location(target->type,
	    old_language != NULL ? old_language : language);
	if (strcmp(old, now) == 0) {
		g_free(old);
		return;
	}
	set_text_property(ev, "LOCATION", now, false);
	for (size_t k = 0; k < G_N_ELEMENTS(json_props); k++) {
		char *value = text_property(ev, json_props[k]);
		char **parts;
		char *joined;

		if (value == NULL)
			continue;
		parts = g_strsplit(value, old, -1);
		joined = g_strjoinv(now, parts);
		set_text_property(ev, json_props[k], joined, false);
		g_strfreev(parts);
		g_free(joined);
		g_free(value);
	}
	g_free(old);
}

/*
 * Makes the properties that clients read before the body agree with the new
 * block, or they keep showing the old Join button (reference/meeting-blocks.md
 * section 2.1).  Skype-only properties go when the target is Teams.
 */
static void
align_properties(const struct mm_meeting *m, struct mm_event *ev,
    const struct mm_target *target, const char *language)
{
	static const char *const skype_only[] = {
		"X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
		"X-MICROSOFT-ONLINEMEETINGINTERNALLINK",
		"X-MICROSOFT-ONLINEMEETINGCONFERENCEID",
		"X-MICROSOFT-ONLINEMEETINGTOLLNUMBER",
	};

	if (target->type == MM_BLOCK_TEAMS) {
		char *thread = mm_block_teams_thread_id(target->join_url);
		char *link = teams_conf_link(m, ev, target->join_url);

		set_text_property(ev, "X-MICROSOFT-SKYPETEAMSMEETINGURL",
		    target->join_url, true);
		if (thread != NULL) {
			char *old = text_property(ev,
			    "X-MICROSOFT-SKYPETEAMSPROPERTIES");
			char *props = teams_properties(old, thread);

			set_text_property(ev, "X-MICROSOFT-SKYPETEAMSPROPERTIES",
			    props, true);
			g_free(old);
			g_free(props);
		}
		if (link != NULL)
			set_text_property(ev, "X-MICROSOFT-ONLINEMEETINGCONFLINK",
			    link, true);
		else
			remove_property(ev, "X-MICROSOFT-ONLINEMEETINGCONFLINK");
		for (size_t k = 0; k < G_N_ELEMENTS(skype_only); k++)
			remove_property(ev, skype_only[k]);
		g_free(thread);
		g_free(link);
	} else {
		char *link = NULL;

		if (target->join_url != NULL) {
			const char *key = strrchr(target->join_url, '/');
			char *user = conference_user(m, ev);

			link = g_strdup_printf("conf:sip:%s;gruu;opaque=app:conf:"
			    "focus:id:%s", user, key ? key + 1 : "");
			g_free(user);
		}
		set_text_property(ev, "X-MICROSOFT-ONLINEMEETINGCONFLINK", link,
		    false);
		set_text_property(ev, "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
		    target->join_url, false);
		set_text_property(ev, "X-MICROSOFT-ONLINEMEETINGCONFERENCEID",
		    target->conference_id, false);
		set_text_property(ev, "X-MICROSOFT-ONLINEMEETINGTOLLNUMBER",
		    target->toll_number, false);
		g_free(link);
	}
	align_location(ev, target, language);
}

/*
 * A block the organizer edited is replaced all the same, as MMS does
 * (reference/meeting-blocks.md §0: "their changes will be overwritten"),
 * but the verdict says so, with the first line no template explains
 * (template.h, mm_templates_edited()).  One such line per meeting is
 * enough evidence; a block in a layout or language nothing knows is said
 * to be unjudged once.
 */
static void
note_edit(struct mm_verdict *verdict, const struct mm_body *body,
    const struct mm_templates *templates)
{
	char *text = mm_block_text(body->text, body->len, &body->block,
	    body->kind);
	char *line = NULL;

	switch (mm_templates_edited(templates, text, &line)) {
	case MM_TEMPLATE_EDITED:
		if (verdict->edited_line == NULL) {
			mm_verdict_evidence(verdict, "block edited: \"%s\"", line);
			verdict->edited_line = line;
			line = NULL;
		}
		break;
	case MM_TEMPLATE_NOT_JUDGED:
		if (!has_evidence(verdict, EVIDENCE_NOT_JUDGED))
			mm_verdict_evidence(verdict, "%s", EVIDENCE_NOT_JUDGED);
		break;
	case MM_TEMPLATE_AS_WRITTEN:
		break;
	}
	g_free(line);
	g_free(text);
}

int
mm_rewrite_meeting(struct mm_meeting *meeting, struct mm_verdict *verdict,
    const struct mm_rewrite_options *opt, struct mm_diag *diag)
{
	struct mm_target *targets = NULL;
	char **rendered = NULL;
	const char *language = opt->language;
	const char *language_used = NULL;
	size_t changed = 0, unchanged = 0;
	char *sequence_evidence = NULL;
	int rc = -1;

	if (verdict->result != MM_RESULT_UPDATED)
		return 0;
	if (language == NULL)
		language = mm_coords_language(opt->coords);

	targets = g_new0(struct mm_target, meeting->event_count);
	rendered = g_new0(char *, verdict->body_count);

	/*
	 * Resolve each covered event's target from its own block: a Teams
	 * exception may have its own join link (keyed by RECURRENCE-ID).
	 */
	for (size_t e = 0; e < meeting->event_count; e++) {
		const struct mm_block *old;
		enum mm_block_type type;
		int r;

		if (!verdict->event_selected[e])
			continue;
		old = event_block(verdict, e);
		if (old == NULL)
			continue;
		type = opt->target == MM_TARGET_TEAMS ? MM_BLOCK_TEAMS : old->type;
		r = mm_coords_resolve(opt->coords, opt->user,
		    meeting->organizer.address, meeting->uid,
		    meeting->events[e]->recurrence_id, type, old, &targets[e], diag);
		if (r < 0) {
			mm_verdict_set(verdict, MM_RESULT_FAILED, MM_REASON_NO_COORDINATES,
			    "%s", diag->message);
			mm_diag_clear(diag);
			rc = 0;
			goto out;
		}
		if (r == MM_COORDS_MISSING) {
			const char *rid = meeting->events[e]->recurrence_id;

			mm_verdict_set(verdict, MM_RESULT_FAILED, MM_REASON_NO_COORDINATES,
			    "no Teams join link for UID %s%s%s in the links file",
			    meeting->uid ? meeting->uid : "(none)",
			    rid ? " RECURRENCE-ID " : "", rid ? rid : "");
			rc = 0;
			goto out;
		}
	}

	for (size_t i = 0; i < verdict->body_count; i++) {
		const struct mm_body *b = &verdict->bodies[i];
		const char *lang;

		if (b->found != MM_BLOCK_FOUND || !verdict->event_selected[b->event])
			continue;
		if (targets[b->event].type == MM_BLOCK_NONE)
			continue;
		lang = language != NULL ? language : b->block.language;
		rendered[i] = mm_templates_render(opt->templates,
		    &targets[b->event], lang, b->kind, b->block.newline,
		    &language_used);
		if (block_equals(b, rendered[i]))
			unchanged++;
		else
			changed++;
	}

	if (changed == 0 && unchanged == 0) {
		mm_verdict_set(verdict, MM_RESULT_FAILED, MM_REASON_BLOCK_NOT_FOUND,
		    "no block to replace in the events the update covers");
		rc = 0;
		goto out;
	}
	if (changed == 0) {
		mm_verdict_set(verdict, MM_RESULT_SKIPPED, MM_REASON_ALREADY_MIGRATED,
		    NULL);
		mm_verdict_evidence(verdict, "block already carries the target coordinates");
		rc = 0;
		goto out;
	}

	for (size_t i = 0; i < verdict->body_count; i++) {
		const struct mm_body *b = &verdict->bodies[i];
		struct mm_event *ev = meeting->events[b->event];
		GString *value;

		if (rendered[i] == NULL)
			continue;
		note_edit(verdict, b, opt->templates);
		value = splice_raw(ev, b, rendered[i]);
		mm_event_set_value(ev, (size_t)b->prop, value->str, value->len);
		g_string_free(value, TRUE);
		mm_verdict_evidence(verdict, "replaced %s block in %s of event %zu",
		    mm_block_type_name(targets[b->event].type),
		    b->kind == MM_BODY_HTML ? "X-ALT-DESC" : "DESCRIPTION", b->event);
	}
	for (size_t e = 0; e < meeting->event_count; e++) {
		if (!verdict->event_selected[e])
			continue;
		if (targets[e].type != MM_BLOCK_NONE)
			align_properties(meeting, meeting->events[e], &targets[e],
			    language_used);
		step_sequence(meeting->events[e], &sequence_evidence);
		put_dtstamp(meeting->events[e], opt->now);
	}
	/* The writers of other formats (EWS) need the values too. */
	for (size_t e = 0; e < meeting->event_count; e++) {
		if (targets[e].type != MM_BLOCK_NONE) {
			mm_target_release(&verdict->target);
			verdict->target = targets[e];
			memset(&targets[e], 0, sizeof targets[e]);
			break;
		}
	}
	if (language_used != NULL)
		mm_verdict_evidence(verdict, "template %s", language_used);
	if (sequence_evidence != NULL)
		mm_verdict_evidence(verdict, "%s", sequence_evidence);
	rc = 0;
out:
	for (size_t e = 0; e < meeting->event_count; e++)
		mm_target_release(&targets[e]);
	g_free(targets);
	for (size_t i = 0; i < verdict->body_count; i++)
		g_free(rendered[i]);
	g_free(rendered);
	g_free(sequence_evidence);
	return rc;
}
