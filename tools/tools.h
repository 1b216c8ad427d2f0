/* SPDX-License-Identifier: MIT */
#ifndef XRS_TOOLS_H
#define XRS_TOOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "vmm.h"

int cmd_run(int argc, char **argv);
int cmd_run_usage(FILE *f, int status);

/* One vCPU in a sample of the VM. */
struct vcpu_sample {
	uint32_t id;
	bool accounted;			/* libxrs numbers present */
	uint32_t state;
	uint64_t time[4];		/* ns */
	uint64_t checks, violations, remote_checks;
	uint64_t host_checks, host_violations;
	uint64_t view_checks, view_diffs;
	uint64_t exits, hypercalls, kicks;
	uint64_t witness_steal;		/* MSR_KVM_STEAL_TIME, from the guest's last report */
	uint64_t run_delay;		/* the vCPU thread's, since start (final sample) */
	bool have_unbooked;		/* libxrs's stats (user backend) */
	uint64_t run_delay_unbooked;	/* run delay its updates did not book as runnable */
	uint64_t run_delay_start;	/* the thread's run delay when it started */
	uint64_t age_p50, age_p99, age_max;	/* own area's age at the guest's checks, ns */
	bool failed;
	char error[160];
};

struct sample {
	const char *name;
	double t;			/* seconds since start */
	bool final;
	uint32_t nr;
	struct vcpu_sample *v;
	/* The VMM process's CPU time over the run (final sample), seconds. */
	bool have_cpu;
	double cpu_user, cpu_sys, cpu_guest;
};

struct proc_cpu {
	double user, sys, guest;	/* guest time is also counted in user */
};

int proc_cpu_read(struct proc_cpu *c);

void sample_take(struct vmm *m, struct sample *s, bool final);
void sample_print_table(FILE *f, const struct sample *s, const struct vmm_config *cfg);
void sample_print_json(FILE *f, const struct sample *s, const struct vmm_config *cfg);
const char *workload_name(uint32_t wl);
const char *backend_name(enum xrs_backend b);

#endif
