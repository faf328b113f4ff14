/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Meetings of a status.json as lines "Uid|RecurrenceId|Result|Reason"
 * ("-" for null), for the tests that hold what the store and the report's
 * spool give against the file a run published.
 */
#ifndef MM_TEST_MEETINGS_H
#define MM_TEST_MEETINGS_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* Appends one line to OUT; any text may be NULL. */
static inline void
meeting_line(GString *out, const char *uid, const char *recurrence_id,
    const char *result, const char *reason)
{
	g_string_append_printf(out, "%s|%s|%s|%s\n", uid ? uid : "-",
	    recurrence_id ? recurrence_id : "-", result ? result : "-",
	    reason ? reason : "-");
}

/* A string member of OBJECT, or NULL for null or none. */
static inline const char *
member_text(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	return node != NULL && JSON_NODE_HOLDS_VALUE(node) ?
	    json_node_get_string(node) : NULL;
}

/* Appends the line of each meeting of ROOT (a status.json) to OUT. */
static inline void
status_meeting_lines(JsonObject *root, GString *out)
{
	JsonArray *meetings = json_object_get_array_member(root, "Meetings");

	for (guint i = 0; meetings != NULL && i < json_array_get_length(meetings);
	    i++) {
		JsonObject *m = json_array_get_object_element(meetings, i);

		meeting_line(out, member_text(m, "Uid"),
		    member_text(m, "RecurrenceId"), member_text(m, "Result"),
		    member_text(m, "Reason"));
	}
}

#endif
