/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The subcommands.  Each takes its own argv (argv[0] is the subcommand's
 * name), prints, and returns the process exit status.  Only these and main.c
 * print to stdout or stderr.
 */
#ifndef MM_CMD_H
#define MM_CMD_H

int mm_cmd_migrate(int argc, char **argv);
int mm_cmd_plan(int argc, char **argv);
int mm_cmd_enqueue(int argc, char **argv);
int mm_cmd_run(int argc, char **argv);
int mm_cmd_status(int argc, char **argv);

#endif
