/* SPDX-License-Identifier: MIT */
/* The built-in guests, linked into the binary (guest-image.S). */
#ifndef XRS_VMM_GUEST_IMAGE_H
#define XRS_VMM_GUEST_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct guest_image {
	const uint8_t *data;
	size_t size;
};

extern const struct guest_image guest_image_64;
extern const struct guest_image guest_image_32;

#endif
