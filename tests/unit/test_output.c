/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Safe output: a committed file has exactly the bytes written and no
 * temporary file stays behind; an aborted or failed one leaves nothing; each
 * failure carries the diag code the command layer turns into 73 or 74.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "limits.h"
#include "output.h"
#include "tap.h"

static char *tmpdir;

static int
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in DIR, sorted and joined with ' ' ("" when empty). */
static char *
list_dir(const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	char *joined;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	if (d != NULL)
		g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	g_ptr_array_add(names, NULL);
	joined = g_strjoinv(" ", (char **)names->pdata);
	g_ptr_array_free(names, TRUE);
	return joined;
}

static char *
fresh_dir(const char *name)
{
	char *dir = g_build_filename(tmpdir, name, NULL);

	g_mkdir(dir, 0777);
	return dir;
}

/*
 * The descriptor this process holds on the temporary file of PATH, found
 * through /proc, so a test can swap the device under it.
 */
static int
temp_fd_of(const char *path)
{
	char *dir = g_path_get_dirname(path);
	char *base = g_path_get_basename(path);
	char *prefix = g_strdup_printf("%s/.%s.tmp-", dir, base);
	GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
	const char *name;
	int found = -1;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *link = g_build_filename("/proc/self/fd", name, NULL);
		char *target = g_file_read_link(link, NULL);

		if (target != NULL && g_str_has_prefix(target, prefix))
			found = atoi(name);
		g_free(target);
		g_free(link);
	}
	if (d != NULL)
		g_dir_close(d);
	g_free(prefix);
	g_free(base);
	g_free(dir);
	return found;
}

static void
test_commit(void)
{
	static const struct {
		const char *name;
		size_t big;             /* octets of 'x' written in one call */
	} cases[] = {
		{ "small file", 0 },
		{ "file larger than the buffer", 200000 },
		{ "chunk just over the buffer", 64 * 1024 + 1 },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_diag diag;
		char *dir = fresh_dir("commit");
		char *path = g_build_filename(dir, "status.json", NULL);
		GString *want = g_string_new("{\r\n");
		struct mm_outfile *file;
		char *got = NULL, *names;
		gsize got_len = 0;
		struct stat st;
		int rc;

		mm_diag_init(&diag);
		file = mm_outfile_open(path, &diag);
		tap_ok(file != NULL, "%s: open", cases[i].name);
		if (file == NULL)
			continue;
		mm_outfile_write(file, "{\r\n", 3, &diag);
		if (cases[i].big > 0) {
			char *x = g_malloc(cases[i].big);

			memset(x, 'x', cases[i].big);
			mm_outfile_write(file, x, cases[i].big, &diag);
			g_string_append_len(want, x, (gssize)cases[i].big);
			g_free(x);
		}
		mm_outfile_write(file, "}\n", 2, &diag);
		g_string_append(want, "}\n");
		names = list_dir(dir);
		tap_ok(g_str_has_prefix(names, ".status.json.tmp-") &&
		    strchr(names, ' ') == NULL,
		    "%s: only a hidden temporary file before commit (%s)",
		    cases[i].name, names);
		g_free(names);
		rc = mm_outfile_commit(file, &diag);
		tap_ok(rc == 0, "%s: commit", cases[i].name);
		g_file_get_contents(path, &got, &got_len, NULL);
		tap_ok(got != NULL && got_len == want->len &&
		    memcmp(got, want->str, want->len) == 0,
		    "%s: exact contents", cases[i].name);
		names = list_dir(dir);
		tap_ok(g_strcmp0(names, "status.json") == 0,
		    "%s: no temporary file left (%s)", cases[i].name, names);
		g_free(names);
		tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
		    "%s: mode 0666 & ~umask", cases[i].name);
		g_unlink(path);
		g_rmdir(dir);
		g_free(got);
		g_string_free(want, TRUE);
		g_free(path);
		g_free(dir);
		mm_diag_release(&diag);
	}
}

/*
 * Files published together: closed without a sync, nothing in place until
 * each is published, then exactly their bytes and no temporary file.
 */
static void
test_close_publish(void)
{
	struct mm_diag diag;
	char *dir = fresh_dir("publish");
	char *a = g_build_filename(dir, "report.txt", NULL);
	char *b = g_build_filename(dir, "status.json", NULL);
	struct mm_outfile *fa, *fb;
	char *names, *got = NULL;

	mm_diag_init(&diag);
	fa = mm_outfile_open(a, &diag);
	fb = mm_outfile_open(b, &diag);
	if (!tap_ok(fa != NULL && fb != NULL, "publish: open two files")) {
		mm_outfile_abort(fa);
		mm_outfile_abort(fb);
		goto out;
	}
	mm_outfile_write(fa, "report\n", 7, &diag);
	mm_outfile_write(fb, "{}\n", 3, &diag);
	tap_ok(mm_outfile_close(fa, &diag) == 0 &&
	    mm_outfile_close(fb, &diag) == 0, "publish: both closed");
	names = list_dir(dir);
	tap_ok(g_str_has_prefix(names, ".report.txt.tmp-") &&
	    strstr(names, " .status.json.tmp-") != NULL,
	    "publish: closed files keep their hidden names (%s)", names);
	g_free(names);
	tap_ok(mm_output_sync(dir, &diag) == 0, "publish: one sync for both");
	tap_ok(mm_outfile_publish(fa, &diag) == 0, "publish: the first");
	names = list_dir(dir);
	tap_ok(g_str_has_prefix(names, ".status.json.tmp-") &&
	    g_str_has_suffix(names, " report.txt"),
	    "publish: one in place, one still hidden (%s)", names);
	g_free(names);
	mm_outfile_abort(fb);
	names = list_dir(dir);
	tap_str(names, "report.txt", "publish: an aborted closed file is removed");
	g_free(names);
	g_file_get_contents(a, &got, NULL, NULL);
	tap_str(got, "report\n", "publish: exact contents");
	g_free(got);

	/* Publishing an open file is a caller's error, and cleans up. */
	fb = mm_outfile_open(b, &diag);
	tap_ok(mm_outfile_publish(fb, &diag) == -1 &&
	    diag.code == MM_DIAG_INTERNAL, "publish: an open file is refused");
	names = list_dir(dir);
	tap_str(names, "report.txt", "publish: and removed");
	g_free(names);
out:
	g_unlink(a);
	g_rmdir(dir);
	g_free(a);
	g_free(b);
	g_free(dir);
	mm_diag_release(&diag);
}

/* How many descriptors of this process point into DIR (/proc). */
static unsigned
fds_into(const char *dir)
{
	char *prefix = g_strconcat(dir, "/", NULL);
	GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
	const char *name;
	unsigned n = 0;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *link = g_build_filename("/proc/self/fd", name, NULL);
		char *target = g_file_read_link(link, NULL);

		if (target != NULL && g_str_has_prefix(target, prefix))
			n++;
		g_free(target);
		g_free(link);
	}
	if (d != NULL)
		g_dir_close(d);
	g_free(prefix);
	return n;
}

/*
 * A spool gives back exactly what was written, whether it stayed in memory
 * or moved to a file (only past MM_LIMIT_SPOOL_MEMORY), and never leaves a
 * name in its folder.
 */
static void
test_spool(void)
{
	static const struct {
		const char *name;
		size_t chunk;           /* octets per write */
		size_t total;
	} cases[] = {
		{ "empty", 1, 0 },
		{ "small, in memory", 100, 1000 },
		{ "exactly the memory limit", 4096, MM_LIMIT_SPOOL_MEMORY },
		{ "one octet over the limit", 4097, MM_LIMIT_SPOOL_MEMORY + 1 },
		{ "three times the limit", 65521, 3 * MM_LIMIT_SPOOL_MEMORY },
		{ "one write larger than the limit", 2 * MM_LIMIT_SPOOL_MEMORY,
		    2 * MM_LIMIT_SPOOL_MEMORY },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_diag diag;
		char *dir = fresh_dir("spool");
		struct mm_spool *spool = mm_spool_new("test spool", dir);
		GString *want = g_string_new(NULL), *got = g_string_new(NULL);
		char *chunk = g_malloc(cases[i].chunk), *names;
		char buf[3000];
		size_t n;
		int rc = 0;

		mm_diag_init(&diag);
		while (want->len < cases[i].total && rc == 0) {
			size_t len = cases[i].total - want->len;

			if (len > cases[i].chunk)
				len = cases[i].chunk;
			for (size_t k = 0; k < len; k++)
				chunk[k] = (char)('a' + (want->len + k) % 23);
			rc = mm_spool_write(spool, chunk, len, &diag);
			g_string_append_len(want, chunk, (gssize)len);
		}
		tap_ok(rc == 0, "spool, %s: written", cases[i].name);
		tap_ok(fds_into(dir) == (cases[i].total > MM_LIMIT_SPOOL_MEMORY),
		    "spool, %s: a file only past the memory limit",
		    cases[i].name);
		names = list_dir(dir);
		tap_ok(strcmp(names, "") == 0, "spool, %s: no name in the folder "
		    "(%s)", cases[i].name, names);
		g_free(names);
		rc = mm_spool_rewind(spool, &diag);
		do {
			rc |= mm_spool_read(spool, buf, sizeof buf, &n, &diag);
			g_string_append_len(got, buf, (gssize)n);
		} while (rc == 0 && n > 0);
		tap_ok(rc == 0 && got->len == want->len &&
		    memcmp(got->str, want->str, want->len) == 0,
		    "spool, %s: read back exactly (%zu of %zu octets)",
		    cases[i].name, got->len, want->len);
		tap_ok(mm_spool_write(spool, "x", 1, &diag) == -1 &&
		    diag.code == MM_DIAG_INTERNAL,
		    "spool, %s: no writing after reading", cases[i].name);
		mm_spool_free(spool);
		g_rmdir(dir);
		g_free(chunk);
		g_string_free(want, TRUE);
		g_string_free(got, TRUE);
		g_free(dir);
		mm_diag_release(&diag);
	}
	mm_spool_free(NULL);
}

/*
 * A spool whose folder is gone works in memory and fails, naming the
 * folder, when it must move to a file; every later call fails the same way.
 */
static void
test_spool_cannot_create(void)
{
	struct mm_diag diag;
	char *missing = g_build_filename(tmpdir, "no-such-folder", NULL);
	struct mm_spool *spool = mm_spool_new("status spool", missing);
	char *big = g_malloc0(MM_LIMIT_SPOOL_MEMORY);
	char *first = NULL;
	size_t n;

	mm_diag_init(&diag);
	tap_ok(mm_spool_write(spool, big, 10, &diag) == 0,
	    "spool in a missing folder: memory is enough at first");
	tap_ok(mm_spool_write(spool, big, MM_LIMIT_SPOOL_MEMORY, &diag) == -1 &&
	    diag.code == MM_DIAG_CANTCREAT && diag.message != NULL &&
	    g_str_has_prefix(diag.message, "cannot create the status spool in ") &&
	    strstr(diag.message, missing) != NULL,
	    "spool in a missing folder: 73 naming it (%s)",
	    diag.message ? diag.message : "no message");
	first = g_strdup(diag.message);
	mm_diag_clear(&diag);
	tap_ok(mm_spool_write(spool, "x", 1, &diag) == -1 &&
	    g_strcmp0(diag.message, first) == 0,
	    "spool in a missing folder: a later write fails the same way");
	mm_diag_clear(&diag);
	tap_ok(mm_spool_rewind(spool, &diag) == -1 &&
	    mm_spool_read(spool, big, 1, &n, &diag) == -1 && n == 0,
	    "spool in a missing folder: nothing to read");
	mm_spool_free(spool);
	g_free(first);
	g_free(big);
	g_free(missing);
	mm_diag_release(&diag);
}

static void
test_abort(void)
{
	char *dir = fresh_dir("abort");
	char *path = g_build_filename(dir, "x.ics", NULL);
	struct mm_outfile *file = mm_outfile_open(path, NULL);
	char *names;

	mm_outfile_write(file, "BEGIN:VCALENDAR\r\n", 17, NULL);
	mm_outfile_abort(file);
	mm_outfile_abort(NULL);
	names = list_dir(dir);
	tap_str(names, "", "abort leaves nothing");
	g_free(names);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* Opening where no file can be made is 73 and names the path. */
static void
test_cannot_create(void)
{
	char *dir = fresh_dir("cantcreat");
	char *plain = g_build_filename(dir, "plain", NULL);
	char *missing = g_build_filename(dir, "missing", "x.ics", NULL);
	char *under_file = g_build_filename(plain, "x.ics", NULL);
	const struct {
		const char *name;
		const char *path;
	} cases[] = {
		{ "missing folder", missing },
		{ "folder is a file", under_file },
		/* Not even root may create files in /proc. */
		{ "unwritable folder", "/proc/meetmig-test.ics" },
	};
	size_t i;

	g_file_set_contents(plain, "x", 1, NULL);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_diag diag;
		struct mm_outfile *file;

		mm_diag_init(&diag);
		file = mm_outfile_open(cases[i].path, &diag);
		tap_ok(file == NULL && diag.code == MM_DIAG_CANTCREAT &&
		    diag.message != NULL &&
		    g_str_has_prefix(diag.message, "cannot create ") &&
		    strstr(diag.message, cases[i].path) != NULL,
		    "%s: 73 naming the path (%s)", cases[i].name,
		    diag.message ? diag.message : "no message");
		mm_outfile_abort(file);
		mm_diag_release(&diag);
	}
	g_unlink(plain);
	g_rmdir(dir);
	g_free(under_file);
	g_free(missing);
	g_free(plain);
	g_free(dir);
}

/*
 * A full device: the temporary file's descriptor is replaced with /dev/full,
 * so every write fails with ENOSPC as on a full disk.  Whether the error
 * shows at write (a large chunk) or at commit (a buffered one), it is 74,
 * and nothing is left in the folder.
 */
static void
test_full_device(void)
{
	static const struct {
		const char *name;
		size_t len;
		bool fails_at_write;
	} cases[] = {
		{ "buffered write fails at commit", 10, false },
		{ "large write fails at once", 100000, true },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mm_diag diag;
		char *dir = fresh_dir("full");
		char *path = g_build_filename(dir, "0001-abc.eml", NULL);
		struct mm_outfile *file;
		char *data = g_malloc0(cases[i].len), *names;
		int fd, full, wrc, crc;

		mm_diag_init(&diag);
		file = mm_outfile_open(path, &diag);
		fd = temp_fd_of(path);
		full = open("/dev/full", O_WRONLY);
		tap_ok(file != NULL && fd >= 0 && full >= 0 && dup2(full, fd) == fd,
		    "%s: temporary file put on /dev/full", cases[i].name);
		if (full >= 0)
			close(full);
		wrc = mm_outfile_write(file, data, cases[i].len, &diag);
		tap_ok((wrc == -1) == cases[i].fails_at_write,
		    "%s: write returns %d", cases[i].name, wrc);
		crc = mm_outfile_commit(file, &diag);
		tap_ok(crc == -1 && diag.code == MM_DIAG_IOERR &&
		    diag.message != NULL && strstr(diag.message, path) != NULL &&
		    strstr(diag.message, g_strerror(ENOSPC)) != NULL,
		    "%s: commit is 74 naming path and reason (%s)", cases[i].name,
		    diag.message ? diag.message : "no message");
		names = list_dir(dir);
		tap_str(names, "", "nothing left on a full device");
		g_free(names);
		g_rmdir(dir);
		g_free(data);
		g_free(path);
		g_free(dir);
		mm_diag_release(&diag);
	}
}

static void
test_files_and_folders(void)
{
	struct mm_diag diag;
	char *dir = fresh_dir("tree");
	char *deep = g_build_filename(dir, "a", "b", "updates", NULL);
	char *file = g_build_filename(deep, "1.ics", NULL);
	char *moved = g_build_filename(deep, "2.ics", NULL);
	char *under_file = g_build_filename(file, "sub", NULL);
	char *got = NULL;
	int rc;

	mm_diag_init(&diag);
	tap_ok(mm_output_mkdirs(deep, &diag) == 0 && g_file_test(deep,
	    G_FILE_TEST_IS_DIR), "mkdirs creates parents");
	tap_ok(mm_output_mkdirs(deep, &diag) == 0, "mkdirs on an existing folder");
	rc = mm_output_write_file(file, "abc", 3, &diag);
	g_file_get_contents(file, &got, NULL, NULL);
	tap_ok(rc == 0 && g_strcmp0(got, "abc") == 0, "write_file");
	g_free(got);
	got = NULL;
	rc = mm_output_mkdirs(under_file, &diag);
	tap_ok(rc == -1 && diag.code == MM_DIAG_CANTCREAT &&
	    g_str_has_prefix(diag.message, "cannot create ") &&
	    strstr(diag.message, under_file) != NULL,
	    "mkdirs under a file is 73 (%s)", diag.message);
	mm_diag_clear(&diag);
	rc = mm_output_rename(file, moved, &diag);
	g_file_get_contents(moved, &got, NULL, NULL);
	tap_ok(rc == 0 && g_strcmp0(got, "abc") == 0 &&
	    !g_file_test(file, G_FILE_TEST_EXISTS), "rename");
	g_free(got);
	rc = mm_output_rename(file, moved, &diag);
	tap_ok(rc == -1 && diag.code == MM_DIAG_IOERR &&
	    g_str_has_prefix(diag.message, "cannot rename "),
	    "rename of a missing file is 74 (%s)", diag.message);
	rc = mm_output_write_file(under_file, "x", 1, &diag);
	tap_ok(rc == -1 && diag.code == MM_DIAG_CANTCREAT,
	    "write_file where no file can be made is 73");
	g_unlink(moved);
	g_rmdir(deep);
	*strrchr(deep, G_DIR_SEPARATOR) = '\0';
	g_rmdir(deep);
	*strrchr(deep, G_DIR_SEPARATOR) = '\0';
	g_rmdir(deep);
	g_rmdir(dir);
	g_free(under_file);
	g_free(moved);
	g_free(file);
	g_free(deep);
	g_free(dir);
	mm_diag_release(&diag);
}

static void
test_safe_name(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "ashaw@contoso.com", "ashaw@contoso.com" },
		{ "AShaw@Contoso.COM", "ashaw@contoso.com" },
		{ "sip:ashaw@contoso.com", "sip_ashaw@contoso.com" },
		{ "CONTOSO\\ashaw", "contoso_ashaw" },
		{ "../../etc/passwd", "_._.._etc_passwd" },
		{ "..", "_." },
		{ ".", "_" },
		{ "", "_" },
		{ NULL, "_" },
		{ ".hidden", "_hidden" },
		{ "a b\tc\r\nd", "a_b_c__d" },
		{ "\xe5\xbc\xa0\xe4\xbc\x9f@contoso.cn", "__@contoso.cn" },
		{ "Ana Mar\xc3\xad" "a", "ana_mar_a" },
		{ "CN=Ana,OU=Users,DC=contoso", "cn_ana_ou_users_dc_contoso" },
	};
	char *long_text, *got, *hash;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *shown = g_strescape(cases[i].text ? cases[i].text :
		    "(null)", NULL);
		char *name = g_strdup_printf("safe name of \"%s\"", shown);

		got = mm_output_safe_name(cases[i].text);
		tap_str(got, cases[i].want, name);
		g_free(got);
		g_free(name);
		g_free(shown);
	}
	long_text = g_strnfill(300, 'a');
	got = mm_output_safe_name(long_text);
	hash = mm_output_hash_id(long_text, NULL);
	tap_ok(strlen(got) == 200 && g_str_has_suffix(got, hash) &&
	    got[186] == 'a' && got[187] == '-',
	    "a long name is cut and keeps a hash (%s)", got);
	g_free(hash);
	g_free(got);
	g_free(long_text);
}

static void
test_hash_id(void)
{
	/* Expected values: sha256sum of the same octets, first 12 digits. */
	static const struct {
		const char *uid;
		const char *rid;
		const char *want;
	} cases[] = {
		{ "040000008200E00074C5B7101A82E008", NULL, "1f9af35b6b11" },
		{ "040000008200E00074C5B7101A82E008", "20261201T090000Z",
		  "b955d67c9d8b" },
		{ "", NULL, "e3b0c44298fc" },
		{ NULL, NULL, "e3b0c44298fc" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = mm_output_hash_id(cases[i].uid, cases[i].rid);
		char *name = g_strdup_printf("hash id of %s%s%s",
		    cases[i].uid ? cases[i].uid : "(null)",
		    cases[i].rid ? " + " : "", cases[i].rid ? cases[i].rid : "");

		tap_str(got, cases[i].want, name);
		g_free(name);
		g_free(got);
	}
}

/* The content of file I of a writer case: its number, then SIZE octets. */
static GString *
writer_content(unsigned i, size_t size)
{
	GString *s = g_string_new(NULL);

	g_string_printf(s, "file %u\n", i);
	while (s->len < size)
		g_string_append_c(s, (char)('a' + (s->len + i) % 26));
	return s;
}

/*
 * The writer thread: files written in order with their exact bytes, the
 * first few without the thread, one larger than the backlog alone, a few
 * too few to wake the thread by themselves; a failure is told by every
 * later call and nothing after it is written.
 */
static void
test_writer(void)
{
	static const struct {
		const char *name;
		unsigned files;
		unsigned fail_at;       /* this file's folder is missing; 0: none */
		unsigned big_at;        /* this file is larger than the backlog; 0: none */
	} cases[] = {
		{ "a few files, no thread", 10, 0, 0 },
		{ "many files through the thread", 400, 0, 0 },
		{ "a file larger than the backlog", 200, 0, 150 },
		{ "a failure before the thread starts", 100, 5, 0 },
		{ "a failure in the thread", 400, 300, 0 },
		/* Fewer queued than wake the thread: finish wakes it. */
		{ "a few files through the thread", 70, 0, 0 },
		{ "a failure among a few files in the thread", 70, 68, 0 },
	};
	size_t c;

	for (c = 0; c < G_N_ELEMENTS(cases); c++) {
		char *dir = fresh_dir("writer");
		struct mm_writer *w = mm_writer_new();
		struct mm_diag diag;
		unsigned i, refused_from = 0, wrong = 0, missing = 0, extra = 0;
		int finished;

		mm_diag_init(&diag);
		for (i = 1; i <= cases[c].files; i++) {
			char *path = i == cases[c].fail_at ?
			    g_strdup_printf("%s/missing/f%u", dir, i) :
			    g_strdup_printf("%s/f%u", dir, i);
			size_t size = i == cases[c].big_at ?
			    MM_LIMIT_WRITE_BACKLOG + 1000 : 100 + i * 37 % 20000;

			if (mm_writer_write(w, path, writer_content(i, size),
			    &diag) < 0 && refused_from == 0)
				refused_from = i;
			g_free(path);
		}
		finished = mm_writer_finish(w, &diag);
		mm_writer_free(w);
		for (i = 1; i <= cases[c].files; i++) {
			char *path = g_strdup_printf("%s/f%u", dir, i);
			char *got = NULL;
			gsize len = 0;
			bool should = cases[c].fail_at == 0 || i < cases[c].fail_at;

			if (g_file_get_contents(path, &got, &len, NULL)) {
				GString *want = writer_content(i, i == cases[c].big_at ?
				    MM_LIMIT_WRITE_BACKLOG + 1000 : 100 + i * 37 % 20000);

				if (!should)
					extra++;
				else if (len != want->len ||
				    memcmp(got, want->str, len) != 0)
					wrong++;
				g_string_free(want, TRUE);
				g_unlink(path);
			} else if (should)
				missing++;
			g_free(got);
			g_free(path);
		}
		tap_ok(wrong == 0 && missing == 0 && extra == 0,
		    "writer, %s: every file before a failure has its bytes, none "
		    "after (%u wrong, %u missing, %u written after the failure)",
		    cases[c].name, wrong, missing, extra);
		if (cases[c].fail_at == 0) {
			tap_ok(refused_from == 0 && finished == 0,
			    "writer, %s: no call fails", cases[c].name);
		} else {
			char *want = g_strdup_printf("missing/f%u", cases[c].fail_at);

			/* The thread may fail after every file is queued. */
			tap_ok(finished == -1 && (refused_from == 0 ||
			    refused_from >= cases[c].fail_at) &&
			    diag.code == MM_DIAG_CANTCREAT && diag.message != NULL &&
			    strstr(diag.message, want) != NULL,
			    "writer, %s: told by finish (and by writes from "
			    "file %u on), naming the file (%s)", cases[c].name, refused_from,
			    diag.message != NULL ? diag.message : "no message");
			g_free(want);
		}
		if (cases[c].fail_at == 5)
			tap_ok(refused_from == 5,
			    "writer, %s: told by the failing call itself",
			    cases[c].name);
		g_rmdir(dir);
		g_free(dir);
		mm_diag_release(&diag);
	}
	mm_writer_free(NULL);
}

/* Renames queued after the writes they follow, with and without the thread. */
static void
test_writer_rename(void)
{
	static const unsigned counts[] = { 3, 300 };

	for (size_t c = 0; c < G_N_ELEMENTS(counts); c++) {
		char *dir = fresh_dir("writer-rename");
		struct mm_writer *w = mm_writer_new();
		struct mm_diag diag;
		unsigned i, ok = 0, left = 0;
		int rc = 0;

		mm_diag_init(&diag);
		for (i = 1; i <= counts[c]; i++) {
			char *path = g_strdup_printf("%s/.f%u.part", dir, i);

			rc |= mm_writer_write(w, path, writer_content(i, 300),
			    &diag);
			g_free(path);
		}
		for (i = 1; i <= counts[c]; i++) {
			char *from = g_strdup_printf("%s/.f%u.part", dir, i);
			char *to = g_strdup_printf("%s/%04u", dir, counts[c] - i + 1);

			rc |= mm_writer_rename(w, from, to, &diag);
			g_free(from);
			g_free(to);
		}
		rc |= mm_writer_finish(w, &diag);
		mm_writer_free(w);
		for (i = 1; i <= counts[c]; i++) {
			char *path = g_strdup_printf("%s/%04u", dir, counts[c] - i + 1);
			char *hidden = g_strdup_printf("%s/.f%u.part", dir, i);
			char *got = NULL;
			GString *want = writer_content(i, 300);

			if (g_file_get_contents(path, &got, NULL, NULL) &&
			    strcmp(got, want->str) == 0)
				ok++;
			if (g_file_test(hidden, G_FILE_TEST_EXISTS))
				left++;
			g_unlink(path);
			g_free(got);
			g_free(path);
			g_free(hidden);
			g_string_free(want, TRUE);
		}
		tap_ok(rc == 0 && ok == counts[c] && left == 0,
		    "writer renames %u files after writing them (%u right, %u "
		    "hidden left)", counts[c], ok, left);
		g_rmdir(dir);
		g_free(dir);
		mm_diag_release(&diag);
	}
}

/*
 * A writer that has gone idle and is given fewer files than wake it: the
 * finish wakes it (were it not woken, the alarm of main() ends the test).
 */
static void
test_writer_idle(void)
{
	char *dir = fresh_dir("writer-idle");
	struct mm_writer *w = mm_writer_new();
	struct mm_diag diag;
	unsigned i, ok = 0;
	int rc = 0;

	mm_diag_init(&diag);
	for (i = 1; i <= 103; i++) {
		char *path = g_strdup_printf("%s/f%u", dir, i);

		rc |= mm_writer_write(w, path, writer_content(i, 300), &diag);
		g_free(path);
		/* The thread has emptied its queue and waits for work. */
		if (i == 100)
			rc |= mm_writer_finish(w, &diag);
	}
	rc |= mm_writer_finish(w, &diag);
	mm_writer_free(w);
	for (i = 1; i <= 103; i++) {
		char *path = g_strdup_printf("%s/f%u", dir, i);
		GString *want = writer_content(i, 300);
		char *got = NULL;

		if (g_file_get_contents(path, &got, NULL, NULL) &&
		    strcmp(got, want->str) == 0)
			ok++;
		g_unlink(path);
		g_free(got);
		g_free(path);
		g_string_free(want, TRUE);
	}
	tap_ok(rc == 0 && ok == 103,
	    "writer, three files after the thread went idle: written (%u of 103)",
	    ok);
	g_rmdir(dir);
	g_free(dir);
	mm_diag_release(&diag);
}

int
main(void)
{
	GError *error = NULL;

	/* A thread waited for and never woken fails the test, not CI. */
	alarm(300);
	umask(022);
	tmpdir = g_dir_make_tmp("meetmig-output-XXXXXX", &error);
	if (tmpdir == NULL) {
		printf("Bail out! cannot make a temporary folder: %s\n",
		    error->message);
		return 1;
	}
	test_commit();
	test_close_publish();
	test_abort();
	test_cannot_create();
	test_full_device();
	test_files_and_folders();
	test_safe_name();
	test_hash_id();
	test_writer();
	test_writer_rename();
	test_writer_idle();
	test_spool();
	test_spool_cannot_create();
	g_rmdir(tmpdir);
	g_free(tmpdir);
	return tap_done();
}
