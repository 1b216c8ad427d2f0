// SPDX-License-Identifier: MIT
/*
 * Save and restore mid-workload, the path RUNSTATE_DATA exists for: a VM
 * runs the mixed workload (compute, timed blocks, yields, exits, a vCPU
 * taken down and up), is paused and saved with its runstate and KVM clock,
 * and goes on in a new VM restored from it (KVM_SET_CLOCK, then SET DATA:
 * QEMU's order), whose own clock was behind the saved one (fresh) or had
 * run an hour ahead. Then:
 *  - the guests' own checks (entry == sum, times never back, entry not in
 *    their future) and the VMM's host checks stay clean across the move;
 *  - right after the restore the accounting is exactly what was saved;
 *  - no time goes backwards, and nothing jumps by more than the real time
 *    that passed; the time away is booked (runnable, or offline if down).
 */
#include <string.h>
#include <time.h>
#include "tests/kvm/kvmtest.h"
#include "util/hosttime.h"
#include "vmm/checks.h"
#include "vmm/migrate.h"
#include "vmm/vcpu-sample.h"
#include "vmm/vmm.h"

#define RUN_S		0.8
#define GAP_MS		30
#define SLACK_NS	(2 * NSEC_PER_MSEC)

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static struct vmm *started(const struct vmm_config *cfg)
{
	struct vmm_err e;
	struct vmm *m;

	if (vmm_create(cfg, &m, &e))
		fail_msg("vmm_create: %s", e.msg);
	if (vmm_start(m, &e))
		fail_msg("vmm_start: %s", e.msg);
	return m;
}

/* The entry time, then the four times. */
static uint64_t field(const struct kvm_xen_vcpu_attr *d, int k)
{
	const __u64 *f = &d->u.runstate.state_entry_time;

	return f[k];
}

static void save_mid_workload_and_go_on(enum guest_width bits, bool clock_ahead)
{
	struct vmm_config cfg = {
		.nr_vcpus = 3, .bits = bits, .program = VMM_PROG_WORKLOAD,
		.workload = VMM_WL_MIXED, .update_flag = true, .runstate = true,
		.backend = XRS_BACKEND_USER, .refresh_ms = 10, .hooks = &vmm_host_checks,
	};
	struct vmm_snapshot *snap;
	struct vmm_err e;
	struct vmm *m;
	uint64_t gap, wall;
	uint32_t i;
	int k;

	kt_require_guest(bits);
	m = started(&cfg);
	sleep_s(RUN_S);
	TEST_ASSERT_OK(vmm_pause(m, 30), "vmm_pause (%s)", m->failure.msg);
	kt_assert_vmm_clean(m);
	if (vmm_save(m, &snap, &e))
		fail_msg("vmm_save: %s", e.msg);
	vmm_destroy(m);
	sleep_s(GAP_MS / 1000.0);

	if (vmm_create(&cfg, &m, &e))
		fail_msg("vmm_create: %s", e.msg);
	if (clock_ahead && vmm_clock_ahead(m, snap->clock_ns + 3600 * NSEC_PER_SEC, &e))
		fail_msg("vmm_clock_ahead: %s", e.msg);
	gap = mono_ns() - snap->saved_mono_ns;
	if (vmm_restore(m, snap, &e))
		fail_msg("vmm_restore: %s", e.msg);
	for (i = 0; i < m->nr_vcpus; i++) {
		struct kvm_xen_vcpu_attr d;

		TEST_ASSERT_OK(runstate_get(&m->vcpus[i].xen, &d), "GET DATA of vCPU %u", i);
		assert_memory_equal(&d.u.runstate, &snap->vcpus[i].runstate.data.u.runstate,
				    sizeof(d.u.runstate));
	}
	if (vmm_start(m, &e))
		fail_msg("vmm_start: %s", e.msg);
	sleep_s(RUN_S);
	vmm_stop(m);
	TEST_ASSERT_OK(vmm_join(m, 30), "vmm_join (%s)", m->failure.msg);
	wall = mono_ns() - snap->saved_mono_ns;
	kt_assert_vmm_clean(m);
	assert_true(atomic_load(&m->vcpus[0].guest_checks) > 0);	/* the guests kept checking */

	for (i = 0; i < m->nr_vcpus; i++) {
		const struct kvm_xen_vcpu_attr *d0 = &snap->vcpus[i].runstate.data;
		struct kvm_xen_vcpu_attr d1;
		uint64_t away;

		TEST_ASSERT_OK(runstate_get(&m->vcpus[i].xen, &d1), "GET DATA of vCPU %u", i);
		for (k = 0; k < 5; k++)
			if (field(&d1, k) < field(d0, k))
				fail_msg("vCPU %u: field %d went back from %llu to %llu", i, k,
					 (unsigned long long)field(d0, k),
					 (unsigned long long)field(&d1, k));
		/* Nothing jumps: the accounting moved by the time that passed, no more. */
		assert_true(d1.u.runstate.state_entry_time - d0->u.runstate.state_entry_time <=
			    wall + SLACK_NS);
		/* The time away is booked: runnable, or offline for a vCPU that was down. */
		away = d1.u.runstate.time_runnable - d0->u.runstate.time_runnable +
		       d1.u.runstate.time_offline - d0->u.runstate.time_offline;
		print_message("vCPU %u: saved %s, away %.1f ms, booked runnable+offline +%.1f ms, "
			      "entry +%.1f ms over %.1f ms of wall time\n", i,
			      d0->u.runstate.state == XRS_RUNSTATE_OFFLINE ? "offline" : "runnable",
			      gap / 1e6, away / 1e6,
			      (d1.u.runstate.state_entry_time - d0->u.runstate.state_entry_time) / 1e6,
			      wall / 1e6);
		assert_true(away >= gap - SLACK_NS);
	}
	vmm_snapshot_free(snap);
	vmm_destroy(m);
}

static void a_vm_saved_mid_workload_goes_on_in_a_new_one_64bit(void **state)
{
	(void)state;
	save_mid_workload_and_go_on(GUEST_64, false);
}

static void a_vm_saved_mid_workload_goes_on_in_a_new_one_32bit(void **state)
{
	(void)state;
	save_mid_workload_and_go_on(GUEST_32, false);
}

static void a_restore_onto_a_clock_that_ran_ahead_follows_it_back(void **state)
{
	(void)state;
	save_mid_workload_and_go_on(GUEST_64, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_vm_saved_mid_workload_goes_on_in_a_new_one_64bit),
		cmocka_unit_test(a_vm_saved_mid_workload_goes_on_in_a_new_one_32bit),
		cmocka_unit_test(a_restore_onto_a_clock_that_ran_ahead_follows_it_back),
	};

	return cmocka_run_group_tests_name("save_restore", tests, NULL, NULL);
}
