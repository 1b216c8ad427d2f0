// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "vmm/guest-boot.h"
#include "vmm/machine.h"
#include "vmm/pc/pc.h"
#include "vmm/xen/cpuid.h"
#include "vmm/xen/hcall-page.h"

static void machine_init(struct machine *mc, enum vmm_board board)
{
	memset(mc, 0, sizeof(*mc));
	mc->board = board;
	mc->kvm.fd = mc->kvm.kvm_fd = mc->mem.memfd = -1;
}

int machine_open(struct machine *mc, enum guest_width bits, uint64_t ram, const char *dev,
		 struct vmm_err *e)
{
	int r;

	machine_init(mc, VMM_BOARD_TESTBOX);
	mc->bits = bits;
	mc->cpuid_flags = XEN_CPUID_NO_X2APIC;	/* no in-kernel APIC */
	r = kvm_vm_open(&mc->kvm, dev, e);
	if (!r)
		r = mem_init(&mc->mem, &mc->kvm, ram, e);
	if (!r)
		r = boot_load(&mc->mem, bits, e);
	if (!r)
		r = xen_cpuid(&mc->kvm, mc->cpuid_flags, &mc->cpuid, e);
	if (r) {
		machine_close(mc);
		return r;
	}
	mc->boot = boot_info(&mc->mem);
	return 0;
}

int machine_open_pc(struct machine *mc, const struct linux_image *li, uint32_t nr_vcpus,
		    bool xen, const char *dev, struct vmm_err *e)
{
	int r;

	machine_init(mc, VMM_BOARD_PC);
	mc->bits = GUEST_64;
	mc->cpuid_flags = XEN_CPUID_NO_XSAVE | XEN_CPUID_APIC_IDS | XEN_CPUID_NO_LA57_FSGSBASE |
			  (xen ? 0 : XEN_CPUID_NONE);
	r = kvm_vm_open(&mc->kvm, dev, e);
	if (!r)
		r = pc_open(&mc->kvm, &mc->mem, li, nr_vcpus, &mc->pc, e);
	if (!r)
		r = xen_cpuid(&mc->kvm, mc->cpuid_flags, &mc->cpuid, e);
	if (r)
		machine_close(mc);
	return r;
}

void machine_close(struct machine *mc)
{
	pc_close(mc->pc);
	mc->pc = NULL;
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

	if (!r)
		r = xen_cpuid_set(c, mc->cpuid, mc->cpuid_flags, e);
	if (!r)
		r = mc->board == VMM_BOARD_PC ? pc_cpu_boot(mc->pc, c, e) : boot_cpu(c, mc->bits, e);
	if (r && c->fd >= 0)
		kvm_cpu_close(c);
	return r;
}
