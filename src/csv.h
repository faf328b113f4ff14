/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A reader of CSV as Export-Csv, csvde and spreadsheets write it (RFC 4180:
 * quoted fields with doubled quotes, CRLF or LF, a header row; Export-Csv's
 * "#TYPE ..." first line is skipped; a UTF-8 BOM is dropped).  Rows are read
 * one at a time; fields are looked up by header name, case-insensitively.
 */
#ifndef MM_CSV_H
#define MM_CSV_H

#include <stddef.h>

#include "diag.h"

struct mm_csv;

/* Opens PATH and reads its header row.  NULL with diag (66 or 65). */
struct mm_csv *mm_csv_open(const char *path, struct mm_diag *diag);
struct mm_csv *mm_csv_open_memory(const char *data, size_t len, const char *name,
    struct mm_diag *diag);

/* Reads the next row: 1, 0 at the end, -1 with diag (file:line). */
int mm_csv_next(struct mm_csv *csv, struct mm_diag *diag);

/*
 * Octet offset in the input where the current row starts: with its
 * mm_csv_lineno(), what mm_csv_read_at() needs to read it again.
 */
unsigned long long mm_csv_offset(const struct mm_csv *csv);

/*
 * Reads again the row at OFFSET (from mm_csv_offset()), whose line is LINENO,
 * and makes it the current row; mm_csv_next() then goes on after it.  Rows
 * read again do not count against MM_LIMIT_CSV_ROWS.  Returns 1, 0 when
 * nothing is there (the file shrank), or -1 with diag.
 */
int mm_csv_read_at(struct mm_csv *csv, unsigned long long offset,
    unsigned lineno, struct mm_diag *diag);

/* Column index of header NAME, or -1. */
int mm_csv_column(const struct mm_csv *csv, const char *name);
/* Field COLUMN of the current row, borrowed until the next call; "" if absent. */
const char *mm_csv_field(const struct mm_csv *csv, int column);
/* Number of fields in the current row (or in the header before the first row). */
int mm_csv_field_count(const struct mm_csv *csv);
/* Number of header columns, and the name of column COLUMN (borrowed), or NULL. */
int mm_csv_column_count(const struct mm_csv *csv);
const char *mm_csv_column_name(const struct mm_csv *csv, int column);
/* Field by header name; "" when the column or field is absent. */
const char *mm_csv_get(const struct mm_csv *csv, const char *name);
/* Physical line where the current row starts, and the file name. */
unsigned mm_csv_lineno(const struct mm_csv *csv);
const char *mm_csv_name(const struct mm_csv *csv);

void mm_csv_close(struct mm_csv *csv);

#endif
