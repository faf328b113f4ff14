/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Selection: the MMS rules of DESIGN.md "What is selected", applied in the
 * order of enum mm_reason, each decision with its evidence.  This module
 * owns the question "does this series still have an occurrence ahead"
 * (recurrence expansion with libical, joined with EXDATEs and the series'
 * exceptions, because libical honours neither RECURRENCE-ID overrides nor,
 * with floating times, UNTIL in UTC; reference/libical-hazards.md (d)).
 * It finds the blocks in every body and hands them on in the verdict; it
 * never changes the meeting.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <glib.h>
#include <libical/ical.h>

#include "contentline.h"
#include "limits.h"
#include "read_ews.h"
#include "select.h"
#include "tz.h"

#define DEFAULT_MAX_ATTENDEES 250

/* The X- properties Outlook's add-ins and Exchange write on an online meeting. */
static const char *const addin_properties[] = {
	"X-MICROSOFT-SKYPETEAMSMEETINGURL",
	"X-MICROSOFT-SKYPETEAMSPROPERTIES",
	"X-MICROSOFT-ONLINEMEETINGCONFLINK",
	"X-MICROSOFT-ONLINEMEETINGINFORMATION",
	"X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
	"X-MICROSOFT-SCHEDULINGSERVICEUPDATEURL",
};

const char *
mm_reason_name(enum mm_reason reason)
{
	switch (reason) {
	case MM_REASON_NONE:
		return NULL;
	case MM_REASON_NOT_ORGANIZER:
		return "NotOrganizer";
	case MM_REASON_CANCELLED:
		return "Cancelled";
	case MM_REASON_PAST:
		return "Past";
	case MM_REASON_NOT_ONLINE_MEETING:
		return "NotOnlineMeeting";
	case MM_REASON_PASTED_BLOCK:
		return "PastedBlock";
	case MM_REASON_SOURCE_TYPE_EXCLUDED:
		return "SourceTypeExcluded";
	case MM_REASON_TOO_MANY_ATTENDEES:
		return "TooManyAttendees";
	case MM_REASON_ALREADY_MIGRATED:
		return "AlreadyMigrated";
	case MM_REASON_NO_COORDINATES:
		return "NoCoordinates";
	case MM_REASON_BLOCK_NOT_FOUND:
		return "BlockNotFound";
	case MM_REASON_TRUNCATED_BODY:
		return "TruncatedBody";
	case MM_REASON_INVALID_DATA:
		return "InvalidData";
	}
	return NULL;
}

const char *
mm_result_name(enum mm_result result)
{
	switch (result) {
	case MM_RESULT_UPDATED:
		return "Updated";
	case MM_RESULT_SKIPPED:
		return "Skipped";
	case MM_RESULT_FAILED:
		return "Failed";
	}
	return NULL;
}

void
mm_verdict_init(struct mm_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->result = MM_RESULT_UPDATED;
	v->reason = MM_REASON_NONE;
	v->evidence = g_ptr_array_new_with_free_func(g_free);
	v->block_type = MM_BLOCK_NONE;
}

void
mm_verdict_release(struct mm_verdict *v)
{
	size_t i;

	if (v == NULL)
		return;
	g_free(v->message);
	g_free(v->edited_line);
	if (v->evidence != NULL)
		g_ptr_array_free(v->evidence, TRUE);
	for (i = 0; i < v->body_count; i++) {
		g_free(v->bodies[i].text);
		g_free(v->bodies[i].raw_map);
		mm_block_release(&v->bodies[i].block);
	}
	g_free(v->bodies);
	g_free(v->event_selected);
	mm_target_release(&v->target);
	memset(v, 0, sizeof(*v));
}

void
mm_verdict_evidence(struct mm_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->evidence == NULL)
		v->evidence = g_ptr_array_new_with_free_func(g_free);
	va_start(ap, fmt);
	g_ptr_array_add(v->evidence, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

void
mm_verdict_set(struct mm_verdict *v, enum mm_result result,
    enum mm_reason reason, const char *fmt, ...)
{
	va_list ap;

	v->result = result;
	v->reason = reason;
	g_free(v->message);
	v->message = NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		v->message = g_strdup_vprintf(fmt, ap);
		va_end(ap);
	}
}

/* "2026-12-01T09:00:00Z"; owned. */
static char *
format_utc(int64_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *text;

	if (dt == NULL)
		return g_strdup_printf("@%" G_GINT64_FORMAT, t);
	text = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return text;
}

/* How messages name the meeting's file. */
static const char *
source_name(const struct mm_meeting *meeting)
{
	return meeting->source != NULL ? meeting->source : "(input)";
}

/*
 * Appends " (file:line, UID x)" to the message in DIAG, the line being that
 * of property PROP of EVENT when it has one, else the event's; returns -1.
 */
static int
locate(struct mm_diag *diag, const struct mm_meeting *meeting,
    const struct mm_event *event, const char *prop)
{
	unsigned line = event != NULL ? event->lineno : meeting->lineno;
	int index = event != NULL && prop != NULL ? mm_event_find(event, prop) : -1;
	char *located;

	if (diag == NULL || diag->message == NULL)
		return -1;
	if (index >= 0 && event->props[index].lineno != 0)
		line = event->props[index].lineno;
	located = g_strdup_printf("%s (%s:%u, UID %s)", diag->message,
	    source_name(meeting), line,
	    meeting->uid != NULL ? meeting->uid : "(none)");
	g_free(diag->message);
	diag->message = located;
	return -1;
}

/* ---- time ------------------------------------------------------------ */

/* What one expansion needs, for one event and one reference time. */
struct expansion {
	struct mm_meeting *meeting;
	struct mm_tzset *tzset;
	int64_t now;
	/* EXDATEs of the event: instants (DATE-TIME) and days (DATE) */
	GArray *ex_instants;            /* int64_t UTC */
	GArray *ex_days;                /* int: yyyymmdd */
	/* RECURRENCE-IDs of the series' exceptions, the same two ways */
	GArray *override_instants;
	GArray *override_days;
	/* the earliest start of an occurrence that ends after now */
	bool has_next;
	int64_t next;
};

static int
day_key(struct icaltimetype t)
{
	return t.year * 10000 + t.month * 100 + t.day;
}

/*
 * The time a DTSTART, DTEND, EXDATE or RECURRENCE-ID holds, as written,
 * without its zone: this module resolves TZIDs itself (tz.h).  libical's
 * icalproperty_get_exdate() and kin look the TZID up as a built-in zone
 * on every call, opening a zoneinfo file each time for a Windows name
 * (strace: 1,445 opens for 10,000 meetings).
 */
static struct icaltimetype
prop_time(icalproperty *prop)
{
	return icalvalue_get_datetimedate(icalproperty_get_value(prop));
}

static const char *
tzid_of(icalproperty *prop)
{
	icalparameter *param = icalproperty_get_first_parameter(prop,
	    ICAL_TZID_PARAMETER);

	return param != NULL ? icalparameter_get_tzid(param) : NULL;
}

static int
to_utc(struct expansion *x, struct icaltimetype t, const char *tzid,
    int64_t *out, struct mm_diag *diag)
{
	return mm_tz_to_utc(x->tzset, t, tzid, out, diag);
}

/* DTSTART in UTC and the duration of the event (RFC 5545 section 3.6.1). */
static int
event_span(struct expansion *x, icalcomponent *ical, struct icaltimetype *dtstart,
    const char **tzid, int64_t *start, int64_t *duration, const char **where,
    struct mm_diag *diag)
{
	icalproperty *prop;
	int64_t end;

	*where = "DTSTART";

	prop = icalcomponent_get_first_property(ical, ICAL_DTSTART_PROPERTY);
	if (prop == NULL)
		return mm_diag_set(diag, MM_DIAG_DATA, "event has no DTSTART");
	*dtstart = prop_time(prop);
	*tzid = tzid_of(prop);
	if (to_utc(x, *dtstart, *tzid, start, diag) != 0) {
		mm_diag_prefix(diag, "cannot read DTSTART");
		return -1;
	}
	prop = icalcomponent_get_first_property(ical, ICAL_DTEND_PROPERTY);
	*where = "DTEND";
	if (prop != NULL) {
		if (to_utc(x, prop_time(prop), tzid_of(prop), &end,
		    diag) != 0) {
			mm_diag_prefix(diag, "cannot read DTEND");
			return -1;
		}
		*duration = end > *start ? end - *start : 0;
		return 0;
	}
	prop = icalcomponent_get_first_property(ical, ICAL_DURATION_PROPERTY);
	*where = "DURATION";
	if (prop != NULL) {
		int d = icaldurationtype_as_int(icalproperty_get_duration(prop));

		*duration = d > 0 ? d : 0;
		return 0;
	}
	/* No DTEND and no DURATION: a day for a DATE, an instant otherwise. */
	*duration = dtstart->is_date ? 86400 : 0;
	return 0;
}

static bool
contains_instant(const GArray *list, int64_t t)
{
	guint i;

	for (i = 0; i < list->len; i++)
		if (g_array_index(list, int64_t, i) == t)
			return true;
	return false;
}

static bool
contains_day(const GArray *list, int day)
{
	guint i;

	for (i = 0; i < list->len; i++)
		if (g_array_index(list, int, i) == day)
			return true;
	return false;
}

/*
 * Records the value of an EXDATE or RECURRENCE-ID: a DATE by its day (it
 * removes whatever occurrence falls on that day), a DATE-TIME by its
 * instant.
 */
static int
add_key(struct expansion *x, struct icaltimetype t, const char *tzid,
    GArray *instants, GArray *days, struct mm_diag *diag)
{
	int64_t utc;
	int day;

	if (t.is_date) {
		day = day_key(t);
		g_array_append_val(days, day);
		return 0;
	}
	if (to_utc(x, t, tzid, &utc, diag) != 0)
		return -1;
	g_array_append_val(instants, utc);
	return 0;
}

/*
 * Looks at one occurrence starting at START (UTC) on local day DAY.  It
 * does not count when an EXDATE removes it or an exception replaces it
 * (exceptions are judged on their own times).  Returns true when it
 * counts and ends after now.
 */
static bool
consider(struct expansion *x, int64_t start, int day, int64_t duration)
{
	if (contains_instant(x->ex_instants, start) ||
	    contains_day(x->ex_days, day) ||
	    contains_instant(x->override_instants, start) ||
	    contains_day(x->override_days, day))
		return false;
	if (start + duration <= x->now)
		return false;
	if (!x->has_next || start < x->next) {
		x->has_next = true;
		x->next = start;
	}
	return true;
}

static bool
rule_has_by_parts(const struct icalrecurrencetype *rule)
{
	return rule->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX;
}

/*
 * Whether a sub-daily RULE has a BY part coarser than the unit above its
 * FREQ (BYMINUTE or coarser for SECONDLY, BYHOUR or coarser for MINUTELY,
 * BYDAY or coarser for HOURLY).  libical 3.0.16 looks for the next instant
 * that passes the BY parts one FREQ unit at a time, inside a single
 * icalrecur_iterator_next() call that only the year 2582 stops (not UNTIL,
 * COUNT nor our step limit): "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30"
 * never matches and ran for hours, "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30"
 * for 30 seconds (found by tests/fuzz/fuzz_read_ics.c; fixtures/fuzz/
 * read_ics/).  With the finer BY parts a match comes within 60 units.
 */
static bool
rule_sub_daily_sparse(const struct icalrecurrencetype *rule)
{
	bool day_parts = rule->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ||
	    rule->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX;
	bool by_hour = rule->by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX;
	bool by_minute = rule->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX;

	switch (rule->freq) {
	case ICAL_SECONDLY_RECURRENCE:
		return day_parts || by_hour || by_minute;
	case ICAL_MINUTELY_RECURRENCE:
		return day_parts || by_hour;
	case ICAL_HOURLY_RECURRENCE:
		return day_parts;
	default:
		return false;
	}
}

/* Seconds of a wall-clock time counted as if it were UTC. */
static int64_t
wall_seconds(struct icaltimetype t)
{
	struct icaltimetype u = t;

	u.zone = NULL;
	return (int64_t)icaltime_as_timet(u);
}

/*
 * Builds the iterator for RULE from DTSTART, started near TARGET (a wall
 * time before which no occurrence can end after now) when that is safe:
 *
 * - icalrecur_iterator_set_start() refuses COUNT (occurrences must be
 *   counted from DTSTART) and, in libical 3.0.16, restarts HOURLY,
 *   MINUTELY and SECONDLY rules at DTSTART's time of day, off their
 *   INTERVAL grid; it was checked equal to stepping for DAILY and coarser
 *   rules with BYDAY, BYMONTHDAY (also -1 and 31), BYSETPOS, WKST, INTERVAL.
 * - So a sub-daily rule without BY parts is instead restarted at a later
 *   DTSTART on its own grid (DTSTART + k * INTERVAL units), which expands
 *   to the same instants.
 * - Anything else steps from DTSTART, bounded by MM_LIMIT_RECURRENCE_STEPS.
 */
static icalrecur_iterator *
start_iterator(struct icalrecurrencetype rule, struct icaltimetype dtstart,
    int64_t target)
{
	icalrecur_iterator *it;
	int64_t from = wall_seconds(dtstart), unit = 0, period, k;
	struct icaltimetype moved;

	if (rule.count > 0 || target <= from)
		return icalrecur_iterator_new(rule, dtstart);
	switch (rule.freq) {
	case ICAL_SECONDLY_RECURRENCE:
		unit = 1;
		break;
	case ICAL_MINUTELY_RECURRENCE:
		unit = 60;
		break;
	case ICAL_HOURLY_RECURRENCE:
		unit = 3600;
		break;
	default:
		break;
	}
	if (unit == 0) {
		it = icalrecur_iterator_new(rule, dtstart);
		if (it != NULL && !icalrecur_iterator_set_start(it,
		    icaltime_from_timet_with_zone((time_t)target,
		    dtstart.is_date, NULL))) {
			icalrecur_iterator_free(it);
			it = icalrecur_iterator_new(rule, dtstart);
		}
		return it;
	}
	if (rule_has_by_parts(&rule))
		return icalrecur_iterator_new(rule, dtstart);
	period = unit * (rule.interval > 0 ? rule.interval : 1);
	k = (target - from) / period;
	moved = dtstart;
	icaltime_adjust(&moved, (int)(k * period / 86400), 0, 0,
	    (int)(k * period % 86400));
	return icalrecur_iterator_new(rule, moved);
}

/* Expands one RRULE; stops at the first occurrence that ends after now. */
static int
expand_rrule(struct expansion *x, icalproperty *prop,
    struct icaltimetype dtstart, const char *tzid, int64_t duration,
    struct mm_diag *diag)
{
	struct icalrecurrencetype rule = icalproperty_get_rrule(prop);
	struct icaltimetype until = rule.until, t;
	icalrecur_iterator *it;
	int64_t until_utc = 0, start;
	unsigned long steps = 0;
	bool has_until = !icaltime_is_null_time(until);
	int rc = -1;

	if (rule.freq == ICAL_NO_RECURRENCE)
		return mm_diag_set(diag, MM_DIAG_DATA, "cannot read RRULE");
	/*
	 * UNTIL is applied here rather than by libical, which compares it
	 * with floating instants as if they were UTC.  A DATE UNTIL bounds
	 * the local day; a DATE-TIME without Z is in DTSTART's zone
	 * (RFC 5545 section 3.3.10).
	 */
	if (has_until) {
		if (to_utc(x, until, icaltime_is_utc(until) || until.is_date ?
		    NULL : tzid, &until_utc, diag) != 0) {
			mm_diag_prefix(diag, "cannot read UNTIL");
			return -1;
		}
		/*
		 * A series that ended long ago needs no expansion: the last
		 * day of a DATE UNTIL ends at most 38 hours after its UTC
		 * midnight (a day plus the largest UTC offset).
		 */
		if (until_utc + (until.is_date ? 38 * 3600 : 0) + duration <=
		    x->now)
			return 0;
		rule.until = icaltime_null_time();
	}
	if (rule_sub_daily_sparse(&rule))
		return mm_diag_set(diag, MM_DIAG_LIMIT,
		    "cannot expand RRULE: BY parts too coarse for FREQ=%s",
		    icalrecur_freq_to_string(rule.freq));
	dtstart.zone = icaltime_is_utc(dtstart) ? dtstart.zone : NULL;
	/* Two days before now - duration covers every UTC offset. */
	it = start_iterator(rule, dtstart, x->now - duration - 2 * 86400);
	if (it == NULL)
		return mm_diag_set(diag, MM_DIAG_DATA, "cannot expand RRULE");
	for (;;) {
		t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t))
			break;
		if (++steps > MM_LIMIT_RECURRENCE_STEPS) {
			mm_diag_set(diag, MM_DIAG_LIMIT,
			    "recurrence expands past limit (%d steps)",
			    MM_LIMIT_RECURRENCE_STEPS);
			goto out;
		}
		if (to_utc(x, t, tzid, &start, diag) != 0)
			goto out;
		if (has_until && (until.is_date ? day_key(t) > day_key(until) :
		    start > until_utc))
			break;
		/* Instants come in order: the first future one is the next. */
		if (consider(x, start, day_key(t), duration))
			break;
	}
	rc = 0;
out:
	icalrecur_iterator_free(it);
	return rc;
}

static int
expand_rdate(struct expansion *x, icalproperty *prop, int64_t duration,
    struct mm_diag *diag)
{
	struct icaldatetimeperiodtype value =
	    icalvalue_get_datetimeperiod(icalproperty_get_value(prop));
	const char *tzid = tzid_of(prop);
	struct icaltimetype t = value.time;
	int64_t start, end;

	if (!icalperiodtype_is_null_period(value.period)) {
		t = value.period.start;
		if (to_utc(x, t, tzid, &start, diag) != 0)
			return -1;
		if (!icaltime_is_null_time(value.period.end)) {
			if (to_utc(x, value.period.end, tzid, &end, diag) != 0)
				return -1;
			duration = end > start ? end - start : 0;
		} else {
			duration = icaldurationtype_as_int(value.period.duration);
		}
	} else if (to_utc(x, t, tzid, &start, diag) != 0) {
		return -1;
	}
	consider(x, start, day_key(t), duration);
	return 0;
}

/* The times of one exception, judged as a single event. */
static int
exception_is_future(struct expansion *x, struct mm_event *ev, bool *future,
    int64_t *start, struct mm_diag *diag)
{
	struct icaltimetype dtstart;
	const char *tzid, *where;
	int64_t duration;

	if (event_span(x, ev->ical, &dtstart, &tzid, start, &duration, &where,
	    diag) != 0)
		return locate(diag, x->meeting, ev, where);
	*future = *start + duration > x->now;
	return 0;
}

static void
expansion_init(struct expansion *x, struct mm_meeting *meeting, int64_t now)
{
	memset(x, 0, sizeof(*x));
	x->meeting = meeting;
	x->now = now;
	x->tzset = meeting->tzset;
	x->ex_instants = g_array_new(FALSE, FALSE, sizeof(int64_t));
	x->ex_days = g_array_new(FALSE, FALSE, sizeof(int));
	x->override_instants = g_array_new(FALSE, FALSE, sizeof(int64_t));
	x->override_days = g_array_new(FALSE, FALSE, sizeof(int));
}

static void
expansion_release(struct expansion *x)
{
	g_array_free(x->ex_instants, TRUE);
	g_array_free(x->ex_days, TRUE);
	g_array_free(x->override_instants, TRUE);
	g_array_free(x->override_days, TRUE);
}

/*
 * The series' exceptions other than INDEX: each one's RECURRENCE-ID takes
 * its occurrence out of the expansion, and each one that is not cancelled
 * and ends after now is a future occurrence of the series.
 */
static int
join_exceptions(struct expansion *x, size_t index, struct mm_diag *diag)
{
	struct mm_meeting *meeting = x->meeting;
	size_t i;

	for (i = 0; i < meeting->event_count; i++) {
		struct mm_event *ev = meeting->events[i];
		icalproperty *rid;
		bool future = false;
		int64_t start = 0;

		if (i == index || ev->ical == NULL)
			continue;
		rid = icalcomponent_get_first_property(ev->ical,
		    ICAL_RECURRENCEID_PROPERTY);
		if (rid == NULL)
			continue;
		if (add_key(x, prop_time(rid), tzid_of(rid),
		    x->override_instants, x->override_days, diag) != 0) {
			mm_diag_prefix(diag, "cannot read RECURRENCE-ID");
			return locate(diag, meeting, ev, "RECURRENCE-ID");
		}
		if (icalcomponent_get_status(ev->ical) == ICAL_STATUS_CANCELLED)
			continue;
		if (exception_is_future(x, ev, &future, &start, diag) != 0)
			return -1;
		if (future && (!x->has_next || start < x->next)) {
			x->has_next = true;
			x->next = start;
		}
	}
	return 0;
}

/*
 * The core of mm_select_has_future(): *next gets the start of the earliest
 * occurrence that ends after now, and *recurring whether the event recurs.
 */
static int
event_future(struct mm_meeting *meeting, size_t index, int64_t now,
    int64_t *first_start, int64_t *next, bool *recurring, struct mm_diag *diag)
{
	struct mm_event *ev;
	struct expansion x;
	struct mm_tzset *own_tzset = NULL;
	struct icaltimetype dtstart;
	const char *tzid, *where;
	icalproperty *prop;
	int64_t start, duration;
	int rc = -1;

	if (index >= meeting->event_count)
		return mm_diag_set(diag, MM_DIAG_INTERNAL, "no event %zu", index);
	ev = meeting->events[index];
	if (ev->ical == NULL) {
		mm_diag_set(diag, MM_DIAG_DATA, "%s", ev->parse_error != NULL ?
		    ev->parse_error : "event could not be parsed");
		return locate(diag, meeting, ev, NULL);
	}
	expansion_init(&x, meeting, now);
	/* Meetings built by hand (tests, EWS) may come without a zone set. */
	if (x.tzset == NULL)
		x.tzset = own_tzset = mm_tzset_new();

	if (event_span(&x, ev->ical, &dtstart, &tzid, &start, &duration,
	    &where, diag) != 0) {
		locate(diag, meeting, ev, where);
		goto out;
	}
	if (first_start != NULL)
		*first_start = start;
	*recurring = false;

	if (meeting->has_master && index == 0 && ev->recurrence_id == NULL &&
	    join_exceptions(&x, index, diag) != 0)
		goto out;

	for (prop = icalcomponent_get_first_property(ev->ical,
	    ICAL_EXDATE_PROPERTY); prop != NULL;
	    prop = icalcomponent_get_next_property(ev->ical,
	    ICAL_EXDATE_PROPERTY)) {
		if (add_key(&x, prop_time(prop), tzid_of(prop),
		    x.ex_instants, x.ex_days, diag) != 0) {
			mm_diag_prefix(diag, "cannot read EXDATE");
			locate(diag, meeting, ev, "EXDATE");
			goto out;
		}
	}

	/* DTSTART is the first occurrence (RFC 5545 section 3.8.5.3). */
	consider(&x, start, day_key(dtstart), duration);

	/* An exception is one occurrence, even if it repeats the master's rule. */
	if (ev->recurrence_id == NULL) {
		for (prop = icalcomponent_get_first_property(ev->ical,
		    ICAL_RRULE_PROPERTY); prop != NULL;
		    prop = icalcomponent_get_next_property(ev->ical,
		    ICAL_RRULE_PROPERTY)) {
			*recurring = true;
			if (expand_rrule(&x, prop, dtstart, tzid, duration,
			    diag) != 0) {
				locate(diag, meeting, ev, "RRULE");
				goto out;
			}
		}
		for (prop = icalcomponent_get_first_property(ev->ical,
		    ICAL_RDATE_PROPERTY); prop != NULL;
		    prop = icalcomponent_get_next_property(ev->ical,
		    ICAL_RDATE_PROPERTY)) {
			*recurring = true;
			if (expand_rdate(&x, prop, duration, diag) != 0) {
				mm_diag_prefix(diag, "cannot read RDATE");
				locate(diag, meeting, ev, "RDATE");
				goto out;
			}
		}
	}
	*next = x.next;
	rc = x.has_next ? 1 : 0;
out:
	expansion_release(&x);
	mm_tzset_free(own_tzset);
	return rc;
}

int
mm_select_has_future(struct mm_meeting *meeting, size_t event_index,
    int64_t now, int64_t *first_start, struct mm_diag *diag)
{
	int64_t next = 0;
	bool recurring;

	mm_meeting_parse(meeting);
	return event_future(meeting, event_index, now, first_start, &next,
	    &recurring, diag);
}

/* ---- the rules ------------------------------------------------------- */

/*
 * Rule Past, and which events the update covers: the master (or single
 * event) when the series has a future, each exception when its own
 * occurrence ends after now.  Returns 1 (future), 0 (past), or -1 with
 * diag (the meeting's data is at fault).
 */
static int
decide_time(struct mm_meeting *meeting, const struct mm_select_options *opt,
    struct mm_verdict *out, struct mm_diag *diag)
{
	int64_t first = 0, best = 0;
	bool any_recurring = false, has_best = false, has_first = false;
	char *text;
	size_t i;

	for (i = 0; i < meeting->event_count; i++) {
		int64_t start = 0, next = 0;
		bool recurring = false;
		/* The master judges the series (its exceptions included);
		   without a master each exception is a meeting of its own. */
		bool judges = !meeting->has_master || i == 0;
		int rc = event_future(meeting, i, opt->now, &start, &next,
		    &recurring, diag);

		if (rc < 0)
			return -1;
		out->event_selected[i] = rc == 1;
		any_recurring = any_recurring || recurring;
		if (!judges)
			continue;
		if (!has_first || start < first) {
			first = start;
			has_first = true;
		}
		if (rc == 1 && (!has_best || next < best)) {
			best = next;
			has_best = true;
		}
	}
	out->first_start = first;
	out->has_start = has_first;
	if (!has_best) {
		text = format_utc(opt->now);
		mm_verdict_evidence(out, "no occurrence ends after %s", text);
		g_free(text);
		return 0;
	}
	if (any_recurring || meeting->event_count > 1) {
		text = format_utc(best);
		mm_verdict_evidence(out, "next occurrence %s", text);
	} else {
		text = format_utc(first);
		mm_verdict_evidence(out, "DTSTART %s", text);
	}
	g_free(text);
	return 1;
}

/* The top-level properties DESCRIPTION and X-ALT-DESC;FMTTYPE=text/html. */
static int
body_kind(const struct mm_prop *prop)
{
	char *fmttype;
	int kind = -1;

	if (mm_contentline_name_is(prop->line, prop->name_len, "DESCRIPTION"))
		return MM_BODY_TEXT;
	if (!mm_contentline_name_is(prop->line, prop->name_len, "X-ALT-DESC"))
		return -1;
	fmttype = mm_contentline_param(prop->line, prop->name_len,
	    prop->value_off, "FMTTYPE");
	if (fmttype != NULL && g_ascii_strcasecmp(g_strstrip(fmttype),
	    "text/html") == 0)
		kind = MM_BODY_HTML;
	g_free(fmttype);
	return kind;
}

static const char *
body_name(enum mm_body_kind kind)
{
	return kind == MM_BODY_HTML ? "X-ALT-DESC" : "DESCRIPTION";
}

/*
 * Unescapes every body of every event and looks for its block.  Returns 0,
 * 1 when the meeting's data is at fault (verdict set), or -1 with diag on a
 * run error.
 */
static int
scan_bodies(struct mm_block_engine *engine, struct mm_meeting *meeting,
    struct mm_verdict *out, struct mm_diag *diag)
{
	GArray *bodies = g_array_new(FALSE, TRUE, sizeof(struct mm_body));
	size_t e, i;
	int rc = 0;

	for (e = 0; e < meeting->event_count && rc == 0; e++) {
		struct mm_event *ev = meeting->events[e];
		int depth = 0;

		for (i = 0; i < ev->prop_count; i++) {
			const struct mm_prop *prop = &ev->props[i];
			struct mm_body body;
			int kind, found;

			if (mm_contentline_name_is(prop->line, prop->name_len,
			    "BEGIN")) {
				depth++;
				continue;
			}
			if (mm_contentline_name_is(prop->line, prop->name_len,
			    "END")) {
				depth--;
				continue;
			}
			/* A VALARM's DESCRIPTION is not the meeting's body. */
			if (depth != 0 || (kind = body_kind(prop)) < 0)
				continue;
			if (prop->len - prop->value_off > MM_LIMIT_BODY_SIZE) {
				mm_verdict_set(out, MM_RESULT_FAILED,
				    MM_REASON_INVALID_DATA,
				    "%s longer than %zu octets (%s:%u)",
				    body_name((enum mm_body_kind)kind),
				    MM_LIMIT_BODY_SIZE, source_name(meeting),
				    prop->lineno);
				rc = 1;
				break;
			}
			memset(&body, 0, sizeof(body));
			body.event = e;
			body.prop = (int)i;
			body.kind = (enum mm_body_kind)kind;
			mm_text_unescape(prop->line + prop->value_off,
			    prop->len - prop->value_off, &body.text, &body.len,
			    &body.raw_map);
			found = mm_block_find(engine, body.text, body.len,
			    body.kind, &body.block, diag);
			body.found = found < 0 ? MM_BLOCK_FOUND_NONE : found;
			g_array_append_val(bodies, body);
			if (found < 0) {
				/*
				 * A PCRE2 limit or invalid UTF-8 is this
				 * body's fault: the meeting fails, the run
				 * goes on.  Anything else stops the run.
				 */
				if (diag != NULL && diag->code != MM_DIAG_LIMIT &&
				    diag->code != MM_DIAG_DATA) {
					rc = -1;
					break;
				}
				mm_verdict_set(out, MM_RESULT_FAILED,
				    MM_REASON_INVALID_DATA, "%s (%s:%u)",
				    diag != NULL && diag->message != NULL ?
				    diag->message : "cannot search the body",
				    source_name(meeting), prop->lineno);
				mm_diag_clear(diag);
				rc = 1;
				break;
			}
		}
	}
	out->body_count = bodies->len;
	out->bodies = (struct mm_body *)(void *)g_array_free(bodies, FALSE);
	return rc;
}

/* Rule TooManyAttendees: distinct addresses plus the organizer. */
static size_t
count_attendees(const struct mm_meeting *meeting)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	size_t count = 0, i;

	if (meeting->organizer.address != NULL)
		g_hash_table_add(seen,
		    mm_identity_casefold(meeting->organizer.address));
	count = 1;
	for (i = 0; i < meeting->attendee_count; i++) {
		const struct mm_party *a = &meeting->attendees[i];
		char *key;

		if (a->address == NULL || *a->address == '\0') {
			/* Nothing to tell it apart by: it counts. */
			count++;
			continue;
		}
		key = mm_identity_casefold(a->address);
		if (g_hash_table_contains(seen, key)) {
			g_free(key);
			continue;
		}
		g_hash_table_add(seen, key);
		count++;
	}
	/* ATTENDEE lines past MM_LIMIT_ATTENDEES were counted, not kept. */
	if (meeting->attendees_listed > meeting->attendee_count)
		count += meeting->attendees_listed - meeting->attendee_count;
	g_hash_table_destroy(seen);
	return count;
}

static unsigned
source_bit(enum mm_block_type type)
{
	switch (type) {
	case MM_BLOCK_SFB:
		return MM_SOURCE_SFB;
	case MM_BLOCK_TEAMS:
		return MM_SOURCE_TEAMS;
	case MM_BLOCK_NONE:
		break;
	}
	return 0;
}

/* InvalidData when an event has a problem (or, parsed, no libical tree). */
static bool
invalid_data(const struct mm_meeting *meeting, struct mm_verdict *out)
{
	for (size_t i = 0; i < meeting->event_count; i++) {
		const struct mm_event *ev = meeting->events[i];

		if (ev->parse_error != NULL) {
			mm_verdict_set(out, MM_RESULT_FAILED,
			    MM_REASON_INVALID_DATA, "%s", ev->parse_error);
			return true;
		}
	}
	return false;
}

static int
decide(struct mm_block_engine *engine, struct mm_meeting *meeting,
    const struct mm_select_options *opt, struct mm_verdict *out,
    struct mm_diag *diag)
{
	const struct mm_identity *id = opt->identity;
	const struct mm_body *first_found = NULL, *unclosed = NULL;
	const char *matched = NULL;
	size_t max_attendees = opt->max_attendees ? opt->max_attendees :
	    DEFAULT_MAX_ATTENDEES;
	size_t i, markers = 0;
	int rc;

	/* InvalidData: an event libical could not make sense of. */
	if (meeting->event_count == 0) {
		mm_verdict_set(out, MM_RESULT_FAILED, MM_REASON_INVALID_DATA,
		    "meeting has no events (%s:%u)", source_name(meeting),
		    meeting->lineno);
		return 0;
	}
	/* What the reader found wrong: nothing in the meeting can be trusted. */
	if (invalid_data(meeting, out))
		return 0;

	/*
	 * NotOrganizer.  An EWS item says so itself (MyResponseType=Organizer
	 * or IsOrganizer); the addresses decide only where the dump is silent.
	 */
	rc = meeting->ews != NULL ? mm_ews_item_is_organizer(meeting->ews) : -1;
	if (rc == 0) {
		mm_verdict_evidence(out, "EWS item not organized by the mailbox owner");
		mm_verdict_set(out, MM_RESULT_SKIPPED, MM_REASON_NOT_ORGANIZER,
		    NULL);
		return 0;
	}
	if (rc == 1)
		matched = "EWS MyResponseType/IsOrganizer";
	else if (id == NULL || !mm_identity_matches(id, meeting->organizer.address,
	    meeting->organizer.name, &matched)) {
		if (meeting->organizer.address == NULL &&
		    meeting->organizer.name == NULL)
			mm_verdict_evidence(out, "no ORGANIZER");
		else
			mm_verdict_evidence(out, "ORGANIZER %s does not match "
			    "identity", meeting->organizer.address != NULL ?
			    meeting->organizer.address :
			    meeting->organizer.name);
		mm_verdict_set(out, MM_RESULT_SKIPPED, MM_REASON_NOT_ORGANIZER,
		    NULL);
		return 0;
	}
	mm_verdict_evidence(out, "ORGANIZER matches identity by %s", matched);

	/*
	 * What libical finds wrong, asked only now: the meetings of others
	 * are skipped however their times are written.
	 */
	mm_meeting_parse(meeting);
	if (invalid_data(meeting, out))
		return 0;

	/* Cancelled. */
	if (meeting->cancelled) {
		mm_verdict_evidence(out, "STATUS:CANCELLED");
		mm_verdict_set(out, MM_RESULT_SKIPPED, MM_REASON_CANCELLED, NULL);
		return 0;
	}

	/* Past. */
	rc = decide_time(meeting, opt, out, diag);
	if (rc < 0) {
		/* The meeting's data is at fault, not the run. */
		mm_verdict_set(out, MM_RESULT_FAILED, MM_REASON_INVALID_DATA,
		    "%s", diag != NULL && diag->message != NULL ? diag->message :
		    "cannot read the meeting's times");
		mm_diag_clear(diag);
		return 0;
	}
	if (rc == 0) {
		mm_verdict_set(out, MM_RESULT_SKIPPED, MM_REASON_PAST, NULL);
		return 0;
	}

	/*
	 * A FindItem (CalendarView) dump carries neither body nor attendees:
	 * nothing about the block can be decided, so the meeting fails rather
	 * than pass for one without a block.
	 */
	if (meeting->ews != NULL && meeting->ews->from_find_item) {
		mm_verdict_evidence(out, "EWS FindItem item: no body, no attendees");
		mm_verdict_set(out, MM_RESULT_FAILED, MM_REASON_INVALID_DATA,
		    "a FindItem response carries no body: dump this item with "
		    "GetItem (%s:%u)", source_name(meeting), meeting->lineno);
		return 0;
	}

	/* The bodies, and the blocks in them. */
	rc = scan_bodies(engine, meeting, out, diag);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return 0;
	for (i = 0; i < out->body_count; i++) {
		const struct mm_body *body = &out->bodies[i];

		if (body->event != 0 || body->found == MM_BLOCK_FOUND_NONE)
			continue;
		if (body->found == MM_BLOCK_FOUND_UNCLOSED) {
			if (unclosed == NULL)
				unclosed = body;
			mm_verdict_evidence(out, "unclosed block %s in %s",
			    mm_block_type_name(body->block.type),
			    body_name(body->kind));
		} else {
			mm_verdict_evidence(out, "block %s in %s",
			    mm_block_type_name(body->block.type),
			    body_name(body->kind));
		}
		if (first_found == NULL)
			first_found = body;
		if (out->language == NULL && body->block.language != NULL)
			out->language = body->block.language;
	}
	if (first_found != NULL)
		out->block_type = first_found->block.type;

	/* The add-in's markers: X- properties, and the block's own. */
	for (i = 0; i < G_N_ELEMENTS(addin_properties); i++) {
		if (mm_event_find(meeting->events[0], addin_properties[i]) >= 0) {
			mm_verdict_evidence(out, "%s", addin_properties[i]);
			markers++;
		}
	}
	for (i = 0; i < out->body_count; i++) {
		const struct mm_body *body = &out->bodies[i];

		if (body->event != 0 || body->found == MM_BLOCK_FOUND_NONE ||
		    !body->block.addin_marker)
			continue;
		mm_verdict_evidence(out, "%s %s",
		    body->kind == MM_BODY_HTML ? "HTML" : "text",
		    body->block.addin_evidence != NULL ?
		    body->block.addin_evidence : "add-in marker");
		markers++;
	}

	if (meeting->ews != NULL && mm_ews_item_addin_marker(meeting->ews)) {
		mm_verdict_evidence(out, "EWS %s",
		    mm_ews_item_addin_marker(meeting->ews));
		markers++;
	}

	/* NotOnlineMeeting, unless the add-in says it is one. */
	if (first_found == NULL && markers == 0) {
		mm_verdict_evidence(out, "no block in DESCRIPTION or X-ALT-DESC");
		mm_verdict_set(out, MM_RESULT_SKIPPED,
		    MM_REASON_NOT_ONLINE_MEETING, NULL);
		return 0;
	}

	/* PastedBlock. */
	if (first_found != NULL && markers == 0) {
		if (!opt->include_pasted) {
			mm_verdict_evidence(out, "no add-in marker");
			mm_verdict_set(out, MM_RESULT_SKIPPED,
			    MM_REASON_PASTED_BLOCK, NULL);
			return 0;
		}
		out->pasted = true;
		mm_verdict_evidence(out,
		    "pasted block migrated (--include-pasted)");
	}

	/* SourceTypeExcluded (unknown without a block: judged by the rest). */
	if (first_found != NULL &&
	    (source_bit(out->block_type) & opt->source_types) == 0) {
		mm_verdict_evidence(out, "block type %s not in "
		    "--source-meeting-type", mm_block_type_name(out->block_type));
		mm_verdict_set(out, MM_RESULT_SKIPPED,
		    MM_REASON_SOURCE_TYPE_EXCLUDED, NULL);
		return 0;
	}

	/* TooManyAttendees. */
	if (meeting->attendees_truncated ||
	    out->attendee_count > max_attendees) {
		/*
		 * Past MM_LIMIT_ATTENDEES the count is not known, only that
		 * it is over the limit, whatever --max-attendees says
		 * (tests/hostile.sh: 15,000 attendees, --max-attendees 20000).
		 */
		if (meeting->attendees_truncated)
			mm_verdict_evidence(out, "more than MM_LIMIT_ATTENDEES "
			    "(%d) attendees", MM_LIMIT_ATTENDEES);
		else
			mm_verdict_evidence(out, "attendees %zu over "
			    "--max-attendees %zu", out->attendee_count,
			    max_attendees);
		mm_verdict_set(out, MM_RESULT_SKIPPED,
		    MM_REASON_TOO_MANY_ATTENDEES, NULL);
		return 0;
	}
	mm_verdict_evidence(out, "attendees %zu", out->attendee_count);

	/* Selected; but a body cut short cannot be rewritten whole. */
	if (meeting->ews != NULL && meeting->ews->body_truncated) {
		mm_verdict_set(out, MM_RESULT_FAILED, MM_REASON_TRUNCATED_BODY,
		    "the dump holds the body cut short (IsTruncated=\"true\")");
		return 0;
	}

	/* Selected; but a block that is not there cannot be replaced. */
	if (first_found == NULL) {
		mm_verdict_set(out, MM_RESULT_FAILED, MM_REASON_BLOCK_NOT_FOUND,
		    "add-in markers but no block in the body");
		return 0;
	}
	if (unclosed != NULL) {
		mm_verdict_set(out, MM_RESULT_FAILED, MM_REASON_BLOCK_NOT_FOUND,
		    "block opened at body offset %zu never closes",
		    unclosed->block.start);
		return 0;
	}
	mm_verdict_set(out, MM_RESULT_UPDATED, MM_REASON_NONE, NULL);
	return 0;
}

int
mm_select_meeting(struct mm_block_engine *engine, struct mm_meeting *meeting,
    const struct mm_select_options *opt, struct mm_verdict *out,
    struct mm_diag *diag)
{
	int rc;

	g_free(out->event_selected);
	out->event_selected = g_new0(bool, meeting->event_count + 1);
	out->attendee_count = count_attendees(meeting);
	out->result = MM_RESULT_UPDATED;
	out->reason = MM_REASON_NONE;
	rc = decide(engine, meeting, opt, out, diag);
	/* A skipped meeting gets no update: no event is covered. */
	if (rc == 0 && out->result == MM_RESULT_SKIPPED)
		memset(out->event_selected, 0,
		    meeting->event_count * sizeof(bool));
	return rc;
}
