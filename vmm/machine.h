/* SPDX-License-Identifier: MIT */
/*
 * The machine a board makes: a KVM VM with RAM, what the board puts in it
 * (the built-in guests' image and boot parameters, or the PC's kernel and
 * devices: pc/pc.h), Xen's CPUID leaves, and vCPUs created at the entry.
 * No threads and no accounting: the VMM (vmm.h) adds those; the KVM tests
 * and the probe drive a test box's vCPUs themselves.
 */
#ifndef XRS_VMM_MACHINE_H
#define XRS_VMM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/config.h"
#include "vmm/error.h"
#include "vmm/kvm.h"
#include "vmm/memory.h"

struct g_bootinfo;
struct linux_image;
struct pc;

struct machine {
	enum vmm_board board;
	struct kvm_vm kvm;
	struct guest_mem mem;
	struct kvm_cpuid2 *cpuid;
	unsigned int cpuid_flags;	/* xen/cpuid.h */
	enum guest_width bits;
	struct g_bootinfo *boot;	/* the test box's */
	struct pc *pc;			/* the PC's */
};

/* A test box of @ram bytes (at least vmm_ram_min) for @bits-wide guests: 0 or -errno. */
int machine_open(struct machine *mc, enum guest_width bits, uint64_t ram, const char *dev,
		 struct vmm_err *e);
/* A PC for @li (checked: linux-image.h), with Xen's CPUID leaves if @xen: 0 or -errno. */
int machine_open_pc(struct machine *mc, const struct linux_image *li, uint32_t nr_vcpus,
		    bool xen, const char *dev, struct vmm_err *e);
void machine_close(struct machine *mc);
/* Route the Xen hypercall MSR (xen/hcall-page.h), to KVM if @in_kernel. */
int machine_route_hypercalls(struct machine *mc, bool in_kernel, struct vmm_err *e);
/* vCPU @id with Xen's CPUID, at the board's entry: 0 or -errno. */
int machine_cpu_open(struct machine *mc, struct kvm_cpu *c, uint32_t id, struct vmm_err *e);

#endif
