/* SPDX-License-Identifier: MIT */
/*
 * A runstate area as a guest sees it, for host-side tests: decoded from
 * either layout, and read the way Linux's xen_get_runstate_snapshot reads
 * it while a writer may be at work.
 */
#ifndef XRS_TEST_AREA_VIEW_H
#define XRS_TEST_AREA_VIEW_H

#include <stdbool.h>
#include <stdint.h>

struct area_view {
	uint32_t state;
	uint64_t entry;
	uint64_t time[4];
};

/* Decode the bytes at @p in the 64-bit or compat layout. */
void area_decode(const uint8_t *p, bool long_mode, struct area_view *v);
uint64_t view_sum(const struct area_view *v);

/*
 * Linux's reader: state_entry_time (byte by byte, the flag byte last, since
 * an unaligned or split u64 has no atomic load), then the copy, then the
 * entry again; retried while they differ or the flag is set. With @flag
 * false the flag is not waited for: the reader then takes whatever it saw,
 * as a guest without the update flag must. Returns the retries it made.
 */
unsigned int area_snapshot(const volatile uint8_t *p, bool long_mode, bool flag,
			   struct area_view *v);

#endif
