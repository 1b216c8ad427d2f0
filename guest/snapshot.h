/* SPDX-License-Identifier: MIT */
/*
 * Linux's xen_get_runstate_snapshot over an area's raw bytes, for either
 * layout: state_entry_time, then a copy of the area, then the entry time
 * again, retried while they differ or (when the guest has the update flag)
 * while XEN_RUNSTATE_UPDATE is set. The entry time is loaded a byte at a
 * time with the flag byte last: an unaligned or page-split u64 has no
 * atomic load, and the writer sets that byte first and clears it last.
 * Freestanding and header-only: the test guests and the host tests share it.
 */
#ifndef XRS_GUEST_SNAPSHOT_H
#define XRS_GUEST_SNAPSHOT_H

#include <stdint.h>

/* x86 keeps loads in order: the reader's rmb() is a compiler barrier. */
#define snapshot_rmb()	__asm__ __volatile__("" ::: "memory")

static inline uint64_t snapshot_get64(const volatile uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * Copy the area at @area (44 or 48 bytes, per @long_mode) into @copy; the
 * entry time the copy was checked against goes to *@entry (the copy's own
 * may carry the flag of a same-value rewrite). Returns the retries made.
 */
static inline unsigned int snapshot_read(const volatile uint8_t *area, int long_mode,
					 int wait_for_flag, uint8_t copy[48], uint64_t *entry)
{
	const unsigned int ofs = long_mode ? 8 : 4, len = ofs + 40;
	unsigned int retries = 0, i;
	uint64_t e1, e2;

	for (;; retries++) {
		e1 = snapshot_get64(area + ofs);
		snapshot_rmb();
		for (i = 0; i < len; i++)
			copy[i] = area[i];
		snapshot_rmb();
		e2 = snapshot_get64(area + ofs);
		if (e1 == e2 && !(wait_for_flag && (e1 >> 63)))
			break;
	}
	*entry = e1;
	return retries;
}

#endif
