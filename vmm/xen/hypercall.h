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

#include <stdbool.h>
#include <stdint.h>
#include "xen-abi/xen.h"

struct vmm_vcpu;

struct hcall {
	struct vmm_vcpu *v;		/* the caller */
	uint64_t a[5];			/* arguments, in Xen's order */
	bool lm;			/* the guest's ABI: 64-bit registers and layouts */
	uint32_t cpl;			/* the caller's privilege level */
};

/* Argument @i as the guest's width has it (32-bit guests pass 32-bit words). */
uint64_t hcall_arg(const struct hcall *h, int i);
/* Guest memory at virtual address @gva of the caller: 0 or -XEN_EFAULT. */
int hcall_read(const struct hcall *h, uint64_t gva, void *buf, uint64_t len);
int hcall_write(const struct hcall *h, uint64_t gva, const void *buf, uint64_t len);

/* Answer the hypercall a stub made by port I/O: registers in, rax out. */
void hcall_from_port(struct vmm_vcpu *v, uint32_t nr);
/* Answer a KVM_EXIT_XEN hypercall (KVM's own hypercall page). */
void hcall_from_kvm_exit(struct vmm_vcpu *v);

#endif
