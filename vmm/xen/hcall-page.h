/* SPDX-License-Identifier: MIT */
/*
 * How the guest's hypercalls reach the VMM. The guest writes Xen's
 * hypercall-page MSR; without CONFIG_KVM_XEN, KVM routes that WRMSR to user
 * space (an MSR filter) and the VMM fills the page with stubs that exit by
 * port I/O (VMCALL never leaves such a KVM). With KVM's own Xen support,
 * KVM writes the page and exits with KVM_EXIT_XEN.
 */
#ifndef XRS_VMM_XEN_HCALL_PAGE_H
#define XRS_VMM_XEN_HCALL_PAGE_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/error.h"
#include "vmm/kvm.h"
#include "vmm/memory.h"

struct xen_vcpu;

/* Route the MSR: to user space, or (@in_kernel) to KVM's Xen code. 0 or -errno. */
int hcall_page_route(struct kvm_vm *vm, bool in_kernel, struct vmm_err *e);
/*
 * Fill page @msr_value (GPA | page index) with the stubs: 0, -EINVAL (a
 * page index other than 0: CPUID 0x40000002 offers one) or -EFAULT (not RAM).
 */
int hcall_page_write(struct guest_mem *gm, uint64_t msr_value);
/* vCPU @v wrote the MSR: 0, or nonzero to refuse it with #GP. */
int hcall_page_msr(struct xen_vcpu *v, uint64_t value);

#endif
