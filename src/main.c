/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig: the program.  main() only finds the subcommand (like git) and
 * hands it the rest of the command line; everything else lives in the
 * library that the tests link too.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "migrate", mm_cmd_migrate, "migrate one user's meetings now" },
	{ "plan", mm_cmd_plan, "show what migrate would do, write nothing" },
	{ "enqueue", mm_cmd_enqueue, "queue users for meetmig run" },
	{ "run", mm_cmd_run, "process the queue: Pending requests and due retries" },
	{ "status", mm_cmd_status, "show the status of requests" },
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "Usage:\n"
	    "  meetmig COMMAND [OPTION...]\n"
	    "\n"
	    "Offline meeting migration: rewrites the online meeting block of the\n"
	    "future meetings a user organizes and writes the updates to send.\n"
	    "\n"
	    "Commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	    "\n"
	    "Options:\n"
	    "  -h, --help       Show this help\n"
	    "  --version        Show the version\n"
	    "\n"
	    "Run 'meetmig COMMAND --help' for a command's options.\n");
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("meetmig %s\n", PACKAGE_VERSION);
		return EX_OK;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "meetmig: '%s' is not a command (try 'meetmig --help')\n",
	    argv[1]);
	return EX_USAGE;
}
