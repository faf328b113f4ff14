/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Identity: resolves the organizer named on the command line to one user of
 * the directory (an Active Directory CSV export) and collects the aliases an
 * ORGANIZER line may carry for that user.  This module owns ICU case folding
 * for the whole program; ICU's UErrorCode never leaves it.  It never reads a
 * mailbox and never decides about a meeting.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <unicode/ustring.h>
#include <unicode/unorm2.h>

#include "csv.h"
#include "identity.h"
#include "output.h"

/* The columns of Get-ADUser | Export-Csv (or csvde) the directory uses. */
enum dir_column {
	COL_DN,
	COL_SAM,
	COL_UPN,
	COL_DISPLAY,
	COL_MAIL,
	COL_PROXIES,
	COL_SIP,
	COL_LEGACY_DN,
	COL_GUID,
	COL_COUNT,
};

static const char *const column_names[COL_COUNT] = {
	"DistinguishedName",
	"SamAccountName",
	"UserPrincipalName",
	"DisplayName",
	"mail",
	"proxyAddresses",
	"msRTCSIP-PrimaryUserAddress",
	"legacyExchangeDN",
	"ObjectGUID",
};

static const char kind_address[] = "address";
static const char kind_sip[] = "sip";
static const char kind_x500[] = "x500";
static const char kind_name[] = "name";

struct dir_user {
	unsigned lineno;
	char *field[COL_COUNT];         /* owned, NULL when empty */
};

struct mm_directory {
	char *name;
	GPtrArray *users;               /* struct dir_user * */
	/* case-folded identity form -> GArray of guint user indices */
	GHashTable *index;
};

char *
mm_identity_casefold(const char *text)
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfc;
	UChar *utf16 = NULL, *folded = NULL, *normal = NULL;
	int32_t len16 = 0, len_folded, len_normal, len8;
	char *out = NULL;

	if (text == NULL)
		return NULL;
	/*
	 * Nearly every address is ASCII, whose full case folding is its
	 * lower case and whose NFC is itself: no need to go through UTF-16
	 * (mm_identity_casefold() ran for every attendee of every meeting).
	 */
	{
		const char *p = text;

		while (*p != '\0' && (unsigned char)*p < 0x80)
			p++;
		if (*p == '\0')
			return g_ascii_strdown(text, -1);
	}
	u_strFromUTF8(NULL, 0, &len16, text, -1, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto fallback;
	err = U_ZERO_ERROR;
	utf16 = g_new(UChar, len16 + 1);
	u_strFromUTF8(utf16, len16 + 1, NULL, text, -1, &err);
	if (U_FAILURE(err))
		goto fallback;

	/* Full case folding may lengthen the text (ß -> ss): preflight. */
	len_folded = u_strFoldCase(NULL, 0, utf16, len16, U_FOLD_CASE_DEFAULT,
	    &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto fallback;
	err = U_ZERO_ERROR;
	folded = g_new(UChar, len_folded + 1);
	u_strFoldCase(folded, len_folded + 1, utf16, len16, U_FOLD_CASE_DEFAULT,
	    &err);
	if (U_FAILURE(err))
		goto fallback;

	/*
	 * A directory written by one tool and a calendar written by another
	 * may disagree on composed and decomposed accents ("Å" as U+00C5 or
	 * A + U+030A), so the folded text is put in NFC as well.
	 */
	nfc = unorm2_getNFCInstance(&err);
	if (U_FAILURE(err))
		goto fallback;
	len_normal = unorm2_normalize(nfc, folded, len_folded, NULL, 0, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto fallback;
	err = U_ZERO_ERROR;
	normal = g_new(UChar, len_normal + 1);
	unorm2_normalize(nfc, folded, len_folded, normal, len_normal + 1, &err);
	if (U_FAILURE(err))
		goto fallback;

	u_strToUTF8(NULL, 0, &len8, normal, len_normal, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto fallback;
	err = U_ZERO_ERROR;
	out = g_malloc((size_t)len8 + 1);
	u_strToUTF8(out, len8 + 1, NULL, normal, len_normal, &err);
	if (U_FAILURE(err)) {
		g_free(out);
		out = NULL;
		goto fallback;
	}
	goto done;

fallback:
	/*
	 * Only text that is not UTF-8 gets here (the readers validate their
	 * input); ASCII folding keeps it comparable without inventing
	 * characters.
	 */
	out = g_ascii_strdown(text, -1);
done:
	g_free(utf16);
	g_free(folded);
	g_free(normal);
	return out;
}

/* Strips a leading "mailto:", "sip:" or "smtp:" (any case); borrowed. */
static const char *
strip_scheme(const char *text)
{
	static const char *const schemes[] = { "mailto:", "sip:", "smtp:" };
	size_t i, n;

	for (i = 0; i < G_N_ELEMENTS(schemes); i++) {
		n = strlen(schemes[i]);
		if (g_ascii_strncasecmp(text, schemes[i], n) == 0)
			return text + n;
	}
	return text;
}

/* Trimmed, scheme-stripped and case-folded: the form everything is compared in. */
static char *
comparable(const char *text)
{
	char *trimmed = g_strstrip(g_strdup(text));
	char *folded = mm_identity_casefold(strip_scheme(trimmed));

	g_free(trimmed);
	return folded;
}

static bool
has_prefix_ci(const char *text, const char *prefix)
{
	return g_ascii_strncasecmp(text, prefix, strlen(prefix)) == 0;
}

/*
 * The value of the first RDN of DN when it is ATTR ("CN"), unescaped
 * (RFC 4514 section 2.4: "\," and "\\" pairs), or NULL.  Owned.
 */
static char *
dn_first_value(const char *dn, const char *attr)
{
	GString *value;
	const char *p;
	size_t n = strlen(attr);

	while (*dn == ' ')
		dn++;
	if (g_ascii_strncasecmp(dn, attr, n) != 0 || dn[n] != '=')
		return NULL;
	value = g_string_new(NULL);
	for (p = dn + n + 1; *p != '\0' && *p != ','; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		g_string_append_c(value, *p);
	}
	return g_string_free(value, FALSE);
}

/*
 * The NetBIOS domain of a DN: its first DC= component, upper-cased
 * ("CN=x,OU=y,DC=contoso,DC=com" -> "CONTOSO").  Owned, or NULL.  This is
 * the usual default; a forest whose NetBIOS name differs from its first DNS
 * label needs the DOMAIN\logon form replaced by the UPN.
 */
static char *
dn_netbios_domain(const char *dn)
{
	const char *p = dn;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (has_prefix_ci(p, "DC=")) {
			const char *end = strchr(p + 3, ',');
			char *label = end ? g_strndup(p + 3, (gsize)(end - p - 3))
			    : g_strdup(p + 3);
			char *upper = g_ascii_strup(g_strstrip(label), -1);

			g_free(label);
			return upper;
		}
		/* Skip to the next unescaped comma. */
		while (*p != '\0' && *p != ',') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			p++;
		}
	}
	return NULL;
}

/*
 * Splits a proxyAddresses value into its entries.  Entries are separated by
 * ';', but an X400 entry holds ';' itself ("X400:C=US;A= ;P=Contoso;..."),
 * so a ';' only starts a new entry when what follows looks like "TYPE:".
 * Returns an owned NULL-terminated vector.
 */
static char **
split_proxies(const char *value)
{
	GPtrArray *out = g_ptr_array_new();
	const char *start = value, *p;

	for (p = value; ; p++) {
		bool split = false;

		if (*p == ';') {
			const char *q = p + 1;

			while (*q == ' ')
				q++;
			while (g_ascii_isalnum(*q) || *q == '-')
				q++;
			split = *q == ':' && q > p + 1;
		}
		if (*p == '\0' || split) {
			char *entry = g_strstrip(g_strndup(start,
			    (gsize)(p - start)));

			if (*entry != '\0')
				g_ptr_array_add(out, entry);
			else
				g_free(entry);
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* An alias list being built, without duplicates (first kind wins). */
struct alias_list {
	GPtrArray *aliases;
	GArray *kinds;          /* const char *, static */
	GHashTable *seen;       /* borrowed keys of aliases */
};

static void
alias_list_init(struct alias_list *list)
{
	list->aliases = g_ptr_array_new();
	list->kinds = g_array_new(FALSE, FALSE, sizeof(const char *));
	list->seen = g_hash_table_new(g_str_hash, g_str_equal);
}

static void
alias_add(struct alias_list *list, const char *text, const char *kind)
{
	char *folded;

	if (text == NULL || *text == '\0')
		return;
	folded = comparable(text);
	if (*folded == '\0' || g_hash_table_contains(list->seen, folded)) {
		g_free(folded);
		return;
	}
	g_hash_table_add(list->seen, folded);
	g_ptr_array_add(list->aliases, folded);
	g_array_append_val(list->kinds, kind);
}

static void
alias_list_finish(struct alias_list *list, struct mm_identity *out)
{
	out->alias_count = list->aliases->len;
	g_ptr_array_add(list->aliases, NULL);
	out->aliases = (char **)g_ptr_array_free(list->aliases, FALSE);
	out->alias_kinds = (const char **)(void *)g_array_free(list->kinds,
	    FALSE);
	g_hash_table_destroy(list->seen);
}

static void
dir_user_free(gpointer data)
{
	struct dir_user *user = data;
	int i;

	for (i = 0; i < COL_COUNT; i++)
		g_free(user->field[i]);
	g_free(user);
}

static void
index_add(struct mm_directory *dir, const char *form, guint user_index)
{
	char *key;
	GArray *list;

	if (form == NULL || *form == '\0')
		return;
	key = comparable(form);
	list = g_hash_table_lookup(dir->index, key);
	if (list == NULL) {
		list = g_array_new(FALSE, FALSE, sizeof(guint));
		g_hash_table_insert(dir->index, key, list);
	} else {
		g_free(key);
		/* One user may list the same address twice (mail and SMTP:). */
		if (g_array_index(list, guint, list->len - 1) == user_index)
			return;
	}
	g_array_append_val(list, user_index);
}

/* Every form by which a user can be named on the command line. */
static void
index_user(struct mm_directory *dir, const struct dir_user *user, guint at)
{
	char **proxies, **p;
	char *netbios;
	const char *value;

	index_add(dir, user->field[COL_DN], at);
	index_add(dir, user->field[COL_UPN], at);
	index_add(dir, user->field[COL_MAIL], at);
	index_add(dir, user->field[COL_DISPLAY], at);
	index_add(dir, user->field[COL_SIP], at);
	index_add(dir, user->field[COL_LEGACY_DN], at);
	if (user->field[COL_PROXIES] != NULL) {
		proxies = split_proxies(user->field[COL_PROXIES]);
		for (p = proxies; *p != NULL; p++) {
			value = strchr(*p, ':');
			index_add(dir, value != NULL ? value + 1 : *p, at);
		}
		g_strfreev(proxies);
	}
	if (user->field[COL_DN] != NULL && user->field[COL_SAM] != NULL) {
		netbios = dn_netbios_domain(user->field[COL_DN]);
		if (netbios != NULL) {
			char *logon = g_strconcat(netbios, "\\",
			    user->field[COL_SAM], NULL);

			index_add(dir, logon, at);
			g_free(logon);
		}
		g_free(netbios);
	}
}

static void
index_value_free(gpointer data)
{
	g_array_free(data, TRUE);
}

struct mm_directory *
mm_directory_load(const char *path, struct mm_diag *diag)
{
	struct mm_directory *dir = NULL;
	struct mm_csv *csv;
	int columns[COL_COUNT];
	int i, known = 0, rc;

	csv = mm_csv_open(path, diag);
	if (csv == NULL)
		return NULL;
	for (i = 0; i < COL_COUNT; i++) {
		columns[i] = mm_csv_column(csv, column_names[i]);
		if (columns[i] >= 0)
			known++;
	}
	if (known == 0) {
		mm_diag_set(diag, MM_DIAG_DATA,
		    "directory has none of the columns DistinguishedName, "
		    "UserPrincipalName, mail, proxyAddresses, DisplayName "
		    "(%s:1)", path);
		goto out;
	}

	dir = g_new0(struct mm_directory, 1);
	dir->name = g_strdup(path);
	dir->users = g_ptr_array_new_with_free_func(dir_user_free);
	dir->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    index_value_free);
	while ((rc = mm_csv_next(csv, diag)) == 1) {
		struct dir_user *user = g_new0(struct dir_user, 1);

		user->lineno = mm_csv_lineno(csv);
		for (i = 0; i < COL_COUNT; i++) {
			char *value = g_strstrip(g_strdup(
			    mm_csv_field(csv, columns[i])));

			if (*value == '\0') {
				g_free(value);
				value = NULL;
			}
			user->field[i] = value;
		}
		g_ptr_array_add(dir->users, user);
		index_user(dir, user, dir->users->len - 1);
	}
	if (rc < 0) {
		mm_directory_free(dir);
		dir = NULL;
	}
out:
	mm_csv_close(csv);
	return dir;
}

void
mm_directory_free(struct mm_directory *dir)
{
	if (dir == NULL)
		return;
	g_ptr_array_free(dir->users, TRUE);
	g_hash_table_destroy(dir->index);
	g_free(dir->name);
	g_free(dir);
}

/* The user's aliases, addresses first (see identity.h for the kinds). */
static void
collect_user_aliases(const struct dir_user *user, struct alias_list *list)
{
	char **proxies = NULL, **p;
	int pass;

	alias_add(list, user->field[COL_UPN], kind_address);
	alias_add(list, user->field[COL_MAIL], kind_address);
	if (user->field[COL_PROXIES] != NULL)
		proxies = split_proxies(user->field[COL_PROXIES]);
	/* SMTP entries first, so an address that is also a SIP URI is an
	   "address"; then SIP, then X500. */
	for (pass = 0; pass < 3 && proxies != NULL; pass++) {
		for (p = proxies; *p != NULL; p++) {
			if (pass == 0 && has_prefix_ci(*p, "smtp:"))
				alias_add(list, *p + 5, kind_address);
			else if (pass == 1 && has_prefix_ci(*p, "sip:"))
				alias_add(list, *p + 4, kind_sip);
			else if (pass == 2 && has_prefix_ci(*p, "x500:"))
				alias_add(list, *p + 5, kind_x500);
		}
	}
	alias_add(list, user->field[COL_SIP], kind_sip);
	alias_add(list, user->field[COL_LEGACY_DN], kind_x500);
	alias_add(list, user->field[COL_DISPLAY], kind_name);
	g_strfreev(proxies);
}

/* The primary SMTP address ("SMTP:" in upper case), else the first one. */
static char *
primary_smtp(const struct dir_user *user)
{
	char **proxies, **p;
	char *found = NULL;

	if (user->field[COL_PROXIES] == NULL)
		return NULL;
	proxies = split_proxies(user->field[COL_PROXIES]);
	for (p = proxies; *p != NULL && found == NULL; p++)
		if (strncmp(*p, "SMTP:", 5) == 0)
			found = g_strdup(*p + 5);
	for (p = proxies; *p != NULL && found == NULL; p++)
		if (has_prefix_ci(*p, "smtp:"))
			found = g_strdup(*p + 5);
	g_strfreev(proxies);
	return found;
}

static int
resolve_in_directory(const char *given, const struct mm_directory *dir,
    struct mm_identity *out, struct alias_list *list, struct mm_diag *diag)
{
	char *key = comparable(given);
	GArray *matches = g_hash_table_lookup(dir->index, key);
	const struct dir_user *user;
	int rc = -1;

	/* "X500:/o=..." names a legacy DN too. */
	if (matches == NULL && has_prefix_ci(given, "x500:")) {
		g_free(key);
		key = comparable(given + 5);
		matches = g_hash_table_lookup(dir->index, key);
	}
	if (matches == NULL) {
		mm_diag_set(diag, MM_DIAG_USAGE,
		    "identity \"%s\" is not in the directory %s", given,
		    dir->name);
		goto out;
	}
	if (matches->len > 1) {
		const struct dir_user *a = g_ptr_array_index(dir->users,
		    g_array_index(matches, guint, 0));
		const struct dir_user *b = g_ptr_array_index(dir->users,
		    g_array_index(matches, guint, 1));

		mm_diag_set(diag, MM_DIAG_USAGE,
		    "identity \"%s\" matches several users in the directory "
		    "(%s:%u and %s:%u)", given, dir->name, a->lineno,
		    dir->name, b->lineno);
		goto out;
	}
	user = g_ptr_array_index(dir->users, g_array_index(matches, guint, 0));
	collect_user_aliases(user, list);
	if (user->field[COL_UPN] != NULL)
		out->upn = g_strdup(user->field[COL_UPN]);
	else if (user->field[COL_MAIL] != NULL)
		out->upn = g_strdup(user->field[COL_MAIL]);
	else
		out->upn = primary_smtp(user);
	out->display_name = g_strdup(user->field[COL_DISPLAY]);
	out->user_id = g_strdup(user->field[COL_GUID]);
	rc = 0;
out:
	g_free(key);
	return rc;
}

/* Without a directory the identity is matched as given, in its own form. */
static void
resolve_as_given(const char *given, struct mm_identity *out,
    struct alias_list *list)
{
	const char *bare = strip_scheme(given);
	char *cn;

	if (*given == '/' || has_prefix_ci(given, "x500:")) {
		alias_add(list, has_prefix_ci(given, "x500:") ? given + 5 : given,
		    kind_x500);
	} else if (strchr(bare, '@') != NULL) {
		alias_add(list, bare, has_prefix_ci(given, "sip:") ? kind_sip :
		    kind_address);
		out->upn = g_strdup(bare);
	} else if ((cn = dn_first_value(given, "CN")) != NULL &&
	    strchr(given, ',') != NULL) {
		/* A DN: its CN is the display name an ORGANIZER carries. */
		alias_add(list, cn, kind_name);
		out->display_name = g_strdup(cn);
		g_free(cn);
	} else {
		g_free(cn);
		alias_add(list, given, kind_name);
		if (strchr(given, '\\') == NULL)
			out->display_name = g_strdup(given);
	}
}

int
mm_identity_resolve(const char *given, const struct mm_directory *dir,
    struct mm_identity *out, struct mm_diag *diag)
{
	struct alias_list list;
	char *trimmed = g_strstrip(g_strdup(given != NULL ? given : ""));
	int rc = -1;

	memset(out, 0, sizeof(*out));
	alias_list_init(&list);
	if (*trimmed == '\0') {
		mm_diag_set(diag, MM_DIAG_USAGE, "empty identity");
		goto out;
	}
	out->given = g_strdup(given);
	if (dir != NULL) {
		if (resolve_in_directory(trimmed, dir, out, &list, diag) != 0)
			goto out;
	} else {
		resolve_as_given(trimmed, out, &list);
	}
	if (out->upn != NULL)
		out->key = mm_output_safe_name(out->upn);
	else
		out->key = mm_output_safe_name(has_prefix_ci(trimmed, "sip:") ?
		    trimmed + 4 : trimmed);
	rc = 0;
out:
	alias_list_finish(&list, out);
	if (rc != 0)
		mm_identity_release(out);
	g_free(trimmed);
	return rc;
}

void
mm_identity_release(struct mm_identity *id)
{
	if (id == NULL)
		return;
	g_free(id->given);
	g_free(id->upn);
	g_free(id->display_name);
	g_free(id->user_id);
	g_free(id->key);
	g_strfreev(id->aliases);
	g_free(id->alias_kinds);
	memset(id, 0, sizeof(*id));
}

/* The kind of alias FOLDED is, or NULL; NAMES selects name or address aliases. */
static const char *
alias_kind(const struct mm_identity *id, const char *folded, bool names)
{
	size_t i;

	for (i = 0; i < id->alias_count; i++) {
		bool is_name = id->alias_kinds[i] == kind_name;

		if (is_name == names && strcmp(id->aliases[i], folded) == 0)
			return id->alias_kinds[i];
	}
	return NULL;
}

bool
mm_identity_matches(const struct mm_identity *id, const char *address,
    const char *name, const char **matched)
{
	const char *kind = NULL;
	char *folded;

	if (address != NULL && *address != '\0') {
		folded = comparable(address);
		kind = alias_kind(id, folded, false);
		g_free(folded);
	}
	if (kind == NULL && name != NULL && *name != '\0') {
		folded = comparable(name);
		/* A CN that is itself an address ("CN=ann@contoso.com")
		   matches addresses too. */
		if (alias_kind(id, folded, true) != NULL ||
		    (strchr(folded, '@') != NULL &&
		    alias_kind(id, folded, false) != NULL))
			kind = kind_name;
		g_free(folded);
	}
	if (matched != NULL)
		*matched = kind;
	return kind != NULL;
}
