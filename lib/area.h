/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible runstate area: where it is, and writing it the way KVM
 * does (kvm_xen_update_runstate_guest): either layout, any alignment, split
 * across a page boundary (the two pages may be in different regions), and
 * the XEN_RUNSTATE_UPDATE flag protocol. Never a byte outside the area.
 */
#ifndef XRS_AREA_H
#define XRS_AREA_H

#include <stdbool.h>
#include <stdint.h>
#include "engine.h"
#include "guestmem.h"


/* How to write the area in one layout, worked out from the mapped pages. */
struct area_plan {
	uint8_t *p1;		/* host address of gpa */
	uint8_t *p2;		/* host address of the next page, if the area reaches it */
	uint8_t *flag;		/* the top byte of state_entry_time, on p1 or p2 */
	uint16_t len1;		/* bytes on the first page */
	uint16_t len2;		/* bytes on the second, 0 if none */
	uint16_t times_ofs;	/* offset of state_entry_time: 8 or 4 */
	bool ready;		/* every page it needs is mapped */
};

/*
 * KVM keeps two page caches per area: the page of gpa, mapped from gpa to
 * its end whatever the layout, and the next page, set up only when the
 * layout current at SET ADDR crosses into it (or later, lazily, by a write
 * that may map). The plans are derived from these two mappings.
 */
struct area {
	uint64_t gpa;
	bool active;
	uint8_t *page1;			/* host address of gpa, valid to its page's end */
	uint8_t *page2;			/* host address of the next page, or NULL */
	struct area_plan plan[2];	/* [0] compat, [1] 64-bit */
};

/*
 * SET RUNSTATE_ADDR: map gpa's page, and the next one if the current layout
 * reaches it. -EFAULT if a page it needs is not guest memory, in which case
 * the area is deactivated (KVM drops both page caches on failure).
 */
int area_set(struct area *a, const struct guestmem *gm, uint64_t gpa, bool long_mode);
void area_clear(struct area *a);

/*
 * Publish @rs into the guest area. @atomic mirrors KVM's preemption path:
 * it never maps anything, so only a write that needs a second page never
 * set up is skipped (a compat area that crosses only in the 64-bit layout).
 * The non-atomic path maps that page. Returns 0 if written, -EFAULT if
 * skipped (the guest copy is stale until the next successful write).
 */
int area_write(struct area *a, const struct guestmem *gm, const struct rs_state *rs,
	       bool long_mode, bool update_flag, bool atomic);

#endif /* XRS_AREA_H */
