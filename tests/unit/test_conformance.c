// SPDX-License-Identifier: MIT
/*
 * spec/runstate.md §10, cases 1-22, on the user backend with an injected
 * clock and steal source. The setup is the selftest's (harness.h): the
 * 64-bit area straddles a page boundary with its flag byte on the second
 * page. "The guest sees" = what the area holds after the vCPU re-enters.
 */
#include <string.h>
#include "tests/unit/harness.h"

#define S_RUNNING	XRS_RUNSTATE_RUNNING
#define S_RUNNABLE	XRS_RUNSTATE_RUNNABLE
#define S_BLOCKED	XRS_RUNSTATE_BLOCKED
#define S_OFFLINE	XRS_RUNSTATE_OFFLINE

#define ADDR	KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR
#define CURRENT	KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT
#define DATA	KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA
#define ADJUST	KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST

static void enter(struct tvm *t, struct area_view *v)
{
	guest_enter_and_read(t, RUNSTATE_GPA, true, v);
}

static void read_area(struct tvm *t, struct area_view *v)
{
	area_decode(tvm_hva(t, RUNSTATE_GPA), true, v);
}

/* Everything a failed call must leave alone: the accounting and the guest's bytes. */
struct frozen {
	struct kvm_xen_vcpu_attr data;
	uint8_t guest[3 * PAGE];
};

static void freeze(struct tvm *t, struct frozen *f)
{
	get_data(t->vcpu, &f->data);
	memcpy(f->guest, t->mem, sizeof(f->guest));
}

static void assert_unchanged(struct tvm *t, const struct frozen *f)
{
	struct frozen now;

	freeze(t, &now);
	assert_memory_equal(&now.data, &f->data, sizeof(now.data));
	assert_memory_equal(now.guest, f->guest, sizeof(now.guest));
}

/* 1 */
static void first_entry_overwrites_state_and_books_time_since_zero_as_offline(void **state)
{
	struct tvm *t = *state;
	struct area_view v;

	assert_int_equal(*tvm_hva(t, RUNSTATE_GPA), 0x5a);
	enter(t, &v);
	assert_int_equal(v.state, S_RUNNING);
	assert_true(v.time[S_OFFLINE] > 0);
	assert_int_equal(v.time[S_OFFLINE], T0_NS);
	assert_int_equal(v.entry, T0_NS);
}

static void set_state_at_sync_then_reenter(struct tvm *t, uint64_t st, struct area_view *v)
{
	enter(t, v);
	t->fake.now += 1000;
	set_current(t->vcpu, st);		/* the host, at a guest sync */
	t->fake.now += 500;
	enter(t, v);
}

/* 2 */
static void current_runnable_is_booked_and_the_guest_reads_running(void **state)
{
	struct area_view v;

	set_state_at_sync_then_reenter(*state, S_RUNNABLE, &v);
	assert_int_not_equal(v.time[S_RUNNABLE], 0);
	assert_int_equal(v.time[S_RUNNABLE], 500);
	assert_int_equal(v.state, S_RUNNING);
}

/* 3 */
static void current_blocked_is_booked_and_the_guest_reads_running(void **state)
{
	struct area_view v;

	set_state_at_sync_then_reenter(*state, S_BLOCKED, &v);
	assert_int_equal(v.time[S_BLOCKED], 500);
	assert_int_equal(v.state, S_RUNNING);
}

/* 4 */
static void current_offline_is_booked_and_the_guest_reads_running(void **state)
{
	struct tvm *t = *state;
	struct area_view v;

	set_state_at_sync_then_reenter(t, S_OFFLINE, &v);
	assert_int_equal(v.time[S_OFFLINE], T0_NS + 500);
	assert_int_equal(v.state, S_RUNNING);
}

/* 5 */
static void adjust_adds_the_deltas_and_rewrites_the_area_at_once(void **state)
{
	struct tvm *t = *state;
	struct area_view v, before;
	uint64_t dblocked, doffline;

	enter(t, &v);
	t->fake.now += 1000;
	set_current(t->vcpu, S_BLOCKED);
	t->fake.now += 700;
	enter(t, &before);

	dblocked = 0x5a - before.time[S_BLOCKED];
	doffline = 0x6b6b - before.time[S_OFFLINE];
	assert_int_equal(vcpu_attr(t->vcpu, ADJUST, (uint64_t)-1, 0, 0,
				   -(dblocked + doffline), dblocked, doffline), 0);
	read_area(t, &v);			/* written by the ioctl itself */
	assert_int_equal(v.time[S_BLOCKED], 0x5a);
	assert_int_equal(v.time[S_OFFLINE], 0x6b6b);
	assert_int_equal(v.entry, before.entry);
	assert_int_equal(v.entry, view_sum(&v));

	enter(t, &v);
	assert_int_equal(v.time[S_BLOCKED], 0x5a);
	assert_int_equal(v.time[S_OFFLINE], 0x6b6b);
}

/* 6 */
static void data_sets_every_field_and_the_guest_sees_it_after_entry(void **state)
{
	struct tvm *t = *state;
	struct area_view v, before;

	enter(t, &before);
	assert_int_equal(vcpu_attr(t->vcpu, DATA, S_RUNNING, 0x6b6b + 0x5a, 0, 0,
				   0x6b6b, 0x5a), 0);
	read_area(t, &v);
	assert_memory_equal(&v, &before, sizeof(v));	/* DATA writes nothing */

	t->fake.now += 0x9000;
	enter(t, &v);
	assert_true(v.entry >= 0x8000);
	assert_int_equal(v.time[S_RUNNABLE], 0);
	assert_int_equal(v.time[S_BLOCKED], 0x6b6b);
	assert_int_equal(v.time[S_OFFLINE], 0x5a);
	assert_int_equal(v.time[S_RUNNING], t->fake.now - (0x6b6b + 0x5a));
}

/* 7 */
static void run_delay_while_running_is_booked_as_runnable(void **state)
{
	struct tvm *t = *state;
	struct area_view v;
	uint64_t runnable0;

	enter(t, &v);
	runnable0 = v.time[S_RUNNABLE];
	t->fake.run_delay += 50000;		/* the host thread sat on a runqueue */
	t->fake.now += 80000;
	enter(t, &v);
	assert_true(v.time[S_RUNNABLE] >= 50000);
	assert_int_equal(v.time[S_RUNNABLE] - runnable0, 50000);
	assert_int_equal(v.state, S_RUNNING);
}

/* 8 (adapted: no Xen timer in libxrs; the time base is what the selftest relies on) */
static void state_entry_time_is_the_guest_clock_at_entry(void **state)
{
	struct tvm *t = *state;
	struct area_view v;

	enter(t, &v);
	t->fake.now += 123456;
	enter(t, &v);
	assert_int_equal(v.entry, t->fake.now);
	/* A timer armed at entry + 100 ms is 100 ms of guest time away. */
	assert_true(v.entry + 100000000ull > t->fake.now);
}

/* 9 */
static void get_data_returns_what_the_guest_last_saw(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr rst;
	struct area_view v;

	set_state_at_sync_then_reenter(t, S_BLOCKED, &v);
	get_data(t->vcpu, &rst);
	assert_int_equal(rst.u.runstate.state, v.state);
	assert_int_equal(rst.u.runstate.state_entry_time, v.entry);
	assert_int_equal(rst.u.runstate.time_running, v.time[0]);
	assert_int_equal(rst.u.runstate.time_runnable, v.time[1]);
	assert_int_equal(rst.u.runstate.time_blocked, v.time[2]);
	assert_int_equal(rst.u.runstate.time_offline, v.time[3]);
}

static void assert_area_is(struct tvm *t, uint64_t a, bool long_mode,
			   const struct kvm_xen_vcpu_attr *rst)
{
	struct area_view v;
	size_t len = long_mode ? 48 : 44, i;
	const uint8_t *p = tvm_hva(t, a);

	area_decode(p, long_mode, &v);
	assert_int_equal(v.state, rst->u.runstate.state);
	assert_int_equal(v.entry, rst->u.runstate.state_entry_time);
	assert_int_equal(v.time[0], rst->u.runstate.time_running);
	assert_int_equal(v.time[1], rst->u.runstate.time_runnable);
	assert_int_equal(v.time[2], rst->u.runstate.time_blocked);
	assert_int_equal(v.time[3], rst->u.runstate.time_offline);
	assert_int_equal(v.entry, view_sum(&v));
	for (i = len; i < 56; i++)
		assert_int_equal(p[i], 0xa5);
	for (i = 1; i <= 8; i++)
		assert_int_equal(p[-(long)i], 0xa5);	/* nor before it */
}

static void sweep_setup(struct tvm *t, struct kvm_xen_vcpu_attr *rst)
{
	struct area_view v;

	set_state_at_sync_then_reenter(t, S_BLOCKED, &v);
	t->fake.now += 77;
	set_current(t->vcpu, S_OFFLINE);	/* a final state that is not 0 */
	get_data(t->vcpu, rst);			/* the vCPU is stopped now */
}

static void fill(struct tvm *t, uint64_t a)
{
	memset(tvm_hva(t, a) - 8, 0xa5, 64);
}

/* 10 */
static void compat_area_is_exact_at_every_offset_across_a_page_boundary(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr rst;
	uint64_t a;

	sweep_setup(t, &rst);
	for (a = P - 60; a <= P + 3; a++) {
		fill(t, a);
		set_long_mode(t->vm, 0);
		set_addr(t->vcpu, a);
		assert_area_is(t, a, false, &rst);
	}
}

/* 11 */
static void area_set_in_compat_mode_is_rewritten_in_64bit_layout_at_the_same_address(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr rst;
	uint64_t a;

	sweep_setup(t, &rst);
	for (a = P - 60; a <= P + 3; a++) {
		fill(t, a);
		set_long_mode(t->vm, 0);
		set_addr(t->vcpu, a);
		set_long_mode(t->vm, 1);
		fill(t, a);
		/* "Rewrite the area now"; for a in [P-47, P-44] only 64-bit crosses. */
		assert_int_equal(vcpu_attr(t->vcpu, ADJUST, (uint64_t)-1, 0, 0, 0, 0, 0), 0);
		assert_area_is(t, a, true, &rst);
	}
}

/* 12 */
static void current_with_an_invalid_state_is_einval_and_changes_nothing(void **state)
{
	struct tvm *t = *state;
	struct area_view v;
	struct frozen f;

	enter(t, &v);
	t->fake.now += 10;
	freeze(t, &f);
	assert_int_equal(vcpu_attr(t->vcpu, CURRENT, 4, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, CURRENT, (uint64_t)-1, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, CURRENT, 1ull << 32, 0, 0, 0, 0, 0), -EINVAL);
	assert_unchanged(t, &f);
}

/* 13 */
static void data_is_checked_then_stored_exactly_without_a_guest_write(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr got;
	struct area_view v;
	struct frozen f;
	uint64_t now = t->fake.now;

	enter(t, &v);
	freeze(t, &f);
	assert_int_equal(vcpu_attr(t->vcpu, DATA, 4, 10, 1, 2, 3, 4), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, DATA, S_BLOCKED, 11, 1, 2, 3, 4), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, DATA, S_BLOCKED, now + 1, now, 1, 0, 0), -EINVAL);
	assert_unchanged(t, &f);

	assert_int_equal(vcpu_attr(t->vcpu, DATA, S_BLOCKED, now, now - 6, 1, 2, 3), 0);
	get_data(t->vcpu, &got);
	assert_int_equal(got.u.runstate.state, S_BLOCKED);
	assert_int_equal(got.u.runstate.state_entry_time, now);
	assert_int_equal(got.u.runstate.time_running, now - 6);
	assert_int_equal(got.u.runstate.time_runnable, 1);
	assert_int_equal(got.u.runstate.time_blocked, 2);
	assert_int_equal(got.u.runstate.time_offline, 3);
	assert_memory_equal(t->mem, f.guest, sizeof(f.guest));	/* until the next update */
}

/* 14 */
static void adjust_is_checked_and_every_error_changes_nothing(void **state)
{
	struct tvm *t = *state;
	struct area_view v;
	struct frozen f;

	enter(t, &v);
	t->fake.now += 1000;
	freeze(t, &f);
	assert_int_equal(vcpu_attr(t->vcpu, ADJUST, 4, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, ADJUST, (uint64_t)-2, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, ADJUST, (uint64_t)-1, 5, 1, 1, 1, 1), -EINVAL);
	assert_int_equal(vcpu_attr(t->vcpu, ADJUST, (uint64_t)-1, 1001, 1001, 0, 0, 0), -EINVAL);
	assert_unchanged(t, &f);

	/* Entry may move up to now; -1 keeps the state and rewrites the area. */
	assert_int_equal(vcpu_attr(t->vcpu, ADJUST, (uint64_t)-1, 1000, 1000, 0, 0, 0), 0);
	read_area(t, &v);
	assert_int_equal(v.entry, t->fake.now);
	assert_int_equal(v.entry, view_sum(&v));
}

/* 15 */
static void get_adjust_is_einval_and_get_addr_reports_the_exact_gpa_or_enoent(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr a = { .type = ADJUST };
	struct xrs_vcpu *fresh;

	assert_int_equal(xrs_vcpu_get_attr(t->vcpu, &a), -EINVAL);

	assert_int_equal(xrs_vcpu_create(t->vm, 1, -1, &fresh), 0);
	a = (struct kvm_xen_vcpu_attr){ .type = ADDR };
	assert_int_equal(xrs_vcpu_get_attr(fresh, &a), -ENOENT);
	set_addr(fresh, SHINFO_GPA + 0x123);
	assert_int_equal(xrs_vcpu_get_attr(fresh, &a), 0);
	assert_int_equal(a.u.gpa, SHINFO_GPA + 0x123);
	set_addr(fresh, KVM_XEN_INVALID_GPA);
	assert_int_equal(xrs_vcpu_get_attr(fresh, &a), -ENOENT);

	a.u.gpa = 0;
	assert_int_equal(xrs_vcpu_get_attr(t->vcpu, &a), 0);
	assert_int_equal(a.u.gpa, RUNSTATE_GPA);
}

/* 16 */
static void addr_outside_guest_memory_is_efault_and_deactivates_the_area(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr a = { .type = ADDR };
	uint64_t end = SHINFO_GPA + 3 * PAGE;
	uint8_t before[64];

	assert_int_equal(vcpu_attr(t->vcpu, ADDR, 0, 0, 0, 0, 0, 0), 0 - EFAULT);
	assert_int_equal(xrs_vcpu_get_attr(t->vcpu, &a), -ENOENT);

	/* The first page is mapped, the second is not: nothing is written. */
	set_addr(t->vcpu, RUNSTATE_GPA);
	memcpy(before, tvm_hva(t, end - 64), 64);
	a.u.gpa = end - 20;
	assert_int_equal(xrs_vcpu_set_attr(t->vcpu, &a), -EFAULT);
	assert_memory_equal(tvm_hva(t, end - 64), before, 64);
	assert_int_equal(xrs_vcpu_get_attr(t->vcpu, &a), -ENOENT);

	/* The compat layout fits where the 64-bit one does not. */
	set_long_mode(t->vm, 0);
	a.u.gpa = end - 44;
	assert_int_equal(xrs_vcpu_set_attr(t->vcpu, &a), 0);
	set_long_mode(t->vm, 1);
	a.u.gpa = end - 44;
	assert_int_equal(xrs_vcpu_set_attr(t->vcpu, &a), -EFAULT);
}

/* 17 */
static void fresh_vcpu_reads_zero_and_its_first_update_books_offline_since_zero(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr d;
	struct xrs_vcpu *fresh;

	assert_int_equal(xrs_vcpu_create(t->vm, 7, -1, &fresh), 0);
	get_data(fresh, &d);
	assert_int_equal(d.u.runstate.state, 0);
	assert_int_equal(d.u.runstate.state_entry_time, 0);
	assert_int_equal(d.u.runstate.time_running + d.u.runstate.time_runnable +
			 d.u.runstate.time_blocked + d.u.runstate.time_offline, 0);

	t->fake.now = 5555555;
	t->fake.run_delay = 999;		/* never steal for a vCPU that was not running */
	set_current(fresh, S_BLOCKED);
	get_data(fresh, &d);
	assert_int_equal(d.u.runstate.state, S_BLOCKED);
	assert_int_equal(d.u.runstate.state_entry_time, 5555555);
	assert_int_equal(d.u.runstate.time_offline, 5555555);
	assert_int_equal(d.u.runstate.time_runnable, 0);
}

static void data_with_entry_zero_rearms_the_fresh_vcpu_rule(void **state)
{
	struct tvm *t = *state;
	struct area_view v;

	enter(t, &v);
	assert_int_equal(vcpu_attr(t->vcpu, DATA, S_RUNNING, 0, 0, 0, 0, 0), 0);
	t->fake.now += 10;
	enter(t, &v);
	assert_int_equal(v.time[S_OFFLINE], t->fake.now);
	assert_int_equal(v.time[S_RUNNING], 0);
}

/* 19 */
static void preempted_write_without_a_mapping_skips_the_guest_copy_only(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr d;
	struct area_view v;
	uint64_t a = P - 46;			/* compat fits, 64-bit crosses */
	uint8_t before[64];

	set_long_mode(t->vm, 0);
	set_addr(t->vcpu, a);
	guest_enter_and_read(t, a, false, &v);
	set_long_mode(t->vm, 1);
	t->fake.now += 1000;
	memcpy(before, tvm_hva(t, a), sizeof(before));

	set_current(t->vcpu, S_RUNNABLE);	/* atomic path: may not map page 2 */
	assert_memory_equal(tvm_hva(t, a), before, sizeof(before));
	get_data(t->vcpu, &d);
	assert_int_equal(d.u.runstate.state, S_RUNNABLE);
	assert_int_equal(d.u.runstate.state_entry_time, t->fake.now);

	t->fake.now += 300;
	guest_enter_and_read(t, a, true, &v);	/* non-atomic: maps it, exact */
	get_data(t->vcpu, &d);
	assert_int_equal(v.entry, d.u.runstate.state_entry_time);
	assert_int_equal(v.time[S_RUNNABLE], d.u.runstate.time_runnable);
	assert_int_equal(v.time[S_RUNNABLE], 300);
}

/* 20 */
static void clock_going_backwards_books_nothing_until_it_passes_entry(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr d, d0;
	uint64_t entry = t->fake.now;

	assert_int_equal(vcpu_attr(t->vcpu, DATA, S_RUNNING, entry, entry - 100, 100, 0, 0), 0);
	get_data(t->vcpu, &d0);
	t->fake.now -= 1000000000ull;		/* KVM_SET_CLOCK moved it back 1 s */
	t->fake.run_delay += 5000;
	set_current(t->vcpu, S_BLOCKED);
	get_data(t->vcpu, &d);
	assert_int_equal(d.u.runstate.state, S_BLOCKED);
	assert_memory_equal(&d.u.runstate.state_entry_time, &d0.u.runstate.state_entry_time,
			    5 * sizeof(uint64_t));

	t->fake.now = entry + 500;
	set_current(t->vcpu, S_RUNNING);
	get_data(t->vcpu, &d);
	assert_int_equal(d.u.runstate.state_entry_time, entry + 500);
	assert_int_equal(d.u.runstate.time_blocked, 500);
	assert_int_equal(d.u.runstate.time_runnable, 100);
}

/* 20, on the enter path: KVM's vcpu_load update is made whatever the clock says. */
static void enter_while_the_clock_is_behind(struct tvm *t, uint64_t interval_ns)
{
	struct xrs_vcpu_stats st0, st1;
	struct area_view v, v0;
	uint64_t entry;

	assert_int_equal(xrs_vm_set_steal_interval(t->vm, interval_ns), 0);
	enter(t, &v0);
	t->fake.now += 2 * interval_ns + 1000;
	enter(t, &v0);
	entry = v0.entry;

	t->fake.now -= 1000000000ull;		/* KVM_SET_CLOCK moved it back 1 s */
	t->fake.run_delay += 5000;		/* waited while the clock was behind */
	assert_int_equal(xrs_vcpu_get_stats(t->vcpu, &st0), 0);
	enter(t, &v);
	assert_int_equal(xrs_vcpu_get_stats(t->vcpu, &st1), 0);
	assert_int_equal(st1.updates, st0.updates + 1);		/* an update... */
	assert_int_equal(st1.area_writes, st0.area_writes + 1);	/* ...that wrote the area */
	assert_int_equal(st1.steal_samples, st0.steal_samples + 1);
	assert_memory_equal(&v, &v0, sizeof(v));		/* and booked nothing */

	/* Once the clock passes entry, that wait is not booked as runnable. */
	t->fake.now = entry + 2 * interval_ns + 10000;
	enter(t, &v);
	assert_int_equal(v.time[S_RUNNABLE], v0.time[S_RUNNABLE]);
	assert_int_equal(v.time[S_RUNNING] - v0.time[S_RUNNING], 2 * interval_ns + 10000);
}

static void enter_while_the_clock_is_behind_resamples_steal_and_books_nothing(void **state)
{
	enter_while_the_clock_is_behind(*state, 0);
}

static void enter_while_the_clock_is_behind_updates_whatever_the_steal_interval(void **state)
{
	enter_while_the_clock_is_behind(*state, 1000000);
}

/* 21 */
static void steal_larger_than_the_interval_is_clamped_to_it(void **state)
{
	struct tvm *t = *state;
	struct area_view v, v0;

	enter(t, &v0);
	t->fake.now += 1000;
	t->fake.run_delay += 5000;
	enter(t, &v);
	assert_int_equal(v.time[S_RUNNABLE] - v0.time[S_RUNNABLE], 1000);
	assert_int_equal(v.time[S_RUNNING], v0.time[S_RUNNING]);

	/* Negative steal (a counter from another thread) is ignored. */
	t->fake.now += 1000;
	t->fake.run_delay -= 3000;
	enter(t, &v0);
	assert_int_equal(v0.time[S_RUNNING] - v.time[S_RUNNING], 1000);
	assert_int_equal(v0.time[S_RUNNABLE], v.time[S_RUNNABLE]);
}

/* 22 */
static void restored_runnable_vcpu_books_the_migration_gap_as_runnable(void **state)
{
	struct tvm *t = *state, t2;
	struct kvm_xen_vcpu_attr d;
	struct area_view v;

	enter(t, &v);
	t->fake.now += 5000;
	get_data(t->vcpu, &d);
	d.u.runstate.state = S_RUNNABLE;	/* saved as runnable */

	tvm_init(&t2);
	t2.fake.now = t->fake.now + 10000000;	/* 10 ms later, clock restored */
	t2.fake.run_delay = 123456789;		/* another host, another thread */
	set_long_mode(t2.vm, 1);
	assert_int_equal(xrs_vcpu_set_attr(t2.vcpu, &d), 0);
	set_addr(t2.vcpu, RUNSTATE_GPA);
	guest_enter_and_read(&t2, RUNSTATE_GPA, true, &v);
	assert_true(v.time[S_RUNNABLE] - d.u.runstate.time_runnable >= 10000000);
	assert_true(v.time[S_RUNNABLE] - d.u.runstate.time_runnable < 5000000000ull);
	assert_int_equal(v.time[S_RUNNING], d.u.runstate.time_running);
	tvm_fini(&t2);
}

static void run_delay_outside_running_is_not_steal(void **state)
{
	struct tvm *t = *state;
	struct area_view v, v0;

	enter(t, &v0);
	set_current(t->vcpu, S_BLOCKED);
	t->fake.now += 10000;
	t->fake.run_delay += 4000;		/* woke up and waited: not stolen */
	enter(t, &v);
	assert_int_equal(v.time[S_RUNNABLE], v0.time[S_RUNNABLE]);
	assert_int_equal(v.time[S_BLOCKED] - v0.time[S_BLOCKED], 10000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tvm_setup_selftest, tvm_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(first_entry_overwrites_state_and_books_time_since_zero_as_offline),
		T(current_runnable_is_booked_and_the_guest_reads_running),
		T(current_blocked_is_booked_and_the_guest_reads_running),
		T(current_offline_is_booked_and_the_guest_reads_running),
		T(adjust_adds_the_deltas_and_rewrites_the_area_at_once),
		T(data_sets_every_field_and_the_guest_sees_it_after_entry),
		T(run_delay_while_running_is_booked_as_runnable),
		T(state_entry_time_is_the_guest_clock_at_entry),
		T(get_data_returns_what_the_guest_last_saw),
		T(compat_area_is_exact_at_every_offset_across_a_page_boundary),
		T(area_set_in_compat_mode_is_rewritten_in_64bit_layout_at_the_same_address),
		T(current_with_an_invalid_state_is_einval_and_changes_nothing),
		T(data_is_checked_then_stored_exactly_without_a_guest_write),
		T(adjust_is_checked_and_every_error_changes_nothing),
		T(get_adjust_is_einval_and_get_addr_reports_the_exact_gpa_or_enoent),
		T(addr_outside_guest_memory_is_efault_and_deactivates_the_area),
		T(fresh_vcpu_reads_zero_and_its_first_update_books_offline_since_zero),
		T(data_with_entry_zero_rearms_the_fresh_vcpu_rule),
		T(preempted_write_without_a_mapping_skips_the_guest_copy_only),
		T(clock_going_backwards_books_nothing_until_it_passes_entry),
		T(enter_while_the_clock_is_behind_resamples_steal_and_books_nothing),
		T(enter_while_the_clock_is_behind_updates_whatever_the_steal_interval),
		T(steal_larger_than_the_interval_is_clamped_to_it),
		T(restored_runnable_vcpu_books_the_migration_gap_as_runnable),
		T(run_delay_outside_running_is_not_steal),
	};

	return cmocka_run_group_tests_name("conformance", tests, NULL, NULL);
}
