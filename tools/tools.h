/* SPDX-License-Identifier: MIT */
/* The xrs command's parts: one header of prototypes for tools/. */
#ifndef XRS_TOOLS_H
#define XRS_TOOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "vmm/vcpu-sample.h"

/* run.c: xrs run. */
int cmd_run(int argc, char **argv);
int cmd_run_usage(FILE *f, int status);

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

/* output.c: a sample as a table (xl vcpu-list style) or a JSON line. */
void sample_print_table(FILE *f, const struct sample *s, const struct sample_vm *vm);
void sample_print_json(FILE *f, const struct sample *s, const struct sample_vm *vm);
const char *workload_name(enum vmm_workload wl);
/* A JSON string literal of @s: names and error texts may hold anything. */
void json_str(FILE *f, const char *s);
const char *backend_name(enum xrs_backend b);

/* The operator view of published VMs (statsfile.h reads them). */
int cmd_list(int argc, char **argv);		/* list.c */
int cmd_stat(int argc, char **argv);		/* stat.c */
int cmd_top(int argc, char **argv);		/* top.c */
int cmd_export(int argc, char **argv);		/* export.c */
int cmd_timeline(int argc, char **argv);	/* timeline.c */

/* proc-cpu.c: this process's CPU time. */
struct proc_cpu {
	double user, sys, guest;	/* guest time is also counted in user */
};

int proc_cpu_read(struct proc_cpu *c);

#endif
