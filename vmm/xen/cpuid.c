// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vmm/xen/cpuid.h"
#include "vmm/xen/version.h"
#include "xen-abi/xen-public.h"

enum {
	CPUID_HV_BASE = 0x40000000,	/* signature, highest leaf */
	CPUID_HV_VERSION = 0x40000001,
	CPUID_HV_HCALL = 0x40000002,	/* hypercall pages and their MSR */
	CPUID_HV_FEATURES = 0x40000003,	/* time features: none offered */
	CPUID_HV_HVM = 0x40000004,	/* HVM: the vCPU id */
	CPUID_HV_END = 0x40010000,
	CPUID_KVM_ENTRIES = 256,
	CPUID_XEN_ENTRIES = 5,
};

#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_XSAVE	(1u << 26)
#define CPUID_1_ECX_OSXSAVE	(1u << 27)
#define CPUID_1_ECX_AVX		(1u << 28)
#define CPUID_7_ECX_LA57	(1u << 16)
#define CPUID_7_EBX_FSGSBASE	(1u << 0)

static size_t cpuid_bytes(uint32_t nent)
{
	return sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
}

static void adjust(struct kvm_cpuid_entry2 *x, unsigned int flags)
{
	/*
	 * 5-level paging and the FS/GS base instructions: under the sandbox's
	 * nested SVM (emulated by TCG) Linux guests using them were seen to
	 * lose their GS base on interrupts from user mode and to corrupt
	 * their own state (docs/linux-guest.md); without them it is rare.
	 */
	if (x->function == 7 && x->index == 0 && (flags & XEN_CPUID_NO_LA57_FSGSBASE)) {
		x->ecx &= ~CPUID_7_ECX_LA57;
		x->ebx &= ~CPUID_7_EBX_FSGSBASE;
	}
	if (x->function != 1)
		return;
	/* Without an in-kernel APIC the guest must not rely on x2APIC. */
	if (flags & XEN_CPUID_NO_X2APIC)
		x->ecx &= ~CPUID_1_ECX_X2APIC;
	/*
	 * Under the sandbox's emulated SVM, KVM leaves CPUID.0xD's size for
	 * the enabled XCR0 at the x87+SSE one, and Linux WARNs at the mismatch
	 * ("XSAVE consistency problem"): FXSAVE does for a test guest.
	 */
	if (flags & XEN_CPUID_NO_XSAVE)
		x->ecx &= ~(CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX);
}

int xen_cpuid(struct kvm_vm *vm, unsigned int flags, struct kvm_cpuid2 **out,
	      struct vmm_err *e)
{
	struct kvm_cpuid2 *c;
	uint32_t i, n = 0;

	/* room for KVM's entries and ours, whatever KVM fills */
	c = calloc(1, cpuid_bytes(CPUID_KVM_ENTRIES + CPUID_XEN_ENTRIES));
	if (!c)
		return err_set(e, -ENOMEM, "out of memory");
	c->nent = CPUID_KVM_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		int r = err_set(e, -errno, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));

		free(c);
		return r;
	}
	for (i = 0; i < c->nent && i < CPUID_KVM_ENTRIES; i++) {
		struct kvm_cpuid_entry2 *x = &c->entries[i];

		if (x->function >= CPUID_HV_BASE && x->function < CPUID_HV_END &&
		    !(flags & XEN_CPUID_NONE))
			continue;	/* KVM's own leaves go */
		adjust(x, flags);
		c->entries[n++] = *x;
	}
	if (flags & XEN_CPUID_NONE) {
		c->nent = n;
		*out = c;
		return 0;
	}
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_BASE, .eax = CPUID_HV_HVM,
		.ebx = 0x566e6558, .ecx = 0x65584d4d, .edx = 0x4d4d566e,	/* XenVMMXenVMM */
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_VERSION, .eax = XEN_VERSION_NUMBER,
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_HCALL, .eax = 1, .ebx = XEN_HYPERCALL_MSR,
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = CPUID_HV_FEATURES };
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = CPUID_HV_HVM, .eax = XEN_CPUID_HVM_VCPU_ID_PRESENT,
	};
	c->nent = n;
	*out = c;
	return 0;
}

int xen_cpuid_set(struct kvm_cpu *c, const struct kvm_cpuid2 *base, unsigned int flags,
		  struct vmm_err *e)
{
	struct kvm_cpuid2 *own = malloc(cpuid_bytes(base->nent));
	uint32_t i;
	int r;

	if (!own)
		return err_set(e, -ENOMEM, "out of memory");
	memcpy(own, base, cpuid_bytes(base->nent));
	for (i = 0; i < own->nent; i++) {
		struct kvm_cpuid_entry2 *x = &own->entries[i];

		if (x->function == CPUID_HV_HVM)
			x->ebx = c->id;
		if (!(flags & XEN_CPUID_APIC_IDS))
			continue;
		if (x->function == 1)
			x->ebx = (x->ebx & 0x00ffffff) | c->id << 24;
		if (x->function == 0xb || x->function == 0x1f)
			x->edx = c->id;
	}
	r = kvm_cpu_set_cpuid(c, own);
	free(own);
	return r ? err_set(e, r, "KVM_SET_CPUID2 on vCPU %u: %s", c->id, strerror(-r)) : 0;
}
