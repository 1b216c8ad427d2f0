/* SPDX-License-Identifier: MIT */
/*
 * The xrs VMM: a KVM VM on one of two boards (the built-in Xen test guests'
 * box, or a PC for an unmodified Linux kernel), one host thread per vCPU
 * (vcpu.h), libxrs accounting around every KVM_RUN (xen/runstate.h) and the
 * Xen hypercalls the guests make (xen/: the Xen layer, which sees only the
 * struct xen_vm and xen_vcpu embedded here, and calls back through
 * xen-ops.h). `xrs run` drives it; so do the KVM tests.
 *
 * Lock order: a vCPU's lock (vmm_vcpu.lock) before the Xen platform's lock
 * and libxrs's locks; the task lock is taken with at most a vCPU's lock;
 * the VM's gate lock and its failure lock are leaves, taken with nothing
 * else.
 */
#ifndef XRS_VMM_VMM_H
#define XRS_VMM_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <xrs/xrs.h>
#include "config.h"
#include "error.h"
#include "kvm.h"
#include "machine.h"
#include "memory.h"
#include "vcpu.h"
#include "xen/xen.h"

struct g_bootinfo;

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

	pthread_mutex_t fail_lock;	/* leaf: failures and the end below, and each vCPU's */
	atomic_bool failed;
	struct vmm_err failure;		/* the first, with its vCPU */
	enum vmm_end end;		/* the first end the guest chose */
	char end_why[256];
};

/* 0, or -errno with the reason in @e. */
int vmm_create(const struct vmm_config *cfg, struct vmm **out, struct vmm_err *e);
int vmm_start(struct vmm *m, struct vmm_err *e);
/* Ask the guests to finish, and wake whoever waits. */
void vmm_stop(struct vmm *m);
/* Wait for every vCPU thread; 0 if all finished cleanly. */
int vmm_join(struct vmm *m, double timeout_s);
/*
 * Stop every vCPU thread where the VM can be saved and resumed, without the
 * guests knowing: out of KVM_RUN with any I/O completed, a vCPU that is down
 * still down, a timed block waited out. 0, or -EIO if a vCPU failed or did
 * not stop within @timeout_s.
 */
int vmm_pause(struct vmm *m, double timeout_s);
void vmm_destroy(struct vmm *m);

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

/*
 * Where vCPU @i of a joined VM stands (its thread ended): RIP, CPL and
 * KVM's MP state, for a person to tell a stuck guest. 0 or -errno.
 */
int vmm_vcpu_where(struct vmm *m, uint32_t i, uint64_t *rip, uint32_t *cpl, uint32_t *mp_state);

/* Guest clock, kvmclock ns: 0 or -errno (and @v, if given, fails). */
int vmm_clock(struct vmm *m, struct vmm_vcpu *v, uint64_t *ns);

/* The least RAM the built-in guests need for @nr_vcpus, bytes. */
uint64_t vmm_ram_min(uint32_t nr_vcpus);

/* Wait until every vCPU thread got here (or the VM stops). */
void vmm_start_gate(struct vmm *m);

#endif
