/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Coordinates cases: a key file (in the test, named as if it lay in
 * fixtures/unit/select/ so that its links CSV is found there), one meeting,
 * and the target it resolves to, rendered as "field=value" lines, or the
 * error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "coords.h"
#include "hashkey.h"
#include "tap.h"

/* The example of DESIGN.md "Coordinates", inline comments and all. */
static const char design_example[] =
    "[meeting]\n"
    "language = auto                 # the old block's language, or a tag such as fr-FR\n"
    "\n"
    "[sfb]\n"
    "meet-url = https://meet.contoso.com/{user}/{conference-key}\n"
    "dialin-url = https://dialin.contoso.com\n"
    "conference-key = keep           # keep the key from the old URL, or a value\n"
    "\n"
    "[audio]\n"
    "provider = microsoft            # or the name of a third-party provider\n"
    "toll-number = +1 425 555 0100 (Redmond)\n"
    "toll-free-number = +1 800 555 0100\n"
    "conference-id = 7654321\n"
    "\n"
    "[teams]\n"
    "links = teams-links.csv         # per-meeting join links, keyed by UID (and RECURRENCE-ID)\n"
    "\n"
    "[user:ashaw@contoso.com]        # per-user overrides of any key above\n"
    "conference-id = 1234567\n";

static const char keep_all[] =
    "# nothing but a comment\n"
    "[audio]\n"
    "conference-id = keep\n"
    "[teams]\n"
    "links = teams-links.csv\n";

static const char fixed_key[] =
    "[sfb]\n"
    "meet-url = https://meet.fabrikam.com/#/{user}/{conference-key}\n"
    "conference-key = NEWKEY42\n"
    "[audio]\n"
    "provider = InterCall\n"
    "[user:ÅSA@contoso.com]\n"
    "meet-url = https://meet.contoso.se/{user}\n"
    "language = sv-SE\n";

struct coords_case {
	const char *name;
	const char *ini;        /* NULL: empty coordinates */
	const char *user;
	const char *organizer;
	const char *uid;
	const char *rid;
	enum mm_block_type type;
	bool with_old;          /* the old SfB block below */
	int want_rc;
	const char *want;       /* rendered target, or the diag message */
};

static const struct coords_case cases[] = {
	{ "design example, user override", design_example, "ASHAW@contoso.com",
	  "mailto:ashaw@contoso.com", "u1", NULL, MM_BLOCK_SFB, true, 0,
	  "join=https://meet.contoso.com/ashaw/OLDKEY7\n"
	  "dialin=https://dialin.contoso.com\nconfid=1234567\n"
	  "toll=+1 425 555 0100 (Redmond)\ntollfree=+1 800 555 0100\n" },
	{ "design example, other user", design_example, "bob@contoso.com",
	  "bob.smith@contoso.com", "u1", NULL, MM_BLOCK_SFB, true, 0,
	  "join=https://meet.contoso.com/bob.smith/OLDKEY7\n"
	  "dialin=https://dialin.contoso.com\nconfid=7654321\n"
	  "toll=+1 425 555 0100 (Redmond)\ntollfree=+1 800 555 0100\n" },
	{ "keep with no key to keep", design_example, "bob@contoso.com",
	  "bob@contoso.com", "u9", NULL, MM_BLOCK_SFB, false, -1,
	  "conference-key is keep but the old block has no conference key "
	  "(UID u9)" },
	{ "fixed key, '#' inside a URL kept", fixed_key, "bob@contoso.com",
	  "sip:bob@fabrikam.com", "u1", NULL, MM_BLOCK_SFB, true, 0,
	  "join=https://meet.fabrikam.com/#/bob/NEWKEY42\n"
	  "dialin=https://dialin.contoso.com/old\nconfid=1234\n"
	  "provider=InterCall\n" },
	{ "user section folded", fixed_key, "åsa@CONTOSO.com", "åsa@contoso.com",
	  "u1", NULL, MM_BLOCK_SFB, true, 0,
	  "join=https://meet.contoso.se/%C3%A5sa\n"
	  "dialin=https://dialin.contoso.com/old\nconfid=1234\n"
	  "provider=InterCall\n" },
	{ "no meet-url keeps the old URL", keep_all, "x@y", "x@y", "u1", NULL,
	  MM_BLOCK_SFB, true, 0,
	  "join=https://meet.contoso.com/ashaw/OLDKEY7\n"
	  "dialin=https://dialin.contoso.com/old\nconfid=1234\n" },
	{ "empty coordinates keep everything", NULL, "x@y", "x@y", "u1", NULL,
	  MM_BLOCK_SFB, true, 0,
	  "join=https://meet.contoso.com/ashaw/OLDKEY7\n"
	  "dialin=https://dialin.contoso.com/old\nconfid=1234\n" },
	{ "empty coordinates, no old block", NULL, "x@y", "x@y", "u1", NULL,
	  MM_BLOCK_SFB, false, -1,
	  "no meet-url in the coordinates and no join URL in the old block "
	  "(UID u1)" },
	{ "empty coordinates, Teams", NULL, "x@y", "x@y", "series-1", NULL,
	  MM_BLOCK_TEAMS, true, MM_COORDS_MISSING, NULL },
	{ "Teams master link", design_example, "bob@contoso.com",
	  "bob@contoso.com", "series-1", NULL, MM_BLOCK_TEAMS, true, 0,
	  "join=https://teams.microsoft.com/l/meetup-join/19%3ameeting_A%40thread.v2/0\n"
	  "confid=7654321\ntoll=+1 425 555 0100 (Redmond)\n"
	  "tollfree=+1 800 555 0100\nmeeting=123 456 789\npasscode=Abc123\n" },
	{ "Teams exception link", design_example, "bob@contoso.com",
	  "bob@contoso.com", "series-1", "20261207T090000Z", MM_BLOCK_TEAMS,
	  true, 0,
	  "join=https://teams.microsoft.com/l/meetup-join/19%3ameeting_B%40thread.v2/0\n"
	  "dialin=https://dialin.teams.microsoft.com/b\nconfid=555666\n"
	  "toll=+1 425 555 0100 (Redmond)\ntollfree=+1 800 555 0100\n"
	  "meeting=222 333 444\npasscode=Xy9\n" },
	{ "Teams exception falls back to the series", design_example,
	  "bob@contoso.com", "bob@contoso.com", "series-1", "20261214T090000Z",
	  MM_BLOCK_TEAMS, true, 0,
	  "join=https://teams.microsoft.com/l/meetup-join/19%3ameeting_A%40thread.v2/0\n"
	  "confid=7654321\ntoll=+1 425 555 0100 (Redmond)\n"
	  "tollfree=+1 800 555 0100\nmeeting=123 456 789\npasscode=Abc123\n" },
	{ "Teams conference-id keep", keep_all, "bob@contoso.com",
	  "bob@contoso.com", "single-2", NULL, MM_BLOCK_TEAMS, true, 0,
	  "join=https://teams.microsoft.com/l/meetup-join/19%3ameeting_C%40thread.v2/0\n"
	  "confid=1234\n" },
	{ "Teams no link", design_example, "bob@contoso.com", "bob@contoso.com",
	  "unknown-uid", NULL, MM_BLOCK_TEAMS, true, MM_COORDS_MISSING, NULL },
	{ "Teams no links file", fixed_key, "bob@contoso.com",
	  "bob@contoso.com", "series-1", NULL, MM_BLOCK_TEAMS, true,
	  MM_COORDS_MISSING, NULL },
};

struct load_error_case {
	const char *name;
	const char *ini;
	const char *want;
};

static const struct load_error_case load_errors[] = {
	{ "unknown key", "[sfb]\nmeet-url = x\nmeet-ur = y\n",
	  "unknown key \"meet-ur\" in section [sfb] (c.ini:3)" },
	{ "key in the wrong section", "[audio]\n\nmeet-url = x\n",
	  "unknown key \"meet-url\" in section [audio] (c.ini:3)" },
	{ "unknown key in a user section", "[user:a@b]\nconference_id = 1\n",
	  "unknown key \"conference_id\" in section [user:a@b] (c.ini:2)" },
	{ "localized key", "[meeting]\nlanguage[fr] = fr-FR\n",
	  "unknown key \"language[fr]\" in section [meeting] (c.ini:2)" },
	{ "unknown section", "[meeting]\nlanguage = auto\n[sbf]\n",
	  "unknown section [sbf] in coordinates (c.ini:3)" },
	{ "user section without a user", "[user: ]\nlanguage = auto\n",
	  "section [user: ] names no user (c.ini:1)" },
	{ "unknown placeholder", "[sfb]\nmeet-url = https://m/{usr}\n",
	  "unknown placeholder in meet-url \"https://m/{usr}\": only {user} and "
	  "{conference-key} are known (c.ini:2)" },
	{ "bad language", "[meeting]\nlanguage = fr_FR\n",
	  "language \"fr_FR\" is not \"auto\" or a language tag (c.ini:2)" },
	{ "not a key file", "language = auto\n",
	  NULL /* GLib's wording; only the failure is checked */ },
	{ "duplicate link", "[teams]\nlinks = teams-links-dup.csv\n",
	  "duplicate Teams link for UID series-1 (./teams-links-dup.csv:3, "
	  "first at line 2)" },
	{ "duplicate link whose key's hash an earlier key has",
	  "[teams]\nlinks = links-collide-dup.csv\n",
	  "duplicate Teams link for UID 53965a3d29b4e5fb "
	  "(./links-collide-dup.csv:4, first at line 3)" },
	{ "missing links file", "[teams]\nlinks = nowhere.csv\n", NULL },
};

static char *
render(const struct mm_target *t)
{
	GString *out = g_string_new(NULL);

#define FIELD(label, value) if ((value) != NULL) \
	g_string_append_printf(out, "%s=%s\n", label, value)
	FIELD("join", t->join_url);
	FIELD("dialin", t->dialin_url);
	FIELD("confid", t->conference_id);
	FIELD("toll", t->toll_number);
	FIELD("tollfree", t->toll_free_number);
	FIELD("meeting", t->meeting_id);
	FIELD("passcode", t->passcode);
	FIELD("provider", t->provider);
	FIELD("help", t->help_url);
#undef FIELD
	return g_string_free(out, FALSE);
}

int
main(void)
{
	const char *srcdir = getenv("MM_SRCDIR");
	char *folder = g_build_filename(srcdir != NULL ? srcdir : ".", "fixtures",
	    "unit", "select", NULL);
	struct mm_block old;
	struct mm_diag diag;
	size_t i;

	/* Names relative to the fixture folder keep messages machine-free. */
	if (chdir(folder) != 0)
		tap_ok(0, "chdir to the fixtures");
	mm_diag_init(&diag);
	memset(&old, 0, sizeof(old));
	old.type = MM_BLOCK_SFB;
	old.join_url = g_strdup("https://meet.contoso.com/ashaw/OLDKEY7");
	old.conference_key = g_strdup("OLDKEY7");
	old.conference_id = g_strdup("1234");
	old.dialin_url = g_strdup("https://dialin.contoso.com/old");

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct coords_case *c = &cases[i];
		struct mm_coords *coords;
		struct mm_target target;
		int rc;

		coords = c->ini != NULL ? mm_coords_load_memory(c->ini,
		    strlen(c->ini), "c.ini", &diag) : mm_coords_load(NULL, &diag);
		if (!tap_ok(coords != NULL, "%s: loads", c->name)) {
			printf("# %s\n", diag.message);
			mm_diag_release(&diag);
			continue;
		}
		rc = mm_coords_resolve(coords, c->user, c->organizer, c->uid,
		    c->rid, c->type, c->with_old ? &old : NULL, &target, &diag);
		tap_ok(rc == c->want_rc, "%s: result %d", c->name, rc);
		if (rc == 0) {
			char *got = render(&target);

			tap_str(got, c->want, c->name);
			tap_ok(target.type == c->type, "%s: type", c->name);
			g_free(got);
			mm_target_release(&target);
		} else if (rc < 0) {
			tap_str(diag.message, c->want, c->name);
		}
		mm_diag_release(&diag);
		mm_coords_free(coords);
	}

	for (i = 0; i < G_N_ELEMENTS(load_errors); i++) {
		const struct load_error_case *c = &load_errors[i];
		struct mm_coords *coords;

		coords = mm_coords_load_memory(c->ini, strlen(c->ini), "c.ini",
		    &diag);
		tap_ok(coords == NULL && diag.code != MM_DIAG_NONE,
		    "%s: fails", c->name);
		if (c->want != NULL)
			tap_str(diag.message, c->want, c->name);
		mm_coords_free(coords);
		mm_diag_release(&diag);
	}

	/*
	 * A Teams meeting staying Teams keeps its own join link when the
	 * links file has none for it (an audio-conferencing change); a Skype
	 * meeting becoming Teams cannot (the "Teams no link" case above).
	 */
	{
		static const struct {
			const char *name, *ini, *want;
		} keep_cases[] = {
			/* its page of local numbers names the new ID */
			{ "Teams keeps its link, new audio", design_example,
			  "join=https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0\n"
			  "dialin=https://dialin.teams.microsoft.com/b1?id=7654321&l=en\n"
			  "confid=7654321\ntoll=+1 425 555 0100 (Redmond)\n"
			  "tollfree=+1 800 555 0100\nmeeting=111 222 333 44\n"
			  "passcode=OldPw1\n" },
			{ "Teams keeps its link, empty coordinates", NULL,
			  "join=https://teams.microsoft.com/l/meetup-join/19%3ameeting_OLD%40thread.v2/0\n"
			  "dialin=https://dialin.teams.microsoft.com/b1?id=99887766&l=en\n"
			  "confid=99887766\nmeeting=111 222 333 44\npasscode=OldPw1\n" },
		};
		struct mm_block teams_old;

		memset(&teams_old, 0, sizeof(teams_old));
		teams_old.type = MM_BLOCK_TEAMS;
		teams_old.join_url = g_strdup("https://teams.microsoft.com/l/"
		    "meetup-join/19%3ameeting_OLD%40thread.v2/0");
		teams_old.meeting_id = g_strdup("111 222 333 44");
		teams_old.passcode = g_strdup("OldPw1");
		teams_old.conference_id = g_strdup("99887766");
		teams_old.dialin_url = g_strdup("https://dialin.teams."
		    "microsoft.com/b1?id=99887766&l=en");
		for (i = 0; i < G_N_ELEMENTS(keep_cases); i++) {
			struct mm_coords *coords;
			struct mm_target target;
			int rc;

			coords = keep_cases[i].ini != NULL ?
			    mm_coords_load_memory(keep_cases[i].ini,
			    strlen(keep_cases[i].ini), "c.ini", &diag) :
			    mm_coords_load(NULL, &diag);
			rc = coords == NULL ? -2 : mm_coords_resolve(coords,
			    "bob@contoso.com", "bob@contoso.com", "unknown-uid",
			    NULL, MM_BLOCK_TEAMS, &teams_old, &target, &diag);
			if (tap_ok(rc == MM_COORDS_OK, "%s: result %d",
			    keep_cases[i].name, rc)) {
				char *got = render(&target);

				tap_str(got, keep_cases[i].want, keep_cases[i].name);
				g_free(got);
				mm_target_release(&target);
			}
			mm_diag_release(&diag);
			mm_coords_free(coords);
		}
		mm_block_release(&teams_old);
	}

	/*
	 * Two UIDs whose keys ("uid\n") share their mm_hash_key() (found with
	 * Brent's cycle search over FNV-1a, 63 bits once the low bit is
	 * set): the second row is indexed by its whole key, and each UID
	 * still finds its own row.
	 */
	{
		static const char ini[] = "[teams]\nlinks = links-collide.csv\n";
		static const struct {
			const char *uid, *join;
		} pairs[] = {
			{ "3a41a7ef67d12cca", "https://teams.microsoft.com/l/"
			  "meetup-join/19%3ameeting_ONE%40thread.v2/0" },
			{ "53965a3d29b4e5fb", "https://teams.microsoft.com/l/"
			  "meetup-join/19%3ameeting_TWO%40thread.v2/0" },
		};
		struct mm_coords *coords;
		struct mm_target target;
		int rc;

		tap_ok(mm_hash_key("3a41a7ef67d12cca\n") ==
		    mm_hash_key("53965a3d29b4e5fb\n"),
		    "the two keys of links-collide.csv share a hash");
		coords = mm_coords_load_memory(ini, strlen(ini), "c.ini", &diag);
		tap_ok(coords != NULL, "links whose keys collide load (%s)",
		    diag.message ? diag.message : "ok");
		for (i = 0; coords != NULL && i < G_N_ELEMENTS(pairs); i++) {
			rc = mm_coords_resolve(coords, "bob@contoso.com",
			    "bob@contoso.com", pairs[i].uid, NULL, MM_BLOCK_TEAMS,
			    NULL, &target, &diag);
			tap_ok(rc == MM_COORDS_OK &&
			    g_strcmp0(target.join_url, pairs[i].join) == 0,
			    "colliding key %zu finds its own row (%s)", i,
			    rc == MM_COORDS_OK ? target.join_url : "none");
			if (rc == MM_COORDS_OK)
				mm_target_release(&target);
			mm_diag_release(&diag);
		}
		if (coords != NULL) {
			rc = mm_coords_resolve(coords, "bob@contoso.com",
			    "bob@contoso.com", "3a41a7ef67d12ccb", NULL,
			    MM_BLOCK_TEAMS, NULL, &target, &diag);
			tap_ok(rc == MM_COORDS_MISSING, "a UID next to them has none");
			if (rc == MM_COORDS_OK)
				mm_target_release(&target);
		}
		mm_diag_release(&diag);
		mm_coords_free(coords);
	}

	/* [meeting] language, and a user's override of it. */
	{
		struct mm_coords *coords;

		coords = mm_coords_load_memory(fixed_key, strlen(fixed_key),
		    "c.ini", &diag);
		tap_str(coords ? mm_coords_language(coords) : "x", NULL,
		    "language unset is auto");
		tap_str(coords ? mm_coords_user_language(coords,
		    "sip:åsa@contoso.com") : NULL, "sv-SE", "user language");
		mm_coords_free(coords);
		coords = mm_coords_load_memory(design_example,
		    strlen(design_example), "c.ini", &diag);
		tap_str(coords ? mm_coords_language(coords) : "x", NULL,
		    "language auto with a comment is NULL");
		mm_coords_free(coords);
		coords = mm_coords_load("coords-missing.ini", &diag);
		tap_ok(coords == NULL && diag.code == MM_DIAG_NOINPUT,
		    "missing key file is NOINPUT");
		mm_diag_release(&diag);
	}

	g_free(old.join_url);
	g_free(old.conference_key);
	g_free(old.conference_id);
	g_free(old.dialin_url);
	g_free(folder);
	return tap_done();
}
