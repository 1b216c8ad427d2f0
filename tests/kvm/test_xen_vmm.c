// SPDX-License-Identifier: MIT
/*
 * xrs run's VMM on a real KVM, with 64-bit and 32-bit Xen guests: areas by
 * VA and by GPA, in a page, across one, and on two pages that are not
 * physically adjacent; timed blocks and vCPUs taken down; steal on a
 * crowded CPU; other vCPUs' areas read with the update flag; and a
 * hostile guest.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tests/kvm/kvmtest.h"
#include "tests/kvm/views.h"
#include "vmm/checks.h"
#include "vmm/vcpu-sample.h"
#include "vmm/vmm.h"
#include "vmm/xen/runstate.h"

static struct vmm *vm_run(struct vmm_config *cfg, double seconds)
{
	struct vmm *m;
	struct vmm_err err;
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };

	cfg->runstate = true;
	cfg->backend = XRS_BACKEND_USER;
	cfg->hooks = &vmm_host_checks;
	if (!cfg->bits)
		cfg->bits = GUEST_64;
	if (vmm_create(cfg, &m, &err))
		fail_msg("vmm_create: %s", err.msg);
	if (vmm_start(m, &err))
		fail_msg("vmm_start: %s", err.msg);
	if (seconds > 0)
		nanosleep(&ts, NULL);
	if (seconds > 0)
		vmm_stop(m);
	vmm_join(m, 120);
	return m;
}

static void area_views(enum guest_width bits)
{
	struct views w = { 0 };
	struct vmm_config cfg = { .nr_vcpus = 2, .bits = bits, .program = VMM_PROG_AREA_VIEWS,
				  .on_ucall = views_on_sync, .opaque = &w };
	struct vmm *m;

	kt_require_guest(bits);
	m = vm_run(&cfg, 0);
	kt_assert_vmm_clean(m);
	if (w.bad)
		fail_msg("%u bad views: %s", w.bad, w.why);
	assert_int_equal(w.steps[0], 5);	/* + the non-adjacent window */
	assert_int_equal(w.steps[1], 4);
	/* Each step: the guest's report matched GET DATA, and the timed block was checked. */
	assert_true(atomic_load(&m->vcpus[0].check.host_checks) >= 5);
	assert_true(atomic_load(&m->vcpus[0].check.block_checks) +
		    atomic_load(&m->vcpus[1].check.block_checks) > 0);
	vmm_destroy(m);
}

static void areas_in_every_place_match_the_host_64bit(void **state)
{
	(void)state;
	area_views(GUEST_64);
}

static void areas_in_every_place_match_the_host_32bit(void **state)
{
	(void)state;
	area_views(GUEST_32);
}

static void timed_blocks_book_at_least_their_time_as_blocked(void **state)
{
	struct vmm_config cfg = { .nr_vcpus = 2, .program = VMM_PROG_WORKLOAD,
				  .workload = VMM_WL_IDLE };
	struct kvm_xen_vcpu_attr d;
	struct vmm *m;

	(void)state;
	kt_require_kvm();
	m = vm_run(&cfg, 1.0);
	kt_assert_vmm_clean(m);
	assert_true(atomic_load(&m->vcpus[0].check.block_checks) > 0);
	TEST_ASSERT_OK(runstate_get(&m->vcpus[0].xen, &d), "GET RUNSTATE_DATA");
	assert_true(d.u.runstate.time_blocked > d.u.runstate.time_running);
	vmm_destroy(m);
}

static void a_vcpu_kept_down_books_at_least_that_time_as_offline(void **state)
{
	struct vmm_config cfg = { .nr_vcpus = 3, .program = VMM_PROG_WORKLOAD,
				  .workload = VMM_WL_MIXED, .update_flag = true };
	struct vmm *m;

	(void)state;
	kt_require_kvm();
	m = vm_run(&cfg, 1.5);
	kt_assert_vmm_clean(m);
	/* vCPU 0 takes the last one down every 200 ms; each return is checked. */
	assert_true(atomic_load(&m->vcpus[2].check.offline_checks) > 0);
	print_message("%llu down/up rounds checked\n",
		      (unsigned long long)atomic_load(&m->vcpus[2].check.offline_checks));
	vmm_destroy(m);
}

static void four_vcpus_on_one_cpu_get_their_run_delay_as_runnable(void **state)
{
	struct vmm_config cfg = { .nr_vcpus = 4, .program = VMM_PROG_WORKLOAD,
				  .workload = VMM_WL_SPIN, .pin = { 0 }, .nr_pin = 1,
				  .refresh_ms = 10 };
	struct vmm *m;
	uint32_t i;

	(void)state;
	kt_require_kvm();
	m = vm_run(&cfg, 2.0);
	kt_assert_vmm_clean(m);
	for (i = 0; i < 4; i++) {
		struct kvm_xen_vcpu_attr d;
		struct vmm_vcpu *v = &m->vcpus[i];
		uint64_t rd = v->rd_end_ns - v->rd_start_ns, runnable, diff, slack;

		TEST_ASSERT_OK(runstate_get(&v->xen, &d), "GET RUNSTATE_DATA of vCPU %u", i);
		runnable = d.u.runstate.time_runnable;
		diff = runnable > rd ? runnable - rd : rd - runnable;
		slack = 1000000 + rd / 100;
		print_message("vCPU %u: runnable %.3f ms, its thread's run delay %.3f ms\n", i,
			      runnable / 1e6, rd / 1e6);
		assert_true(runnable > 0);
		assert_true(diff <= slack);
	}
	vmm_destroy(m);
}

static void other_vcpus_areas_read_with_the_flag_hold_the_invariants(void **state)
{
	struct vmm_config cfg = { .nr_vcpus = 4, .program = VMM_PROG_WORKLOAD,
				  .workload = VMM_WL_MIXED, .update_flag = true };
	uint64_t remote = 0;
	struct vmm *m;
	uint32_t i;

	(void)state;
	kt_require_kvm();
	m = vm_run(&cfg, 1.5);
	kt_assert_vmm_clean(m);
	for (i = 0; i < 4; i++) {
		struct vmm_vcpu_sample s;

		vmm_sample_vcpu(m, i, true, &s);
		remote += s.remote_checks;
	}
	print_message("%llu reads of other vCPUs' areas, 0 violations\n",
		      (unsigned long long)remote);
	assert_true(remote > 0);
	vmm_destroy(m);
}

static void hostile(enum guest_width bits)
{
	struct vmm_config cfg = { .nr_vcpus = 2, .bits = bits, .program = VMM_PROG_HOSTILE };
	struct vmm *m;

	kt_require_guest(bits);
	m = vm_run(&cfg, 0);
	kt_assert_vmm_clean(m);
	assert_true(atomic_load(&m->vcpus[0].done) && atomic_load(&m->vcpus[1].done));
	/* After all that, a good area matched GET DATA. */
	assert_true(atomic_load(&m->vcpus[0].check.host_checks) > 0);
	assert_true(atomic_load(&m->vcpus[0].guest_checks) > 0);
	vmm_destroy(m);
}

static void hostile_guest_gets_errors_and_the_vmm_carries_on_64bit(void **state)
{
	(void)state;
	hostile(GUEST_64);
}

static void hostile_guest_gets_errors_and_the_vmm_carries_on_32bit(void **state)
{
	(void)state;
	hostile(GUEST_32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(areas_in_every_place_match_the_host_64bit),
		cmocka_unit_test(areas_in_every_place_match_the_host_32bit),
		cmocka_unit_test(timed_blocks_book_at_least_their_time_as_blocked),
		cmocka_unit_test(a_vcpu_kept_down_books_at_least_that_time_as_offline),
		cmocka_unit_test(four_vcpus_on_one_cpu_get_their_run_delay_as_runnable),
		cmocka_unit_test(other_vcpus_areas_read_with_the_flag_hold_the_invariants),
		cmocka_unit_test(hostile_guest_gets_errors_and_the_vmm_carries_on_64bit),
		cmocka_unit_test(hostile_guest_gets_errors_and_the_vmm_carries_on_32bit),
	};

	return cmocka_run_group_tests_name("xen_vmm", tests, NULL, NULL);
}
