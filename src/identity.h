/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Who the organizer is.  An identity given on the command line (SIP address,
 * UPN or SMTP address, DOMAIN\logon, display name or distinguished name) is
 * resolved through an optional user directory (a CSV exported from Active
 * Directory) to one user with every alias: mail, proxyAddresses (SMTP:,
 * smtp:, SIP:, X500:), msRTCSIP-PrimaryUserAddress, legacyExchangeDN,
 * DistinguishedName, SamAccountName, DisplayName.  Comparison uses ICU full
 * case folding, so "ÅSA@contoso.com" matches "åsa@contoso.com".
 */
#ifndef MM_IDENTITY_H
#define MM_IDENTITY_H

#include <stdbool.h>

#include "diag.h"

struct mm_directory;

/* Loads the directory CSV.  Owned; NULL with diag (66, or 65 with file:line). */
struct mm_directory *mm_directory_load(const char *path, struct mm_diag *diag);
void mm_directory_free(struct mm_directory *dir);

struct mm_identity {
	char *given;            /* owned: as given on the command line */
	char *upn;              /* owned: UserPrincipalName, else the SMTP address, else NULL */
	char *display_name;     /* owned or NULL */
	char *user_id;          /* owned: ObjectGUID from the directory, or NULL */
	char *key;              /* owned: the output folder name, safe for a file name */
	/* owned, case-folded: addresses (no scheme), legacy DNs, names */
	char **aliases;
	size_t alias_count;
	/*
	 * Parallel to aliases: what each one is, a static word ("address",
	 * "sip", "x500" or "name").  Names match only a CN; the others match
	 * an address.  Owned array of static strings.
	 */
	const char **alias_kinds;
};

/*
 * Resolves GIVEN with DIR (may be NULL).  With a directory, an identity that
 * matches no user is an error (MM_DIAG_USAGE); without one, the identity is
 * matched as given.  Returns 0 or -1 with diag.
 */
int mm_identity_resolve(const char *given, const struct mm_directory *dir,
    struct mm_identity *out, struct mm_diag *diag);
void mm_identity_release(struct mm_identity *id);

/*
 * True when ADDRESS (mailto:, sip: or none; may be NULL) or NAME (a CN; may
 * be NULL) is one of the identity's aliases.  *matched (may be NULL) gets a
 * static word for the evidence: "address", "sip", "x500", "name".
 */
bool mm_identity_matches(const struct mm_identity *id, const char *address,
    const char *name, const char **matched);

/* ICU full case folding of UTF-8 TEXT; owned (g_free). */
char *mm_identity_casefold(const char *text);

#endif
