/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: the EWS XML reader and, on every meeting it returns, what a
 * migration runs on one meeting from EWS input: selection, rewrite, the
 * iTIP REQUEST and the UpdateItem request.  The input is one EWS dump file
 * (SOAP envelopes, bare payloads, Trace files; any encoding libxml2 knows).
 * It checks nothing but memory safety, undefined behaviour, leaks and
 * time; it prints nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define FUZZ_TARGET "fuzz_read_ews"
#include "fuzz_pipeline.h"
#include "read_ews.h"
#include "write_ews.h"

/*
 * One meeting through a migration, and what EWS output adds: the
 * UpdateItem request and the bodies it sends back.
 */
static void
run_pipeline(struct mm_meeting *m, unsigned index)
{
	struct mm_ews_update up = {
		.target = (index & 2) ? MM_BLOCK_TEAMS : MM_BLOCK_SFB,
		.join_url = "https://meet.contoso.com/ashaw/ABCD1234",
		.conference_id = "7654321",
	};
	struct mm_verdict v;
	struct mm_diag diag;
	GString *ics, *xml;

	(void)mm_ews_item_is_organizer(m->ews);
	(void)mm_ews_item_addin_marker(m->ews);
	if (fuzz_pipeline_run(m, index, &v, &ics)) {
		mm_diag_init(&diag);
		xml = g_string_new(NULL);
		(void)mm_write_ews_update(xml, m, v.event_selected, &up, &diag);
		for (size_t i = 0; i < m->event_count; i++) {
			size_t len = 0;

			mm_diag_clear(&diag);
			g_free(mm_write_ews_body(m, i, &len, &diag));
		}
		g_string_free(xml, TRUE);
		g_string_free(ics, TRUE);
		mm_diag_release(&diag);
	}
	mm_verdict_release(&v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_read_ews *reader;
	struct mm_read_ews_stats stats;
	struct mm_meeting *m;
	struct mm_diag diag;
	unsigned index = 0;

	mm_diag_init(&diag);
	(void)mm_read_ews_sniff((const char *)data, size);
	reader = mm_read_ews_open_memory((const char *)data, size, "fuzz.xml",
	    &diag);
	if (reader == NULL)
		goto out;
	while (mm_read_ews_next(reader, &m, &diag) == 1) {
		run_pipeline(m, index++);
		mm_meeting_free(m);
	}
	(void)mm_read_ews_warnings(reader);
	mm_read_ews_stats(reader, &stats);
	mm_read_ews_close(reader);
out:
	mm_diag_release(&diag);
	return 0;
}
