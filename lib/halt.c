// SPDX-License-Identifier: MIT
/*
 * The default halt source (halt.h): KVM's binary statistics of a vCPU fd.
 * The file is a header, descriptors and data (Documentation/virt/kvm/api.rst,
 * "KVM_GET_STATS_FD"); its layout is defined here by the documented format,
 * so libxrs builds against any <linux/kvm.h>. Opened once, at xrs_vcpu_create;
 * read with one pread per sample from whichever thread samples.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "lib/halt.h"

#define STATS_FD_IOCTL	_IO(0xAE, 0xce)		/* KVM_GET_STATS_FD */

struct stats_header {
	uint32_t flags, name_size, num_desc, id_offset, desc_offset, data_offset;
};

struct stats_desc {
	uint32_t flags;
	int16_t exponent;
	uint16_t size;
	uint32_t offset;
	uint32_t bucket_size;
	/* char name[name_size] follows */
};

#define STATS_TYPE_MASK		0xfu
#define STATS_TYPE_CUMULATIVE	0x0u
#define STATS_UNIT_MASK		0xf0u
#define STATS_UNIT_SECONDS	0x20u
#define STATS_BASE_MASK		0xf00u
#define STATS_BASE_POW10	0x000u
/* Bounds that no KVM comes near (it has 48-byte names, about 100 stats). */
#define STATS_NAME_MAX		4096u
#define STATS_DESC_MAX		65536u

/* halt_wait_ns first: the one a source cannot do without. */
static const char *const halt_names[HALT_NR_STATS] = {
	"halt_wait_ns", "halt_poll_success_ns", "halt_poll_fail_ns",
};

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EINVAL;
}

/* A u64 counter of nanoseconds, summed over time: what the three are. */
static bool is_ns_counter(const struct stats_desc *d)
{
	return (d->flags & STATS_TYPE_MASK) == STATS_TYPE_CUMULATIVE &&
	       (d->flags & STATS_UNIT_MASK) == STATS_UNIT_SECONDS &&
	       (d->flags & STATS_BASE_MASK) == STATS_BASE_POW10 &&
	       d->exponent == -9 && d->size == 1;
}

static int find_counters(const uint8_t *descs, const struct stats_header *hd,
			 uint64_t off[HALT_NR_STATS])
{
	size_t stride = sizeof(struct stats_desc) + hd->name_size;
	uint32_t i;
	int k;

	for (k = 0; k < HALT_NR_STATS; k++)
		off[k] = 0;
	for (i = 0; i < hd->num_desc; i++) {
		const uint8_t *p = descs + (size_t)i * stride;
		const char *name = (const char *)p + sizeof(struct stats_desc);
		struct stats_desc d;

		memcpy(&d, p, sizeof(d));
		for (k = 0; k < HALT_NR_STATS; k++) {
			if (strnlen(name, hd->name_size) != strlen(halt_names[k]) ||
			    memcmp(name, halt_names[k], strlen(halt_names[k])))
				continue;
			/* One in another unit is not what its name says here. */
			if (is_ns_counter(&d))
				off[k] = (uint64_t)hd->data_offset + d.offset;
		}
	}
	return off[0] ? 0 : -ENOENT;
}

static int read_descs(int fd, const struct stats_header *hd, uint64_t off[HALT_NR_STATS])
{
	size_t len;
	uint8_t *descs;
	int r;

	if (!hd->name_size || hd->name_size > STATS_NAME_MAX || hd->num_desc > STATS_DESC_MAX)
		return -EINVAL;
	len = (size_t)hd->num_desc * (sizeof(struct stats_desc) + hd->name_size);
	if (!len)
		return -ENOENT;
	descs = malloc(len);
	if (!descs)
		return -ENOMEM;
	r = pread_all(fd, descs, len, hd->desc_offset);
	if (!r)
		r = find_counters(descs, hd, off);
	free(descs);
	return r;
}

/* One pread for counters that lie close together (in KVM they are adjacent). */
static void lay_out(struct halt_kvm *h, const uint64_t off[HALT_NR_STATS])
{
	uint64_t lo = UINT64_MAX, hi = 0;
	uint32_t k;

	h->nr = 0;
	for (k = 0; k < HALT_NR_STATS; k++) {
		if (!off[k])
			continue;
		lo = off[k] < lo ? off[k] : lo;
		hi = off[k] + 8 > hi ? off[k] + 8 : hi;
		h->at[h->nr++] = (uint32_t)off[k];
	}
	if (hi - lo <= HALT_SPAN_MAX) {
		h->span_off = (uint32_t)lo;
		h->span_len = (uint32_t)(hi - lo);
		for (k = 0; k < h->nr; k++)
			h->at[k] -= h->span_off;
	} else {
		h->span_off = h->span_len = 0;
	}
}

int halt_kvm_parse(struct halt_kvm *h, int stats_fd)
{
	struct stats_header hd;
	uint64_t off[HALT_NR_STATS];
	uint32_t k;
	int r;

	h->fd = -1;
	r = pread_all(stats_fd, &hd, sizeof(hd), 0);
	if (!r)
		r = read_descs(stats_fd, &hd, off);
	for (k = 0; !r && k < HALT_NR_STATS; k++)
		if (off[k] > UINT32_MAX - 8)
			r = -EINVAL;
	if (r) {
		close(stats_fd);
		return r;
	}
	lay_out(h, off);
	h->fd = stats_fd;
	/* Read once now: a counter past the end of the file fails here, not later. */
	if (halt_kvm_read(h) == HALT_NONE) {
		halt_kvm_close(h);
		return -EINVAL;
	}
	return 0;
}

int halt_kvm_open(struct halt_kvm *h, int vcpu_fd)
{
	int fd = ioctl(vcpu_fd, STATS_FD_IOCTL, NULL);

	h->fd = -1;
	if (fd < 0) {
		/* x86 KVM before 5.14 answers an unknown vCPU ioctl with EINVAL. */
		return errno == EBADF ? -EBADF : -ENOTTY;
	}
	return halt_kvm_parse(h, fd);
}

uint64_t halt_kvm_read(const struct halt_kvm *h)
{
	uint8_t span[HALT_SPAN_MAX];
	uint64_t sum = 0, c;
	uint32_t k;

	if (h->span_len) {
		if (pread_all(h->fd, span, h->span_len, h->span_off))
			return HALT_NONE;
		for (k = 0; k < h->nr; k++) {
			memcpy(&c, span + h->at[k], sizeof(c));
			sum += c;
		}
		return sum == HALT_NONE ? sum - 1 : sum;
	}
	for (k = 0; k < h->nr; k++) {
		if (pread_all(h->fd, &c, sizeof(c), h->at[k]))
			return HALT_NONE;
		sum += c;
	}
	return sum == HALT_NONE ? sum - 1 : sum;
}

void halt_kvm_close(struct halt_kvm *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}
