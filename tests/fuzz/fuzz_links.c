/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: the Teams links CSV, reached as a migration reaches it: a
 * coordinates key file whose [teams] links names it.  The coordinates
 * module reads the CSV by path only, so the input is written to a file in a
 * private temporary folder first.  Each of the first rows' UID and
 * recurrence ID (read again with csv.h) is then resolved to a Teams target,
 * so lookups run on keys the file itself holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "block.h"
#include "coords.h"
#include "csv.h"
#include "diag.h"
#include "fuzz_tmp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows whose keys are resolved; the rest are only loaded. */
#define FUZZ_ROWS       16

static const char ini[] = "[teams]\nlinks = links.csv\n";
static char *ini_name;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ini_name = g_build_filename(fuzz_tmp_init(), "fuzz.ini", NULL);
	return 0;
}

static void
resolve(const struct mm_coords *coords, const char *uid, const char *rid)
{
	struct mm_target t;
	struct mm_diag diag;

	mm_diag_init(&diag);
	memset(&t, 0, sizeof(t));
	if (mm_coords_resolve(coords, "ashaw@contoso.com", "ashaw@contoso.com",
	    uid, rid, MM_BLOCK_TEAMS, NULL, &t, &diag) == MM_COORDS_OK)
		mm_target_release(&t);
	mm_diag_release(&diag);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_coords *coords;
	struct mm_csv *csv = NULL;
	struct mm_diag diag;
	int rows = 0;

	mm_diag_init(&diag);
	(void)fuzz_tmp_write("links.csv", data, size);
	coords = mm_coords_load_memory(ini, strlen(ini), ini_name, &diag);
	if (coords == NULL)
		goto out;
	resolve(coords, "fuzz-uid", NULL);
	csv = mm_csv_open_memory((const char *)data, size, "links.csv", &diag);
	while (csv != NULL && rows++ < FUZZ_ROWS &&
	    mm_csv_next(csv, &diag) == 1) {
		const char *rid = mm_csv_get(csv, "recurrence_id");

		resolve(coords, mm_csv_get(csv, "uid"), *rid ? rid : NULL);
	}
out:
	mm_csv_close(csv);
	mm_coords_free(coords);
	mm_diag_release(&diag);
	return 0;
}
