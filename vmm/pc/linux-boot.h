/* SPDX-License-Identifier: MIT */
/*
 * Booting a Linux bzImage at its 64-bit entry point, as its boot protocol
 * asks: the kernel at 1 MiB, boot_params (the "zero page") with the setup
 * header, an e820 map and the command line, the initrd where
 * linux_image_load() placed it, identity-mapped page tables for the first
 * 4 GiB and a GDT with the protocol's __BOOT_CS and __BOOT_DS. Pure: it
 * writes into a RAM buffer and says where the vCPU starts; the VMM sets the
 * registers.
 */
#ifndef XRS_VMM_PC_LINUX_BOOT_H
#define XRS_VMM_PC_LINUX_BOOT_H

#include <stdint.h>
#include "vmm/pc/layout.h"

struct linux_image;

struct kernel_boot {
	uint64_t entry;			/* RIP */
	uint64_t boot_params;		/* RSI */
	uint64_t initrd, initrd_size;
};

/*
 * Lay out @li, which linux_image_load() or linux_image_plan() accepted, in
 * @ram (guest physical 0..li->ram_size, zeroed or not) and say in *@kb
 * where the vCPU starts. Everything that could not fit was refused there.
 */
void linux_boot_layout(uint8_t *ram, const struct linux_image *li, struct kernel_boot *kb);

#endif
