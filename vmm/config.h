/* SPDX-License-Identifier: MIT */
/*
 * What a VM is asked to be: the VMM's own terms, which vmm.c translates into
 * the boards' boot parameters (guest/guest-abi.h for the built-in guests, the
 * Linux boot protocol for the PC), so that its users (tools/, tests) need
 * not speak either.
 */
#ifndef XRS_VMM_CONFIG_H
#define XRS_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xrs/xrs.h>

#define VMM_MAX_VCPUS	1024
#define VMM_TESTBOX_RAM_MAX	(1ull << 30)	/* what the test guests' page tables map */

enum guest_width {
	GUEST_32 = 32,
	GUEST_64 = 64,
};

/* What the guests run (guest/guest-abi.h, enum g_program). */
enum vmm_program {
	VMM_PROG_IO_LOOP = 1,		/* args[0] port exits, then HLT */
	VMM_PROG_HCALL_PAGE,		/* install the hypercall page, call xen_version */
	VMM_PROG_WORKLOAD,		/* xrs run: a workload */
	VMM_PROG_HOSTILE,		/* bad hypercalls: the VMM must survive */
	VMM_PROG_AREA_VIEWS,		/* areas by VA/GPA, compared with the host */
};

enum vmm_workload {
	VMM_WL_MIXED = 1,		/* compute, timed blocks, yields, exits, down/up */
	VMM_WL_SPIN,			/* never exits */
	VMM_WL_EXITS,			/* port-I/O exits as fast as it can */
	VMM_WL_IDLE,			/* timed blocks */
};

/* What the guest sees: a board. */
enum vmm_board {
	VMM_BOARD_TESTBOX,		/* the built-in Xen test guests (guest/) */
	VMM_BOARD_PC,			/* a PC for an unmodified Linux kernel (vmm/pc/) */
};

struct vmm;
struct vmm_vcpu;
struct linux_image;
struct g_report;
struct g_ucall;

/*
 * Points where a checker may look at the accounting (checks.h has the
 * VMM's own). Each is called on the vCPU's thread; any may be NULL.
 */
struct vmm_hooks {
	void (*block_begin)(struct vmm_vcpu *v);
	/* @deadline: the timer it waited for; @by_timer: it, not a stop, ended the block */
	void (*block_end)(struct vmm_vcpu *v, uint64_t deadline, bool by_timer);
	void (*offline_begin)(struct vmm_vcpu *v);
	/* @up_at_ns: guest time VCPUOP_up brought it back */
	void (*offline_end)(struct vmm_vcpu *v, uint64_t up_at_ns);
	/* The guest reported its view of its own area. */
	void (*report)(struct vmm_vcpu *v, const struct g_report *r);
	/* About to re-enter after a kick (the guest did not exit itself). */
	void (*reentry_after_kick)(struct vmm_vcpu *v);
	/* The guest exited by itself. */
	void (*guest_exit)(struct vmm_vcpu *v);
};

/* Called on the vCPU's thread when its guest makes a ucall; return 0 to go on. */
typedef int (*vmm_ucall_fn)(struct vmm *m, struct vmm_vcpu *v, struct g_ucall *uc,
			    void *opaque);

struct vmm_config {
	enum vmm_board board;
	const struct linux_image *image;	/* the PC's kernel, checked (vmm/pc/linux-image.h) */
	uint32_t nr_vcpus;
	uint32_t nr_running;		/* workloads: the rest park offline; 0: all run */
	enum guest_width bits;
	uint64_t ram_mib;		/* 0: just enough */
	enum vmm_program program;
	enum vmm_workload workload;	/* for VMM_PROG_WORKLOAD */
	uint64_t args[6];		/* passed to the guests */
	bool update_flag;		/* grant VMASST_TYPE_runstate_update_flag */
	bool runstate;			/* false: no libxrs calls at all (a baseline) */
	/*
	 * A baseline for measuring libxrs alone (make bench): everything set up
	 * as with accounting (the libxrs VM, the guests' areas, the refresh
	 * thread), but xrs_vcpu_enter/exit are not called around KVM_RUN. The
	 * accounting then stays as the vCPU's first update left it: not figures
	 * to read.
	 */
	bool no_run_hooks;
	enum xrs_backend backend;
	const char *publish;		/* xrs_vm_publish under this name; NULL: not */
	bool witness;			/* guests also enable MSR_KVM_STEAL_TIME */
	uint32_t refresh_ms;		/* kick a vCPU in KVM_RUN this long; 0: never */
	int pin[64];			/* host CPUs; vCPU i gets pin[i % nr_pin] */
	int nr_pin;
	const char *dev;		/* NULL: /dev/kvm */
	FILE *console;			/* the guests' Xen console, the PC's ttyS0; NULL: stderr */
	const struct vmm_hooks *hooks;	/* NULL: none */
	vmm_ucall_fn on_ucall;
	void *opaque;
};

#endif
