/* SPDX-License-Identifier: MIT */
/*
 * Work for another vCPU, done on that vCPU's own thread (kvmtool's "run on
 * cpu"). A vCPU ioctl on a vCPU that sits in KVM_RUN waits until KVM_RUN
 * returns, and an AP waiting for its SIPI does not return until the vCPU
 * asking brings it up: so whatever touches another vCPU (its attributes, on
 * either backend) is queued for that vCPU's thread, which is kicked, runs
 * it with its own lock held, and says so. A caller that waits runs its own
 * queue meanwhile, so two vCPUs asking each other never deadlock.
 */
#ifndef XRS_VMM_TASK_H
#define XRS_VMM_TASK_H

#include <stdbool.h>

struct vmm;
struct vmm_vcpu;

typedef int (*vcpu_task_fn)(struct vmm_vcpu *t, void *arg);

struct vcpu_task {
	vcpu_task_fn fn;
	void *arg;
	int result;
	enum { TASK_QUEUED, TASK_RUNNING, TASK_DONE } state;
	struct vcpu_task *next;
};

/*
 * Run @fn(@t, @arg) on @t's thread with @t's lock held, wait for it, and
 * return its result. @self is the calling vCPU (NULL: not a vCPU thread);
 * the caller holds no vCPU lock. On @t's own thread, and while no thread
 * runs @t (before the start, after the end), it runs at once.
 */
int vcpu_run_on(struct vmm_vcpu *self, struct vmm_vcpu *t, vcpu_task_fn fn, void *arg);

/* On @v's thread, @v's lock held: run what others queued for it. */
void vcpu_run_tasks(struct vmm_vcpu *v);
/* @v's thread is about to run the guest: from now on others queue for it. */
void vcpu_tasks_open(struct vmm_vcpu *v);
/* @v's thread is ending: it runs what is queued, then callers run their own. */
void vcpu_tasks_close(struct vmm_vcpu *v);

#endif
