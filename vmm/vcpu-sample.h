/* SPDX-License-Identifier: MIT */
/*
 * What the VMM shows of a running VM: one sample per vCPU, in the VMM's own
 * terms (the guests' reports are decoded here, so tools never read the
 * guest ABI).
 */
#ifndef XRS_VMM_VCPU_SAMPLE_H
#define XRS_VMM_VCPU_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

struct vmm;

struct vmm_vcpu_sample {
	uint32_t id;
	bool accounted;			/* runstate figures present */
	uint32_t state;
	uint64_t time[4];		/* ns: running, runnable, blocked, offline */
	uint64_t checks, violations, remote_checks;	/* the guest's own */
	uint64_t host_checks, host_violations;		/* checks.h */
	uint64_t view_checks, view_diffs;
	uint64_t block_checks, offline_checks;
	uint64_t exits, hypercalls, kicks;
	uint64_t witness_steal;		/* MSR_KVM_STEAL_TIME's steal, as the guest last saw it */
	bool have_unbooked;		/* libxrs's own figures (user backend) */
	uint64_t run_delay_unbooked;	/* run delay its updates did not book as runnable */
	uint64_t steal_samples, steal_sample_ns;	/* run-delay reads and their time */
	/* Final samples only. */
	uint64_t run_delay;		/* the vCPU thread's, over the run */
	uint64_t run_delay_start;	/* the thread's run delay when it started */
	uint64_t age_p50, age_p99, age_max;	/* own area's age at the guest's checks, ns */
	uint64_t area_gpa;		/* where its area is registered; UINT64_MAX: none */
	bool failed;
	char error[256];
};

/*
 * Sample vCPU @i. While the VM runs this never makes a vCPU thread wait
 * (libxrs's lock-free stats); @final, after vmm_join, it reads GET DATA and
 * the whole run's figures.
 */
void vmm_sample_vcpu(struct vmm *m, uint32_t i, bool final, struct vmm_vcpu_sample *out);

#endif
