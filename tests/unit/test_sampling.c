// SPDX-License-Identifier: MIT
/*
 * The run delay (a pread of schedstat, a syscall) is never read with the
 * vCPU's lock held: enter() and the attribute calls sample it first and
 * book under the lock. A sample that another update outran in between is
 * stale: it books no steal and leaves the base alone. Any other sample is
 * the new base (spec §4, v7.2: last_steal = rd), also when the source went
 * back. Checked with a steal source that looks at the lock each time it is
 * read, and that can make another update itself, between the sample and
 * the lock.
 */
#include <string.h>
#include "lib/internal.h"
#include "tests/unit/harness.h"

struct probe {
	struct fake fake;
	struct xrs_vcpu *v;
	unsigned int reads, under_lock;
	bool call_in_between;		/* the next read makes a SET CURRENT first */
	bool enter_in_between;		/* ...or an enter() on the vCPU's thread */
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
	} else if (p->enter_in_between) {
		/* The vCPU's thread enters while an attribute call samples. */
		p->enter_in_between = false;
		p->fake.run_delay = p->in_between_rd;
		xrs_vcpu_enter(p->v);
		xrs_vcpu_exit(p->v);
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

/*
 * The other way round, and below the base: a SET CURRENT samples 1000, an
 * enter() then books up to 1300, then the SET books. Were 1000 a source
 * that went back, it would be the base, and 300 would be booked twice.
 */
static void a_sample_outrun_by_another_update_is_stale(void **state)
{
	struct sampling *s = *state;
	struct xrs_vcpu *v = s->p.v;
	struct kvm_xen_vcpu_attr d0, d1;

	xrs_vcpu_enter(v);			/* fresh vCPU: the first update */
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 800;
	xrs_vcpu_enter(v);			/* 800 booked, the base */
	get_data(v, &d0);
	assert_int_equal(d0.u.runstate.time_runnable, 800);

	s->p.fake.now += 10000;
	s->p.fake.run_delay = 1000;
	s->p.enter_in_between = true;
	s->p.in_between_rd = 1300;
	set_current(v, XRS_RUNSTATE_RUNNING);
	get_data(v, &d1);
	/* The enter() booked 500; the SET's outrun sample nothing. */
	assert_int_equal(d1.u.runstate.time_runnable, 1300);
	assert_int_equal(d1.u.runstate.time_running, d0.u.runstate.time_running + 10000 - 500);

	/* The base stayed at 1300: what comes after is booked once. */
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 1500;
	xrs_vcpu_enter(v);
	get_data(v, &d1);
	assert_int_equal(d1.u.runstate.time_runnable, 1500);
}

/* SET DATA restarts steal from its sample: never from one an enter() outran. */
static void data_with_an_outrun_sample_counts_steal_from_the_newer_one(void **state)
{
	struct sampling *s = *state;
	struct xrs_vcpu *v = s->p.v;
	struct kvm_xen_vcpu_attr d;

	xrs_vcpu_enter(v);
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 1000;
	s->p.enter_in_between = true;
	s->p.in_between_rd = 1400;
	assert_int_equal(vcpu_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, XRS_RUNSTATE_RUNNING,
				   100, 100, 0, 0, 0), 0);
	s->p.fake.now += 10000;
	s->p.fake.run_delay = 1500;
	xrs_vcpu_enter(v);
	get_data(v, &d);
	assert_int_equal(d.u.runstate.time_runnable, 100);	/* 1500 - 1400, not - 1000 */
}

/*
 * An injected source that went down by 200 (while running, no update in
 * between): the lower sample is the new base, as in KVM, so when it then
 * rises by 300 all 300 are steal. Keeping the higher base would book 100.
 */
static void after_a_decrease_the_new_sample_is_the_base(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr d0, d1;

	t->fake.run_delay = 5000;
	xrs_vcpu_enter(t->vcpu);		/* fresh vCPU: the first update */
	t->fake.now += 10000;
	t->fake.run_delay += 1000;
	xrs_vcpu_enter(t->vcpu);
	get_data(t->vcpu, &d0);
	assert_int_equal(d0.u.runstate.time_runnable, 1000);

	t->fake.now += 10000;
	t->fake.run_delay -= 200;
	xrs_vcpu_enter(t->vcpu);
	get_data(t->vcpu, &d1);
	assert_int_equal(d1.u.runstate.time_runnable, d0.u.runstate.time_runnable);
	assert_int_equal(d1.u.runstate.time_running, d0.u.runstate.time_running + 10000);

	t->fake.now += 10000;
	t->fake.run_delay += 300;
	xrs_vcpu_enter(t->vcpu);
	get_data(t->vcpu, &d1);
	assert_int_equal(d1.u.runstate.time_runnable, d0.u.runstate.time_runnable + 300);
	assert_int_equal(d1.u.runstate.time_running, d0.u.runstate.time_running + 20000 - 300);
}

/*
 * Only the default source has a "no sample" (unbound, unreadable). From an
 * injected one, all ones is a run delay like any other, as it would be in
 * KVM: the base, from which the wrap to 199 is 200 of steal.
 */
static void an_injected_sources_all_ones_is_a_sample(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_vcpu_attr d0, d1;

	t->fake.run_delay = 100;
	xrs_vcpu_enter(t->vcpu);		/* fresh vCPU: the first update */
	t->fake.now += 10000;
	xrs_vcpu_enter(t->vcpu);
	get_data(t->vcpu, &d0);

	t->fake.now += 10000;
	t->fake.run_delay = UINT64_MAX;
	xrs_vcpu_enter(t->vcpu);
	t->fake.now += 10000;
	t->fake.run_delay = 199;
	xrs_vcpu_enter(t->vcpu);
	get_data(t->vcpu, &d1);
	assert_int_equal(d1.u.runstate.time_runnable, d0.u.runstate.time_runnable + 200);
}

/* Spec §4, v7.2, written out again: what one update books. */
struct model {
	uint64_t state, entry, times[4], last_steal;
};

static void model_update(struct model *m, uint64_t state, uint64_t now, uint64_t rd)
{
	int64_t delta = (int64_t)(now - m->entry), steal = (int64_t)(rd - m->last_steal);
	uint64_t cur = m->entry ? m->state : XRS_RUNSTATE_OFFLINE;

	if (delta >= 0) {
		if (cur == XRS_RUNSTATE_RUNNING && steal > 0) {
			if (steal > delta)
				steal = delta;
			delta -= steal;
			m->times[XRS_RUNSTATE_RUNNABLE] += (uint64_t)steal;
		}
		m->times[cur] += (uint64_t)delta;
		m->entry = now;
	}
	m->state = state;
	m->last_steal = rd;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * With nothing in between (one thread), every sample is the new base: a
 * source that goes up and down, a clock that sometimes goes back, enters
 * and SET CURRENTs in any order book exactly what the spec's rule does.
 */
static void any_sequence_books_what_the_spec_rule_books(void **state)
{
	struct tvm *t = *state;
	struct model m = { 0 };
	uint64_t x = 0x2545f4914f6cdd1dull;
	struct kvm_xen_vcpu_attr d;
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t r = xorshift(&x), n = (r >> 8) % 5000;

		switch (r % 8) {
		case 0:
		case 1:
			xrs_vcpu_enter(t->vcpu);
			xrs_vcpu_exit(t->vcpu);
			model_update(&m, XRS_RUNSTATE_RUNNING, t->fake.now, t->fake.run_delay);
			break;
		case 2:
			set_current(t->vcpu, (r >> 4) % 4);
			model_update(&m, (r >> 4) % 4, t->fake.now, t->fake.run_delay);
			break;
		case 3:
		case 4:
			t->fake.now += n;
			break;
		case 5:
			t->fake.now -= n / 8;		/* KVM_SET_CLOCK, a little back */
			break;
		case 6:
			t->fake.run_delay += n;
			break;
		default:
			t->fake.run_delay -= n / 2;	/* the source went back */
			break;
		}
		get_data(t->vcpu, &d);
		assert_int_equal(d.u.runstate.state, m.state);
		assert_int_equal(d.u.runstate.state_entry_time, m.entry);
		assert_memory_equal(&d.u.runstate.time_running, m.times, sizeof(m.times));
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(the_run_delay_is_never_read_with_the_vcpus_lock_held),
		T(a_sample_an_attribute_call_outran_books_no_steal_twice),
		T(a_sample_outrun_by_another_update_is_stale),
		T(data_with_an_outrun_sample_counts_steal_from_the_newer_one),
		cmocka_unit_test_setup_teardown(after_a_decrease_the_new_sample_is_the_base,
						tvm_setup, tvm_teardown),
		cmocka_unit_test_setup_teardown(an_injected_sources_all_ones_is_a_sample,
						tvm_setup, tvm_teardown),
		cmocka_unit_test_setup_teardown(any_sequence_books_what_the_spec_rule_books,
						tvm_setup, tvm_teardown),
	};

	return cmocka_run_group_tests_name("sampling", tests, NULL, NULL);
}
