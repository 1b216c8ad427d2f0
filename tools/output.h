/* SPDX-License-Identifier: MIT */
/*
 * xrs run's samples of its VM, as tables (xl vcpu-list style) or JSON
 * lines: the one part of the output that speaks the VMM's terms.
 */
#ifndef XRS_TOOLS_OUTPUT_H
#define XRS_TOOLS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "vmm/config.h"
#include "vmm/vcpu-sample.h"

/* A sample of a VM: one vmm_vcpu_sample per vCPU. */
struct sample {
	const char *name;
	double t;			/* seconds since start */
	bool final;
	uint32_t nr;
	struct vmm_vcpu_sample *v;
	/* The VMM process's CPU time over the run (final sample), seconds. */
	bool have_cpu;
	double cpu_user, cpu_sys, cpu_guest;
};

/* What a VM was asked to be, for the output's header fields. */
struct sample_vm {
	enum guest_width bits;
	enum vmm_workload workload;	/* the test guests' */
	bool linux_guest;		/* --kernel: Linux instead of the test guests */
	enum xrs_backend backend;
	bool runstate, update_flag, witness;
};

void sample_print_table(FILE *f, const struct sample *s, const struct sample_vm *vm);
void sample_print_json(FILE *f, const struct sample *s, const struct sample_vm *vm);
const char *workload_name(enum vmm_workload wl);

#endif
