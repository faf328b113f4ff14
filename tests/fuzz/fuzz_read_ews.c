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
#include <string.h>

#include <glib.h>

#include "block.h"
#include "coords.h"
#include "diag.h"
#include "identity.h"
#include "meeting.h"
#include "read_ews.h"
#include "rewrite.h"
#include "select.h"
#include "write_ews.h"
#include "write_itip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The golden tests' --now, 2026-11-21T09:00:00Z (fixtures/README). */
#define FUZZ_NOW        INT64_C(1795251600)

/* As in fuzz_read_ics.c: every SfB value set, no links file. */
static const char fuzz_coords[] =
    "[meeting]\nlanguage = auto\n"
    "[sfb]\nmeet-url = https://meet.contoso.com/{user}/{conference-key}\n"
    "dialin-url = https://dialin.contoso.com\nconference-key = keep\n"
    "[audio]\nprovider = microsoft\n"
    "toll-number = +1 425 555 0100\ntoll-free-number = +1 800 555 0100\n"
    "conference-id = 7654321\n";

static struct mm_block_engine *engine;
static struct mm_identity identity;
static struct mm_coords *coords_empty, *coords_full;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mm_diag diag;

	(void)argc;
	(void)argv;
	mm_diag_init(&diag);
	engine = mm_block_engine_new(&diag);
	if (engine == NULL ||
	    mm_identity_resolve("ashaw@contoso.com", NULL, &identity, &diag) != 0)
		g_error("fuzz_read_ews: setup failed: %s", diag.message);
	coords_empty = mm_coords_load(NULL, &diag);
	coords_full = mm_coords_load_memory(fuzz_coords, strlen(fuzz_coords),
	    "fuzz.ini", &diag);
	if (coords_empty == NULL || coords_full == NULL)
		g_error("fuzz_read_ews: coordinates: %s", diag.message);
	mm_diag_release(&diag);
	return 0;
}

static void
run_pipeline(struct mm_meeting *m, unsigned index)
{
	struct mm_select_options sopt = {
		.identity = &identity,
		.now = FUZZ_NOW,
		.source_types = MM_SOURCE_ALL,
		.max_attendees = 250,
		.include_pasted = (index & 1) != 0,
	};
	struct mm_rewrite_options ropt = {
		.target = (index & 2) ? MM_TARGET_TEAMS : MM_TARGET_CURRENT,
		.coords = (index & 1) ? coords_full : coords_empty,
		.user = identity.upn ? identity.upn : identity.given,
		.language = NULL,
		.now = FUZZ_NOW,
	};
	struct mm_ews_update up = {
		.target = (index & 2) ? MM_BLOCK_TEAMS : MM_BLOCK_SFB,
		.join_url = "https://meet.contoso.com/ashaw/ABCD1234",
		.conference_id = "7654321",
	};
	struct mm_verdict v;
	struct mm_diag diag;
	GString *ics = NULL, *xml = NULL;
	size_t i;

	mm_diag_init(&diag);
	mm_verdict_init(&v);
	(void)mm_ews_item_is_organizer(m->ews);
	(void)mm_ews_item_addin_marker(m->ews);
	if (mm_select_meeting(engine, m, &sopt, &v, &diag) < 0)
		goto out;
	if (mm_rewrite_meeting(m, &v, &ropt, &diag) < 0)
		goto out;
	if (v.result != MM_RESULT_UPDATED)
		goto out;
	ics = g_string_new(NULL);
	mm_write_itip_request(ics, m, v.event_selected);
	xml = g_string_new(NULL);
	(void)mm_write_ews_update(xml, m, v.event_selected, &up, &diag);
	for (i = 0; i < m->event_count; i++) {
		size_t len = 0;

		mm_diag_clear(&diag);
		g_free(mm_write_ews_body(m, i, &len, &diag));
	}
out:
	if (ics != NULL)
		g_string_free(ics, TRUE);
	if (xml != NULL)
		g_string_free(xml, TRUE);
	mm_verdict_release(&v);
	mm_diag_release(&diag);
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
