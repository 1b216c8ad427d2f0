/* SPDX-License-Identifier: MIT */
/*
 * Unit-test harness: a fake guest clock and steal source, guest memory with
 * PROT_NONE guard pages on both sides (an overrun crashes the test), and the
 * selftest's setup (xen_shinfo_test.c) on the user backend.
 */
#ifndef XRS_TEST_HARNESS_H
#define XRS_TEST_HARNESS_H

/* cmocka needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/types.h>
#include <stdbool.h>
#include <xrs/xrs.h>
#include "tests/common/area-view.h"
#include "tests/common/check.h"

#define PAGE		4096u
#define SHINFO_GPA	0xc0000000ull			/* selftest region: 3 pages */
#define P		(SHINFO_GPA + 2 * PAGE)		/* the page boundary swept */
#define RUNSTATE_GPA	(P - 15)	/* 64-bit area crosses; flag byte on page 2 */
#define T0_NS		1000000000ull	/* the fake clock starts at 1 s */

struct fake {
	uint64_t now;
	uint64_t run_delay;
};

extern const struct xrs_clock_ops fake_clock_ops;
extern const struct xrs_steal_ops fake_steal_ops;

/* A VM with libxrs's default sources (no vm_fd: CLOCK_MONOTONIC) and vCPU 0. */
struct xrs_vm *default_vm(struct xrs_vcpu **v);

/* default_vm whose preemption source is the BPF map, or a skip that says why not. */
struct xrs_vm *bpf_vm_or_skip(struct xrs_vcpu **v);
/* Thread @tid's run delay and pcount (switch-ins) from its schedstat: 0 or -1. */
int thread_schedstat(pid_t tid, uint64_t *rd, uint64_t *pcount);

/* npages of zeroed memory between two PROT_NONE pages. */
void *guarded_alloc(size_t npages);
void guarded_free(void *mem, size_t npages);

/* A VM on the user backend with the fake sources and one vCPU (id 0). */
struct tvm {
	struct fake fake;
	struct xrs_vm *vm;
	struct xrs_vcpu *vcpu;
	uint8_t *mem;			/* 3 pages at SHINFO_GPA */
};

/* VM + vCPU + the 3 selftest pages mapped; nothing else configured. */
void tvm_init(struct tvm *t);
/* The selftest's setup: LONG_MODE=1, UPDATE_FLAG=1, area at RUNSTATE_GPA, state poked to 0x5a. */
void tvm_init_selftest(struct tvm *t);
void tvm_fini(struct tvm *t);

/*
 * cmocka fixtures over one static tvm: tvm_setup (tvm_init), tvm_setup_64
 * (and LONG_MODE=1), tvm_setup_selftest; tvm_teardown for all. The tests
 * get it as *state.
 */
int tvm_setup(void **state);
int tvm_setup_64(void **state);
int tvm_setup_selftest(void **state);
int tvm_teardown(void **state);
uint8_t *tvm_hva(struct tvm *t, uint64_t gpa);

/*
 * Host-side helpers mirroring KVM's ioctls, in the selftests' two tiers:
 * __name() returns 0 or the negative errno; name() asserts success and
 * names the operation and the errno when it fails.
 */
int __set_long_mode(struct xrs_vm *vm, int on);
void set_long_mode(struct xrs_vm *vm, int on);
int __set_update_flag(struct xrs_vm *vm, int on);
void set_update_flag(struct xrs_vm *vm, int on);	/* and reads it back */
int __set_addr(struct xrs_vcpu *v, uint64_t gpa);
void set_addr(struct xrs_vcpu *v, uint64_t gpa);
int __set_current(struct xrs_vcpu *v, uint64_t state);
void set_current(struct xrs_vcpu *v, uint64_t state);
int __get_data(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *out);
void get_data(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *out);
/* Any runstate SET with all six fields: 0 or the negative errno. */
int vcpu_attr(struct xrs_vcpu *v, uint16_t type, uint64_t state, uint64_t entry,
	      uint64_t run, uint64_t runnable, uint64_t blocked, uint64_t offline);

/* "The guest re-enters and reads its area": enter, then read the area. */
void guest_enter_and_read(struct tvm *t, uint64_t gpa, bool long_mode, struct area_view *v);

#endif /* XRS_TEST_HARNESS_H */
