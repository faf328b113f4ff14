/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: the coordinates key file (mm_coords_load_memory()), then
 * resolving targets from it for a few users, both target types and a
 * master and an exception, as the rewrite does.  The file is named as if it
 * lay in a private temporary folder that holds one small links CSV, as
 * links.csv and as teams-links.csv (the name fixtures/coordinates.ini, a
 * seed, gives), so that "[teams] links" reaches the links loader; the links
 * CSV itself is fuzzed by fuzz_links.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "block.h"
#include "coords.h"
#include "diag.h"
#include "fuzz_tmp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char links_csv[] =
    "uid,recurrence_id,join_url,meeting_id,passcode,conference_id,dialin_url\n"
    "fuzz-uid,,https://teams.microsoft.com/l/meetup-join/19%3ameeting_X"
    "%40thread.v2/0,742 903 405 485 65,gDSQqZ,566559184,"
    "https://dialin.teams.microsoft.com/x?id=566559184\n"
    "fuzz-uid,20261121T090000Z,https://teams.microsoft.com/meet/123,,,,\n";

static char *ini_name;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	(void)fuzz_tmp_write("links.csv", links_csv, strlen(links_csv));
	(void)fuzz_tmp_write("teams-links.csv", links_csv, strlen(links_csv));
	ini_name = g_build_filename(fuzz_tmp_init(), "fuzz.ini", NULL);
	return 0;
}

static void
resolve(const struct mm_coords *coords, const char *user,
    const char *recurrence_id, enum mm_block_type type)
{
	/* The old block's strings are owned (char *) in struct mm_block. */
	static char join_url[] = "https://meet.lync.com/contoso/ashaw/ABCD1234";
	static char conference_key[] = "ABCD1234";
	static char conference_id[] = "1234567";
	struct mm_block old = {
		.type = MM_BLOCK_SFB,
		.profile = "sfb",
		.join_url = join_url,
		.conference_key = conference_key,
		.conference_id = conference_id,
		.newline = "\r\n",
	};
	struct mm_target t;
	struct mm_diag diag;

	mm_diag_init(&diag);
	memset(&t, 0, sizeof(t));
	if (mm_coords_resolve(coords, user, "ashaw@contoso.com", "fuzz-uid",
	    recurrence_id, type, &old, &t, &diag) == MM_COORDS_OK)
		mm_target_release(&t);
	(void)mm_coords_user_language(coords, user);
	mm_diag_release(&diag);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[] = {
		"ashaw@contoso.com", "ASHAW@CONTOSO.COM", "åsa@contoso.com",
		"nobody@example.com", "",
	};
	struct mm_coords *coords;
	struct mm_diag diag;
	size_t i;

	mm_diag_init(&diag);
	coords = mm_coords_load_memory((const char *)data, size, ini_name,
	    &diag);
	if (coords != NULL) {
		(void)mm_coords_language(coords);
		for (i = 0; i < G_N_ELEMENTS(users); i++) {
			resolve(coords, users[i], NULL, MM_BLOCK_SFB);
			resolve(coords, users[i], NULL, MM_BLOCK_TEAMS);
		}
		resolve(coords, users[0], "20261121T090000Z", MM_BLOCK_TEAMS);
	}
	mm_coords_free(coords);
	mm_diag_release(&diag);
	return 0;
}
