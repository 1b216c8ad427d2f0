// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "boot.h"
#include "machine.h"
#include "xen/cpuid.h"
#include "xen/hcall-page.h"

int machine_open(struct machine *mc, enum guest_width bits, uint64_t ram, const char *dev,
		 struct vmm_err *e)
{
	int r;

	memset(mc, 0, sizeof(*mc));
	mc->kvm.fd = mc->kvm.kvm_fd = mc->mem.memfd = -1;
	mc->bits = bits;
	r = kvm_vm_open(&mc->kvm, dev, e);
	if (!r)
		r = mem_init(&mc->mem, &mc->kvm, ram, e);
	if (!r)
		r = boot_load(&mc->mem, bits, e);
	if (!r)
		r = xen_cpuid(&mc->kvm, &mc->cpuid, e);
	if (r) {
		machine_close(mc);
		return r;
	}
	mc->boot = boot_info(&mc->mem);
	return 0;
}

void machine_close(struct machine *mc)
{
	mem_fini(&mc->mem);
	kvm_vm_close(&mc->kvm);
	free(mc->cpuid);
	mc->cpuid = NULL;
}

int machine_route_hypercalls(struct machine *mc, bool in_kernel, struct vmm_err *e)
{
	return hcall_page_route(&mc->kvm, in_kernel, e);
}

int machine_cpu_open(struct machine *mc, struct kvm_cpu *c, uint32_t id, struct vmm_err *e)
{
	int r = kvm_cpu_open(&mc->kvm, c, id, e);

	if (!r && (r = kvm_cpu_set_cpuid(c, mc->cpuid)))
		err_set(e, r, "KVM_SET_CPUID2: %s", strerror(-r));
	if (!r)
		r = boot_cpu(c, mc->bits, e);
	if (r && c->fd >= 0)
		kvm_cpu_close(c);
	return r;
}
