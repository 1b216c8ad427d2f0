/* SPDX-License-Identifier: MIT */
#ifndef XRS_UTIL_ALIGN_H
#define XRS_UTIL_ALIGN_H

#include <stdint.h>

/* @x rounded up to a multiple of @a, a power of two. */
static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

#endif
