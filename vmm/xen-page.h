/* SPDX-License-Identifier: MIT */
#ifndef XRS_VMM_XEN_PAGE_H
#define XRS_VMM_XEN_PAGE_H

#include <stdint.h>
#include "kvm.h"

/*
 * The guest wrote the Xen hypercall-page MSR: fill page @msr_value (GPA |
 * page index) with stubs that enter the VMM by port I/O, since VMCALL never
 * leaves a KVM without CONFIG_KVM_XEN. 0, -EINVAL (page index not 0: one
 * page only, per CPUID 0x40000002) or -EFAULT (not RAM).
 */
int xen_write_hypercall_page(struct kvm_vm *vm, uint64_t msr_value);

#endif
