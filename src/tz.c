/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The time zones of one calendar file.  This module owns every icaltimezone
 * it makes (one per VTIMEZONE, parsed once and kept, because libical
 * expands an Outlook zone's transitions from 1601 on first use, about 6 ms)
 * and the VTIMEZONE lines as read.  It resolves a TZID that the file does
 * not define through libical's built-in zones and ICU's Windows zone table.
 * It never lets a time float silently: an unknown TZID is an error.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "contentline.h"
#include "limits.h"
#include "tz.h"

/* A zone the file defines. */
struct file_zone {
	char *tzid;             /* owned: TZID value as written */
	char *tzid_text;        /* owned: the same TEXT-unescaped, or NULL if equal */
	icaltimezone *zone;     /* borrowed from zone_cache, or owned_zone */
	icaltimezone *owned_zone;       /* made when zone_cache was full */
	struct mm_event *vtz;   /* owned: the lines as read */
};

struct mm_tzset {
	GPtrArray *zones;       /* of struct file_zone, in file order */
	GHashTable *by_tzid;    /* tzid -> struct file_zone, borrowed */
	/*
	 * TZIDs resolved outside the file (built-in or Windows names):
	 * tzid -> icaltimezone (libical's built-in, never freed by us), or
	 * the key mapped to unknown_zone when nothing matched.
	 */
	GHashTable *resolved;
};

/* A marker for "looked up, not found" in tzset->resolved. */
static char unknown_zone;

static void
file_zone_free(gpointer data)
{
	struct file_zone *fz = data;

	g_free(fz->tzid);
	g_free(fz->tzid_text);
	mm_event_free(fz->vtz);
	if (fz->owned_zone != NULL)
		icaltimezone_free(fz->owned_zone, 1);
	g_free(fz);
}

struct mm_tzset *
mm_tzset_new(void)
{
	struct mm_tzset *tzset = g_new0(struct mm_tzset, 1);

	tzset->zones = g_ptr_array_new_with_free_func(file_zone_free);
	tzset->by_tzid = g_hash_table_new(g_str_hash, g_str_equal);
	tzset->resolved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	return tzset;
}

void
mm_tzset_free(struct mm_tzset *tzset)
{
	if (tzset == NULL)
		return;
	g_hash_table_destroy(tzset->by_tzid);
	g_hash_table_destroy(tzset->resolved);
	g_ptr_array_free(tzset->zones, TRUE);
	g_free(tzset);
}

/* The TZID property value of the VTIMEZONE itself, owned, or NULL. */
static char *
vtz_tzid(const struct mm_event *vtz)
{
	int i = mm_event_find(vtz, "TZID");
	const struct mm_prop *prop;

	if (i < 0)
		return NULL;
	prop = &vtz->props[i];
	return g_strndup(prop->line + prop->value_off,
	    prop->len - prop->value_off);
}

/*
 * Exchange escapes the commas of a TZID property ("Bangkok\, Hanoi") but
 * not in the quoted TZID parameter that refers to it
 * (node-ical/exchange-custom-tz.ics), so both spellings must match.
 */
static char *
unescaped_if_different(const char *tzid)
{
	char *text;
	size_t len;

	mm_text_unescape(tzid, strlen(tzid), &text, &len, NULL);
	if (strcmp(text, tzid) == 0) {
		g_free(text);
		return NULL;
	}
	return text;
}

/*
 * Zones made from VTIMEZONEs, kept for the life of the process and keyed
 * by their lines as read.  An Outlook VTIMEZONE starts in 1601 and libical
 * expands its transitions from there the first time a time is converted
 * (libical-hazards.md: milliseconds a zone); `meetmig run` reads many
 * mailboxes of one organization with the same few zones, and paid that
 * again for every user (most of the time of a small mailbox).  A zone
 * keeps the transitions it has expanded, so the second mailbox gets them
 * for nothing.  At most MM_LIMIT_ZONES are kept: past that (a process fed
 * made-up zones, as a fuzzer does) a zone belongs to its file alone.
 */
static GHashTable *zone_cache;

static char *
vtz_key(const struct mm_event *vtz)
{
	GString *key = g_string_new(NULL);

	for (size_t i = 0; i < vtz->prop_count; i++) {
		g_string_append_len(key, vtz->props[i].line,
		    (gssize)vtz->props[i].len);
		g_string_append_c(key, '\n');
	}
	return g_string_free(key, FALSE);
}

int
mm_tzset_add(struct mm_tzset *tzset, struct mm_event *vtz,
    struct mm_diag *diag)
{
	struct file_zone *fz = NULL;
	icalcomponent *comp = NULL;
	char *tzid = vtz_tzid(vtz);
	char *key = NULL;
	int rc = -1;

	if (tzid == NULL || *tzid == '\0') {
		mm_diag_set(diag, MM_DIAG_DATA, "VTIMEZONE without TZID");
		goto out;
	}
	if (g_hash_table_contains(tzset->by_tzid, tzid)) {
		/* The first definition wins, as in libical's own lookup. */
		mm_diag_set(diag, MM_DIAG_DATA,
		    "VTIMEZONE \"%s\" defined twice, the first is used", tzid);
		goto out;
	}
	if (tzset->zones->len >= MM_LIMIT_ZONES) {
		mm_diag_set(diag, MM_DIAG_LIMIT, "VTIMEZONE \"%s\" ignored: more "
		    "than MM_LIMIT_ZONES (%d) time zones in one input", tzid,
		    MM_LIMIT_ZONES);
		goto out;
	}
	if (zone_cache == NULL)
		zone_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    NULL);
	key = vtz_key(vtz);
	fz = g_new0(struct file_zone, 1);
	fz->zone = g_hash_table_lookup(zone_cache, key);
	if (fz->zone == NULL) {
		icaltimezone *zone;

		comp = mm_lines_parse(vtz, "VTIMEZONE", NULL, NULL);
		if (comp == NULL ||
		    icalcomponent_isa(comp) != ICAL_VTIMEZONE_COMPONENT) {
			mm_diag_set(diag, MM_DIAG_DATA,
			    "cannot parse VTIMEZONE \"%s\"", tzid);
			goto out;
		}
		zone = icaltimezone_new();
		if (!icaltimezone_set_component(zone, comp)) {
			icaltimezone_free(zone, 1);
			mm_diag_set(diag, MM_DIAG_DATA,
			    "cannot make a time zone of VTIMEZONE \"%s\"", tzid);
			goto out;
		}
		comp = NULL;    /* the zone owns it now */
		if (g_hash_table_size(zone_cache) < MM_LIMIT_ZONES) {
			g_hash_table_insert(zone_cache, key, zone);
			key = NULL;
		} else {
			fz->owned_zone = zone;
		}
		fz->zone = zone;
	}
	fz->tzid = tzid;
	tzid = NULL;
	fz->tzid_text = unescaped_if_different(fz->tzid);
	fz->vtz = vtz;
	vtz = NULL;
	g_ptr_array_add(tzset->zones, fz);
	g_hash_table_insert(tzset->by_tzid, fz->tzid, fz);
	if (fz->tzid_text != NULL &&
	    !g_hash_table_contains(tzset->by_tzid, fz->tzid_text))
		g_hash_table_insert(tzset->by_tzid, fz->tzid_text, fz);
	fz = NULL;
	rc = 0;
out:
	if (fz != NULL)
		file_zone_free(fz);
	if (comp != NULL)
		icalcomponent_free(comp);
	mm_event_free(vtz);
	g_free(tzid);
	g_free(key);
	return rc;
}

/* A zone the file defines, exact match first, then ASCII case-insensitive. */
static struct file_zone *
find_file_zone(const struct mm_tzset *tzset, const char *tzid)
{
	struct file_zone *fz = g_hash_table_lookup(tzset->by_tzid, tzid);
	guint i;

	if (fz != NULL)
		return fz;
	for (i = 0; i < tzset->zones->len; i++) {
		fz = g_ptr_array_index(tzset->zones, i);
		if (g_ascii_strcasecmp(fz->tzid, tzid) == 0 ||
		    (fz->tzid_text != NULL &&
		    g_ascii_strcasecmp(fz->tzid_text, tzid) == 0))
			return fz;
	}
	return NULL;
}

char *
mm_tz_windows_to_iana(const char *windows_id)
{
	UChar win[128], iana[128];
	char iana8[256];
	int32_t win_len = 0, iana_len, iana8_len = 0;
	UErrorCode err = U_ZERO_ERROR;

	u_strFromUTF8(win, (int32_t)G_N_ELEMENTS(win), &win_len, windows_id, -1,
	    &err);
	if (U_FAILURE(err) || win_len >= (int32_t)G_N_ELEMENTS(win))
		return NULL;
	iana_len = ucal_getTimeZoneIDForWindowsID(win, win_len, NULL, iana,
	    (int32_t)G_N_ELEMENTS(iana), &err);
	/* Zero length means ICU does not know the name: not an error to ICU. */
	if (U_FAILURE(err) || iana_len <= 0 ||
	    iana_len >= (int32_t)G_N_ELEMENTS(iana))
		return NULL;
	u_strToUTF8(iana8, (int32_t)sizeof(iana8), &iana8_len, iana, iana_len,
	    &err);
	if (U_FAILURE(err) || iana8_len >= (int32_t)sizeof(iana8))
		return NULL;
	iana8[iana8_len] = '\0';
	return g_strdup(iana8);
}

/* Windows zone name ("W. Europe Standard Time") to a built-in zone. */
static icaltimezone *
windows_zone(const char *tzid)
{
	char *iana = mm_tz_windows_to_iana(tzid);
	icaltimezone *zone = iana != NULL ?
	    icaltimezone_get_builtin_timezone(iana) : NULL;

	g_free(iana);
	return zone;
}

icaltimezone *
mm_tzset_lookup(struct mm_tzset *tzset, const char *tzid)
{
	struct file_zone *fz;
	gpointer hit;
	icaltimezone *zone;

	if (tzid == NULL || *tzid == '\0')
		return NULL;
	fz = find_file_zone(tzset, tzid);
	if (fz != NULL)
		return fz->zone;
	if (g_hash_table_lookup_extended(tzset->resolved, tzid, NULL, &hit))
		return hit == &unknown_zone ? NULL : hit;
	zone = icaltimezone_get_builtin_timezone(tzid);
	if (zone == NULL)
		zone = windows_zone(tzid);
	g_hash_table_insert(tzset->resolved, g_strdup(tzid),
	    zone != NULL ? (gpointer)zone : (gpointer)&unknown_zone);
	return zone;
}

const struct mm_event *
mm_tzset_vtimezone(const struct mm_tzset *tzset, const char *tzid)
{
	struct file_zone *fz;

	if (tzid == NULL)
		return NULL;
	fz = find_file_zone(tzset, tzid);
	return fz != NULL ? fz->vtz : NULL;
}

int64_t
mm_tz_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t
utc_seconds(struct icaltimetype t)
{
	int64_t s = mm_tz_days_from_civil(t.year, (unsigned)t.month,
	    (unsigned)t.day) * 86400;

	if (!t.is_date)
		s += (int64_t)t.hour * 3600 + t.minute * 60 + t.second;
	return s;
}

int
mm_tz_to_utc(struct mm_tzset *tzset, struct icaltimetype t,
    const char *tzid, int64_t *out, struct mm_diag *diag)
{
	icaltimezone *zone;
	struct icaltimetype local;

	if (icaltime_is_null_time(t) || t.month < 1 || t.month > 12 ||
	    t.day < 1 || t.day > 31 || t.hour < 0 || t.hour > 23 ||
	    t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 60)
		return mm_diag_set(diag, MM_DIAG_DATA, "not a valid date-time");
	/*
	 * A DATE has no zone (RFC 5545 section 3.3.4); taking the day in UTC
	 * is exact enough for "does it end after now" at day granularity.
	 * Floating time without TZID is also taken as UTC: the file does not
	 * say where it is, and UTC is the one reproducible choice.
	 */
	if (t.is_date || icaltime_is_utc(t) || tzid == NULL) {
		*out = utc_seconds(t);
		return 0;
	}
	zone = mm_tzset_lookup(tzset, tzid);
	if (zone == NULL)
		return mm_diag_set(diag, MM_DIAG_DATA, "unknown TZID \"%s\"", tzid);
	/*
	 * Converting through the zone object reuses the transitions libical
	 * expanded on the first call, so only the first time is expensive.
	 */
	local = t;
	local.zone = NULL;
	icaltimezone_convert_time(&local, zone, icaltimezone_get_utc_timezone());
	*out = utc_seconds(local);
	return 0;
}
