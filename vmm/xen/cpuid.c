// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "xen-abi/xen.h"
#include "xen/cpuid.h"

enum {
	CPUID_HV_BASE = 0x40000000,	/* signature, highest leaf */
	CPUID_HV_VERSION = 0x40000001,
	CPUID_HV_HCALL = 0x40000002,	/* hypercall pages and their MSR */
	CPUID_HV_END = 0x40010000,
	CPUID_MAX_ENTRIES = 256,
};

#define XEN_VERSION_4_18	0x00040012u
#define CPUID_1_ECX_X2APIC	(1u << 21)

int xen_cpuid(struct kvm_vm *vm, struct kvm_cpuid2 **out, struct vmm_err *e)
{
	struct kvm_cpuid2 *c;
	uint32_t i, n = 0;

	c = calloc(1, sizeof(*c) + (CPUID_MAX_ENTRIES + 3) * sizeof(c->entries[0]));
	if (!c)
		return err_set(e, -ENOMEM, "out of memory");
	c->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		int r = err_set(e, -errno, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));

		free(c);
		return r;
	}
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *x = &c->entries[i];

		if (x->function >= CPUID_HV_BASE && x->function < CPUID_HV_END)
			continue;
		/* Without an in-kernel APIC the guest must not rely on x2APIC. */
		if (x->function == 1)
			x->ecx &= ~CPUID_1_ECX_X2APIC;
		c->entries[n++] = *x;
	}
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_BASE, .eax = CPUID_HV_HCALL,
		.ebx = 0x566e6558, .ecx = 0x65584d4d, .edx = 0x4d4d566e,	/* XenVMMXenVMM */
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_VERSION, .eax = XEN_VERSION_4_18,
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_HCALL, .eax = 1, .ebx = XEN_HYPERCALL_MSR,
	};
	c->nent = n;
	*out = c;
	return 0;
}
