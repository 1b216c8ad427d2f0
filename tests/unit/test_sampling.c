// SPDX-License-Identifier: MIT
/*
 * The run delay (a pread of schedstat, a syscall) is never read with the
 * vCPU's lock held: enter() and the attribute calls sample it first and
 * book under the lock. The engine takes such early samples: one that an
 * attribute call in between outran books no steal twice. Checked with a
 * steal source that looks at the lock each time it is read, and that can
 * make an attribute call itself, between the sample and the lock.
 */
#include <string.h>
#include "harness.h"
#include "internal.h"

struct probe {
	struct fake fake;
	struct xrs_vcpu *v;
	unsigned int reads, under_lock;
	bool call_in_between;		/* the next read makes a SET CURRENT first */
	uint64_t in_between_rd;		/* ...with this run delay */
};

static uint64_t probe_now(void *opaque)
{
	return ((struct probe *)opaque)->fake.now;
}

static uint64_t probe_rd(void *opaque, const struct xrs_vcpu *v)
{
	struct probe *p = opaque;
	uint64_t early = p->fake.run_delay;

	(void)v;
	p->reads++;
	if (atomic_load(&p->v->lock.locked))
		p->under_lock++;
	if (p->call_in_between) {
		/* Another thread's attribute call, after this sample, before the lock. */
		p->call_in_between = false;
		p->fake.run_delay = p->in_between_rd;
		assert_int_equal(__set_current(p->v, XRS_RUNSTATE_RUNNING), 0);
	}
	return early;
}

static const struct xrs_clock_ops probe_clock = { .now_ns = probe_now };
static const struct xrs_steal_ops probe_steal = { .run_delay_ns = probe_rd };

struct sampling {
	struct probe p;
	struct xrs_vm *vm;
	uint8_t *mem;
};

static int setup(void **state)
{
	static struct sampling s;
	struct xrs_vm_params params = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER, .clock = &probe_clock,
		.clock_opaque = &s.p, .steal = &probe_steal, .steal_opaque = &s.p,
	};

	memset(&s, 0, sizeof(s));
	s.p.fake.now = T0_NS;
	assert_int_equal(xrs_vm_create(&params, &s.vm), 0);
	assert_int_equal(xrs_vcpu_create(s.vm, 0, -1, &s.p.v), 0);
	s.mem = guarded_alloc(1);
	assert_int_equal(xrs_vm_map_memory(s.vm, 0x10000, PAGE, s.mem), 0);
	set_addr(s.p.v, 0x10100);
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	struct sampling *s = *state;

	xrs_vm_destroy(s->vm);
	guarded_free(s->mem, 1);
	return 0;
}

static void the_run_delay_is_never_read_with_the_vcpus_lock_held(void **state)
{
	struct sampling *s = *state;
	struct xrs_vcpu *v = s->p.v;
	int i;

	for (i = 0; i < 50; i++) {
		s->p.fake.now += 1000;
		s->p.fake.run_delay += 100;
		xrs_vcpu_enter(v);
		xrs_vcpu_exit(v);
		set_current(v, (uint64_t)(i % 4));
		assert_int_equal(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST,
					   (uint64_t)(i % 4), 0, 0, 0, 0, 0), 0);
	}
	assert_int_equal(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, 0, 100, 100, 0, 0, 0),
			 0);
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	assert_true(s->p.reads >= 150);
	assert_int_equal(s->p.under_lock, 0);
}

static void a_sample_an_attribute_call_outran_books_no_steal_twice(void **state)
{
	struct sampling *s = *state;
	struct xrs_vcpu *v = s->p.v;
	struct kvm_xen_vcpu_attr d0, d1;

	xrs_vcpu_enter(v);			/* fresh vCPU: the first update */
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 1000;
	xrs_vcpu_enter(v);			/* 1000 ns of steal booked */
	get_data(v, &d0);
	assert_int_equal(d0.u.runstate.time_runnable, 1000);

	/* enter() samples 1500; a SET CURRENT then books up to 1700; then enter() books. */
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 1500;
	s->p.call_in_between = true;
	s->p.in_between_rd = 1700;
	xrs_vcpu_enter(v);
	get_data(v, &d1);
	/* The SET CURRENT booked 700; enter()'s outrun sample books nothing more. */
	assert_int_equal(d1.u.runstate.time_runnable, 1700);
	assert_int_equal(d1.u.runstate.state_entry_time, d0.u.runstate.state_entry_time + 10000);

	/* And the steal after it is booked once, from 1700 on. */
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 2000;
	xrs_vcpu_enter(v);
	get_data(v, &d1);
	assert_int_equal(d1.u.runstate.time_runnable, 2000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_run_delay_is_never_read_with_the_vcpus_lock_held),
		T(a_sample_an_attribute_call_outran_books_no_steal_twice),
	};

	return cmocka_run_group_tests_name("sampling", tests, NULL, NULL);
}
