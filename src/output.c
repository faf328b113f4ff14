/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Safe output: every file meetmig writes goes through here, to a temporary
 * name in its final folder, then fsync'd and renamed into place, so a reader
 * (or a run killed half-way) sees the whole file or none of it.  This module
 * also owns how output names are made from input (a hash, never raw text).
 * It never decides what goes into a file and never prints.
 */
/* syncfs(2): one flush of a whole file system instead of one per file. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "limits.h"
#include "output.h"

/* Writes are gathered so that a file of many small lines costs few syscalls. */
#define OUTFILE_BUFFER  (64 * 1024)

struct mm_outfile {
	char *path;             /* the final name */
	char *tmp_path;         /* where the bytes go until commit */
	int fd;
	char *buf;
	size_t buf_len;
	char *error;            /* the first write failure, reported again by commit */
};

/*
 * The folder part of PATH ("." when there is none), for the temporary name
 * and for the fsync that makes a rename durable.
 */
static char *
dir_of(const char *path)
{
	return g_path_get_dirname(path);
}

/*
 * A rename is durable only once its folder is on disk (rename(2) changes the
 * folder, not the file).  Some file systems refuse fsync on a folder with
 * EINVAL; there is nothing more to do then.
 */
static int
sync_dir(const char *dir)
{
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = -1;
	if (close(fd) != 0 && rc == 0)
		rc = -1;
	return rc;
}

struct mm_outfile *
mm_outfile_open(const char *path, struct mm_diag *diag)
{
	struct mm_outfile *file = NULL;
	char *dir = NULL, *base = NULL, *tmpl = NULL;
	int fd;

	dir = dir_of(path);
	base = g_path_get_basename(path);
	tmpl = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
	/*
	 * g_mkstemp_full() passes MODE to open(2), so the umask applies as it
	 * does to any file a user creates (mkstemp would give 0600).
	 */
	fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0666);
	if (fd < 0) {
		mm_diag_set(diag, MM_DIAG_CANTCREAT, "cannot create %s: %s", path,
		    g_strerror(errno));
		goto out;
	}
	file = g_new0(struct mm_outfile, 1);
	file->path = g_strdup(path);
	file->tmp_path = tmpl;
	tmpl = NULL;
	file->fd = fd;
	file->buf = g_malloc(OUTFILE_BUFFER);
out:
	g_free(tmpl);
	g_free(base);
	g_free(dir);
	return file;
}

/* write(2) until all of it is out; errno tells why when it returns -1. */
static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fail(struct mm_outfile *file, int errnum, struct mm_diag *diag)
{
	if (file->error == NULL)
		file->error = g_strdup_printf("cannot write %s: %s", file->path,
		    g_strerror(errnum));
	return mm_diag_set(diag, MM_DIAG_IOERR, "%s", file->error);
}

static int
flush(struct mm_outfile *file, struct mm_diag *diag)
{
	if (file->buf_len == 0)
		return 0;
	if (write_all(file->fd, file->buf, file->buf_len) != 0)
		return fail(file, errno, diag);
	file->buf_len = 0;
	return 0;
}

int
mm_outfile_write(struct mm_outfile *file, const void *data, size_t len,
    struct mm_diag *diag)
{
	if (file->error != NULL)
		return mm_diag_set(diag, MM_DIAG_IOERR, "%s", file->error);
	if (file->buf_len + len > OUTFILE_BUFFER) {
		if (flush(file, diag) != 0)
			return -1;
		if (len >= OUTFILE_BUFFER) {
			if (write_all(file->fd, data, len) != 0)
				return fail(file, errno, diag);
			return 0;
		}
	}
	memcpy(file->buf + file->buf_len, data, len);
	file->buf_len += len;
	return 0;
}

static void
outfile_free(struct mm_outfile *file)
{
	g_free(file->path);
	g_free(file->tmp_path);
	g_free(file->buf);
	g_free(file->error);
	g_free(file);
}

/*
 * Flushes FILE's buffer, fsyncs it when SYNC, and closes it: its bytes are
 * all in the temporary file.  -1 with diag; FILE is left to the caller.
 */
static int
outfile_close(struct mm_outfile *file, bool sync, struct mm_diag *diag)
{
	int fd;

	if (file->error != NULL)
		return mm_diag_set(diag, MM_DIAG_IOERR, "%s", file->error);
	if (flush(file, diag) != 0)
		return -1;
	if (sync && fsync(file->fd) != 0)
		return fail(file, errno, diag);
	/* Close reports delayed write errors (NFS, quotas): it is checked. */
	fd = file->fd;
	file->fd = -1;
	if (close(fd) != 0)
		return fail(file, errno, diag);
	return 0;
}

/* Renames a closed FILE into place; frees it in every case. */
static int
outfile_rename(struct mm_outfile *file, bool sync, struct mm_diag *diag)
{
	char *dir = NULL;
	int rc = -1;

	if (file->fd >= 0) {
		mm_diag_set(diag, MM_DIAG_INTERNAL, "%s published before it was "
		    "closed", file->path);
		goto out;
	}
	if (rename(file->tmp_path, file->path) != 0) {
		fail(file, errno, diag);
		goto out;
	}
	g_free(file->tmp_path);
	file->tmp_path = NULL;
	dir = dir_of(file->path);
	if (sync && sync_dir(dir) != 0) {
		fail(file, errno, diag);
		goto out;
	}
	rc = 0;
out:
	g_free(dir);
	if (rc != 0)
		mm_outfile_abort(file);
	else
		outfile_free(file);
	return rc;
}

int
mm_outfile_commit(struct mm_outfile *file, struct mm_diag *diag)
{
	if (outfile_close(file, true, diag) != 0) {
		mm_outfile_abort(file);
		return -1;
	}
	return outfile_rename(file, true, diag);
}

int
mm_outfile_close(struct mm_outfile *file, struct mm_diag *diag)
{
	return outfile_close(file, false, diag);
}

int
mm_outfile_publish(struct mm_outfile *file, struct mm_diag *diag)
{
	return outfile_rename(file, false, diag);
}

void
mm_outfile_abort(struct mm_outfile *file)
{
	if (file == NULL)
		return;
	if (file->fd >= 0)
		close(file->fd);
	if (file->tmp_path != NULL)
		g_unlink(file->tmp_path);
	outfile_free(file);
}

int
mm_output_write_file(const char *path, const void *data, size_t len,
    struct mm_diag *diag)
{
	struct mm_outfile *file;

	file = mm_outfile_open(path, diag);
	if (file == NULL)
		return -1;
	if (mm_outfile_write(file, data, len, diag) != 0) {
		mm_outfile_abort(file);
		return -1;
	}
	return mm_outfile_commit(file, diag);
}

int
mm_output_rename(const char *from, const char *to, struct mm_diag *diag)
{
	char *dir = NULL;
	int rc = -1;

	if (rename(from, to) != 0) {
		mm_diag_set(diag, MM_DIAG_IOERR, "cannot rename %s to %s: %s",
		    from, to, g_strerror(errno));
		goto out;
	}
	dir = dir_of(to);
	if (sync_dir(dir) != 0) {
		mm_diag_set(diag, MM_DIAG_IOERR, "cannot sync %s: %s", dir,
		    g_strerror(errno));
		goto out;
	}
	rc = 0;
out:
	g_free(dir);
	return rc;
}

/* ---- spools -------------------------------------------------------- */

struct mm_spool {
	char *what;
	char *dir;
	GString *memory;        /* the octets until they move to FILE */
	size_t read_at;         /* in MEMORY, when reading */
	FILE *file;             /* NULL while MEMORY holds everything */
	char *buffer;           /* FILE's, SPOOL_FILE_BUFFER octets */
	bool reading;
	char *error;            /* the first failure, the answer to every call */
};

struct mm_spool *
mm_spool_new(const char *what, const char *dir)
{
	struct mm_spool *spool = g_new0(struct mm_spool, 1);

	spool->what = g_strdup(what);
	spool->dir = g_strdup(dir);
	spool->memory = g_string_new(NULL);
	return spool;
}

void
mm_spool_free(struct mm_spool *spool)
{
	if (spool == NULL)
		return;
	if (spool->file != NULL)
		fclose(spool->file);
	g_free(spool->buffer);
	if (spool->memory != NULL)
		g_string_free(spool->memory, TRUE);
	g_free(spool->what);
	g_free(spool->dir);
	g_free(spool->error);
	g_free(spool);
}

static int
spool_fail(struct mm_spool *spool, enum mm_diag_code code, const char *doing,
    int errnum, struct mm_diag *diag)
{
	if (spool->error == NULL)
		spool->error = g_strdup_printf("cannot %s the %s in %s: %s", doing,
		    spool->what, spool->dir, g_strerror(errnum));
	return mm_diag_set(diag, code, "%s", spool->error);
}

/*
 * A file with no name in the spool's folder: nothing stays behind however
 * the process ends.  Where O_TMPFILE is not supported, a name that is
 * removed at once (a kill between the two leaves ".spool-XXXXXX", which
 * migrate.c's sweep of stale files takes).
 */
static int
spool_open_file(const char *dir)
{
	char *tmpl;
	int fd;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
	    errno != EINVAL))
		return fd;
#endif
	tmpl = g_build_filename(dir, ".spool-XXXXXX", NULL);
	fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		g_unlink(tmpl);
	g_free(tmpl);
	return fd;
}

/* The stdio buffer of a spool's file. */
#define SPOOL_FILE_BUFFER       ((size_t)256 << 10)

/* Moves what memory holds to a file: the spool outgrew its memory. */
static int
spool_spill(struct mm_spool *spool, struct mm_diag *diag)
{
	int fd = spool_open_file(spool->dir);

	if (fd < 0)
		return spool_fail(spool, MM_DIAG_CANTCREAT, "create", errno, diag);
	spool->file = fdopen(fd, "w+");
	if (spool->file == NULL) {
		int saved = errno;

		close(fd);
		return spool_fail(spool, MM_DIAG_CANTCREAT, "create", saved, diag);
	}
	/*
	 * stdio's own buffer (a page) made a system call of every 4 KiB:
	 * 50,000 of them for the spools of a mailbox of 100,000 meetings.
	 */
	spool->buffer = g_malloc(SPOOL_FILE_BUFFER);
	setvbuf(spool->file, spool->buffer, _IOFBF, SPOOL_FILE_BUFFER);
	if (fwrite(spool->memory->str, 1, spool->memory->len, spool->file) !=
	    spool->memory->len)
		return spool_fail(spool, MM_DIAG_IOERR, "write", errno, diag);
	g_string_free(spool->memory, TRUE);
	spool->memory = NULL;
	return 0;
}

int
mm_spool_write(struct mm_spool *spool, const void *data, size_t len,
    struct mm_diag *diag)
{
	if (spool->error != NULL)
		return mm_diag_set(diag, MM_DIAG_IOERR, "%s", spool->error);
	if (spool->reading)
		return mm_diag_set(diag, MM_DIAG_INTERNAL, "the %s in %s is written "
		    "after it was read", spool->what, spool->dir);
	if (spool->file == NULL) {
		if (len <= MM_LIMIT_SPOOL_MEMORY - spool->memory->len) {
			g_string_append_len(spool->memory, data, (gssize)len);
			return 0;
		}
		if (spool_spill(spool, diag) < 0)
			return -1;
	}
	if (fwrite(data, 1, len, spool->file) != len)
		return spool_fail(spool, MM_DIAG_IOERR, "write", errno, diag);
	return 0;
}

int
mm_spool_rewind(struct mm_spool *spool, struct mm_diag *diag)
{
	if (spool->error != NULL)
		return mm_diag_set(diag, MM_DIAG_IOERR, "%s", spool->error);
	spool->reading = true;
	spool->read_at = 0;
	if (spool->file != NULL && (fflush(spool->file) != 0 ||
	    fseek(spool->file, 0, SEEK_SET) != 0))
		return spool_fail(spool, MM_DIAG_IOERR, "write", errno, diag);
	return 0;
}

int
mm_spool_read(struct mm_spool *spool, void *buf, size_t len, size_t *got,
    struct mm_diag *diag)
{
	*got = 0;
	if (spool->error != NULL)
		return mm_diag_set(diag, MM_DIAG_IOERR, "%s", spool->error);
	if (!spool->reading)
		return mm_diag_set(diag, MM_DIAG_INTERNAL, "the %s in %s is read "
		    "before it was rewound", spool->what, spool->dir);
	if (spool->file == NULL) {
		size_t left = spool->memory->len - spool->read_at;

		*got = len < left ? len : left;
		memcpy(buf, spool->memory->str + spool->read_at, *got);
		spool->read_at += *got;
		return 0;
	}
	*got = fread(buf, 1, len, spool->file);
	if (*got < len && ferror(spool->file))
		return spool_fail(spool, MM_DIAG_IOERR, "read", errno, diag);
	return 0;
}

/*
 * A path that opens FD's file anew, from its first octet, once the file
 * has no name (Linux's /proc/self/fd/N); NULL where there is none (the
 * /dev/fd/N of other systems shares FD's offset).  Owned.
 */
static char *
reopen_path(int fd)
{
#ifdef __linux__
	char *path = g_strdup_printf("/proc/self/fd/%d", fd);

	if (access(path, R_OK) == 0)
		return path;
	g_free(path);
#else
	(void)fd;
#endif
	return NULL;
}

char *
mm_output_copy_input(int in, const char *head, size_t head_len,
    const char *name, const atomic_int *stop, int *held, struct mm_diag *diag)
{
	char *copy = NULL, *buf = NULL, *reopen = NULL;
	long long total = (long long)head_len;
	GError *error = NULL;
	int out, saved;

	*held = -1;
	out = g_file_open_tmp("meetmig-input-XXXXXX", &copy, &error);
	if (out < 0) {
		mm_diag_set(diag, MM_DIAG_CANTCREAT, "cannot copy %s to a "
		    "temporary file: %s", name, error->message);
		g_error_free(error);
		return NULL;
	}
	(void)fcntl(out, F_SETFD, FD_CLOEXEC);
	/* Without a name, nothing is left behind whatever ends the process. */
	reopen = reopen_path(out);
	if (reopen != NULL && g_unlink(copy) == 0)
		g_clear_pointer(&copy, g_free);
	else
		g_clear_pointer(&reopen, g_free);
	buf = g_malloc(OUTFILE_BUFFER);
	if (write_all(out, head, head_len) != 0)
		goto write_failed;
	for (;;) {
		ssize_t n = read(in, buf, OUTFILE_BUFFER);

		if (stop != NULL && atomic_load(stop) != 0) {
			mm_diag_set(diag, MM_DIAG_INTERRUPTED, "stopped by %s while "
			    "reading %s", mm_signal_name(atomic_load(stop)), name);
			goto fail;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot read %s: %s", name,
			    g_strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		total += n;
		if (total > MM_LIMIT_FILE_SIZE) {
			mm_diag_set(diag, MM_DIAG_LIMIT, "input larger than "
			    "MM_LIMIT_FILE_SIZE (%lld octets) (%s)", MM_LIMIT_FILE_SIZE,
			    name);
			goto fail;
		}
		if (write_all(out, buf, (size_t)n) != 0)
			goto write_failed;
	}
	g_free(buf);
	if (reopen != NULL) {
		*held = out;
		return reopen;
	}
	if (close(out) == 0)
		return copy;
	out = -1;
	buf = NULL;
write_failed:
	saved = errno;
	mm_diag_set(diag, MM_DIAG_IOERR, "cannot copy %s to a temporary file "
	    "in %s: %s", name, g_get_tmp_dir(), g_strerror(saved));
fail:
	if (out >= 0)
		close(out);
	if (copy != NULL)
		g_unlink(copy);
	g_free(buf);
	g_free(copy);
	g_free(reopen);
	return NULL;
}

int
mm_output_mkdirs(const char *path, struct mm_diag *diag)
{
	if (g_mkdir_with_parents(path, 0777) != 0)
		return mm_diag_set(diag, MM_DIAG_CANTCREAT, "cannot create %s: %s",
		    path, g_strerror(errno));
	return 0;
}

/*
 * Keeps a UPN readable as a folder name ("ashaw@contoso.com") while making
 * sure no input can climb out of the output folder, hide itself behind a
 * leading dot, or use a byte that some file system or shell treats
 * specially.  Upper-case letters are folded so that two spellings of one
 * UPN share a folder.
 */
#define SAFE_NAME_MAX   200
#define SAFE_NAME_KEEP  (SAFE_NAME_MAX - 13)

int
mm_output_lock(const char *dir, const atomic_int *stop,
    void (*waiting)(void *data), void *data, int *fd, struct mm_diag *diag)
{
	int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool told = false;

	*fd = -1;
	if (lock < 0)
		return mm_diag_set(diag, MM_DIAG_CANTCREAT, "cannot open %s: %s",
		    dir, g_strerror(errno));
	for (;;) {
		if (flock(lock, LOCK_EX | LOCK_NB) == 0) {
			*fd = lock;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			close(lock);    /* no locks on this file system */
			return 0;
		}
		if (stop != NULL && atomic_load(stop) != 0) {
			close(lock);
			return mm_diag_set(diag, MM_DIAG_INTERRUPTED, "stopped by %s "
			    "while waiting for %s", mm_signal_name(atomic_load(stop)),
			    dir);
		}
		if (!told && waiting != NULL)
			waiting(data);
		told = true;
		g_usleep(G_USEC_PER_SEC / 10);
	}
}

char *
mm_output_safe_name(const char *text)
{
	GString *name = g_string_new(NULL);
	const unsigned char *p;

	for (p = (const unsigned char *)(text ? text : ""); *p != '\0'; p++) {
		unsigned char c = *p;

		if (c >= 0x80) {
			/* One '_' per character, not per octet. */
			if ((c & 0xC0) != 0x80)
				g_string_append_c(name, '_');
			continue;
		}
		c = (unsigned char)g_ascii_tolower(c);
		if (g_ascii_isalnum(c) || c == '@' || c == '.' || c == '-' ||
		    c == '_')
			g_string_append_c(name, (char)c);
		else
			g_string_append_c(name, '_');
	}
	if (name->len == 0)
		g_string_append_c(name, '_');
	if (name->str[0] == '.')
		name->str[0] = '_';
	if (name->len > SAFE_NAME_MAX) {
		/* A cut name could collide with another: the hash keeps it apart. */
		char *hash = mm_output_hash_id(text, NULL);

		g_string_truncate(name, SAFE_NAME_KEEP);
		g_string_append_printf(name, "-%s", hash);
		g_free(hash);
	}
	return g_string_free(name, FALSE);
}

char *
mm_output_hash_id(const char *uid, const char *recurrence_id)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	char *id;

	g_checksum_update(sum, (const guchar *)(uid ? uid : ""), -1);
	if (recurrence_id != NULL) {
		g_checksum_update(sum, (const guchar *)"\n", 1);
		g_checksum_update(sum, (const guchar *)recurrence_id, -1);
	}
	id = g_strndup(g_checksum_get_string(sum), 12);
	g_checksum_free(sum);
	return id;
}

int
mm_output_write_unsynced(const char *path, const void *data, size_t len,
    struct mm_diag *diag)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int saved;

	if (fd < 0)
		return mm_diag_set(diag, MM_DIAG_CANTCREAT, "cannot create %s: %s",
		    path, g_strerror(errno));
	if (write_all(fd, data, len) != 0) {
		saved = errno;
		close(fd);
		g_unlink(path);
		return mm_diag_set(diag, MM_DIAG_IOERR, "cannot write %s: %s",
		    path, g_strerror(saved));
	}
	/* Close reports delayed write errors (NFS, quotas): it is checked. */
	if (close(fd) != 0) {
		saved = errno;
		g_unlink(path);
		return mm_diag_set(diag, MM_DIAG_IOERR, "cannot write %s: %s",
		    path, g_strerror(saved));
	}
	return 0;
}

int
mm_output_sync(const char *dir, struct mm_diag *diag)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return mm_diag_set(diag, MM_DIAG_IOERR, "cannot sync %s: %s", dir,
		    g_strerror(errno));
#ifdef __linux__
	/*
	 * syncfs() returns once the whole file system, DIR included, is on
	 * disk: an fsync() of DIR after it only flushed the device's cache
	 * again (0.6 s after 36,000 updates on a virtual disk).
	 */
	if (syncfs(fd) != 0)
		rc = -1;
#else
	/* sync() may return before the writing is done: DIR is waited for. */
	sync();
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = -1;
#endif
	if (rc != 0)
		mm_diag_set(diag, MM_DIAG_IOERR, "cannot sync %s: %s", dir,
		    g_strerror(errno));
	close(fd);
	return rc;
}

int
mm_output_rename_unsynced(const char *from, const char *to,
    struct mm_diag *diag)
{
	if (rename(from, to) != 0)
		return mm_diag_set(diag, MM_DIAG_IOERR, "cannot rename %s to %s: %s",
		    from, to, g_strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* The writer thread.                                                  */

/*
 * POSIX threads rather than GLib's: GMutex is made of bare futexes that
 * helgrind and DRD cannot see, and these tools are how this is checked.
 */
/* A file to write (DATA) or to rename (TO). */
struct write_task {
	char *path;
	GString *data;          /* owned, or NULL for a rename */
	char *to;               /* owned, or NULL for a write */
};

struct mm_writer {
	unsigned direct;        /* files written without the thread so far */
	bool started;           /* the thread runs */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;    /* tasks to take, or the end asked for */
	pthread_cond_t done;    /* the queue emptied, or room for a waiting caller */
	GQueue tasks;           /* struct write_task, oldest first */
	size_t backlog;         /* octets queued or being written */
	bool busy;              /* the thread is writing a task */
	bool idle;              /* the thread waits for work */
	bool waiting;           /* a caller waits for room in the backlog */
	bool closing;
	bool failed;
	struct mm_diag error;   /* the first failure */
};

static void
write_task_free(struct write_task *task)
{
	g_free(task->path);
	if (task->data != NULL)
		g_string_free(task->data, TRUE);
	g_free(task->to);
	g_free(task);
}

/* What TASK holds in memory, for the backlog: a rename's two names too. */
static size_t
task_octets(const struct write_task *task)
{
	if (task->data != NULL)
		return task->data->len;
	return sizeof(*task) + strlen(task->path) + strlen(task->to) + 2;
}

static int
task_run(const struct write_task *task, struct mm_diag *diag)
{
	if (task->to != NULL)
		return mm_output_rename_unsynced(task->path, task->to, diag);
	return mm_output_write_unsynced(task->path, task->data->str,
	    task->data->len, diag);
}

static void *
writer_main(void *data)
{
	struct mm_writer *w = data;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct write_task *task;
		struct mm_diag d;
		size_t len;
		int rc = 0;

		while (g_queue_is_empty(&w->tasks) && !w->closing) {
			w->idle = true;
			pthread_cond_wait(&w->work, &w->lock);
			w->idle = false;
		}
		task = g_queue_pop_head(&w->tasks);
		if (task == NULL)
			break;
		len = task_octets(task);
		w->busy = true;
		mm_diag_init(&d);
		if (!w->failed) {
			pthread_mutex_unlock(&w->lock);
			rc = task_run(task, &d);
			pthread_mutex_lock(&w->lock);
		}
		if (rc < 0 && !w->failed) {
			w->failed = true;
			w->error = d;
			mm_diag_init(&d);
		}
		mm_diag_release(&d);
		w->backlog -= len;
		w->busy = false;
		/* Woken for the end of the queue, not for each file. */
		if (w->waiting || g_queue_is_empty(&w->tasks))
			pthread_cond_broadcast(&w->done);
		pthread_mutex_unlock(&w->lock);
		write_task_free(task);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct mm_writer *
mm_writer_new(void)
{
	struct mm_writer *w = g_new0(struct mm_writer, 1);

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	g_queue_init(&w->tasks);
	mm_diag_init(&w->error);
	return w;
}

/*
 * The first WRITER_DIRECT files are written by the caller: a small mailbox
 * (most of a batch run by "meetmig run -j N", which already keeps every
 * core busy) never pays for a thread.
 */
#define WRITER_DIRECT   64
/*
 * An idle thread is woken once this many tasks, or octets, wait: each
 * wake is a system call and two switches of the caller's core.  Woken for
 * each file, the thread and the caller made 27,000 futex calls over a
 * mailbox of 10,000 meetings (a sixth of the run's CPU time).  Whoever
 * waits for the thread wakes it first.
 */
#define WRITER_WAKE_TASKS       32
#define WRITER_WAKE_OCTETS      ((size_t)256 << 10)

static void
writer_start(struct mm_writer *w)
{
	int err = pthread_create(&w->thread, NULL, writer_main, w);

	if (err != 0)
		g_error("cannot start the writer thread: %s", g_strerror(err));
	w->started = true;
}

/* With the lock held: sets an idle thread to work on what is queued. */
static void
writer_wake(struct mm_writer *w)
{
	if (w->idle && !g_queue_is_empty(&w->tasks))
		pthread_cond_signal(&w->work);
}

/* With the lock held: the first failure, told again. */
static int
writer_failure(const struct mm_writer *w, struct mm_diag *diag)
{
	return mm_diag_set(diag, w->error.code, "%s", w->error.message);
}

/* Runs or queues TASK (owned). */
static int
writer_submit(struct mm_writer *w, struct write_task *task,
    struct mm_diag *diag)
{
	size_t len = task_octets(task);
	int rc = 0;

	if (!w->started) {
		if (w->failed) {
			write_task_free(task);
			return writer_failure(w, diag);
		}
		if (task->to != NULL || w->direct < WRITER_DIRECT) {
			w->direct += task->to == NULL;
			rc = task_run(task, &w->error);
			write_task_free(task);
			if (rc < 0) {
				w->failed = true;
				return writer_failure(w, diag);
			}
			return 0;
		}
		writer_start(w);
	}
	pthread_mutex_lock(&w->lock);
	/* One file larger than the backlog still goes, alone. */
	while (!w->failed && w->backlog > 0 &&
	    w->backlog + len > MM_LIMIT_WRITE_BACKLOG) {
		writer_wake(w);
		w->waiting = true;
		pthread_cond_wait(&w->done, &w->lock);
		w->waiting = false;
	}
	if (w->failed) {
		rc = writer_failure(w, diag);
		write_task_free(task);
	} else {
		w->backlog += len;
		g_queue_push_tail(&w->tasks, task);
		if (g_queue_get_length(&w->tasks) >= WRITER_WAKE_TASKS ||
		    w->backlog >= WRITER_WAKE_OCTETS)
			writer_wake(w);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int
mm_writer_write(struct mm_writer *w, const char *path, GString *data,
    struct mm_diag *diag)
{
	struct write_task *task = g_new0(struct write_task, 1);

	task->path = g_strdup(path);
	task->data = data;
	return writer_submit(w, task, diag);
}

int
mm_writer_rename(struct mm_writer *w, const char *from, const char *to,
    struct mm_diag *diag)
{
	struct write_task *task = g_new0(struct write_task, 1);

	task->path = g_strdup(from);
	task->to = g_strdup(to);
	return writer_submit(w, task, diag);
}

int
mm_writer_finish(struct mm_writer *w, struct mm_diag *diag)
{
	int rc = 0;

	if (!w->started)
		return w->failed ? writer_failure(w, diag) : 0;
	pthread_mutex_lock(&w->lock);
	while (!g_queue_is_empty(&w->tasks) || w->busy) {
		writer_wake(w);
		pthread_cond_wait(&w->done, &w->lock);
	}
	if (w->failed)
		rc = writer_failure(w, diag);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void
mm_writer_free(struct mm_writer *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->closing = true;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	g_queue_clear_full(&w->tasks, (GDestroyNotify)write_task_free);
	mm_diag_release(&w->error);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	g_free(w);
}
