// SPDX-License-Identifier: MIT
/*
 * spec §10 case 18, verified rather than assumed: this test links a copy of
 * lib/area.c that reports every store to guest memory and every barrier.
 * After each store the test takes the guest reader's view of the area (what
 * Linux's xen_get_runstate_snapshot would copy) and requires it to be either
 * flagged (bit 63 set) or exactly the old or the new contents: a torn
 * snapshot without the flag is a failure.
 *
 * The two pages around the boundary are separate host mappings, so a flag
 * byte put on the wrong page lands at the wrong address and is caught.
 */
#include <string.h>
#include "tests/unit/harness.h"

#define MAX_EVENTS 32

enum ev_kind { EV_STORE, EV_BARRIER };

struct event {
	enum ev_kind kind;
	const uint8_t *dst;
	uint32_t len;
	uint8_t view[48];		/* the guest's view right after a store */
};

static struct {
	bool on;
	unsigned int n;
	struct event ev[MAX_EVENTS];
	/* Where the area under test is: bytes [0, len1) at p1, the rest at p2. */
	uint8_t *p1, *p2;
	uint32_t len, len1;
} tr;

static void take_view(uint8_t *out)
{
	memcpy(out, tr.p1, tr.len1);
	memcpy(out + tr.len1, tr.p2, tr.len - tr.len1);
}

void area_trace_store(const uint8_t *dst, uint32_t len);
void area_trace_barrier(void);

void area_trace_store(const uint8_t *dst, uint32_t len)
{
	struct event *e;

	if (!tr.on)
		return;
	assert_true(tr.n < MAX_EVENTS);
	e = &tr.ev[tr.n++];
	e->kind = EV_STORE;
	e->dst = dst;
	e->len = len;
	take_view(e->view);
}

void area_trace_barrier(void)
{
	if (tr.on && tr.n < MAX_EVENTS)
		tr.ev[tr.n++].kind = EV_BARRIER;
}

/* Guest memory: [SHINFO_GPA, P) in one mapping, [P, P + PAGE) in another. */
struct split_vm {
	struct fake fake;
	struct xrs_vm *vm;
	struct xrs_vcpu *vcpu;
	uint8_t *lo, *hi;
};

static int setup(void **state)
{
	static struct split_vm s;
	struct xrs_vm_params p = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER,
		.clock = &fake_clock_ops, .clock_opaque = &s.fake,
		.steal = &fake_steal_ops, .steal_opaque = &s.fake,
	};

	memset(&s, 0, sizeof(s));
	s.fake.now = T0_NS;
	assert_int_equal(xrs_vm_create(&p, &s.vm), 0);
	assert_int_equal(xrs_vcpu_create(s.vm, 0, -1, &s.vcpu), 0);
	s.lo = guarded_alloc(2);
	s.hi = guarded_alloc(1);
	assert_int_equal(xrs_vm_map_memory(s.vm, SHINFO_GPA, 2 * PAGE, s.lo), 0);
	assert_int_equal(xrs_vm_map_memory(s.vm, P, PAGE, s.hi), 0);
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	struct split_vm *s = *state;

	xrs_vm_destroy(s->vm);
	guarded_free(s->lo, 2);
	guarded_free(s->hi, 1);
	return 0;
}

static uint8_t *hva(struct split_vm *s, uint64_t gpa)
{
	return gpa < P ? s->lo + (gpa - SHINFO_GPA) : s->hi + (gpa - P);
}

static void trace_area(struct split_vm *s, uint64_t a, bool long_mode)
{
	tr.len = long_mode ? 48 : 44;
	tr.len1 = (a >= P || a + tr.len <= P) ? tr.len : (uint32_t)(P - a);
	tr.p1 = hva(s, a);
	tr.p2 = hva(s, P);
	tr.n = 0;
}

static bool flagged(const uint8_t *view, bool long_mode)
{
	return view[(long_mode ? 8 : 4) + 7] & 0x80;
}

/* Check the trace of one write of the area at @a from @old to what memory holds now. */
static void check_write(struct split_vm *s, uint64_t a, bool long_mode, bool flag_on,
			const uint8_t *old)
{
	uint32_t ofs = (long_mode ? 8 : 4) + 7;
	const uint8_t *flag_at = hva(s, a + ofs);
	uint8_t now[48];
	unsigned int i, first, last;

	take_view(now);
	assert_false(flagged(now, long_mode));		/* bit 63 never left set */
	assert_true(tr.n >= 3);

	for (i = 0; i < tr.n; i++) {
		const struct event *e = &tr.ev[i];

		if (e->kind != EV_STORE)
			continue;
		if (!flag_on)
			assert_false(flagged(e->view, long_mode));
		else if (!flagged(e->view, long_mode))
			assert_true(!memcmp(e->view, old, tr.len) ||
				    !memcmp(e->view, now, tr.len));
	}
	if (!flag_on) {
		/* No flag byte stores at all: the body, one barrier. */
		for (i = 0; i < tr.n; i++)
			assert_false(tr.ev[i].kind == EV_STORE && tr.ev[i].len == 1 &&
				     tr.ev[i].dst == flag_at);
		assert_int_equal(tr.ev[tr.n - 1].kind, EV_BARRIER);
		return;
	}

	/* Flag byte alone, on the right page, set, then a barrier... */
	assert_int_equal(tr.ev[0].kind, EV_STORE);
	assert_ptr_equal(tr.ev[0].dst, flag_at);
	assert_int_equal(tr.ev[0].len, 1);
	assert_true(flagged(tr.ev[0].view, long_mode));
	assert_int_equal(tr.ev[1].kind, EV_BARRIER);
	/* ...the body, still flagged, then a barrier... */
	first = 2;
	last = tr.n - 3;
	assert_int_equal(tr.ev[last].kind, EV_BARRIER);
	for (i = first; i < last; i++) {
		assert_int_equal(tr.ev[i].kind, EV_STORE);
		assert_true(flagged(tr.ev[i].view, long_mode));
	}
	/* ...and the flag byte cleared last. */
	assert_int_equal(tr.ev[tr.n - 2].kind, EV_STORE);
	assert_ptr_equal(tr.ev[tr.n - 2].dst, flag_at);
	assert_int_equal(tr.ev[tr.n - 2].len, 1);
	assert_int_equal(tr.ev[tr.n - 1].kind, EV_BARRIER);
}

static void fill(struct split_vm *s, uint64_t from, uint64_t to)
{
	for (; from < to; from++)
		*hva(s, from) = 0x5a;	/* bit 7 clear: no false flag */
}

static void sweep(struct split_vm *s, bool long_mode, bool flag_on)
{
	struct kvm_xen_hvm_attr lm = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	uint8_t old[48];
	uint64_t a;

	lm.u.long_mode = long_mode;
	assert_int_equal(xrs_vm_set_attr(s->vm, &lm), 0);
	set_update_flag(s->vm, flag_on);

	for (a = P - 60; a <= P + 3; a++) {
		trace_area(s, a, long_mode);
		fill(s, a - 8, a + 56);
		take_view(old);
		tr.on = true;
		set_addr(s->vcpu, a);			/* write on ADDR set */
		tr.on = false;
		check_write(s, a, long_mode, flag_on, old);

		take_view(old);
		s->fake.now += 1000;
		s->fake.run_delay += 10;
		tr.n = 0;
		tr.on = true;
		xrs_vcpu_enter(s->vcpu);		/* write on entry */
		tr.on = false;
		check_write(s, a, long_mode, flag_on, old);

		take_view(old);
		s->fake.now += 1000;
		tr.n = 0;
		tr.on = true;
		set_current(s->vcpu, XRS_RUNSTATE_RUNNABLE);	/* atomic path */
		tr.on = false;
		check_write(s, a, long_mode, flag_on, old);
	}
}

static void flag_set_first_and_cleared_last_64bit(void **state)
{
	sweep(*state, true, true);
}

static void flag_set_first_and_cleared_last_compat(void **state)
{
	sweep(*state, false, true);
}

static void flag_off_never_sets_bit_63_64bit(void **state)
{
	sweep(*state, true, false);
}

static void flag_off_never_sets_bit_63_compat(void **state)
{
	sweep(*state, false, false);
}

static void data_writes_nothing_to_the_guest(void **state)
{
	struct split_vm *s = *state;

	set_update_flag(s->vm, 1);
	set_addr(s->vcpu, P - 15);
	tr.n = 0;
	tr.on = true;
	assert_int_equal(vcpu_attr(s->vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA,
				   0, 30, 10, 10, 10, 0), 0);
	tr.on = false;
	assert_int_equal(tr.n, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(flag_set_first_and_cleared_last_64bit),
		T(flag_set_first_and_cleared_last_compat),
		T(flag_off_never_sets_bit_63_64bit),
		T(flag_off_never_sets_bit_63_compat),
		T(data_writes_nothing_to_the_guest),
	};

	return cmocka_run_group_tests_name("flag_protocol", tests, NULL, NULL);
}
