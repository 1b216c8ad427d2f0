/* SPDX-License-Identifier: MIT */
/* The fuzzers' input: a byte stream read as big-endian numbers, zeros past its end. */
#ifndef XRS_FUZZ_INPUT_H
#define XRS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

#endif
