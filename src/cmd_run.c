/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * meetmig run: the MMS queue worker.  It takes back requests whose worker
 * is gone, then forks -j N worker processes.  Each opens its own store
 * connection (an SQLite connection never crosses a fork), claims one due
 * request at a time (Pending, or a retry whose time has come) and runs
 * mm_migrate_user() on it, until nothing is due.  The parent only watches:
 * workers send it small fixed-size events through a pipe, and it draws a
 * progress bar on a terminal or prints one line per finished user
 * otherwise, then a summary.
 *
 * Crash safety comes from the store and the pipeline together: a claim is
 * one transaction, mm_migrate_user() renames each file into place whole,
 * and a request left InProgress by a killed run is taken again by the
 * next, which rewrites the same files.  A worker that dies under a live
 * parent (a crash, the OOM killer) fails its request, so that a request
 * that kills its worker is retried a bounded number of times, not forever.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "report.h"
#include "select.h"
#include "store.h"

/* The most workers -j accepts: more buys nothing on one machine. */
#define MAX_JOBS 256

/* What a worker tells the parent; smaller than PIPE_BUF, so written whole. */
enum event_kind {
	EVENT_START,            /* claimed request id */
	EVENT_MEETING,          /* one meeting decided (terminal progress only) */
	EVENT_DONE,             /* request id recorded in the store */
};

struct event {
	int kind;
	int result;             /* enum mm_result of EVENT_MEETING */
	long worker;
	int64_t id;
};

/* The run's time: --now, or the clock as it goes. */
struct run_clock {
	bool fixed;
	int64_t now;
};

static int64_t
clock_now(const struct run_clock *clock)
{
	return clock->fixed ? clock->now : g_get_real_time() / G_USEC_PER_SEC;
}

struct worker {
	int fd;
	long pid;
	int64_t id;
	bool send_meetings;
};

static void
send_event(struct worker *w, int kind, int result)
{
	struct event event;

	if (w->fd < 0)
		return;
	memset(&event, 0, sizeof event);
	event.kind = kind;
	event.result = result;
	event.worker = w->pid;
	event.id = w->id;
	/* A parent that is gone stops the messages, not the work. */
	if (write(w->fd, &event, sizeof event) != (ssize_t)sizeof event) {
		close(w->fd);
		w->fd = -1;
	}
}

static void
on_meeting(void *data, const struct mm_meeting *meeting,
    const struct mm_verdict *verdict)
{
	struct worker *w = data;

	(void)meeting;
	if (w->send_meetings)
		send_event(w, EVENT_MEETING, (int)verdict->result);
}

/*
 * The worker process: claims and runs requests until none is due.  Returns
 * its exit status (a store error's, having printed it).
 */
static int
worker_main(const char *store_path, int fd, pid_t parent,
    const struct run_clock *clock, const struct mm_store_retry *retry,
    bool send_meetings)
{
	struct worker w = { fd, (long)getpid(), 0, send_meetings };
	struct mm_store *store;
	struct mm_diag diag;
	int status = 0;

	signal(SIGPIPE, SIG_IGN);
	mm_diag_init(&diag);
	store = mm_store_open(store_path, &diag);
	if (store == NULL) {
		mm_cmd_error("worker %ld: %s", w.pid, diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	/* A run that was killed leaves its workers to finish their request only. */
	while (getppid() == parent) {
		struct mm_store_request request;
		struct mm_migrate_request req;
		struct mm_migrate_stats stats;
		struct mm_diag run_error;
		int64_t now = clock_now(clock);
		int claimed, ran;

		claimed = mm_store_claim(store, now, w.pid, &request, &diag);
		if (claimed < 0) {
			mm_cmd_error("worker %ld: %s", w.pid, diag.message);
			status = mm_diag_exit_status(&diag);
			break;
		}
		if (claimed == 0)
			break;
		w.id = request.id;
		send_event(&w, EVENT_START, 0);
		mm_store_request_to_migrate(&request, &req);
		if (!req.now_given) {
			req.now = now;
			req.now_given = clock->fixed;
		}
		req.on_meeting = on_meeting;
		req.on_meeting_data = &w;
		memset(&stats, 0, sizeof stats);
		mm_diag_init(&run_error);
		ran = mm_migrate_user(&req, &stats, &run_error);
		if (mm_store_finish(store, request.id, w.pid, &stats,
		    ran < 0 ? &run_error : NULL, retry, clock_now(clock), &diag) < 0) {
			mm_cmd_error("worker %ld: %s", w.pid, diag.message);
			status = mm_diag_exit_status(&diag);
		} else {
			send_event(&w, EVENT_DONE, 0);
		}
		mm_diag_release(&run_error);
		mm_migrate_stats_release(&stats);
		mm_store_request_release(&request);
		if (status != 0)
			break;
	}
out:
	mm_store_close(store);
	mm_diag_release(&diag);
	if (w.fd >= 0)
		close(w.fd);
	return status;
}

/* The last outcome of each request this run touched. */
struct outcome {
	enum mm_store_state state;
	bool retry_scheduled;
	int64_t next_attempt;
	unsigned selected;
	unsigned succeeded;
	unsigned failed;
	unsigned invites;
};

struct watch {
	struct mm_store *store;
	const struct mm_store_retry *retry;
	bool tty;
	bool quiet;
	unsigned total;
	unsigned meetings;
	unsigned meeting_failures;
	GHashTable *outcomes;   /* request id -> struct outcome */
	GHashTable *active;     /* worker pid -> request id */
	gint64 started;         /* monotonic, for the time left */
	gint64 drawn;           /* when the bar was drawn last */
	bool bar_shown;
	int status;             /* a store error's exit status, or 0 */
};

static int64_t *
id_dup(int64_t id)
{
	int64_t *copy = g_new(int64_t, 1);

	*copy = id;
	return copy;
}

static char *
duration_text(gint64 seconds)
{
	if (seconds >= 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m",
		    seconds / 3600, seconds / 60 % 60);
	if (seconds >= 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s",
		    seconds / 60, seconds % 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "s", seconds);
}

static void
clear_bar(struct watch *w)
{
	if (w->bar_shown) {
		fputs("\r\033[K", stdout);
		w->bar_shown = false;
	}
}

/* Users done of total, meetings, failures, time left. */
static void
draw_bar(struct watch *w, bool force)
{
	enum { WIDTH = 24 };
	gint64 now = g_get_monotonic_time();
	unsigned done = g_hash_table_size(w->outcomes);
	unsigned total = MAX(w->total, done);
	unsigned filled = total > 0 ? (unsigned)((guint64)done * WIDTH / total) : 0;
	char bar[WIDTH + 1];
	char *left = NULL;

	if (!w->tty || w->quiet || (!force && now - w->drawn < G_USEC_PER_SEC / 10))
		return;
	w->drawn = now;
	memset(bar, '#', filled);
	memset(bar + filled, '.', WIDTH - filled);
	bar[WIDTH] = '\0';
	if (done > 0 && done < total)
		left = duration_text((now - w->started) * (gint64)(total - done) /
		    done / G_USEC_PER_SEC);
	printf("\r[%s] %u/%u users  %u meetings  %u failed%s%s%s\033[K", bar, done,
	    total, w->meetings, w->meeting_failures, left ? "  " : "",
	    left ? left : "", left ? " left" : "");
	fflush(stdout);
	w->bar_shown = true;
	g_free(left);
}

/* One line per finished user; on a terminal only the failures. */
static void
print_outcome(struct watch *w, const struct mm_store_request *r)
{
	char *due;

	if (w->quiet || (w->tty && r->state == MM_STORE_SUCCEEDED))
		return;
	clear_bar(w);
	if (r->state == MM_STORE_SUCCEEDED) {
		printf("%s: Succeeded: %u selected, %u updated, %u failed, %s\n",
		    r->identity, r->total_meeting, r->succeeded_meeting,
		    r->failed_meeting, mm_cmd_count(r->invites_update, "invite",
		    "invites"));
	} else if (r->retry_scheduled) {
		due = mm_report_time(r->next_attempt);
		printf("%s: Failed, retry %u of %u due %s: %s\n", r->identity,
		    r->retry_count + 1, w->retry->max_retries, due, r->last_message);
		g_free(due);
	} else {
		printf("%s: Failed for good after %u retries: %s\n", r->identity,
		    r->retry_count, r->last_message);
	}
	fflush(stdout);
}

/* Reads the outcome of request ID from the store and shows it. */
static void
request_done(struct watch *w, int64_t id)
{
	struct mm_store_request r;
	struct outcome *o;
	struct mm_diag diag;

	mm_diag_init(&diag);
	if (mm_store_get(w->store, id, &r, &diag) != 1) {
		clear_bar(w);
		mm_cmd_error("%s", diag.message ? diag.message : "a request vanished");
		if (w->status == 0)
			w->status = diag.message ? mm_diag_exit_status(&diag) : EX_SOFTWARE;
		mm_diag_release(&diag);
		return;
	}
	o = g_new0(struct outcome, 1);
	o->state = r.state;
	o->retry_scheduled = r.retry_scheduled;
	o->next_attempt = r.next_attempt;
	o->selected = r.total_meeting;
	o->succeeded = r.succeeded_meeting;
	o->failed = r.failed_meeting;
	o->invites = r.invites_update;
	g_hash_table_replace(w->outcomes, id_dup(id), o);
	print_outcome(w, &r);
	draw_bar(w, true);
	mm_store_request_release(&r);
	mm_diag_release(&diag);
}

static bool
read_event(int fd, struct event *event)
{
	size_t got = 0;

	while (got < sizeof *event) {
		ssize_t n = read(fd, (char *)event + got, sizeof *event - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static void
watch_events(struct watch *w, int fd)
{
	struct event event;

	while (read_event(fd, &event)) {
		switch (event.kind) {
		case EVENT_START:
			g_hash_table_replace(w->active, GSIZE_TO_POINTER(event.worker),
			    id_dup(event.id));
			draw_bar(w, false);
			break;
		case EVENT_MEETING:
			w->meetings++;
			if (event.result == MM_RESULT_FAILED)
				w->meeting_failures++;
			draw_bar(w, false);
			break;
		case EVENT_DONE:
			g_hash_table_remove(w->active, GSIZE_TO_POINTER(event.worker));
			request_done(w, event.id);
			break;
		default:
			break;
		}
	}
}

/*
 * A worker that died under us leaves its request InProgress: fail it (with
 * a retry), so that a request that kills its worker is not taken forever.
 */
static void
worker_ended(struct watch *w, pid_t pid, int wait_status,
    const struct run_clock *clock)
{
	int64_t *id = g_hash_table_lookup(w->active, GSIZE_TO_POINTER((long)pid));
	struct mm_diag diag, died;
	int64_t request_id;

	if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0 &&
	    w->status == 0)
		w->status = WEXITSTATUS(wait_status);
	if (id == NULL)
		return;
	request_id = *id;
	mm_diag_init(&diag);
	mm_diag_init(&died);
	if (WIFSIGNALED(wait_status))
		mm_diag_set(&died, MM_DIAG_INTERNAL, "worker %ld was killed by signal "
		    "%d", (long)pid, WTERMSIG(wait_status));
	else
		mm_diag_set(&died, MM_DIAG_INTERNAL, "worker %ld ended with status %d "
		    "in the middle of the request", (long)pid, WEXITSTATUS(wait_status));
	if (mm_store_finish(w->store, request_id, (long)pid, NULL, &died, w->retry,
	    clock_now(clock), &diag) < 0) {
		clear_bar(w);
		mm_cmd_error("%s", diag.message);
		if (w->status == 0)
			w->status = mm_diag_exit_status(&diag);
	} else {
		request_done(w, request_id);
	}
	g_hash_table_remove(w->active, GSIZE_TO_POINTER((long)pid));
	mm_diag_release(&diag);
	mm_diag_release(&died);
}

static void
print_summary(struct watch *w)
{
	GHashTableIter iter;
	gpointer value;
	unsigned succeeded = 0, failed = 0, to_retry = 0;
	unsigned selected = 0, updated = 0, meeting_failed = 0, invites = 0;
	int64_t next = 0;

	g_hash_table_iter_init(&iter, w->outcomes);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const struct outcome *o = value;

		if (o->state == MM_STORE_SUCCEEDED)
			succeeded++;
		else
			failed++;
		if (o->state == MM_STORE_FAILED && o->retry_scheduled) {
			to_retry++;
			if (next == 0 || o->next_attempt < next)
				next = o->next_attempt;
		}
		selected += o->selected;
		updated += o->succeeded;
		meeting_failed += o->failed;
		invites += o->invites;
	}
	clear_bar(w);
	printf("%u user%s: %u succeeded, %u failed", g_hash_table_size(w->outcomes),
	    g_hash_table_size(w->outcomes) == 1 ? "" : "s", succeeded, failed);
	if (to_retry > 0) {
		char *due = mm_report_time(next);

		printf(" (%u to retry, the first due %s)", to_retry, due);
		g_free(due);
	}
	printf("\nmeetings: %u selected, %u updated, %u failed; %s written\n",
	    selected, updated, meeting_failed,
	    mm_cmd_count(invites, "invite", "invites"));
}

struct run_options {
	int jobs;
	char *now;
	int max_retries;
	char *retry_interval;
	char *store;
	gboolean quiet;
};

/* A duration: seconds, or a number with s, m, h or d ("160m"). */
static int
parse_duration(const char *text, int64_t *out)
{
	char *end = NULL;
	gint64 value, unit = 1;

	errno = 0;
	value = g_ascii_strtoll(text, &end, 10);
	if (end == text || errno != 0 || value < 0)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0')
			return -1;
		switch (*end) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			return -1;
		}
	}
	if (value > G_MAXINT64 / unit)
		return -1;
	*out = value * unit;
	return 0;
}

/* What mm_cmd_run() holds besides the store, freed by it and by each worker. */
static void
release_run(struct watch *w, GArray *pids, struct run_options *opt,
    struct mm_diag *diag, GOptionContext *context)
{
	g_hash_table_destroy(w->outcomes);
	g_hash_table_destroy(w->active);
	g_array_free(pids, TRUE);
	g_free(opt->now);
	g_free(opt->retry_interval);
	g_free(opt->store);
	mm_diag_release(diag);
	g_option_context_free(context);
}

int
mm_cmd_run(int argc, char **argv)
{
	struct run_options opt = { 1, NULL, MM_STORE_MAX_RETRIES, NULL, NULL, FALSE };
	struct mm_store_retry retry = { MM_STORE_MAX_RETRIES, MM_STORE_RETRY_INTERVAL };
	struct run_clock clock = { false, 0 };
	struct watch w;
	struct mm_diag diag;
	GOptionContext *context;
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	unsigned recovered = 0, workers;
	int fds[2] = { -1, -1 };
	int status;
	const GOptionEntry entries[] = {
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &opt.jobs,
		  "Worker processes (default 1)", "N" },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &opt.now,
		  "The run's time, ISO 8601: which retries are due, and the reference "
		  "time of requests enqueued without --now (default: the clock)",
		  "TIME" },
		{ "max-retries", 0, 0, G_OPTION_ARG_INT, &opt.max_retries,
		  "Retries of a failed request after its first attempt (default 9)",
		  "N" },
		{ "retry-interval", 0, 0, G_OPTION_ARG_STRING, &opt.retry_interval,
		  "Time between retries: seconds, or with s, m, h or d (default 160m)",
		  "DURATION" },
		{ "store", 0, 0, G_OPTION_ARG_FILENAME, &opt.store,
		  "Status database (default $XDG_STATE_HOME/meetmig/status.db)",
		  "FILE" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt.quiet,
		  "Print only the summary", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	memset(&w, 0, sizeof w);
	mm_diag_init(&diag);
	w.outcomes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    g_free);
	w.active = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
	    g_free);
	context = g_option_context_new("- process queued requests");
	g_option_context_set_summary(context,
	    "Processes the Pending requests of the store and the failed ones whose\n"
	    "retry is due, with N worker processes, showing progress.  A failed\n"
	    "request is retried up to 9 times, 160 minutes apart (24 hours in all),\n"
	    "by later runs.  A request left InProgress by a killed run is taken\n"
	    "again.  Several runs may share a store: none takes a request twice.");
	g_option_context_add_main_entries(context, entries, NULL);
	status = mm_cmd_parse_no_arguments(context, &argc, &argv);
	if (status != 0)
		goto out;
	status = EX_USAGE;
	if (opt.jobs < 1 || opt.jobs > MAX_JOBS) {
		mm_cmd_error("--jobs: %d is not between 1 and %d", opt.jobs, MAX_JOBS);
		goto out;
	}
	if (opt.max_retries < 0) {
		mm_cmd_error("--max-retries: %d is negative", opt.max_retries);
		goto out;
	}
	retry.max_retries = (unsigned)opt.max_retries;
	if (opt.retry_interval != NULL &&
	    parse_duration(opt.retry_interval, &retry.interval) < 0) {
		mm_cmd_error("--retry-interval: '%s' is not a duration such as 160m, "
		    "2h or 9600", opt.retry_interval);
		goto out;
	}
	if (opt.now != NULL) {
		if (mm_cmd_parse_time(opt.now, &clock.now) < 0) {
			mm_cmd_error("--now: '%s' is not an ISO 8601 time such as "
			    "2026-11-21T09:00:00Z", opt.now);
			goto out;
		}
		clock.fixed = true;
	}
	status = 0;
	if (opt.store == NULL)
		opt.store = mm_store_default_path();

	w.store = mm_store_open(opt.store, &diag);
	if (w.store == NULL ||
	    mm_store_recover(w.store, clock_now(&clock), &recovered, &diag) < 0 ||
	    mm_store_count_due(w.store, clock_now(&clock), &w.total, &diag) < 0) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	/* No SQLite connection may cross a fork: the parent opens its own again. */
	mm_store_close(w.store);
	w.store = NULL;
	w.retry = &retry;
	w.quiet = opt.quiet;
	w.tty = isatty(STDOUT_FILENO) == 1;
	if (recovered > 0 && !opt.quiet)
		printf("took back %u request%s left InProgress by a run that was "
		    "stopped\n", recovered, recovered == 1 ? "" : "s");
	if (w.total == 0) {
		if (!opt.quiet)
			printf("nothing to do: no Pending request and no retry due\n");
		goto out;
	}
	workers = MIN((unsigned)opt.jobs, w.total);
	if (pipe(fds) < 0) {
		mm_cmd_error("cannot make a pipe for the workers: %s",
		    g_strerror(errno));
		status = EX_OSERR;
		goto out;
	}
	w.started = g_get_monotonic_time();
	fflush(stdout);
	fflush(stderr);
	for (unsigned i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			mm_cmd_error("cannot start a worker: %s", g_strerror(errno));
			status = EX_OSERR;
			break;
		}
		if (pid == 0) {
			int worker_status;

			close(fds[0]);
			worker_status = worker_main(opt.store, fds[1], getppid(), &clock,
			    &retry, w.tty && !opt.quiet);
			/* What the parent made is the worker's too: free it for valgrind. */
			release_run(&w, pids, &opt, &diag, context);
			_exit(worker_status);
		}
		g_array_append_val(pids, pid);
	}
	close(fds[1]);
	fds[1] = -1;
	w.store = mm_store_open(opt.store, &diag);
	if (w.store == NULL) {
		mm_cmd_error("%s", diag.message);
		status = mm_diag_exit_status(&diag);
	}
	draw_bar(&w, true);
	if (w.store != NULL)
		watch_events(&w, fds[0]);
	for (guint i = 0; i < pids->len; i++) {
		pid_t pid = g_array_index(pids, pid_t, i);
		int wait_status = 0;

		while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR)
			continue;
		if (w.store != NULL)
			worker_ended(&w, pid, wait_status, &clock);
	}
	if (w.store != NULL)
		print_summary(&w);
	if (status == 0)
		status = w.status;
	if (status == 0) {
		GHashTableIter iter;
		gpointer value;

		g_hash_table_iter_init(&iter, w.outcomes);
		while (g_hash_table_iter_next(&iter, NULL, &value))
			if (((const struct outcome *)value)->state != MM_STORE_SUCCEEDED)
				status = 1;
	}
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	mm_store_close(w.store);
	release_run(&w, pids, &opt, &diag, context);
	return status;
}
