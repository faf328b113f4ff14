/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A minimal TAP producer for the table-driven unit tests: each case is one
 * "ok N - name" line in make check's output (automake's TAP driver reads it).
 */
#ifndef MM_TAP_H
#define MM_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline void
tap_plan(int n)
{
	printf("1..%d\n", n);
}

static inline int
tap_ok(int pass, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass)
		tap_failed++;
	return pass;
}

/* Compares two strings (either may be NULL) and prints both on a mismatch. */
static inline int
tap_str(const char *got, const char *want, const char *name)
{
	int pass = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	tap_ok(pass, "%s", name);
	if (!pass)
		printf("# got:      %s\n# expected: %s\n", got ? got : "(null)",
		    want ? want : "(null)");
	return pass;
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
