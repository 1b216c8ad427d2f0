// SPDX-License-Identifier: MIT
/*
 * libxrs's default sources and its kernel backend against a real KVM:
 * - the derived kvmclock agrees with KVM_GET_CLOCK within XRS_KVMCLOCK_BOUND_NS,
 *   also after the VMM moves the clock (a restore);
 * - a vCPU thread kept waiting behind a busy thread on its CPU gets that
 *   wait booked as runnable, in step with its own run_delay;
 * - the kernel backend passes KVM's own answers through, where KVM has
 *   CONFIG_KVM_XEN (the sandbox's 6.12 does; most hosts do not).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "tests/kvm/kvmtest.h"
#include "util/pin.h"
#include "util/schedstat.h"

static uint64_t kvm_clock_ns(struct ktest *t)
{
	uint64_t ns = 0;

	TEST_ASSERT_OK(kvm_vm_get_clock(&t->mc.kvm, &ns), "KVM_GET_CLOCK");
	return ns;
}

static void user_vm(struct ktest *t, struct xrs_vm **vm, struct xrs_vcpu **v)
{
	struct xrs_vm_params p = { .vm_fd = t->mc.kvm.fd, .backend = XRS_BACKEND_USER };
	const struct mem_region *ram = mem_ram_region(&t->mc.mem);
	struct xrs_vm_info info;

	assert_int_equal(xrs_vm_create(&p, vm), 0);
	assert_int_equal(xrs_vm_get_info(*vm, &info), 0);
	assert_int_equal(info.default_clock, XRS_DEFAULT_CLOCK_KVMCLOCK);
	TEST_ASSERT_OK(xrs_vm_map_memory(*vm, ram->gpa, ram->size, ram->hva), "xrs_vm_map_memory");
	assert_int_equal(xrs_vcpu_create(*vm, 0, t->cpu[0].fd, v), 0);
}

/* The guest time libxrs stamps on an update: via the fresh-vCPU rule. */
static uint64_t xrs_now(struct xrs_vm *vm)
{
	static uint32_t id = 100;
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };
	struct xrs_vcpu *probe;
	uint64_t now;

	assert_int_equal(xrs_vcpu_create(vm, id++, -1, &probe), 0);
	a.u.runstate.state = XRS_RUNSTATE_BLOCKED;
	assert_int_equal(xrs_vcpu_set_attr(probe, &a), 0);
	a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	assert_int_equal(xrs_vcpu_get_attr(probe, &a), 0);
	now = a.u.runstate.state_entry_time;
	xrs_vcpu_destroy(probe);
	return now;
}

static int set_data_at(struct xrs_vcpu *v, uint64_t entry)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };

	a.u.runstate.state = XRS_RUNSTATE_RUNNING;
	a.u.runstate.state_entry_time = entry;
	a.u.runstate.time_running = entry;
	return xrs_vcpu_set_attr(v, &a);
}

static void default_clock_is_kvmclock_within_the_bound(void **state)
{
	uint64_t set;
	struct xrs_vcpu *v;
	struct xrs_vm *vm;
	struct ktest t;
	uint64_t worst = 0;
	int i;

	(void)state;
	kt_require_kvm();
	kt_open(&t, GUEST_64, 1, G_PROG_IO_LOOP);
	user_vm(&t, &vm, &v);
	for (i = 0; i < 200; i++) {
		uint64_t a = xrs_now(vm), k = kvm_clock_ns(&t), b = xrs_now(vm);

		/* k was read between a and b; allow the bound on either side. */
		assert_true(k + XRS_KVMCLOCK_BOUND_NS >= a);
		assert_true(k <= b + XRS_KVMCLOCK_BOUND_NS);
		if (a > k && a - k > worst)
			worst = a - k;
		if (k > b && k - b > worst)
			worst = k - b;
	}

	/* A restore moves kvmclock: DATA must see the new time at once. */
	set = kvm_clock_ns(&t) + 10000000000ull;
	TEST_ASSERT_OK(kvm_vm_set_clock(&t.mc.kvm, set), "KVM_SET_CLOCK");
	TEST_ASSERT_OK(set_data_at(v, set), "SET RUNSTATE_DATA at the new clock");
	assert_true(xrs_now(vm) >= set);
	print_message("derived kvmclock vs KVM_GET_CLOCK: worst %llu ns outside the bracket "
		      "(bound %d ns)\n", (unsigned long long)worst, XRS_KVMCLOCK_BOUND_NS);
	xrs_vm_destroy(vm);
	kt_close(&t);
}

/* On the test's own threads: cmocka's asserts belong to its main thread. */
static void pin_to(int cpu)
{
	CHECK(pin_to_cpu(cpu) == 0);
}

static atomic_bool hog_stop;

static void *hog(void *arg)
{
	(void)arg;
	pin_to(0);
	while (!atomic_load_explicit(&hog_stop, memory_order_relaxed))
		;
	return NULL;
}

struct vcpu_run {
	struct ktest *t;
	struct xrs_vcpu *v;
	uint64_t rd0, rd1, exits;
	struct kvm_xen_vcpu_attr d0, d1;
	int last;
};

static void *vcpu_main(void *arg)
{
	struct vcpu_run *r = arg;
	struct kvm_xen_vcpu_attr cur = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };
	struct kt_event ev;
	pthread_t h;

	pin_to(0);
	if (xrs_vcpu_bind_thread(r->v))
		return NULL;
	/* First update (books the VM's life so far as offline), then measure. */
	xrs_vcpu_enter(r->v);
	r->d0.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	xrs_vcpu_get_attr(r->v, &r->d0);
	r->rd0 = (uint64_t)run_delay_of(0);

	atomic_store(&hog_stop, false);
	pthread_create(&h, NULL, hog, NULL);
	for (;;) {
		kt_run(r->t, &r->t->cpu[0], &ev);
		xrs_vcpu_exit(r->v);
		if (ev.kind != KT_TICK)
			break;
		r->exits++;
		xrs_vcpu_enter(r->v);
	}
	atomic_store(&hog_stop, true);
	pthread_join(h, NULL);
	r->last = ev.kind;

	/* Book the tail now, from the bound thread's counter. */
	cur.u.runstate.state = XRS_RUNSTATE_RUNNING;
	xrs_vcpu_set_attr(r->v, &cur);
	r->rd1 = (uint64_t)run_delay_of(0);
	r->d1.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	xrs_vcpu_get_attr(r->v, &r->d1);
	return NULL;
}

static void waiting_behind_a_busy_thread_is_booked_as_runnable(void **state)
{
	struct vcpu_run r = { 0 };
	struct xrs_vm *vm;
	struct ktest t;
	pthread_t th;
	uint64_t drunnable, drd, slack;

	(void)state;
	kt_require_kvm();
	kt_open(&t, GUEST_64, 1, G_PROG_IO_LOOP);
	t.boot->arg[0] = 20000;
	user_vm(&t, &vm, &r.v);
	r.t = &t;
	assert_int_equal(pthread_create(&th, NULL, vcpu_main, &r), 0);
	pthread_join(th, NULL);
	assert_int_equal(atomic_load(&check_failures), 0);
	assert_int_equal(r.last, KT_HLT);
	assert_int_equal(r.exits, 20000);

	drunnable = r.d1.u.runstate.time_runnable - r.d0.u.runstate.time_runnable;
	drd = r.rd1 - r.rd0;
	print_message("%llu exits behind a busy thread: runnable +%llu us, run_delay +%llu us\n",
		      (unsigned long long)r.exits, (unsigned long long)drunnable / 1000,
		      (unsigned long long)drd / 1000);
	assert_true(drunnable >= 50000);
	/*
	 * Everything that thread waited while running is steal; only what it
	 * waited between its first update and the rd0 read is not counted in
	 * drd, and nothing it did not wait can be booked.
	 */
	slack = 200000 + drd / 50;
	assert_true(drunnable <= drd + slack);
	assert_true(drunnable + slack >= drd);
	xrs_vm_destroy(vm);
	kt_close(&t);
}

static void kernel_backend_passes_kvms_own_answers_through(void **state)
{
	struct xrs_vm_params p = { .backend = XRS_BACKEND_AUTO };
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST };
	struct xrs_vm_info info;
	struct xrs_vcpu *v;
	struct xrs_vm *vm;
	struct ktest t;
	int caps;

	(void)state;
	kt_require(KT_64 | KT_XEN);
	kt_open(&t, GUEST_64, 1, G_PROG_IO_LOOP);
	caps = kvm_vm_check(&t.mc.kvm, KVM_CAP_XEN_HVM);
	if (caps <= 0 || !(caps & KVM_XEN_HVM_CONFIG_RUNSTATE)) {
		kt_close(&t);
		print_message("skipped: KVM_CAP_XEN_HVM = %#x lacks KVM_XEN_HVM_CONFIG_RUNSTATE "
			      "(kernel without CONFIG_KVM_XEN)\n", caps > 0 ? caps : 0);
		skip();
	}
	p.vm_fd = t.mc.kvm.fd;
	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	assert_int_equal(xrs_vm_get_info(vm, &info), 0);
	assert_int_equal(info.backend, XRS_BACKEND_KERNEL);
	assert_int_equal(xrs_check_extension(vm, KVM_CAP_XEN_HVM), caps);
	assert_int_equal(xrs_vcpu_create(vm, 0, -1, &v), -EBADF);
	assert_int_equal(xrs_vcpu_create(vm, 0, t.cpu[0].fd, &v), 0);

	assert_int_equal(xrs_vcpu_get_attr(v, &a), -EINVAL);
	a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR;
	assert_int_equal(xrs_vcpu_get_attr(v, &a), -ENOENT);
	a.u.gpa = G_PERCPU_DATA(0) + 0x100;
	memset(kt_ram(&t, a.u.gpa, 48), 0x5a, 48);
	assert_int_equal(xrs_vcpu_set_attr(v, &a), 0);
	a.u.gpa = 0;
	assert_int_equal(xrs_vcpu_get_attr(v, &a), 0);
	assert_int_equal(a.u.gpa, G_PERCPU_DATA(0) + 0x100);
	a.type = 0x1234;
	assert_int_equal(xrs_vcpu_set_attr(v, &a), -ENOENT);
	print_message("kernel backend: KVM_CAP_XEN_HVM = %#x\n", caps);
	xrs_vm_destroy(vm);
	kt_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_clock_is_kvmclock_within_the_bound),
		cmocka_unit_test(waiting_behind_a_busy_thread_is_booked_as_runnable),
		cmocka_unit_test(kernel_backend_passes_kvms_own_answers_through),
	};

	return cmocka_run_group_tests_name("libxrs_kvm", tests, NULL, NULL);
}
