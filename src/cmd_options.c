/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The options that migrate, plan and enqueue share, in one GOptionEntry
 * table so that parsing and --help cannot drift apart, and their conversion
 * into a struct mm_migrate_request.  Like every cmd_*.c file it may print;
 * it prints only usage errors.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "select.h"

/*
 * Messages quote input: UIDs, subjects, file names.  A control character
 * or a broken UTF-8 sequence in one must not reach a terminal or a log as
 * it is (fixtures/hostile/uid-paths.ics: a CR in a UID would let it
 * overwrite the line it is on, a LF forge a line of its own, an ESC start
 * a terminal escape sequence), so those are written as \r, \n, \t or \xNN.
 */
static void
append_printable(GString *out, const char *text)
{
	const char *p = text, *end = text + strlen(text);

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		const char *next;

		if (c == (gunichar)-1 || c == (gunichar)-2) {
			g_string_append_printf(out, "\\x%02X",
			    (unsigned)(unsigned char)*p++);
			continue;
		}
		next = p + g_utf8_skip[(guchar)*p];
		if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\x%02X", (unsigned)c);
		else if (c >= 0x80 && c < 0xa0)
			g_string_append_printf(out, "\\u%04X", (unsigned)c);
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
}

/*
 * The whole line goes out in one write: run's workers and their parent
 * share stderr, and a line written piecemeal would interleave with theirs.
 */
void
mm_cmd_error(const char *fmt, ...)
{
	va_list ap;
	char *message;
	GString *line = g_string_new("meetmig: ");

	va_start(ap, fmt);
	message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	append_printable(line, message);
	g_string_append_c(line, '\n');
	/* stderr is unbuffered: one fwrite is one write(2). */
	fwrite(line->str, 1, line->len, stderr);
	g_free(message);
	g_string_free(line, TRUE);
}

const char *
mm_cmd_count(unsigned n, const char *one, const char *many)
{
	/* A few counts per printed line: a small ring of buffers serves. */
	static char ring[8][64];
	static unsigned next;
	char *buf = ring[next++ % G_N_ELEMENTS(ring)];

	g_snprintf(buf, sizeof ring[0], "%u %s", n, n == 1 ? one : many);
	return buf;
}

void
mm_cmd_warning(void *data, const char *message)
{
	(void)data;
	mm_cmd_error("warning: %s", message);
}

/* A handler may touch only lock-free atomics (C11 7.14.1.1). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic_int is not lock-free");

atomic_int mm_cmd_stop_signal;

static void
on_stop(int sig)
{
	atomic_store(&mm_cmd_stop_signal, sig);
}

void
mm_cmd_catch_stop(void (*handler)(int sig), bool once)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction action;

	memset(&action, 0, sizeof action);
	action.sa_handler = handler != NULL ? handler : on_stop;
	action.sa_flags = SA_RESTART | (once ? SA_RESETHAND : 0);
	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < G_N_ELEMENTS(signals); i++) {
		struct sigaction old;

		if (sigaction(signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(signals[i], &action, NULL);
	}
}

int
mm_cmd_parse(GOptionContext *context, int *argc, char ***argv)
{
	GError *error = NULL;

	if (!g_option_context_parse(context, argc, argv, &error)) {
		mm_cmd_error("%s (try 'meetmig %s --help')", error->message,
		    (*argv)[0]);
		g_error_free(error);
		return EX_USAGE;
	}
	return 0;
}

int
mm_cmd_parse_no_arguments(GOptionContext *context, int *argc, char ***argv)
{
	int status = mm_cmd_parse(context, argc, argv);

	if (status == 0 && *argc > 1) {
		mm_cmd_error("unexpected argument '%s' (try 'meetmig %s --help')",
		    (*argv)[1], (*argv)[0]);
		status = EX_USAGE;
	}
	return status;
}

void
mm_cmd_common_add(GOptionContext *context, struct mm_cmd_common *c,
    unsigned which)
{
	const GOptionEntry base[] = {
		{ "identity", 'i', 0, G_OPTION_ARG_STRING, &c->identity,
		  "The organizer: SIP address, UPN or SMTP address, DOMAIN\\logon, "
		  "display name or distinguished name", "ID" },
		{ "directory", 'd', 0, G_OPTION_ARG_FILENAME, &c->directory,
		  "User directory (CSV exported from Active Directory)", "FILE" },
		{ "source-meeting-type", 's', 0, G_OPTION_ARG_STRING, &c->source_type,
		  "Meetings to migrate: all (default), sfb or teams", "TYPE" },
		{ "target-meeting-type", 't', 0, G_OPTION_ARG_STRING, &c->target_type,
		  "New meeting type: current (default) or teams", "TYPE" },
		{ "coordinates", 'c', 0, G_OPTION_ARG_FILENAME, &c->coordinates,
		  "New meeting coordinates (key file)", "FILE" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &c->output,
		  "Where updates and status go (default ./meetmig-out)", "DIR" },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &c->now,
		  "Reference time, ISO 8601 (default: the clock)", "TIME" },
		{ "max-attendees", 0, 0, G_OPTION_ARG_INT, &c->max_attendees,
		  "Most attendees, counting the organizer (default 250)", "N" },
		{ "include-pasted", 0, 0, G_OPTION_ARG_NONE, &c->include_pasted,
		  "Migrate blocks pasted without the add-in too", NULL },
		{ "language", 0, 0, G_OPTION_ARG_STRING, &c->language,
		  "Language of the new block (default: the old block's)", "TAG" },
		{ "templates", 0, 0, G_OPTION_ARG_FILENAME, &c->templates,
		  "Block templates that override the built-in ones "
		  "(<sfb|teams>-<language>.<txt|html>)", "DIR" },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &c->mailboxes,
		  NULL, "MAILBOX..." },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	const GOptionEntry output[] = {
		{ "format", 0, 0, G_OPTION_ARG_STRING, &c->formats,
		  "Update formats to write: ics,eml (default), ews", "LIST" },
		{ "sender", 0, 0, G_OPTION_ARG_STRING, &c->sender,
		  "Sender: address when sending on the organizer's behalf", "ADDRESS" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &c->quiet,
		  "Print no summary", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	const GOptionEntry store[] = {
		{ "store", 0, 0, G_OPTION_ARG_FILENAME, &c->store,
		  "Status database (default $XDG_STATE_HOME/meetmig/status.db)", "FILE" },
		{ "no-store", 0, 0, G_OPTION_ARG_NONE, &c->no_store,
		  "Do not record the request in the status database", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	c->max_attendees = 250;
	g_option_context_add_main_entries(context, base, NULL);
	if (which & MM_CMD_WITH_OUTPUT)
		g_option_context_add_main_entries(context, output, NULL);
	if (which & MM_CMD_WITH_STORE)
		g_option_context_add_main_entries(context, store, NULL);
}

void
mm_cmd_common_release(struct mm_cmd_common *c)
{
	g_free(c->identity);
	g_free(c->directory);
	g_free(c->source_type);
	g_free(c->target_type);
	g_free(c->coordinates);
	g_free(c->output);
	g_free(c->now);
	g_free(c->formats);
	g_free(c->store);
	g_free(c->language);
	g_free(c->templates);
	g_free(c->sender);
	g_strfreev(c->mailboxes);
	memset(c, 0, sizeof *c);
}

int
mm_cmd_parse_time(const char *text, int64_t *out)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *t = g_date_time_new_from_iso8601(text, utc);

	g_time_zone_unref(utc);
	if (t == NULL) {
		/* A date alone means its midnight in UTC. */
		char *midnight = g_strconcat(text, "T00:00:00Z", NULL);

		if (strlen(text) == 10)
			t = g_date_time_new_from_iso8601(midnight, NULL);
		g_free(midnight);
		if (t == NULL)
			return -1;
	}
	*out = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return 0;
}

static int
parse_formats(const char *list, unsigned *out)
{
	char **names = g_strsplit(list, ",", -1);
	int rc = 0;

	*out = 0;
	for (size_t i = 0; names[i] != NULL; i++) {
		char *name = g_strstrip(names[i]);

		if (strcmp(name, "ics") == 0)
			*out |= MM_FORMAT_ICS;
		else if (strcmp(name, "eml") == 0)
			*out |= MM_FORMAT_EML;
		else if (strcmp(name, "ews") == 0)
			*out |= MM_FORMAT_EWS;
		else {
			mm_cmd_error("--format: unknown format '%s' (ics, eml, ews)", name);
			rc = -1;
		}
	}
	g_strfreev(names);
	if (rc == 0 && *out == 0) {
		mm_cmd_error("--format: no format given");
		rc = -1;
	}
	return rc;
}

int
mm_cmd_common_request(const struct mm_cmd_common *c,
    struct mm_migrate_request *req)
{
	memset(req, 0, sizeof *req);
	if (c->identity == NULL || *c->identity == '\0') {
		mm_cmd_error("--identity is required");
		return EX_USAGE;
	}
	if (c->mailboxes == NULL || c->mailboxes[0] == NULL) {
		mm_cmd_error("no mailbox file given");
		return EX_USAGE;
	}
	req->identity = c->identity;
	req->mailboxes = (const char *const *)c->mailboxes;
	req->directory = c->directory;
	req->coordinates = c->coordinates;
	req->output = c->output != NULL ? c->output : "meetmig-out";
	req->include_pasted = c->include_pasted;
	req->language = c->language;
	req->templates = c->templates;
	req->sender = c->sender;

	if (c->source_type == NULL || strcmp(c->source_type, "all") == 0)
		req->source_types = MM_SOURCE_ALL;
	else if (strcmp(c->source_type, "sfb") == 0)
		req->source_types = MM_SOURCE_SFB;
	else if (strcmp(c->source_type, "teams") == 0)
		req->source_types = MM_SOURCE_TEAMS;
	else {
		mm_cmd_error("--source-meeting-type: '%s' is not all, sfb or teams",
		    c->source_type);
		return EX_USAGE;
	}
	if (c->target_type == NULL || strcmp(c->target_type, "current") == 0)
		req->target = MM_TARGET_CURRENT;
	else if (strcmp(c->target_type, "teams") == 0)
		req->target = MM_TARGET_TEAMS;
	else {
		mm_cmd_error("--target-meeting-type: '%s' is not current or teams",
		    c->target_type);
		return EX_USAGE;
	}
	if (c->max_attendees < 1) {
		mm_cmd_error("--max-attendees: %d is not a positive number",
		    c->max_attendees);
		return EX_USAGE;
	}
	req->max_attendees = (size_t)c->max_attendees;
	if (c->now != NULL) {
		if (mm_cmd_parse_time(c->now, &req->now) < 0) {
			mm_cmd_error("--now: '%s' is not an ISO 8601 time such as "
			    "2026-11-21T09:00:00Z", c->now);
			return EX_USAGE;
		}
		req->now_given = true;
	} else {
		req->now = g_get_real_time() / G_USEC_PER_SEC;
	}
	req->formats = MM_FORMAT_ICS | MM_FORMAT_EML;
	if (c->formats != NULL && parse_formats(c->formats, &req->formats) < 0)
		return EX_USAGE;
	return 0;
}
