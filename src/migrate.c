/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The pipeline of one request: mailbox files in, OUT/<user>/ out.  It strings
 * the stages together in the order of DESIGN.md's data flow and owns the
 * output folder's life: update files are written complete under hidden
 * names as meetings stream by, then numbered by first start time and renamed
 * into place once the whole mailbox has been read.  A run error removes what
 * this run wrote and leaves an earlier run's output as it was.  It never
 * prints: the command layer does, through the on_meeting callback and the
 * stats.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "coords.h"
#include "identity.h"
#include "migrate.h"
#include "output.h"
#include "read_ews.h"
#include "read_ics.h"
#include "report.h"
#include "rewrite.h"
#include "select.h"
#include "template.h"
#include "write_itip.h"
#include "write_ews.h"
#include "write_mime.h"

/* A migrated meeting waiting for its number. */
struct pending_update {
	int64_t first_start;
	const char *id;         /* 12 hex digits, in run->id_names */
	long report_index;
	bool has_ics;
	bool has_eml;
	bool has_ews;
};

struct mm_migration {
	const struct mm_migrate_request *req;
	struct mm_migrate_stats *stats;
	struct mm_identity identity;
	struct mm_directory *directory;
	struct mm_coords *coords;
	struct mm_block_engine *engine;
	struct mm_templates *templates; /* --templates, or NULL */
	struct mm_mime_cache *mime_cache;
	struct mm_report *report;
	char *updates_dir;
	struct mm_writer *writer;       /* writes the hidden update files */
	GArray *pending;        /* of struct pending_update */
	GHashTable *ids;        /* ids used so far, to disambiguate */
	GStringChunk *id_names; /* their text, one allocation for many */
	/* calendar.ics, written as meetings are updated (calendar_add()) */
	struct mm_outfile *calendar_file;       /* not yet published, or NULL */
	GHashTable *calendar_tzids;     /* the VTIMEZONEs in it so far */
	int lock;               /* OUT/<user>'s (mm_output_lock()), or -1 */
	bool settled;           /* published, or its hidden files removed */
};

void
mm_migrate_stats_release(struct mm_migrate_stats *stats)
{
	if (stats == NULL)
		return;
	g_free(stats->user_dir);
	g_free(stats->state);
	g_free(stats->last_message);
	g_free(stats->upn);
	g_free(stats->correlation_id);
	memset(stats, 0, sizeof *stats);
}

const char *
mm_migrate_type_name(unsigned source_types, enum mm_target_kind target)
{
	if (target == MM_TARGET_CURRENT)
		return "ToSameType";
	if (source_types == MM_SOURCE_SFB)
		return "SfbToTeams";
	if (source_types == MM_SOURCE_TEAMS)
		return "TeamsToTeams";
	return "AllToTeams";
}

/*
 * A name-based UUID (RFC 4122 section 4.3, version 5 layout over SHA-1) of
 * the request, so that a run with --now gives the same CorrelationId.
 */
static char *
correlation_id(const struct mm_migrate_request *req)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize len = sizeof digest;
	char *now = g_strdup_printf("%" G_GINT64_FORMAT, req->now);

	if (!req->now_given) {
		char *random = g_uuid_string_random();

		g_checksum_update(sum, (const guchar *)random, -1);
		g_free(random);
	}
	g_checksum_update(sum, (const guchar *)"meetmig\n", -1);
	g_checksum_update(sum, (const guchar *)req->identity, -1);
	for (size_t i = 0; req->mailboxes[i] != NULL; i++) {
		g_checksum_update(sum, (const guchar *)"\n", 1);
		g_checksum_update(sum, (const guchar *)req->mailboxes[i], -1);
	}
	g_checksum_update(sum, (const guchar *)"\n", 1);
	g_checksum_update(sum, (const guchar *)now, -1);
	g_checksum_get_digest(sum, digest, &len);
	g_checksum_free(sum);
	g_free(now);
	digest[6] = (guint8)((digest[6] & 0x0f) | 0x50);
	digest[8] = (guint8)((digest[8] & 0x3f) | 0x80);
	return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", digest[0], digest[1], digest[2],
	    digest[3], digest[4], digest[5], digest[6], digest[7], digest[8],
	    digest[9], digest[10], digest[11], digest[12], digest[13],
	    digest[14], digest[15]);
}

static char *
hidden_path(const struct mm_migration *run, const char *id, const char *ext)
{
	return g_strdup_printf("%s/.%s.%s.part", run->updates_dir, id, ext);
}

static char *
final_name(unsigned number, const char *id, const char *ext)
{
	return g_strdup_printf("updates/%04u-%s.%s", number, id, ext);
}

/* A file name id for the meeting, unique within this run. */
static const char *
meeting_id(struct mm_migration *run, const struct mm_meeting *m)
{
	const char *rid = m->has_master || m->event_count == 0 ?
	    NULL : m->events[0]->recurrence_id;
	char *base = mm_output_hash_id(m->uid ? m->uid : "", rid);
	char *id = g_strdup(base);
	const char *kept;

	/*
	 * The same UID read twice as separate meetings (non-adjacent in the
	 * file) would collide: number the later ones.
	 */
	for (unsigned n = 2; g_hash_table_contains(run->ids, id); n++) {
		g_free(id);
		id = g_strdup_printf("%s-%u", base, n);
	}
	kept = g_string_chunk_insert(run->id_names, id);
	g_hash_table_add(run->ids, (gpointer)(uintptr_t)kept);
	g_free(id);
	g_free(base);
	return kept;
}

/*
 * Gives *DATA (taken: *DATA is NULL after) to the writer as the hidden file
 * of update ID with extension EXT, and notes in *QUEUED that it may exist.
 */
static int
queue_file(struct mm_migration *run, const char *id, const char *ext, GString **data,
    bool *queued, struct mm_diag *diag)
{
	char *path = hidden_path(run, id, ext);
	int rc;

	*queued = true;
	rc = mm_writer_write(run->writer, path, *data, diag);
	*data = NULL;
	g_free(path);
	return rc;
}

/*
 * Adds the organizer's own copy of the updated events of M to
 * calendar.ics, written under its temporary name as the mailbox is read.
 * Each VTIMEZONE goes in once, before the first event that refers to it,
 * so nothing is held back for the end: with every VTIMEZONE first, the
 * events went through a spool (177 MB for 100,000 meetings, written, read
 * back and copied), a twentieth of a large mailbox's time.
 */
static int
calendar_add(struct mm_migration *run, const struct mm_meeting *m,
    const bool *event_selected, struct mm_diag *diag)
{
	GString *text = g_string_new(NULL);
	int rc = -1;

	if (run->calendar_file == NULL) {
		char *path = g_build_filename(run->stats->user_dir, "calendar.ics",
		    NULL);

		run->calendar_file = mm_outfile_open(path, diag);
		g_free(path);
		if (run->calendar_file == NULL)
			goto out;
		mm_write_itip_begin(text, NULL);
	}
	mm_write_itip_timezones(text, m, event_selected, run->calendar_tzids);
	mm_write_itip_events(text, m, event_selected);
	rc = mm_outfile_write(run->calendar_file, text->str, text->len, diag);
out:
	g_string_free(text, TRUE);
	return rc;
}

/* Writes the update files of one migrated meeting under hidden names. */
static int
write_updates(struct mm_migration *run, struct mm_meeting *m, struct mm_verdict *v,
    long report_index, struct mm_diag *diag)
{
	const struct mm_migrate_request *req = run->req;
	struct pending_update up = { 0 };
	GString *ics = g_string_new(NULL);
	GString *eml = NULL, *xml = NULL;
	int rc = -1;

	up.first_start = v->has_start ? v->first_start : INT64_MAX;
	up.id = meeting_id(run, m);
	up.report_index = report_index;
	mm_write_itip_request(ics, m, v->event_selected);

	/* Every file is made before any goes to the writer, which takes it. */
	if (req->formats & MM_FORMAT_EML) {
		struct mm_mime_options mopt = {
			.now = req->now,
			.sender = req->sender,
			.cache = run->mime_cache,
		};
		int r;

		eml = g_string_new(NULL);
		r = mm_write_mime(eml, m, v, ics->str, ics->len, &mopt, diag);
		if (r < 0)
			goto out;
		if (r > 0) {
			g_string_free(eml, TRUE);
			eml = NULL;
		}
	}
	if ((req->formats & MM_FORMAT_EWS) && m->ews != NULL) {
		char *thread = mm_block_teams_thread_id(v->target.join_url);
		struct mm_ews_update update = {
			.target = v->target.type,
			.join_url = v->target.join_url,
			.conference_id = v->target.conference_id,
			.teams_thread_id = thread,
			.toll_number = v->target.toll_number,
		};
		int r;

		xml = g_string_new(NULL);
		r = mm_write_ews_update(xml, m, v->event_selected, &update, diag);
		g_free(thread);
		if (r < 0)
			goto out;
		if (r > 0) {
			g_string_free(xml, TRUE);
			xml = NULL;
		}
	}

	if (calendar_add(run, m, v->event_selected, diag) < 0)
		goto out;

	if ((req->formats & MM_FORMAT_ICS) &&
	    queue_file(run, up.id, "ics", &ics, &up.has_ics, diag) < 0)
		goto out;
	if (eml != NULL) {
		if (queue_file(run, up.id, "eml", &eml, &up.has_eml, diag) < 0)
			goto out;
		run->stats->invites++;
	}
	if (xml != NULL &&
	    queue_file(run, up.id, "ews.xml", &xml, &up.has_ews, diag) < 0)
		goto out;
	g_array_append_val(run->pending, up);
	rc = 0;
out:
	if (rc < 0) {
		/*
		 * The files of this meeting given to the writer are not in
		 * run->pending yet: once it is done, take them back here, or
		 * a run error (a full disk at its .eml, tests/faults.sh)
		 * leaves its .ics.part behind.
		 */
		static const char *const exts[] = { "ics", "eml", "ews.xml" };
		const bool written[] = { up.has_ics, up.has_eml, up.has_ews };

		(void)mm_writer_finish(run->writer, NULL);
		for (size_t k = 0; k < G_N_ELEMENTS(exts); k++) {
			if (written[k]) {
				char *path = hidden_path(run, up.id, exts[k]);

				unlink(path);
				g_free(path);
			}
		}
	}
	if (ics != NULL)
		g_string_free(ics, TRUE);
	if (eml != NULL)
		g_string_free(eml, TRUE);
	if (xml != NULL)
		g_string_free(xml, TRUE);
	return rc;
}

static void
count_verdict(struct mm_migrate_stats *stats, const struct mm_verdict *v)
{
	switch (v->result) {
	case MM_RESULT_UPDATED:
		stats->selected++;
		stats->succeeded++;
		break;
	case MM_RESULT_FAILED:
		stats->selected++;
		stats->failed++;
		break;
	case MM_RESULT_SKIPPED:
		stats->skipped++;
		break;
	}
}

static int
process_meeting(struct mm_migration *run, struct mm_meeting *m, struct mm_diag *diag)
{
	const struct mm_migrate_request *req = run->req;
	struct mm_select_options sopt = {
		.identity = &run->identity,
		.now = req->now,
		.source_types = req->source_types,
		.max_attendees = req->max_attendees,
		.include_pasted = req->include_pasted,
	};
	struct mm_rewrite_options ropt = {
		.target = req->target,
		.coords = run->coords,
		.user = run->identity.upn ? run->identity.upn : run->identity.given,
		.language = req->language,
		.templates = run->templates,
		.now = req->now,
	};
	struct mm_verdict v;
	long index = -1;
	int rc = -1;

	mm_verdict_init(&v);
	run->stats->meetings++;
	if (mm_select_meeting(run->engine, m, &sopt, &v, diag) < 0)
		goto out;
	if (mm_rewrite_meeting(m, &v, &ropt, diag) < 0)
		goto out;
	count_verdict(run->stats, &v);
	if (v.result == MM_RESULT_FAILED && run->stats->last_message == NULL)
		run->stats->last_message = g_strdup_printf("%s: %s%s%s",
		    m->uid ? m->uid : "(no UID)", mm_reason_name(v.reason),
		    v.message ? ": " : "", v.message ? v.message : "");
	if (req->on_meeting != NULL)
		req->on_meeting(req->on_meeting_data, m, &v);
	if (req->plan_only) {
		rc = 0;
		goto out;
	}
	index = mm_report_add(run->report, m, &v, diag);
	if (index < 0)
		goto out;
	if (v.result == MM_RESULT_UPDATED &&
	    write_updates(run, m, &v, index, diag) < 0)
		goto out;
	rc = 0;
out:
	mm_verdict_release(&v);
	return rc;
}

static int
compare_pending(gconstpointer a, gconstpointer b)
{
	const struct pending_update *x = a, *y = b;

	if (x->first_start != y->first_start)
		return x->first_start < y->first_start ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * Removes an earlier run's numbered update files, which this run's numbering
 * replaces.  Only names of meetmig's own shape are touched.
 */
static void
remove_old_updates(const char *updates_dir)
{
	DIR *dir = opendir(updates_dir);
	GRegex *name;
	struct dirent *d;

	if (dir == NULL)
		return;
	/* Compiled once: the folder also holds this run's hidden files. */
	name = g_regex_new("^[0-9]{4,}-[0-9a-f]{12}(-[0-9]+)?"
	    "\\.(ics|eml|ews\\.xml)$", G_REGEX_OPTIMIZE, 0, NULL);
	while ((d = readdir(dir)) != NULL) {
		if (g_ascii_isdigit(d->d_name[0]) &&
		    g_regex_match(name, d->d_name, 0, NULL)) {
			char *path = g_build_filename(updates_dir, d->d_name, NULL);

			unlink(path);
			g_free(path);
		}
	}
	g_regex_unref(name);
	closedir(dir);
}

/*
 * Removes the hidden files a killed run may have left in DIR: our own
 * ".<id>.<ext>.part" updates, the ".<name>.tmp-XXXXXX" files of
 * mm_outfile_open() and a spool's ".spool-XXXXXX" (output.c, where
 * O_TMPFILE is missing; earlier versions named it ".status-spool-XXXXXX").
 * A new run rewrites everything they held.
 */
static void
remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		/*
		 * A named spool is removed as soon as it is made, but a kill
		 * between the two leaves it.
		 */
		if (g_str_has_suffix(e->d_name, ".part") ||
		    strstr(e->d_name, ".tmp-") != NULL ||
		    g_str_has_prefix(e->d_name, ".spool-") ||
		    g_str_has_prefix(e->d_name, ".status-spool-")) {
			char *path = g_build_filename(dir, e->d_name, NULL);

			unlink(path);
			g_free(path);
		}
	}
	closedir(d);
}

/* Removes this run's hidden update files (after a run error). */
static void
remove_pending(struct mm_migration *run)
{
	for (guint i = 0; i < run->pending->len; i++) {
		struct pending_update *up =
		    &g_array_index(run->pending, struct pending_update, i);
		static const char *const exts[] = { "ics", "eml", "ews.xml" };

		for (size_t k = 0; k < G_N_ELEMENTS(exts); k++) {
			char *path = hidden_path(run, up->id, exts[k]);

			unlink(path);
			g_free(path);
		}
	}
}

static const char *const update_exts[] = { "ics", "eml", "ews.xml" };

static bool
update_has(const struct pending_update *up, size_t k)
{
	return k == 0 ? up->has_ics : k == 1 ? up->has_eml : up->has_ews;
}

/*
 * Numbers the updates by first start time and gives the report their
 * names, which are known before any file is in place.
 */
static void
number_updates(struct mm_migration *run)
{
	g_array_sort(run->pending, compare_pending);
	for (guint i = 0; i < run->pending->len; i++) {
		struct pending_update *up =
		    &g_array_index(run->pending, struct pending_update, i);
		const char *outputs[4] = { NULL, NULL, NULL, NULL };
		char *names[3] = { NULL, NULL, NULL };
		size_t n = 0;

		for (size_t k = 0; k < G_N_ELEMENTS(update_exts); k++) {
			if (!update_has(up, k))
				continue;
			names[n] = final_name(i + 1, up->id, update_exts[k]);
			outputs[n] = names[n];
			n++;
		}
		mm_report_set_outputs(run->report, up->report_index, outputs);
		for (size_t k = 0; k < n; k++)
			g_free(names[k]);
	}
}

/*
 * Renames the hidden update files to the names number_updates() gave
 * them, by the writer (in its thread when it has one), and waits for it.
 */
static int
rename_updates(struct mm_migration *run, struct mm_diag *diag)
{
	remove_old_updates(run->updates_dir);
	for (guint i = 0; i < run->pending->len; i++) {
		struct pending_update *up =
		    &g_array_index(run->pending, struct pending_update, i);

		for (size_t k = 0; k < G_N_ELEMENTS(update_exts); k++) {
			char *name, *from, *to;
			int rc;

			if (!update_has(up, k))
				continue;
			name = final_name(i + 1, up->id, update_exts[k]);
			from = hidden_path(run, up->id, update_exts[k]);
			to = g_build_filename(run->stats->user_dir, name, NULL);
			rc = mm_writer_rename(run->writer, from, to, diag);
			g_free(name);
			g_free(from);
			g_free(to);
			if (rc < 0)
				return -1;
		}
	}
	return mm_writer_finish(run->writer, diag);
}

/*
 * Ends calendar.ics and closes it unsynced, to be published with the
 * request's other files.  With nothing updated there is none, and an
 * earlier run's calendar.ics, which would mislead, is removed.
 */
static int
calendar_end(struct mm_migration *run, struct mm_diag *diag)
{
	GString *tail;
	int rc;

	if (run->calendar_file == NULL) {
		char *path = g_build_filename(run->stats->user_dir, "calendar.ics",
		    NULL);

		unlink(path);
		g_free(path);
		return 0;
	}
	tail = g_string_new(NULL);
	mm_write_itip_end(tail);
	rc = mm_outfile_write(run->calendar_file, tail->str, tail->len, diag);
	g_string_free(tail, TRUE);
	if (rc < 0)
		return -1;
	return mm_outfile_close(run->calendar_file, diag);
}

/*
 * The files of the request that are not written yet, written under their
 * hidden names and closed: calendar.ics and, naming every update,
 * status.json and report.txt.
 */
static int
finish_files(struct mm_migration *run, const struct mm_report_info *info,
    struct mm_diag *diag)
{
	number_updates(run);
	/* While the writer may still be filling the last update files. */
	if (calendar_end(run, diag) < 0)
		return -1;
	return mm_report_finish(run->report, info, run->stats->user_dir,
	    run->stats->last_message, diag);
}

/*
 * Flushes the file system of every migration of GROUP still in the race
 * (RESULTS[i] == 0), once per file system: a failed flush fails every
 * migration on it.
 */
static void
sync_group(struct mm_migration *const *group, size_t n, int *results,
    struct mm_diag *diags)
{
	dev_t *devs = g_new0(dev_t, n);
	bool *synced = g_new0(bool, n);

	for (size_t i = 0; i < n; i++) {
		const char *user_dir = group[i]->stats->user_dir;
		struct stat st;
		size_t j;

		if (results[i] < 0)
			continue;
		if (stat(user_dir, &st) != 0) {
			results[i] = mm_diag_set(&diags[i], MM_DIAG_IOERR,
			    "cannot sync %s: %s", user_dir, g_strerror(errno));
			continue;
		}
		devs[i] = st.st_dev;
		for (j = 0; j < i; j++) {
			if (synced[j] && devs[j] == st.st_dev)
				break;
		}
		if (j < i) {
			if (results[j] < 0)
				results[i] = mm_diag_set(&diags[i], diags[j].code, "%s",
				    diags[j].message);
			continue;
		}
		synced[i] = true;
		results[i] = mm_output_sync(user_dir, &diags[i]);
	}
	g_free(devs);
	g_free(synced);
}

/* A mailbox file of either format: the readers share their shape. */
struct mailbox {
	struct mm_read_ics *ics;
	struct mm_read_ews *ews;
	char *copy;             /* where a pipe of EWS XML was copied, or NULL */
	int held;               /* the copy's descriptor when it has no name */
};

/* The file a mailbox argument names: "-" is standard input. */
static const char *
mailbox_path(const char *arg)
{
	return strcmp(arg, "-") == 0 ? "/dev/stdin" : arg;
}

/* How messages name the mailbox ARG. */
static const char *
mailbox_name(const char *arg)
{
	return strcmp(arg, "-") == 0 ? "standard input" : arg;
}

/* How many first octets of a mailbox tell EWS XML from iCalendar. */
#define SNIFF_OCTETS 512

/*
 * Whether PATH holds EWS XML: a folder of dumps, or a file whose first
 * octets are XML (in UTF-8 or UTF-16).
 */
static bool
is_ews(const char *path)
{
	char head[SNIFF_OCTETS];
	size_t n = 0;
	FILE *f;

	if (g_file_test(path, G_FILE_TEST_IS_DIR))
		return true;
	f = fopen(path, "rb");
	if (f == NULL)
		return false;
	n = fread(head, 1, sizeof head, f);
	fclose(f);
	return mm_read_ews_sniff(head, n);
}

/*
 * Opens a mailbox that can be read once only (a pipe: standard input,
 * <(zcat ...)): its first octets tell the format.  iCalendar is read as
 * it comes; EWS XML, which the reader may read twice, is copied to a
 * temporary file first (mm_output_copy_input()).
 */
static int
pipe_open(struct mailbox *mb, const char *path, const char *name,
    unsigned formats, const atomic_int *stop, struct mm_diag *diag)
{
	char head[SNIFF_OCTETS];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open %s: %s",
		    name, g_strerror(errno));
	while (n < sizeof head) {
		ssize_t got = read(fd, head + n, sizeof head - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int saved = errno;

			close(fd);
			return mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot read %s: "
			    "%s", name, g_strerror(saved));
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (mm_read_ews_sniff(head, n)) {
		mb->copy = mm_output_copy_input(fd, head, n, name, stop,
		    &mb->held, diag);
		close(fd);
		if (mb->copy == NULL)
			return -1;
		mb->ews = mm_read_ews_open(mb->copy, name, diag);
		return mb->ews != NULL ? 0 : -1;
	}
	if (formats & MM_FORMAT_EWS) {
		close(fd);
		return mm_diag_set(diag, MM_DIAG_USAGE, "--format ews needs EWS "
		    "XML input: %s is not EWS XML", name);
	}
	mb->ics = mm_read_ics_open_fd(fd, head, n, name, diag);
	return mb->ics != NULL ? 0 : -1;
}

/* Opens mailbox ARG with the reader of its format. */
static int
mailbox_open(struct mailbox *mb, const char *arg, unsigned formats,
    const atomic_int *stop, struct mm_diag *diag)
{
	const char *path = mailbox_path(arg), *name = mailbox_name(arg);
	struct stat st;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode))
		return pipe_open(mb, path, name, formats, stop, diag);
	if (is_ews(path)) {
		mb->ews = mm_read_ews_open(path, name, diag);
		return mb->ews != NULL ? 0 : -1;
	}
	if (formats & MM_FORMAT_EWS)
		return mm_diag_set(diag, MM_DIAG_USAGE, "--format ews needs EWS XML "
		    "input: %s is not EWS XML", name);
	mb->ics = mm_read_ics_open(path, name, diag);
	return mb->ics != NULL ? 0 : -1;
}

static int
mailbox_next(struct mailbox *mb, struct mm_meeting **m, struct mm_diag *diag)
{
	if (mb->ews != NULL)
		return mm_read_ews_next(mb->ews, m, diag);
	return mm_read_ics_next(mb->ics, m, diag);
}

static const char *const *
mailbox_warnings(const struct mailbox *mb)
{
	if (mb->ews != NULL)
		return mm_read_ews_warnings(mb->ews);
	return mm_read_ics_warnings(mb->ics);
}

static void
mailbox_close(struct mailbox *mb)
{
	mm_read_ews_close(mb->ews);
	mm_read_ics_close(mb->ics);
	if (mb->held >= 0)
		close(mb->held);
	else if (mb->copy != NULL)
		unlink(mb->copy);
	g_free(mb->copy);
}

static int
read_mailbox(struct mm_migration *run, const char *path, struct mm_diag *diag)
{
	struct mailbox mb = { NULL, NULL, NULL, -1 };
	struct mm_meeting *m = NULL;
	int r, rc = -1;

	if (mailbox_open(&mb, path, run->req->formats, run->req->stop,
	    diag) < 0) {
		mailbox_close(&mb);
		return -1;
	}
	while ((r = mailbox_next(&mb, &m, diag)) > 0) {
		if (run->req->stop != NULL && atomic_load(run->req->stop) != 0)
			r = mm_diag_set(diag, MM_DIAG_INTERRUPTED, "stopped by %s "
			    "while reading %s",
			    mm_signal_name(atomic_load(run->req->stop)),
			    mailbox_name(path));
		else
			r = process_meeting(run, m, diag);
		mm_meeting_free(m);
		m = NULL;
		if (r < 0)
			goto out;
	}
	if (r < 0)
		goto out;
	rc = 0;
out:
	{
		const char *const *warnings = mailbox_warnings(&mb);

		for (size_t i = 0; warnings != NULL && warnings[i] != NULL; i++) {
			if (run->stats->last_message == NULL)
				run->stats->last_message = g_strdup(warnings[i]);
			if (run->req->on_warning != NULL)
				run->req->on_warning(run->req->on_meeting_data,
				    warnings[i]);
		}
	}
	mailbox_close(&mb);
	return rc;
}

/* Another process writes into OUT/<user>: says that this one waits. */
static void
folder_busy(void *data)
{
	struct mm_migration *run = data;
	char *message;

	if (run->req->on_warning == NULL)
		return;
	message = g_strdup_printf("%s is being written by another meetmig "
	    "process: waiting for it to finish", run->stats->user_dir);
	run->req->on_warning(run->req->on_meeting_data, message);
	g_free(message);
}

static int
setup(struct mm_migration *run, struct mm_diag *diag)
{
	const struct mm_migrate_request *req = run->req;

	if (req->directory != NULL) {
		run->directory = mm_directory_load(req->directory, diag);
		if (run->directory == NULL)
			return -1;
	}
	if (mm_identity_resolve(req->identity, run->directory, &run->identity,
	    diag) < 0)
		return -1;
	run->coords = mm_coords_load(req->coordinates, diag);
	if (run->coords == NULL)
		return -1;
	run->engine = mm_block_engine_new(diag);
	if (run->engine == NULL)
		return -1;
	if (req->templates != NULL) {
		run->templates = mm_templates_load(req->templates, run->engine,
		    diag);
		if (run->templates == NULL)
			return -1;
	}
	run->stats->user_dir = g_build_filename(req->output, run->identity.key,
	    NULL);
	if (req->plan_only)
		return 0;

	/*
	 * Every input is opened before anything is created, so that a missing
	 * or unreadable mailbox (66) leaves no output folder behind.
	 */
	for (size_t i = 0; req->mailboxes[i] != NULL; i++) {
		if (access(mailbox_path(req->mailboxes[i]), R_OK) != 0)
			return mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot open %s: %s",
			    mailbox_name(req->mailboxes[i]), g_strerror(errno));
	}
	if (req->on_output_folder != NULL)
		req->on_output_folder(req->on_meeting_data, run->stats->user_dir);
	run->updates_dir = g_build_filename(run->stats->user_dir, "updates", NULL);
	if (mm_output_mkdirs(run->updates_dir, diag) < 0 ||
	    mm_output_lock(run->stats->user_dir, req->stop, folder_busy, run,
	    &run->lock, diag) < 0)
		return -1;
	run->writer = mm_writer_new();
	if (req->formats & MM_FORMAT_EML)
		run->mime_cache = mm_mime_cache_new();
	remove_stale(run->stats->user_dir);
	remove_stale(run->updates_dir);
	run->report = mm_report_new(run->stats->user_dir);
	return 0;
}

/*
 * Frees what reading and selecting needed, once every file is written:
 * publishing needs none of it, and may run in another thread.
 */
static void
drop_selection(struct mm_migration *run)
{
	mm_templates_free(run->templates);
	mm_mime_cache_free(run->mime_cache);
	mm_block_engine_free(run->engine);
	mm_coords_free(run->coords);
	mm_identity_release(&run->identity);
	mm_directory_free(run->directory);
	run->templates = NULL;
	run->mime_cache = NULL;
	run->engine = NULL;
	run->coords = NULL;
	run->directory = NULL;
}

/*
 * Frees RUN; after a run error (FAILED), first removes the hidden update
 * files it made.  Nothing is being written once the writer is gone.
 */
static void
migration_free(struct mm_migration *run, bool failed)
{
	mm_writer_free(run->writer);
	if (failed && run->updates_dir != NULL)
		remove_pending(run);
	mm_outfile_abort(run->calendar_file);
	g_array_free(run->pending, TRUE);
	g_hash_table_destroy(run->ids);
	g_string_chunk_free(run->id_names);
	g_hash_table_destroy(run->calendar_tzids);
	mm_report_free(run->report);
	drop_selection(run);
	g_free(run->updates_dir);
	/* Last: the folder is another process's once it is released. */
	if (run->lock >= 0)
		close(run->lock);
	g_free(run);
}

int
mm_migrate_prepare(const struct mm_migrate_request *req,
    struct mm_migrate_stats *stats, struct mm_migration **out,
    struct mm_diag *diag)
{
	struct mm_migration *run = g_new0(struct mm_migration, 1);
	struct mm_report_info info = { 0 };
	char *cid = NULL;
	int rc = -1;

	*out = NULL;
	memset(stats, 0, sizeof *stats);
	run->req = req;
	run->stats = stats;
	run->pending = g_array_new(FALSE, TRUE, sizeof(struct pending_update));
	run->ids = g_hash_table_new(g_str_hash, g_str_equal);
	run->id_names = g_string_chunk_new(16384);
	run->calendar_tzids = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	run->lock = -1;

	if (setup(run, diag) < 0)
		goto out;
	for (size_t i = 0; req->mailboxes[i] != NULL; i++) {
		if (read_mailbox(run, req->mailboxes[i], diag) < 0)
			goto out;
	}
	stats->state = g_strdup(stats->failed > 0 ? "Failed" : "Succeeded");
	if (req->plan_only) {
		rc = 0;
		goto out;
	}

	cid = req->correlation_id ? g_strdup(req->correlation_id) :
	    correlation_id(req);
	info.correlation_id = cid;
	info.create_date = req->now;
	info.modified_date = req->now;
	info.user_id = run->identity.user_id;
	info.upn = run->identity.upn ? run->identity.upn : run->identity.given;
	info.migration_type = mm_migrate_type_name(req->source_types, req->target);
	info.retry_count = req->retry_count;
	if (finish_files(run, &info, diag) < 0)
		goto out;
	stats->upn = g_strdup(info.upn);
	stats->correlation_id = g_strdup(cid);
	drop_selection(run);
	*out = run;
	run = NULL;
	rc = 0;
out:
	if (run != NULL)
		migration_free(run, rc < 0);
	g_free(cid);
	return rc;
}

/*
 * Puts the files of each migration of GROUP in place with two flushes of
 * the file system for them all, however many files and requests there
 * are: each file was written under a hidden name, one sync puts all their
 * data on disk, they are renamed into place (a request's status.json
 * last), and a second sync makes the renames durable.  A final name never
 * points at data that is not on disk, and a killed run leaves only hidden
 * files, which the next run sweeps (remove_stale()).  A flush per file
 * made a small request wait on eight of them; publishing the requests a
 * batch has ready together shares two among them.
 */
void
mm_migrate_publish_group(struct mm_migration *const *group, size_t n,
    int *results, struct mm_diag *diags)
{
	for (size_t i = 0; i < n; i++)
		results[i] = mm_writer_finish(group[i]->writer, &diags[i]);
	sync_group(group, n, results, diags);
	for (size_t i = 0; i < n; i++) {
		struct mm_migration *run = group[i];
		struct mm_outfile *calendar = run->calendar_file;

		if (results[i] < 0)
			continue;
		run->calendar_file = NULL;
		if (rename_updates(run, &diags[i]) < 0) {
			mm_outfile_abort(calendar);
			results[i] = -1;
		} else if ((calendar != NULL &&
		    mm_outfile_publish(calendar, &diags[i]) < 0) ||
		    mm_report_publish(run->report, &diags[i]) < 0) {
			results[i] = -1;
		}
	}
	sync_group(group, n, results, diags);
	for (size_t i = 0; i < n; i++) {
		struct mm_migration *run = group[i];

		if (results[i] < 0) {
			remove_pending(run);
			mm_outfile_abort(run->calendar_file);
			run->calendar_file = NULL;
			/* its unpublished status.json and report.txt */
			mm_report_free(run->report);
			run->report = NULL;
		}
		run->settled = true;
	}
}

int
mm_migration_foreach_meeting(struct mm_migration *migration,
    int (*fn)(void *data, const struct mm_report_meeting *meeting,
        struct mm_diag *diag),
    void *data, struct mm_diag *diag)
{
	if (migration->report == NULL)
		return mm_diag_set(diag, MM_DIAG_INTERNAL, "the meetings of a "
		    "request that was not published");
	return mm_report_foreach(migration->report, fn, data, diag);
}

int
mm_migrate_publish(struct mm_migration *migration, struct mm_diag *diag)
{
	int rc;

	mm_migrate_publish_group(&migration, 1, &rc, diag);
	return rc;
}

void
mm_migration_free(struct mm_migration *migration)
{
	if (migration != NULL)
		migration_free(migration, !migration->settled);
}

int
mm_migrate_user(const struct mm_migrate_request *req,
    struct mm_migrate_stats *stats, struct mm_diag *diag)
{
	struct mm_migration *migration;
	int rc;

	if (mm_migrate_prepare(req, stats, &migration, diag) < 0)
		return -1;
	rc = migration != NULL ? mm_migrate_publish(migration, diag) : 0;
	mm_migration_free(migration);
	return rc;
}
