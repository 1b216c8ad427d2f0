/* SPDX-License-Identifier: MIT */
/*
 * One vCPU's host thread: libxrs's enter/exit around every KVM_RUN, the
 * exits dispatched to whoever answers them, and kicks out of KVM_RUN.
 */
#ifndef XRS_VMM_VCPU_H
#define XRS_VMM_VCPU_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "checks.h"
#include "error.h"
#include "kvm.h"
#include "task.h"
#include "xen/xen.h"

struct vmm;
struct g_report;

struct vmm_vcpu {
	struct vmm *vmm;
	uint32_t id;
	struct kvm_cpu cpu;
	pthread_t thread;
	_Atomic pid_t tid;		/* set by the thread itself: who to kick */
	int cpu_pin;			/* -1: not pinned */

	atomic_bool kick_pending;	/* a request the thread must look at */
	_Atomic uint64_t run_since_ns;	/* in KVM_RUN since (CLOCK_MONOTONIC), 0: outside */

	/*
	 * Guards the Xen state (xen, lent to it). The vCPU's thread holds it
	 * from checking "up" until KVM_RUN, so another vCPU's VCPUOP_down
	 * books offline either before this vCPU's entry or after it, never
	 * lost under it; registrations of its area hold it too.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* up again, timer, or stop */
	struct xen_vcpu xen;		/* the Xen layer's view of this vCPU */

	/* task.h: what other vCPUs queued for this one, under the VM's task_lock */
	struct vcpu_task *tasks;
	bool tasks_open;		/* its thread runs them (else callers do) */
	atomic_bool has_tasks;

	struct check_vcpu check;	/* checks.h, on the vCPU's thread */
	struct g_report *report;	/* the guest's last report (copy), under lock */
	_Atomic uint64_t guest_checks, guest_violations;	/* as it reported them */

	_Atomic uint64_t exits, kicks;	/* hypercalls: xen.hypercalls */
	int schedstat_fd;		/* the thread's own, for rd_start/rd_end */
	uint64_t rd_start_ns, rd_end_ns;	/* its run delay over the run */
	atomic_bool done;		/* the guest finished */
	atomic_bool failed;
	struct vmm_err failure;		/* under the VM's fail_lock */
};

/* The vCPU whose Xen view @x is. */
static inline struct vmm_vcpu *vcpu_of(struct xen_vcpu *x)
{
	return (struct vmm_vcpu *)((char *)x - offsetof(struct vmm_vcpu, xen));
}

/* The thread's body (pthread_create). */
void *vcpu_thread(void *arg);
/* Make @v leave KVM_RUN soon (signal + immediate_exit). */
void vcpu_kick(struct vmm_vcpu *v);
/* Install the no-op signal handler kicks need; once per process. */
void vcpu_kick_init(void);

#endif
