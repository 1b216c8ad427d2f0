// SPDX-License-Identifier: MIT
/* The first programs: the building blocks of xrs run, proven on real KVM. */
#include "guest/guest-runstate.h"
#include "guest/programs.h"

/* arg[0] bare exits on G_PORT_TICK, each carrying its sequence number, then HLT. */
void prog_io_loop(struct gcpu *c)
{
	uint64_t i, n = c->boot->arg[0];

	for (i = 0; i < n; i++)
		outl(G_PORT_TICK, (uint32_t)i);
	halt();
}

/* Install the hypercall page (WRMSR reaches the VMM), then use it. */
void prog_hcall_page(struct gcpu *c)
{
	long v;

	hypercall_page_install();
	v = hypercall(XEN_HC_xen_version, 0, 0, 0);
	ucall(c, G_UCALL_SYNC, 1, (uint64_t)v, 0, 0);
}
