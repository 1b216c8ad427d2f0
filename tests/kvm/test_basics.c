// SPDX-License-Identifier: MIT
/*
 * The building blocks of xrs run, on a real KVM: 64-bit and 32-bit guests
 * reach port-I/O exits and HLT, four vCPU threads run at once, and a WRMSR
 * of Xen's hypercall-page MSR reaches user space, whose page then works.
 */
#include <pthread.h>
#include <string.h>
#include "tests/kvm/kvmtest.h"

#define LOOPS 200

static void io_exits_then_hlt(enum guest_width bits)
{
	struct ktest t;
	struct kt_event ev;
	uint64_t expect = 0;

	kt_require_guest(bits);
	kt_open(&t, bits, 1, G_PROG_IO_LOOP);
	t.boot->arg[0] = LOOPS;
	for (;;) {
		kt_run(&t, &t.cpu[0], &ev);
		if (ev.kind != KT_TICK)
			break;
		assert_int_equal(ev.data, expect);	/* in order, none lost */
		expect++;
	}
	kt_assert_no_guest_fail(&t, &ev);
	assert_int_equal(ev.kind, KT_HLT);
	assert_int_equal(expect, LOOPS);
	kt_close(&t);
}

static void guest64_makes_port_io_exits_then_halts(void **state)
{
	(void)state;
	io_exits_then_hlt(GUEST_64);
}

static void guest32_makes_port_io_exits_then_halts(void **state)
{
	(void)state;
	io_exits_then_hlt(GUEST_32);
}

struct vcpu_thread {
	struct ktest *t;
	struct kvm_cpu *c;
	uint64_t ticks;
	int last;
};

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *vt = arg;
	struct kt_event ev;

	kt_run_until(vt->t, vt->c, &ev, &vt->ticks);
	vt->last = ev.kind;
	return NULL;
}

static void four_vcpu_threads_run_at_once(void **state)
{
	struct vcpu_thread vt[4];
	pthread_t th[4];
	struct ktest t;
	int i;

	(void)state;
	kt_require_kvm();
	kt_open(&t, GUEST_64, 4, G_PROG_IO_LOOP);
	t.boot->arg[0] = LOOPS;
	for (i = 0; i < 4; i++) {
		vt[i] = (struct vcpu_thread){ .t = &t, .c = &t.cpu[i] };
		assert_int_equal(pthread_create(&th[i], NULL, vcpu_main, &vt[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(vt[i].last, KT_HLT);
		assert_int_equal(vt[i].ticks, LOOPS);
	}
	kt_close(&t);
}

static void xen_msr_write_reaches_user_space_and_installs_the_page(enum guest_width bits)
{
	struct ktest t;
	struct kt_event ev;
	struct kvm_regs regs;

	kt_require_guest(bits);
	kt_open(&t, bits, 1, G_PROG_HCALL_PAGE);
	kt_run(&t, &t.cpu[0], &ev);
	kt_assert_no_guest_fail(&t, &ev);
	assert_int_equal(ev.kind, KT_WRMSR);
	assert_int_equal(ev.msr, XEN_HYPERCALL_MSR);
	assert_int_equal(ev.data & 0xfff, 0);
	assert_true(ev.data >= G_IMAGE && ev.data < G_IMAGE + G_IMAGE_MAX);

	kt_run(&t, &t.cpu[0], &ev);
	kt_assert_no_guest_fail(&t, &ev);
	assert_int_equal(ev.kind, KT_HCALL);
	assert_int_equal(ev.data, XEN_HC_xen_version);
	TEST_ASSERT_OK(kvm_cpu_get_regs(&t.cpu[0], &regs), "KVM_GET_REGS");
	assert_int_equal(regs.rax, XEN_HC_xen_version);
	kt_hcall_return(&t.cpu[0], 0x40012);

	kt_run(&t, &t.cpu[0], &ev);
	kt_assert_no_guest_fail(&t, &ev);
	assert_int_equal(ev.kind, KT_UCALL);
	assert_int_equal(ev.uc->cmd, G_UCALL_SYNC);
	assert_int_equal(ev.uc->arg[1], 0x40012);	/* the answer reached the guest */
	kt_close(&t);
}

static void xen_msr_from_64bit_guest(void **state)
{
	(void)state;
	xen_msr_write_reaches_user_space_and_installs_the_page(GUEST_64);
}

static void xen_msr_from_32bit_guest(void **state)
{
	(void)state;
	xen_msr_write_reaches_user_space_and_installs_the_page(GUEST_32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest64_makes_port_io_exits_then_halts),
		cmocka_unit_test(guest32_makes_port_io_exits_then_halts),
		cmocka_unit_test(four_vcpu_threads_run_at_once),
		cmocka_unit_test(xen_msr_from_64bit_guest),
		cmocka_unit_test(xen_msr_from_32bit_guest),
	};

	return cmocka_run_group_tests_name("kvm_basics", tests, NULL, NULL);
}
