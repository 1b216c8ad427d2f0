/* SPDX-License-Identifier: MIT */
/*
 * The VM as every part of the VMM sees it: struct vmm and its vCPUs, and
 * the few services they all use, whatever thread they run on: the failure
 * channel, the guest's end, the stop, the start gate, the guest clock and
 * the kick. Creating, running and tearing it down is vmm.h's; a vCPU's
 * thread is vcpu.h's.
 *
 * Lock order: a vCPU's lock (vmm_vcpu.lock) before the Xen platform's lock
 * and libxrs's locks; the task lock is taken with at most a vCPU's lock;
 * the hold lock is taken with at most a vCPU's lock; the VM's gate lock
 * and its failure lock are leaves, taken with nothing else.
 */
#ifndef XRS_VMM_VM_H
#define XRS_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xrs/xrs.h>
#include "vmm/checks-vcpu.h"
#include "vmm/config.h"
#include "vmm/error.h"
#include "vmm/kvm.h"
#include "vmm/machine.h"
#include "vmm/xen/xen-vm.h"

struct g_report;
struct vcpu_task;

/* How a guest ended the run itself (the PC's do; the test guests just finish). */
enum vmm_end {
	VMM_END_NONE,		/* it did not: stopped, timed out or failed */
	VMM_END_POWEROFF,	/* SCHEDOP_shutdown(poweroff) */
	VMM_END_REBOOT,		/* the i8042 reset or SCHEDOP_shutdown(reboot) */
	VMM_END_CRASH,		/* a kernel panic, or SCHEDOP_shutdown(crash) */
	VMM_END_TRIPLE_FAULT,	/* KVM_EXIT_SHUTDOWN */
};

struct vmm {
	struct vmm_config cfg;
	struct machine mc;
	struct xen_vm xen;		/* the Xen layer's: libxrs, shared_info, event channels */
	struct vmm_vcpu *vcpus;
	uint32_t nr_vcpus;

	pthread_t refresher;		/* refresh.h */
	pthread_mutex_t gate_lock;	/* leaf: the start gate */
	pthread_cond_t gate;		/* every vCPU has made its first update */
	uint32_t arrived;
	atomic_bool stopping;		/* the guests were asked to finish */
	atomic_bool pausing;		/* the vCPU threads are to stop where they can resume */

	pthread_mutex_t task_lock;	/* task.h: every vCPU's queue */
	pthread_cond_t task_cond;	/* a task was queued or done */

	/* hold.h: every vCPU out of guest code, for a page move */
	pthread_mutex_t hold_lock;	/* leaf, but for at most a vCPU's lock */
	pthread_cond_t hold_cond;	/* a vCPU left guest code, or the hold ended */
	atomic_bool holding;		/* a holder holds, or is waiting for vCPUs */
	bool hold_taken;		/* under hold_lock: one holder at a time */

	pthread_mutex_t fail_lock;	/* leaf: failures and the end below, and each vCPU's */
	atomic_bool failed;
	struct vmm_err failure;		/* the first, with its vCPU */
	enum vmm_end end;		/* the first end the guest chose */
	char end_why[256];
};

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

	atomic_bool in_guest;		/* hold.h: between its entry and exit updates */

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

/*
 * Record that vCPU @v failed, and why (the first reason of each vCPU and of
 * the VM is kept); the VM then stops. Any thread, any time.
 */
void vmm_fail(struct vmm_vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first failure of @v ("" if none), copied out under the lock. */
void vmm_vcpu_failure(struct vmm_vcpu *v, struct vmm_err *out);

/*
 * The guest ended the run (@end, and what it said): the first end is kept,
 * and the VM stops. Any thread.
 */
void vmm_end(struct vmm *m, enum vmm_end end, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Ask the guests to finish, and wake whoever waits. */
void vmm_stop(struct vmm *m);
/* Guest clock, kvmclock ns: 0 or -errno (and @v, if given, fails). */
int vmm_clock(struct vmm *m, struct vmm_vcpu *v, uint64_t *ns);

/* Wait until every vCPU thread got here (or the VM stops). */
void vmm_start_gate(struct vmm *m);

/* Make @v leave KVM_RUN soon (signal + immediate_exit). */
void vcpu_kick(struct vmm_vcpu *v);
/* Install the no-op signal handler kicks need; once per process. */
void vcpu_kick_init(void);

#endif
