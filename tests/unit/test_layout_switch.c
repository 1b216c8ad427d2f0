// SPDX-License-Identifier: MIT
/*
 * spec §6: which writes a LONG_MODE change lets through. KVM maps the area's
 * page from gpa to its end whatever the layout, and the next page only when
 * the layout current at SET ADDR crosses into it. A later write in the other
 * layout is made if those pages hold it; if it needs a second page never set
 * up, a write that may map (entry, CURRENT other than runnable, ADJUST) maps
 * it and is made, and the atomic one (CURRENT runnable: KVM's preemption
 * path) is skipped. Every combination, at every offset around a page
 * boundary.
 */
#include <string.h>
#include "tests/unit/harness.h"

#define FILL	0xa5

static uint32_t layout_len(bool long_mode)
{
	return long_mode ? 48 : 44;
}

static bool crosses(uint64_t gpa, bool long_mode)
{
	return layout_len(long_mode) > PAGE - (gpa % PAGE);
}

static void fill(struct tvm *t, uint64_t a)
{
	memset(tvm_hva(t, a) - 8, FILL, 64);
}

/* 8 bytes before the area and everything after it up to 56 bytes still FILL. */
static void assert_nothing_outside(struct tvm *t, uint64_t a, bool long_mode)
{
	const uint8_t *p = tvm_hva(t, a);
	uint32_t i;

	for (i = 1; i <= 8; i++)
		assert_int_equal(p[-(int)i], FILL);
	for (i = layout_len(long_mode); i < 56; i++)
		assert_int_equal(p[i], FILL);
}

static bool untouched(struct tvm *t, uint64_t a)
{
	const uint8_t *p = tvm_hva(t, a) - 8;
	int i;

	for (i = 0; i < 64; i++)
		if (p[i] != FILL)
			return false;
	return true;
}

static void assert_area_is_the_state(struct tvm *t, uint64_t a, bool long_mode)
{
	struct kvm_xen_vcpu_attr d;
	struct area_view v;

	get_data(t->vcpu, &d);
	area_decode(tvm_hva(t, a), long_mode, &v);
	assert_int_equal(v.state, d.u.runstate.state);
	assert_int_equal(v.entry, d.u.runstate.state_entry_time);
	assert_memory_equal(v.time, &d.u.runstate.time_running, sizeof(v.time));
	assert_nothing_outside(t, a, long_mode);
}

/*
 * For each address from P-60 to P+3: SET ADDR in @set_lm, switch to
 * @write_lm, make one write (atomic or not), and check it was made exactly
 * or skipped without a byte changed, as the rule says. Returns the number
 * skipped.
 */
static unsigned int switch_then_write(struct tvm *t, bool set_lm, bool write_lm, bool atomic)
{
	unsigned int skipped = 0;
	uint64_t a;

	for (a = P - 60; a <= P + 3; a++) {
		bool page2_set_up = crosses(a, set_lm);
		bool made = !atomic || !crosses(a, write_lm) || page2_set_up;

		set_long_mode(t->vm, set_lm);
		set_addr(t->vcpu, a);
		set_long_mode(t->vm, write_lm);
		fill(t, a);
		t->fake.now += 1000;
		set_current(t->vcpu, atomic ? XRS_RUNSTATE_RUNNABLE : XRS_RUNSTATE_BLOCKED);
		if (made) {
			assert_area_is_the_state(t, a, write_lm);
		} else {
			assert_true(untouched(t, a));
			skipped++;
		}
	}
	return skipped;
}

static void an_atomic_write_after_a_switch_to_compat_is_made_wherever_the_area_is(void **state)
{
	assert_int_equal(switch_then_write(*state, true, false, true), 0);
}

static void an_atomic_write_after_a_switch_to_64bit_is_made_where_the_pages_set_up_hold_it(
	void **state)
{
	/* Skipped only where compat fits and 64-bit crosses: P-47 to P-44. */
	assert_int_equal(switch_then_write(*state, false, true, true), 4);
}

static void a_write_that_may_map_after_a_switch_to_compat_is_made_wherever_the_area_is(
	void **state)
{
	assert_int_equal(switch_then_write(*state, true, false, false), 0);
}

static void a_write_that_may_map_after_a_switch_to_64bit_maps_the_second_page_and_is_made(
	void **state)
{
	assert_int_equal(switch_then_write(*state, false, true, false), 0);
}

static void an_atomic_write_after_a_second_page_was_mapped_lazily_is_made(void **state)
{
	struct tvm *t = *state;
	const uint64_t a = P - 46;

	set_long_mode(t->vm, 0);
	set_addr(t->vcpu, a);			/* compat fits: one page */
	set_long_mode(t->vm, 1);
	t->fake.now += 10;
	xrs_vcpu_enter(t->vcpu);		/* may map: sets the second page up */
	fill(t, a);
	t->fake.now += 10;
	set_current(t->vcpu, XRS_RUNSTATE_RUNNABLE);
	assert_area_is_the_state(t, a, true);
}

static void entry_after_a_switch_to_64bit_maps_the_second_page(void **state)
{
	struct tvm *t = *state;
	const uint64_t a = P - 45;

	set_long_mode(t->vm, 0);
	set_addr(t->vcpu, a);
	set_long_mode(t->vm, 1);
	fill(t, a);
	t->fake.now += 10;
	xrs_vcpu_enter(t->vcpu);
	xrs_vcpu_exit(t->vcpu);
	assert_area_is_the_state(t, a, true);
}

static void a_second_page_needed_later_outside_guest_memory_skips_only_that_write(void **state)
{
	struct tvm *t = *state;
	const uint64_t end = SHINFO_GPA + 3 * PAGE;	/* a guard page follows */
	const uint64_t a = end - 46;
	struct kvm_xen_vcpu_attr d0, d1;
	uint8_t before[46];

	set_long_mode(t->vm, 0);
	set_addr(t->vcpu, a);
	set_long_mode(t->vm, 1);
	memcpy(before, tvm_hva(t, a), sizeof(before));
	get_data(t->vcpu, &d0);
	t->fake.now += 10;
	set_current(t->vcpu, XRS_RUNSTATE_BLOCKED);	/* may map, but cannot: skipped */
	xrs_vcpu_enter(t->vcpu);			/* so is this one */
	assert_memory_equal(tvm_hva(t, a), before, sizeof(before));
	get_data(t->vcpu, &d1);
	assert_int_equal(d1.u.runstate.state, XRS_RUNSTATE_RUNNING);
	assert_true(d1.u.runstate.state_entry_time > d0.u.runstate.state_entry_time);

	/* Back in the layout that fits, the area is exact again. */
	set_long_mode(t->vm, 0);
	t->fake.now += 10;
	set_current(t->vcpu, XRS_RUNSTATE_RUNNABLE);
	get_data(t->vcpu, &d1);
	assert_int_equal(*tvm_hva(t, a), XRS_RUNSTATE_RUNNABLE);
	assert_memory_equal(tvm_hva(t, a) + 4, &d1.u.runstate.state_entry_time, 40);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tvm_setup, tvm_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(an_atomic_write_after_a_switch_to_compat_is_made_wherever_the_area_is),
		T(an_atomic_write_after_a_switch_to_64bit_is_made_where_the_pages_set_up_hold_it),
		T(a_write_that_may_map_after_a_switch_to_compat_is_made_wherever_the_area_is),
		T(a_write_that_may_map_after_a_switch_to_64bit_maps_the_second_page_and_is_made),
		T(an_atomic_write_after_a_second_page_was_mapped_lazily_is_made),
		T(entry_after_a_switch_to_64bit_maps_the_second_page),
		T(a_second_page_needed_later_outside_guest_memory_skips_only_that_write),
	};

	return cmocka_run_group_tests_name("layout_switch", tests, NULL, NULL);
}
