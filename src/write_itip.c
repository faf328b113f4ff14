/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * iCalendar output: the iTIP REQUEST of one migrated meeting (RFC 5546
 * section 3.2.2) and the pieces of the organizer's calendar.ics.  This
 * module owns the VCALENDAR frame and which VTIMEZONEs go with which
 * events.  It writes content lines exactly as the model holds them (only
 * the folding is redone) and never parses, unescapes or changes a value.
 */
#include "config.h"

#include <string.h>

#include "contentline.h"
#include "tz.h"
#include "write_itip.h"

/*
 * No version number: golden outputs must not change with every release,
 * and RFC 5545 section 3.7.3 only asks that the product be identified.
 */
#define ITIP_PRODID     "-//meetmig//meetmig//EN"

static void
put_line(GString *out, const char *line)
{
	mm_contentline_fold(out, line, strlen(line));
}

static void
put_props(GString *out, const struct mm_event *event)
{
	size_t i;

	for (i = 0; i < event->prop_count; i++)
		mm_contentline_fold(out, event->props[i].line,
		    event->props[i].len);
}

void
mm_write_itip_begin(GString *out, const char *method)
{
	put_line(out, "BEGIN:VCALENDAR");
	put_line(out, "PRODID:" ITIP_PRODID);
	put_line(out, "VERSION:2.0");
	if (method != NULL) {
		char *line = g_strconcat("METHOD:", method, NULL);

		put_line(out, line);
		g_free(line);
	}
}

void
mm_write_itip_end(GString *out)
{
	put_line(out, "END:VCALENDAR");
}

static bool
is_selected(const bool *event_selected, size_t i)
{
	return event_selected == NULL || event_selected[i];
}

void
mm_write_itip_timezones(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected, GHashTable *seen)
{
	GHashTable *written = seen;
	size_t e, i;

	if (meeting->tzset == NULL)
		return;
	if (written == NULL)
		written = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    NULL);
	/*
	 * In the order the events first refer to them, so the output does not
	 * depend on hash order.  A TZID the file has no VTIMEZONE for (a
	 * Windows or IANA name the reader resolved by name) writes nothing:
	 * there is nothing as read to copy, and a receiving client resolves
	 * the name the same way.
	 */
	for (e = 0; e < meeting->event_count; e++) {
		const struct mm_event *event = meeting->events[e];

		if (!is_selected(event_selected, e))
			continue;
		for (i = 0; i < event->prop_count; i++) {
			const struct mm_prop *prop = &event->props[i];
			const struct mm_event *vtz;
			char *tzid;

			if (prop->value_off == prop->len &&
			    prop->name_len == prop->len)
				continue;
			tzid = mm_contentline_param(prop->line, prop->name_len,
			    prop->value_off, "TZID");
			if (tzid == NULL)
				continue;
			if (g_hash_table_contains(written, tzid)) {
				g_free(tzid);
				continue;
			}
			vtz = mm_tzset_vtimezone(meeting->tzset, tzid);
			if (vtz == NULL) {
				g_free(tzid);
				continue;
			}
			put_line(out, "BEGIN:VTIMEZONE");
			put_props(out, vtz);
			put_line(out, "END:VTIMEZONE");
			g_hash_table_add(written, tzid);
		}
	}
	if (written != seen)
		g_hash_table_destroy(written);
}

void
mm_write_itip_events(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected)
{
	size_t e;

	for (e = 0; e < meeting->event_count; e++) {
		if (!is_selected(event_selected, e))
			continue;
		put_line(out, "BEGIN:VEVENT");
		put_props(out, meeting->events[e]);
		put_line(out, "END:VEVENT");
	}
}

void
mm_write_itip_request(GString *out, const struct mm_meeting *meeting,
    const bool *event_selected)
{
	mm_write_itip_begin(out, "REQUEST");
	mm_write_itip_timezones(out, meeting, event_selected, NULL);
	mm_write_itip_events(out, meeting, event_selected);
	mm_write_itip_end(out);
}
