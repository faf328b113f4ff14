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
#include <string.h>

#include <glib.h>

#include "block.h"
#include "coords.h"
#include "diag.h"
#include "identity.h"
#include "meeting.h"
#include "read_ics.h"
#include "rewrite.h"
#include "select.h"
#include "write_itip.h"
#include "write_mime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		g_error("fuzz_read_ics: setup failed: %s", diag.message);
	coords_empty = mm_coords_load(NULL, &diag);
	coords_full = mm_coords_load_memory(fuzz_coords, strlen(fuzz_coords),
	    "fuzz.ini", &diag);
	if (coords_empty == NULL || coords_full == NULL)
		g_error("fuzz_read_ics: coordinates: %s", diag.message);
	mm_diag_release(&diag);
	return 0;
}

/* Select, rewrite and write one meeting, as migrate.c does. */
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
	struct mm_mime_options mopt = { .now = FUZZ_NOW, .sender = NULL };
	struct mm_verdict v;
	struct mm_diag diag;
	GString *ics = NULL, *eml = NULL;

	mm_diag_init(&diag);
	mm_verdict_init(&v);
	if (mm_select_meeting(engine, m, &sopt, &v, &diag) < 0)
		goto out;
	if (mm_rewrite_meeting(m, &v, &ropt, &diag) < 0)
		goto out;
	if (v.result != MM_RESULT_UPDATED)
		goto out;
	ics = g_string_new(NULL);
	mm_write_itip_request(ics, m, v.event_selected);
	eml = g_string_new(NULL);
	(void)mm_write_mime(eml, m, &v, ics->str, ics->len, &mopt, &diag);
out:
	if (ics != NULL)
		g_string_free(ics, TRUE);
	if (eml != NULL)
		g_string_free(eml, TRUE);
	mm_verdict_release(&v);
	mm_diag_release(&diag);
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
