/* SPDX-License-Identifier: MIT */
/*
 * The machine the built-in guests run on: a KVM VM with RAM, the guests'
 * image and boot parameters, Xen's CPUID leaves, and vCPUs created at the
 * image's entry. No threads and no accounting: the VMM (vmm.h) adds those;
 * the KVM tests and the probe drive a machine's vCPUs themselves.
 */
#ifndef XRS_VMM_MACHINE_H
#define XRS_VMM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "error.h"
#include "kvm.h"
#include "memory.h"

struct g_bootinfo;

struct machine {
	struct kvm_vm kvm;
	struct guest_mem mem;
	struct kvm_cpuid2 *cpuid;
	struct g_bootinfo *boot;
	enum guest_width bits;
};

/* A VM of @ram bytes (at least vmm_ram_min) for @bits-wide guests: 0 or -errno. */
int machine_open(struct machine *mc, enum guest_width bits, uint64_t ram, const char *dev,
		 struct vmm_err *e);
void machine_close(struct machine *mc);
/* Route the Xen hypercall MSR (xen/hcall-page.h), to KVM if @in_kernel. */
int machine_route_hypercalls(struct machine *mc, bool in_kernel, struct vmm_err *e);
/* vCPU @id with Xen's CPUID, at the image's entry: 0 or -errno. */
int machine_cpu_open(struct machine *mc, struct kvm_cpu *c, uint32_t id, struct vmm_err *e);

#endif
