/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The subcommands.  Each takes its own argv (argv[0] is the subcommand's
 * name), prints, and returns the process exit status.  Only these and main.c
 * print to stdout or stderr.
 */
#ifndef MM_CMD_H
#define MM_CMD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "migrate.h"

int mm_cmd_migrate(int argc, char **argv);
int mm_cmd_plan(int argc, char **argv);
int mm_cmd_enqueue(int argc, char **argv);
int mm_cmd_run(int argc, char **argv);
int mm_cmd_status(int argc, char **argv);

/*
 * The options migrate, plan and enqueue share (DESIGN.md "Commands"), as
 * GLib parses them, and their conversion into a request.
 */
struct mm_cmd_common {
	char *identity;
	char *directory;
	char *source_type;
	char *target_type;
	char *coordinates;
	char *output;
	char *now;
	int max_attendees;
	char *formats;
	char *store;
	gboolean no_store;
	gboolean include_pasted;
	char *language;
	char *templates;
	char *sender;
	gboolean quiet;
	char **mailboxes;       /* G_OPTION_REMAINING */
};

enum {
	MM_CMD_WITH_OUTPUT = 1 << 0,    /* --format, --sender, --quiet */
	MM_CMD_WITH_STORE = 1 << 1,     /* --store, --no-store */
};

/*
 * Adds the shared options to CONTEXT's main group; WHICH is a set of
 * MM_CMD_WITH_* bits.  COMMON must outlive the context.
 */
void mm_cmd_common_add(GOptionContext *context, struct mm_cmd_common *common,
    unsigned which);
void mm_cmd_common_release(struct mm_cmd_common *common);

/*
 * Fills REQ from COMMON (strings borrowed from COMMON).  Returns 0, or prints
 * "meetmig: MESSAGE" and returns 64.
 */
int mm_cmd_common_request(const struct mm_cmd_common *common,
    struct mm_migrate_request *req);

/* Parses an ISO 8601 time ("2026-11-21T09:00:00Z"); -1 if it is not one. */
int mm_cmd_parse_time(const char *text, int64_t *out);

/* A reader's warning, as migrate and plan print it on stderr. */
void mm_cmd_warning(void *data, const char *message);

/* "1 meeting", "2 meetings": N and the noun in the right number; static. */
const char *mm_cmd_count(unsigned n, const char *one, const char *many);

/* Prints "meetmig: MESSAGE" on stderr. */
void mm_cmd_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * The signal that asked the command to stop (SIGINT, SIGTERM or SIGHUP),
 * or 0; what mm_migrate_request.stop points to.  Atomic, not volatile
 * sig_atomic_t: the handler may run in one thread and the reader be
 * another (a run worker's publisher and its main thread).
 */
extern atomic_int mm_cmd_stop_signal;

/*
 * Catches SIGINT, SIGTERM and SIGHUP with HANDLER, or when NULL one that
 * sets mm_cmd_stop_signal, so that the command stops between meetings with
 * nothing half written; interrupted system calls go on (SA_RESTART).
 * ONCE: the first signal restores the default action, and a second one
 * ends the process at once.  A signal ignored when the program started
 * (nohup, a background job) stays ignored.
 */
void mm_cmd_catch_stop(void (*handler)(int sig), bool once);

/*
 * Parses ARGV with CONTEXT.  Returns 0, or prints the error and a hint and
 * returns 64.
 */
int mm_cmd_parse(GOptionContext *context, int *argc, char ***argv);
/* The same for a command that takes options only: an argument left is 64. */
int mm_cmd_parse_no_arguments(GOptionContext *context, int *argc,
    char ***argv);

#endif
