// SPDX-License-Identifier: MIT
/*
 * xrs run's part of the area flip (vmm/xen/runstate.c's mover, libxrs's
 * xrs_vm_set_area_mover): areas move onto the preemption source's map only
 * where the source is loaded; there, an area the guest registers in RAM
 * moves with its page's contents, and the guest RAM's own mapping shows the
 * map's page from then on, and so does a window set over it later.
 *
 * On a VM vmm_create makes over the fake KVM (tests/common/fake-kvm.h), no
 * vCPU thread: the hold it takes has nobody to wait for (test_vcpu_hold
 * covers the hold). The moves need the source loaded (BPF, root): without
 * it they are skipped, and only the first test runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/common/fake-kvm.h"
#include "tests/unit/harness.h"
#include "vmm/status.h"
#include "vmm/vmm.h"
#include "vmm/xen/platform.h"
#include "guest/guest-abi.h"
#include "xen-abi/xen-public.h"

#define NR_VCPUS	2
#define A_AREA_PA	0x8180u		/* the argument: an area's PA */
#define A_AREA_VA	0x8140u		/* the argument: an area's VA */
#define AREA_PA		0x9100u		/* an area in one RAM page */
#define MARK		0x5a

static struct vmm *new_vm(void)
{
	struct vmm_config cfg = {
		.board = VMM_BOARD_TESTBOX, .nr_vcpus = NR_VCPUS, .bits = GUEST_64,
		.program = VMM_PROG_WORKLOAD, .workload = VMM_WL_MIXED,
		.runstate = true, .backend = XRS_BACKEND_USER,
	};
	struct vmm_err e;
	struct vmm *m = NULL;

	if (fake_kvm_vmm_create(&cfg, &m, &e))
		fail_msg("vmm_create over the fake KVM: %s", e.msg);
	return m;
}

static bool source_loaded(struct vmm *m)
{
	char src[96];

	assert_int_equal(vmm_preempt_source(m, src, sizeof(src)), 0);
	print_message("preempt_source: %s\n", src);
	return !strcmp(src, "bpf");
}

/* What backs the host page at @hva, from /proc/self/maps: "" if anonymous. */
static void backing(const void *hva, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int at = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &at) < 2 ||
		    (uintptr_t)hva < lo || (uintptr_t)hva >= hi)
			continue;
		snprintf(out, len, "%s", line + at);
		out[strcspn(out, "\n")] = '\0';
		break;
	}
	fclose(f);
}

/* VCPUOP_register_runstate_phys_area for vCPU 0, by vCPU 0: what the guest gets. */
static long register_area(struct vmm *m, uint64_t gpa)
{
	const uint64_t a[5] = { VCPUOP_register_runstate_phys_area, 0, A_AREA_PA };

	memcpy(mem_ram(&m->mc.mem, A_AREA_PA, sizeof(gpa)), &gpa, sizeof(gpa));
	return fake_kvm_hcall_by_exit(&m->vcpus[0], 0, XEN_HC_vcpu_op, a);
}

/* VCPUOP_register_runstate_memory_area for vCPU 0, by vCPU 0. */
static long register_area_va(struct vmm *m, uint64_t va)
{
	const uint64_t a[5] = { VCPUOP_register_runstate_memory_area, 0, A_AREA_VA };

	memcpy(mem_ram(&m->mc.mem, A_AREA_VA, sizeof(va)), &va, sizeof(va));
	return fake_kvm_hcall_by_exit(&m->vcpus[0], 0, XEN_HC_vcpu_op, a);
}

static void areas_move_only_where_the_preemption_source_is_loaded(void **state)
{
	struct vmm *m = new_vm();

	(void)state;
	assert_int_equal(vmm_moves_areas(m), source_loaded(m));
	fake_kvm_vmm_destroy(m);
}

/* Off unless XRS_MOVE_AREAS=1 (vmm/xen/runstate.c says why). */
static void areas_stay_in_ram_unless_asked_to_move(void **state)
{
	struct vmm *m;

	(void)state;
	unsetenv("XRS_MOVE_AREAS");
	m = new_vm();
	assert_false(vmm_moves_areas(m));
	fake_kvm_vmm_destroy(m);
	setenv("XRS_MOVE_AREAS", "1", 1);
}

static void an_area_registered_in_ram_moves_with_its_page(void **state)
{
	struct vmm *m = new_vm();
	uint8_t *page = mem_ram(&m->mc.mem, AREA_PA & ~0xfffu, 4096);
	char before[256], after[256];

	(void)state;
	if (!source_loaded(m)) {
		fake_kvm_vmm_destroy(m);
		skip();
	}
	memset(page, MARK, 4096);
	backing(page, before, sizeof(before));
	assert_non_null(strstr(before, "xrs-guest-ram"));	/* the memfd */
	assert_int_equal(register_area(m, AREA_PA), 0);
	backing(page, after, sizeof(after));
	print_message("RAM page %#x: %s, then %s\n", AREA_PA & ~0xfffu, before, after);
	assert_null(strstr(after, "xrs-guest-ram"));		/* the map's page now */
	/* the contents came along, the area's own bytes aside (libxrs wrote it) */
	assert_int_equal(page[0], MARK);
	assert_int_equal(page[4095], MARK);
	fake_kvm_vmm_destroy(m);
}

static void a_window_set_over_a_moved_page_shows_the_moved_page(void **state)
{
	struct vmm *m = new_vm();
	uint8_t *ram = mem_ram(&m->mc.mem, G_WINDOW_PA0, 4096), *window;
	char seen[256];

	(void)state;
	if (!source_loaded(m)) {
		fake_kvm_vmm_destroy(m);
		skip();
	}
	/* an area in RAM page G_WINDOW_PA0 moves it */
	assert_int_equal(register_area(m, G_WINDOW_PA0 + 0x100), 0);
	backing(ram, seen, sizeof(seen));
	assert_null(strstr(seen, "xrs-guest-ram"));
	/* then one across G_WINDOW_VA's two pages, not adjacent in RAM: a window */
	assert_int_equal(register_area_va(m, G_WINDOW_VA + 4096 - 16), 0);
	window = m->vcpus[0].xen.rs.window;
	assert_int_equal(m->vcpus[0].xen.rs.window_ram[0], G_WINDOW_PA0);
	backing(window, seen, sizeof(seen));
	print_message("the window over moved RAM page %#x: %s\n", G_WINDOW_PA0, seen);
	assert_null(strstr(seen, "xrs-guest-ram"));	/* not the memfd's stale copy */
	ram[8] = MARK;					/* one page, two addresses */
	assert_int_equal(window[8], MARK);
	window[16] = MARK + 1;
	assert_int_equal(ram[16], MARK + 1);
	fake_kvm_vmm_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(areas_stay_in_ram_unless_asked_to_move),
		cmocka_unit_test(areas_move_only_where_the_preemption_source_is_loaded),
		cmocka_unit_test(an_area_registered_in_ram_moves_with_its_page),
		cmocka_unit_test(a_window_set_over_a_moved_page_shows_the_moved_page),
	};

	setenv("XRS_MOVE_AREAS", "1", 1);	/* the mover's own cases */
	return cmocka_run_group_tests_name("area_mover", tests, NULL, NULL);
}
