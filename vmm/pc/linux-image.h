/* SPDX-License-Identifier: MIT */
/*
 * A Linux guest's image, checked before the VMM asks KVM for anything: the
 * bzImage and the initrd read from regular files, the command line, and
 * where each goes in the RAM asked for. The kernel is loaded at 1 MiB but
 * runs, that is decompresses itself, where it chooses (bzimage_run_start)
 * and needs init_size from there; the initrd goes at the top of what the
 * kernel may use, above that window. What does not fit is refused here with
 * a reason that names the file or the option, so the layout cannot fail.
 */
#ifndef XRS_VMM_PC_LINUX_IMAGE_H
#define XRS_VMM_PC_LINUX_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "vmm/pc/bzimage.h"

struct linux_image {
	uint8_t *kernel_data;		/* the bzImage file, which bz describes */
	size_t kernel_file_size;
	struct bzimage bz;
	uint8_t *initrd;		/* NULL without one */
	size_t initrd_size;
	const char *cmdline;		/* the caller's: not copied, NULL is "" */
	uint64_t ram_size;
	uint64_t run_start, run_end;	/* the window the kernel decompresses in */
	uint64_t initrd_at;
};

/*
 * Read and check @kernel, @initrd (may be NULL) and @cmdline against
 * @ram_size bytes of guest RAM: 0 and *@li for linux_boot_layout(), or
 * -errno with the reason in @why: -ENOENT, -EACCES... as open(2) says,
 * -EINVAL for what is not a regular file or not a bootable bzImage or a
 * command line longer than the kernel takes, -E2BIG for what does not fit
 * in RAM. Files are opened without blocking (a FIFO is refused, not waited
 * on) and nothing is read before its size is known to fit. A refused *@li
 * holds nothing (linux_image_free() on it is harmless).
 */
int linux_image_load(struct linux_image *li, const char *kernel, const char *initrd,
		     const char *cmdline, uint64_t ram_size, char *why, size_t len);

/*
 * linux_image_load()'s checks on what *@li already holds (bz, initrd_size,
 * cmdline, ram_size), without files: 0 with run_start, run_end and
 * initrd_at set, or -EINVAL/-E2BIG with the reason in @why.
 */
int linux_image_plan(struct linux_image *li, char *why, size_t len);

/* The least RAM, in bytes, for the kernel and initrd in *@li: for messages. */
uint64_t linux_image_ram_needed(const struct linux_image *li);

void linux_image_free(struct linux_image *li);

#endif
