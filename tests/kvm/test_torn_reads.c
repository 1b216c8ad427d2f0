// SPDX-License-Identifier: MIT
/*
 * Torn reads: a guest-style reader (Linux's xen_get_runstate_snapshot:
 * entry time, copy, entry time again, retried while they differ or the
 * update flag is set) races the vCPU thread's enter/exit updates and the
 * VMM's attribute calls from another thread, for an area at every offset
 * that crosses a page, in both layouts, with XEN_RUNSTATE_UPDATE on and off.
 * A snapshot is torn when its times do not sum to its entry time.
 *  - flag on: no snapshot may be torn;
 *  - flag off: the reader counts what it would have torn, which shows the
 *    test can see tearing at all (it must see some).
 *
 * It needs no KVM, but runs with the KVM suite, on the machine whose
 * concurrency is the one that matters: a real host's, or the sandbox's
 * where this host's KVM cannot run the test guests. On one such host (a
 * kvm_pvm machine) readers were measured to see torn snapshots of a correct
 * writer too, without libxrs (docs/torn-reads.md).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tests/common/area-view.h"
#include "tests/common/sources.h"
#include "tests/kvm/kvmtest.h"
#include "util/pin.h"

#define PAGE		4096u
#define RAM_GPA		0x100000ull
#define P		(RAM_GPA + PAGE)	/* the page boundary the areas cross */
#define WRITES		6000			/* vCPU entries per configuration */
#define WRITER_CPU	0			/* the vCPU and the VMM's threads */
#define READER_CPU	1			/* the guest: another CPU */

struct race {
	struct xrs_vm *vm;
	struct xrs_vcpu *v;
	uint8_t *mem;			/* 2 pages at RAM_GPA */
	uint64_t gpa;
	bool long_mode;
	atomic_bool stop;
	_Atomic uint64_t steal;
	uint64_t snapshots, torn;
};

static void *vcpu_thread(void *arg)
{
	struct race *r = arg;
	int i;

	CHECK(pin_to_cpu(WRITER_CPU) == 0);
	CHECK(xrs_vcpu_bind_thread(r->v) == 0);
	for (i = 0; i < WRITES; i++) {
		xrs_vcpu_enter(r->v);
		if (i % 5 == 0)
			atomic_fetch_add(&r->steal, 37);
		xrs_vcpu_exit(r->v);
	}
	atomic_store(&r->stop, true);
	return NULL;
}

/* The VMM's calls from its own thread: blocked, offline, rewrite, re-register. */
static void *vmm_thread(void *arg)
{
	struct race *r = arg;
	struct kvm_xen_vcpu_attr a;
	unsigned int n = 0;

	CHECK(pin_to_cpu(WRITER_CPU) == 0);
	while (!atomic_load(&r->stop)) {
		memset(&a, 0, sizeof(a));
		switch (n++ % 4) {
		case 0:
			a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT;
			a.u.runstate.state = XRS_RUNSTATE_BLOCKED;
			break;
		case 1:
			a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST;
			a.u.runstate.state = (uint64_t)-1;
			break;
		case 2:
			a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT;
			a.u.runstate.state = XRS_RUNSTATE_OFFLINE;
			break;
		default:
			a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR;
			a.u.gpa = r->gpa;
		}
		CHECK(xrs_vcpu_set_attr(r->v, &a) == 0);
	}
	return NULL;
}

static void *guest_reader(void *arg)
{
	struct race *r = arg;
	const volatile uint8_t *area = r->mem + (r->gpa - RAM_GPA);
	struct area_view v;

	CHECK(pin_to_cpu(READER_CPU) == 0);
	while (!atomic_load(&r->stop)) {
		area_snapshot(area, r->long_mode, true, &v);
		r->snapshots++;
		if (v.entry != view_sum(&v))
			r->torn++;
	}
	return NULL;
}

static void race_at(struct race *r, uint64_t gpa, bool long_mode, bool flag)
{
	struct xrs_vm_params p = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER, .clock = &test_mono_clock,
		.steal = &test_counter_steal, .steal_opaque = &r->steal,
	};
	struct kvm_xen_hvm_attr h = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	pthread_t th[3];
	int i;

	r->gpa = gpa;
	r->long_mode = long_mode;
	atomic_store(&r->stop, false);
	TEST_ASSERT_OK(xrs_vm_create(&p, &r->vm), "xrs_vm_create");
	TEST_ASSERT_OK(xrs_vcpu_create(r->vm, 0, -1, &r->v), "xrs_vcpu_create");
	TEST_ASSERT_OK(xrs_vm_map_memory(r->vm, RAM_GPA, 2 * PAGE, r->mem), "xrs_vm_map_memory");
	h.u.long_mode = long_mode;
	TEST_ASSERT_OK(xrs_vm_set_attr(r->vm, &h), "SET LONG_MODE");
	h.type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG;
	XRS_HVM_ATTR_UPDATE_FLAG(&h) = flag;
	TEST_ASSERT_OK(xrs_vm_set_attr(r->vm, &h), "SET RUNSTATE_UPDATE_FLAG");
	a.u.gpa = gpa;
	TEST_ASSERT_OK(xrs_vcpu_set_attr(r->v, &a), "SET RUNSTATE_ADDR %#llx",
		       (unsigned long long)gpa);

	assert_int_equal(pthread_create(&th[0], NULL, vcpu_thread, r), 0);
	assert_int_equal(pthread_create(&th[1], NULL, vmm_thread, r), 0);
	assert_int_equal(pthread_create(&th[2], NULL, guest_reader, r), 0);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	xrs_vm_destroy(r->vm);
}

/* One sweep: every offset where the area crosses P, in one layout. */
static void sweep(struct race *r, bool long_mode, bool flag, uint64_t *snaps, uint64_t *torn)
{
	const uint32_t len = long_mode ? 48 : 44;
	uint32_t before;

	for (before = 1; before < len; before++) {
		r->snapshots = r->torn = 0;
		race_at(r, P - before, long_mode, flag);
		*snaps += r->snapshots;
		*torn += r->torn;
	}
}

/*
 * Without the flag first, sweep after sweep until the reader has seen a
 * torn snapshot (it must, within MAX_SWEEPS); then as many sweeps with it.
 */
#define MAX_SWEEPS	10

static void every_crossing_offset(bool long_mode)
{
	uint64_t snaps[2] = { 0 }, torn[2] = { 0 };
	struct race r = { 0 };
	unsigned int sweeps = 0, i;
	uint8_t *base;

	kt_require(KT_ORDERING);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		print_message("skipped: one CPU: a reader cannot race the writer\n");
		skip();
	}
	base = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	assert_int_equal(mprotect(base + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
	r.mem = base + PAGE;
	while (sweeps < MAX_SWEEPS && (!sweeps || !torn[0])) {
		sweep(&r, long_mode, false, &snaps[0], &torn[0]);
		sweeps++;
	}
	for (i = 0; i < sweeps; i++)
		sweep(&r, long_mode, true, &snaps[1], &torn[1]);
	munmap(base, 4 * PAGE);
	assert_int_equal(atomic_load(&check_failures), 0);
	print_message("%s area, %u offsets across a page, %u sweep(s): flag on: %llu snapshots, "
		      "%llu torn; flag off: %llu snapshots, %llu would have been torn\n",
		      long_mode ? "64-bit" : "compat", (long_mode ? 48 : 44) - 1, sweeps,
		      (unsigned long long)snaps[1], (unsigned long long)torn[1],
		      (unsigned long long)snaps[0], (unsigned long long)torn[0]);
	assert_true(snaps[1] > 0 && snaps[0] > 0);
	assert_int_equal(torn[1], 0);
	/* Without the flag the same race tears: the reader can see it. */
	assert_true(torn[0] > 0);
}

static void readers_never_see_a_torn_64bit_area_with_the_flag(void **state)
{
	(void)state;
	every_crossing_offset(true);
}

static void readers_never_see_a_torn_compat_area_with_the_flag(void **state)
{
	(void)state;
	every_crossing_offset(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readers_never_see_a_torn_64bit_area_with_the_flag),
		cmocka_unit_test(readers_never_see_a_torn_compat_area_with_the_flag),
	};

	return cmocka_run_group_tests_name("torn_reads", tests, NULL, NULL);
}
