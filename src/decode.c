/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Input decoding with ICU: a mailbox file (or a buffer) becomes a stream of
 * UTF-8 octets, read in blocks so that memory does not grow with the file.
 * This module owns the file descriptor and the ICU converters; it never
 * substitutes U+FFFD for a bad sequence (the callbacks stop instead), never
 * validates UTF-8 input (the iCalendar reader does that per logical line,
 * after joining folds) and never looks at what the text says.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>

#include "decode.h"
#include "limits.h"

#define DEFAULT_BLOCK   65536
#define PIVOT_UNITS     1024

static size_t block_size = DEFAULT_BLOCK;

struct mm_decoder {
	char *name;
	int fd;                         /* -1 for a buffer */
	const char *mem;                /* read before fd: borrowed, or head */
	size_t mem_len;
	size_t mem_pos;
	char *head;                     /* owned: what was read of fd before */

	enum mm_encoding encoding;
	UConverter *from;               /* NULL: UTF-8 passes through */
	UConverter *utf8;

	char *in;                       /* raw input block */
	size_t in_size;
	size_t in_pos;                  /* first octet not yet converted */
	size_t in_len;
	bool in_eof;
	unsigned long long in_read;     /* raw octets read from the source */

	/* UTF-16 surrogate check, carried across blocks (see check_utf16()). */
	unsigned long long checked;     /* raw octets checked so far */
	unsigned char half;             /* first octet of a split code unit */
	bool have_half;
	bool have_high;                 /* a high surrogate waits for its pair */
	unsigned long long high_at;

	UChar pivot[PIVOT_UNITS];
	UChar *pivot_source;
	UChar *pivot_target;
	bool done;
	bool failed;
};

void
mm_decode_set_block_size(size_t size)
{
	block_size = size > 0 ? size : DEFAULT_BLOCK;
}

/* Reads up to n raw octets.  Returns the count, 0 at the end, or -1. */
static ssize_t
source_read(struct mm_decoder *dec, char *dst, size_t n, struct mm_diag *diag)
{
	ssize_t got;

	if (dec->fd < 0 || dec->mem_pos < dec->mem_len) {
		size_t left = dec->mem_len - dec->mem_pos;

		if (n > left)
			n = left;
		memcpy(dst, dec->mem + dec->mem_pos, n);
		dec->mem_pos += n;
		got = (ssize_t)n;
	} else {
		do
			got = read(dec->fd, dst, n);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return mm_diag_set(diag, MM_DIAG_NOINPUT,
			    "cannot read %s: %s", dec->name, g_strerror(errno));
	}
	dec->in_read += (unsigned long long)got;
	if (dec->in_read > (unsigned long long)MM_LIMIT_FILE_SIZE)
		return mm_diag_set(diag, MM_DIAG_LIMIT,
		    "input larger than MM_LIMIT_FILE_SIZE (%lld octets) (%s)",
		    MM_LIMIT_FILE_SIZE, dec->name);
	return got;
}

/* Refills dec->in, keeping unconverted octets.  Returns 0 or -1. */
static int
refill(struct mm_decoder *dec, struct mm_diag *diag)
{
	ssize_t got;

	if (dec->in_pos > 0) {
		memmove(dec->in, dec->in + dec->in_pos, dec->in_len - dec->in_pos);
		dec->in_len -= dec->in_pos;
		dec->in_pos = 0;
	}
	if (dec->in_eof || dec->in_len == dec->in_size)
		return 0;
	got = source_read(dec, dec->in + dec->in_len, dec->in_size - dec->in_len,
	    diag);
	if (got < 0)
		return -1;
	if (got == 0)
		dec->in_eof = true;
	dec->in_len += (size_t)got;
	return 0;
}

static const char *
encoding_label(const struct mm_decoder *dec)
{
	UErrorCode err = U_ZERO_ERROR;

	switch (dec->encoding) {
	case MM_ENC_UTF8:
	case MM_ENC_UTF8_BOM:
		return "UTF-8";
	case MM_ENC_UTF16LE:
		return "UTF-16LE";
	case MM_ENC_UTF16BE:
		return "UTF-16BE";
	case MM_ENC_LEGACY:
		break;
	}
	return dec->from != NULL ? ucnv_getName(dec->from, &err) : "charset";
}

static UConverter *
open_converter(const char *charset, const char *name, struct mm_diag *diag)
{
	UErrorCode err = U_ZERO_ERROR;
	UConverter *cnv = ucnv_open(charset, &err);

	if (U_FAILURE(err) || cnv == NULL) {
		mm_diag_set(diag, MM_DIAG_USAGE, "unknown charset \"%s\" (%s)",
		    charset, name);
		return NULL;
	}
	/* Strict both ways: a bad sequence is an error, never U+FFFD. */
	ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL,
	    &err);
	ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL,
	    &err);
	if (U_FAILURE(err)) {
		ucnv_close(cnv);
		mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "cannot set up charset \"%s\": %s (%s)", charset,
		    u_errorName(err), name);
		return NULL;
	}
	return cnv;
}

static bool
is_utf8_name(const char *charset)
{
	return ucnv_compareNames(charset, "UTF-8") == 0 ||
	    ucnv_compareNames(charset, "UTF8") == 0;
}

/*
 * Looks at the first octets for a byte order mark.  A BOM is more
 * trustworthy than a charset the caller guessed, so it wins.
 */
static int
detect(struct mm_decoder *dec, const char *charset, struct mm_diag *diag)
{
	const unsigned char *b;
	const char *icu_name = NULL;

	while (dec->in_len < 3 && !dec->in_eof)
		if (refill(dec, diag) != 0)
			return -1;
	b = (const unsigned char *)dec->in;
	if (dec->in_len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
		dec->encoding = MM_ENC_UTF8_BOM;
		dec->in_pos = 3;
		return 0;
	}
	if (dec->in_len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
		dec->encoding = MM_ENC_UTF16LE;
		dec->in_pos = 2;
		icu_name = "UTF-16LE";
	} else if (dec->in_len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
		dec->encoding = MM_ENC_UTF16BE;
		dec->in_pos = 2;
		icu_name = "UTF-16BE";
	} else if (charset != NULL && !is_utf8_name(charset)) {
		dec->encoding = MM_ENC_LEGACY;
		icu_name = charset;
	} else {
		dec->encoding = MM_ENC_UTF8;
		return 0;
	}
	dec->from = open_converter(icu_name, dec->name, diag);
	if (dec->from == NULL)
		return -1;
	dec->utf8 = open_converter("UTF-8", dec->name, diag);
	if (dec->utf8 == NULL)
		return -1;
	return 0;
}

static struct mm_decoder *
decoder_new(const char *name)
{
	struct mm_decoder *dec = g_new0(struct mm_decoder, 1);

	dec->name = g_strdup(name);
	dec->fd = -1;
	/* Four octets at least, so the BOM and a UTF-16 pair always fit. */
	dec->in_size = block_size < 4 ? 4 : block_size;
	dec->in = g_malloc(dec->in_size);
	dec->pivot_source = dec->pivot;
	dec->pivot_target = dec->pivot;
	return dec;
}

struct mm_decoder *
mm_decode_open(const char *path, const char *charset, struct mm_diag *diag)
{
	struct mm_decoder *dec = decoder_new(path);
	struct stat st;

	dec->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dec->fd < 0) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open %s: %s", path,
		    g_strerror(errno));
		goto fail;
	}
	/*
	 * A file known to be too big is refused at once, not after reading
	 * 16 GiB to find out (source_read() still counts, for pipes).
	 */
	if (fstat(dec->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > MM_LIMIT_FILE_SIZE) {
		mm_diag_set(diag, MM_DIAG_LIMIT,
		    "input larger than MM_LIMIT_FILE_SIZE (%lld octets) (%s)",
		    MM_LIMIT_FILE_SIZE, path);
		goto fail;
	}
	if (detect(dec, charset, diag) != 0)
		goto fail;
	return dec;
fail:
	mm_decode_close(dec);
	return NULL;
}

struct mm_decoder *
mm_decode_open_fd(int fd, const char *head, size_t head_len,
    const char *name, const char *charset, struct mm_diag *diag)
{
	struct mm_decoder *dec = decoder_new(name);

	dec->fd = fd;
	dec->head = g_malloc(head_len > 0 ? head_len : 1);
	memcpy(dec->head, head, head_len);
	dec->mem = dec->head;
	dec->mem_len = head_len;
	if (detect(dec, charset, diag) != 0) {
		mm_decode_close(dec);
		return NULL;
	}
	return dec;
}

struct mm_decoder *
mm_decode_open_memory(const char *data, size_t len, const char *name,
    const char *charset, struct mm_diag *diag)
{
	struct mm_decoder *dec = decoder_new(name);

	dec->mem = data;
	dec->mem_len = len;
	if (detect(dec, charset, diag) != 0) {
		mm_decode_close(dec);
		return NULL;
	}
	return dec;
}

/* UTF-8 input: hand over what is buffered, then read straight into BUF. */
static ssize_t
pass_through(struct mm_decoder *dec, char *buf, size_t size,
    struct mm_diag *diag)
{
	size_t n = dec->in_len - dec->in_pos;

	if (n > 0) {
		if (n > size)
			n = size;
		memcpy(buf, dec->in + dec->in_pos, n);
		dec->in_pos += n;
		return (ssize_t)n;
	}
	if (dec->in_eof)
		return 0;
	n = source_read(dec, buf, size, diag);
	if ((ssize_t)n < 0)
		return -1;
	if (n == 0)
		dec->in_eof = true;
	/* dec->in stays empty, so consumed == read. */
	return (ssize_t)n;
}

static int
utf16_error(struct mm_decoder *dec, unsigned long long at, struct mm_diag *diag)
{
	return mm_diag_set(diag, MM_DIAG_DATA, "invalid %s at byte offset %llu (%s)",
	    encoding_label(dec), at, dec->name);
}

/*
 * Checks the surrogate pairing of the UTF-16 octets read since the last
 * call.  ICU would stop at the same places, but the offset it lets us see
 * is off by the octets it reads ahead to decide, and the message must name
 * the exact one.
 */
static int
check_utf16(struct mm_decoder *dec, struct mm_diag *diag)
{
	unsigned long long base = dec->in_read - dec->in_len;
	size_t j;

	for (j = (size_t)(dec->checked - base); j < dec->in_len; j++) {
		unsigned char b = (unsigned char)dec->in[j];
		unsigned long long at = base + j - 1;
		unsigned unit;

		if (!dec->have_half) {
			dec->half = b;
			dec->have_half = true;
			continue;
		}
		dec->have_half = false;
		unit = dec->encoding == MM_ENC_UTF16LE ?
		    (unsigned)dec->half | (unsigned)b << 8 :
		    (unsigned)dec->half << 8 | (unsigned)b;
		if (unit >= 0xD800 && unit <= 0xDBFF) {
			if (dec->have_high)
				return utf16_error(dec, dec->high_at, diag);
			dec->have_high = true;
			dec->high_at = at;
		} else if (unit >= 0xDC00 && unit <= 0xDFFF) {
			if (!dec->have_high)
				return utf16_error(dec, at, diag);
			dec->have_high = false;
		} else if (dec->have_high) {
			return utf16_error(dec, dec->high_at, diag);
		}
	}
	dec->checked = base + dec->in_len;
	if (dec->in_eof) {
		if (dec->have_high)
			return utf16_error(dec, dec->high_at, diag);
		if (dec->have_half)
			return utf16_error(dec, dec->checked - 1, diag);
	}
	return 0;
}

static ssize_t
convert(struct mm_decoder *dec, char *buf, size_t size, struct mm_diag *diag)
{
	char *target = buf;

	while (target == buf && !dec->done) {
		UErrorCode err = U_ZERO_ERROR;
		const char *source;

		if (dec->in_pos == dec->in_len && !dec->in_eof)
			if (refill(dec, diag) != 0)
				return -1;
		if ((dec->encoding == MM_ENC_UTF16LE ||
		    dec->encoding == MM_ENC_UTF16BE) &&
		    check_utf16(dec, diag) != 0)
			return -1;
		source = dec->in + dec->in_pos;
		ucnv_convertEx(dec->utf8, dec->from, &target, buf + size,
		    &source, dec->in + dec->in_len, dec->pivot,
		    &dec->pivot_source, &dec->pivot_target,
		    dec->pivot + PIVOT_UNITS, false, dec->in_eof, &err);
		dec->in_pos = (size_t)(source - dec->in);
		if (err == U_BUFFER_OVERFLOW_ERROR)
			break;
		if (U_FAILURE(err)) {
			char bad[32];
			int8_t bad_len = (int8_t)sizeof(bad);
			UErrorCode err2 = U_ZERO_ERROR;
			unsigned long long at = mm_decode_offset(dec);

			/*
			 * The converter has consumed the bad octets; they are
			 * the last bad_len ones before the current position.
			 */
			ucnv_getInvalidChars(dec->from, bad, &bad_len, &err2);
			if (U_SUCCESS(err2) && (unsigned long long)bad_len <= at)
				at -= (unsigned long long)bad_len;
			return mm_diag_set(diag, MM_DIAG_DATA,
			    "invalid %s at byte offset %llu (%s)",
			    encoding_label(dec), at, dec->name);
		}
		/* No overflow: everything, pivot included, reached BUF. */
		if (dec->in_eof && dec->in_pos == dec->in_len)
			dec->done = true;
	}
	return (ssize_t)(target - buf);
}

ssize_t
mm_decode_read(struct mm_decoder *dec, char *buf, size_t size,
    struct mm_diag *diag)
{
	ssize_t n;

	if (dec->failed)
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "cannot read %s after an earlier error", dec->name);
	if (size == 0)
		return 0;
	if (dec->from == NULL)
		n = pass_through(dec, buf, size, diag);
	else
		n = convert(dec, buf, size, diag);
	if (n < 0)
		dec->failed = true;
	return n;
}

enum mm_encoding
mm_decode_encoding(const struct mm_decoder *dec)
{
	return dec->encoding;
}

const char *
mm_decode_name(const struct mm_decoder *dec)
{
	return dec->name;
}

void
mm_decode_set_name(struct mm_decoder *dec, const char *name)
{
	g_free(dec->name);
	dec->name = g_strdup(name);
}

unsigned long long
mm_decode_offset(const struct mm_decoder *dec)
{
	return dec->in_read - (dec->in_len - dec->in_pos);
}

void
mm_decode_close(struct mm_decoder *dec)
{
	if (dec == NULL)
		return;
	if (dec->fd >= 0)
		close(dec->fd);
	if (dec->from != NULL)
		ucnv_close(dec->from);
	if (dec->utf8 != NULL)
		ucnv_close(dec->utf8);
	g_free(dec->in);
	g_free(dec->head);
	g_free(dec->name);
	g_free(dec);
}
