// SPDX-License-Identifier: MIT
/* xrs_vm_map_memory: the only way guest memory becomes reachable. */
#include <string.h>
#include "lib/guestmem.h"
#include "tests/unit/harness.h"

static uint8_t buf[4 * PAGE];

static void size_zero_is_einval(void **state)
{
	struct tvm *t = *state;

	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000, 0, buf), -EINVAL);
}

static void range_that_wraps_is_einval(void **state)
{
	struct tvm *t = *state;

	assert_int_equal(xrs_vm_map_memory(t->vm, UINT64_MAX - PAGE + 2, PAGE, buf), -EINVAL);
	/* Ending exactly at 2^64 wraps too, as for KVM memslots. */
	assert_int_equal(xrs_vm_map_memory(t->vm, 0ull - PAGE, PAGE, buf), -EINVAL);
}

static void host_range_that_wraps_is_einval(void **state)
{
	struct tvm *t = *state;

	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000, PAGE,
					   (void *)(UINTPTR_MAX - 16)), -EINVAL);
}

static void null_hva_is_einval(void **state)
{
	struct tvm *t = *state;

	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000, PAGE, NULL), -EINVAL);
}

static void any_overlap_is_eexist(void **state)
{
	struct tvm *t = *state;
	const uint64_t end = SHINFO_GPA + 3 * PAGE;

	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA - PAGE, 2 * PAGE, buf), -EEXIST);
	assert_int_equal(xrs_vm_map_memory(t->vm, end - PAGE, PAGE, buf), -EEXIST);
	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA + PAGE, PAGE, buf), -EEXIST);
	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA - PAGE, 5 * PAGE, buf), -EEXIST);
	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA, 3 * PAGE, buf), -EEXIST);
}

static void ranges_of_part_pages_are_einval(void **state)
{
	struct tvm *t = *state;

	/* As for KVM memslots: whole pages, so an area's page is all memory or none. */
	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000, PAGE + 1, buf), -EINVAL);
	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000 + 8, PAGE, buf), -EINVAL);
	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000, 100, buf), -EINVAL);
	assert_int_equal(xrs_vm_map_memory(t->vm, 0x100000, PAGE, buf), 0);
}

static void adjacent_regions_are_accepted(void **state)
{
	struct tvm *t = *state;

	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA - PAGE, PAGE, buf), 0);
	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA + 3 * PAGE, PAGE, buf + PAGE), 0);
}

static void a_failed_map_changes_nothing(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };

	assert_int_equal(xrs_vm_map_memory(t->vm, 0x1000, 0, buf), -EINVAL);
	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA, PAGE, buf), -EEXIST);
	a.u.gpa = 0x1000;
	assert_int_equal(xrs_vcpu_set_attr(t->vcpu, &a), -EFAULT);
	a.u.gpa = SHINFO_GPA;
	assert_int_equal(xrs_vcpu_set_attr(t->vcpu, &a), 0);
	/* Still the original mapping: the write went to t->mem, not buf. */
	assert_int_equal(memcmp(buf, (uint8_t[48]){ 0 }, 48), 0);
}

static void resolve_needs_the_whole_range_in_one_region(void **state)
{
	struct guestmem gm;
	static uint8_t a[PAGE], b[PAGE];

	(void)state;
	gm_init(&gm);
	assert_null(gm_resolve(&gm, 0, 1));
	assert_int_equal(gm_map(&gm, 0x10000, PAGE, a), 0);
	assert_int_equal(gm_map(&gm, 0x11000, PAGE, b), 0);
	assert_int_equal(gm_map(&gm, 0x5000, PAGE, b), 0);
	assert_ptr_equal(gm_resolve(&gm, 0x10000, PAGE), a);
	assert_ptr_equal(gm_resolve(&gm, 0x10ff0, 16), a + 0xff0);
	assert_null(gm_resolve(&gm, 0x10ff0, 17));	/* runs into the next region */
	assert_ptr_equal(gm_resolve(&gm, 0x11000, 1), b);
	assert_null(gm_resolve(&gm, 0x12000 - 1, 2));	/* past the last one */
	assert_null(gm_resolve(&gm, 0xffff, 1));	/* before */
	assert_null(gm_resolve(&gm, 0x10000, 0));
	assert_null(gm_resolve(&gm, 0x10000, UINT64_MAX));
	assert_ptr_equal(gm_resolve(&gm, 0x5fff, 1), b + 0xfff);
	gm_fini(&gm);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tvm_setup, tvm_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(size_zero_is_einval),
		T(range_that_wraps_is_einval),
		T(host_range_that_wraps_is_einval),
		T(null_hva_is_einval),
		T(any_overlap_is_eexist),
		T(ranges_of_part_pages_are_einval),
		T(adjacent_regions_are_accepted),
		T(a_failed_map_changes_nothing),
		cmocka_unit_test(resolve_needs_the_whole_range_in_one_region),
	};

	return cmocka_run_group_tests_name("guestmem", tests, NULL, NULL);
}
