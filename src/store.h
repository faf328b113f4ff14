/* SPDX-License-Identifier: GPL-3.0-or-later */
/* placeholder: the store (being written) */
#ifndef MM_STORE_H
#define MM_STORE_H
#endif
