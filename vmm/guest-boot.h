/* SPDX-License-Identifier: MIT */
/*
 * Booting the built-in test guests (guest/): their image, page tables and
 * GDT in RAM, the boot parameters, and each vCPU started in 64-bit long
 * mode or 32-bit protected mode at the image's entry.
 */
#ifndef XRS_VMM_GUEST_BOOT_H
#define XRS_VMM_GUEST_BOOT_H

#include <stdint.h>
#include "guest/guest-abi.h"
#include "vmm/config.h"
#include "vmm/error.h"
#include "vmm/kvm.h"
#include "vmm/memory.h"

/* RAM the test guests need for @nr_vcpus, and the 2 MiB-rounded default. */
uint64_t boot_ram_min(uint32_t nr_vcpus);
uint64_t boot_ram_default(uint32_t nr_vcpus);
/* The largest RAM the guests' page tables map. */
#define BOOT_RAM_MAX	(1ull << 30)

/* Image, page tables, GDT and a zeroed g_bootinfo in RAM: 0 or -errno. */
int boot_load(struct guest_mem *gm, enum guest_width bits, struct vmm_err *e);
/* The boot parameters the guests read, in RAM. */
struct g_bootinfo *boot_info(struct guest_mem *gm);
/* Segments, control registers and entry registers of vCPU @c: 0 or -errno. */
int boot_cpu(struct kvm_cpu *c, enum guest_width bits, struct vmm_err *e);

#endif
