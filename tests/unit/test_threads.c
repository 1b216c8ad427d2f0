// SPDX-License-Identifier: MIT
/*
 * Concurrency of the API: a vCPU thread calls enter/exit in a loop while a
 * monitor thread makes attribute calls on the same vCPU and reads
 * snapshots (GET DATA, lock-free stats). The invariant entry == Σ times and
 * monotonic times must hold in every view, and TSan (make check) must find
 * no race. A guest reading the area as Linux does is the stress test's
 * (tests/stress), which runs where memory ordering is the guest's.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include "tests/common/sources.h"
#include "tests/unit/harness.h"

#define AREA	(P - 13)	/* 64-bit, split, flag byte on the second page */
#define ITERS	200000

struct shared {
	struct tvm t;
	atomic_bool stop;
	_Atomic uint64_t steal;		/* the vCPU thread's fake run delay */
};

static void *vcpu_thread(void *arg)
{
	struct shared *s = arg;
	int i;

	CHECK(xrs_vcpu_bind_thread(s->t.vcpu) == 0);
	for (i = 0; i < ITERS; i++) {
		xrs_vcpu_enter(s->t.vcpu);
		if (i % 7 == 0)
			atomic_fetch_add(&s->steal, 50);
		xrs_vcpu_exit(s->t.vcpu);
	}
	atomic_store(&s->stop, true);
	return NULL;
}

static void check_monotonic(const uint64_t *now, uint64_t *prev)
{
	int i;

	for (i = 0; i < 4; i++) {
		CHECK(now[i] >= prev[i]);
		prev[i] = now[i];
	}
}

static void *monitor_thread(void *arg)
{
	struct shared *s = arg;
	struct xrs_vcpu *v = s->t.vcpu;
	uint64_t prev[4] = { 0 }, prev_stats[4] = { 0 };
	unsigned int n = 0;

	while (!atomic_load(&s->stop)) {
		struct kvm_xen_vcpu_attr d = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
		struct xrs_vcpu_stats st;
		uint64_t t[4];

		CHECK(xrs_vcpu_get_attr(v, &d) == 0);
		t[0] = d.u.runstate.time_running;
		t[1] = d.u.runstate.time_runnable;
		t[2] = d.u.runstate.time_blocked;
		t[3] = d.u.runstate.time_offline;
		CHECK(d.u.runstate.state_entry_time == t[0] + t[1] + t[2] + t[3]);
		check_monotonic(t, prev);

		CHECK(xrs_vcpu_get_stats(v, &st) == 0);
		CHECK(st.state_entry_time == st.time[0] + st.time[1] + st.time[2] + st.time[3]);
		check_monotonic(st.time, prev_stats);

		switch (n++ % 4) {
		case 0:
			CHECK(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT,
					XRS_RUNSTATE_BLOCKED, 0, 0, 0, 0, 0) == 0);
			break;
		case 1:
			CHECK(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST,
					(uint64_t)-1, 0, 0, 0, 0, 0) == 0);
			break;
		case 2:
			CHECK(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT,
					XRS_RUNSTATE_OFFLINE, 0, 0, 0, 0, 0) == 0);
			break;
		default:
			/* Re-register: written at once, from this thread. */
			CHECK(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
					AREA, 0, 0, 0, 0, 0) == 0);
			break;
		}
	}
	return NULL;
}

static void attr_calls_and_readers_race_enter_exit_safely(void **state)
{
	static struct shared s;
	struct xrs_vm_params p = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER,
		.clock = &test_mono_clock, .steal = &test_counter_steal,
		.steal_opaque = &s.steal,
	};
	pthread_t vt, mt;
	struct kvm_xen_vcpu_attr d;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(xrs_vm_create(&p, &s.t.vm), 0);
	assert_int_equal(xrs_vcpu_create(s.t.vm, 0, -1, &s.t.vcpu), 0);
	s.t.mem = guarded_alloc(3);
	assert_int_equal(xrs_vm_map_memory(s.t.vm, SHINFO_GPA, 3 * PAGE, s.t.mem), 0);
	set_long_mode(s.t.vm, 1);
	set_update_flag(s.t.vm, 1);
	set_addr(s.t.vcpu, AREA);

	assert_int_equal(pthread_create(&vt, NULL, vcpu_thread, &s), 0);
	assert_int_equal(pthread_create(&mt, NULL, monitor_thread, &s), 0);
	pthread_join(vt, NULL);
	pthread_join(mt, NULL);
	assert_int_equal(atomic_load(&check_failures), 0);
	get_data(s.t.vcpu, &d);
	assert_true(d.u.runstate.time_running > 0);
	assert_true(d.u.runstate.time_runnable > 0);
	xrs_vm_destroy(s.t.vm);
	guarded_free(s.t.mem, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attr_calls_and_readers_race_enter_exit_safely),
	};

	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
