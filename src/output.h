/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Safe output.  Every file is written under a temporary name in its final
 * folder, fsync'd, then renamed into place, so it exists complete or not at
 * all.  Output names never come from raw input: a meeting's file name is a
 * hash of its UID.
 */
#ifndef MM_OUTPUT_H
#define MM_OUTPUT_H

#include <stdatomic.h>
#include <stddef.h>

#include <glib.h>

#include "diag.h"

struct mm_outfile;

/*
 * Starts PATH: creates a temporary file ".<basename>.tmp-XXXXXX" beside it
 * (mode 0666 & ~umask).  Owned; finish with mm_outfile_commit() or
 * mm_outfile_abort().  NULL with diag (73: "cannot create PATH: reason").
 * Writes are buffered; errors name PATH, never the temporary name.
 */
struct mm_outfile *mm_outfile_open(const char *path, struct mm_diag *diag);
/* Returns 0, or -1 with diag (74; the file is then aborted by commit). */
int mm_outfile_write(struct mm_outfile *file, const void *data, size_t len,
    struct mm_diag *diag);
/*
 * Flushes, fsyncs the file, renames it into place and fsyncs its folder;
 * frees FILE in every case.  Returns 0, or -1 with diag (74) and the
 * temporary file removed.
 */
int mm_outfile_commit(struct mm_outfile *file, struct mm_diag *diag);
/* Removes the temporary file; frees FILE; accepts NULL. */
void mm_outfile_abort(struct mm_outfile *file);
/*
 * For files published together (a request's calendar, status and report):
 * mm_outfile_close() flushes and closes FILE without fsync, so one
 * mm_output_sync() puts the data of them all on disk; mm_outfile_publish()
 * then renames FILE into place without syncing its folder, and a last
 * mm_output_sync() makes the renames durable.  Two flushes in all, where a
 * commit of each file costs two of its own.
 *
 * mm_outfile_close() returns 0, or -1 with diag (74); FILE stays the
 * caller's either way (publish or abort it).  mm_outfile_publish() frees
 * FILE in every case and returns 0, or -1 with diag (74) and the temporary
 * file removed.
 */
int mm_outfile_close(struct mm_outfile *file, struct mm_diag *diag);
int mm_outfile_publish(struct mm_outfile *file, struct mm_diag *diag);

/* Writes a whole file atomically (open, write, commit). */
int mm_output_write_file(const char *path, const void *data, size_t len,
    struct mm_diag *diag);
/* Renames FROM to TO atomically (same file system) and fsyncs TO's folder. */
int mm_output_rename(const char *from, const char *to, struct mm_diag *diag);
/*
 * For many files published together: writes PATH (a name of the caller's
 * that nobody reads yet, such as a hidden ".part" file) with no fsync, or
 * renames with no sync of the folder.  mm_output_sync() then makes them all
 * durable at once: one flush of the file system instead of one per file,
 * which is what a mailbox with tens of thousands of updates needs.  Write
 * everything, sync, rename into place, sync again: a final name never
 * points at data that is not on disk.
 */
int mm_output_write_unsynced(const char *path, const void *data, size_t len,
    struct mm_diag *diag);
int mm_output_rename_unsynced(const char *from, const char *to,
    struct mm_diag *diag);
/*
 * Flushes DIR's file system, DIR included (syncfs; elsewhere sync and an
 * fsync of DIR).  -1 with diag (74).
 */
int mm_output_sync(const char *dir, struct mm_diag *diag);

/*
 * A thread that writes such files (mm_output_write_unsynced()), and
 * renames them, while the caller goes on with its next meeting, so the
 * kernel's work of creating and filling them runs on another core.  The
 * first few files are written at once, without the thread: a small
 * mailbox never starts one.  Files are written and renamed in the order
 * given.  At most MM_LIMIT_WRITE_BACKLOG octets wait (file contents, or
 * the two names of a rename): the caller waits for the thread when more
 * would.  After a failure nothing more is done, and the failure is the
 * answer to every later call.
 */
struct mm_writer;

/* Owned; free with mm_writer_free(). */
struct mm_writer *mm_writer_new(void);
/*
 * Queues PATH (copied) with the octets of DATA (owned from here on, freed
 * once written).  Returns 0, or -1 with diag (73 or 74) when a write
 * failed, this one or an earlier one.
 */
int mm_writer_write(struct mm_writer *writer, const char *path, GString *data,
    struct mm_diag *diag);
/*
 * Queues the rename of FROM to TO (mm_output_rename_unsynced()) after the
 * files queued before it; done at once when the thread has not started.
 * Returns as mm_writer_write() does.
 */
int mm_writer_rename(struct mm_writer *writer, const char *from,
    const char *to, struct mm_diag *diag);
/*
 * Waits until every queued file is written.  Returns 0, or -1 with diag
 * when a write failed: no file of the queue is being written any more, so
 * the caller may remove them.
 */
int mm_writer_finish(struct mm_writer *writer, struct mm_diag *diag);
/* Finishes and ends the thread; accepts NULL. */
void mm_writer_free(struct mm_writer *writer);

/*
 * A spool: octets kept for one pass over them later (a request's status
 * entries, its calendar's events).  They stay in memory up to
 * MM_LIMIT_SPOOL_MEMORY, then move to a file in the spool's folder that
 * has no name (O_TMPFILE, or a name removed as soon as it is made), so a
 * small request creates no file and a large one stays flat in memory.
 */
struct mm_spool;

/*
 * Owned; free with mm_spool_free().  WHAT names it in messages ("status
 * spool"); DIR (copied) is where its file goes if it needs one.
 */
struct mm_spool *mm_spool_new(const char *what, const char *dir);
/*
 * Appends LEN octets of DATA.  Returns 0, or -1 with diag (73: "cannot
 * create the WHAT in DIR: reason", 74: "cannot write the WHAT in DIR:
 * reason"); after a failure every call fails the same way.
 */
int mm_spool_write(struct mm_spool *spool, const void *data, size_t len,
    struct mm_diag *diag);
/* Reads from the first octet on.  Returns 0, or -1 with diag (74). */
int mm_spool_rewind(struct mm_spool *spool, struct mm_diag *diag);
/*
 * Reads up to LEN octets into BUF after mm_spool_rewind(); *GOT is how
 * many (fewer only at the end, 0 there).  Returns 0, or -1 with diag (74).
 */
int mm_spool_read(struct mm_spool *spool, void *buf, size_t len, size_t *got,
    struct mm_diag *diag);
/* Accepts NULL. */
void mm_spool_free(struct mm_spool *spool);

/*
 * Copies HEAD_LEN octets of HEAD, then everything that can be read from
 * descriptor IN (borrowed: a pipe, standard input, a device), into a new
 * file in the folder for temporary files (TMPDIR), so that it can be read
 * more than once, as the EWS reader may.  NAME names IN in messages.
 * *STOP (STOP may be NULL) is looked at after each read: nonzero ends the
 * copy.
 *
 * Returns the path to read the copy by (owned), or NULL with diag: 66 when
 * IN cannot be read, 73 or 74 when the copy cannot be made, 65 past
 * MM_LIMIT_FILE_SIZE octets, MM_DIAG_INTERRUPTED.  Where the system can
 * open a file that has no name (Linux: /proc/self/fd/N), the copy has
 * none from the start, so that nothing is left behind whatever ends the
 * process: *HELD is then the descriptor that keeps it, for the caller to
 * close when done.  Elsewhere *HELD is -1 and the caller removes the file
 * the path names.
 */
char *mm_output_copy_input(int in, const char *head, size_t head_len,
    const char *name, const atomic_int *stop, int *held, struct mm_diag *diag);

/* Creates PATH and its parents (mode 0777 & ~umask).  -1 with diag (73). */
int mm_output_mkdirs(const char *path, struct mm_diag *diag);

/*
 * Takes the lock that every meetmig process writing into folder DIR holds
 * (flock() on the folder itself), so that two of them (a migrate by hand
 * while a run has the same user) never take each other's hidden files.
 * While another process holds it, calls WAITING(DATA) once (may be NULL)
 * and looks again every tenth of a second, and at *STOP (may be NULL):
 * nonzero ends the wait with MM_DIAG_INTERRUPTED.  Returns 0 with *FD the
 * lock (close it to release it), or with *FD -1 where the file system has
 * no such locks (some network ones); -1 with diag (73).
 */
int mm_output_lock(const char *dir, const atomic_int *stop,
    void (*waiting)(void *data), void *data, int *fd, struct mm_diag *diag);

/*
 * TEXT made safe for one path component: ASCII letters (folded to lower
 * case), digits, '@', '.', '-' and '_' kept, any other character becomes
 * one '_'; a leading '.' becomes '_', so never empty, never hidden, never
 * "." or "..".  A name longer than 200 octets is cut to 187 and ends with
 * "-" and mm_output_hash_id(TEXT, NULL).  TEXT may be NULL.  Owned.
 */
char *mm_output_safe_name(const char *text);

/*
 * 12 lower-case hex digits of SHA-256 over UID (NULL counts as "") and,
 * when RECURRENCE_ID is not NULL, "\n" RECURRENCE_ID.  Owned.
 */
char *mm_output_hash_id(const char *uid, const char *recurrence_id);

#endif
