// SPDX-License-Identifier: MIT
/*
 * The default sources on a real host: steal is the run delay of the thread
 * bound to the vCPU (its /proc/self/task/<tid>/schedstat), whichever thread
 * makes the call; between steal samples enter() makes no syscall; with no
 * VM the clock is CLOCK_MONOTONIC. Threads are pinned next to a busy thread
 * to make run delay happen; the assertions compare counters, not durations.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tests/unit/harness.h"
#include "util/hosttime.h"
#include "util/pin.h"
#include "util/schedstat.h"

static void pin(int cpu)
{
	CHECK(pin_to_cpu(cpu) == 0);
}

static void spin_for(uint64_t ns)
{
	uint64_t end = mono_ns() + ns;

	while (mono_ns() < end)
		;
}

struct hog {
	pthread_t th;
	atomic_bool stop;
};

static void *hog_main(void *arg)
{
	struct hog *h = arg;

	pin(0);
	while (!atomic_load_explicit(&h->stop, memory_order_relaxed))
		;
	return NULL;
}

static void hog_start(struct hog *h)
{
	atomic_init(&h->stop, false);
	CHECK(pthread_create(&h->th, NULL, hog_main, h) == 0);
}

static void hog_stop(struct hog *h)
{
	atomic_store(&h->stop, true);
	pthread_join(h->th, NULL);
}

static struct {
	struct xrs_vcpu *v;
	pid_t tid;
	uint64_t rd_last_pre;		/* run delay just before the last enter */
	atomic_int phase;		/* 1: looping done */
	int park[2];			/* a pipe: blocked on it, the thread's run delay is frozen */
} vt;

static void *vcpu_main(void *arg)
{
	struct hog hog;
	uint64_t end;

	(void)arg;
	pin(0);
	vt.tid = gettid();
	CHECK(xrs_vcpu_bind_thread(vt.v) == 0);
	xrs_vcpu_enter(vt.v);
	xrs_vcpu_exit(vt.v);
	hog_start(&hog);
	end = mono_ns() + 60000000ull;
	while (mono_ns() < end) {
		vt.rd_last_pre = (uint64_t)run_delay_of(vt.tid);
		xrs_vcpu_enter(vt.v);
		spin_for(100000);		/* "in the guest" */
		xrs_vcpu_exit(vt.v);
	}
	hog_stop(&hog);
	atomic_store(&vt.phase, 1);
	CHECK(read(vt.park[0], &end, 1) == 1);
	return NULL;
}

static void steal_is_the_bound_threads_run_delay_whoever_asks(void **state)
{
	struct kvm_xen_vcpu_attr d0, d1;
	struct xrs_vm *vm;
	struct hog hog;
	pthread_t th;
	uint64_t rd_park, rd_still, main_rd0, main_rd1;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		print_message("needs 2 CPUs: one contended, one for the monitor\n");
		skip();
	}
	vm = default_vm(&vt.v);
	assert_int_equal(xrs_vm_set_steal_interval(vm, 0), 0);	/* sample every enter */
	atomic_init(&vt.phase, 0);
	assert_int_equal(pipe(vt.park), 0);
	assert_int_equal(pthread_create(&th, NULL, vcpu_main, NULL), 0);
	while (atomic_load(&vt.phase) != 1)
		usleep(1000);
	usleep(5000);
	rd_park = (uint64_t)run_delay_of(vt.tid);

	/* The monitor now suffers run delay of its own, then calls in. */
	pin(0);
	main_rd0 = (uint64_t)run_delay_of(gettid());
	hog_start(&hog);
	spin_for(40000000ull);
	hog_stop(&hog);
	main_rd1 = (uint64_t)run_delay_of(gettid());

	get_data(vt.v, &d0);			/* as of the vCPU's last enter */
	set_current(vt.v, XRS_RUNSTATE_RUNNING);
	get_data(vt.v, &d1);
	rd_still = (uint64_t)run_delay_of(vt.tid);
	assert_int_equal(write(vt.park[1], "x", 1), 1);
	pthread_join(th, NULL);
	close(vt.park[0]);
	close(vt.park[1]);

	assert_int_equal(atomic_load(&check_failures), 0);
	/* The vCPU thread waited behind the hog: that is its steal. */
	assert_true(d0.u.runstate.time_runnable > 1000000);
	/* The monitor's own run delay grew, but the monitor's call booked only the vCPU's. */
	assert_true(main_rd1 - main_rd0 > 5000000);
	assert_true(rd_still == rd_park);	/* it really was parked */
	assert_true(d1.u.runstate.time_runnable - d0.u.runstate.time_runnable <=
		    rd_park - vt.rd_last_pre);
	print_message("vCPU steal %.1f ms; monitor's own run delay %.1f ms, not booked\n",
		      d0.u.runstate.time_runnable / 1e6, (main_rd1 - main_rd0) / 1e6);
	xrs_vm_destroy(vm);
}

static void enters_between_steal_samples_read_nothing(void **state)
{
	struct xrs_vcpu_stats st0, st1;
	struct xrs_vcpu *v;
	struct xrs_vm *vm = default_vm(&v);
	int i;

	(void)state;
	assert_int_equal(xrs_vm_set_steal_interval(vm, 3600ull * 1000000000ull), 0);
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	xrs_vcpu_enter(v);
	assert_int_equal(xrs_vcpu_get_stats(v, &st0), 0);
	assert_int_equal(st0.steal_samples, 1);
	for (i = 0; i < 1000; i++) {
		xrs_vcpu_exit(v);
		xrs_vcpu_enter(v);
	}
	assert_int_equal(xrs_vcpu_get_stats(v, &st1), 0);
	assert_int_equal(st1.enters, 1001);
	assert_int_equal(st1.steal_samples, 1);
	assert_int_equal(st1.updates, st0.updates);
	assert_int_equal(st1.state_entry_time, st0.state_entry_time);

	/* Any attribute call makes the next enter book at once. */
	assert_int_equal(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST,
				   (uint64_t)-1, 0, 0, 0, 0, 0), 0);
	xrs_vcpu_enter(v);
	assert_int_equal(xrs_vcpu_get_stats(v, &st1), 0);
	assert_int_equal(st1.steal_samples, 2);
	assert_true(st1.state_entry_time > st0.state_entry_time);

	/* Interval 0: every enter is KVM's vcpu_load. */
	assert_int_equal(xrs_vm_set_steal_interval(vm, 0), 0);
	for (i = 0; i < 10; i++)
		xrs_vcpu_enter(v);
	assert_int_equal(xrs_vcpu_get_stats(v, &st1), 0);
	assert_int_equal(st1.steal_samples, 12);
	xrs_vm_destroy(vm);
}

static void the_default_sources_reads_are_timed_and_counted(void **state)
{
	struct xrs_vcpu_stats st;
	struct xrs_vcpu *v;
	struct xrs_vm *vm = default_vm(&v);
	uint64_t t0, t1;
	int i;

	(void)state;
	assert_int_equal(xrs_vm_set_steal_interval(vm, 0), 0);
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	t0 = mono_ns();
	for (i = 0; i < 100; i++) {
		xrs_vcpu_enter(v);
		xrs_vcpu_exit(v);
	}
	assert_int_equal(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT,
				   XRS_RUNSTATE_BLOCKED, 0, 0, 0, 0, 0), 0);
	t1 = mono_ns();
	assert_int_equal(xrs_vcpu_get_stats(v, &st), 0);
	assert_int_equal(st.steal_samples, 101);
	/* Some time, and no more than the calls took in all. */
	assert_true(st.steal_sample_ns > 0);
	assert_true(st.steal_sample_ns <= t1 - t0);
	xrs_vm_destroy(vm);
}

static void without_a_vm_time_is_clock_monotonic(void **state)
{
	struct xrs_vcpu_stats st;
	struct xrs_vcpu *v;
	struct xrs_vm *vm = default_vm(&v);
	uint64_t t0, t1;

	(void)state;
	t0 = mono_ns();
	xrs_vcpu_enter(v);
	t1 = mono_ns();
	assert_int_equal(xrs_vcpu_get_stats(v, &st), 0);
	assert_true(st.state_entry_time >= t0 && st.state_entry_time <= t1);
	assert_int_equal(st.time[XRS_RUNSTATE_OFFLINE], st.state_entry_time);
	xrs_vm_destroy(vm);
}

static void *rebind_main(void *arg)
{
	struct xrs_vcpu *v = arg;

	CHECK(xrs_vcpu_bind_thread(v) == 0);
	xrs_vcpu_enter(v);
	return NULL;
}

static void rebinding_does_not_book_the_new_threads_history(void **state)
{
	struct kvm_xen_vcpu_attr d0, d1;
	struct xrs_vcpu *v;
	struct xrs_vm *vm = default_vm(&v);
	struct hog hog;
	pthread_t th;
	uint64_t rd;

	(void)state;
	assert_int_equal(xrs_vm_set_steal_interval(vm, 0), 0);
	assert_int_equal(pthread_create(&th, NULL, rebind_main, v), 0);
	pthread_join(th, NULL);
	get_data(v, &d0);

	/* This thread builds up run delay before it takes the vCPU over. */
	pin(0);
	hog_start(&hog);
	spin_for(30000000ull);
	hog_stop(&hog);
	rd = (uint64_t)run_delay_of(gettid());
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	xrs_vcpu_enter(v);
	get_data(v, &d1);
	assert_int_equal(atomic_load(&check_failures), 0);
	assert_true(rd > 1000000);
	assert_true(d1.u.runstate.time_runnable - d0.u.runstate.time_runnable < rd / 2);
	xrs_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steal_is_the_bound_threads_run_delay_whoever_asks),
		cmocka_unit_test(enters_between_steal_samples_read_nothing),
		cmocka_unit_test(the_default_sources_reads_are_timed_and_counted),
		cmocka_unit_test(without_a_vm_time_is_clock_monotonic),
		cmocka_unit_test(rebinding_does_not_book_the_new_threads_history),
	};

	/* The schedstat source's tests: the map's are test_preempt_bpf's. */
	setenv("XRS_PREEMPT_SOURCE", "none", 1);
	return cmocka_run_group_tests_name("steal_schedstat", tests, NULL, NULL);
}
