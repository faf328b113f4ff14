/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the two reader targets share: the setup of a migration (identity
 * ashaw@contoso.com, a block engine, empty and full SfB coordinates,
 * --now 2026-11-21T09:00:00Z) and, on each meeting read, the selection,
 * rewrite and iTIP REQUEST that migrate.c runs.  Each target then adds the
 * writers of its own format.  Included by one target at a time: the state
 * is file-local.
 */
#ifndef MM_FUZZ_PIPELINE_H
#define MM_FUZZ_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "block.h"
#include "coords.h"
#include "diag.h"
#include "identity.h"
#include "meeting.h"
#include "rewrite.h"
#include "select.h"
#include "write_itip.h"

/* The golden tests' --now, 2026-11-21T09:00:00Z (fixtures/README). */
#define FUZZ_NOW        INT64_C(1795251600)

/*
 * Coordinates with every SfB value set, so the rewrite renders a full block
 * for half of the meetings; the other half see empty coordinates, where
 * every value is kept from the old block.  No [teams] links: a fuzz target
 * reads no file.
 */
static const char fuzz_coords[] =
    "[meeting]\nlanguage = auto\n"
    "[sfb]\nmeet-url = https://meet.contoso.com/{user}/{conference-key}\n"
    "dialin-url = https://dialin.contoso.com\nconference-key = keep\n"
    "[audio]\nprovider = microsoft\n"
    "toll-number = +1 425 555 0100\ntoll-free-number = +1 800 555 0100\n"
    "conference-id = 7654321\n";

static struct mm_block_engine *fuzz_engine;
static struct mm_identity fuzz_identity;
static struct mm_coords *fuzz_coords_empty, *fuzz_coords_full;

/* Builds the shared state once; TARGET names the target in messages. */
static void
fuzz_pipeline_init(const char *target)
{
	struct mm_diag diag;

	mm_diag_init(&diag);
	fuzz_engine = mm_block_engine_new(&diag);
	if (fuzz_engine == NULL || mm_identity_resolve("ashaw@contoso.com",
	    NULL, &fuzz_identity, &diag) != 0)
		g_error("%s: setup failed: %s", target, diag.message);
	fuzz_coords_empty = mm_coords_load(NULL, &diag);
	fuzz_coords_full = mm_coords_load_memory(fuzz_coords,
	    strlen(fuzz_coords), "fuzz.ini", &diag);
	if (fuzz_coords_empty == NULL || fuzz_coords_full == NULL)
		g_error("%s: coordinates: %s", target, diag.message);
	mm_diag_release(&diag);
}

/*
 * The target's libFuzzer initialisation, the same for both reader targets:
 * the shared state, built once.  FUZZ_TARGET names the target; define it
 * before including this header, which one file of each program includes.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pipeline_init(FUZZ_TARGET);
	return 0;
}

/*
 * Selects and rewrites meeting INDEX as migrate.c does, varying the options
 * by INDEX (--include-pasted and full coordinates on odd meetings, a Teams
 * target on every other pair).  Returns true when the meeting was updated,
 * with *ICS holding its iTIP REQUEST (free it); *V is to be released in
 * every case.
 */
static bool
fuzz_pipeline_run(struct mm_meeting *m, unsigned index, struct mm_verdict *v,
    GString **ics)
{
	struct mm_select_options sopt = {
		.identity = &fuzz_identity,
		.now = FUZZ_NOW,
		.source_types = MM_SOURCE_ALL,
		.max_attendees = 250,
		.include_pasted = (index & 1) != 0,
	};
	struct mm_rewrite_options ropt = {
		.target = (index & 2) ? MM_TARGET_TEAMS : MM_TARGET_CURRENT,
		.coords = (index & 1) ? fuzz_coords_full : fuzz_coords_empty,
		.user = fuzz_identity.upn ? fuzz_identity.upn : fuzz_identity.given,
		.language = NULL,
		.now = FUZZ_NOW,
	};
	struct mm_diag diag;
	bool updated = false;

	*ics = NULL;
	mm_diag_init(&diag);
	mm_verdict_init(v);
	if (mm_select_meeting(fuzz_engine, m, &sopt, v, &diag) == 0 &&
	    mm_rewrite_meeting(m, v, &ropt, &diag) == 0 &&
	    v->result == MM_RESULT_UPDATED) {
		*ics = g_string_new(NULL);
		mm_write_itip_request(*ics, m, v->event_selected);
		updated = true;
	}
	mm_diag_release(&diag);
	return updated;
}

#endif
