/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A string as a set or map key of eight octets: its 64-bit FNV-1a hash in
 * the pointer itself (GHashTable with g_direct_hash and g_direct_equal).
 * For sets that would otherwise hold every string read (the ItemIds of a
 * dump, the keys of a links CSV).  Two strings may share a hash: users
 * that cannot bear that compare the strings again on a hit.
 */
#ifndef MM_HASHKEY_H
#define MM_HASHKEY_H

#include <glib.h>

static inline gpointer
mm_hash_key(const char *s)
{
	guint64 h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	/* Never NULL, which GHashTable cannot tell from "absent". */
	return GSIZE_TO_POINTER((gsize)h | 1);
}

#endif
