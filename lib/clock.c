// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/ioctl.h>
#include "lib/clock.h"
#include "util/hosttime.h"

static uint64_t monotonic_now(void *opaque)
{
	(void)opaque;
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t kvmclock_now(void *opaque)
{
	const struct kvmclock *kc = opaque;

	return clock_ns(CLOCK_MONOTONIC_RAW) +
	       (uint64_t)atomic_load_explicit(&kc->offset, memory_order_relaxed);
}

const struct xrs_clock_ops clock_monotonic_ops = { .now_ns = monotonic_now };
const struct xrs_clock_ops clock_kvmclock_ops = { .now_ns = kvmclock_now };

/* KVM's clock between two raw reads: its midpoint is the best guess. */
static int measure(int vm_fd, struct kvmclock_reading *out)
{
	struct kvm_clock_data data = { 0 };
	uint64_t t0, t1;

	t0 = clock_ns(CLOCK_MONOTONIC_RAW);
	if (ioctl(vm_fd, KVM_GET_CLOCK, &data) < 0)
		return -errno;
	t1 = clock_ns(CLOCK_MONOTONIC_RAW);
	out->width = t1 - t0;
	out->offset = (int64_t)(data.clock - (t0 + out->width / 2));
	return 0;
}

int kvmclock_init(struct kvmclock *kc, int vm_fd)
{
	struct kvmclock_reading best = { .width = UINT64_MAX }, r;
	int i, err;

	kc->vm_fd = vm_fd;
	/* Not on any vCPU's path: take the narrowest of a few brackets. */
	for (i = 0; i < 3; i++) {
		err = measure(vm_fd, &r);
		if (err)
			return err;
		if (r.width < best.width)
			best = r;
	}
	atomic_init(&kc->offset, best.offset);
	kc->width = best.width;
	return 0;
}

int kvmclock_sync(struct kvmclock *kc)
{
	struct kvmclock_reading cur, seen;
	int err = measure(kc->vm_fd, &seen);

	if (err)
		return err;
	cur.offset = atomic_load_explicit(&kc->offset, memory_order_relaxed);
	cur.width = kc->width;
	cur = kvmclock_fold(cur, seen);
	atomic_store_explicit(&kc->offset, cur.offset, memory_order_relaxed);
	kc->width = cur.width;
	return 0;
}
