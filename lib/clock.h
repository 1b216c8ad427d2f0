/* SPDX-License-Identifier: MIT */
/*
 * Default guest clocks.
 *
 * kvmclock: KVM_GET_CLOCK costs an ioctl per read. KVM computes kvmclock as
 * the raw monotonic clock plus the boot offset plus a per-VM offset
 * (get_kvmclock_ns: get_kvmclock_base_ns() + kvmclock_offset, or the master
 * clock, which runs at the same raw rate). So libxrs reads
 * CLOCK_MONOTONIC_RAW (vDSO, no syscall) and adds an offset measured against
 * KVM_GET_CLOCK, re-measured whenever the VMM may have moved the clock (DATA
 * and ADJUST, the calls of a restore). The test kvm/clock checks the two
 * agree within the bound below.
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
	_Atomic int64_t offset;		/* kvmclock - CLOCK_MONOTONIC_RAW */
};

extern const struct xrs_clock_ops clock_kvmclock_ops;	/* opaque: struct kvmclock */
extern const struct xrs_clock_ops clock_monotonic_ops;	/* opaque: unused */

/* Measure the offset; 0 or the errno of KVM_GET_CLOCK. */
int kvmclock_sync(struct kvmclock *kc);

#endif /* XRS_CLOCK_H */
