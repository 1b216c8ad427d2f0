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

struct linux_image;

/* Guest-physical layout below 1 MiB, and where the kernel goes. */
#define KB_GDT		0x1000ull
#define KB_PML4		0x2000ull
#define KB_PDPT		0x3000ull
#define KB_PD		0x4000ull	/* 4 pages: 4 GiB of 2 MiB pages */
#define KB_BOOT_PARAMS	0x10000ull
#define KB_CMDLINE	0x20000ull
#define KB_CMDLINE_MAX	0x10000ull
#define KB_LOW_RAM_END	0x9fc00ull	/* then the EBDA and BIOS area */
#define KB_MPTABLE	0xf0000ull	/* the MP tables live in the BIOS area */
#define KB_KERNEL	0x100000ull

#define KB_BOOT_CS	0x10		/* the boot protocol's selectors */
#define KB_BOOT_DS	0x18

#define KB_RAM_MAX	(3ull << 30)	/* below the 32-bit PCI/APIC hole */

#define E820_RAM	1
#define E820_RESERVED	2

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
