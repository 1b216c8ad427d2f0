// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>
#include "guest/guest-abi.h"
#include "vmm/ucall.h"
#include "vmm/vm.h"

/* A string the guest names by address, at most @max bytes of RAM; "?" if none. */
static const char *guest_string(struct vmm *m, uint64_t gpa, size_t max, size_t *len)
{
	const char *s = mem_ram(&m->mc.mem, gpa, 1);
	const struct mem_region *ram = mem_ram_region(&m->mc.mem);

	if (!s) {
		*len = 1;
		return "?";
	}
	if (max > ram->size - gpa)
		max = ram->size - gpa;
	*len = strnlen(s, max);
	return s;
}

static void guest_assert_failed(struct vmm_vcpu *v, const struct g_ucall *uc)
{
	size_t nw, nf;
	const char *what = guest_string(v->vmm, uc->arg[0], 120, &nw);
	const char *file = guest_string(v->vmm, uc->arg[4], 60, &nf);

	atomic_fetch_add(&v->guest_violations, 1);
	vmm_fail(v, "guest assert failed at %.*s:%" PRIu64 ": %.*s (%#" PRIx64 ", %#" PRIx64 ")",
		 (int)nf, file, uc->arg[1], (int)nw, what, uc->arg[2], uc->arg[3]);
}

static void report(struct vmm_vcpu *v, const struct g_ucall *uc)
{
	const struct vmm_hooks *hooks = v->vmm->cfg.hooks;
	const struct g_report *r = mem_ram(&v->vmm->mc.mem, uc->arg[0], sizeof(*r));

	if (!r)
		return;
	pthread_mutex_lock(&v->lock);
	memcpy(v->report, r, sizeof(*r));
	pthread_mutex_unlock(&v->lock);
	atomic_store(&v->guest_checks, r->checks);
	atomic_store(&v->guest_violations, r->violations);
	if (hooks && hooks->report)
		hooks->report(v, r);
}

void ucall_handle(struct vmm_vcpu *v, uint64_t gpa)
{
	struct vmm *m = v->vmm;
	struct g_ucall *uc = mem_ram(&m->mc.mem, gpa, sizeof(*uc));

	if (!uc) {
		vmm_fail(v, "ucall message outside RAM (%#" PRIx64 ")", gpa);
		return;
	}
	switch (uc->cmd) {
	case G_UCALL_REPORT:
		report(v, uc);
		break;
	case G_UCALL_DONE:
		atomic_store(&v->done, true);
		break;
	case G_UCALL_FAIL:
		guest_assert_failed(v, uc);
		return;
	}
	if (m->cfg.on_ucall && m->cfg.on_ucall(m, v, uc, m->cfg.opaque))
		vmm_fail(v, "test hook rejected ucall %u", uc->cmd);
}
