// SPDX-License-Identifier: MIT
/*
 * Runstate areas in every place a guest may put them: by virtual address in
 * a page and across a page, by physical address the same, and (vCPU 0) by a
 * virtual address whose two pages are not physically adjacent. Each one is
 * exercised (block on a timer, compute, yield) and checked by the guest,
 * reported (the VMM compares the guest's view with GET DATA), then offered
 * to the host's test hook (G_UCALL_SYNC: step, area VA), which decodes the
 * bytes at the physical pages and compares them too.
 */
#include "guest/guest-runstate.h"
#include "guest/programs.h"

enum { IN_PAGE_VA, CROSS_VA, IN_PAGE_PA, CROSS_PA, WINDOW_VA, STEPS };

static void exercise(struct gcpu *c)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags;
	} __attribute__((packed)) t = { now_ns(c) + 2000000, 0 };

	hypercall(XEN_HC_vcpu_op, VCPUOP_set_singleshot_timer, c->id,
		  (unsigned long)(uintptr_t)&t);
	hypercall(XEN_HC_sched_op, SCHEDOP_block, 0, 0);
	delay_ns(c, 1000000);
	hypercall(XEN_HC_sched_op, SCHEDOP_yield, 0, 0);
	outl(G_PORT_TICK, 0);
}

void prog_area_views(struct gcpu *c)
{
	/* The vCPU's 2-page data block: struct gcpu at its start, room at the seam. */
	uint8_t *cross = (uint8_t *)c + G_PAGE - 20;
	uint8_t *window = (uint8_t *)(uintptr_t)(G_WINDOW_VA + G_PAGE - 20);
	volatile uint8_t *where[STEPS] = { c->area, cross, c->area, cross, window };
	uint32_t step;

	hypercall_page_install();
	for (step = 0; step < STEPS; step++) {
		if (step == WINDOW_VA && c->id != 0)
			break;		/* one window, for vCPU 0 */
		c->last = (struct rs_view){ 0 };	/* a new area starts afresh */
		GUEST_ASSERT_EQ(c, register_area(c, where[step],
						 step == IN_PAGE_PA || step == CROSS_PA), 0);
		exercise(c);
		GUEST_ASSERT_EQ(c, check_own_area(c), 0);
		report(c);
		ucall(c, G_UCALL_SYNC, step, (uint64_t)(uintptr_t)where[step], 0, 0);
	}
}
