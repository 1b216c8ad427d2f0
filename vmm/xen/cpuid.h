/* SPDX-License-Identifier: MIT */
/* Xen's CPUID leaves, in place of KVM's, for every vCPU. */
#ifndef XRS_VMM_XEN_CPUID_H
#define XRS_VMM_XEN_CPUID_H

#include "error.h"
#include "kvm.h"

/*
 * KVM's supported CPUID with Xen's hypervisor leaves at 0x40000000:
 * signature, version 4.18, one hypercall page at the Xen MSR. Free with
 * free(). 0 or -errno.
 */
int xen_cpuid(struct kvm_vm *vm, struct kvm_cpuid2 **out, struct vmm_err *e);

#endif
