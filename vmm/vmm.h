/* SPDX-License-Identifier: MIT */
/*
 * The xrs VMM: a KVM VM of the built-in Xen test guests, one host thread per
 * vCPU, libxrs accounting around every KVM_RUN, and the Xen hypercalls the
 * guests use to register and read their runstate areas. `xrs run` drives it;
 * so do the KVM tests, through the ucall hook.
 */
#ifndef XRS_VMM_H
#define XRS_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <xrs/xrs.h>
#include "abi.h"
#include "kvm.h"

struct vmm;
struct vmm_vcpu;

/* Called on the vCPU's thread when its guest makes a ucall; return 0 to go on. */
typedef int (*vmm_ucall_fn)(struct vmm *m, struct vmm_vcpu *v, struct g_ucall *uc,
			    void *opaque);

struct vmm_config {
	uint32_t nr_vcpus;
	uint32_t nr_running;		/* workloads: the rest park offline; 0: all run */
	int bits;			/* 64 or 32 */
	uint64_t ram_mib;		/* 0: just enough */
	uint32_t program;		/* enum g_program */
	uint32_t workload;		/* enum g_workload, for G_PROG_WORKLOAD */
	uint64_t args[6];		/* g_bootinfo.arg */
	bool update_flag;		/* grant VMASST_TYPE_runstate_update_flag */
	bool runstate;			/* false: no libxrs calls at all (a baseline) */
	enum xrs_backend backend;
	bool witness;			/* guests also enable MSR_KVM_STEAL_TIME */
	uint32_t refresh_ms;		/* kick a vCPU in KVM_RUN this long; 0: never */
	int pin[64];			/* host CPUs; vCPU i gets pin[i % nr_pin] */
	int nr_pin;
	const char *dev;		/* NULL: /dev/kvm */
	vmm_ucall_fn on_ucall;
	void *opaque;
};

/* Per-vCPU Xen state, under vmm_vcpu.lock. */
struct xen_vcpu {
	bool up;			/* VCPUOP_down / VCPUOP_up */
	uint64_t up_at_ns;		/* when VCPUOP_up brought it back (kvmclock) */
	uint64_t timer_ns;		/* singleshot timer deadline (kvmclock), 0: none */
	uint64_t block_start_ns;	/* when it blocked (for the host-side check) */
	uint64_t area_gpa;		/* registered runstate area, or KVM_XEN_INVALID_GPA */
	void *alias;			/* 2-page window for areas on non-adjacent pages */
};

struct vmm_vcpu {
	struct vmm *vmm;
	uint32_t id;
	struct kvm_cpu cpu;
	struct xrs_vcpu *xrs;
	pthread_t thread;
	_Atomic pid_t tid;		/* set by the thread itself: who to kick */
	int cpu_pin;			/* -1: not pinned */

	atomic_bool kick_pending;	/* a request the thread must look at */
	_Atomic uint64_t run_since_ns;	/* KVM_RUN entered at (CLOCK_MONOTONIC), 0: outside */
	/*
	 * Guards xen; its thread holds it from checking "up" until KVM_RUN, so
	 * another vCPU's VCPUOP_down books offline either before this vCPU's
	 * entry or after it, never lost under a running entry.
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* up again, timer, or stop */
	struct xen_vcpu xen;

	/* Counters, written by the vCPU's thread only. */
	_Atomic uint64_t exits, hypercalls, kicks;
	_Atomic uint64_t guest_checks, guest_violations;
	_Atomic uint64_t host_checks, host_violations;	/* all host-side checks */
	_Atomic uint64_t view_checks, view_diffs;	/* of those: guest view vs GET DATA */
	/* The area before the first kick since the guest last exited (vCPU thread only). */
	bool view_base_valid;
	uint64_t view_base[5];				/* entry, then the four times */
	_Atomic uint64_t block_checks, offline_checks;	/* ...of which these kinds */
	uint64_t rd_start_ns, rd_end_ns;	/* the thread's run_delay */
	int schedstat_fd;			/* the thread's own, for rd_start/end */
	struct g_report last_report;		/* the guest's last view of its area */
	bool done;
	int error;			/* 0, or why the vCPU stopped early */
	char errmsg[160];
};

struct vmm {
	struct vmm_config cfg;
	struct kvm_vm kvm;
	struct xrs_vm *xrs;
	struct g_bootinfo *boot;
	struct vmm_vcpu *vcpus;
	uint32_t nr_vcpus;

	pthread_t refresher;		/* kicks vCPUs that stay in KVM_RUN (refresh_ms) */
	pthread_mutex_t lock;		/* VM-wide state below */
	pthread_cond_t gate;		/* every vCPU has made its first update */
	uint32_t arrived;
	atomic_bool stopping;		/* the guests were asked to finish */
	atomic_bool failed;
	atomic_bool long_mode;		/* the guest's width, per the hypercall-page MSR */
	bool kernel_xen;		/* KVM's own Xen support runs the runstate */
	int shutdown_reason;		/* SCHEDOP_shutdown, -1: none */
	uint64_t start_ns;		/* kvmclock at start */
	char err[200];
};

/* 0, or -errno with the reason in err. */
int vmm_create(const struct vmm_config *cfg, struct vmm **out, char *err, size_t errlen);
int vmm_start(struct vmm *m);
/* Ask the guests to finish, and wake whoever waits. */
void vmm_stop(struct vmm *m);
/* Wait for every vCPU thread; 0 if all finished cleanly. */
int vmm_join(struct vmm *m, double timeout_s);
void vmm_destroy(struct vmm *m);

/* Guest clock, kvmclock ns. */
uint64_t vmm_now(struct vmm *m);
/* Make vCPU @v leave KVM_RUN soon (signal + immediate_exit). */
void vmm_kick(struct vmm_vcpu *v);
/* Mark the VM failed, with a reason. */
void vmm_fail(struct vmm_vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Wait until every vCPU thread got here (or the VM stops). */
void vmm_start_gate(struct vmm *m);

/* vcpu.c: the thread of one vCPU. */
void *vmm_vcpu_thread(void *arg);

/* xen.c: one hypercall from the guest's stub; sets the return value. */
void xen_hypercall(struct vmm_vcpu *v, uint32_t nr);
uint64_t vmm_own_run_delay(struct vmm_vcpu *v);

/* The same, from KVM's own hypercall page (KVM_EXIT_XEN, kernel backend). */
void xen_hypercall_exit(struct vmm_vcpu *v);
/* The guest wrote the hypercall-page MSR: 0, or nonzero to inject #GP. */
int xen_hypercall_msr(struct vmm_vcpu *v, uint64_t value);
/* Set the accounting state of @v (from any thread), if runstate is on. */
void xen_set_runstate(struct vmm_vcpu *v, uint32_t state);
/* Wait, blocked, until the vCPU's timer fires or the VM stops (SCHEDOP_block, HLT). */
void xen_block(struct vmm_vcpu *v);
/* Wait, offline, while the vCPU is down. Called with v->lock held. */
void xen_wait_up(struct vmm_vcpu *v);

/* gmem.c: guest memory by virtual address, page by page. */
int gva_read(struct vmm_vcpu *v, uint64_t gva, void *buf, uint64_t len);
int gva_write(struct vmm_vcpu *v, uint64_t gva, const void *buf, uint64_t len);

#endif /* XRS_VMM_H */
