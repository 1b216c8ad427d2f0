/* SPDX-License-Identifier: MIT */
/*
 * Guest memory as libxrs sees it: the regions the VMM mapped with
 * xrs_vm_map_memory, and the one way to turn a guest-physical range into a
 * host pointer, with bounds checked. Nothing else in libxrs touches guest
 * memory except through a pointer this returns.
 *
 * Readers (vCPU threads) never lock: the region table is immutable once
 * published and replaced whole by a writer (serialized by the VM lock).
 * Old tables live until gm_fini, so a reader's pointer never dangles.
 */
#ifndef XRS_GUESTMEM_H
#define XRS_GUESTMEM_H

#include <stdatomic.h>
#include <stdint.h>


#define XRS_PAGE_SIZE	4096u

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct gm_table {
	struct gm_table *older;
	unsigned int n;
	struct gm_region r[];		/* sorted by gpa, disjoint */
};

struct guestmem {
	_Atomic(struct gm_table *) cur;
};

void gm_init(struct guestmem *gm);
void gm_fini(struct guestmem *gm);
/*
 * 0, -EINVAL (empty, unaligned or wrapping range, NULL hva), -EEXIST
 * (overlap), -ENOMEM. gpa and size are multiples of XRS_PAGE_SIZE.
 */
int gm_map(struct guestmem *gm, uint64_t gpa, uint64_t size, void *hva);
/* Host pointer for [gpa, gpa + len) if one region holds all of it, else NULL. */
uint8_t *gm_resolve(const struct guestmem *gm, uint64_t gpa, uint64_t len);

#endif /* XRS_GUESTMEM_H */
