// SPDX-License-Identifier: MIT
#include <string.h>
#include "vmm/pc/linux-boot.h"
#include "vmm/pc/linux-image.h"
#include "util/le.h"

#define PAGE		4096ull
#define E820_TABLE	0x2d0		/* struct boot_params: e820_table[] */
#define E820_ENTRIES	0x1e8		/* and its count (u8) */
#define VID_MODE	0x1fa
#define TYPE_OF_LOADER_OTHER	0xff

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t n = bp[E820_ENTRIES];
	uint8_t *e = bp + E820_TABLE + n * 20;

	put_le64(e, addr);
	put_le64(e + 8, size);
	put_le32(e + 16, type);
	bp[E820_ENTRIES] = (uint8_t)(n + 1);
}

/* 4 GiB identity-mapped with 2 MiB pages: all the 64-bit entry may touch. */
static void page_tables(uint8_t *ram)
{
	int i;

	memset(ram + KB_PML4, 0, 6 * PAGE);
	put_le64(ram + KB_PML4, KB_PDPT | 3);			/* present, writable */
	for (i = 0; i < 4; i++)
		put_le64(ram + KB_PDPT + i * 8, (KB_PD + (uint64_t)i * PAGE) | 3);
	for (i = 0; i < 4 * 512; i++)
		put_le64(ram + KB_PD + (uint64_t)i * 8, ((uint64_t)i << 21) | 0x83);	/* 2 MiB */
}

static void gdt(uint8_t *ram)
{
	memset(ram + KB_GDT, 0, 4 * 8);
	put_le64(ram + KB_GDT + KB_BOOT_CS, 0x00af9b000000ffffull);	/* 64-bit code */
	put_le64(ram + KB_GDT + KB_BOOT_DS, 0x00cf93000000ffffull);	/* data */
}

void linux_boot_layout(uint8_t *ram, const struct linux_image *li, struct kernel_boot *kb)
{
	const struct bzimage *bz = &li->bz;
	const char *cmdline = li->cmdline ? li->cmdline : "";
	uint8_t *bp = ram + KB_BOOT_PARAMS;

	memcpy(ram + KB_KERNEL, bz->kernel, bz->kernel_size);
	if (li->initrd_size)
		memcpy(ram + li->initrd_at, li->initrd, li->initrd_size);
	memcpy(ram + KB_CMDLINE, cmdline, strlen(cmdline) + 1);
	page_tables(ram);
	gdt(ram);

	/* The zero page: the setup header as the image has it, then ours. */
	memset(bp, 0, PAGE);
	memcpy(bp + BZ_SETUP_SECTS, bz->data + BZ_SETUP_SECTS, bz->header_end - BZ_SETUP_SECTS);
	put_le16(bp + VID_MODE, 0xffff);				/* "normal" */
	bp[BZ_TYPE_OF_LOADER] = TYPE_OF_LOADER_OTHER;
	bp[BZ_LOADFLAGS] |= BZ_LOADED_HIGH | BZ_CAN_USE_HEAP;
	put_le16(bp + BZ_HEAP_END_PTR, 0xfe00);
	put_le32(bp + BZ_CMD_LINE_PTR, (uint32_t)KB_CMDLINE);
	put_le32(bp + BZ_RAMDISK_IMAGE, (uint32_t)li->initrd_at);
	put_le32(bp + BZ_RAMDISK_SIZE, (uint32_t)li->initrd_size);
	e820_add(bp, 0, KB_LOW_RAM_END, E820_RAM);
	e820_add(bp, KB_LOW_RAM_END, KB_KERNEL - KB_LOW_RAM_END, E820_RESERVED);
	e820_add(bp, KB_KERNEL, li->ram_size - KB_KERNEL, E820_RAM);

	kb->entry = KB_KERNEL + 0x200;			/* startup_64 */
	kb->boot_params = KB_BOOT_PARAMS;
	kb->initrd = li->initrd_at;
	kb->initrd_size = li->initrd_size;
}
