// SPDX-License-Identifier: MIT
/*
 * A hostile guest: every argument the VMM reads from a guest is wrong once
 * here. Each must come back as Xen's errno (or #GP for the MSR), and the
 * guest then carries on with a good area, which must be exact.
 */
#include "lib.h"

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

	/* Still a working VM: a good area, exact, and checks that hold. */
	GUEST_ASSERT_EQ(c, register_area(c, c->area, 0), 0);
	EXPECT(c, hypercall(XEN_HC_vcpu_op, VCPUOP_get_runstate_info, c->id,
			    (unsigned long)(uintptr_t)info), 0);
	delay_ns(c, 2000000);
	hypercall(XEN_HC_sched_op, SCHEDOP_yield, 0, 0);
	GUEST_ASSERT_EQ(c, check_own_area(c), 0);
	report(c);
}
