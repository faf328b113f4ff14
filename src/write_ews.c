/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * EWS UpdateItem output (see write_ews.h).  This module owns the libxml2
 * text writer it serializes with and the table of add-in properties it
 * keeps consistent.  It reads the model and the EWS facts the reader kept;
 * it never changes a meeting, never writes a file, and never puts in the
 * request a field it was not asked to change.
 */
#include "config.h"

#include <string.h>

#include <libxml/xmlwriter.h>

#include "contentline.h"
#include "read_ews.h"
#include "write_ews.h"

#define NS_SOAP "http://schemas.xmlsoap.org/soap/envelope/"

/* ------------------------------------------------------------------ */
/* The body.                                                           */

/* The normalized character ending at raw[end - 1] ('\n' for CR and CRLF). */
static char
unit_before(const char *raw, size_t start, size_t end, size_t *width)
{
	*width = 1;
	if (raw[end - 1] == '\n' && end - 1 > start && raw[end - 2] == '\r') {
		*width = 2;
		return '\n';
	}
	return raw[end - 1] == '\r' ? '\n' : raw[end - 1];
}

/* The normalized character starting at raw[i]. */
static char
unit_at(const char *raw, size_t i, size_t len, size_t *width)
{
	*width = 1;
	if (raw[i] == '\r') {
		if (i + 1 < len && raw[i + 1] == '\n')
			*width = 2;
		return '\n';
	}
	return raw[i];
}

/*
 * NEW is RAW after iCalendar TEXT escaping and unescaping (CRLF and a lone
 * CR became LF) and after the rewrite replaced a span.  The longest common
 * prefix and suffix, compared with RAW's line breaks normalized, are taken
 * from RAW, so every octet outside the rewritten span is RAW's own; the
 * span comes from NEW with RAW's line-break convention.
 */
static char *
restore_octets(const char *raw, size_t raw_len, const char *new_text,
    size_t new_len, size_t *out_len)
{
	GString *out = g_string_sized_new(new_len + new_len / 16 + 16);
	size_t i = 0, j = 0, ri = raw_len, nj = new_len, width, k;
	bool crlf = g_strstr_len(raw, (gssize)raw_len, "\r\n") != NULL;

	while (i < raw_len && j < new_len &&
	    unit_at(raw, i, raw_len, &width) == new_text[j]) {
		i += width;
		j++;
	}
	while (ri > i && nj > j &&
	    unit_before(raw, i, ri, &width) == new_text[nj - 1]) {
		ri -= width;
		nj--;
	}
	g_string_append_len(out, raw, (gssize)i);
	for (k = j; k < nj; k++) {
		if (new_text[k] == '\n' && crlf)
			g_string_append_c(out, '\r');
		g_string_append_c(out, new_text[k]);
	}
	g_string_append_len(out, raw + ri, (gssize)(raw_len - ri));
	*out_len = out->len;
	return g_string_free(out, FALSE);
}

/* The event's body line: X-ALT-DESC;FMTTYPE=text/html or DESCRIPTION. */
static int
body_prop(const struct mm_event *ev, enum mm_ews_body_type type)
{
	size_t i;

	if (type == MM_EWS_BODY_TEXT)
		return mm_event_find(ev, "DESCRIPTION");
	for (i = 0; i < ev->prop_count; i++) {
		const struct mm_prop *p = &ev->props[i];
		char *fmt;
		bool html;

		if (!mm_contentline_name_is(p->line, p->name_len, "X-ALT-DESC"))
			continue;
		fmt = mm_contentline_param(p->line, p->name_len, p->value_off,
		    "FMTTYPE");
		html = fmt != NULL && g_ascii_strcasecmp(fmt, "text/html") == 0;
		g_free(fmt);
		if (html)
			return (int)i;
	}
	return -1;
}

char *
mm_write_ews_body(const struct mm_meeting *meeting, size_t index, size_t *len,
    struct mm_diag *diag)
{
	const struct mm_ews_event *eev;
	const struct mm_event *ev;
	const struct mm_prop *p;
	char *text, *body;
	size_t text_len;
	int at;

	if (meeting->ews == NULL || index >= meeting->ews->event_count ||
	    index >= meeting->event_count) {
		mm_diag_set(diag, MM_DIAG_USAGE,
		    "no EWS facts for event %zu (%s:%u, UID %s)", index,
		    meeting->source, meeting->lineno,
		    meeting->uid != NULL ? meeting->uid : "none");
		return NULL;
	}
	eev = &meeting->ews->events[index];
	ev = meeting->events[index];
	at = eev->body_type == MM_EWS_BODY_NONE ? -1 :
	    body_prop(ev, eev->body_type);
	if (at < 0) {
		mm_diag_set(diag, MM_DIAG_DATA, "item has no body to update "
		    "(%s:%u, UID %s)", meeting->source, eev->lineno,
		    meeting->uid != NULL ? meeting->uid : "none");
		return NULL;
	}
	p = &ev->props[at];
	mm_text_unescape(p->line + p->value_off, p->len - p->value_off, &text,
	    &text_len, NULL);
	if (eev->body == NULL) {
		*len = text_len;
		return text;
	}
	body = restore_octets(eev->body, eev->body_len, text, text_len, len);
	g_free(text);
	return body;
}

/* ------------------------------------------------------------------ */
/* The add-in properties ([TAS]; meeting-blocks.md section 2.4).       */

enum family {
	FAMILY_SFB,
	FAMILY_TEAMS,
	FAMILY_BOTH,
};

enum source {
	SOURCE_NONE,            /* no new value: the property goes */
	SOURCE_JOIN_URL,
	SOURCE_CONFERENCE_ID,
	SOURCE_CONF_LINK,
	SOURCE_TOLL_NUMBER,
	SOURCE_TEAMS_PROPERTIES,
};

static const struct {
	const char *name;
	enum family family;
	enum source source;
} addin_props[] = {
	{ "OnlineMeetingExternalLink", FAMILY_SFB, SOURCE_JOIN_URL },
	{ "OnlineMeetingInternalLink", FAMILY_SFB, SOURCE_JOIN_URL },
	{ "OnlineMeetingConfLink", FAMILY_BOTH, SOURCE_CONF_LINK },
	{ "OnlineMeetingConferenceId", FAMILY_SFB, SOURCE_CONFERENCE_ID },
	{ "OnlineMeetingTollNumber", FAMILY_SFB, SOURCE_TOLL_NUMBER },
	{ "ConferenceTelURI", FAMILY_SFB, SOURCE_NONE },
	{ "UCOpenedConferenceID", FAMILY_SFB, SOURCE_NONE },
	{ "UCMeetingSetting", FAMILY_SFB, SOURCE_NONE },
	{ "UCMeetingSettingSent", FAMILY_SFB, SOURCE_NONE },
	{ "UCCapabilities", FAMILY_SFB, SOURCE_NONE },
	{ "UCCapabilitiesLength", FAMILY_SFB, SOURCE_NONE },
	{ "UCInband", FAMILY_SFB, SOURCE_NONE },
	{ "UCInbandLength", FAMILY_SFB, SOURCE_NONE },
	{ "SkypeTeamsMeetingUrl", FAMILY_TEAMS, SOURCE_JOIN_URL },
	{ "SkypeTeamsProperties", FAMILY_TEAMS, SOURCE_TEAMS_PROPERTIES },
	{ "SchedulingServiceMeetingOptionsUrl", FAMILY_TEAMS, SOURCE_NONE },
	{ "SchedulingServiceUpdateUrl", FAMILY_TEAMS, SOURCE_NONE },
};

struct prop_change {
	const char *name;       /* static */
	char *value;            /* owned; NULL: delete */
};

static void
append_json_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			g_string_append_c(out, '\\');
		if ((unsigned char)*s < 0x20)
			g_string_append_printf(out, "\\u%04x", (unsigned char)*s);
		else
			g_string_append_c(out, *s);
	}
	g_string_append_c(out, '"');
}

static char *
new_value(enum source source, const struct mm_ews_update *u)
{
	const char *v = NULL;
	GString *json;

	switch (source) {
	case SOURCE_NONE:
		break;
	case SOURCE_JOIN_URL:
		v = u->join_url;
		break;
	case SOURCE_CONFERENCE_ID:
		v = u->conference_id;
		break;
	case SOURCE_CONF_LINK:
		v = u->conf_link;
		break;
	case SOURCE_TOLL_NUMBER:
		v = u->toll_number;
		break;
	case SOURCE_TEAMS_PROPERTIES:
		if (u->teams_thread_id == NULL || *u->teams_thread_id == '\0')
			break;
		/* The Teams add-in's own shape ([TAS]). */
		json = g_string_new("{\"cid\":");
		append_json_string(json, u->teams_thread_id);
		g_string_append(json, ",\"private\":true,\"type\":0,\"mid\":0,"
		    "\"rid\":0,\"uid\":null}");
		return g_string_free(json, FALSE);
	}
	return v != NULL && *v != '\0' ? g_strdup(v) : NULL;
}

/*
 * Which properties to set and which to delete.  A property of the new
 * block's kind with a new value is set; every other add-in property goes,
 * as the one it described is gone.  When the dump shows the item's
 * PublicStrings properties only those it has are deleted; when it shows
 * none (the script did not ask for them) all are, which costs nothing on
 * the server for a property that is absent.
 */
static GArray *
plan_props(const struct mm_ews_item *ews, const struct mm_ews_update *u)
{
	GArray *changes = g_array_new(FALSE, TRUE, sizeof(struct prop_change));
	enum family target = u->target == MM_BLOCK_TEAMS ? FAMILY_TEAMS :
	    FAMILY_SFB;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(addin_props); i++) {
		struct prop_change c;

		c.name = addin_props[i].name;
		c.value = NULL;
		if (addin_props[i].family == target ||
		    addin_props[i].family == FAMILY_BOTH)
			c.value = new_value(addin_props[i].source, u);
		if (c.value == NULL && ews->has_public_strings &&
		    mm_ews_item_prop(ews, c.name) == NULL)
			continue;
		g_array_append_val(changes, c);
	}
	return changes;
}

static void
plan_free(GArray *changes)
{
	guint i;

	for (i = 0; i < changes->len; i++)
		g_free(g_array_index(changes, struct prop_change, i).value);
	g_array_free(changes, TRUE);
}

/* ------------------------------------------------------------------ */
/* The request.                                                        */

#define X(call) do { if ((call) < 0) goto fail; } while (0)
#define BC(s) ((const xmlChar *)(s))

static int
write_field_uri(xmlTextWriterPtr w, const char *name)
{
	if (xmlTextWriterStartElement(w, BC("t:ExtendedFieldURI")) < 0 ||
	    xmlTextWriterWriteAttribute(w, BC("DistinguishedPropertySetId"),
	    BC("PublicStrings")) < 0 ||
	    xmlTextWriterWriteAttribute(w, BC("PropertyName"), BC(name)) < 0 ||
	    xmlTextWriterWriteAttribute(w, BC("PropertyType"), BC("String")) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
write_change(xmlTextWriterPtr w, const struct mm_ews_event *eev,
    const char *body, const GArray *changes)
{
	guint i;

	X(xmlTextWriterStartElement(w, BC("t:ItemChange")));
	X(xmlTextWriterStartElement(w, BC("t:ItemId")));
	X(xmlTextWriterWriteAttribute(w, BC("Id"), BC(eev->item_id)));
	if (eev->change_key != NULL && *eev->change_key != '\0')
		X(xmlTextWriterWriteAttribute(w, BC("ChangeKey"),
		    BC(eev->change_key)));
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterStartElement(w, BC("t:Updates")));
	X(xmlTextWriterStartElement(w, BC("t:SetItemField")));
	X(xmlTextWriterStartElement(w, BC("t:FieldURI")));
	X(xmlTextWriterWriteAttribute(w, BC("FieldURI"), BC("item:Body")));
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterStartElement(w, BC("t:CalendarItem")));
	X(xmlTextWriterStartElement(w, BC("t:Body")));
	X(xmlTextWriterWriteAttribute(w, BC("BodyType"),
	    BC(eev->body_type == MM_EWS_BODY_HTML ? "HTML" : "Text")));
	/* Escapes <, >, & and CR (as &#13;), so the octets survive. */
	X(xmlTextWriterWriteString(w, BC(body)));
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterEndElement(w));
	for (i = 0; i < changes->len; i++) {
		const struct prop_change *c =
		    &g_array_index(changes, struct prop_change, i);

		if (c->value == NULL)
			continue;
		X(xmlTextWriterStartElement(w, BC("t:SetItemField")));
		X(write_field_uri(w, c->name));
		X(xmlTextWriterStartElement(w, BC("t:CalendarItem")));
		X(xmlTextWriterStartElement(w, BC("t:ExtendedProperty")));
		X(write_field_uri(w, c->name));
		X(xmlTextWriterWriteElement(w, BC("t:Value"), BC(c->value)));
		X(xmlTextWriterEndElement(w));
		X(xmlTextWriterEndElement(w));
		X(xmlTextWriterEndElement(w));
	}
	for (i = 0; i < changes->len; i++) {
		const struct prop_change *c =
		    &g_array_index(changes, struct prop_change, i);

		if (c->value != NULL)
			continue;
		X(xmlTextWriterStartElement(w, BC("t:DeleteItemField")));
		X(write_field_uri(w, c->name));
		X(xmlTextWriterEndElement(w));
	}
	X(xmlTextWriterEndElement(w));         /* t:Updates */
	X(xmlTextWriterEndElement(w));         /* t:ItemChange */
	return 0;
fail:
	return -1;
}

int
mm_write_ews_update(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected, const struct mm_ews_update *update,
    struct mm_diag *diag)
{
	const struct mm_ews_item *ews = meeting->ews;
	const char *uid = meeting->uid != NULL ? meeting->uid : "none";
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	GArray *changes = NULL;
	char **bodies = NULL;
	size_t i, selected = 0, len;
	int rc = -1;

	if (ews == NULL || ews->event_count != meeting->event_count) {
		mm_diag_set(diag, MM_DIAG_USAGE, "an EWS update needs EWS input "
		    "(%s:%u, UID %s)", meeting->source, meeting->lineno, uid);
		goto out;
	}
	if (update->join_url == NULL || *update->join_url == '\0') {
		mm_diag_set(diag, MM_DIAG_USAGE, "an EWS update needs the new "
		    "join URL (%s:%u, UID %s)", meeting->source, meeting->lineno,
		    uid);
		goto out;
	}
	/* Everything that can be refused is, before a byte is written. */
	bodies = g_new0(char *, meeting->event_count);
	for (i = 0; i < meeting->event_count; i++) {
		const struct mm_ews_event *eev = &ews->events[i];

		if (event_selected != NULL && !event_selected[i])
			continue;
		selected++;
		if (eev->item_id == NULL || *eev->item_id == '\0') {
			mm_diag_set(diag, MM_DIAG_DATA, "item has no ItemId to "
			    "update (%s:%u, UID %s)", meeting->source,
			    eev->lineno, uid);
			goto out;
		}
		if (eev->body_truncated) {
			mm_diag_set(diag, MM_DIAG_DATA, "item body is truncated "
			    "(IsTruncated): it cannot be updated (%s:%u, UID %s)",
			    meeting->source, eev->lineno, uid);
			goto out;
		}
		bodies[i] = mm_write_ews_body(meeting, i, &len, diag);
		if (bodies[i] == NULL)
			goto out;
	}
	if (selected == 0) {
		mm_diag_set(diag, MM_DIAG_DATA, "no item to update (%s:%u, UID %s)",
		    meeting->source, meeting->lineno, uid);
		goto out;
	}

	changes = plan_props(ews, update);
	buf = xmlBufferCreate();
	w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (w == NULL)
		goto fail;
	X(xmlTextWriterSetIndent(w, 1));
	X(xmlTextWriterSetIndentString(w, BC(" ")));
	X(xmlTextWriterStartDocument(w, NULL, "utf-8", NULL));
	X(xmlTextWriterStartElement(w, BC("soap:Envelope")));
	X(xmlTextWriterWriteAttribute(w, BC("xmlns:soap"), BC(NS_SOAP)));
	X(xmlTextWriterWriteAttribute(w, BC("xmlns:t"), BC(MM_EWS_NS_TYPES)));
	X(xmlTextWriterStartElement(w, BC("soap:Header")));
	X(xmlTextWriterStartElement(w, BC("t:RequestServerVersion")));
	X(xmlTextWriterWriteAttribute(w, BC("Version"),
	    BC(update->server_version != NULL ? update->server_version :
	    "Exchange2010_SP2")));
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterEndElement(w));
	X(xmlTextWriterStartElement(w, BC("soap:Body")));
	/*
	 * The namespaces again on m:UpdateItem, as the Managed API writes
	 * them, so the payload stands alone (for schema validation).
	 * MessageDisposition is for messages; Microsoft's docs send SaveOnly
	 * with calendar items too, and it is harmless there.
	 */
	X(xmlTextWriterStartElement(w, BC("m:UpdateItem")));
	X(xmlTextWriterWriteAttribute(w, BC("xmlns:m"), BC(MM_EWS_NS_MESSAGES)));
	X(xmlTextWriterWriteAttribute(w, BC("xmlns:t"), BC(MM_EWS_NS_TYPES)));
	X(xmlTextWriterWriteAttribute(w, BC("MessageDisposition"),
	    BC("SaveOnly")));
	X(xmlTextWriterWriteAttribute(w, BC("ConflictResolution"),
	    BC("AutoResolve")));
	X(xmlTextWriterWriteAttribute(w,
	    BC("SendMeetingInvitationsOrCancellations"),
	    BC("SendToAllAndSaveCopy")));
	X(xmlTextWriterStartElement(w, BC("m:ItemChanges")));
	for (i = 0; i < meeting->event_count; i++)
		if (bodies[i] != NULL &&
		    write_change(w, &ews->events[i], bodies[i], changes) < 0)
			goto fail;
	X(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w);
	w = NULL;
	g_string_append_len(out, (const char *)xmlBufferContent(buf),
	    (gssize)xmlBufferLength(buf));
	rc = 0;
	goto out;
fail:
	mm_diag_set(diag, MM_DIAG_INTERNAL, "libxml2 cannot write the EWS "
	    "update (%s:%u, UID %s)", meeting->source, meeting->lineno, uid);
out:
	if (w != NULL)
		xmlFreeTextWriter(w);
	if (buf != NULL)
		xmlBufferFree(buf);
	if (changes != NULL)
		plan_free(changes);
	for (i = 0; bodies != NULL && i < meeting->event_count; i++)
		g_free(bodies[i]);
	g_free(bodies);
	return rc;
}
