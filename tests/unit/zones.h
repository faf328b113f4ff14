/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Test data more than one unit test needs: the VTIMEZONE Outlook and
 * Exchange write for "W. Europe Standard Time" (rules from 1601), as
 * content lines without BEGIN:VTIMEZONE and END:VTIMEZONE.
 */
#ifndef MM_TEST_ZONES_H
#define MM_TEST_ZONES_H

/* MM_TEST_WEST_EUROPE_LINES lines, then NULL. */
static const char *const mm_test_west_europe[] = {
	"TZID:W. Europe Standard Time",
	"BEGIN:STANDARD",
	"DTSTART:16010101T030000",
	"TZOFFSETFROM:+0200",
	"TZOFFSETTO:+0100",
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
	"END:STANDARD",
	"BEGIN:DAYLIGHT",
	"DTSTART:16010101T020000",
	"TZOFFSETFROM:+0100",
	"TZOFFSETTO:+0200",
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
	"END:DAYLIGHT",
	NULL
};
#define MM_TEST_WEST_EUROPE_LINES 13

#endif
