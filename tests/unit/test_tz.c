/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Time zones: a TZID the file defines (an Outlook VTIMEZONE from 1601), a
 * Windows zone name without VTIMEZONE (mapped with ICU), IANA names, DATE,
 * UTC and floating values, and the unknown TZID that must not float.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tz.h"
#include "tap.h"
#include "limits.h"
#include "zones.h"

/* A made-up zone with a fixed offset, to tell the file's zone from ICU's. */
static const char *const fixed_zone[] = {
	"TZID:Custom Zone",
	"BEGIN:STANDARD",
	"DTSTART:16010101T000000",
	"TZOFFSETFROM:+0530",
	"TZOFFSETTO:+0530",
	"END:STANDARD",
};

/* Exchange escapes the TZID property's commas, not the parameter's. */
static const char *const escaped_zone[] = {
	"TZID:(UTC+07:00) Bangkok\\, Hanoi\\, Jakarta",
	"BEGIN:STANDARD",
	"DTSTART:16010101T000000",
	"TZOFFSETFROM:+0700",
	"TZOFFSETTO:+0700",
	"END:STANDARD",
};

static struct mm_event *
lines_event(const char *const *lines, size_t n)
{
	struct mm_event *ev = mm_event_new(10);
	size_t i;

	for (i = 0; i < n; i++)
		mm_event_add_line(ev, lines[i], strlen(lines[i]), (unsigned)(11 + i));
	return ev;
}

static const struct {
	const char *name;
	bool with_file_zones;
	const char *value;      /* as in DTSTART */
	const char *tzid;       /* NULL: none */
	int want_rc;
	const char *want;       /* UTC as YYYYMMDDTHHMMSSZ, or the error */
} cases[] = {
	{ "file zone, summer", true, "20260330T100000", "W. Europe Standard Time",
	  0, "20260330T080000Z" },
	{ "file zone, winter", true, "20260323T100000", "W. Europe Standard Time",
	  0, "20260323T090000Z" },
	{ "file zone, back to winter", true, "20261026T100000",
	  "W. Europe Standard Time", 0, "20261026T090000Z" },
	{ "file zone, case-insensitive", true, "20260330T100000",
	  "w. europe standard time", 0, "20260330T080000Z" },
	{ "file zone wins over names", true, "20260101T120000", "Custom Zone", 0,
	  "20260101T063000Z" },
	{ "escaped TZID property, plain parameter", true, "20190430T090000",
	  "(UTC+07:00) Bangkok, Hanoi, Jakarta", 0, "20190430T020000Z" },
	{ "escaped TZID as written", true, "20190430T090000",
	  "(UTC+07:00) Bangkok\\, Hanoi\\, Jakarta", 0, "20190430T020000Z" },
	{ "Windows name mapped by ICU", false, "20260330T100000",
	  "W. Europe Standard Time", 0, "20260330T080000Z" },
	{ "Windows name, winter", false, "20260323T100000",
	  "W. Europe Standard Time", 0, "20260323T090000Z" },
	{ "Windows Eastern", false, "20260701T090000", "Eastern Standard Time", 0,
	  "20260701T130000Z" },
	{ "IANA name", false, "20260701T090000", "America/New_York", 0,
	  "20260701T130000Z" },
	{ "IANA Berlin", false, "20260330T100000", "Europe/Berlin", 0,
	  "20260330T080000Z" },
	{ "unknown TZID", false, "20260330T100000", "Nowhere Standard Time", -1,
	  "unknown TZID \"Nowhere Standard Time\"" },
	{ "unknown TZID asked twice (cached)", false, "20260330T100000",
	  "Nowhere Standard Time", -1, "unknown TZID \"Nowhere Standard Time\"" },
	{ "UTC value ignores TZID", false, "20260330T100000Z", "Nowhere", 0,
	  "20260330T100000Z" },
	{ "DATE is midnight UTC", false, "20260330", "Europe/Berlin", 0,
	  "20260330T000000Z" },
	{ "floating without TZID is UTC", false, "20260330T100000", NULL, 0,
	  "20260330T100000Z" },
	{ "before 1970", false, "19650101T000000Z", NULL, 0, "19650101T000000Z" },
};

static void
test_cases(void)
{
	struct mm_tzset *with = mm_tzset_new(), *without = mm_tzset_new();
	struct mm_diag diag;
	size_t i;

	mm_diag_init(&diag);
	tap_ok(mm_tzset_add(with, lines_event(mm_test_west_europe,
	    MM_TEST_WEST_EUROPE_LINES), &diag) == 0, "add Outlook VTIMEZONE");
	tap_ok(mm_tzset_add(with, lines_event(fixed_zone,
	    G_N_ELEMENTS(fixed_zone)), &diag) == 0, "add custom VTIMEZONE");
	tap_ok(mm_tzset_add(with, lines_event(escaped_zone,
	    G_N_ELEMENTS(escaped_zone)), &diag) == 0, "add escaped VTIMEZONE");
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_tzset *set = cases[i].with_file_zones ? with : without;
		struct icaltimetype t = icaltime_from_string(cases[i].value);
		int64_t utc = 0;
		int rc = mm_tz_to_utc(set, t, cases[i].tzid, &utc, &diag);

		if (rc == 0) {
			struct icaltimetype back = icaltime_from_timet_with_zone(
			    (time_t)utc, 0, icaltimezone_get_utc_timezone());
			char *s = icaltime_as_ical_string_r(back);

			tap_ok(cases[i].want_rc == 0, "%s: rc", cases[i].name);
			tap_str(s, cases[i].want, cases[i].name);
			free(s);
		} else {
			tap_ok(cases[i].want_rc == -1, "%s: rc", cases[i].name);
			tap_str(diag.message, cases[i].want, cases[i].name);
		}
		mm_diag_clear(&diag);
	}
	tap_ok(mm_tzset_vtimezone(with, "W. Europe Standard Time") != NULL &&
	    mm_tzset_vtimezone(with, "W. Europe Standard Time")->prop_count == 13,
	    "VTIMEZONE lines kept as read");
	tap_ok(mm_tzset_vtimezone(without, "W. Europe Standard Time") == NULL,
	    "no VTIMEZONE lines for a zone the file did not define");
	tap_ok(mm_tzset_lookup(with, "Custom Zone") ==
	    mm_tzset_lookup(with, "Custom Zone"), "lookup returns the same zone");

	/* A second definition of a TZID is refused; the first one stays. */
	tap_ok(mm_tzset_add(with, lines_event(mm_test_west_europe, 5),
	    &diag) == -1 &&
	    strstr(diag.message, "defined twice") != NULL,
	    "duplicate VTIMEZONE refused");
	mm_diag_clear(&diag);
	tap_ok(mm_tzset_add(with, lines_event(mm_test_west_europe + 1, 6),
	    &diag) == -1 &&
	    strstr(diag.message, "without TZID") != NULL,
	    "VTIMEZONE without TZID refused");
	mm_diag_release(&diag);
	mm_tzset_free(with);
	mm_tzset_free(without);
	mm_tzset_free(NULL);
}

/*
 * A fixed zone named "Zone N" (offset +N%14:N%60), made up as a fuzzer or a
 * hostile file would make thousands.
 */
static struct mm_event *
made_up_zone(unsigned n)
{
	char *tzid = g_strdup_printf("TZID:Zone %u", n);
	char *offset = g_strdup_printf("TZOFFSETTO:+%02u%02u", n % 14, n % 60);
	char *from = g_strdup_printf("TZOFFSETFROM:+%02u%02u", n % 14, n % 60);
	const char *lines[] = {
		tzid, "BEGIN:STANDARD", "DTSTART:16010101T000000", from, offset,
		"END:STANDARD",
	};
	struct mm_event *ev = lines_event(lines, G_N_ELEMENTS(lines));

	g_free(tzid);
	g_free(offset);
	g_free(from);
	return ev;
}

/*
 * MM_LIMIT_ZONES: one input defines at most that many zones, and the
 * process keeps at most that many made zones; zones past it belong to
 * their input and still convert times.
 */
static void
test_zone_limits(void)
{
	struct mm_tzset *set = mm_tzset_new(), *second = mm_tzset_new();
	struct mm_diag diag;
	bool all = true;
	unsigned n;
	int64_t utc = 0;

	mm_diag_init(&diag);
	for (n = 0; n < MM_LIMIT_ZONES; n++)
		all = all && mm_tzset_add(set, made_up_zone(n), &diag) == 0;
	tap_ok(all, "MM_LIMIT_ZONES zones in one input");
	tap_ok(mm_tzset_add(set, made_up_zone(n), &diag) == -1 &&
	    diag.code == MM_DIAG_LIMIT && strstr(diag.message,
	    "more than MM_LIMIT_ZONES (1000) time zones in one input") != NULL,
	    "one more is refused with the limit named");
	mm_diag_clear(&diag);
	/* The cache is full now: a new zone is the second input's own. */
	tap_ok(mm_tzset_add(second, made_up_zone(MM_LIMIT_ZONES + 7), &diag) ==
	    0, "a zone past the process cache is added");
	tap_ok(mm_tz_to_utc(second, icaltime_from_string("20260101T120000"),
	    "Zone 1007", &utc, &diag) == 0 && utc == 1767268800 - (13 * 3600 +
	    47 * 60), "and converts times");
	mm_diag_release(&diag);
	mm_tzset_free(second);
	mm_tzset_free(set);
}

int
main(void)
{
	test_cases();
	test_zone_limits();
	return tap_done();
}
