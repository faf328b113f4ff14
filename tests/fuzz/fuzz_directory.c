/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: the user directory CSV (an Active Directory export).  The
 * identity module reads it by path only, so the input is written to a file
 * in a private temporary folder first.  A few fixed identities, and each
 * column value of the first rows (read again with csv.h), are then
 * resolved through it, and the identities found are matched against
 * addresses and names, as selection does.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "csv.h"
#include "diag.h"
#include "fuzz_tmp.h"
#include "identity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rows and columns whose values are resolved as identities. */
#define FUZZ_ROWS       4
#define FUZZ_COLUMNS    32

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	(void)fuzz_tmp_init();
	return 0;
}

static void
resolve(const struct mm_directory *dir, const char *given)
{
	static const char *const addresses[] = {
		"mailto:ashaw@contoso.com", "sip:alex.shaw@contoso.com",
		"/o=Contoso/ou=Exchange Administrative Group "
		"(FYDIBOHF23SPDLT)/cn=Recipients/cn=ashaw",
		"ÅSA@contoso.com", "", NULL,
	};
	struct mm_identity id;
	struct mm_diag diag;
	size_t i;

	mm_diag_init(&diag);
	memset(&id, 0, sizeof(id));
	if (mm_identity_resolve(given, dir, &id, &diag) == 0) {
		for (i = 0; i < G_N_ELEMENTS(addresses); i++)
			(void)mm_identity_matches(&id, addresses[i], given,
			    NULL);
		(void)mm_identity_matches(&id, given, NULL, NULL);
		mm_identity_release(&id);
	}
	mm_diag_release(&diag);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {
		"ashaw@contoso.com", "CONTOSO\\ashaw", "Alex Shaw",
		"sip:alex.shaw@contoso.com", "CN=Alex Shaw,OU=Users,DC=contoso,DC=com",
	};
	const char *path = fuzz_tmp_write("directory.csv", data, size);
	struct mm_directory *dir;
	struct mm_csv *csv = NULL;
	struct mm_diag diag;
	int rows = 0, c;
	size_t i;

	mm_diag_init(&diag);
	dir = mm_directory_load(path, &diag);
	if (dir == NULL)
		goto out;
	for (i = 0; i < G_N_ELEMENTS(fixed); i++)
		resolve(dir, fixed[i]);
	csv = mm_csv_open_memory((const char *)data, size, "directory.csv",
	    &diag);
	while (csv != NULL && rows++ < FUZZ_ROWS &&
	    mm_csv_next(csv, &diag) == 1)
		for (c = 0; c < mm_csv_field_count(csv) && c < FUZZ_COLUMNS;
		    c++)
			resolve(dir, mm_csv_field(csv, c));
out:
	mm_csv_close(csv);
	mm_directory_free(dir);
	mm_diag_release(&diag);
	return 0;
}
