// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/ioctl.h>
#include <time.h>
#include "clock.h"

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t monotonic_now(void *opaque)
{
	(void)opaque;
	return read_ns(CLOCK_MONOTONIC);
}

static uint64_t kvmclock_now(void *opaque)
{
	const struct kvmclock *kc = opaque;

	return read_ns(CLOCK_MONOTONIC_RAW) +
	       (uint64_t)atomic_load_explicit(&kc->offset, memory_order_relaxed);
}

const struct xrs_clock_ops clock_monotonic_ops = { .now_ns = monotonic_now };
const struct xrs_clock_ops clock_kvmclock_ops = { .now_ns = kvmclock_now };

int kvmclock_sync(struct kvmclock *kc)
{
	uint64_t best_width = UINT64_MAX;
	int64_t best = 0;
	int i;

	/* Keep the narrowest of a few brackets: its midpoint is the best guess. */
	for (i = 0; i < 3; i++) {
		struct kvm_clock_data data = { 0 };
		uint64_t t0, t1;

		t0 = read_ns(CLOCK_MONOTONIC_RAW);
		if (ioctl(kc->vm_fd, KVM_GET_CLOCK, &data) < 0)
			return -errno;
		t1 = read_ns(CLOCK_MONOTONIC_RAW);
		if (t1 - t0 < best_width) {
			best_width = t1 - t0;
			best = (int64_t)(data.clock - (t0 + (t1 - t0) / 2));
		}
	}
	atomic_store_explicit(&kc->offset, best, memory_order_relaxed);
	return 0;
}
