/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Input decoding: turns a mailbox file into a stream of UTF-8 octets, once,
 * with ICU.  UTF-8 with or without BOM passes through (the BOM is dropped);
 * UTF-16LE and UTF-16BE with a BOM are converted; a legacy charset named by
 * the caller is converted.  Conversion is strict: an unpaired surrogate or a
 * byte sequence invalid in the charset is an error naming the file and the
 * input byte offset, never a U+FFFD.  UTF-8 input is NOT validated here: the
 * iCalendar reader validates each logical line after joining folds, so that
 * a fold through a character is not mistaken for damage.
 *
 * Memory does not depend on the file size: the stream is read in blocks.
 */
#ifndef MM_DECODE_H
#define MM_DECODE_H

#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

enum mm_encoding {
	MM_ENC_UTF8,
	MM_ENC_UTF8_BOM,
	MM_ENC_UTF16LE,
	MM_ENC_UTF16BE,
	MM_ENC_LEGACY,          /* a charset given to mm_decode_open() */
};

struct mm_decoder;

/*
 * Opens PATH for reading.  CHARSET is NULL to detect by BOM (UTF-8 without
 * one), or an IANA charset name the caller knows the file is in.  Returns an
 * owned decoder (mm_decode_close()), or NULL with diag (MM_DIAG_NOINPUT when
 * the file cannot be opened, MM_DIAG_USAGE for an unknown charset).
 */
struct mm_decoder *mm_decode_open(const char *path, const char *charset,
    struct mm_diag *diag);

/*
 * The same over descriptor FD (owned: closed with the decoder, or at once
 * when it fails), of which HEAD_LEN octets were read already into HEAD
 * (copied): a pipe whose first octets told its format.  NAME is used in
 * messages.
 */
struct mm_decoder *mm_decode_open_fd(int fd, const char *head,
    size_t head_len, const char *name, const char *charset,
    struct mm_diag *diag);

/*
 * The same over a buffer in memory (borrowed; must outlive the decoder), for
 * tests and fuzz targets.  NAME is used in messages.
 */
struct mm_decoder *mm_decode_open_memory(const char *data, size_t len,
    const char *name, const char *charset, struct mm_diag *diag);

/*
 * Reads up to SIZE octets of UTF-8 into BUF.  Returns the count, 0 at the end
 * of the input, or -1 with diag (MM_DIAG_DATA "invalid UTF-16LE at byte
 * offset N (NAME)", N the input byte offset of the bad sequence, exact for
 * UTF-16 and as ICU reports it for legacy charsets; MM_DIAG_NOINPUT for a
 * read error; MM_DIAG_LIMIT past MM_LIMIT_FILE_SIZE).  After an error the
 * decoder only returns -1.
 */
ssize_t mm_decode_read(struct mm_decoder *dec, char *buf, size_t size,
    struct mm_diag *diag);

enum mm_encoding mm_decode_encoding(const struct mm_decoder *dec);
/* The name used in messages (borrowed). */
const char *mm_decode_name(const struct mm_decoder *dec);
/* Octets of the input file consumed so far. */
unsigned long long mm_decode_offset(const struct mm_decoder *dec);

/* Renames the decoder for messages (the reader's NAME for PATH). */
void mm_decode_set_name(struct mm_decoder *dec, const char *name);

/*
 * Sets the size of the raw input blocks of decoders opened afterwards
 * (0: the default, 64 KiB; at least 4 is used).  For tests, which split
 * input at every possible block boundary; not thread-safe.
 */
void mm_decode_set_block_size(size_t size);

void mm_decode_close(struct mm_decoder *dec);

#endif
