/* SPDX-License-Identifier: MIT */
/* The VMM's own checks' state in each vCPU (checks.h), apart so struct vmm_vcpu can hold it. */
#ifndef XRS_VMM_CHECKS_VCPU_H
#define XRS_VMM_CHECKS_VCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

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

#endif
