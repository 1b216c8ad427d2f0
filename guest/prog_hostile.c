// SPDX-License-Identifier: MIT
/*
 * A hostile guest: every argument the VMM reads from a guest is wrong once
 * here. Each must come back as Xen's errno (or #GP for the MSR), and the
 * guest then carries on with a good area, which must be exact.
 */
#include "guest/guest-runstate.h"
#include "guest/programs.h"

#define EXPECT(c, call, err) GUEST_ASSERT_EQ(c, (uint64_t)(call), (uint64_t)(long)(err))

static long reg_va(struct gcpu *c, uint64_t va)
{
	return hypercall(XEN_HC_vcpu_op, VCPUOP_register_runstate_memory_area, c->id,
			 (unsigned long)(uintptr_t)&va);
}

static long reg_pa(struct gcpu *c, uint64_t pa)
{
	return hypercall(XEN_HC_vcpu_op, VCPUOP_register_runstate_phys_area, c->id,
			 (unsigned long)(uintptr_t)&pa);
}

/*
 * vCPU 0 moves vCPU 1's area around while vCPU 1 runs: by virtual address
 * onto two pages that are not physically adjacent (through the VMM's
 * window), by physical address, and away again, many times. Every byte of
 * those pages outside the two areas must be as it was.
 */
#define STORM_ROUNDS	2000
#define CANARY		0x5a

static volatile uint32_t storm_done;

static uint8_t *storm_page_b(void)
{
	return (uint8_t *)(uintptr_t)(G_PERCPU_DATA(1) + G_PAGE);	/* vCPU 1's spare page */
}

static void storm_fill(void)
{
	memset((void *)(uintptr_t)G_WINDOW_PA0, CANARY, G_PAGE);
	memset((void *)(uintptr_t)G_WINDOW_PA1, CANARY, G_PAGE);
	memset(storm_page_b(), CANARY, G_PAGE);
}

/* Bytes [from, to) of @page that no area covered are still the canary. */
static void storm_check(struct gcpu *c, const uint8_t *page, uint32_t from, uint32_t to)
{
	uint32_t i;

	for (i = 0; i < G_PAGE; i++)
		if (i < from || i >= to)
			GUEST_ASSERT_EQ(c, page[i], CANARY);
}

static void storm(struct gcpu *c)
{
	const uint32_t len = guest_long_mode() ? 48 : 44, at = G_PAGE - 20, b_at = 100;
	const uint64_t window_va = G_WINDOW_VA + at;
	uint32_t i;

	for (i = 0; i < STORM_ROUNDS; i++) {
		switch (i % 4) {
		case 0:
			EXPECT(c, register_area_of(1, window_va, 0), 0);
			break;
		case 1:
			EXPECT(c, register_area_of(1, (uint64_t)(uintptr_t)storm_page_b() + b_at, 1),
			       0);
			break;
		case 2:
			EXPECT(c, register_area_of(1, 0, 0), 0);	/* unregister, by VA */
			break;
		default:
			EXPECT(c, register_area_of(1, ~0ull, 1), 0);	/* and by GPA */
		}
	}
	/* vCPU 1's window is live now: still not an address a guest may name. */
	EXPECT(c, reg_pa(c, G_VMM_PRIVATE + 2 * G_PAGE + at), -XEN_EFAULT);
	EXPECT(c, register_area_of(1, G_VMM_PRIVATE + 2 * G_PAGE + 100, 1), -XEN_EFAULT);
	storm_done = 1;
	/* The window's two pages hold the area's 20 and len - 20 bytes. */
	storm_check(c, (const uint8_t *)(uintptr_t)G_WINDOW_PA0, at, G_PAGE);
	storm_check(c, (const uint8_t *)(uintptr_t)G_WINDOW_PA1, 0, len - 20);
	storm_check(c, storm_page_b(), b_at, b_at + len);
}

/* vCPU 1 meanwhile: entries, exits, blocks and yields, so its area is written. */
static void stormed(struct gcpu *c)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags;
	} __attribute__((packed)) t;

	while (!storm_done) {
		outl(G_PORT_TICK, 0);
		hypercall(XEN_HC_sched_op, SCHEDOP_yield, 0, 0);
		t.timeout_abs_ns = now_ns(c) + 50000;
		t.flags = 0;
		hypercall(XEN_HC_vcpu_op, VCPUOP_set_singleshot_timer, c->id,
			  (unsigned long)(uintptr_t)&t);
		hypercall(XEN_HC_sched_op, SCHEDOP_block, 0, 0);
	}
}

void prog_hostile(struct gcpu *c)
{
	const uint64_t ram = c->boot->ram_size;
	const unsigned long unmapped = 0x40000000ul;	/* past the mapped first GiB */
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags;
	} __attribute__((packed)) t;
	uint32_t reason = 0;
	uint8_t info[48];

	/* The hypercall-page MSR: outside RAM, or a page index we do not have. */
	if (c->id == 0) {	/* gp_faults counts for the whole guest */
		trap_init();
		GUEST_ASSERT(c, wrmsr_safe(XEN_HYPERCALL_MSR, 0xfff00000u));
		GUEST_ASSERT(c, wrmsr_safe(XEN_HYPERCALL_MSR, hypercall_page_address() | 1));
		GUEST_ASSERT_EQ(c, gp_faults, 2);
	}
	hypercall_page_install();

	EXPECT(c, hypercall(63, 1, 2, 3), -XEN_ENOSYS);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, 99, c->id, 0), -XEN_ENOSYS);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_is_up, 5000, 0), -XEN_ENOENT);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_is_up, (unsigned long)-1, 0), -XEN_ENOENT);

	/* Runstate areas nowhere, beyond RAM, straddling its end; bad argument pointers. */
	EXPECT(c, reg_va(c, unmapped), -XEN_EFAULT);
	EXPECT(c, reg_va(c, ram + 0x10000), -XEN_EFAULT);	/* mapped, but not RAM */
	EXPECT(c, reg_va(c, ram - 20), -XEN_EFAULT);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_register_runstate_memory_area, c->id,
			    unmapped), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, 0xfff00000u), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, ram - 20), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, ~0ull - 4), -XEN_EFAULT);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_register_runstate_phys_area, c->id,
			    unmapped), -XEN_EFAULT);
	/* VMM-private memory, the gap below it, just past RAM: not RAM, never an area. */
	EXPECT(c, reg_pa(c, G_VMM_PRIVATE), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, G_VMM_PRIVATE + 2 * G_PAGE - 20), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, G_VMM_PRIVATE + 2ull * G_PAGE * c->nr_vcpus), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, G_VMM_PRIVATE - G_PAGE), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, ram), -XEN_EFAULT);
	EXPECT(c, reg_pa(c, ram + G_PAGE - 20), -XEN_EFAULT);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_get_runstate_info, c->id, unmapped),
	       -XEN_EFAULT);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_get_runstate_info, c->id,
			    (unsigned long)(ram - 8)), -XEN_EFAULT);

	/* Timers: someone else's, or in the past when asked not to be. */
	t.timeout_abs_ns = now_ns(c) + 1000000;
	t.flags = 0;
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_set_singleshot_timer,
			    (c->id + 1) % c->nr_vcpus, (unsigned long)(uintptr_t)&t),
	       c->nr_vcpus > 1 ? -XEN_EINVAL : 0);
	t.timeout_abs_ns = 1;
	t.flags = VCPU_SSHOTTMR_future;
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_set_singleshot_timer, c->id,
			    (unsigned long)(uintptr_t)&t), -XEN_ETIME);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_set_singleshot_timer, c->id, unmapped),
	       -XEN_EFAULT);

	EXPECT(c, hypercall(XEN_HC_sched_op, 99, 0, 0), -XEN_ENOSYS);
	EXPECT(c, hypercall(XEN_HC_sched_op, SCHEDOP_shutdown, unmapped, 0), -XEN_EFAULT);
	EXPECT(c, hypercall(XEN_HC_vm_assist, VMASST_CMD_enable, 99, 0), -XEN_EINVAL);
	EXPECT(c, hypercall(XEN_HC_vm_assist, 7, VMASST_TYPE_runstate_update_flag, 0),
	       -XEN_EINVAL);
	EXPECT(c, hypercall(XEN_HC_console_io, CONSOLEIO_write, 100000,
			    (unsigned long)(uintptr_t)info), -XEN_EINVAL);
	EXPECT(c, hypercall(XEN_HC_console_io, CONSOLEIO_write, 16, unmapped), -XEN_EFAULT);
	EXPECT(c, hypercall(XEN_HC_console_io, 77, 0, 0), -XEN_EINVAL);
	GUEST_ASSERT_EQ(c, inl(0x1234), 0xffffffffu);	/* nothing there */
	(void)reason;

	/* Another vCPU's area moved around while it runs. */
	if (c->nr_vcpus >= 2 && c->id <= 1) {
		if (c->id == 0) {
			storm_fill();
			storm(c);
		} else {
			stormed(c);
		}
	}

	/* Still a working VM: a good area, exact, and checks that hold. */
	GUEST_ASSERT_EQ(c, register_area(c, c->area, 0), 0);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_get_runstate_info, c->id,
			    (unsigned long)(uintptr_t)info), 0);
	delay_ns(c, 2000000);
	hypercall(XEN_HC_sched_op, SCHEDOP_yield, 0, 0);
	GUEST_ASSERT_EQ(c, check_own_area(c), 0);
	report(c);
}
