/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Decoding: BOM detection, UTF-16 conversion with pairs split across
 * blocks and reads, strict errors with the input byte offset, legacy
 * charsets.  Every case is decoded with every raw block size from 1 to past
 * the input's length and with several read buffer sizes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "decode.h"
#include "tap.h"

enum form { RAW, U16LE, U16BE };

static const struct {
	const char *name;
	enum form form;
	const char *text;       /* UTF-8; for RAW the input octets as they are */
	size_t raw_len;         /* RAW only: octets of text (0: strlen) */
	const char *charset;
	int want_ok;
	const char *want;       /* expected UTF-8 output */
	enum mm_encoding encoding;
	const char *want_error; /* substring of the message */
} cases[] = {
	{ "utf-8 plain", RAW, "BEGIN:VCALENDAR\r\nX:\xe4\xb8\xad\xf0\x9f\x98\x80\r\n",
	  0, NULL, 1, "BEGIN:VCALENDAR\r\nX:\xe4\xb8\xad\xf0\x9f\x98\x80\r\n",
	  MM_ENC_UTF8, NULL },
	{ "utf-8 bom", RAW, "\xef\xbb\xbf" "BEGIN:VCALENDAR\r\n", 0, NULL, 1,
	  "BEGIN:VCALENDAR\r\n", MM_ENC_UTF8_BOM, NULL },
	{ "utf-8 invalid passes (validated later)", RAW, "A\xff\xc3(", 0, NULL, 1,
	  "A\xff\xc3(", MM_ENC_UTF8, NULL },
	{ "empty", RAW, "", 0, NULL, 1, "", MM_ENC_UTF8, NULL },
	{ "two octets", RAW, "AB", 0, NULL, 1, "AB", MM_ENC_UTF8, NULL },
	{ "bom only", RAW, "\xef\xbb\xbf", 0, NULL, 1, "", MM_ENC_UTF8_BOM, NULL },
	{ "utf-8 named", RAW, "caf\xc3\xa9", 0, "utf-8", 1, "caf\xc3\xa9",
	  MM_ENC_UTF8, NULL },
	{ "utf-16le pairs", U16LE,
	  "BEGIN:VCALENDAR\r\nSUMMARY:\xf0\x9f\x98\x80\xe4\xb8\xad\xf0\xa0\x80\x80 caf\xc3\xa9\r\n",
	  0, NULL, 1,
	  "BEGIN:VCALENDAR\r\nSUMMARY:\xf0\x9f\x98\x80\xe4\xb8\xad\xf0\xa0\x80\x80 caf\xc3\xa9\r\n",
	  MM_ENC_UTF16LE, NULL },
	{ "utf-16be pairs", U16BE,
	  "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 x\xf0\x9f\x98\x80",
	  0, NULL, 1,
	  "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 x\xf0\x9f\x98\x80",
	  MM_ENC_UTF16BE, NULL },
	{ "utf-16le bom only", U16LE, "", 0, NULL, 1, "", MM_ENC_UTF16LE, NULL },
	/* BOM, 'A', 'B', then a lone low surrogate at input offset 6. */
	{ "utf-16le lone low surrogate", RAW, "\xff\xfe" "A\0B\0" "\x00\xdc" "C\0",
	  10, NULL, 0, NULL, MM_ENC_UTF16LE, "invalid UTF-16LE at byte offset 6" },
	/* A high surrogate followed by 'C' at offset 6. */
	{ "utf-16be lone high surrogate", RAW, "\xfe\xff" "\0A\0B" "\xd8\x00" "\0C",
	  10, NULL, 0, NULL, MM_ENC_UTF16BE, "invalid UTF-16BE at byte offset 6" },
	/* A high surrogate at the very end. */
	{ "utf-16le truncated pair", RAW, "\xff\xfe" "A\0" "\x3d\xd8", 6, NULL, 0,
	  NULL, MM_ENC_UTF16LE, "invalid UTF-16LE at byte offset 4" },
	{ "utf-16le odd octet", RAW, "\xff\xfe" "A\0B", 5, NULL, 0, NULL,
	  MM_ENC_UTF16LE, "invalid UTF-16LE at byte offset 4" },
	{ "windows-1252", RAW, "caf\xe9 \x80 \x93x\x94", 0, "windows-1252", 1,
	  "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d", MM_ENC_LEGACY, NULL },
	{ "iso-8859-1", RAW, "\xe4\xf6\xfc", 0, "ISO-8859-1", 1,
	  "\xc3\xa4\xc3\xb6\xc3\xbc", MM_ENC_LEGACY, NULL },
	{ "us-ascii high octet", RAW, "abc\x80" "def", 0, "US-ASCII", 0,
	  NULL, MM_ENC_LEGACY, "invalid US-ASCII at byte offset 3" },
	/* 0x81 0x20: a lead byte with an impossible trail byte. */
	{ "shift_jis bad trail", RAW, "ab\x81\x20xyz", 0, "Shift_JIS", 0,
	  NULL, MM_ENC_LEGACY, "at byte offset 2" },
	{ "shift_jis", RAW, "\x93\xfa\x96\x7b", 0, "Shift_JIS", 1,
	  "\xe6\x97\xa5\xe6\x9c\xac", MM_ENC_LEGACY, NULL },
	{ "bom beats charset", RAW, "\xef\xbb\xbf\xc3\xa9", 0, "windows-1252", 1,
	  "\xc3\xa9", MM_ENC_UTF8_BOM, NULL },
};

static GString *
encode_input(size_t i)
{
	GString *in = g_string_new(NULL);
	gunichar2 *units;
	glong n, k;

	if (cases[i].form == RAW) {
		g_string_append_len(in, cases[i].text, cases[i].raw_len ?
		    (gssize)cases[i].raw_len : (gssize)strlen(cases[i].text));
		return in;
	}
	units = g_utf8_to_utf16(cases[i].text, -1, NULL, &n, NULL);
	g_string_append_len(in, cases[i].form == U16LE ? "\xff\xfe" : "\xfe\xff", 2);
	for (k = 0; k < n; k++) {
		char lo = (char)(units[k] & 0xFF), hi = (char)(units[k] >> 8);

		if (cases[i].form == U16LE) {
			g_string_append_c(in, lo);
			g_string_append_c(in, hi);
		} else {
			g_string_append_c(in, hi);
			g_string_append_c(in, lo);
		}
	}
	g_free(units);
	return in;
}

/* Decodes all of IN; returns the output or NULL with diag. */
static GString *
decode_all(const GString *in, const char *charset, size_t read_size,
    enum mm_encoding *enc, struct mm_diag *diag)
{
	struct mm_decoder *dec;
	GString *out = g_string_new(NULL);
	char *buf = g_malloc(read_size);
	ssize_t n;

	dec = mm_decode_open_memory(in->str, in->len, "in.ics", charset, diag);
	if (dec == NULL)
		goto fail;
	*enc = mm_decode_encoding(dec);
	while ((n = mm_decode_read(dec, buf, read_size, diag)) > 0)
		g_string_append_len(out, buf, n);
	if (n < 0)
		goto fail;
	if (mm_decode_offset(dec) != in->len) {
		mm_diag_set(diag, MM_DIAG_INTERNAL, "offset %llu at the end",
		    mm_decode_offset(dec));
		goto fail;
	}
	mm_decode_close(dec);
	g_free(buf);
	return out;
fail:
	mm_decode_close(dec);
	g_free(buf);
	g_string_free(out, TRUE);
	return NULL;
}

static void
test_cases(void)
{
	static const size_t read_sizes[] = { 1, 2, 3, 5, 4096 };
	size_t i, r, block;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *in = encode_input(i);
		int all_ok = 1;
		char *first_failure = NULL;

		for (block = 1; block <= in->len + 2; block++) {
			mm_decode_set_block_size(block);
			for (r = 0; r < G_N_ELEMENTS(read_sizes); r++) {
				struct mm_diag diag;
				enum mm_encoding enc = MM_ENC_UTF8;
				GString *out;
				int ok;

				mm_diag_init(&diag);
				out = decode_all(in, cases[i].charset,
				    read_sizes[r], &enc, &diag);
				if (cases[i].want_ok)
					ok = out != NULL &&
					    out->len == strlen(cases[i].want) &&
					    memcmp(out->str, cases[i].want, out->len) == 0 &&
					    enc == cases[i].encoding;
				else
					ok = out == NULL && diag.code == MM_DIAG_DATA &&
					    strstr(diag.message, cases[i].want_error) != NULL &&
					    strstr(diag.message, "in.ics") != NULL;
				if (!ok && first_failure == NULL)
					first_failure = g_strdup_printf(
					    "block %zu read %zu: %s", block,
					    read_sizes[r], diag.message ?
					    diag.message : "wrong output");
				all_ok &= ok;
				if (out != NULL)
					g_string_free(out, TRUE);
				mm_diag_release(&diag);
			}
		}
		tap_ok(all_ok, "%s (every block and read size)", cases[i].name);
		if (first_failure != NULL)
			printf("# first failure: %s\n", first_failure);
		g_free(first_failure);
		g_string_free(in, TRUE);
	}
	mm_decode_set_block_size(0);
}

static void
test_open(void)
{
	struct mm_diag diag;
	struct mm_decoder *dec;
	char *path = NULL, buf[64];
	int fd;
	ssize_t n;
	GError *error = NULL;

	mm_diag_init(&diag);
	dec = mm_decode_open_memory("x", 1, "in.ics", "no-such-charset-x", &diag);
	tap_ok(dec == NULL && diag.code == MM_DIAG_USAGE,
	    "unknown charset is a usage error");
	mm_diag_release(&diag);

	dec = mm_decode_open("does-not-exist/nowhere.ics", NULL, &diag);
	tap_ok(dec == NULL && diag.code == MM_DIAG_NOINPUT &&
	    strstr(diag.message, "nowhere.ics") != NULL,
	    "missing file is NOINPUT naming it");
	mm_diag_release(&diag);

	fd = g_file_open_tmp("mm-decode-XXXXXX.ics", &path, &error);
	tap_ok(fd >= 0, "temporary file");
	if (fd < 0) {
		g_clear_error(&error);
		return;
	}
	if (write(fd, "\xff\xfe" "A\0=\xd8\0\xde", 8) != 8)
		tap_ok(0, "write temporary file");
	close(fd);
	dec = mm_decode_open(path, NULL, &diag);
	tap_ok(dec != NULL, "open a file");
	if (dec != NULL) {
		n = mm_decode_read(dec, buf, sizeof(buf), &diag);
		tap_ok(n == 5 && memcmp(buf, "A\xf0\x9f\x98\x80", 5) == 0,
		    "file read converts UTF-16LE");
		tap_ok(mm_decode_read(dec, buf, sizeof(buf), &diag) == 0,
		    "file read ends");
		mm_decode_set_name(dec, "renamed.ics");
		tap_str(mm_decode_name(dec), "renamed.ics", "set_name");
	}
	mm_decode_close(dec);
	mm_diag_release(&diag);
	g_unlink(path);
	g_free(path);
}

/*
 * A pipe whose first K octets were read already (mm_decode_open_fd()): for
 * every case that decodes and every K, the same output and offset as from
 * memory, the byte order mark split across the head and the pipe too.
 */
static void
test_open_fd(void)
{
	unsigned bad = 0, runs = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GString *in, *want;
		enum mm_encoding enc;
		struct mm_diag diag;

		if (!cases[i].want_ok)
			continue;
		in = encode_input(i);
		mm_diag_init(&diag);
		want = decode_all(in, cases[i].charset, 7, &enc, &diag);
		for (size_t k = 0; want != NULL && k <= in->len; k++) {
			GString *got = g_string_new(NULL);
			struct mm_decoder *dec;
			char buf[7];
			int fds[2];
			ssize_t n = -1;

			runs++;
			/* The rest fits a pipe's buffer: written whole, then closed. */
			if (pipe(fds) != 0 || write(fds[1], in->str + k,
			    in->len - k) != (ssize_t)(in->len - k)) {
				bad++;
				g_string_free(got, TRUE);
				break;
			}
			close(fds[1]);
			dec = mm_decode_open_fd(fds[0], in->str, k, "pipe",
			    cases[i].charset, &diag);
			while (dec != NULL &&
			    (n = mm_decode_read(dec, buf, sizeof buf, &diag)) > 0)
				g_string_append_len(got, buf, n);
			if (dec == NULL || n != 0 || !g_string_equal(got, want) ||
			    mm_decode_offset(dec) != in->len ||
			    mm_decode_encoding(dec) != enc) {
				if (bad++ == 0)
					printf("# %s, %zu octets read before: %s\n",
					    cases[i].name, k, diag.message ?
					    diag.message : "other output");
			}
			mm_decode_close(dec);
			mm_diag_release(&diag);
			g_string_free(got, TRUE);
		}
		if (want != NULL)
			g_string_free(want, TRUE);
		mm_diag_release(&diag);
		g_string_free(in, TRUE);
	}
	tap_ok(bad == 0 && runs > 100,
	    "a pipe read after its head: as from memory (%u of %u differ)",
	    bad, runs);
}

int
main(void)
{
	test_cases();
	test_open();
	test_open_fd();
	return tap_done();
}
