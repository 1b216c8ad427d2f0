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
	bool failed;
	char error[160];
};

struct sample {
	const char *name;
	double t;			/* seconds since start */
	bool final;
	uint32_t nr;
	struct vcpu_sample *v;
};

void sample_take(struct vmm *m, struct sample *s, bool final);
void sample_print_table(FILE *f, const struct sample *s, const struct vmm_config *cfg);
void sample_print_json(FILE *f, const struct sample *s, const struct vmm_config *cfg);
const char *workload_name(uint32_t wl);
const char *backend_name(enum xrs_backend b);

#endif
