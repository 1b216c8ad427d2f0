/* SPDX-License-Identifier: MIT */
/*
 * KVM test harness: a machine of the built-in guests on a real /dev/kvm
 * (direct, or inside the sandbox), one KVM_RUN at a time decoded into
 * events. Each call that can fail comes in the selftests' two tiers:
 * __kt_x() returns 0 or -errno, kt_x() asserts and says what failed.
 */
#ifndef XRS_KVMTEST_H
#define XRS_KVMTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <xrs/xrs.h>
#include "guest/guest-abi.h"
#include "tests/common/check.h"
#include "vmm/machine.h"
#include "xen-abi/xen-public.h"

#define KT_MAX_VCPUS 8

struct ktest {
	struct machine mc;
	struct kvm_cpu cpu[KT_MAX_VCPUS];
	uint32_t nr;
	struct g_bootinfo *boot;
};

/*
 * What a case needs. The suite runs in up to two passes (tests/kvm/run):
 * directly on this host's /dev/kvm for the cases whose needs it offers,
 * in the sandbox for the others. kt_require() runs the calling case in the
 * pass it belongs to, and leaves it to the other one (an "other-pass" skip
 * the runner does not count), or skips it with the reason where neither
 * can run it.
 */
enum kt_need {
	KT_64 = 1 << 0,		/* 64-bit test guests */
	KT_32 = 1 << 1,		/* 32-bit test guests */
	KT_XEN = 1 << 2,	/* KVM's own Xen runstate (CONFIG_KVM_XEN) */
	KT_ORDERING = 1 << 3,	/* a machine whose readers see stores in order */
};

void kt_require(unsigned int needs);
/* A case with guests of @bits. */
void kt_require_guest(enum guest_width bits);
/* A case on any KVM that runs 64-bit guests. */
void kt_require_kvm(void);
int __kt_open(struct ktest *t, enum guest_width bits, uint32_t nr_vcpus,
	      enum g_program program, struct vmm_err *e);
void kt_open(struct ktest *t, enum guest_width bits, uint32_t nr_vcpus, enum g_program program);
void kt_close(struct ktest *t);
/* Guest RAM [gpa, gpa + len), asserted to be RAM. */
void *kt_ram(struct ktest *t, uint64_t gpa, uint64_t len);

enum kt_event_kind {
	KT_TICK,	/* OUT to G_PORT_TICK: value in .data */
	KT_UCALL,	/* .uc points at the guest's message */
	KT_HCALL,	/* a hypercall stub: number in .data; registers via kvm_cpu_get_regs */
	KT_HLT,
	KT_WRMSR,	/* .msr, .data: the Xen MSR, answered already */
	KT_OTHER,	/* any other exit: .exit_reason */
	KT_ERROR,	/* KVM_RUN failed: .err */
};

struct kt_event {
	enum kt_event_kind kind;
	uint32_t exit_reason;
	uint32_t msr;
	uint64_t data;
	struct g_ucall *uc;
	int err;
};

/* One KVM_RUN. The hypercall-page MSR is handled here (the page is written). */
void kt_run(struct ktest *t, struct kvm_cpu *c, struct kt_event *ev);
/* Run until something other than a tick; ticks are counted into *ticks. */
void kt_run_until(struct ktest *t, struct kvm_cpu *c, struct kt_event *ev, uint64_t *ticks);
/* Fail the test with the guest's message if the event is a G_UCALL_FAIL. */
void kt_assert_no_guest_fail(struct ktest *t, const struct kt_event *ev);
/* Set the hypercall's return value (rax). */
void kt_hcall_return(struct kvm_cpu *c, long value);

struct vmm;
/* A VM of the VMM, stopped: no vCPU failed, no guest or host check failed. */
void kt_assert_vmm_clean(struct vmm *m);

#endif
