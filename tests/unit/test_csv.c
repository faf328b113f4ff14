/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CSV reader cases: each input is read whole and its rows are rendered as
 * "field|field" lines (with the physical line each row starts on), or the
 * error is compared.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "csv.h"
#include "limits.h"
#include "tap.h"

struct csv_case {
	const char *name;
	const char *input;
	size_t len;             /* 0: strlen(input) */
	const char *want;       /* rendered rows, or NULL when an error is wanted */
	const char *error;      /* the diag message wanted, or NULL */
};

static const struct csv_case cases[] = {
	{ "plain LF", "a,b\n1,2\n3,4\n", 0, "2:1|2\n3:3|4\n", NULL },
	{ "CRLF and no final newline", "a,b\r\n1,2\r\n3,4", 0,
	  "2:1|2\n3:3|4\n", NULL },
	{ "quoted field with comma", "a,b\n\"x, y\",z\n", 0, "2:x, y|z\n", NULL },
	{ "doubled quotes", "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n", 0,
	  "2:say \"hi\"|\"\n", NULL },
	{ "embedded newline keeps line count", "a,b\n\"one\ntwo\",x\r\ny,z\n", 0,
	  "2:one\ntwo|x\n4:y|z\n", NULL },
	{ "embedded CRLF", "a\n\"l1\r\nl2\"\nnext\n", 0, "2:l1\r\nl2\n4:next\n",
	  NULL },
	{ "UTF-8 BOM dropped", "\xEF\xBB\xBF" "name,mail\nÅsa,a@x\n", 0,
	  "2:Åsa|a@x\n", NULL },
	{ "#TYPE line skipped", "#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n"
	  "\"DisplayName\",\"mail\"\r\n\"Ann\",\"ann@x\"\r\n", 0, "3:Ann|ann@x\n",
	  NULL },
	{ "BOM then #TYPE", "\xEF\xBB\xBF#TYPE x\nh\nv\n", 0, "3:v\n", NULL },
	{ "#TYPO is a header", "#TYPO\nv\n", 0, "2:v\n", NULL },
	{ "blank lines skipped", "h\n\nv\n\n\n", 0, "3:v\n", NULL },
	{ "empty fields", "a,b,c\n,,\n", 0, "2:||\n", NULL },
	{ "short row", "a,b,c\nx\n", 0, "2:x\n", NULL },
	{ "unterminated quote names its line", "a,b\n1,2\n\"open,\nmore\nlines\n",
	  0, NULL, "unterminated quoted CSV field (t.csv:3)" },
	{ "text after closing quote", "a\n\"x\"y\n", 0, NULL,
	  "unexpected character after a closing quote in CSV field (t.csv:2)" },
	{ "invalid UTF-8 line", "a\nok\n\"x\ny\xC3\x28\"\n", 0, NULL,
	  "invalid UTF-8 in CSV field (t.csv:4)" },
	{ "empty input", "", 0, NULL, "CSV file has no header row (t.csv:1)" },
	{ "NUL byte is invalid", "a\nx\0y\n", 6, NULL,
	  "invalid UTF-8 in CSV field (t.csv:2)" },
};

static void
render_row(GString *out, const struct mm_csv *csv)
{
	int i;

	g_string_append_printf(out, "%u:", mm_csv_lineno(csv));
	for (i = 0; i < mm_csv_field_count(csv); i++) {
		if (i > 0)
			g_string_append_c(out, '|');
		g_string_append(out, mm_csv_field(csv, i));
	}
	g_string_append_c(out, '\n');
}

static char *
render(struct mm_csv *csv, struct mm_diag *diag, int *rc)
{
	GString *out = g_string_new(NULL);

	while ((*rc = mm_csv_next(csv, diag)) == 1)
		render_row(out, csv);
	return g_string_free(out, FALSE);
}

/*
 * The rows of INPUT read in order, then each read again by its offset, last
 * first: both must render the same (mm_csv_read_at(), used to look Teams
 * links up without holding them).
 */
static void
run_read_again(const struct csv_case *c)
{
	struct mm_diag diag;
	struct mm_csv *csv;
	GArray *at = g_array_new(FALSE, FALSE, sizeof(unsigned long long));
	GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
	GString *row = g_string_new(NULL);
	bool same = true;
	int rc;

	mm_diag_init(&diag);
	csv = mm_csv_open_memory(c->input, c->len ? c->len : strlen(c->input),
	    "t.csv", &diag);
	while (csv != NULL && (rc = mm_csv_next(csv, &diag)) == 1) {
		unsigned long long where[2] = { mm_csv_offset(csv),
		    mm_csv_lineno(csv) };

		g_array_append_vals(at, where, 2);
		g_string_truncate(row, 0);
		render_row(row, csv);
		g_ptr_array_add(rows, g_strdup(row->str));
	}
	for (guint i = rows->len; csv != NULL && i-- > 0;) {
		unsigned long long *where = &g_array_index(at,
		    unsigned long long, 2 * i);

		g_string_truncate(row, 0);
		if (mm_csv_read_at(csv, where[0], (unsigned)where[1], &diag) == 1)
			render_row(row, csv);
		if (strcmp(row->str, g_ptr_array_index(rows, i)) != 0) {
			tap_str(row->str, g_ptr_array_index(rows, i), c->name);
			same = false;
		}
	}
	tap_ok(csv != NULL && same, "%s: each row read again by offset", c->name);
	mm_csv_close(csv);
	mm_diag_release(&diag);
	g_string_free(row, TRUE);
	g_ptr_array_free(rows, TRUE);
	g_array_free(at, TRUE);
}

/* Inputs too big to write as literals: built at run time. */
static char *
make_limit_input(int which, size_t *len)
{
	GString *s = g_string_new("h\n");
	size_t i;

	switch (which) {
	case 0:         /* one field too many */
		for (i = 0; i < MM_LIMIT_CSV_FIELDS; i++)
			g_string_append(s, "x,");
		g_string_append(s, "x\n");
		break;
	case 1:         /* exactly the field limit */
		for (i = 0; i + 1 < MM_LIMIT_CSV_FIELDS; i++)
			g_string_append(s, "x,");
		g_string_append(s, "x\n");
		break;
	case 2:         /* a field one octet too long, on line 3 */
		g_string_append(s, "ok\n\"");
		for (i = 0; i <= MM_LIMIT_CSV_FIELD; i++)
			g_string_append_c(s, 'y');
		g_string_append(s, "\"\n");
		break;
	case 3:         /* one row too many */
		for (i = 0; i <= MM_LIMIT_CSV_ROWS; i++)
			g_string_append(s, "r\n");
		break;
	}
	*len = s->len;
	return g_string_free(s, FALSE);
}

static const struct {
	const char *name;
	int which;
	const char *error;      /* NULL: reads to the end without error */
} limit_cases[] = {
	{ "too many fields", 0, "CSV row has more than 256 fields (t.csv:2)" },
	{ "fields at the limit", 1, NULL },
	{ "field too long", 2, "CSV field longer than 1048576 octets (t.csv:3)" },
	{ "too many rows", 3, "CSV file has more than 2000000 rows (t.csv:2000002)" },
};

static void
run_limit_cases(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(limit_cases); i++) {
		struct mm_diag diag;
		struct mm_csv *csv;
		size_t len;
		char *input = make_limit_input(limit_cases[i].which, &len);
		int rc = -1;

		mm_diag_init(&diag);
		csv = mm_csv_open_memory(input, len, "t.csv", &diag);
		if (csv != NULL)
			while ((rc = mm_csv_next(csv, &diag)) == 1)
				;
		if (limit_cases[i].error != NULL)
			tap_str(diag.message, limit_cases[i].error,
			    limit_cases[i].name);
		else
			tap_ok(rc == 0 && diag.message == NULL, "%s",
			    limit_cases[i].name);
		tap_ok(limit_cases[i].error == NULL || diag.code == MM_DIAG_LIMIT,
		    "%s: diag code", limit_cases[i].name);
		mm_csv_close(csv);
		mm_diag_release(&diag);
		g_free(input);
	}
}

/* Header names are looked up case-insensitively and trimmed. */
static void
run_header_cases(void)
{
	static const char input[] = "DisplayName, Mail ,proxyAddresses\n"
	    "Ann,ann@x,SMTP:ann@x\n";
	static const struct {
		const char *column;
		const char *want;
	} lookups[] = {
		{ "displayname", "Ann" },
		{ "MAIL", "ann@x" },
		{ "ProxyAddresses", "SMTP:ann@x" },
		{ "absent", "" },
	};
	struct mm_diag diag;
	struct mm_csv *csv;
	size_t i;

	mm_diag_init(&diag);
	csv = mm_csv_open_memory(input, strlen(input), "h.csv", &diag);
	tap_ok(csv != NULL && mm_csv_next(csv, &diag) == 1, "header: first row");
	for (i = 0; csv != NULL && i < G_N_ELEMENTS(lookups); i++)
		tap_str(mm_csv_get(csv, lookups[i].column), lookups[i].want,
		    lookups[i].column);
	tap_ok(csv != NULL && mm_csv_column(csv, "absent") == -1,
	    "absent column is -1");
	tap_ok(csv != NULL && mm_csv_next(csv, &diag) == 0, "header: end");
	mm_csv_close(csv);
	mm_diag_release(&diag);

	csv = mm_csv_open("no/such/file.csv", &diag);
	tap_ok(csv == NULL && diag.code == MM_DIAG_NOINPUT,
	    "missing file is NOINPUT");
	mm_diag_release(&diag);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct csv_case *c = &cases[i];
		struct mm_diag diag;
		struct mm_csv *csv;
		char *got = NULL;
		int rc = 0;

		mm_diag_init(&diag);
		csv = mm_csv_open_memory(c->input, c->len ? c->len : strlen(c->input),
		    "t.csv", &diag);
		if (csv != NULL)
			got = render(csv, &diag, &rc);
		if (c->want != NULL) {
			if (rc != 0 || csv == NULL)
				tap_str(diag.message, NULL, c->name);
			else
				tap_str(got, c->want, c->name);
		} else if (c->error != NULL) {
			tap_str(diag.message, c->error, c->name);
		} else {
			tap_ok(csv == NULL || rc < 0, "%s", c->name);
		}
		g_free(got);
		mm_csv_close(csv);
		mm_diag_release(&diag);
		if (c->want != NULL)
			run_read_again(c);
	}
	run_limit_cases();
	run_header_cases();
	return tap_done();
}
