/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * For fuzz targets whose module reads a file by name only (the directory
 * CSV, the Teams links CSV): a private temporary folder made once per
 * process and removed at exit, and a way to put an input in a file there.
 * Only the fuzz targets include this.
 */
#ifndef MM_FUZZ_TMP_H
#define MM_FUZZ_TMP_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>

static char *fuzz_tmp_dir;
static GPtrArray *fuzz_tmp_files;

static void
fuzz_tmp_cleanup(void)
{
	guint i;

	for (i = 0; fuzz_tmp_files != NULL && i < fuzz_tmp_files->len; i++)
		unlink(g_ptr_array_index(fuzz_tmp_files, i));
	if (fuzz_tmp_dir != NULL)
		rmdir(fuzz_tmp_dir);
}

/* Makes the folder (once); aborts when it cannot. */
static inline const char *
fuzz_tmp_init(void)
{
	if (fuzz_tmp_dir == NULL) {
		char *tmpl = g_build_filename(g_get_tmp_dir(),
		    "meetmig-fuzz-XXXXXX", NULL);

		if (mkdtemp(tmpl) == NULL)
			g_error("fuzz: cannot make a temporary folder");
		fuzz_tmp_dir = tmpl;
		fuzz_tmp_files = g_ptr_array_new_with_free_func(g_free);
		atexit(fuzz_tmp_cleanup);
	}
	return fuzz_tmp_dir;
}

/*
 * Writes LEN octets of DATA to NAME in the folder, replacing it, and
 * returns the path (owned by this header, valid until exit).
 */
static inline const char *
fuzz_tmp_write(const char *name, const void *data, size_t len)
{
	char *path = g_build_filename(fuzz_tmp_init(), name, NULL);
	FILE *f = fopen(path, "wb");
	guint i;

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		g_error("fuzz: cannot write %s", path);
	for (i = 0; i < fuzz_tmp_files->len; i++)
		if (g_strcmp0(g_ptr_array_index(fuzz_tmp_files, i), path) == 0) {
			g_free(path);
			return g_ptr_array_index(fuzz_tmp_files, i);
		}
	g_ptr_array_add(fuzz_tmp_files, path);
	return path;
}

#endif
