/* SPDX-License-Identifier: MIT */
/* This process's CPU time, for xrs run's vmm_cpu figures. */
#ifndef XRS_TOOLS_PROC_CPU_H
#define XRS_TOOLS_PROC_CPU_H

struct proc_cpu {
	double user, sys, guest;	/* seconds; guest time is also counted in user */
};

/* 0, or -errno. */
int proc_cpu_read(struct proc_cpu *c);

#endif
