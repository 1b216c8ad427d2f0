// SPDX-License-Identifier: MIT
/*
 * The host's side of G_PROG_AREA_VIEWS: at each sync the guest names its
 * area's virtual address; decode the bytes its physical pages hold and
 * compare them with GET DATA.
 */
#include <stdio.h>
#include <string.h>
#include "tests/kvm/views.h"
#include "vmm/xen/runstate.h"

static const uint8_t *phys(struct vmm *m, uint64_t va, uint64_t len)
{
	/* Identity below the window; the window's pages are G_WINDOW_PA0/1. */
	if (va >= G_WINDOW_VA && va < G_WINDOW_VA + G_PAGE)
		return mem_ram(&m->mc.mem, G_WINDOW_PA0 + (va - G_WINDOW_VA), len);
	if (va >= G_WINDOW_VA + G_PAGE && va < G_WINDOW_VA + 2 * G_PAGE)
		return mem_ram(&m->mc.mem, G_WINDOW_PA1 + (va - G_WINDOW_VA - G_PAGE), len);
	return mem_ram(&m->mc.mem, va, len);
}

/* The area's bytes as the guest's physical pages hold them, page by page. */
static int read_area(struct vmm *m, uint64_t va, uint8_t *out, uint64_t len)
{
	while (len) {
		uint64_t n = G_PAGE - (va & (G_PAGE - 1));
		const uint8_t *p;

		if (n > len)
			n = len;
		p = phys(m, va, n);
		if (!p)
			return -1;
		memcpy(out, p, n);
		out += n;
		va += n;
		len -= n;
	}
	return 0;
}

int views_on_sync(struct vmm *m, struct vmm_vcpu *v, struct g_ucall *uc, void *opaque)
{
	struct views *w = opaque;
	struct kvm_xen_vcpu_attr d;
	unsigned int ofs = m->cfg.bits == 64 ? 8 : 4;
	uint8_t img[48];
	uint64_t entry;
	int32_t state;

	if (uc->cmd != G_UCALL_SYNC)
		return 0;
	if (runstate_get(&v->xen, &d) || read_area(m, uc->arg[1], img, ofs + 40)) {
		w->bad++;
		return 0;
	}
	memcpy(&state, img, 4);
	memcpy(&entry, img + ofs, 8);
	if ((uint64_t)state != d.u.runstate.state || entry != d.u.runstate.state_entry_time ||
	    memcmp(img + ofs + 8, &d.u.runstate.time_running, 32)) {
		snprintf(w->why, sizeof(w->why), "vCPU %u step %llu: area bytes differ from GET DATA",
			 v->id, (unsigned long long)uc->arg[0]);
		w->bad++;
	}
	if (v->id < 8)
		w->steps[v->id]++;
	return 0;
}

