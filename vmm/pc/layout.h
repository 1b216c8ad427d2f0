/* SPDX-License-Identifier: MIT */
/*
 * Where a PC's boot puts things in guest-physical memory: the loader's
 * checks (linux-image.h) and the layout itself (linux-boot.h) both go by it.
 */
#ifndef XRS_VMM_PC_LAYOUT_H
#define XRS_VMM_PC_LAYOUT_H

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

#endif
