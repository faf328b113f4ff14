/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The model: meetings, their events as content lines, and the parties the
 * reader extracted.  This module owns the memory of all of them and the
 * small edits the rewrite makes to a line.  It never parses a value, never
 * reads or writes a file, and never changes an octet of a line it was not
 * asked to change.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "contentline.h"
#include "meeting.h"

struct mm_meeting *
mm_meeting_new(void)
{
	return g_new0(struct mm_meeting, 1);
}

void
mm_party_release(struct mm_party *party)
{
	if (party == NULL)
		return;
	g_free(party->address);
	g_free(party->name);
	g_free(party->partstat);
	memset(party, 0, sizeof(*party));
}

void
mm_meeting_free(struct mm_meeting *meeting)
{
	size_t i;

	if (meeting == NULL)
		return;
	for (i = 0; i < meeting->event_count; i++)
		mm_event_free(meeting->events[i]);
	g_free(meeting->events);
	for (i = 0; i < meeting->attendee_count; i++)
		mm_party_release(&meeting->attendees[i]);
	g_free(meeting->attendees);
	mm_party_release(&meeting->organizer);
	g_free(meeting->summary);
	g_free(meeting->uid);
	g_free(meeting->source);
	/*
	 * meeting->ews is opaque here: the EWS reader that fills it owns its
	 * layout and must release it, through meeting->ews_free.
	 */
	if (meeting->ews != NULL && meeting->ews_free != NULL)
		meeting->ews_free(meeting->ews);
	g_free(meeting);
}

void
mm_meeting_add_event(struct mm_meeting *meeting, struct mm_event *event)
{
	meeting->events = g_renew(struct mm_event *, meeting->events,
	    meeting->event_count + 1);
	meeting->events[meeting->event_count++] = event;
}

struct mm_event *
mm_event_new(unsigned lineno)
{
	struct mm_event *event = g_new0(struct mm_event, 1);

	event->lineno = lineno;
	return event;
}

void
mm_event_free(struct mm_event *event)
{
	size_t i;

	if (event == NULL)
		return;
	for (i = 0; i < event->prop_count; i++)
		g_free(event->props[i].line);
	g_free(event->props);
	if (event->ical != NULL)
		icalcomponent_free(event->ical);
	g_free(event->parse_error);
	g_free(event->recurrence_id);
	g_free(event);
}

static void
reserve(struct mm_event *event, size_t more)
{
	if (event->prop_count + more <= event->prop_alloc)
		return;
	event->prop_alloc = event->prop_alloc ? event->prop_alloc * 2 : 16;
	while (event->prop_alloc < event->prop_count + more)
		event->prop_alloc *= 2;
	event->props = g_renew(struct mm_prop, event->props, event->prop_alloc);
}

/*
 * Fills a prop from an owned buffer.  A line without ':' is kept with an
 * empty name-and-value split (name_len == value_off == len) so that no
 * octet of the input is lost; the caller is told with -1.
 */
static int
prop_fill(struct mm_prop *prop, char *owned, size_t len, unsigned lineno)
{
	int rc = 0;

	prop->line = owned;
	prop->len = len;
	prop->lineno = lineno;
	prop->changed = false;
	if (mm_contentline_split(owned, len, &prop->name_len,
	    &prop->value_off) != 0) {
		prop->name_len = len;
		prop->value_off = len;
		rc = -1;
	}
	return rc;
}

int
mm_event_add_line(struct mm_event *event, const char *line, size_t len,
    unsigned lineno)
{
	reserve(event, 1);
	return prop_fill(&event->props[event->prop_count++],
	    g_strndup(line, len), len, lineno);
}

/* True for a BEGIN: or END: line; *delta is +1 or -1. */
static bool
is_nesting(const struct mm_prop *prop, int *delta)
{
	if (mm_contentline_name_is(prop->line, prop->name_len, "BEGIN")) {
		*delta = 1;
		return true;
	}
	if (mm_contentline_name_is(prop->line, prop->name_len, "END")) {
		*delta = -1;
		return true;
	}
	return false;
}

int
mm_event_find(const struct mm_event *event, const char *name)
{
	size_t i;
	int depth = 0, delta;

	for (i = 0; i < event->prop_count; i++) {
		const struct mm_prop *prop = &event->props[i];

		if (is_nesting(prop, &delta)) {
			/* An END without its BEGIN closes nothing. */
			if (depth + delta >= 0)
				depth += delta;
			continue;
		}
		if (depth == 0 &&
		    mm_contentline_name_is(prop->line, prop->name_len, name))
			return (int)i;
	}
	return -1;
}

void
mm_event_set_value(struct mm_event *event, size_t index, const char *value,
    size_t value_len)
{
	struct mm_prop *prop = &event->props[index];
	size_t head = prop->value_off;
	char *line;

	if (head == prop->len && head == prop->name_len) {
		/* A line that had no ':' gets one, so it can carry a value. */
		line = g_malloc(head + 1 + value_len + 1);
		memcpy(line, prop->line, head);
		line[head++] = ':';
	} else {
		line = g_malloc(head + value_len + 1);
		memcpy(line, prop->line, head);
	}
	memcpy(line + head, value, value_len);
	line[head + value_len] = '\0';
	g_free(prop->line);
	prop->line = line;
	prop->len = head + value_len;
	prop->value_off = head;
	prop->changed = true;
}

void
mm_event_put_line(struct mm_event *event, const char *name, const char *line)
{
	int index = mm_event_find(event, name);
	size_t len = strlen(line), at, i;
	int depth = 0, delta;

	if (index >= 0) {
		struct mm_prop *prop = &event->props[index];

		g_free(prop->line);
		prop_fill(prop, g_strndup(line, len), len, 0);
		prop->changed = true;
		return;
	}
	/* Before the first nested component, so it belongs to the event. */
	at = event->prop_count;
	for (i = 0; i < event->prop_count; i++) {
		if (is_nesting(&event->props[i], &delta) && delta > 0 &&
		    depth == 0) {
			at = i;
			break;
		}
	}
	reserve(event, 1);
	memmove(&event->props[at + 1], &event->props[at],
	    (event->prop_count - at) * sizeof(struct mm_prop));
	event->prop_count++;
	prop_fill(&event->props[at], g_strndup(line, len), len, 0);
	event->props[at].changed = true;
}

void
mm_event_remove(struct mm_event *event, size_t index)
{
	if (index >= event->prop_count)
		return;
	g_free(event->props[index].line);
	memmove(&event->props[index], &event->props[index + 1],
	    (event->prop_count - index - 1) * sizeof(struct mm_prop));
	event->prop_count--;
}

/*
 * The properties libical is given: those read from ev->ical (ORGANIZER and
 * STATUS by the readers, the times and recurrence by select.c).  The rest
 * are taken from the lines as written or copied as they are: the bodies
 * are most of the octets and the attendees most of the lines, and libical
 * looks every property and parameter name up by a linear string compare,
 * which an Outlook event's twenty X- properties pay in full.
 */
static const char *const for_libical[] = {
	"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE",
	"RECURRENCE-ID", "STATUS", "ORGANIZER",
};

static bool
is_for_libical(const struct mm_prop *p)
{
	for (size_t i = 0; i < G_N_ELEMENTS(for_libical); i++)
		if (mm_contentline_name_is(p->line, p->name_len, for_libical[i]))
			return true;
	return false;
}

icalcomponent *
mm_lines_parse(const struct mm_event *lines, const char *kind,
    bool (*keep)(const struct mm_prop *p, void *data), void *data)
{
	char *begin = g_strconcat("BEGIN:", kind, NULL);
	char *end = g_strconcat("END:", kind, NULL);
	icalparser *parser = icalparser_new();
	icalcomponent *comp = NULL;

	icalparser_add_line(parser, begin);
	for (size_t i = 0; i < lines->prop_count && comp == NULL; i++)
		if (keep == NULL || keep(&lines->props[i], data))
			comp = icalparser_add_line(parser, lines->props[i].line);
	if (comp == NULL)
		comp = icalparser_add_line(parser, end);
	if (comp == NULL) {
		/*
		 * Unbalanced nested components: take what was parsed.
		 * clean() returns a tree the parser still owns.
		 */
		comp = icalparser_clean(parser);
		if (comp != NULL)
			comp = icalcomponent_new_clone(comp);
	}
	icalparser_free(parser);
	g_free(end);
	g_free(begin);
	return comp;
}

/*
 * An event's own line that libical is needed for (is_for_libical()).
 * Nested components (VALARM) are left out whole: nothing reads them, and
 * their lines must not pass for the event's own.  DATA is the nesting
 * depth so far.
 */
static bool
keep_for_libical(const struct mm_prop *p, void *data)
{
	int *depth = data;

	if (p->name_len == p->len)
		return false;
	if (mm_contentline_name_is(p->line, p->name_len, "BEGIN")) {
		++*depth;
		return false;
	}
	if (mm_contentline_name_is(p->line, p->name_len, "END")) {
		*depth = *depth > 0 ? *depth - 1 : 0;
		return false;
	}
	return *depth == 0 && is_for_libical(p);
}

icalcomponent *
mm_event_parse(const struct mm_event *ev)
{
	int depth = 0;

	return mm_lines_parse(ev, "VEVENT", keep_for_libical, &depth);
}

void
mm_event_error(struct mm_event *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->parse_error != NULL)
		return;
	va_start(ap, fmt);
	ev->parse_error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/* Properties whose loss would change which occurrences a meeting has. */
static const char *const time_props[] = {
	"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE",
	"RECURRENCE-ID",
};

/*
 * libical drops a property it cannot parse and leaves an X-LIC-ERROR
 * saying "... in DTSTART property ...".  For the time properties that is
 * an error of the event; for the others libical's reading is good enough.
 */
static void
check_ical_errors(struct mm_event *ev, const char *source)
{
	icalproperty *x;

	for (x = icalcomponent_get_first_property(ev->ical,
	    ICAL_XLICERROR_PROPERTY); x != NULL && ev->parse_error == NULL;
	    x = icalcomponent_get_next_property(ev->ical,
	    ICAL_XLICERROR_PROPERTY)) {
		const char *text = icalproperty_get_xlicerror(x);
		size_t k;

		if (text == NULL)
			continue;
		for (k = 0; k < G_N_ELEMENTS(time_props); k++) {
			char *needle = g_strdup_printf(" in %s property",
			    time_props[k]);
			bool hit = strstr(text, needle) != NULL;
			int i;

			g_free(needle);
			if (!hit)
				continue;
			i = mm_event_find(ev, time_props[k]);
			if (i >= 0) {
				const struct mm_prop *p = &ev->props[i];

				mm_event_error(ev, "cannot parse %s: \"%.*s\" is "
				    "not a valid value (%s:%u)", time_props[k],
				    (int)MIN(p->len - p->value_off, 200),
				    p->line + p->value_off, source, p->lineno);
			} else {
				mm_event_error(ev, "cannot parse %s (%s:%u)",
				    time_props[k], source, ev->lineno);
			}
			break;
		}
	}
}

void
mm_meeting_parse(struct mm_meeting *m)
{
	const char *source = m->source != NULL ? m->source : "(input)";

	for (size_t i = 0; i < m->event_count; i++) {
		struct mm_event *ev = m->events[i];

		if (ev->ical != NULL || ev->parse_error != NULL)
			continue;
		ev->ical = mm_event_parse(ev);
		if (ev->ical == NULL) {
			mm_event_error(ev, "cannot parse VEVENT started at line "
			    "%u (%s)", ev->lineno, source);
			continue;
		}
		check_ical_errors(ev, source);
		if (i == 0)
			m->cancelled = icalcomponent_get_status(ev->ical) ==
			    ICAL_STATUS_CANCELLED;
	}
}
