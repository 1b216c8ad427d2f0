/* SPDX-License-Identifier: MIT */
/*
 * Default guest clocks.
 *
 * kvmclock: KVM_GET_CLOCK costs an ioctl per read, too much for every
 * vCPU entry. KVM computes kvmclock as the raw monotonic clock plus a per-VM
 * offset (get_kvmclock_ns: the host's raw clock, or the master clock, which
 * runs at the same rate, plus kvmclock_offset). So libxrs reads
 * CLOCK_MONOTONIC_RAW (vDSO, no syscall) plus an offset, measured with one
 * KVM_GET_CLOCK between two raw reads:
 *  - at xrs_vm_create (the best of a few measurements), and
 *  - once by each SET that reads the clock (RUNSTATE_CURRENT, DATA and
 *    ADJUST), before the vCPU's lock is taken: so a VMM's KVM_SET_CLOCK is
 *    followed from the next such call (a restore: KVM_SET_CLOCK, then SET
 *    DATA), and a failed measurement is that call's error.
 * Nothing else measures: no GET, no SET ADDR, never enter().
 *
 * A measurement is uncertain by half its bracket; kvmclock_fold below keeps
 * the derived clock from ever going back unless KVM's own clock was set back.
 * The KVM suite checks it agrees with KVM_GET_CLOCK within the bound below.
 */
#ifndef XRS_CLOCK_H
#define XRS_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>
#include <xrs/xrs.h>

/* Worst disagreement with KVM_GET_CLOCK, ns (asserted by tests/kvm). */
#define XRS_KVMCLOCK_BOUND_NS	20000

struct kvmclock {
	int vm_fd;
	_Atomic int64_t offset;		/* kvmclock - CLOCK_MONOTONIC_RAW, ns */
	uint64_t width;			/* the bracket that measured it, ns */
};

/* An offset and the width of the bracket that measured it. */
struct kvmclock_reading {
	int64_t offset;
	uint64_t width;
};

extern const struct xrs_clock_ops clock_kvmclock_ops;	/* opaque: struct kvmclock */
extern const struct xrs_clock_ops clock_monotonic_ops;	/* opaque: unused */

/* First measurement, at VM creation: 0 or the errno of KVM_GET_CLOCK. */
int kvmclock_init(struct kvmclock *kc, int vm_fd);
/* One more (callers serialize): 0, or the errno of KVM_GET_CLOCK and no change. */
int kvmclock_sync(struct kvmclock *kc);

/*
 * The reading to keep after measuring @seen. Two readings that differ by more
 * than their uncertainty (half of each bracket) saw KVM's clock move: follow
 * it, either way. Within it, they saw the same clock: a narrower bracket is
 * the better guess, taken only if it does not move the clock back. So the
 * derived clock goes back only when KVM's did, and stays within half the
 * narrowest bracket kept of the truth (never a preempted measurement's).
 */
static inline struct kvmclock_reading kvmclock_fold(struct kvmclock_reading cur,
						    struct kvmclock_reading seen)
{
	uint64_t noise = cur.width / 2 + seen.width / 2 + 1;
	uint64_t diff = seen.offset > cur.offset ? (uint64_t)(seen.offset - cur.offset) :
						   (uint64_t)(cur.offset - seen.offset);

	if (diff > noise)
		return seen;
	if (seen.offset >= cur.offset && seen.width <= cur.width)
		return seen;
	return cur;
}

#endif /* XRS_CLOCK_H */
