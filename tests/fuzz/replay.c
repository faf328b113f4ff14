/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A main() for a fuzz target built without libFuzzer: it runs the target's
 * LLVMFuzzerTestOneInput once over each file named on the command line, and
 * over each regular file in a folder named there (in byte order of names,
 * not recursing), so that `make check` replays the crash inputs kept under
 * fixtures/fuzz/ with the ordinary compiler.  A crash, a sanitizer report
 * or a hang is the failure; the target's own result is not.  It prints one
 * line on stdout, "replayed N inputs", and errors on stderr.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, unsigned *count)
{
	GError *error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		g_error_free(error);
		return -1;
	}
	/* libFuzzer hands the target a copy it owns; so do we, without the
	   NUL g_file_get_contents adds, so reads past the end are caught. */
	{
		uint8_t *copy = g_malloc(len > 0 ? len : 1);

		memcpy(copy, data, len);

		LLVMFuzzerTestOneInput(copy, len);
		g_free(copy);
	}
	g_free(data);
	(*count)++;
	return 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *path, unsigned *count)
{
	GError *error = NULL;
	GDir *dir = g_dir_open(path, 0, &error);
	GPtrArray *names;
	const char *name;
	int rc = 0;
	guint i;

	if (dir == NULL) {
		fprintf(stderr, "replay: %s\n", error->message);
		g_error_free(error);
		return -1;
	}
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_build_filename(path, name, NULL));
	g_dir_close(dir);
	qsort(names->pdata, names->len, sizeof(gpointer), compare_names);
	for (i = 0; i < names->len; i++) {
		const char *file = g_ptr_array_index(names, i);

		if (!g_file_test(file, G_FILE_TEST_IS_REGULAR))
			continue;
		if (replay_file(file, count) != 0)
			rc = -1;
	}
	g_ptr_array_free(names, TRUE);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned count = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 64;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		int r;

		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR))
			r = replay_dir(argv[i], &count);
		else
			r = replay_file(argv[i], &count);
		if (r != 0)
			rc = 66;
	}
	printf("replayed %u inputs\n", count);
	return rc;
}
