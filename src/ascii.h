/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Eight octets at a time: the tests the readers' byte loops run over the
 * printable ASCII that is most of any mailbox, so that only the octets
 * that need a closer look are looked at one by one.
 */
#ifndef MM_ASCII_H
#define MM_ASCII_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MM_ASCII_ONES   UINT64_C(0x0101010101010101)
#define MM_ASCII_HIGHS  UINT64_C(0x8080808080808080)

/* The eight octets at S (which has at least eight). */
static inline uint64_t
mm_ascii_word(const char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/*
 * Whether every octet of W is printable ASCII (0x20-0x7E).  An octet >=
 * 0x80, < 0x20 (w - 0x20 borrows into its high bit) or 0x7F (w + 1 carries
 * into it) sets its high bit; octets that pass carry into nothing.
 */
static inline bool
mm_ascii_printable(uint64_t w)
{
	return ((w | (w - MM_ASCII_ONES * 0x20) | (w + MM_ASCII_ONES)) &
	    MM_ASCII_HIGHS) == 0;
}

/*
 * Whether an octet of W is C (a zero octet of W ^ C, found the classic way:
 * exact as a yes or no, though not as to where).
 */
static inline bool
mm_ascii_has(uint64_t w, unsigned char c)
{
	uint64_t v = w ^ (MM_ASCII_ONES * c);

	return ((v - MM_ASCII_ONES) & ~v & MM_ASCII_HIGHS) != 0;
}

#endif
