/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Identity cases: every form an identity can be given in, resolved through
 * fixtures/unit/select/directory.csv (or without a directory), then matched
 * against ORGANIZER addresses and names.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "identity.h"
#include "tap.h"

struct resolve_case {
	const char *name;
	bool with_directory;
	const char *given;
	const char *want_upn;   /* or the error message when want_error */
	const char *want_key;
	const char *want_user_id;
	bool want_error;
};

#define DIR_NAME "directory.csv"

static const struct resolve_case resolve_cases[] = {
	{ "sip: URI", true, "sip:ann.sip@contoso.com", "ashaw@contoso.com",
	  "ashaw@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "UPN", true, "ashaw@contoso.com", "ashaw@contoso.com",
	  "ashaw@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "UPN upper case", true, "ASHAW@Contoso.COM", "ashaw@contoso.com",
	  "ashaw@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "mail", true, "ann.shaw@contoso.com", "ashaw@contoso.com",
	  "ashaw@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "SMTP alias from proxyAddresses", true, "ann@contoso.mail.onmicrosoft.com",
	  "ashaw@contoso.com", "ashaw@contoso.com",
	  "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "mailto: alias", true, "MAILTO:ann@contoso.mail.onmicrosoft.com",
	  "ashaw@contoso.com", "ashaw@contoso.com",
	  "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "DOMAIN\\logon", true, "contoso\\ASHAW", "ashaw@contoso.com",
	  "ashaw@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "DOMAIN\\logon picks the domain", true, "FABRIKAM\\clee",
	  "chris.lee@fabrikam.com", "chris.lee@fabrikam.com", NULL, false },
	{ "display name", true, "ann shaw", "ashaw@contoso.com",
	  "ashaw@contoso.com", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "distinguished name", true, "cn=ann shaw,ou=sales,dc=contoso,dc=com",
	  "ashaw@contoso.com", "ashaw@contoso.com",
	  "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "legacy DN", true,
	  "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=ashaw",
	  "ashaw@contoso.com", "ashaw@contoso.com",
	  "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "X500 proxy", true,
	  "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=5f1e-ann",
	  "ashaw@contoso.com", "ashaw@contoso.com",
	  "3f2504e0-4f89-11d3-9a0c-0305e82c3301", false },
	{ "non-ASCII case folding", true, "ÅSA.ÖSTBERG@CONTOSO.COM",
	  "åsa.östberg@contoso.com", "_sa._stberg@contoso.com",
	  "9a1c7e52-0000-4000-8000-000000000002", false },
	{ "decomposed accents", true, "A\xCC\x8Asa O\xCC\x88stberg",
	  "åsa.östberg@contoso.com", "_sa._stberg@contoso.com",
	  "9a1c7e52-0000-4000-8000-000000000002", false },
	{ "DN with an escaped comma", true,
	  "CN=Östberg\\, Åsa,OU=Sales,DC=contoso,DC=com",
	  "åsa.östberg@contoso.com", "_sa._stberg@contoso.com",
	  "9a1c7e52-0000-4000-8000-000000000002", false },
	{ "no UPN: primary SMTP", true, "room1@contoso.com",
	  "room.one@contoso.com", "room.one@contoso.com", NULL, false },
	{ "not in the directory", true, "nobody@contoso.com",
	  "identity \"nobody@contoso.com\" is not in the directory " DIR_NAME,
	  NULL, NULL, true },
	{ "X400 pieces are not entries", true, "P=Contoso",
	  "identity \"P=Contoso\" is not in the directory " DIR_NAME,
	  NULL, NULL, true },
	{ "ambiguous display name", true, "Chris Lee",
	  "identity \"Chris Lee\" matches several users in the directory "
	  "(" DIR_NAME ":5 and " DIR_NAME ":6)", NULL, NULL, true },
	{ "empty identity", false, "  ", "empty identity", NULL, NULL, true },
	{ "no directory: address", false, "Ann.Shaw@Contoso.com",
	  "Ann.Shaw@Contoso.com", "ann.shaw@contoso.com", NULL, false },
	{ "no directory: sip", false, "sip:ann@contoso.com", "ann@contoso.com",
	  "ann@contoso.com", NULL, false },
	{ "no directory: display name", false, "Ann Shaw", NULL, "ann_shaw",
	  NULL, false },
	{ "no directory: DOMAIN\\logon", false, "CONTOSO\\ashaw", NULL,
	  "contoso_ashaw", NULL, false },
	{ "no directory: dots only", false, "..", NULL, "_.", NULL, false },
};

struct match_case {
	const char *name;
	bool with_directory;
	const char *given;
	const char *address;
	const char *cn;
	const char *want;       /* the evidence word, or NULL for no match */
};

static const struct match_case match_cases[] = {
	{ "UPN address", true, "ashaw@contoso.com", "ashaw@contoso.com", NULL,
	  "address" },
	{ "mailto: and case", true, "ashaw@contoso.com",
	  "mailto:ASHAW@CONTOSO.COM", NULL, "address" },
	{ "SMTP alias", true, "sip:ann.sip@contoso.com",
	  "ann@contoso.mail.onmicrosoft.com", NULL, "address" },
	{ "SIP address", true, "ashaw@contoso.com", "sip:ann.sip@contoso.com",
	  NULL, "sip" },
	{ "legacy DN as address", true, "ashaw@contoso.com",
	  "/O=CONTOSO/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=ASHAW",
	  NULL, "x500" },
	{ "X500 proxy as address", true, "ashaw@contoso.com",
	  "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=5f1e-ann",
	  NULL, "x500" },
	{ "display name CN", true, "ashaw@contoso.com", "someone@else.com",
	  "ANN SHAW", "name" },
	{ "display name is not an address", true, "ashaw@contoso.com",
	  "Ann Shaw", NULL, NULL },
	{ "CN that is an address", true, "ashaw@contoso.com", NULL,
	  "ann.shaw@contoso.com", "name" },
	{ "other user", true, "ashaw@contoso.com", "clee@contoso.com",
	  "Chris Lee", NULL },
	{ "non-ASCII folding", true, "Åsa Östberg",
	  "mailto:ÅSA.ÖSTBERG@contoso.com", NULL, "address" },
	{ "non-ASCII folding by UPN", true, "åsa.östberg@contoso.com",
	  "mailto:ÅSA.ÖSTBERG@CONTOSO.COM", NULL, "address" },
	{ "no directory: address", false, "ann@contoso.com",
	  "mailto:Ann@Contoso.com", NULL, "address" },
	{ "no directory: sip identity", false, "sip:ann@contoso.com",
	  "ann@contoso.com", NULL, "sip" },
	{ "no directory: alias unknown", false, "ann@contoso.com",
	  "ashaw@contoso.com", "Ann", NULL },
	{ "no directory: name", false, "Ann Shaw", "x@y", "ann shaw", "name" },
	{ "no directory: name is not an address", false, "Ann Shaw",
	  "Ann Shaw", NULL, NULL },
	{ "no directory: DN gives its CN", false,
	  "CN=Ann Shaw,OU=Sales,DC=contoso,DC=com", NULL, "Ann Shaw", "name" },
	{ "NULL address and name", false, "ann@contoso.com", NULL, NULL, NULL },
};

static char *
fixture_path(const char *file)
{
	const char *srcdir = getenv("MM_SRCDIR");

	return g_build_filename(srcdir != NULL ? srcdir : ".", "fixtures",
	    "unit", "select", file, NULL);
}

int
main(void)
{
	struct mm_diag diag;
	struct mm_directory *dir;
	char *path = fixture_path("directory.csv");
	char *cwd = g_get_current_dir();
	char *folder = g_path_get_dirname(path);
	size_t i;

	/* Load by a relative name, so messages are the same on every machine. */
	mm_diag_init(&diag);
	if (chdir(folder) != 0)
		tap_ok(0, "chdir to the fixtures");
	dir = mm_directory_load(DIR_NAME, &diag);
	if (!tap_ok(dir != NULL, "directory loads"))
		printf("# %s\n", diag.message);
	if (chdir(cwd) != 0)
		tap_ok(0, "chdir back");
	mm_diag_release(&diag);

	for (i = 0; i < G_N_ELEMENTS(resolve_cases); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct mm_identity id;
		int rc;

		rc = mm_identity_resolve(c->given, c->with_directory ? dir : NULL,
		    &id, &diag);
		if (c->want_error) {
			tap_ok(rc == -1 && diag.code == MM_DIAG_USAGE,
			    "%s: usage error", c->name);
			tap_str(diag.message, c->want_upn, c->name);
		} else if (tap_ok(rc == 0, "%s: resolves", c->name)) {
			tap_str(id.upn, c->want_upn, c->name);
			tap_str(id.key, c->want_key, c->name);
			tap_str(id.user_id, c->want_user_id, c->name);
		} else {
			printf("# %s\n", diag.message);
		}
		mm_identity_release(&id);
		mm_diag_release(&diag);
	}

	for (i = 0; i < G_N_ELEMENTS(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		struct mm_identity id;
		const char *matched = "unset";
		bool ok;

		if (mm_identity_resolve(c->given, c->with_directory ? dir : NULL,
		    &id, &diag) != 0) {
			tap_ok(0, "%s: %s", c->name, diag.message);
			mm_diag_release(&diag);
			continue;
		}
		ok = mm_identity_matches(&id, c->address, c->cn, &matched);
		tap_ok(ok == (c->want != NULL), "%s: matches", c->name);
		tap_str(matched, c->want, c->name);
		mm_identity_release(&id);
	}

	{
		static const struct {
			const char *text, *want;
		} folds[] = {
			{ "ÅSA", "åsa" },
			{ "Straße", "strasse" },
			{ "ΣΊΣΥΦΟΣ", "σίσυφοσ" },
			{ "A\xCC\x8A", "å" },
		};

		for (i = 0; i < G_N_ELEMENTS(folds); i++) {
			char *got = mm_identity_casefold(folds[i].text);

			tap_str(got, folds[i].want, folds[i].text);
			g_free(got);
		}
	}

	mm_directory_free(dir);
	g_free(path);
	g_free(cwd);
	g_free(folder);
	return tap_done();
}
