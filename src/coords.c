/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Coordinates: reads the coordinates key file (DESIGN.md "Coordinates",
 * man/meetmig.conf.5) and the Teams links CSV it names, and resolves for one
 * meeting the values its new block carries.  This module owns the file's
 * vocabulary: an unknown section or key is an error, so a typo never
 * silently keeps old coordinates.  GLib's GError stays inside.  It renders
 * nothing and never looks at a body.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "coords.h"
#include "csv.h"
#include "hashkey.h"
#include "identity.h"

enum coord_key {
	KEY_LANGUAGE,
	KEY_MEET_URL,
	KEY_DIALIN_URL,
	KEY_CONFERENCE_KEY,
	KEY_PROVIDER,
	KEY_TOLL_NUMBER,
	KEY_TOLL_FREE_NUMBER,
	KEY_CONFERENCE_ID,
	KEY_LINKS,
	KEY_COUNT,
};

static const struct {
	const char *section;
	const char *key;
} key_table[KEY_COUNT] = {
	[KEY_LANGUAGE] = { "meeting", "language" },
	[KEY_MEET_URL] = { "sfb", "meet-url" },
	[KEY_DIALIN_URL] = { "sfb", "dialin-url" },
	[KEY_CONFERENCE_KEY] = { "sfb", "conference-key" },
	[KEY_PROVIDER] = { "audio", "provider" },
	[KEY_TOLL_NUMBER] = { "audio", "toll-number" },
	[KEY_TOLL_FREE_NUMBER] = { "audio", "toll-free-number" },
	[KEY_CONFERENCE_ID] = { "audio", "conference-id" },
	[KEY_LINKS] = { "teams", "links" },
};

static const char user_prefix[] = "user:";

/* One set of values: the file's, or one [user:...] section's overrides. */
struct coord_values {
	char *value[KEY_COUNT];         /* owned; NULL when not set */
	unsigned line[KEY_COUNT];       /* where it was set, for messages */
};

/* One row of the Teams links CSV, read again when asked for. */
struct teams_link {
	unsigned lineno;
	char *join_url;
	char *meeting_id;
	char *passcode;
	char *conference_id;
	char *dialin_url;
};

/* Where a row of the links CSV starts. */
struct link_row {
	unsigned long long offset;
	unsigned lineno;
};

/*
 * A Teams links CSV: an index of where each row is, not the rows.  A
 * mailbox of 500,000 meetings has some 50,000 Teams links of 500 octets;
 * held whole they were half of a migration's memory.  The index keeps a
 * hash of "uid\nrid" per row (mm_hash_key()); a row found by its hash is
 * read again and its UID and RECURRENCE-ID compared, so a hash two keys
 * share never joins the wrong meeting.
 */
struct links_file {
	char *path;
	struct mm_csv *csv;     /* open while the coordinates are */
	int col_uid, col_rid;
	GHashTable *index;      /* key hash -> row number + 1 */
	GArray *rows;           /* of struct link_row */
	/* The rare keys whose hash an earlier key has: "uid\nrid" -> row + 1. */
	GHashTable *collided;
};

struct mm_coords {
	char *name;
	char *base_dir;         /* where relative links paths start */
	struct coord_values base;
	GHashTable *users;      /* folded user -> struct coord_values * */
	GHashTable *links;      /* links path -> struct links_file * */
};

static void
values_free(gpointer data)
{
	struct coord_values *values = data;
	int i;

	if (values == NULL)
		return;
	for (i = 0; i < KEY_COUNT; i++)
		g_free(values->value[i]);
	g_free(values);
}

static void
link_release(struct teams_link *link)
{
	g_free(link->join_url);
	g_free(link->meeting_id);
	g_free(link->passcode);
	g_free(link->conference_id);
	g_free(link->dialin_url);
	memset(link, 0, sizeof(*link));
}

static void
links_file_free(gpointer data)
{
	struct links_file *lf = data;

	if (lf == NULL)
		return;
	mm_csv_close(lf->csv);
	g_hash_table_destroy(lf->index);
	g_hash_table_destroy(lf->collided);
	g_array_free(lf->rows, TRUE);
	g_free(lf->path);
	g_free(lf);
}

static struct mm_coords *
coords_new(const char *name)
{
	struct mm_coords *coords = g_new0(struct mm_coords, 1);

	coords->name = g_strdup(name != NULL ? name : "(coordinates)");
	coords->base_dir = g_path_get_dirname(coords->name);
	coords->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    values_free);
	coords->links = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    links_file_free);
	return coords;
}

void
mm_coords_free(struct mm_coords *coords)
{
	int i;

	if (coords == NULL)
		return;
	for (i = 0; i < KEY_COUNT; i++)
		g_free(coords->base.value[i]);
	g_hash_table_destroy(coords->users);
	g_hash_table_destroy(coords->links);
	g_free(coords->base_dir);
	g_free(coords->name);
	g_free(coords);
}

/*
 * The line of KEY in GROUP (or of the group header when KEY is NULL), found
 * again in the text because GKeyFile keeps no line numbers; 0 if not found.
 */
static unsigned
find_line(const char *data, size_t len, const char *group, const char *key)
{
	const char *p = data, *end = data + len;
	unsigned line = 1;
	bool in_group = false;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		char *text = g_strstrip(g_strndup(p, n));

		if (text[0] == '[') {
			char *close = strrchr(text, ']');

			if (close != NULL) {
				*close = '\0';
				in_group = strcmp(text + 1, group) == 0;
				if (in_group && key == NULL) {
					g_free(text);
					return line;
				}
			}
		} else if (in_group && key != NULL && text[0] != '#') {
			size_t k = strlen(key);

			if (strncmp(text, key, k) == 0 &&
			    (text[k] == '=' || text[k] == ' ' ||
			    text[k] == '\t' || text[k] == '[')) {
				g_free(text);
				return line;
			}
		}
		g_free(text);
		if (eol == NULL)
			break;
		p = eol + 1;
		line++;
	}
	return 0;
}

/*
 * GKeyFile takes everything after '=' as the value, but DESIGN.md and the
 * man page show inline comments ("conference-key = keep  # ..."), so a '#'
 * that starts the value or follows a space or tab ends it.  A '#' inside a
 * word (a URL fragment) is kept.  Returns an owned, trimmed value.
 */
static char *
strip_inline_comment(const char *raw)
{
	char *value = g_strdup(raw);
	char *p;

	for (p = value; *p != '\0'; p++) {
		if (*p == '#' && (p == value || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	return g_strstrip(value);
}

/*
 * GKeyFile refuses a group header followed by a comment, which DESIGN.md
 * shows ("[user:ashaw@contoso.com]   # per-user overrides"): returns a copy
 * of DATA (LEN octets, NUL-terminated) with such comments blanked, so that
 * line numbers and every other octet stay as they were.
 */
static char *
strip_header_comments(const char *data, size_t len)
{
	char *text = g_strndup(data, len);
	char *line = text, *end = text + len;

	while (line < end) {
		char *eol = memchr(line, '\n', (size_t)(end - line));
		char *p = line, *close;

		if (eol == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p < eol && *p == '[') {
			close = memchr(p, ']', (size_t)(eol - p));
			if (close != NULL) {
				char *q = close + 1;

				while (q < eol && (*q == ' ' || *q == '\t'))
					q++;
				if (q < eol && *q == '#')
					memset(close + 1, ' ', (size_t)(eol -
					    close - 1 - (eol[-1] == '\r')));
			}
		}
		line = eol + 1;
	}
	return text;
}

static int
lookup_key(const char *section, const char *key)
{
	int i;

	for (i = 0; i < KEY_COUNT; i++) {
		if (strcmp(key_table[i].key, key) != 0)
			continue;
		/* A [user:...] section may override any key. */
		if (section == NULL || strcmp(key_table[i].section, section) == 0)
			return i;
	}
	return -1;
}

/*
 * Whether URL can go into the new block as a link: http or https, and
 * only the characters RFC 3986 (section 2) allows in a URI.  The block puts
 * links in href="..." and the text body in <...>: a quote, an angle
 * bracket or a space would end them early, and a javascript: or data: link
 * must never reach attendees (fixtures/hostile/coordinates-bad-url.ini).
 * The meet-url's {placeholders} are allowed.
 */
static bool
is_web_url(const char *url)
{
	const char *p;

	if (g_ascii_strncasecmp(url, "https://", 8) != 0 &&
	    g_ascii_strncasecmp(url, "http://", 7) != 0)
		return false;
	for (p = url; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && strchr("-._~:/?#[]@!$&'()*+,;=%{}",
		    *p) == NULL)
			return false;
	return true;
}

/* Checks what can be checked before any meeting is seen. */
static int
check_value(const struct mm_coords *coords, int key, const char *value,
    unsigned line, struct mm_diag *diag)
{
	const char *p;

	if (key == KEY_LANGUAGE && strcmp(value, "auto") != 0) {
		for (p = value; *p != '\0'; p++)
			if (!g_ascii_isalnum(*p) && *p != '-')
				return mm_diag_set(diag, MM_DIAG_DATA,
				    "language \"%s\" is not \"auto\" or a "
				    "language tag (%s:%u)", value, coords->name,
				    line);
	}
	if (key == KEY_MEET_URL) {
		for (p = strchr(value, '{'); p != NULL; p = strchr(p + 1, '{')) {
			if (strncmp(p, "{user}", 6) != 0 &&
			    strncmp(p, "{conference-key}", 16) != 0)
				return mm_diag_set(diag, MM_DIAG_DATA,
				    "unknown placeholder in meet-url \"%s\": "
				    "only {user} and {conference-key} are "
				    "known (%s:%u)", value, coords->name, line);
		}
	}
	return 0;
}

/* "uid\nrid" for a row or a meeting.  Owned. */
static char *
link_key(const char *uid, const char *recurrence_id)
{
	return g_strconcat(uid, "\n", recurrence_id ? recurrence_id : "", NULL);
}

/* The current row of LF's reader as a link.  LINK is released first. */
static void
link_from_row(const struct links_file *lf, struct teams_link *link)
{
	link_release(link);
	link->lineno = mm_csv_lineno(lf->csv);
#define LINK_FIELD(name) (*mm_csv_get(lf->csv, name) != '\0' ? \
	g_strdup(mm_csv_get(lf->csv, name)) : NULL)
	link->join_url = LINK_FIELD("join_url");
	link->meeting_id = LINK_FIELD("meeting_id");
	link->passcode = LINK_FIELD("passcode");
	link->conference_id = LINK_FIELD("conference_id");
	link->dialin_url = LINK_FIELD("dialin_url");
#undef LINK_FIELD
}

/*
 * Reads row ROW (a number + 1 from the index) again.  Returns 1 when it is
 * there and its key is KEY, 0 when not (the file changed), -1 with diag.
 */
static int
read_row(const struct links_file *lf, guint row, const char *key,
    struct mm_diag *diag)
{
	const struct link_row *at = &g_array_index(lf->rows, struct link_row,
	    row - 1);
	char *found;
	int rc = mm_csv_read_at(lf->csv, at->offset, at->lineno, diag);

	if (rc <= 0)
		return rc;
	found = link_key(mm_csv_field(lf->csv, lf->col_uid),
	    mm_csv_field(lf->csv, lf->col_rid));
	rc = strcmp(found, key) == 0;
	g_free(found);
	return rc;
}

/*
 * Finds KEY's row and reads it again as the current row: returns 1 with
 * *ROW (its number + 1), 0 when there is none, -1 with diag.
 */
static int
find_row(const struct links_file *lf, const char *key, guint *row,
    struct mm_diag *diag)
{
	int rc = 0;

	*row = GPOINTER_TO_UINT(g_hash_table_lookup(lf->index, mm_hash_key(key)));
	if (*row != 0)
		rc = read_row(lf, *row, key, diag);
	if (rc == 0) {
		*row = GPOINTER_TO_UINT(g_hash_table_lookup(lf->collided, key));
		if (*row != 0)
			rc = read_row(lf, *row, key, diag);
	}
	return rc;
}

static int
load_links(struct mm_coords *coords, const char *path, struct mm_diag *diag)
{
	struct links_file *lf;
	struct mm_csv *csv;
	int rc = -1, next;

	if (g_hash_table_contains(coords->links, path))
		return 0;
	csv = mm_csv_open(path, diag);
	if (csv == NULL)
		return -1;
	lf = g_new0(struct links_file, 1);
	lf->path = g_strdup(path);
	lf->index = g_hash_table_new(g_direct_hash, g_direct_equal);
	lf->collided = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	lf->rows = g_array_new(FALSE, FALSE, sizeof(struct link_row));
	lf->col_uid = mm_csv_column(csv, "uid");
	lf->col_rid = mm_csv_column(csv, "recurrence_id");
	if (lf->col_uid < 0 || mm_csv_column(csv, "join_url") < 0) {
		mm_diag_set(diag, MM_DIAG_DATA,
		    "Teams links need the columns uid and join_url (%s:%u)", path,
		    mm_csv_lineno(csv));
		goto out;
	}
	/* A second reader, for the rows read again. */
	lf->csv = mm_csv_open(path, diag);
	if (lf->csv == NULL)
		goto out;
	while ((next = mm_csv_next(csv, diag)) == 1) {
		struct link_row row = {
			.offset = mm_csv_offset(csv),
			.lineno = mm_csv_lineno(csv),
		};
		const char *uid = mm_csv_field(csv, lf->col_uid);
		const char *join_url = mm_csv_get(csv, "join_url");
		const char *dialin_url = mm_csv_get(csv, "dialin_url");
		char *key;
		gpointer hash;
		guint first;
		int found;

		if (*uid == '\0')
			continue;
		/* The same rule as the key file's URLs (is_web_url()). */
		if ((*join_url != '\0' && !is_web_url(join_url)) ||
		    (*dialin_url != '\0' && !is_web_url(dialin_url))) {
			mm_diag_set(diag, MM_DIAG_DATA, "Teams link for UID %s is "
			    "not an http or https URL of URI characters (%s:%u)",
			    uid, path, row.lineno);
			goto out;
		}
		key = link_key(uid, mm_csv_field(csv, lf->col_rid));
		hash = mm_hash_key(key);
		found = find_row(lf, key, &first, diag);
		if (found > 0) {
			mm_diag_set(diag, MM_DIAG_DATA,
			    "duplicate Teams link for UID %s (%s:%u, first at "
			    "line %u)", uid, path, row.lineno,
			    g_array_index(lf->rows, struct link_row,
			    first - 1).lineno);
			g_free(key);
			goto out;
		}
		if (found < 0) {
			g_free(key);
			goto out;
		}
		g_array_append_val(lf->rows, row);
		if (g_hash_table_contains(lf->index, hash))
			g_hash_table_insert(lf->collided, key,
			    GUINT_TO_POINTER(lf->rows->len));
		else
			g_hash_table_insert(lf->index, hash,
			    GUINT_TO_POINTER(lf->rows->len));
		if (!g_hash_table_contains(lf->collided, key))
			g_free(key);
	}
	if (next < 0)
		goto out;
	g_hash_table_insert(coords->links, g_strdup(path), lf);
	lf = NULL;
	rc = 0;
out:
	links_file_free(lf);
	mm_csv_close(csv);
	return rc;
}

/* Links paths are relative to the key file's folder; stored resolved. */
static int
resolve_links_path(struct mm_coords *coords, struct coord_values *values,
    struct mm_diag *diag)
{
	char *path = values->value[KEY_LINKS];

	if (path == NULL)
		return 0;
	if (!g_path_is_absolute(path)) {
		values->value[KEY_LINKS] = g_build_filename(coords->base_dir, path,
		    NULL);
		g_free(path);
	}
	return load_links(coords, values->value[KEY_LINKS], diag);
}

/* The URLs of VALUES, once the whole file is known good otherwise. */
static int
check_urls(const struct mm_coords *coords, const struct coord_values *values,
    struct mm_diag *diag)
{
	static const int url_keys[] = { KEY_MEET_URL, KEY_DIALIN_URL };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(url_keys); i++) {
		const char *url = values->value[url_keys[i]];

		if (url != NULL && !is_web_url(url))
			return mm_diag_set(diag, MM_DIAG_DATA,
			    "%s \"%s\" is not an http or https URL of URI "
			    "characters (%s:%u)", key_table[url_keys[i]].key, url,
			    coords->name, values->line[url_keys[i]]);
	}
	return 0;
}

static int
parse_key_file(struct mm_coords *coords, const char *data, size_t len,
    struct mm_diag *diag)
{
	GKeyFile *kf = g_key_file_new();
	GError *error = NULL;
	gchar **groups = NULL, **keys = NULL;
	gsize g, k;
	char *text = NULL;
	int rc = -1;

	if (!g_utf8_validate_len(data, len, NULL)) {
		mm_diag_set(diag, MM_DIAG_DATA, "coordinates are not UTF-8 (%s)",
		    coords->name);
		goto out;
	}
	/* Translations are kept so that "language[fr]" is seen and refused,
	   not dropped silently. */
	text = strip_header_comments(data, len);
	if (!g_key_file_load_from_data(kf, text, len,
	    G_KEY_FILE_KEEP_TRANSLATIONS, &error)) {
		mm_diag_set(diag, MM_DIAG_DATA, "cannot parse coordinates: %s (%s)",
		    error->message, coords->name);
		goto out;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (g = 0; groups[g] != NULL; g++) {
		const char *group = groups[g];
		struct coord_values *values;
		bool is_user = strncmp(group, user_prefix,
		    sizeof(user_prefix) - 1) == 0;

		if (is_user) {
			const char *user = group + sizeof(user_prefix) - 1;
			char *trimmed = g_strstrip(g_strdup(user));
			char *folded = mm_identity_casefold(trimmed);

			g_free(trimmed);
			if (*folded == '\0') {
				g_free(folded);
				mm_diag_set(diag, MM_DIAG_DATA,
				    "section [%s] names no user (%s:%u)", group,
				    coords->name, find_line(data, len, group,
				    NULL));
				goto out;
			}
			values = g_hash_table_lookup(coords->users, folded);
			if (values == NULL) {
				values = g_new0(struct coord_values, 1);
				g_hash_table_insert(coords->users, folded, values);
			} else {
				g_free(folded);
			}
		} else if (strcmp(group, "meeting") == 0 ||
		    strcmp(group, "sfb") == 0 || strcmp(group, "audio") == 0 ||
		    strcmp(group, "teams") == 0) {
			values = &coords->base;
		} else {
			mm_diag_set(diag, MM_DIAG_DATA,
			    "unknown section [%s] in coordinates (%s:%u)", group,
			    coords->name, find_line(data, len, group, NULL));
			goto out;
		}

		keys = g_key_file_get_keys(kf, group, NULL, NULL);
		for (k = 0; keys != NULL && keys[k] != NULL; k++) {
			unsigned line = find_line(data, len, group, keys[k]);
			int key = lookup_key(is_user ? NULL : group, keys[k]);
			char *raw, *value;

			if (key < 0) {
				mm_diag_set(diag, MM_DIAG_DATA,
				    "unknown key \"%s\" in section [%s] (%s:%u)",
				    keys[k], group, coords->name, line);
				goto out;
			}
			raw = g_key_file_get_value(kf, group, keys[k], NULL);
			value = strip_inline_comment(raw != NULL ? raw : "");
			g_free(raw);
			if (check_value(coords, key, value, line, diag) != 0) {
				g_free(value);
				goto out;
			}
			g_free(values->value[key]);
			/* An empty value is the same as no value. */
			if (*value == '\0') {
				g_free(value);
				value = NULL;
			}
			values->value[key] = value;
			values->line[key] = line;
		}
		g_strfreev(keys);
		keys = NULL;
	}
	if (check_urls(coords, &coords->base, diag) != 0)
		goto out;
	{
		GHashTableIter iter;
		gpointer user;

		g_hash_table_iter_init(&iter, coords->users);
		while (g_hash_table_iter_next(&iter, NULL, &user))
			if (check_urls(coords, user, diag) != 0)
				goto out;
	}
	rc = 0;
out:
	if (error != NULL)
		g_error_free(error);
	g_strfreev(keys);
	g_strfreev(groups);
	g_key_file_free(kf);
	g_free(text);
	return rc;
}

static int
load_all_links(struct mm_coords *coords, struct mm_diag *diag)
{
	GHashTableIter iter;
	gpointer value;

	if (resolve_links_path(coords, &coords->base, diag) != 0)
		return -1;
	g_hash_table_iter_init(&iter, coords->users);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		if (resolve_links_path(coords, value, diag) != 0)
			return -1;
	return 0;
}

struct mm_coords *
mm_coords_load_memory(const char *data, size_t len, const char *name,
    struct mm_diag *diag)
{
	struct mm_coords *coords = coords_new(name);

	if (parse_key_file(coords, data, len, diag) != 0 ||
	    load_all_links(coords, diag) != 0) {
		mm_coords_free(coords);
		return NULL;
	}
	return coords;
}

struct mm_coords *
mm_coords_load(const char *path, struct mm_diag *diag)
{
	struct mm_coords *coords;
	GError *error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	if (path == NULL)
		return coords_new(NULL);
	if (!g_file_get_contents(path, &data, &len, &error)) {
		mm_diag_set(diag, MM_DIAG_NOINPUT, "cannot read coordinates: %s",
		    error->message);
		g_error_free(error);
		return NULL;
	}
	coords = mm_coords_load_memory(data, len, path, diag);
	g_free(data);
	return coords;
}

/* The value of KEY for USER: the [user:...] override, else the file's. */
static const char *
value_for(const struct mm_coords *coords, const struct coord_values *user,
    int key)
{
	if (coords == NULL)
		return NULL;
	if (user != NULL && user->value[key] != NULL)
		return user->value[key];
	return coords->base.value[key];
}

static const struct coord_values *
user_values(const struct mm_coords *coords, const char *user)
{
	const struct coord_values *values;
	char *folded;

	if (coords == NULL || user == NULL)
		return NULL;
	if (g_ascii_strncasecmp(user, "sip:", 4) == 0)
		user += 4;
	else if (g_ascii_strncasecmp(user, "mailto:", 7) == 0)
		user += 7;
	folded = mm_identity_casefold(user);
	values = g_hash_table_lookup(coords->users, folded);
	g_free(folded);
	return values;
}

const char *
mm_coords_language(const struct mm_coords *coords)
{
	return mm_coords_user_language(coords, NULL);
}

const char *
mm_coords_user_language(const struct mm_coords *coords, const char *user)
{
	const char *language = value_for(coords, user_values(coords, user),
	    KEY_LANGUAGE);

	if (language == NULL || strcmp(language, "auto") == 0)
		return NULL;
	return language;
}

void
mm_target_release(struct mm_target *target)
{
	if (target == NULL)
		return;
	g_free(target->join_url);
	g_free(target->dialin_url);
	g_free(target->conference_id);
	g_free(target->toll_number);
	g_free(target->toll_free_number);
	g_free(target->meeting_id);
	g_free(target->passcode);
	g_free(target->provider);
	g_free(target->help_url);
	memset(target, 0, sizeof(*target));
}

/*
 * meet-url with {user} (the local part of the organizer's address) and
 * {conference-key} filled in.  Returns an owned URL or NULL with diag.
 */
static char *
expand_meet_url(const char *pattern, const char *organizer,
    const char *conference_key, const char *uid, struct mm_diag *diag)
{
	GString *url = g_string_new(NULL);
	const char *p = pattern;

	while (*p != '\0') {
		if (strncmp(p, "{user}", 6) == 0) {
			const char *at;
			char *local, *escaped;

			if (organizer == NULL || *organizer == '\0') {
				mm_diag_set(diag, MM_DIAG_DATA,
				    "no organizer address for {user} in "
				    "meet-url (UID %s)", uid);
				goto fail;
			}
			at = strchr(organizer, '@');
			local = at != NULL ? g_strndup(organizer,
			    (gsize)(at - organizer)) : g_strdup(organizer);
			escaped = g_uri_escape_string(local,
			    G_URI_RESERVED_CHARS_SUBCOMPONENT_DELIMITERS, FALSE);
			g_string_append(url, escaped);
			g_free(escaped);
			g_free(local);
			p += 6;
		} else if (strncmp(p, "{conference-key}", 16) == 0) {
			g_string_append(url, conference_key);
			p += 16;
		} else {
			g_string_append_c(url, *p++);
		}
	}
	return g_string_free(url, FALSE);
fail:
	g_string_free(url, TRUE);
	return NULL;
}

static bool
is_keep(const char *value)
{
	return value != NULL && g_ascii_strcasecmp(value, "keep") == 0;
}

/*
 * The old block's page of local numbers, for a meeting that keeps dialing
 * in (CONFERENCE_ID, the new one, not NULL) and that the coordinates give
 * no page for: "A value not given keeps what the old block has".  Teams
 * names the conference ID in it (".../<bridge>?id=566559184"): a new ID
 * goes there too, or the page would show the old one.  Owned, or NULL.
 */
static char *
kept_dialin_url(const struct mm_block *old, const char *conference_id)
{
	const char *url = old != NULL ? old->dialin_url : NULL;
	const char *query, *p;
	size_t digits;

	if (url == NULL || conference_id == NULL)
		return NULL;
	query = strchr(url, '?');
	for (p = query; p != NULL; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, "id=", 3) != 0)
			continue;
		digits = strspn(p + 4, "0123456789");
		if (digits == 0 || (p[4 + digits] != '\0' && p[4 + digits] != '&'))
			break;
		return g_strdup_printf("%.*s%s%s", (int)(p + 4 - url), url,
		    conference_id, p + 4 + digits);
	}
	return g_strdup(url);
}

/* [audio]: toll numbers and provider ("microsoft" is the default: NULL). */
static void
fill_audio(const struct mm_coords *coords, const struct coord_values *user,
    struct mm_target *out)
{
	const char *provider = value_for(coords, user, KEY_PROVIDER);

	out->toll_number = g_strdup(value_for(coords, user, KEY_TOLL_NUMBER));
	out->toll_free_number = g_strdup(value_for(coords, user,
	    KEY_TOLL_FREE_NUMBER));
	if (provider != NULL && g_ascii_strcasecmp(provider, "microsoft") != 0)
		out->provider = g_strdup(provider);
}

static int
resolve_sfb(const struct mm_coords *coords, const struct coord_values *user,
    const char *organizer, const char *uid, const struct mm_block *old,
    struct mm_target *out, struct mm_diag *diag)
{
	const char *meet_url = value_for(coords, user, KEY_MEET_URL);
	const char *key = value_for(coords, user, KEY_CONFERENCE_KEY);
	const char *conference_id = value_for(coords, user, KEY_CONFERENCE_ID);

	if (meet_url != NULL) {
		if (key == NULL || is_keep(key)) {
			key = old != NULL ? old->conference_key : NULL;
			if (key == NULL && strstr(meet_url, "{conference-key}"))
				return mm_diag_set(diag, MM_DIAG_DATA,
				    "conference-key is keep but the old block "
				    "has no conference key (UID %s)", uid);
		}
		out->join_url = expand_meet_url(meet_url, organizer,
		    key != NULL ? key : "", uid, diag);
		if (out->join_url == NULL)
			return -1;
	} else if (old != NULL && old->join_url != NULL) {
		out->join_url = g_strdup(old->join_url);
	} else {
		return mm_diag_set(diag, MM_DIAG_DATA,
		    "no meet-url in the coordinates and no join URL in the old "
		    "block (UID %s)", uid);
	}
	out->dialin_url = g_strdup(value_for(coords, user, KEY_DIALIN_URL));
	if (conference_id == NULL || is_keep(conference_id))
		out->conference_id = old != NULL ?
		    g_strdup(old->conference_id) : NULL;
	else
		out->conference_id = g_strdup(conference_id);
	if (out->dialin_url == NULL)
		out->dialin_url = kept_dialin_url(old, out->conference_id);
	fill_audio(coords, user, out);
	return MM_COORDS_OK;
}

/*
 * The Teams link of the meeting UID (its occurrence RECURRENCE_ID) into
 * LINK.  Returns 1 when found, 0 when not, -1 with diag (the file cannot
 * be read again).
 */
static int
find_link(const struct mm_coords *coords, const struct coord_values *user,
    const char *uid, const char *recurrence_id, struct teams_link *link,
    struct mm_diag *diag)
{
	const char *path = value_for(coords, user, KEY_LINKS);
	const struct links_file *lf;
	char *key;
	guint row;
	int rc = 0;

	if (path == NULL || uid == NULL)
		return 0;
	lf = g_hash_table_lookup(coords->links, path);
	if (lf == NULL)
		return 0;
	if (recurrence_id != NULL) {
		key = link_key(uid, recurrence_id);
		rc = find_row(lf, key, &row, diag);
		g_free(key);
	}
	/* An exception without its own link joins the series' meeting. */
	if (rc == 0) {
		key = link_key(uid, NULL);
		rc = find_row(lf, key, &row, diag);
		g_free(key);
	}
	if (rc == 1)
		link_from_row(lf, link);
	return rc;
}

static int
resolve_teams(const struct mm_coords *coords, const struct coord_values *user,
    const char *uid, const char *recurrence_id, const struct mm_block *old,
    struct mm_target *out, struct mm_diag *diag)
{
	struct teams_link found = { 0 };
	const struct teams_link *link = &found;
	const char *conference_id = value_for(coords, user, KEY_CONFERENCE_ID);
	int rc = find_link(coords, user, uid, recurrence_id, &found, diag);

	if (rc < 0)
		return -1;
	if (rc == 0)
		link = NULL;
	if (link == NULL || link->join_url == NULL) {
		/*
		 * A Teams meeting that stays a Teams meeting keeps its join
		 * link when no new one is given: an audio-conferencing change
		 * moves only the dial-in part.  A Skype meeting cannot become a
		 * Teams one without a link from provisioning.
		 */
		if (old == NULL || old->type != MM_BLOCK_TEAMS ||
		    old->join_url == NULL) {
			link_release(&found);
			return MM_COORDS_MISSING;
		}
		out->join_url = g_strdup(old->join_url);
		out->meeting_id = g_strdup(old->meeting_id);
		out->passcode = g_strdup(old->passcode);
	} else {
		out->join_url = g_strdup(link->join_url);
		out->meeting_id = g_strdup(link->meeting_id);
		out->passcode = g_strdup(link->passcode);
		out->dialin_url = g_strdup(link->dialin_url);
	}
	if (link != NULL && link->conference_id != NULL)
		out->conference_id = g_strdup(link->conference_id);
	else if (conference_id == NULL || is_keep(conference_id))
		out->conference_id = old != NULL ?
		    g_strdup(old->conference_id) : NULL;
	else
		out->conference_id = g_strdup(conference_id);
	/* An SfB page of local numbers is no use to a Teams meeting. */
	if (out->dialin_url == NULL && old != NULL &&
	    old->type == MM_BLOCK_TEAMS)
		out->dialin_url = kept_dialin_url(old, out->conference_id);
	fill_audio(coords, user, out);
	link_release(&found);
	return MM_COORDS_OK;
}

int
mm_coords_resolve(const struct mm_coords *coords, const char *user,
    const char *organizer, const char *uid, const char *recurrence_id,
    enum mm_block_type type, const struct mm_block *old, struct mm_target *out,
    struct mm_diag *diag)
{
	const struct coord_values *values = user_values(coords, user);
	int rc;

	memset(out, 0, sizeof(*out));
	out->type = type;
	if (organizer != NULL) {
		if (g_ascii_strncasecmp(organizer, "mailto:", 7) == 0)
			organizer += 7;
		else if (g_ascii_strncasecmp(organizer, "sip:", 4) == 0)
			organizer += 4;
	}
	if (uid == NULL)
		uid = "";
	switch (type) {
	case MM_BLOCK_SFB:
		rc = resolve_sfb(coords, values, organizer, uid, old, out, diag);
		break;
	case MM_BLOCK_TEAMS:
		rc = resolve_teams(coords, values, uid, recurrence_id, old, out,
		    diag);
		break;
	case MM_BLOCK_NONE:
	default:
		rc = mm_diag_set(diag, MM_DIAG_INTERNAL,
		    "no target meeting type (UID %s)", uid);
		break;
	}
	if (rc != MM_COORDS_OK)
		mm_target_release(out);
	return rc;
}
