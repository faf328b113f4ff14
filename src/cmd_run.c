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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "limits.h"
#include "report.h"
#include "select.h"
#include "store.h"

/* The most workers -j accepts: more buys nothing on one machine. */
#define MAX_JOBS 256

/* How often a worker whose due requests all wait for a folder looks again. */
#define FOLDER_POLL_MS 50

/* What a worker tells the parent; smaller than PIPE_BUF, so written whole. */
enum event_kind {
	EVENT_START,            /* claimed request id */
	EVENT_MEETING,          /* one meeting decided (terminal progress only) */
	EVENT_DONE,             /* request id recorded in the store */
	EVENT_GIVEN_BACK,       /* request id stopped by a signal, Pending again */
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

/*
 * A worker has two threads: the main one claims a request and prepares it
 * (reads, selects, writes every file under a hidden name), then queues it
 * for the publisher, which puts the files in place and records the outcome
 * in the store through its own connection, while the main thread goes on
 * with the next request.  Publishing waits on the disk (two flushes of
 * the file system); prepared one after the other, a batch of small
 * mailboxes spent a fifth of its time in those waits.  The publisher takes
 * every request queued while it was busy and publishes them together,
 * with two flushes for them all: the more the disk holds it up, the more
 * each flush serves.  At most MM_LIMIT_PUBLISH_QUEUE requests wait.
 */
struct worker {
	pthread_mutex_t lock;   /* guards fd and the publisher's fields */
	pthread_cond_t changed;
	int fd;
	long pid;
	bool send_meetings;
	/* the publisher */
	GPtrArray *queue;       /* of struct job: handed over, not yet taken */
	GPtrArray *publishing;  /* of struct job: taken, not yet recorded */
	bool closing;           /* no job will come any more */
	int status;             /* the publisher's store error, or 0 */
	struct mm_store *store; /* the publisher's connection */
	const struct run_clock *clock;
	const struct mm_store_retry *retry;
};

/* A claimed request, from its claim to its outcome in the store. */
struct job {
	struct mm_store_request request;
	struct mm_migrate_request req;  /* strings borrowed from request */
	struct mm_migrate_stats stats;
	/* prepared, then published and recorded; OUT/<user> locked till freed */
	struct mm_migration *migration;
	struct mm_diag run_error;
	int ran;                        /* -1: a run error */
};

static void
job_free(struct job *job)
{
	mm_migration_free(job->migration);
	mm_diag_release(&job->run_error);
	mm_migrate_stats_release(&job->stats);
	mm_store_request_release(&job->request);
	g_free(job);
}

static void
send_event(struct worker *w, int kind, int result, int64_t id)
{
	struct event event;

	memset(&event, 0, sizeof event);
	event.kind = kind;
	event.result = result;
	event.worker = w->pid;
	event.id = id;
	pthread_mutex_lock(&w->lock);
	/* A parent that is gone stops the messages, not the work. */
	if (w->fd >= 0 &&
	    write(w->fd, &event, sizeof event) != (ssize_t)sizeof event) {
		close(w->fd);
		w->fd = -1;
	}
	pthread_mutex_unlock(&w->lock);
}

static void
on_meeting(void *data, const struct mm_meeting *meeting,
    const struct mm_verdict *verdict)
{
	struct worker *w = data;

	(void)meeting;
	if (w->send_meetings)
		send_event(w, EVENT_MEETING, (int)verdict->result, 0);
}

static bool
jobs_write_into(const GPtrArray *jobs, const char *user_dir)
{
	for (guint i = 0; i < jobs->len; i++) {
		const struct job *job = g_ptr_array_index(jobs, i);

		if (job->stats.user_dir != NULL &&
		    strcmp(job->stats.user_dir, user_dir) == 0)
			return true;
	}
	return false;
}

/*
 * Before the next request touches its folder: a request still to be
 * published into the same folder (one user enqueued twice) is waited for,
 * or the next one's sweep would take its hidden files.  The store claims
 * requests on one folder one at a time already (mm_store_claim()); this
 * covers a request whose folder the store could not know: enqueued by an
 * earlier version, or its user resolved to another folder since.
 */
static void
on_output_folder(void *data, const char *user_dir)
{
	struct worker *w = data;

	pthread_mutex_lock(&w->lock);
	while (jobs_write_into(w->queue, user_dir) ||
	    jobs_write_into(w->publishing, user_dir))
		pthread_cond_wait(&w->changed, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Publishes the N jobs of JOBS together and records their outcomes.
 * Returns 0 or the status of the first store error.
 */
static int
publish_jobs(struct worker *w, struct job *const *jobs, size_t n)
{
	struct mm_migration **group = g_new(struct mm_migration *, n);
	struct job **published = g_new(struct job *, n);
	int *results = g_new(int, n);
	struct mm_diag *diags = g_new(struct mm_diag, n);
	struct mm_diag diag;
	size_t m = 0;
	int status = 0;

	for (size_t i = 0; i < n; i++) {
		if (jobs[i]->migration == NULL)
			continue;
		group[m] = jobs[i]->migration;
		published[m] = jobs[i];
		mm_diag_init(&diags[m]);
		m++;
	}
	mm_migrate_publish_group(group, m, results, diags);
	for (size_t k = 0; k < m; k++) {
		published[k]->ran = results[k];
		mm_diag_release(&published[k]->run_error);
		published[k]->run_error = diags[k];
	}
	mm_diag_init(&diag);
	for (size_t i = 0; i < n && status == 0; i++) {
		struct job *job = jobs[i];

		if (mm_store_finish(w->store, job->request.id, w->pid, &job->stats,
		    job->migration, job->ran < 0 ? &job->run_error : NULL, w->retry,
		    clock_now(w->clock), &diag) < 0) {
			mm_cmd_error("worker %ld: %s", w->pid, diag.message);
			status = mm_diag_exit_status(&diag);
		} else {
			send_event(w, job->ran < 0 &&
			    job->run_error.code == MM_DIAG_INTERRUPTED ?
			    EVENT_GIVEN_BACK : EVENT_DONE, 0, job->request.id);
		}
	}
	mm_diag_release(&diag);
	g_free(group);
	g_free(published);
	g_free(results);
	g_free(diags);
	return status;
}

static void *
publisher_main(void *data)
{
	struct worker *w = data;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		GPtrArray *taken;
		int status;

		while (w->queue->len == 0 && !w->closing)
			pthread_cond_wait(&w->changed, &w->lock);
		if (w->queue->len == 0)
			break;
		/* Every queued job at once; the queue starts again empty. */
		taken = w->queue;
		w->queue = w->publishing;
		w->publishing = taken;
		pthread_cond_broadcast(&w->changed);
		pthread_mutex_unlock(&w->lock);
		status = publish_jobs(w, (struct job *const *)taken->pdata,
		    taken->len);
		pthread_mutex_lock(&w->lock);
		/* Freed under the lock: on_output_folder() may be reading them. */
		g_ptr_array_set_size(taken, 0);
		if (status != 0 && w->status == 0)
			w->status = status;
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Queues JOB for the publisher once there is room.  Returns the
 * publisher's store error status (JOB then freed here), or 0.
 */
static int
hand_over(struct worker *w, struct job *job)
{
	int status;

	pthread_mutex_lock(&w->lock);
	while (w->queue->len >= MM_LIMIT_PUBLISH_QUEUE && w->status == 0)
		pthread_cond_wait(&w->changed, &w->lock);
	status = w->status;
	if (status == 0) {
		g_ptr_array_add(w->queue, job);
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	if (status != 0)
		job_free(job);
	return status;
}

/*
 * Waits while every due request waits for a folder another request is
 * writing: until this worker's publisher records one (it may be one of
 * ours), or FOLDER_POLL_MS for another worker's.
 */
static void
wait_for_folder(struct worker *w)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += FOLDER_POLL_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&w->lock);
	pthread_cond_timedwait(&w->changed, &w->lock, &until);
	pthread_mutex_unlock(&w->lock);
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
	struct worker w;
	struct mm_store *store = NULL;
	struct mm_diag diag;
	pthread_t publisher;
	bool started = false;
	int status = 0, rc;

	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.changed, NULL);
	w.queue = g_ptr_array_new_with_free_func((GDestroyNotify)job_free);
	w.publishing = g_ptr_array_new_with_free_func((GDestroyNotify)job_free);
	w.fd = fd;
	w.pid = (long)getpid();
	w.send_meetings = send_meetings;
	w.clock = clock;
	w.retry = retry;
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A stop signal (Ctrl-C reaches every worker; the parent passes on
	 * one sent to it alone) ends the request being read at its next
	 * meeting, given back to the store, and the claiming of new ones; the
	 * requests already written are published as usual.
	 */
	mm_cmd_catch_stop(NULL, false);
	mm_diag_init(&diag);
	store = mm_store_open(store_path, &diag);
	if (store != NULL)
		w.store = mm_store_open(store_path, &diag);
	if (store == NULL || w.store == NULL) {
		mm_cmd_error("worker %ld: %s", w.pid, diag.message);
		status = mm_diag_exit_status(&diag);
		goto out;
	}
	rc = pthread_create(&publisher, NULL, publisher_main, &w);
	if (rc != 0) {
		mm_cmd_error("worker %ld: cannot start a thread: %s", w.pid,
		    g_strerror(rc));
		status = EX_OSERR;
		goto out;
	}
	started = true;
	/* A run that was killed leaves its workers to finish their request only. */
	while (getppid() == parent && mm_cmd_stop_signal == 0) {
		struct job *job = g_new0(struct job, 1);
		int64_t now = clock_now(clock);
		int claimed;

		claimed = mm_store_claim(store, now, w.pid, &job->request, &diag);
		if (claimed == MM_STORE_FOLDER_BUSY) {
			job_free(job);
			wait_for_folder(&w);
			continue;
		}
		if (claimed != MM_STORE_CLAIMED) {
			job_free(job);
			if (claimed < 0) {
				mm_cmd_error("worker %ld: %s", w.pid, diag.message);
				status = mm_diag_exit_status(&diag);
			}
			break;
		}
		send_event(&w, EVENT_START, 0, job->request.id);
		mm_store_request_to_migrate(&job->request, &job->req);
		if (!job->req.now_given) {
			job->req.now = now;
			job->req.now_given = clock->fixed;
		}
		job->req.on_meeting = on_meeting;
		job->req.on_output_folder = on_output_folder;
		job->req.on_meeting_data = &w;
		job->req.stop = &mm_cmd_stop_signal;
		mm_diag_init(&job->run_error);
		job->ran = mm_migrate_prepare(&job->req, &job->stats,
		    &job->migration, &job->run_error);
		status = hand_over(&w, job);
		if (status != 0)
			break;
	}
out:
	if (started) {
		pthread_mutex_lock(&w.lock);
		w.closing = true;
		pthread_cond_broadcast(&w.changed);
		pthread_mutex_unlock(&w.lock);
		pthread_join(publisher, NULL);
		if (status == 0)
			status = w.status;
	}
	mm_store_close(w.store);
	mm_store_close(store);
	mm_diag_release(&diag);
	if (w.fd >= 0)
		close(w.fd);
	g_ptr_array_free(w.queue, TRUE);
	g_ptr_array_free(w.publishing, TRUE);
	pthread_cond_destroy(&w.changed);
	pthread_mutex_destroy(&w.lock);
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
	bool stopping;          /* a stop signal came, and was noted */
	GHashTable *active;     /* request id -> worker pid: claimed, not done */
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

/*
 * The workers a stop signal is passed on to, from the parent's handler: a
 * signal sent to the parent alone (kill PID) must stop them too.  A pid is
 * 0 once reaped, so that a pid used again is never signalled.  Only the
 * parent's one thread writes them; volatile keeps the handler's view in
 * program order.
 */
static volatile pid_t worker_pids[MAX_JOBS];
static volatile sig_atomic_t worker_count;

static void
on_parent_stop(int sig)
{
	int saved = errno;

	mm_cmd_stop_signal = sig;
	for (sig_atomic_t i = 0; i < worker_count; i++)
		if (worker_pids[i] > 0)
			kill(worker_pids[i], SIGTERM);
	errno = saved;
}

/* After a stop signal: says so, once. */
static void
note_stop(struct watch *w)
{
	if (w->stopping || mm_cmd_stop_signal == 0)
		return;
	w->stopping = true;
	clear_bar(w);
	fflush(stdout);
	mm_cmd_error("%s: stopping: requests already written are put in place, "
	    "the ones being read go back to Pending (another %s stops at once)",
	    mm_signal_name(mm_cmd_stop_signal), mm_signal_name(mm_cmd_stop_signal));
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
		note_stop(w);
		switch (event.kind) {
		case EVENT_START:
			g_hash_table_replace(w->active, id_dup(event.id),
			    GSIZE_TO_POINTER(event.worker));
			draw_bar(w, false);
			break;
		case EVENT_MEETING:
			w->meetings++;
			if (event.result == MM_RESULT_FAILED)
				w->meeting_failures++;
			draw_bar(w, false);
			break;
		case EVENT_DONE:
			g_hash_table_remove(w->active, &event.id);
			request_done(w, event.id);
			break;
		case EVENT_GIVEN_BACK:
			g_hash_table_remove(w->active, &event.id);
			break;
		default:
			break;
		}
	}
}

/*
 * A worker that died under us leaves its requests InProgress (the one it
 * was preparing and the one it was publishing): fail them (with a retry),
 * so that a request that kills its worker is not taken forever.
 */
static void
worker_ended(struct watch *w, pid_t pid, int wait_status,
    const struct run_clock *clock)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GHashTableIter iter;
	gpointer key, value;
	struct mm_diag died;

	if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0 &&
	    w->status == 0)
		w->status = WEXITSTATUS(wait_status);
	g_hash_table_iter_init(&iter, w->active);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (GPOINTER_TO_SIZE(value) == (gsize)pid) {
			g_array_append_val(ids, *(int64_t *)key);
			g_hash_table_iter_remove(&iter);
		}
	}
	mm_diag_init(&died);
	if (WIFSIGNALED(wait_status))
		mm_diag_set(&died, MM_DIAG_INTERNAL, "worker %ld was killed by signal "
		    "%d", (long)pid, WTERMSIG(wait_status));
	else
		mm_diag_set(&died, MM_DIAG_INTERNAL, "worker %ld ended with status %d "
		    "in the middle of the request", (long)pid, WEXITSTATUS(wait_status));
	for (guint i = 0; i < ids->len; i++) {
		int64_t request_id = g_array_index(ids, int64_t, i);
		struct mm_diag diag;

		mm_diag_init(&diag);
		if (mm_store_finish(w->store, request_id, (long)pid, NULL, NULL, &died,
		    w->retry, clock_now(clock), &diag) < 0) {
			clear_bar(w);
			mm_cmd_error("%s", diag.message);
			if (w->status == 0)
				w->status = mm_diag_exit_status(&diag);
		} else {
			request_done(w, request_id);
		}
		mm_diag_release(&diag);
	}
	mm_diag_release(&died);
	g_array_free(ids, TRUE);
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

/* After the summary of a run that a signal stopped: what is left. */
static void
print_stopped(struct watch *w, const struct run_clock *clock)
{
	struct mm_diag diag;
	unsigned left = 0;

	mm_diag_init(&diag);
	note_stop(w);
	if (mm_store_count_due(w->store, clock_now(clock), &left, &diag) < 0) {
		mm_cmd_error("%s", diag.message);
		if (w->status == 0)
			w->status = mm_diag_exit_status(&diag);
	} else {
		printf("stopped by %s: %s left for the next run\n",
		    mm_signal_name(mm_cmd_stop_signal),
		    mm_cmd_count(left, "request", "requests"));
	}
	mm_diag_release(&diag);
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
	w.active = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    NULL);
	context = g_option_context_new("- process queued requests");
	g_option_context_set_summary(context,
	    "Processes the Pending requests of the store and the failed ones whose\n"
	    "retry is due, with N worker processes, showing progress.  A failed\n"
	    "request is retried up to 9 times, 160 minutes apart (24 hours in all),\n"
	    "by later runs.  Ctrl-C stops it between two meetings: what is written\n"
	    "is put in place, the rest stays Pending.  A request left InProgress by\n"
	    "a killed run is taken again.  Several runs may share a store: none\n"
	    "takes a request twice.");
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
	mm_cmd_catch_stop(on_parent_stop, true);
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
		worker_pids[i] = pid;
		worker_count = (sig_atomic_t)(i + 1);
		if (mm_cmd_stop_signal != 0)    /* came before the pid was known */
			kill(pid, SIGTERM);
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
		worker_pids[i] = 0;
		if (w.store != NULL)
			worker_ended(&w, pid, wait_status, &clock);
	}
	if (w.store != NULL) {
		print_summary(&w);
		if (mm_cmd_stop_signal != 0)
			print_stopped(&w, &clock);
	}
	if (status == 0)
		status = w.status;
	if (status == 0 && mm_cmd_stop_signal != 0)
		status = 128 + mm_cmd_stop_signal;
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
