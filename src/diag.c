/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Diagnostics: the one place where a failure becomes text.  This module must
 * never print; the command layer decides what the user sees.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <sysexits.h>

#include "diag.h"

void
mm_diag_init(struct mm_diag *diag)
{
	diag->code = MM_DIAG_NONE;
	diag->message = NULL;
}

void
mm_diag_release(struct mm_diag *diag)
{
	if (diag == NULL)
		return;
	g_free(diag->message);
	diag->message = NULL;
	diag->code = MM_DIAG_NONE;
}

void
mm_diag_clear(struct mm_diag *diag)
{
	mm_diag_release(diag);
}

int
mm_diag_set(struct mm_diag *diag, enum mm_diag_code code, const char *fmt, ...)
{
	va_list ap;

	if (diag == NULL)
		return -1;
	g_free(diag->message);
	va_start(ap, fmt);
	diag->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	diag->code = code;
	return -1;
}

void
mm_diag_prefix(struct mm_diag *diag, const char *fmt, ...)
{
	va_list ap;
	char *prefix, *joined;

	if (diag == NULL || diag->message == NULL)
		return;
	va_start(ap, fmt);
	prefix = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	joined = g_strconcat(prefix, ": ", diag->message, NULL);
	g_free(prefix);
	g_free(diag->message);
	diag->message = joined;
}

int
mm_diag_exit_status(const struct mm_diag *diag)
{
	switch (diag->code) {
	case MM_DIAG_NONE:
		return EX_OK;
	case MM_DIAG_USAGE:
		return EX_USAGE;
	case MM_DIAG_DATA:
	case MM_DIAG_LIMIT:
		return EX_DATAERR;
	case MM_DIAG_NOINPUT:
		return EX_NOINPUT;
	case MM_DIAG_CANTCREAT:
		return EX_CANTCREAT;
	case MM_DIAG_IOERR:
		return EX_IOERR;
	case MM_DIAG_INTERRUPTED:
		return 128 + SIGINT;    /* the command knows which signal it was */
	case MM_DIAG_INTERNAL:
		break;
	}
	return EX_SOFTWARE;
}

const char *
mm_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	}
	return "a signal";
}
