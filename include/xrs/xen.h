/* SPDX-License-Identifier: MIT */
/*
 * The Xen guest ABI of the runstate area (xen/include/public/vcpu.h): its two
 * layouts, the state values and the update flag. Copied as facts, so that
 * neither libxrs nor a VMM using it needs libxen-dev.
 *
 * Names are XRS_/xrs_ except RUNSTATE_running .. RUNSTATE_offline, defined
 * exactly as Xen's vcpu.h defines them, so this header and Xen's (or QEMU's
 * copy of them) may be included in either order. Xen's XEN_RUNSTATE_UPDATE
 * is spelt differently there; use XRS_RUNSTATE_UPDATE, the same bit.
 *
 * Freestanding: only <stdint.h>.
 */
#ifndef XRS_XEN_H
#define XRS_XEN_H

#include <stdint.h>

/* Layout checks that hold in C11 and C++11 alike. */
#ifdef __cplusplus
#define XRS_STATIC_ASSERT(cond, msg)	static_assert(cond, msg)
#else
#define XRS_STATIC_ASSERT(cond, msg)	_Static_assert(cond, msg)
#endif

/* Runstate values (vcpu.h). */
#define XRS_RUNSTATE_RUNNING	0
#define XRS_RUNSTATE_RUNNABLE	1
#define XRS_RUNSTATE_BLOCKED	2
#define XRS_RUNSTATE_OFFLINE	3
#define XRS_RUNSTATE_COUNT	4

/* Token for token as in Xen's vcpu.h: a second definition is no error. */
#define RUNSTATE_running  0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked  2
#define RUNSTATE_offline  3

/* Top bit of state_entry_time while the area is being rewritten (Xen's XEN_RUNSTATE_UPDATE). */
#define XRS_RUNSTATE_UPDATE	(1ULL << 63)

/*
 * struct vcpu_runstate_info as a 64-bit guest sees it: natural alignment,
 * so a 4-byte hole follows 'state'.
 */
struct xrs_runstate_info {
	int32_t state;
	uint32_t pad;
	uint64_t state_entry_time;
	uint64_t time[XRS_RUNSTATE_COUNT];
};

/*
 * The same structure as a 32-bit guest sees it: the i386 ABI aligns uint64_t
 * to 4, so there is no hole and the struct is 4 bytes shorter.
 */
struct xrs_runstate_info_compat {
	int32_t state;
	uint64_t state_entry_time;
	uint64_t time[XRS_RUNSTATE_COUNT];
} __attribute__((packed));

#define XRS_RUNSTATE_SIZE		48
#define XRS_RUNSTATE_SIZE_COMPAT	44
#define XRS_RUNSTATE_TIMES_OFS		8	/* offset of state_entry_time */
#define XRS_RUNSTATE_TIMES_OFS_COMPAT	4

XRS_STATIC_ASSERT(sizeof(struct xrs_runstate_info) == XRS_RUNSTATE_SIZE,
	       "64-bit runstate area is 48 bytes");
XRS_STATIC_ASSERT(__builtin_offsetof(struct xrs_runstate_info, state) == 0,
	       "state at 0");
XRS_STATIC_ASSERT(__builtin_offsetof(struct xrs_runstate_info, state_entry_time) ==
	       XRS_RUNSTATE_TIMES_OFS, "64-bit state_entry_time at 8");
XRS_STATIC_ASSERT(__builtin_offsetof(struct xrs_runstate_info, time) == 16,
	       "64-bit time[] at 16");
XRS_STATIC_ASSERT(sizeof(struct xrs_runstate_info_compat) == XRS_RUNSTATE_SIZE_COMPAT,
	       "compat runstate area is 44 bytes");
XRS_STATIC_ASSERT(__builtin_offsetof(struct xrs_runstate_info_compat, state_entry_time) ==
	       XRS_RUNSTATE_TIMES_OFS_COMPAT, "compat state_entry_time at 4");
XRS_STATIC_ASSERT(__builtin_offsetof(struct xrs_runstate_info_compat, time) == 12,
	       "compat time[] at 12");

#endif /* XRS_XEN_H */
