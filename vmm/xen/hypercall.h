/* SPDX-License-Identifier: MIT */
/*
 * The Xen hypercall decoder and dispatcher: a hypercall's number and
 * arguments from the stub's registers (or from KVM_EXIT_XEN) in Xen's
 * calling convention for the guest's width, dispatched through one table to
 * the rooms that answer it (sched, runstate, console, and the HVM
 * platform's: platform, evtchn), for the test guests and Linux alike. As in
 * Xen, only the guest's kernel may call: at CPL > 0 every hypercall gets
 * -EPERM and changes nothing. Every argument comes from the guest: a bad
 * one gets Xen's errno back and the VMM carries on.
 */
#ifndef XRS_VMM_XEN_HYPERCALL_H
#define XRS_VMM_XEN_HYPERCALL_H

#include <stdint.h>

struct xen_vcpu;

/* Answer the hypercall a stub made by port I/O: registers in, rax out. */
void hcall_from_port(struct xen_vcpu *v, uint32_t nr);
/* Answer a KVM_EXIT_XEN hypercall (KVM's own hypercall page). */
void hcall_from_kvm_exit(struct xen_vcpu *v);

#endif
