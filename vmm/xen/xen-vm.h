/* SPDX-License-Identifier: MIT */
/*
 * The Xen layer's own view of a VM and its vCPUs: what its rooms (sched,
 * runstate, platform, evtchn, console, the dispatcher) read and write, and
 * nothing of the VMM's. The VMM embeds a struct xen_vm and one struct
 * xen_vcpu per vCPU, fills in what it configures, and answers through
 * struct xen_ops the few things only it can: running work on another
 * vCPU's thread, kicks, failures, the guest's end, whether the VM stops.
 *
 * Locks: a vCPU's lock (the VMM's, lent through @lock) before the
 * platform's lock (xen_platform.lock) and libxrs's.
 */
#ifndef XRS_VMM_XEN_XEN_VM_H
#define XRS_VMM_XEN_XEN_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xrs/xrs.h>
#include "vmm/kvm.h"
#include "vmm/memory.h"

#define XEN_MAX_PORTS	1024
#define XEN_NR_VIRQS	24		/* Xen's NR_VIRQS */

struct xen_vm;
struct xen_vcpu;

/* Work on a vCPU's own thread, its lock held: 0 or -errno (xen_ops.run_on). */
typedef int (*xen_task_fn)(struct xen_vcpu *t, void *arg);

/* How a guest ended the run itself. */
enum xen_end {
	XEN_END_POWEROFF,		/* SCHEDOP_shutdown(poweroff) and any other reason */
	XEN_END_REBOOT,
	XEN_END_CRASH,
};

/* Points where a checker may look at the accounting, on the vCPU's thread. */
enum xen_event {
	XEN_BLOCK_BEGIN,
	XEN_BLOCK_END,			/* a: the deadline it waited for; b: the timer ended it */
	XEN_OFFLINE_BEGIN,
	XEN_OFFLINE_END,		/* a: guest time VCPUOP_up brought it back */
};

/* What the VMM answers for the Xen layer; every one must be set. */
struct xen_ops {
	/*
	 * Run @fn(@t, @arg) on @t's thread with @t's lock held, wait, and
	 * return its result; @self is the calling vCPU (NULL: none) and holds
	 * no vCPU lock. Whatever touches another vCPU in KVM goes through it.
	 */
	int (*run_on)(struct xen_vcpu *self, struct xen_vcpu *t, xen_task_fn fn, void *arg);
	/* On @v's thread, its lock held: run what others asked of it. */
	void (*run_tasks)(struct xen_vcpu *v);
	/* Make @v leave KVM_RUN soon. */
	void (*kick)(struct xen_vcpu *v);
	/* @v failed, for @why: the VM stops. Any thread. */
	void (*fail)(struct xen_vcpu *v, const char *why);
	/* The guest on @v ended the run: the VM stops. */
	void (*end)(struct xen_vcpu *v, enum xen_end end, const char *why);
	/* The VM was asked to stop; to pause (xen waits end where they can resume). */
	bool (*stopping)(const struct xen_vm *x);
	bool (*pausing)(const struct xen_vm *x);
	/* vCPU @id, below nr_vcpus. */
	struct xen_vcpu *(*vcpu)(struct xen_vm *x, uint32_t id);
	/* A checker's point (enum xen_event). */
	void (*event)(struct xen_vcpu *v, enum xen_event ev, uint64_t a, bool b);
	/*
	 * Hold every vCPU out of guest code (@on), or let them in again: any
	 * thread, none of it in guest, at most its own vCPU's lock held.
	 */
	void (*hold)(struct xen_vm *x, bool on);
};

enum xen_port_type {
	XEN_PORT_FREE,
	XEN_PORT_VIRQ,
	XEN_PORT_IPI,
};

struct xen_port {
	uint8_t type;			/* enum xen_port_type */
	uint32_t vcpu;
	uint32_t virq;			/* XEN_PORT_VIRQ: which */
};

/* The HVM platform (platform.h): shared_info and the event channels. */
struct xen_platform {
	bool on;
	pthread_mutex_t lock;		/* what follows; never held across a vCPU task */
	uint64_t shared_info;		/* its GPA, or 0 */
	struct xen_port ports[XEN_MAX_PORTS];
};

struct xen_vm {
	const struct xen_ops *ops;
	struct kvm_vm *kvm;
	struct guest_mem *mem;
	uint32_t nr_vcpus;

	/* Set by the VMM before runstate_vm_init. */
	bool runstate;			/* false: no libxrs calls at all (a baseline) */
	bool update_flag;		/* grant VMASST_TYPE_runstate_update_flag */
	enum xrs_backend backend;	/* then what AUTO chose */
	const char *publish;		/* xrs_vm_publish under this name; NULL: not */
	uint64_t windows_gpa;		/* where the board leaves room for the windows */
	FILE *console;			/* HYPERVISOR_console_io; NULL: stderr */
	bool trace;			/* each hypercall to stderr */

	struct xrs_vm *xrs;		/* NULL: run without accounting */
	bool moves_areas;		/* areas moved onto the preemption source's map */
	bool kernel_xen;		/* KVM's own Xen support runs the runstate */
	uint8_t *windows;		/* the runstate windows (runstate.h) */
	atomic_bool long_mode;		/* the guest's width, per the hypercall-page MSR */
	struct xen_platform plat;	/* the PC's Xen */
};

/* Per vCPU, under its lock. */
struct xen_sched_vcpu {
	bool up;			/* VCPUOP_down / VCPUOP_up */
	uint64_t up_at_ns;		/* when VCPUOP_up brought it back (kvmclock) */
	uint64_t timer_ns;		/* singleshot timer deadline (kvmclock), 0: none */
};

/* Per vCPU; area_gpa and the window's mapping under its lock. */
struct xen_runstate_vcpu {
	struct xrs_vcpu *xrs;		/* NULL: run without accounting */
	uint64_t area_gpa;		/* registered area, or KVM_XEN_INVALID_GPA */
	uint8_t *window;		/* its two window pages */
	uint64_t window_ram[2];		/* the RAM pages they show */
};

struct xen_vcpu {
	struct xen_vm *vm;
	uint32_t id;
	struct kvm_cpu *cpu;
	/* The VMM's vCPU lock and its condition: up again, timer, stop, task. */
	pthread_mutex_t *lock;
	pthread_cond_t *cond;
	struct xen_sched_vcpu sched;
	struct xen_runstate_vcpu rs;
	uint64_t vcpu_info;		/* the GPA KVM took, or 0: the one in shared_info */
	_Atomic uint64_t hypercalls;
};

/* @v failed (the VMM's failure channel): formatted, then xen_ops.fail. */
void xen_fail(struct xen_vcpu *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The guest clock, kvmclock ns: 0 or -errno (and @v, if given, fails). */
int xen_clock(struct xen_vm *x, struct xen_vcpu *v, uint64_t *ns);
/* xen_ops.run_on, vcpu and event, shorter. */
int xen_run_on(struct xen_vcpu *self, struct xen_vcpu *t, xen_task_fn fn, void *arg);
struct xen_vcpu *xen_vcpu_at(struct xen_vm *x, uint32_t id);
void xen_event(struct xen_vcpu *v, enum xen_event ev, uint64_t a, bool b);

#endif
