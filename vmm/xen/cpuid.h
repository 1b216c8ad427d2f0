/* SPDX-License-Identifier: MIT */
/* Xen's CPUID leaves, in place of KVM's, for every vCPU of either board. */
#ifndef XRS_VMM_XEN_CPUID_H
#define XRS_VMM_XEN_CPUID_H

#include <stdint.h>
#include "vmm/error.h"
#include "vmm/kvm.h"

enum xen_cpuid_flags {
	XEN_CPUID_NO_X2APIC = 1 << 0,	/* no in-kernel APIC to back it */
	XEN_CPUID_NO_XSAVE = 1 << 1,	/* see cpuid.c */
	XEN_CPUID_APIC_IDS = 1 << 2,	/* each vCPU's APIC id is its vCPU id */
	XEN_CPUID_NONE = 1 << 3,	/* a plain PC: KVM's own leaves, not Xen's */
	XEN_CPUID_NO_LA57_FSGSBASE = 1 << 4,	/* no 5-level paging, no FSGSBASE: see cpuid.c */
};

/*
 * KVM's supported CPUID with Xen's hypervisor leaves at 0x40000000:
 * signature, version 4.18, one hypercall page at the Xen MSR, the HVM
 * leaf with the vCPU id. Free with free(). 0 or -errno.
 */
int xen_cpuid(struct kvm_vm *vm, unsigned int flags, struct kvm_cpuid2 **out,
	      struct vmm_err *e);
/* KVM_SET_CPUID2 of @base on vCPU @c, with its own ids: 0 or -errno. */
int xen_cpuid_set(struct kvm_cpu *c, const struct kvm_cpuid2 *base, unsigned int flags,
		  struct vmm_err *e);

#endif
