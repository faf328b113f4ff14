/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An LD_PRELOAD shim for tests/faults.sh and tests/inputs-untouched.sh.  It
 * makes the calls that put bytes on disk fail as a full disk does, and it
 * refuses (and reports) any write access to the folder that holds the
 * inputs.  Those tests build it with the compiler at hand ($CC -shared
 * -fPIC); it is never part of the program.
 *
 * Environment:
 *   MM_FAULT_CALL      write | fsync | rename: the calls to fail.  "write"
 *                      covers write, writev, pwrite and pwrite64; "fsync"
 *                      covers fsync, fdatasync and syncfs; "rename" covers
 *                      rename and renameat.  Writes and file syncs count
 *                      only on regular files (stderr and pipes are left
 *                      alone); syncfs counts on any descriptor.
 *   MM_FAULT_AFTER     N: the first N such calls succeed, every later one
 *                      fails (a disk that is full stays full).  Default 0.
 *   MM_FAULT_ERRNO     ENOSPC (the default), EIO or EDQUOT.
 *   MM_FAULT_PATH      only calls on files whose path holds this text count.
 *   MM_FAULT_NOSYNC    1: syncs (fsync, fdatasync, syncfs) that do not
 *                      fail do nothing (the tests check what is written,
 *                      not that it is on the platter; hundreds of runs go
 *                      faster).
 *   MM_FAULT_SYNC_DELAY  N: a syncfs that does not fail first sleeps N
 *                      milliseconds (a slow disk: meetmig run then has
 *                      several requests ready to publish at once).
 *   MM_FAULT_COUNT     a file: each process that counted calls appends how
 *                      many at exit (to choose N; meetmig run counts in
 *                      its worker processes too, each on its own).
 *   MM_FAULT_READONLY  an absolute folder: opening a file under it for
 *                      writing, creating, renaming or removing anything in
 *                      it fails with EROFS, is reported on stderr and is
 *                      appended to the file MM_FAULT_LOG when that is set.
 *                      (Permissions cannot show this when tests run as
 *                      root.)
 *
 * Only calls made through the dynamic linker are seen: glibc's stdio writes
 * its own streams internally (a spool that outgrew memory is such a
 * stream, a file with no name and not an output), which is why fopen is
 * watched too.
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* The next definition of NAME (libc's), looked up once. */
#define REAL(name) \
	static __typeof__(&name) real_##name; \
	if (real_##name == NULL) \
		real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name); \
	if (real_##name == NULL) \
		abort()

enum fault_call { CALL_NONE, CALL_WRITE, CALL_FSYNC, CALL_RENAME };

static enum fault_call fault_call;
static unsigned long fault_after;
static int fault_errno = ENOSPC;
static const char *fault_path;
static const char *count_file;
static const char *readonly_dir;
static size_t readonly_len;
static const char *readonly_log;
static unsigned long seen;
static int no_sync;
static unsigned long sync_delay_ms;

__attribute__((constructor)) static void
shim_init(void)
{
	const char *call = getenv("MM_FAULT_CALL");
	const char *after = getenv("MM_FAULT_AFTER");
	const char *err = getenv("MM_FAULT_ERRNO");

	if (call != NULL && strcmp(call, "write") == 0)
		fault_call = CALL_WRITE;
	else if (call != NULL && strcmp(call, "fsync") == 0)
		fault_call = CALL_FSYNC;
	else if (call != NULL && strcmp(call, "rename") == 0)
		fault_call = CALL_RENAME;
	if (after != NULL)
		fault_after = strtoul(after, NULL, 10);
	if (err != NULL && strcmp(err, "EIO") == 0)
		fault_errno = EIO;
	else if (err != NULL && strcmp(err, "EDQUOT") == 0)
		fault_errno = EDQUOT;
	fault_path = getenv("MM_FAULT_PATH");
	if (fault_path != NULL && *fault_path == '\0')
		fault_path = NULL;
	no_sync = getenv("MM_FAULT_NOSYNC") != NULL &&
	    strcmp(getenv("MM_FAULT_NOSYNC"), "1") == 0;
	if (getenv("MM_FAULT_SYNC_DELAY") != NULL)
		sync_delay_ms = strtoul(getenv("MM_FAULT_SYNC_DELAY"), NULL, 10);
	count_file = getenv("MM_FAULT_COUNT");
	readonly_dir = getenv("MM_FAULT_READONLY");
	if (readonly_dir != NULL && readonly_dir[0] != '/')
		readonly_dir = NULL;
	if (readonly_dir != NULL)
		readonly_len = strlen(readonly_dir);
	readonly_log = getenv("MM_FAULT_LOG");
}

__attribute__((destructor)) static void
shim_fini(void)
{
	FILE *f;

	/* Nothing seen: another process of the run (timeout(1)) wrote it. */
	if (count_file == NULL || fault_call == CALL_NONE ||
	    __atomic_load_n(&seen, __ATOMIC_SEQ_CST) == 0)
		return;
	f = fopen(count_file, "a");
	if (f == NULL)
		return;
	fprintf(f, "%lu\n", __atomic_load_n(&seen, __ATOMIC_SEQ_CST));
	fclose(f);
}

/*
 * meetmig run's workers are forked and end with _exit(), which runs no
 * destructor: their count is written here.  (A worker counts on from what
 * its parent had counted when it forked.)
 */
void
_exit(int status)
{
	REAL(_exit);
	shim_fini();
	real__exit(status);
	abort();
}

/* ---- full disk ----------------------------------------------------------- */

/*
 * Whether this call of kind CALL, on descriptor FD (or -1) or on PATH,
 * counts and must fail; sets errno when it must.
 */
static int
must_fail(enum fault_call call, int fd, const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if (fault_call != call)
		return 0;
	if (fd >= 0) {
		char link[64];
		ssize_t len;

		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
			return 0;
		if (fault_path != NULL) {
			snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
			len = readlink(link, buf, sizeof buf - 1);
			if (len < 0)
				return 0;
			buf[len] = '\0';
			path = buf;
		}
	}
	if (fault_path != NULL && (path == NULL || strstr(path, fault_path) == NULL))
		return 0;
	if (__atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST) <= fault_after)
		return 0;
	errno = fault_errno;
	return 1;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write);
	if (must_fail(CALL_WRITE, fd, NULL))
		return -1;
	return real_write(fd, buf, n);
}

ssize_t
writev(int fd, const struct iovec *iov, int count)
{
	REAL(writev);
	if (must_fail(CALL_WRITE, fd, NULL))
		return -1;
	return real_writev(fd, iov, count);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	if (must_fail(CALL_WRITE, fd, NULL))
		return -1;
	return real_pwrite(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64);
	if (must_fail(CALL_WRITE, fd, NULL))
		return -1;
	return real_pwrite64(fd, buf, n, off);
}

int
fsync(int fd)
{
	REAL(fsync);
	if (must_fail(CALL_FSYNC, fd, NULL))
		return -1;
	return no_sync ? 0 : real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	if (must_fail(CALL_FSYNC, fd, NULL))
		return -1;
	return no_sync ? 0 : real_fdatasync(fd);
}

/*
 * syncfs counts with fsync: meetmig flushes a request's files with it.
 * Its descriptor is a folder, so MM_FAULT_PATH is matched on the folder.
 */
int
syncfs(int fd)
{
	char link[64], buf[PATH_MAX];
	ssize_t len;

	REAL(syncfs);
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	len = readlink(link, buf, sizeof buf - 1);
	buf[len < 0 ? 0 : len] = '\0';
	if (must_fail(CALL_FSYNC, -1, buf))
		return -1;
	if (sync_delay_ms > 0) {
		struct timespec ts = { (time_t)(sync_delay_ms / 1000),
			(long)(sync_delay_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return no_sync ? 0 : real_syncfs(fd);
}

/* ---- read-only inputs ------------------------------------------------------ */

/* PATH made absolute against DIRFD (without resolving links) into BUF. */
static const char *
absolute(int dirfd, const char *path, char *buf, size_t size)
{
	char base[PATH_MAX];

	if (path == NULL || path[0] == '/')
		return path;
	if (dirfd == AT_FDCWD) {
		if (getcwd(base, sizeof base) == NULL)
			return path;
	} else {
		char link[64];
		ssize_t len;

		snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
		len = readlink(link, base, sizeof base - 1);
		if (len < 0)
			return path;
		base[len] = '\0';
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	snprintf(buf, size, "%s/%s", base, path);
	return buf;
}

/* Whether PATH (relative to DIRFD) is in the read-only folder; reports it. */
static int
refused(const char *what, int dirfd, const char *path)
{
	char buf[2 * PATH_MAX];
	const char *abs;
	FILE *log;

	if (readonly_dir == NULL || path == NULL)
		return 0;
	abs = absolute(dirfd, path, buf, sizeof buf);
	if (strncmp(abs, readonly_dir, readonly_len) != 0 ||
	    (abs[readonly_len] != '/' && abs[readonly_len] != '\0'))
		return 0;
	fprintf(stderr, "faultshim: %s %s refused: the inputs are read-only\n",
	    what, abs);
	if (readonly_log != NULL && (log = fopen(readonly_log, "a")) != NULL) {
		fprintf(log, "%s %s\n", what, abs);
		fclose(log);
	}
	errno = EROFS;
	return 1;
}

static int
writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY ||
	    (flags & (O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE)) != 0;
}

static mode_t
mode_of(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	if (writes(flags) && refused("open for writing", AT_FDCWD, path))
		return -1;
	return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open64);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	if (writes(flags) && refused("open for writing", AT_FDCWD, path))
		return -1;
	return real_open64(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	if (writes(flags) && refused("open for writing", dirfd, path))
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat64);
	va_start(ap, flags);
	mode = mode_of(flags, ap);
	va_end(ap);
	if (writes(flags) && refused("open for writing", dirfd, path))
		return -1;
	return real_openat64(dirfd, path, flags, mode);
}

int
creat(const char *path, mode_t mode)
{
	REAL(creat);
	if (refused("creat", AT_FDCWD, path))
		return -1;
	return real_creat(path, mode);
}

static int
mode_writes(const char *mode)
{
	return mode != NULL && strpbrk(mode, "wa+") != NULL;
}

FILE *
fopen(const char *path, const char *mode)
{
	REAL(fopen);
	if (mode_writes(mode) && refused("fopen for writing", AT_FDCWD, path))
		return NULL;
	return real_fopen(path, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
	REAL(fopen64);
	if (mode_writes(mode) && refused("fopen for writing", AT_FDCWD, path))
		return NULL;
	return real_fopen64(path, mode);
}

int
rename(const char *from, const char *to)
{
	REAL(rename);
	if (refused("rename", AT_FDCWD, from) || refused("rename to", AT_FDCWD, to))
		return -1;
	if (must_fail(CALL_RENAME, -1, to))
		return -1;
	return real_rename(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(renameat);
	if (refused("rename", fromfd, from) || refused("rename to", tofd, to))
		return -1;
	if (must_fail(CALL_RENAME, -1, to))
		return -1;
	return real_renameat(fromfd, from, tofd, to);
}

int
unlink(const char *path)
{
	REAL(unlink);
	if (refused("unlink", AT_FDCWD, path))
		return -1;
	return real_unlink(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	REAL(unlinkat);
	if (refused("unlink", dirfd, path))
		return -1;
	return real_unlinkat(dirfd, path, flags);
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);
	if (refused("mkdir", AT_FDCWD, path))
		return -1;
	return real_mkdir(path, mode);
}

int
rmdir(const char *path)
{
	REAL(rmdir);
	if (refused("rmdir", AT_FDCWD, path))
		return -1;
	return real_rmdir(path);
}

int
truncate(const char *path, off_t length)
{
	REAL(truncate);
	if (refused("truncate", AT_FDCWD, path))
		return -1;
	return real_truncate(path, length);
}
