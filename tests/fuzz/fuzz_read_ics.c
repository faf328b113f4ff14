/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: the iCalendar reader and, on every meeting it returns, the
 * whole pipeline a migration runs on one meeting (selection, rewrite, the
 * iTIP REQUEST and the iMIP message).  The input is a mailbox export as
 * untrusted as any a user hands us.  It checks nothing but memory safety,
 * undefined behaviour, leaks and time; it prints nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define FUZZ_TARGET "fuzz_read_ics"
#include "fuzz_pipeline.h"
#include "read_ics.h"
#include "write_mime.h"

/* One meeting through a migration, as migrate.c runs it, and its .eml. */
static void
run_pipeline(struct mm_meeting *m, unsigned index)
{
	struct mm_mime_options mopt = { .now = FUZZ_NOW, .sender = NULL };
	struct mm_verdict v;
	struct mm_diag diag;
	GString *ics, *eml;

	if (fuzz_pipeline_run(m, index, &v, &ics)) {
		mm_diag_init(&diag);
		eml = g_string_new(NULL);
		(void)mm_write_mime(eml, m, &v, ics->str, ics->len, &mopt, &diag);
		g_string_free(eml, TRUE);
		g_string_free(ics, TRUE);
		mm_diag_release(&diag);
	}
	mm_verdict_release(&v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_read_ics *reader;
	struct mm_meeting *m;
	struct mm_diag diag;
	unsigned index = 0;
	int r;

	mm_diag_init(&diag);
	reader = mm_read_ics_open_memory((const char *)data, size, "fuzz.ics",
	    &diag);
	if (reader == NULL)
		goto out;
	while ((r = mm_read_ics_next(reader, &m, &diag)) == 1) {
		run_pipeline(m, index++);
		mm_meeting_free(m);
	}
	(void)mm_read_ics_warnings(reader);
	(void)mm_read_ics_calendar(reader);
	mm_read_ics_close(reader);
out:
	mm_diag_release(&diag);
	return 0;
}
