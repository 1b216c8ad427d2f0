/* SPDX-License-Identifier: MIT */
/*
 * The VMM's own checks of the accounting, through the hooks of vmm.h: what
 * `xrs run` reports as host checks and the KVM tests assert on.
 *  - view: the guest's report of its own area equals GET DATA (libxrs
 *    writes the area only at entries) or lies between the area before a
 *    kick and now; with KVM's own Xen code it may only lag, field by field;
 *  - block: a vCPU woken by its timer was booked blocked at least until it;
 *  - offline: a vCPU kept down was booked offline at least until VCPUOP_up.
 */
#ifndef XRS_VMM_CHECKS_H
#define XRS_VMM_CHECKS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "xen-abi/xen.h"

struct vmm_hooks;

/* Per vCPU: state on its thread, counters read by anyone. */
struct check_vcpu {
	_Atomic uint64_t host_checks, host_violations;		/* all of these: */
	_Atomic uint64_t view_checks, view_diffs;
	_Atomic uint64_t block_checks, offline_checks;
	/* The area before the first kick since the guest last exited. */
	bool view_base_valid;
	uint64_t view_base[5];		/* entry, then the four times */
	uint64_t block_start, block_blocked;	/* entry and blocked time at block_begin */
	uint64_t off_start, off_offline;	/* at offline_begin */
};

extern const struct vmm_hooks vmm_host_checks;

#endif
