// SPDX-License-Identifier: MIT
/*
 * The default kvmclock (lib/clock.h), against a fake KVM_GET_CLOCK: this
 * binary is linked with -Wl,--wrap=ioctl, so libxrs's ioctls on the fake VM
 * fd land here. Each fake ioctl takes a fixed while (a slow or preempted
 * one) and reads its clock at a random point of it: a measurement's
 * midpoint is off by up to half its bracket, either way.
 *
 * CLOCK_MONOTONIC_RAW is the test's too (-Wl,--wrap=clock_gettime): a
 * virtual clock that moves 10 ns per read and as the fake ioctl says, so a
 * bracket is as wide as the test makes it, never as wide as a preemption of
 * this process on a busy machine happens to make it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "tests/common/fake-ioctl.h"
#include "tests/unit/harness.h"

static struct {
	int64_t offset;			/* kvmclock - CLOCK_MONOTONIC_RAW */
	uint32_t lag_ns;		/* each ioctl takes this long */
	int fail;			/* errno of the next KVM_GET_CLOCK */
	unsigned int get_clock_calls;
	unsigned int other_calls;
} kvm;

static uint64_t virtual_raw = 1000000000ull;

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id != CLOCK_MONOTONIC_RAW)
		return __real_clock_gettime(id, ts);
	virtual_raw += 10;		/* a read takes a little time */
	ts->tv_sec = (time_t)(virtual_raw / 1000000000ull);
	ts->tv_nsec = (long)(virtual_raw % 1000000000ull);
	return 0;
}

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t kvm_now(void)
{
	return raw_ns() + (uint64_t)kvm.offset;
}

/* The fake KVM takes this long: the virtual clock moves on. */
static void spin_until(uint64_t t)
{
	if (virtual_raw < t)
		virtual_raw = t;
}

int fake_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	if (req == KVM_GET_CLOCK) {
		struct kvm_clock_data *d = arg;
		uint64_t until;

		kvm.get_clock_calls++;
		if (kvm.fail) {
			errno = kvm.fail;
			kvm.fail = 0;
			return -1;
		}
		memset(d, 0, sizeof(*d));
		until = raw_ns() + kvm.lag_ns;
		spin_until(raw_ns() + (kvm.lag_ns ? (uint32_t)rand() % kvm.lag_ns : 0));
		d->clock = kvm_now();
		spin_until(until);
		return 0;
	}
	kvm.other_calls++;
	if (req == KVM_CHECK_EXTENSION)
		return 0;		/* no CONFIG_KVM_XEN: the user backend */
	errno = ENOTTY;
	return -1;
}

struct cvm {
	struct xrs_vm *vm;
	struct xrs_vcpu *vcpu;
	uint8_t *mem;
};

static int setup(void **state)
{
	static struct cvm c;
	struct xrs_vm_params p = { .backend = XRS_BACKEND_USER };
	struct xrs_vm_info info;

	memset(&kvm, 0, sizeof(kvm));
	fake_ioctl_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	kvm.offset = 5000000000ll;		/* the guest booted 5 s after the host */
	kvm.lag_ns = 40000;
	srand(1);
	p.vm_fd = fake_ioctl_fd;
	assert_int_equal(xrs_vm_create(&p, &c.vm), 0);
	assert_int_equal(xrs_vm_get_info(c.vm, &info), 0);
	assert_int_equal(info.default_clock, XRS_DEFAULT_CLOCK_KVMCLOCK);
	assert_int_equal(xrs_vcpu_create(c.vm, 0, -1, &c.vcpu), 0);
	c.mem = guarded_alloc(1);
	assert_int_equal(xrs_vm_map_memory(c.vm, 0x10000, PAGE, c.mem), 0);
	set_addr(c.vcpu, 0x10000);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct cvm *c = *state;

	xrs_vm_destroy(c->vm);
	guarded_free(c->mem, 1);
	close(fake_ioctl_fd);
	fake_ioctl_fd = -1;
	return 0;
}

static unsigned int syncs_made_by(struct xrs_vcpu *v, uint16_t type, bool set, uint64_t state)
{
	struct kvm_xen_vcpu_attr a = { .type = type };
	unsigned int before = kvm.get_clock_calls;

	if (set) {
		a.u.runstate.state = state;
		if (type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR)
			a.u.gpa = 0x10000;
		if (type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA) {
			get_data(v, &a);
			a.type = type;
		}
		assert_int_equal(xrs_vcpu_set_attr(v, &a), 0);
	} else {
		assert_int_equal(xrs_vcpu_get_attr(v, &a), 0);
	}
	return kvm.get_clock_calls - before;
}

static void gets_enter_and_set_addr_make_no_ioctl(void **state)
{
	struct cvm *c = *state;
	unsigned int calls = kvm.get_clock_calls + kvm.other_calls;
	int i;

	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, false, 0), 0);
	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT, false, 0),
			 0);
	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, false, 0), 0);
	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, true, 0), 0);
	for (i = 0; i < 100; i++) {
		xrs_vcpu_enter(c->vcpu);
		xrs_vcpu_exit(c->vcpu);
	}
	assert_int_equal(kvm.get_clock_calls + kvm.other_calls, calls);
}

static void each_set_that_reads_the_clock_measures_it_once(void **state)
{
	struct cvm *c = *state;

	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT, true,
				       XRS_RUNSTATE_BLOCKED), 1);
	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, true, 0), 1);
	assert_int_equal(syncs_made_by(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST, true,
				       (uint64_t)-1), 1);
}

static void a_clock_that_cannot_be_read_fails_the_set_and_changes_nothing(void **state)
{
	struct cvm *c = *state;
	struct kvm_xen_vcpu_attr d0, d1;
	uint8_t area[48];
	const uint16_t types[] = { KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT,
				   KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA,
				   KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST };
	size_t i;

	xrs_vcpu_enter(c->vcpu);
	get_data(c->vcpu, &d0);
	memcpy(area, c->mem, sizeof(area));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct kvm_xen_vcpu_attr a = d0;

		a.type = types[i];
		if (types[i] == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST)
			memset(&a.u, 0, sizeof(a.u));
		else if (types[i] == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT)
			a.u.runstate.state = XRS_RUNSTATE_BLOCKED;
		kvm.fail = EIO;
		assert_int_equal(xrs_vcpu_set_attr(c->vcpu, &a), -EIO);
		get_data(c->vcpu, &d1);
		assert_memory_equal(&d1, &d0, sizeof(d0));
		assert_memory_equal(c->mem, area, sizeof(area));
	}
}

static void bad_input_is_einval_before_the_clock_is_read(void **state)
{
	struct cvm *c = *state;
	unsigned int calls = kvm.get_clock_calls;

	kvm.fail = EIO;		/* a read would fail: none is made */
	assert_int_equal(vcpu_attr(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT, 4,
				   0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(vcpu_attr(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, 0,
				   10, 1, 2, 3, 5), -EINVAL);
	assert_int_equal(vcpu_attr(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST, 9,
				   0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(kvm.get_clock_calls, calls);
	kvm.fail = 0;
}

/*
 * Save-and-restore in place, many times: GET DATA, then SET DATA of the
 * same values. DATA requires entry <= now, so a measurement that moved the
 * clock back below the entry just read would fail it; and each SET CURRENT
 * books from a clock that moved forward, so entry always grows.
 */
static void measurement_noise_never_moves_the_clock_back(void **state)
{
	struct cvm *c = *state;
	struct kvm_xen_vcpu_attr d;
	uint64_t prev = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		set_current(c->vcpu, (uint64_t)(i % 3));
		get_data(c->vcpu, &d);
		assert_true(d.u.runstate.state_entry_time > prev);
		prev = d.u.runstate.state_entry_time;
		d.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
		assert_int_equal(xrs_vcpu_set_attr(c->vcpu, &d), 0);
	}
}

static void measurements_never_lower_the_offset_unless_kvms_clock_went_back(void **state)
{
	struct kvmclock kc;
	int64_t prev;
	int i;

	(void)state;
	assert_int_equal(kvmclock_init(&kc, fake_ioctl_fd), 0);
	prev = atomic_load(&kc.offset);
	for (i = 0; i < 300; i++) {
		assert_int_equal(kvmclock_sync(&kc), 0);
		assert_true(atomic_load(&kc.offset) >= prev);
		prev = atomic_load(&kc.offset);
	}
	/* Ahead of the truth by at most a measurement's half bracket (and a bit). */
	assert_true(llabs(prev - kvm.offset) <= kvm.lag_ns / 2 + 5000);

	kvm.offset -= 100000;			/* set back 100 us: more than the noise */
	assert_int_equal(kvmclock_sync(&kc), 0);
	assert_true(llabs(atomic_load(&kc.offset) - kvm.offset) <= kvm.lag_ns / 2 + 5000);
}

static void a_clock_set_back_is_followed_from_the_next_set(void **state)
{
	struct cvm *c = *state;
	struct kvm_xen_vcpu_attr d;
	uint64_t entry;

	set_current(c->vcpu, XRS_RUNSTATE_RUNNING);
	get_data(c->vcpu, &d);
	entry = d.u.runstate.state_entry_time;

	kvm.offset -= 1000000000ll;		/* KVM_SET_CLOCK, 1 s back */
	/* An entry 0.5 s ahead of KVM's clock is in its future: EINVAL. */
	assert_int_equal(vcpu_attr(c->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, 0,
				   kvm_now() + 500000000ull, kvm_now() + 500000000ull, 0, 0, 0),
			 -EINVAL);
	/* The clock is behind entry now: an update books nothing. */
	set_current(c->vcpu, XRS_RUNSTATE_BLOCKED);
	get_data(c->vcpu, &d);
	assert_int_equal(d.u.runstate.state_entry_time, entry);
	assert_int_equal(d.u.runstate.state, XRS_RUNSTATE_BLOCKED);
}

static void a_clock_set_forward_is_followed_from_the_next_set(void **state)
{
	struct cvm *c = *state;
	struct kvm_xen_vcpu_attr d;
	uint64_t before;

	kvm.offset += 3600000000000ll;		/* an hour ahead */
	before = kvm_now();
	set_current(c->vcpu, XRS_RUNSTATE_RUNNABLE);
	get_data(c->vcpu, &d);
	assert_true(d.u.runstate.state_entry_time + XRS_KVMCLOCK_BOUND_NS >= before);
	assert_true(d.u.runstate.state_entry_time <= kvm_now() + XRS_KVMCLOCK_BOUND_NS);
}

static struct kvmclock_reading reading(int64_t offset, uint64_t width)
{
	return (struct kvmclock_reading){ .offset = offset, .width = width };
}

static void a_reading_within_its_noise_moves_the_clock_only_forward_and_closer(
	void **state)
{
	const struct kvmclock_reading cur = reading(1000000, 4000);
	struct kvmclock_reading r;

	(void)state;
	/* Noise here is 2000 + 1000 + 1: behind within it, never taken. */
	r = kvmclock_fold(cur, reading(1000000 - 3000, 2000));
	assert_int_equal(r.offset, cur.offset);
	assert_int_equal(r.width, cur.width);
	/* Ahead within it: taken if narrower, not if wider (a preempted ioctl). */
	assert_int_equal(kvmclock_fold(cur, reading(1000000 + 3000, 2000)).offset, 1003000);
	assert_int_equal(kvmclock_fold(cur, reading(1000000 + 3000, 5999)).offset, cur.offset);
}

static void a_reading_beyond_the_noise_follows_kvms_clock_either_way(void **state)
{
	const struct kvmclock_reading cur = reading(1000000, 4000);
	struct kvmclock_reading r;

	(void)state;
	r = kvmclock_fold(cur, reading(1000000 - 3002, 2000));	/* set back */
	assert_int_equal(r.offset, 1000000 - 3002);
	assert_int_equal(r.width, 2000);
	r = kvmclock_fold(cur, reading(1000000 + 50000, 9000));	/* set forward */
	assert_int_equal(r.offset, 1050000);
	assert_int_equal(r.width, 9000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(gets_enter_and_set_addr_make_no_ioctl),
		T(each_set_that_reads_the_clock_measures_it_once),
		T(a_clock_that_cannot_be_read_fails_the_set_and_changes_nothing),
		T(bad_input_is_einval_before_the_clock_is_read),
		T(measurement_noise_never_moves_the_clock_back),
		T(measurements_never_lower_the_offset_unless_kvms_clock_went_back),
		T(a_clock_set_back_is_followed_from_the_next_set),
		T(a_clock_set_forward_is_followed_from_the_next_set),
		cmocka_unit_test(a_reading_within_its_noise_moves_the_clock_only_forward_and_closer),
		cmocka_unit_test(a_reading_beyond_the_noise_follows_kvms_clock_either_way),
	};

	return cmocka_run_group_tests_name("kvmclock", tests, NULL, NULL);
}
