/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CSV reading (RFC 4180) for the directory export, the Teams links file and
 * the users file of `meetmig enqueue`.  This module owns the lexical rules
 * and their limits: it hands out one row at a time and never interprets a
 * field.  It never guesses at broken input: an unterminated quote, a field or
 * row over its limit, or invalid UTF-8 is an error naming the file and line.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "csv.h"
#include "limits.h"

struct mm_csv {
	char *name;
	FILE *fp;               /* owned, or NULL when reading memory */
	const char *mem;        /* borrowed */
	size_t mem_len, mem_pos;
	int pending[8];         /* characters pushed back, last one first */
	size_t pending_count;
	unsigned line;          /* physical line of the next character, 1-based */
	unsigned long long pos; /* octet offset of the next character */
	unsigned long long row_offset;  /* octet offset where the current row starts */
	unsigned row_line;      /* physical line where the current row starts */
	unsigned long rows;     /* data rows read */
	bool at_end;

	char **header;          /* owned, header names as written */
	int header_count;

	GString *buf;           /* the current row's fields, NUL-separated */
	GArray *offsets;        /* size_t: start of each field in buf */
};

static int
get_char(struct mm_csv *csv)
{
	int c;

	if (csv->pending_count > 0)
		c = csv->pending[--csv->pending_count];
	else if (csv->fp != NULL)
		c = getc(csv->fp);
	else if (csv->mem_pos >= csv->mem_len)
		c = EOF;
	else
		c = (unsigned char)csv->mem[csv->mem_pos++];
	if (c != EOF)
		csv->pos++;
	return c;
}

/* Pushes C back; at most G_N_ELEMENTS(pending), which start() stays under. */
static void
unget_char(struct mm_csv *csv, int c)
{
	g_assert(csv->pending_count < G_N_ELEMENTS(csv->pending));
	csv->pending[csv->pending_count++] = c;
	if (c != EOF)
		csv->pos--;
}

/*
 * Checks the field just completed: its size and its UTF-8.  FIELD_LINE is
 * the physical line where it started; a bad byte's line counts the newlines
 * before it inside a quoted field.
 */
static int
check_field(struct mm_csv *csv, size_t start, unsigned field_line,
    struct mm_diag *diag)
{
	const char *field = csv->buf->str + start;
	size_t len = csv->buf->len - start;
	const gchar *bad = NULL;
	unsigned line = field_line;
	size_t i;

	if (g_utf8_validate_len(field, len, &bad))
		return 0;
	for (i = 0; field + i < bad; i++)
		if (field[i] == '\n')
			line++;
	return mm_diag_set(diag, MM_DIAG_DATA,
	    "invalid UTF-8 in CSV field (%s:%u)", csv->name, line);
}

/*
 * Reads one record into buf/offsets.  Returns 1, 0 at the end of the input,
 * or -1 with diag.  Blank lines between records are skipped: spreadsheets
 * and editors leave them at the end of a file.
 */
static int
read_record(struct mm_csv *csv, struct mm_diag *diag)
{
	int c;
	size_t start;
	unsigned field_line, quote_line;
	bool quoted;

	g_string_truncate(csv->buf, 0);
	g_array_set_size(csv->offsets, 0);
	if (csv->at_end)
		return 0;

	for (;;) {
		c = get_char(csv);
		if (c == EOF) {
			csv->at_end = true;
			return 0;
		}
		if (c == '\r') {
			int d = get_char(csv);

			if (d != '\n')
				unget_char(csv, d);
			csv->line++;
			continue;
		}
		if (c == '\n') {
			csv->line++;
			continue;
		}
		unget_char(csv, c);
		break;
	}

	csv->row_line = csv->line;
	csv->row_offset = csv->pos;
	for (;;) {
		if (csv->offsets->len >= MM_LIMIT_CSV_FIELDS)
			return mm_diag_set(diag, MM_DIAG_LIMIT,
			    "CSV row has more than %d fields (%s:%u)",
			    MM_LIMIT_CSV_FIELDS, csv->name, csv->row_line);
		start = csv->buf->len;
		g_array_append_val(csv->offsets, start);
		field_line = csv->line;
		quoted = false;
		c = get_char(csv);
		if (c == '"') {
			quoted = true;
			quote_line = csv->line;
			for (;;) {
				c = get_char(csv);
				if (c == EOF)
					return mm_diag_set(diag, MM_DIAG_DATA,
					    "unterminated quoted CSV field "
					    "(%s:%u)", csv->name, quote_line);
				if (c == '"') {
					c = get_char(csv);
					if (c != '"')
						break;
				} else if (c == '\n') {
					csv->line++;
				} else if (c == '\r') {
					/* A CR alone inside quotes is data;
					   CRLF counts as one line. */
					int d = get_char(csv);

					unget_char(csv, d);
					if (d != '\n')
						csv->line++;
				}
				if (csv->buf->len - start >= MM_LIMIT_CSV_FIELD)
					return mm_diag_set(diag, MM_DIAG_LIMIT,
					    "CSV field longer than %zu octets "
					    "(%s:%u)", MM_LIMIT_CSV_FIELD,
					    csv->name, field_line);
				g_string_append_c(csv->buf, (char)c);
			}
			/* c is the character after the closing quote. */
		}
		while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
			if (quoted)
				return mm_diag_set(diag, MM_DIAG_DATA,
				    "unexpected character after a closing "
				    "quote in CSV field (%s:%u)", csv->name,
				    csv->line);
			if (csv->buf->len - start >= MM_LIMIT_CSV_FIELD)
				return mm_diag_set(diag, MM_DIAG_LIMIT,
				    "CSV field longer than %zu octets (%s:%u)",
				    MM_LIMIT_CSV_FIELD, csv->name, field_line);
			g_string_append_c(csv->buf, (char)c);
			c = get_char(csv);
		}
		if (check_field(csv, start, field_line, diag) != 0)
			return -1;
		g_string_append_c(csv->buf, '\0');
		if (c == ',')
			continue;
		if (c == '\r') {
			int d = get_char(csv);

			if (d != '\n')
				unget_char(csv, d);
		}
		if (c == EOF)
			csv->at_end = true;
		else
			csv->line++;
		return 1;
	}
}

static int
check_read_error(struct mm_csv *csv, struct mm_diag *diag)
{
	if (csv->fp != NULL && ferror(csv->fp))
		return mm_diag_set(diag, MM_DIAG_DATA, "cannot read %s: %s",
		    csv->name, g_strerror(errno));
	return 0;
}

/* Drops a UTF-8 BOM and Export-Csv's "#TYPE ..." line, then reads the header. */
static int
start(struct mm_csv *csv, struct mm_diag *diag)
{
	static const unsigned char bom[] = { 0xEF, 0xBB, 0xBF };
	static const char type_line[] = "#TYPE";
	int head[sizeof(type_line) - 1];
	size_t n = 0, i;
	int c, rc;

	while (n < sizeof(bom)) {
		c = get_char(csv);
		head[n++] = c;
		if (c != bom[n - 1])
			break;
	}
	if (n < sizeof(bom) || head[n - 1] != bom[n - 1])
		while (n > 0)
			unget_char(csv, head[--n]);

	/* Peek at the first five octets for "#TYPE". */
	n = 0;
	while (n < G_N_ELEMENTS(head)) {
		c = get_char(csv);
		head[n++] = c;
		if (c != type_line[n - 1])
			break;
	}
	if (n == G_N_ELEMENTS(head) && head[n - 1] == type_line[n - 1]) {
		do
			c = get_char(csv);
		while (c != EOF && c != '\n' && c != '\r');
		if (c == '\r') {
			int d = get_char(csv);

			if (d != '\n')
				unget_char(csv, d);
		}
		csv->line++;
	} else {
		while (n > 0)
			unget_char(csv, head[--n]);
	}

	rc = read_record(csv, diag);
	if (rc < 0)
		return -1;
	if (check_read_error(csv, diag) != 0)
		return -1;
	if (rc == 0)
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "CSV file has no header row (%s:%u)", csv->name, csv->line);
	csv->header_count = (int)csv->offsets->len;
	csv->header = g_new0(char *, csv->header_count + 1);
	for (i = 0; i < csv->offsets->len; i++) {
		char *name = g_strdup(csv->buf->str +
		    g_array_index(csv->offsets, size_t, i));

		csv->header[i] = g_strstrip(name);
	}
	return 0;
}

static struct mm_csv *
csv_new(const char *name)
{
	struct mm_csv *csv = g_new0(struct mm_csv, 1);

	csv->name = g_strdup(name);
	csv->line = 1;
	csv->buf = g_string_new(NULL);
	csv->offsets = g_array_new(FALSE, FALSE, sizeof(size_t));
	return csv;
}

struct mm_csv *
mm_csv_open(const char *path, struct mm_diag *diag)
{
	struct mm_csv *csv = csv_new(path);

	csv->fp = fopen(path, "rb");
	if (csv->fp == NULL) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open %s: %s", path,
		    g_strerror(errno));
		goto fail;
	}
	if (start(csv, diag) != 0)
		goto fail;
	return csv;
fail:
	mm_csv_close(csv);
	return NULL;
}

struct mm_csv *
mm_csv_open_memory(const char *data, size_t len, const char *name,
    struct mm_diag *diag)
{
	struct mm_csv *csv = csv_new(name != NULL ? name : "(memory)");

	csv->mem = data;
	csv->mem_len = len;
	if (start(csv, diag) != 0) {
		mm_csv_close(csv);
		return NULL;
	}
	return csv;
}

int
mm_csv_next(struct mm_csv *csv, struct mm_diag *diag)
{
	int rc = read_record(csv, diag);

	if (rc < 0)
		return -1;
	if (check_read_error(csv, diag) != 0)
		return -1;
	if (rc == 0)
		return 0;
	if (csv->rows >= MM_LIMIT_CSV_ROWS)
		return mm_diag_set(diag, MM_DIAG_LIMIT,
		    "CSV file has more than %d rows (%s:%u)",
		    MM_LIMIT_CSV_ROWS, csv->name, csv->row_line);
	csv->rows++;
	return 1;
}

int
mm_csv_read_at(struct mm_csv *csv, unsigned long long offset, unsigned lineno,
    struct mm_diag *diag)
{
	int rc;

	if (csv->fp != NULL) {
		if (fseeko(csv->fp, (off_t)offset, SEEK_SET) != 0)
			return mm_diag_set(diag, MM_DIAG_DATA, "cannot read %s: %s",
			    csv->name, g_strerror(errno));
	} else {
		csv->mem_pos = offset < csv->mem_len ? (size_t)offset :
		    csv->mem_len;
	}
	csv->pending_count = 0;
	csv->at_end = false;
	csv->pos = offset;
	csv->line = lineno;
	rc = read_record(csv, diag);
	if (rc < 0 || check_read_error(csv, diag) != 0)
		return -1;
	return rc;
}

unsigned long long
mm_csv_offset(const struct mm_csv *csv)
{
	return csv->row_offset;
}

int
mm_csv_column(const struct mm_csv *csv, const char *name)
{
	int i;

	for (i = 0; i < csv->header_count; i++)
		if (g_ascii_strcasecmp(csv->header[i], name) == 0)
			return i;
	return -1;
}

const char *
mm_csv_field(const struct mm_csv *csv, int column)
{
	if (column < 0 || (guint)column >= csv->offsets->len)
		return "";
	return csv->buf->str + g_array_index(csv->offsets, size_t, column);
}

int
mm_csv_field_count(const struct mm_csv *csv)
{
	return (int)csv->offsets->len;
}

int
mm_csv_column_count(const struct mm_csv *csv)
{
	return csv->header_count;
}

const char *
mm_csv_column_name(const struct mm_csv *csv, int column)
{
	if (column < 0 || column >= csv->header_count)
		return NULL;
	return csv->header[column];
}

const char *
mm_csv_get(const struct mm_csv *csv, const char *name)
{
	return mm_csv_field(csv, mm_csv_column(csv, name));
}

unsigned
mm_csv_lineno(const struct mm_csv *csv)
{
	return csv->row_line;
}

const char *
mm_csv_name(const struct mm_csv *csv)
{
	return csv->name;
}

void
mm_csv_close(struct mm_csv *csv)
{
	if (csv == NULL)
		return;
	if (csv->fp != NULL)
		fclose(csv->fp);
	g_strfreev(csv->header);
	g_string_free(csv->buf, TRUE);
	g_array_free(csv->offsets, TRUE);
	g_free(csv->name);
	g_free(csv);
}
