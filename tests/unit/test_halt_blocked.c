// SPDX-License-Identifier: MIT
/*
 * An idle guest is booked blocked: halted time, from a halt source read
 * beside the run delay (xrs_vm_set_halt_source), is carved out of the
 * running time into blocked, after steal is carved into runnable. Time
 * gained while the vCPU is booked anything but running (the VMM's own
 * SCHEDOP_block) is not booked again; without a source the accounting is
 * KVM's; a source that goes back is the new base, an outrun sample is stale;
 * and the default source finds KVM's counters by name in a stats file.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/internal.h"
#include "tests/unit/harness.h"

struct src {
	struct fake fake;
	uint64_t halted;
	struct xrs_vcpu *v;
	bool call_in_between;		/* the next halt read makes a SET CURRENT first */
	uint64_t in_between_halted;	/* ...with this halted time */
};

static uint64_t src_now(void *opaque)
{
	return ((struct src *)opaque)->fake.now;
}

static uint64_t src_rd(void *opaque, const struct xrs_vcpu *v)
{
	(void)v;
	return ((struct src *)opaque)->fake.run_delay;
}

static uint64_t src_halted(void *opaque, const struct xrs_vcpu *v)
{
	struct src *s = opaque;
	uint64_t early = s->halted;

	(void)v;
	if (s->call_in_between) {
		/* Another thread's attribute call, after this sample, before the lock. */
		s->call_in_between = false;
		s->halted = s->in_between_halted;
		assert_int_equal(__set_current(s->v, XRS_RUNSTATE_RUNNING), 0);
	}
	return early;
}

static const struct xrs_clock_ops src_clock = { .now_ns = src_now };
static const struct xrs_steal_ops src_steal = { .run_delay_ns = src_rd };
static const struct xrs_halt_ops src_halt = { .halted_ns = src_halted };

struct hvm {
	struct src s;
	struct xrs_vm *vm;
};

static struct xrs_vm *new_vm(struct src *s)
{
	struct xrs_vm_params params = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER, .clock = &src_clock,
		.clock_opaque = s, .steal = &src_steal, .steal_opaque = s,
	};
	struct xrs_vm *vm;

	assert_int_equal(xrs_vm_create(&params, &vm), 0);
	return vm;
}

static int setup(void **state)
{
	static struct hvm h;

	memset(&h, 0, sizeof(h));
	h.s.fake.now = T0_NS;
	h.vm = new_vm(&h.s);
	assert_int_equal(xrs_vm_set_halt_source(h.vm, XRS_HALT_OPS, &src_halt, &h.s), 0);
	assert_int_equal(xrs_vcpu_create(h.vm, 0, -1, &h.s.v), 0);
	xrs_vcpu_enter(h.s.v);			/* fresh vCPU: the first update */
	*state = &h;
	return 0;
}

static int teardown(void **state)
{
	struct hvm *h = *state;

	xrs_vm_destroy(h->vm);
	return 0;
}

/* The guest ran @ns, of which the sources say @steal waited and @halt halted. */
static void run_for(struct src *s, uint64_t ns, uint64_t steal, uint64_t halt)
{
	s->fake.now += ns;
	s->fake.run_delay += steal;
	s->halted += halt;
	xrs_vcpu_enter(s->v);
	xrs_vcpu_exit(s->v);
}

static struct kvm_xen_vcpu_attr data_of(struct xrs_vcpu *v)
{
	struct kvm_xen_vcpu_attr d;

	get_data(v, &d);
	return d;
}

static void halted_time_while_running_is_booked_blocked(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d0 = data_of(h->s.v), d;
	struct xrs_vcpu_stats st;
	int status;

	assert_int_equal(xrs_vcpu_get_halt_status(h->s.v, &status), 0);
	assert_int_equal(status, 0);
	run_for(&h->s, 10000, 0, 7000);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 7000);
	assert_int_equal(d.u.runstate.time_running - d0.u.runstate.time_running, 3000);
	assert_int_equal(d.u.runstate.state, XRS_RUNSTATE_RUNNING);
	/* The monitors' snapshot (and so the stats file) says the same. */
	assert_int_equal(xrs_vcpu_get_stats(h->s.v, &st), 0);
	assert_int_equal(st.time[XRS_RUNSTATE_BLOCKED], d.u.runstate.time_blocked);
}

static void steal_and_halt_in_one_interval_are_both_carved(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d0 = data_of(h->s.v), d;
	struct xrs_vcpu_stats st0, st;

	run_for(&h->s, 10000, 2000, 5000);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_runnable - d0.u.runstate.time_runnable, 2000);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 5000);
	assert_int_equal(d.u.runstate.time_running - d0.u.runstate.time_running, 3000);
	/*
	 * KVM's halt wait ends when the woken vCPU runs again, so its wait for
	 * a CPU is in both: halt keeps it (the guest counts it idle), steal
	 * takes what is left, the rest of the run delay is unbooked.
	 */
	assert_int_equal(xrs_vcpu_get_stats(h->s.v, &st0), 0);
	run_for(&h->s, 10000, 4000, 9000);
	d0 = d;
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 9000);
	assert_int_equal(d.u.runstate.time_runnable - d0.u.runstate.time_runnable, 1000);
	assert_int_equal(d.u.runstate.time_running, d0.u.runstate.time_running);
	assert_int_equal(d.u.runstate.state_entry_time, d0.u.runstate.state_entry_time + 10000);
	assert_int_equal(xrs_vcpu_get_stats(h->s.v, &st), 0);
	assert_int_equal(st.steal_unbooked_ns - st0.steal_unbooked_ns, 3000);
}

/* SCHEDOP_block in the VMM: the vCPU is out of KVM_RUN, booked blocked by SET CURRENT. */
static void time_blocked_in_the_vmm_is_not_counted_twice(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d0 = data_of(h->s.v), d;

	h->s.fake.now += 1000;
	set_current(h->s.v, XRS_RUNSTATE_BLOCKED);
	h->s.fake.now += 50000;
	h->s.halted += 50000;		/* even a source that counted the block too */
	set_current(h->s.v, XRS_RUNSTATE_RUNNING);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 50000);
	assert_int_equal(d.u.runstate.time_running - d0.u.runstate.time_running, 1000);
	/* ...and what it gained then is never booked later either. */
	run_for(&h->s, 10000, 0, 0);
	d0 = d;
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked, d0.u.runstate.time_blocked);
	assert_int_equal(d.u.runstate.time_running - d0.u.runstate.time_running, 10000);
}

static void halted_time_beyond_the_interval_books_the_interval_blocked(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d0 = data_of(h->s.v), d;

	run_for(&h->s, 10000, 0, 15000);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 10000);
	assert_int_equal(d.u.runstate.time_running, d0.u.runstate.time_running);
}

/* Spec §4's rule for steal, applied to halt: after a drop the sample is the base. */
static void a_halt_source_that_goes_back_is_the_new_base(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d0, d;

	run_for(&h->s, 10000, 0, 1000);
	d0 = data_of(h->s.v);
	h->s.halted -= 200;
	run_for(&h->s, 10000, 0, 0);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked, d0.u.runstate.time_blocked);
	run_for(&h->s, 10000, 0, 300);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 300);
}

/* enter() reads 1000; an attribute call books up to 1400 first: 1400 is the base. */
static void a_halt_sample_outrun_by_another_update_is_stale(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d0 = data_of(h->s.v), d;

	h->s.fake.now += 10000;
	h->s.halted += 1000;
	h->s.call_in_between = true;
	h->s.in_between_halted = h->s.halted + 400;
	xrs_vcpu_enter(h->s.v);
	xrs_vcpu_exit(h->s.v);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 1400);
	run_for(&h->s, 10000, 0, 100);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked - d0.u.runstate.time_blocked, 1500);
}

/* A restore's SET DATA: halt counts from its sample on, not from the old base. */
static void data_restarts_halt_from_its_sample(void **state)
{
	struct hvm *h = *state;
	struct kvm_xen_vcpu_attr d;

	h->s.fake.now += 10000;
	h->s.halted += 9000;
	assert_int_equal(vcpu_attr(h->s.v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA,
				   XRS_RUNSTATE_RUNNING, 100, 100, 0, 0, 0), 0);
	run_for(&h->s, 10000, 0, 2500);
	d = data_of(h->s.v);
	assert_int_equal(d.u.runstate.time_blocked, 2500);
}

/* Without a source: exactly the booking of libxrs 1.0 (KVM's), and the status says why. */
static void without_a_source_halted_time_stays_running(void **state)
{
	struct src s = { .fake = { .now = T0_NS } };
	struct xrs_vm *vm_none = new_vm(&s), *vm_nofd = new_vm(&s);
	struct xrs_vcpu *none, *nofd;
	struct kvm_xen_vcpu_attr d;
	int status;

	(void)state;
	assert_int_equal(xrs_vm_set_halt_source(vm_none, XRS_HALT_NONE, NULL, NULL), 0);
	assert_int_equal(xrs_vcpu_create(vm_none, 0, -1, &none), 0);
	assert_int_equal(xrs_vcpu_create(vm_nofd, 0, -1, &nofd), 0);
	assert_int_equal(xrs_vcpu_get_halt_status(none, &status), 0);
	assert_int_equal(status, -ECANCELED);
	assert_int_equal(xrs_vcpu_get_halt_status(nofd, &status), 0);
	assert_int_equal(status, -EBADF);
	xrs_vcpu_enter(none);
	xrs_vcpu_enter(nofd);
	s.fake.now += 10000;
	s.fake.run_delay += 2000;
	s.halted += 5000;
	xrs_vcpu_enter(none);
	xrs_vcpu_enter(nofd);
	get_data(none, &d);
	assert_int_equal(d.u.runstate.time_blocked, 0);
	assert_int_equal(d.u.runstate.time_runnable, 2000);
	assert_int_equal(d.u.runstate.time_running, 8000);
	get_data(nofd, &d);
	assert_int_equal(d.u.runstate.time_blocked, 0);
	assert_int_equal(d.u.runstate.time_running, 8000);
	xrs_vm_destroy(vm_none);
	xrs_vm_destroy(vm_nofd);
}

static void a_bad_halt_source_is_refused_and_changes_nothing(void **state)
{
	struct src s = { .fake = { .now = T0_NS } };
	struct xrs_vm *vm = new_vm(&s);
	static const struct xrs_halt_ops empty = { .halted_ns = NULL };
	struct xrs_vcpu *v;
	int status;

	(void)state;
	assert_int_equal(xrs_vm_set_halt_source(NULL, XRS_HALT_NONE, NULL, NULL), -EINVAL);
	assert_int_equal(xrs_vm_set_halt_source(vm, XRS_HALT_OPS, NULL, NULL), -EINVAL);
	assert_int_equal(xrs_vm_set_halt_source(vm, XRS_HALT_OPS, &empty, NULL), -EINVAL);
	assert_int_equal(xrs_vm_set_halt_source(vm, XRS_HALT_NONE, &src_halt, NULL), -EINVAL);
	assert_int_equal(xrs_vm_set_halt_source(vm, (enum xrs_halt_source)7, NULL, NULL),
			 -EINVAL);
	assert_int_equal(xrs_vcpu_create(vm, 0, -1, &v), 0);
	/* The default stayed: KVM's stats, which a vCPU without an fd cannot have. */
	assert_int_equal(xrs_vcpu_get_halt_status(v, &status), 0);
	assert_int_equal(status, -EBADF);
	assert_int_equal(xrs_vm_set_halt_source(vm, XRS_HALT_OPS, &src_halt, &s), -EBUSY);
	assert_int_equal(xrs_vcpu_get_halt_status(NULL, &status), -EINVAL);
	assert_int_equal(xrs_vcpu_get_halt_status(v, NULL), -EINVAL);
	xrs_vm_destroy(vm);
}

/* ---- KVM's binary stats, in a file laid out as KVM lays them out ---- */

#define NAME_SIZE	48
#define NS_FLAGS	0x20u			/* cumulative, seconds, pow10 */

struct fake_desc {
	uint32_t flags;
	int16_t exponent;
	uint16_t size;
	uint32_t offset;
	uint32_t bucket_size;
	char name[NAME_SIZE];
};

struct fake_stat {
	const char *name;
	uint32_t flags;
	int16_t exponent;
	uint64_t value;
};

/* A stats fd: header, the descriptors in the given order, then the data. */
static int stats_file(const struct fake_stat *st, unsigned int n)
{
	uint32_t hdr[6] = { 0, NAME_SIZE, n, 24, 64, 0 };
	struct fake_desc d;
	unsigned int i;
	int fd = memfd_create("kvm-stats", 0);

	assert_true(fd >= 0);
	hdr[5] = 64 + n * (uint32_t)sizeof(d);
	assert_int_equal(pwrite(fd, hdr, sizeof(hdr), 0), sizeof(hdr));
	assert_int_equal(pwrite(fd, "kvm-1234:0", 10, 24), 10);
	for (i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		d.flags = st[i].flags;
		d.exponent = st[i].exponent;
		d.size = 1;
		d.offset = 8 * (n - 1 - i);	/* data in the reverse order */
		strncpy(d.name, st[i].name, NAME_SIZE - 1);
		assert_int_equal(pwrite(fd, &d, sizeof(d), 64 + i * sizeof(d)), sizeof(d));
		assert_int_equal(pwrite(fd, &st[i].value, 8, hdr[5] + d.offset), 8);
	}
	return fd;
}

static void kvm_stats_are_found_by_name_and_summed(void **state)
{
	const struct fake_stat st[] = {
		{ "halt_successful_poll", 0, 0, 111 },
		{ "halt_poll_fail_ns", NS_FLAGS, -9, 300 },
		{ "halt_wait_ns_hist", NS_FLAGS, -9, 5 },
		{ "halt_wait_ns", NS_FLAGS, -9, 40000 },
		{ "exits", 0, 0, 999 },
		{ "halt_poll_success_ns", NS_FLAGS, -9, 2000 },
	};
	struct halt_kvm h;

	(void)state;
	assert_int_equal(halt_kvm_parse(&h, stats_file(st, 6)), 0);
	assert_int_equal(h.nr, 3);
	assert_int_equal(halt_kvm_read(&h), 42300);
	halt_kvm_close(&h);
}

static void kvm_stats_without_halt_wait_ns_in_ns_are_no_source(void **state)
{
	const struct fake_stat no_wait[] = {
		{ "halt_poll_fail_ns", NS_FLAGS, -9, 300 },
		{ "halt_wait_n", NS_FLAGS, -9, 1 },
	};
	const struct fake_stat in_us[] = {
		{ "halt_wait_ns", NS_FLAGS, -6, 300 },
	};
	const struct fake_stat wait_only[] = {
		{ "halt_wait_ns", NS_FLAGS, -9, 700 },
		{ "halt_poll_success_ns", 0, 0, 9 },	/* not nanoseconds: not summed */
	};
	struct halt_kvm h;

	(void)state;
	assert_int_equal(halt_kvm_parse(&h, stats_file(no_wait, 2)), -ENOENT);
	assert_int_equal(h.fd, -1);
	assert_int_equal(halt_kvm_parse(&h, stats_file(in_us, 1)), -ENOENT);
	assert_int_equal(halt_kvm_parse(&h, stats_file(wait_only, 2)), 0);
	assert_int_equal(halt_kvm_read(&h), 700);
	halt_kvm_close(&h);
}

static void a_fd_that_is_no_vcpu_gives_no_stats(void **state)
{
	struct halt_kvm h;
	int fd = memfd_create("not-a-vcpu", 0);

	(void)state;
	assert_int_equal(halt_kvm_open(&h, fd), -ENOTTY);
	assert_int_equal(h.fd, -1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(halted_time_while_running_is_booked_blocked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(steal_and_halt_in_one_interval_are_both_carved,
						setup, teardown),
		cmocka_unit_test_setup_teardown(time_blocked_in_the_vmm_is_not_counted_twice,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			halted_time_beyond_the_interval_books_the_interval_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(a_halt_source_that_goes_back_is_the_new_base,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_halt_sample_outrun_by_another_update_is_stale,
						setup, teardown),
		cmocka_unit_test_setup_teardown(data_restarts_halt_from_its_sample, setup, teardown),
		cmocka_unit_test(without_a_source_halted_time_stays_running),
		cmocka_unit_test(a_bad_halt_source_is_refused_and_changes_nothing),
		cmocka_unit_test(kvm_stats_are_found_by_name_and_summed),
		cmocka_unit_test(kvm_stats_without_halt_wait_ns_in_ns_are_no_source),
		cmocka_unit_test(a_fd_that_is_no_vcpu_gives_no_stats),
	};

	return cmocka_run_group_tests_name("halt_blocked", tests, NULL, NULL);
}
