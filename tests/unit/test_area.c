// SPDX-License-Identifier: MIT
/* The guest-area writer's layout rules (spec §6), through the public API. */
#include <string.h>
#include "tests/unit/harness.h"

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void pad_of_an_in_place_64bit_area_is_left_alone(void **state)
{
	struct tvm *t = *state;
	uint8_t *p = tvm_hva(t, SHINFO_GPA + 0x100);

	memset(p, 0xee, 48);
	set_addr(t->vcpu, SHINFO_GPA + 0x100);
	assert_int_equal(p[4], 0xee);
	assert_int_equal(p[7], 0xee);
	assert_int_equal(p[0], 0);
}

static void pad_of_a_split_64bit_area_is_zeroed(void **state)
{
	struct tvm *t = *state;
	uint8_t *p = tvm_hva(t, P - 20);

	memset(p, 0xee, 48);
	set_addr(t->vcpu, P - 20);
	assert_memory_equal(p + 4, ((uint8_t[4]){ 0 }), 4);
}

static void area_ending_at_the_page_end_needs_no_second_page(void **state)
{
	struct tvm *t = *state;
	const uint64_t end = SHINFO_GPA + 3 * PAGE;	/* nothing mapped beyond */
	struct area_view v;

	set_addr(t->vcpu, end - 48);
	xrs_vcpu_enter(t->vcpu);
	area_decode(tvm_hva(t, end - 48), true, &v);
	assert_int_equal(v.entry, T0_NS);
	assert_int_equal(v.entry, view_sum(&v));
}

static void area_at_the_very_end_of_guarded_memory_never_overruns(void **state)
{
	struct tvm *t = *state;
	const uint64_t end = SHINFO_GPA + 3 * PAGE;
	int i;

	/* Each write up to the guard page: a byte too far would crash. */
	set_long_mode(t->vm, 0);
	set_addr(t->vcpu, end - 44);
	for (i = 0; i < 100; i++) {
		t->fake.now += 10;
		xrs_vcpu_enter(t->vcpu);
		set_current(t->vcpu, (uint64_t)(i % 4));
	}
	assert_int_equal(vcpu_attr(t->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
				   end - 43, 0, 0, 0, 0, 0), -EFAULT);
}

static void moving_the_area_within_a_page_writes_the_new_place(void **state)
{
	struct tvm *t = *state;
	uint8_t *old = tvm_hva(t, SHINFO_GPA + 0x200);
	uint8_t snapshot[48];

	set_addr(t->vcpu, SHINFO_GPA + 0x200);
	xrs_vcpu_enter(t->vcpu);
	memcpy(snapshot, old, 48);
	set_addr(t->vcpu, SHINFO_GPA + 0x300);	/* KVM once kept writing the old offset */
	t->fake.now += 1000;
	xrs_vcpu_enter(t->vcpu);
	assert_memory_equal(old, snapshot, 48);
	assert_int_equal(u64_at(tvm_hva(t, SHINFO_GPA + 0x308)), t->fake.now);
}

static void changing_long_mode_does_not_rewrite_the_area(void **state)
{
	struct tvm *t = *state;
	uint8_t *p = tvm_hva(t, SHINFO_GPA + 0x400);
	uint8_t snapshot[48];

	set_addr(t->vcpu, SHINFO_GPA + 0x400);
	xrs_vcpu_enter(t->vcpu);
	memcpy(snapshot, p, 48);
	set_long_mode(t->vm, 0);
	assert_memory_equal(p, snapshot, 48);
	t->fake.now += 5;
	xrs_vcpu_enter(t->vcpu);		/* the next write uses the new layout */
	assert_int_equal(u64_at(p + 4), t->fake.now);
}

static void invalid_gpa_disables_the_area_without_writing(void **state)
{
	struct tvm *t = *state;
	uint8_t snapshot[3 * PAGE];

	set_addr(t->vcpu, SHINFO_GPA + 0x500);
	set_addr(t->vcpu, KVM_XEN_INVALID_GPA);
	memcpy(snapshot, t->mem, sizeof(snapshot));
	t->fake.now += 5;
	xrs_vcpu_enter(t->vcpu);
	set_current(t->vcpu, XRS_RUNSTATE_BLOCKED);
	assert_memory_equal(t->mem, snapshot, sizeof(snapshot));
}

static void area_split_over_two_host_mappings_is_exact(void **state)
{
	struct tvm *t = *state;
	uint8_t *lo = guarded_alloc(1), *hi = guarded_alloc(1);
	const uint64_t base = 0x100000000ull;
	struct kvm_xen_vcpu_attr d;
	uint8_t img[48];
	uint64_t a;

	assert_int_equal(xrs_vm_map_memory(t->vm, base, PAGE, lo), 0);
	assert_int_equal(xrs_vm_map_memory(t->vm, base + PAGE, PAGE, hi), 0);
	for (a = base + PAGE - 47; a < base + PAGE; a++) {
		uint32_t n1 = (uint32_t)(base + PAGE - a);

		set_addr(t->vcpu, a);
		t->fake.now += 3;
		xrs_vcpu_enter(t->vcpu);
		get_data(t->vcpu, &d);
		memcpy(img, lo + PAGE - n1, n1);
		memcpy(img + n1, hi, 48 - n1);
		assert_int_equal(img[0], d.u.runstate.state);
		assert_memory_equal(img + 8, &d.u.runstate.state_entry_time, 40);
	}
	guarded_free(lo, 1);
	guarded_free(hi, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tvm_setup_64, tvm_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(pad_of_an_in_place_64bit_area_is_left_alone),
		T(pad_of_a_split_64bit_area_is_zeroed),
		T(area_ending_at_the_page_end_needs_no_second_page),
		T(area_at_the_very_end_of_guarded_memory_never_overruns),
		T(moving_the_area_within_a_page_writes_the_new_place),
		T(changing_long_mode_does_not_rewrite_the_area),
		T(invalid_gpa_disables_the_area_without_writing),
		T(area_split_over_two_host_mappings_is_exact),
	};

	return cmocka_run_group_tests_name("area", tests, NULL, NULL);
}
