/* SPDX-License-Identifier: MIT */
/*
 * One hypercall as the rooms see it: the caller, its arguments in Xen's
 * order and width, and the caller's memory by virtual address. Made by the
 * dispatcher (hypercall.h) from either transport.
 */
#ifndef XRS_VMM_XEN_HCALL_H
#define XRS_VMM_XEN_HCALL_H

#include <stdbool.h>
#include <stdint.h>
#include "xen-abi/xen-public.h"

struct xen_vcpu;

struct hcall {
	struct xen_vcpu *v;		/* the caller */
	uint64_t a[5];			/* arguments, in Xen's order */
	bool lm;			/* the guest's ABI: 64-bit registers and layouts */
	uint32_t cpl;			/* the caller's privilege level */
};

/* Argument @i as the guest's width has it (32-bit guests pass 32-bit words). */
uint64_t hcall_arg(const struct hcall *h, int i);
/* Guest memory at virtual address @gva of the caller: 0 or -XEN_EFAULT. */
int hcall_read(const struct hcall *h, uint64_t gva, void *buf, uint64_t len);
int hcall_write(const struct hcall *h, uint64_t gva, const void *buf, uint64_t len);

#endif
