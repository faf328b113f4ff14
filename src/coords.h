/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Coordinates: where meetings move to.  The coordinates file is a GLib key
 * file (DESIGN.md "Coordinates"); per-meeting Teams join links come from a
 * CSV (uid,recurrence_id,join_url,meeting_id,passcode,conference_id,
 * dialin_url) named by [teams] links, relative to the key file.  This module
 * resolves, for one user and one meeting, the concrete values of the new
 * block; it renders nothing.
 */
#ifndef MM_COORDS_H
#define MM_COORDS_H

#include "block.h"
#include "diag.h"

struct mm_coords;

/*
 * Loads the key file at PATH (and the links CSV it names).  PATH NULL gives
 * empty coordinates: every value is kept from the old block.  Returns owned
 * coordinates (mm_coords_free()) or NULL with diag (66, or 65 naming the
 * file, line and key).
 */
struct mm_coords *mm_coords_load(const char *path, struct mm_diag *diag);
struct mm_coords *mm_coords_load_memory(const char *data, size_t len,
    const char *name, struct mm_diag *diag);
void mm_coords_free(struct mm_coords *coords);

/* [meeting] language: NULL for "auto", else a tag; borrowed. */
const char *mm_coords_language(const struct mm_coords *coords);
/* The same for USER, honouring a [user:...] override; borrowed. */
const char *mm_coords_user_language(const struct mm_coords *coords,
    const char *user);

/* The concrete new block for one meeting. */
struct mm_target {
	enum mm_block_type type;
	char *join_url;         /* SfB meet URL or Teams join URL */
	char *dialin_url;       /* "Find a local number" page, or NULL */
	char *conference_id;    /* dial-in conference ID, or NULL */
	char *toll_number;      /* or NULL */
	char *toll_free_number; /* or NULL */
	char *meeting_id;       /* Teams meeting ID, or NULL */
	char *passcode;         /* Teams passcode, or NULL */
	char *provider;         /* audio provider name, or NULL (microsoft) */
	char *help_url;         /* or NULL: the template's default */
};

void mm_target_release(struct mm_target *target);

enum mm_coords_result {
	MM_COORDS_OK = 0,
	MM_COORDS_MISSING = 1,  /* Teams target and no join link for this meeting */
};

/*
 * Resolves the target of one meeting.  USER is the organizer's key for
 * [user:...] sections (its UPN or address, case-insensitive); ORGANIZER is
 * the organizer address ({user} in meet-url is its local part); UID and
 * RECURRENCE_ID (NULL for a master) select the Teams link; OLD is the block
 * found (its conference key and values fill "keep").  TYPE is the target type
 * (the old block's type for --target-meeting-type current).  Returns
 * MM_COORDS_OK with *out filled, MM_COORDS_MISSING, or -1 with diag.
 */
int mm_coords_resolve(const struct mm_coords *coords, const char *user,
    const char *organizer, const char *uid, const char *recurrence_id,
    enum mm_block_type type, const struct mm_block *old, struct mm_target *out,
    struct mm_diag *diag);

#endif
