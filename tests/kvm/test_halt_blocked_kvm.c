// SPDX-License-Identifier: MIT
/*
 * An idle guest is booked blocked, on a real KVM: a built-in guest that
 * halts at once (G_PROG_IO_LOOP with no exits: HLT) under an in-kernel
 * irqchip, where the halt never leaves KVM_RUN. Only a signal (a timer,
 * as the VMM's refresh kicks are to a Linux guest) makes KVM_RUN return,
 * each time with the vCPU still halted. libxrs takes the halted time from
 * KVM's binary stats of the vCPU fd (its default halt source) and books it
 * blocked: what the vCPU spent in KVM_RUN, halted, is blocked within one
 * tick (4 ms, a Linux guest's at HZ 250) and 1 %. (KVM's halt wait lasts
 * until the woken vCPU runs again: a wake-up's wait for a CPU is blocked.)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include "tests/kvm/kvmtest.h"
#include "util/hosttime.h"
#include "vmm/guest-boot.h"

#define IDLE_NS		(2000 * 1000 * 1000ull)	/* the guest idles this long */
/*
 * A signal every 50 ms. Each KVM_RUN's own entry and exit are in the time
 * measured around it but not halted (about 0.2 ms each in the sandbox's
 * TCG): fewer runs measure the halted time closer.
 */
#define KICK_US		50000
#define TICK_NS		(4 * 1000 * 1000ull)

/* cmocka's assert, with what was seen. */
#define TEST_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			fail_msg("%s: " fmt, #cond, ##__VA_ARGS__);	\
	} while (0)

static void on_alarm(int sig)
{
	(void)sig;	/* only there to end KVM_RUN */
}

static void kicks(long us)
{
	struct itimerval it = { { 0, us }, { 0, us } };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void halted_time_inside_kvm_run_is_booked_blocked(void **state)
{
	struct xrs_vm_params p = { .backend = XRS_BACKEND_USER };
	struct kvm_xen_vcpu_attr d0 = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA }, d1;
	struct kvm_xen_vcpu_attr cur = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };
	const struct mem_region *ram;
	struct ktest t;
	struct vmm_err e;
	struct xrs_vm *vm;
	struct xrs_vcpu *v;
	uint64_t in_run = 0, start, t0, blocked, runnable, diff, bound;
	unsigned int runs = 0;
	int status, r;

	(void)state;
	kt_require_kvm();
	memset(&t, 0, sizeof(t));
	TEST_ASSERT_OK(machine_open(&t.mc, GUEST_64, boot_ram_default(1), NULL, &e), "%s", e.msg);
	/* Before any vCPU: the LAPIC in KVM, so HLT stays in KVM_RUN. */
	TEST_ASSERT_OK(ioctl(t.mc.kvm.fd, KVM_CREATE_IRQCHIP, 0) ? -errno : 0, "KVM_CREATE_IRQCHIP");
	t.boot = t.mc.boot;
	t.boot->program = G_PROG_IO_LOOP;
	t.boot->arg[0] = 0;		/* no exits: straight to HLT */
	t.boot->nr_vcpus = 1;
	TEST_ASSERT_OK(machine_cpu_open(&t.mc, &t.cpu[0], 0, &e), "%s", e.msg);
	t.nr = 1;

	p.vm_fd = t.mc.kvm.fd;
	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	ram = mem_ram_region(&t.mc.mem);
	TEST_ASSERT_OK(xrs_vm_map_memory(vm, ram->gpa, ram->size, ram->hva), "map memory");
	assert_int_equal(xrs_vcpu_create(vm, 0, t.cpu[0].fd, &v), 0);
	assert_int_equal(xrs_vcpu_get_halt_status(v, &status), 0);
	TEST_ASSERT(status == 0, "no halt source on this KVM: %s", xrs_strerror(status));
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);

	kicks(KICK_US);
	/* The first run boots the guest to its HLT; the window starts after it. */
	xrs_vcpu_enter(v);
	r = kvm_cpu_run(&t.cpu[0]);
	xrs_vcpu_exit(v);
	assert_int_equal(r, -EINTR);
	assert_int_equal(xrs_vcpu_set_attr(v, &cur), 0);	/* booked up to now */
	assert_int_equal(xrs_vcpu_get_attr(v, &d0), 0);
	start = mono_ns();
	while (mono_ns() - start < IDLE_NS) {
		xrs_vcpu_enter(v);
		t0 = mono_ns();
		r = kvm_cpu_run(&t.cpu[0]);
		in_run += mono_ns() - t0;
		xrs_vcpu_exit(v);
		runs++;
		TEST_ASSERT(r == -EINTR, "KVM_RUN %d, exit %u: the guest left its HLT", r,
			    t.cpu[0].run->exit_reason);
	}
	kicks(0);
	assert_int_equal(xrs_vcpu_set_attr(v, &cur), 0);
	memcpy(&d1, &d0, sizeof(d1));
	assert_int_equal(xrs_vcpu_get_attr(v, &d1), 0);

	blocked = d1.u.runstate.time_blocked - d0.u.runstate.time_blocked;
	runnable = d1.u.runstate.time_runnable - d0.u.runstate.time_runnable;
	bound = TICK_NS + in_run / 100;
	diff = blocked > in_run ? blocked - in_run : in_run - blocked;
	printf("    halted in KVM_RUN %.1f ms over %u runs; booked blocked %.1f ms, runnable %.1f ms, "
	       "running %.1f ms; |blocked - halted| %.2f ms, bound %.1f ms\n",
	       in_run / 1e6, runs, blocked / 1e6, runnable / 1e6,
	       (d1.u.runstate.time_running - d0.u.runstate.time_running) / 1e6, diff / 1e6,
	       bound / 1e6);
	TEST_ASSERT(diff <= bound, "blocked %.1f ms, halted %.1f ms", blocked / 1e6, in_run / 1e6);

	xrs_vm_destroy(vm);
	kt_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(halted_time_inside_kvm_run_is_booked_blocked),
	};

	return cmocka_run_group_tests_name("halt_blocked", tests, NULL, NULL);
}
