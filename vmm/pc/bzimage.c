// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "vmm/pc/bzimage.h"
#include "util/le.h"
#include "util/msg.h"

int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *bz, char *why, size_t len)
{
	unsigned int sects;

	memset(bz, 0, sizeof(*bz));
	if (size < BZ_INIT_SIZE + 4)
		return msg_ret(why, len, -EINVAL, "%zu bytes: too small for a bzImage", size);
	if (get_le16(data + BZ_BOOT_FLAG) != 0xaa55 || memcmp(data + BZ_HEADER, "HdrS", 4))
		return msg_ret(why, len, -EINVAL, "not a bzImage (no boot flag 0xaa55 and \"HdrS\" header)");
	bz->version = get_le16(data + BZ_VERSION);
	if (bz->version < BZ_MIN_VERSION)
		return msg_ret(why, len, -EINVAL, "boot protocol %u.%02u: 2.12 or later is needed",
			   bz->version >> 8, bz->version & 0xff);
	if (!(get_le16(data + BZ_XLOADFLAGS) & BZ_XLF_KERNEL_64))
		return msg_ret(why, len, -EINVAL, "no 64-bit entry point (a 32-bit kernel?)");
	if (!(data[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return msg_ret(why, len, -EINVAL, "a zImage, not a bzImage (not loaded high)");
	sects = data[BZ_SETUP_SECTS] ? data[BZ_SETUP_SECTS] : 4;
	bz->setup_size = (size_t)(sects + 1) * 512;
	bz->header_end = BZ_JUMP + 2 + data[BZ_JUMP + 1];
	if (bz->setup_size >= size || bz->header_end > bz->setup_size)
		return msg_ret(why, len, -EINVAL, "setup of %zu bytes in a %zu-byte file", bz->setup_size, size);
	bz->data = data;
	bz->size = size;
	bz->kernel = data + bz->setup_size;
	bz->kernel_size = size - bz->setup_size;
	bz->init_size = get_le32(data + BZ_INIT_SIZE);
	bz->cmdline_size = get_le32(data + BZ_CMDLINE_SIZE);
	bz->initrd_addr_max = get_le32(data + BZ_INITRD_ADDR_MAX);
	bz->pref_address = (uint64_t)get_le32(data + BZ_PREF_ADDRESS) |
			   (uint64_t)get_le32(data + BZ_PREF_ADDRESS + 4) << 32;
	bz->relocatable = data[BZ_RELOCATABLE];
	bz->kernel_alignment = get_le32(data + BZ_KERNEL_ALIGNMENT);
	if (bz->init_size < bz->kernel_size)
		return msg_ret(why, len, -EINVAL, "init_size %u is less than the kernel's %zu bytes",
			   bz->init_size, bz->kernel_size);
	/* head_64.S rounds up with it as a mask: anything else lands anywhere */
	if (bz->relocatable && (!bz->kernel_alignment ||
				(bz->kernel_alignment & (bz->kernel_alignment - 1))))
		return msg_ret(why, len, -EINVAL, "kernel_alignment %#x is not a power of two",
			   bz->kernel_alignment);
	return 0;
}

uint64_t bzimage_run_start(const struct bzimage *bz, uint64_t load)
{
	uint64_t at;

	if (!bz->relocatable)
		return bz->pref_address;
	at = (load + bz->kernel_alignment - 1) & ~((uint64_t)bz->kernel_alignment - 1);
	return at < bz->pref_address ? bz->pref_address : at;
}
