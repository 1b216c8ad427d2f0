/* SPDX-License-Identifier: MIT */
/*
 * A Linux x86 bzImage, as its boot protocol describes it
 * (Documentation/arch/x86/boot.rst): the real-mode setup sectors with the
 * setup header, then the protected-mode kernel. Only what a VMM that enters
 * the 64-bit entry point needs. Pure: bytes in, facts out.
 */
#ifndef XRS_VMM_PC_BZIMAGE_H
#define XRS_VMM_PC_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Offsets into the image, which are also those into struct boot_params. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_BOOT_FLAG		0x1fe	/* 0xaa55 */
#define BZ_JUMP			0x200	/* its second byte ends the header */
#define BZ_HEADER		0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_TYPE_OF_LOADER	0x210
#define BZ_LOADFLAGS		0x211
#define BZ_RAMDISK_IMAGE	0x218
#define BZ_RAMDISK_SIZE		0x21c
#define BZ_HEAP_END_PTR		0x224
#define BZ_CMD_LINE_PTR		0x228
#define BZ_INITRD_ADDR_MAX	0x22c
#define BZ_KERNEL_ALIGNMENT	0x230
#define BZ_RELOCATABLE		0x234
#define BZ_XLOADFLAGS		0x236
#define BZ_CMDLINE_SIZE		0x238
#define BZ_PREF_ADDRESS		0x258
#define BZ_INIT_SIZE		0x260

#define BZ_LOADED_HIGH		0x01	/* loadflags */
#define BZ_CAN_USE_HEAP		0x80
#define BZ_XLF_KERNEL_64	0x01	/* xloadflags: a 64-bit entry at +0x200 */
#define BZ_MIN_VERSION		0x020c	/* 2.12: xloadflags */

struct bzimage {
	const uint8_t *data;
	size_t size;
	uint16_t version;
	size_t setup_size;		/* bytes before the protected-mode kernel */
	size_t header_end;		/* the setup header is [0x1f1, header_end) */
	const uint8_t *kernel;		/* the protected-mode kernel */
	size_t kernel_size;
	uint32_t init_size;		/* memory it needs from its load address */
	uint32_t cmdline_size;		/* longest command line, without the NUL */
	uint32_t initrd_addr_max;	/* highest byte an initrd may use */
	uint32_t kernel_alignment;	/* a relocatable kernel runs aligned to this */
	uint64_t pref_address;		/* LOAD_PHYSICAL_ADDR: where it runs at the lowest */
	int relocatable;
};

/*
 * Check @data as a 64-bit-bootable bzImage: 0 and *@bz, or -EINVAL with
 * the reason in @why.
 */
int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *bz, char *why, size_t len);

/*
 * Where the kernel loaded at @load and entered at its 64-bit entry runs,
 * that is decompresses, needing init_size from there: its own choice, not
 * the loader's (Linux's arch/x86/boot/compressed/head_64.S).
 */
uint64_t bzimage_run_start(const struct bzimage *bz, uint64_t load);

#endif
