// SPDX-License-Identifier: MIT
/*
 * Spec §10's conformance cases on a real KVM, for either backend, reduced
 * to facts. Cases 1-11 are one story, as in KVM's selftest: one vCPU whose
 * area crosses a page (flag byte first on the second page), driven through
 * CURRENT, ADJUST, DATA and steal, then swept across the page boundary.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "tests/kvm/kernel-ref.h"

#define AREA	(REF_P - 15)		/* 64-bit: entry's flag byte is the first of page 2 */
#define BIT63	(1ull << 63)

static struct world stories[2];
static struct rs snapshot[2];		/* case 9's GET DATA */
static struct facts sweep64[2];		/* case 11's facts, found by case 10's sweep */

static struct world *story(enum xrs_backend b)
{
	return &stories[b == XRS_BACKEND_KERNEL];
}

static const char *sum_ok(const struct rs *s)
{
	return s->entry == sum(s) ? "entry=sum" : "entry!=sum";
}

static void after_entry(struct world *w, struct facts *o, struct rs *a)
{
	int r = guest_sync(w);

	if (r)
		fact(o, "guest run %s", errname(r));
	read_area(w, AREA, a);
	fact(o, "guest sees state %llu, %s", (unsigned long long)a->state, sum_ok(a));
}

/* 1. SET ADDR writes at once; the first entry books [0, now) as offline. */
static void first_entry_books_time_since_0_as_offline(enum xrs_backend b, struct facts *o)
{
	struct kvm_xen_hvm_attr flag = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };
	struct world *w = story(b);
	struct rs a;
	int r;

	if ((r = world_open(w, b))) {
		fact(o, "setup %s", errname(r));
		return;
	}
	fact(o, "UPDATE_FLAG=1 %s", errname(set_hvm(w, KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG, 1)));
	r = xrs_vm_get_attr(w->x, &flag);
	fact(o, "reads %s/%u", errname(r), XRS_HVM_ATTR_UPDATE_FLAG(&flag));
	fill(w, AREA - 8, 64);
	fact(o, "ADDR %s", errname(set_addr(w, 0, AREA)));
	read_area(w, AREA, &a);
	fact(o, "written at once: %s", a.state == 0 && a.entry == 0 && sum(&a) == 0 ?
	     "zeros" : "other");
	fact(o, "bytes around %s", filled(w, AREA - 8, 8) && filled(w, AREA + 48, 8) ?
	     "untouched" : "WRITTEN");
	*(uint32_t *)world_ram(w, AREA, 4) = 0x5a;
	after_entry(w, o, &a);
	fact(o, "offline %s, bit63 %s", a.t[3] ? ">0" : "0", a.entry & BIT63 ? "set" : "clear");
}

/* 2-4. CURRENT writes at once; re-entry books the state's time, back to running. */
static void current_then_entry(enum xrs_backend b, struct facts *o, uint64_t state)
{
	struct world *w = story(b);
	struct rs before, a;

	read_area(w, AREA, &before);
	fact(o, "CURRENT %llu %s", (unsigned long long)state, errname(set_current(w, 0, state)));
	read_area(w, AREA, &a);
	fact(o, "written at once: state %llu", (unsigned long long)a.state);
	after_entry(w, o, &a);
	fact(o, "time[%llu] %s", (unsigned long long)state,
	     a.t[state] > before.t[state] ? "grew" : "did not grow");
}

static void current_runnable_is_booked(enum xrs_backend b, struct facts *o)
{
	current_then_entry(b, o, XRS_RUNSTATE_RUNNABLE);
}

static void current_blocked_is_booked(enum xrs_backend b, struct facts *o)
{
	current_then_entry(b, o, XRS_RUNSTATE_BLOCKED);
}

static void current_offline_is_booked(enum xrs_backend b, struct facts *o)
{
	current_then_entry(b, o, XRS_RUNSTATE_OFFLINE);
}

/* 5. The selftest's ADJUST: blocked and offline set to exact values. */
static void adjust_moves_time_between_states(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs a, d = { .state = (uint64_t)-1 };

	read_area(w, AREA, &a);
	d.t[2] = 0x5a - a.t[2];
	d.t[3] = 0x6b6b - a.t[3];
	d.t[1] = -(d.t[2] + d.t[3]);
	fact(o, "ADJUST %s", errname(set_adjust(w, 0, &d)));
	read_area(w, AREA, &a);
	fact(o, "written at once: %s", a.t[2] == 0x5a && a.t[3] == 0x6b6b ? "exact" : "other");
	after_entry(w, o, &a);
	fact(o, "blocked %s, offline %s", a.t[2] == 0x5a ? "0x5a" : "other",
	     a.t[3] == 0x6b6b ? "0x6b6b" : "other");
}

/* 6. DATA: not written until the next update; then exact, with no steal. */
static void data_sets_everything_written_at_next_entry(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs d = { .state = 0, .entry = 0x6bc5, .t = { 0, 0, 0x6b6b, 0x5a } }, g, a;
	uint8_t before[48];
	uint64_t rd0;

	memcpy(before, world_ram(w, AREA, 48), 48);
	rd0 = run_delay();
	fact(o, "DATA %s", errname(set_data(w, 0, &d)));
	fact(o, "area %s", memcmp(before, world_ram(w, AREA, 48), 48) ? "WRITTEN" :
	     "untouched");
	get_data(w, 0, &g);
	fact(o, "GET DATA %s", rs_equal(&g, &d) ? "returns it" : "differs");
	after_entry(w, o, &a);
	fact(o, "entry %s 0x8000, blocked %s, offline %s, runnable %s", a.entry >= 0x8000 ? ">=" : "<",
	     a.t[2] == 0x6b6b ? "0x6b6b" : "other", a.t[3] == 0x5a ? "0x5a" : "other",
	     a.t[1] <= run_delay() - rd0 ? "<= run delay since" : "> run delay since");
}

/*
 * 7. Run delay outside the guest becomes runnable at the next entry. KVM also
 * books as runnable a preemption on the way out of KVM_RUN (spec §5.2), so
 * the bound common to both is the time since the last update.
 */
static void run_delay_is_booked_as_runnable(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs before, a;
	uint64_t grew;

	read_area(w, AREA, &before);
	wait_behind_a_hog(50000);
	after_entry(w, o, &a);
	grew = a.t[1] - before.t[1];
	fact(o, "runnable +%s 50us, %s time since last update", grew >= 50000 ? ">=" : "<",
	     grew <= a.entry - before.entry ? "<=" : ">");
}

/* 8. The area's times are kvmclock: a guest timer may be armed from entry. */
static void entry_time_is_guest_kvmclock(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs a;
	uint64_t now;

	after_entry(w, o, &a);
	now = kclock(w);
	fact(o, "entry %s", a.entry <= now && now - a.entry < 1000 * MS ?
	     "in the last second of KVM_GET_CLOCK" : "NOT kvmclock");
}

/* 9. The snapshot the sweep compares against. */
static void get_data_matches_the_area(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs *s = &snapshot[b == XRS_BACKEND_KERNEL], a;

	fact(o, "GET DATA %s", errname(get_data(w, 0, s)));
	read_area(w, AREA, &a);
	fact(o, "area %s, %s, state %s", rs_equal(&a, s) ? "== GET DATA" : "differs", sum_ok(s),
	     s->state <= 1 ? "running|runnable" : "other");
}

/* 10 and 11. Every address around the page boundary, compat then 64-bit. */
static void sweep_compat_then_64bit(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	const struct rs *s = &snapshot[b == XRS_BACKEND_KERNEL];
	struct rs zero = { .state = (uint64_t)-1 }, a;
	unsigned int ok[2][4] = { { 0 } }, n = 0;
	uint64_t gpa;

	for (gpa = REF_P - 60; gpa <= REF_P + 3; gpa++, n++) {
		fill(w, gpa - 8, 72);
		set_hvm(w, KVM_XEN_ATTR_TYPE_LONG_MODE, 0);
		ok[0][0] += set_addr(w, 0, gpa) == 0;
		read_area(w, gpa, &a);
		ok[0][1] += rs_equal(&a, s);
		ok[0][2] += a.entry == sum(&a);
		ok[0][3] += filled(w, gpa - 8, 8) && filled(w, gpa + 44, 12);

		fill(w, gpa - 8, 72);
		set_hvm(w, KVM_XEN_ATTR_TYPE_LONG_MODE, 1);
		ok[1][0] += set_adjust(w, 0, &zero) == 0;
		read_area(w, gpa, &a);
		ok[1][1] += rs_equal(&a, s);
		ok[1][2] += a.entry == sum(&a);
		ok[1][3] += filled(w, gpa - 8, 8) && filled(w, gpa + 48, 8);
	}
	fact(o, "compat at %u addresses: ADDR 0 %u, fields == snapshot %u, entry=sum %u, "
	     "bytes around untouched %u", n, ok[0][0], ok[0][1], ok[0][2], ok[0][3]);
	sweep64[b == XRS_BACKEND_KERNEL] = (struct facts){ "" };
	fact(&sweep64[b == XRS_BACKEND_KERNEL], "64-bit at %u addresses: ADJUST 0 %u, fields == "
	     "snapshot %u, entry=sum %u, bytes around untouched %u", n, ok[1][0], ok[1][1],
	     ok[1][2], ok[1][3]);
}

static void sweep_64bit_same_address(enum xrs_backend b, struct facts *o)
{
	*o = sweep64[b == XRS_BACKEND_KERNEL];
}

/* 12. */
static void current_out_of_range_is_einval(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs g0, g1;
	uint8_t before[48];

	get_data(w, 0, &g0);
	memcpy(before, world_ram(w, REF_P + 3, 48), 48);
	fact(o, "CURRENT 4 %s", errname(set_current(w, 0, 4)));
	fact(o, "CURRENT -1 %s", errname(set_current(w, 0, (uint64_t)-1)));
	get_data(w, 0, &g1);
	fact(o, "state and times %s, area %s", rs_equal(&g0, &g1) ? "unchanged" : "CHANGED",
	     memcmp(before, world_ram(w, REF_P + 3, 48), 48) ? "WRITTEN" : "untouched");
}

static const char *unchanged(struct world *w, const struct rs *g0)
{
	struct rs g;

	get_data(w, 0, &g);
	return rs_equal(&g, g0) ? "unchanged" : "CHANGED";
}

/* 13. */
static void data_checks_state_sum_and_future(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs g0, d, a;
	uint64_t now = kclock(w);

	get_data(w, 0, &g0);
	d = g0;
	d.state = 4;
	fact(o, "state 4 %s", errname(set_data(w, 0, &d)));
	d = (struct rs){ .state = 0, .entry = 100, .t = { 50, 49 } };
	fact(o, "entry!=sum %s", errname(set_data(w, 0, &d)));
	d = (struct rs){ .state = 0, .entry = now + 10000 * MS, .t = { now + 10000 * MS } };
	fact(o, "future %s", errname(set_data(w, 0, &d)));
	fact(o, "%s", unchanged(w, &g0));
	now = kclock(w);
	d = (struct rs){ .state = 2, .entry = now - 1000, .t = { now - 4000, 1000, 1000, 1000 } };
	fact(o, "valid %s", errname(set_data(w, 0, &d)));
	fact(o, "GET DATA %s", strcmp(unchanged(w, &d), "unchanged") ? "differs" : "returns it");
	read_area(w, REF_P + 3, &a);
	fact(o, "area %s", rs_equal(&a, &g0) ? "untouched" : "WRITTEN");
	guest_sync(w);
	read_area(w, REF_P + 3, &a);
	fact(o, "next entry: blocked %s, state %llu, %s", a.t[2] > 1000 ? "grew" : "same",
	     (unsigned long long)a.state, sum_ok(&a));
}

/* 14. */
static void adjust_checks_state_sum_and_future(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct rs g0, d;

	get_data(w, 0, &g0);
	d = (struct rs){ .state = 4 };
	fact(o, "state 4 %s", errname(set_adjust(w, 0, &d)));
	d.state = (uint64_t)-2;
	fact(o, "state -2 %s", errname(set_adjust(w, 0, &d)));
	d = (struct rs){ .state = (uint64_t)-1, .t = { 1 } };
	fact(o, "sum %s", errname(set_adjust(w, 0, &d)));
	d = (struct rs){ .state = (uint64_t)-1, .entry = 10000 * MS, .t = { 10000 * MS } };
	fact(o, "future %s", errname(set_adjust(w, 0, &d)));
	fact(o, "%s", unchanged(w, &g0));
	d = (struct rs){ .state = (uint64_t)-1 };
	fact(o, "zeros with state -1 %s, %s", errname(set_adjust(w, 0, &d)), unchanged(w, &g0));
}

/* 15. */
static void get_addr_and_adjust_answers(enum xrs_backend b, struct facts *o)
{
	struct kvm_xen_vcpu_attr adj = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST };
	struct world *w = story(b);
	uint64_t gpa = 0;
	int r;

	fact(o, "GET ADJUST %s", errname(xrs_vcpu_get_attr(w->v[0], &adj)));
	fact(o, "fresh GET ADDR %s", errname(get_addr(w, 1, &gpa)));
	fact(o, "ADDR invalid %s", errname(set_addr(w, 1, KVM_XEN_INVALID_GPA)));
	fact(o, "then GET ADDR %s", errname(get_addr(w, 1, &gpa)));
	fact(o, "ADDR unaligned %s", errname(set_addr(w, 1, REF_P + 0x803)));
	r = get_addr(w, 1, &gpa);
	fact(o, "GET ADDR %s, %s", errname(r), gpa == REF_P + 0x803 ? "exact" : "other");
	set_addr(w, 1, KVM_XEN_INVALID_GPA);
}

/* 16. A failed SET ADDR deactivates the old area, and writes nothing. */
static void addr_outside_memory_is_efault(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	uint64_t gpa;

	fact(o, "ADDR past RAM %s", errname(set_addr(w, 0, REF_RAM + 0x1000)));
	fact(o, "GET ADDR %s", errname(get_addr(w, 0, &gpa)));
	fill(w, REF_P + 3 - 8, 64);
	guest_sync(w);
	fact(o, "old area %s", filled(w, REF_P + 3 - 8, 64) ? "no longer written" : "WRITTEN");
	fill(w, REF_RAM - 28, 28);
	fact(o, "ADDR with 2nd page past RAM %s", errname(set_addr(w, 0, REF_RAM - 20)));
	fact(o, "GET ADDR %s", errname(get_addr(w, 0, &gpa)));
	fact(o, "1st page %s", filled(w, REF_RAM - 28, 28) ? "untouched" : "WRITTEN");
	fact(o, "ADDR back %s", errname(set_addr(w, 0, AREA)));
}

/* 17. */
static void fresh_vcpu_books_since_0_as_offline(enum xrs_backend b, struct facts *o)
{
	const uint64_t slack = 20000;	/* libxrs's derived kvmclock bound, ns */
	struct world *w = story(b);
	struct rs g;
	uint64_t t0, t1;

	get_data(w, 1, &g);
	fact(o, "fresh GET DATA %s", g.state == 0 && g.entry == 0 && sum(&g) == 0 ? "zeros" : "other");
	t0 = kclock(w);
	fact(o, "CURRENT blocked %s", errname(set_current(w, 1, XRS_RUNSTATE_BLOCKED)));
	t1 = kclock(w);
	get_data(w, 1, &g);
	fact(o, "state %llu, offline %s entry, others %s, entry %s", (unsigned long long)g.state,
	     g.t[3] == g.entry ? "==" : "!=", g.t[0] | g.t[1] | g.t[2] ? "set" : "0",
	     g.entry + slack >= t0 && g.entry <= t1 + slack ? "within the call" : "outside");
}

/* 18. Snapshots read while the vCPU updates: with the flag never torn, without it no flag. */
struct reader {
	struct world *w;
	_Atomic bool stop;
	uint64_t stable, torn, flagged;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	volatile uint8_t *p = world_ram(r->w, AREA, 48);
	struct rs s;

	while (!atomic_load(&r->stop)) {
		uint8_t f1 = __atomic_load_n(&p[15], __ATOMIC_ACQUIRE), f2;
		uint64_t e2;

		memcpy(&s.entry, (const uint8_t *)p + 8, 8);
		memcpy(s.t, (const uint8_t *)p + 16, 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		memcpy(&e2, (const uint8_t *)p + 8, 8);
		f2 = p[15];
		if ((f1 | f2) & 0x80) {
			r->flagged++;
			continue;
		}
		if (e2 != s.entry)
			continue;
		r->stable++;
		r->torn += s.entry != sum(&s);
	}
	return NULL;
}

static void read_while_updating(struct world *w, struct reader *r, unsigned int syncs)
{
	pthread_t th;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->w = w;
	pthread_create(&th, NULL, read_loop, r);
	for (i = 0; i < syncs; i++)
		guest_sync(w);
	atomic_store(&r->stop, true);
	pthread_join(th, NULL);
}

static void update_flag_protects_readers(enum xrs_backend b, struct facts *o)
{
	struct world *w = story(b);
	struct reader r;
	struct rs a;

	read_while_updating(w, &r, 20000);
	read_area(w, AREA, &a);
	fact(o, "flag on: stable reads %s, torn %llu, bit63 at rest %s", r.stable ? ">0" : "0",
	     (unsigned long long)r.torn, a.entry & BIT63 ? "set" : "clear");
	fact(o, "UPDATE_FLAG=0 %s", errname(set_hvm(w, KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG, 0)));
	read_while_updating(w, &r, 20000);
	fact(o, "flag off: bit63 seen %llu times", (unsigned long long)r.flagged);
	world_close(w);
}

/* 20. A clock moved back books nothing until it passes the old entry again (v7.2). */
static void clock_backwards_books_nothing(enum xrs_backend b, struct facts *o)
{
	struct world w;
	struct rs d, g0, g1, g2;
	uint64_t c;
	int r;

	if ((r = world_open(&w, b))) {
		fact(o, "setup %s", errname(r));
		return;
	}
	set_kclock(&w, 10000 * MS);	/* room to go back */
	set_addr(&w, 0, AREA);
	guest_sync(&w);
	c = kclock(&w);
	d = (struct rs){ .state = 0, .entry = c, .t = { c } };
	fact(o, "DATA at now %s", errname(set_data(&w, 0, &d)));
	get_data(&w, 0, &g0);
	fact(o, "clock -1 s %s", errname(set_kclock(&w, c - 1000 * MS)));
	fact(o, "CURRENT blocked %s", errname(set_current(&w, 0, XRS_RUNSTATE_BLOCKED)));
	get_data(&w, 0, &g1);
	if (!memcmp(g1.t, g0.t, sizeof(g0.t)) && g1.entry == g0.entry)
		fact(o, "behind: nothing booked, entry kept");
	else
		fact(o, "behind: running %s, entry %s", g1.t[0] < g0.t[0] ? "went back" : "moved",
		     g1.entry < g0.entry ? "went back" : "moved");
	fact(o, "state %llu, %s", (unsigned long long)g1.state, sum_ok(&g1));
	set_kclock(&w, c + 20 * MS);
	set_current(&w, 0, XRS_RUNSTATE_RUNNING);
	get_data(&w, 0, &g2);
	fact(o, "past it again: blocked booked from %s", g2.t[2] - g1.t[2] == g2.entry - c ?
	     "the old entry" : "elsewhere");
	world_close(&w);
}

/* 21. Steal beyond the time since entry is clamped to it (v7.2). */
static void steal_is_clamped_to_the_interval(enum xrs_backend b, struct facts *o)
{
	struct world w;
	struct rs d, g0, g1;
	uint64_t e, delta;
	int r;

	if ((r = world_open(&w, b))) {
		fact(o, "setup %s", errname(r));
		return;
	}
	set_addr(&w, 0, AREA);
	guest_sync(&w);
	guest_sync(&w);
	wait_behind_a_hog(20 * MS);	/* steal to come, outside the guest */
	get_data(&w, 0, &g0);
	/* ...while the time since entry is made ~10 us */
	d = (struct rs){ .state = (uint64_t)-1 };
	d.entry = d.t[0] = kclock(&w) - g0.entry - 10000;
	fact(o, "ADJUST entry to now-10us %s", errname(set_adjust(&w, 0, &d)));
	fact(o, "CURRENT blocked %s", errname(set_current(&w, 0, XRS_RUNSTATE_BLOCKED)));
	get_data(&w, 0, &g1);
	e = g0.entry + d.entry;
	delta = g1.entry - e;
	if (g1.t[0] == g0.t[0] + d.t[0] && g1.t[1] - g0.t[1] == delta)
		fact(o, "running +0, runnable +delta");
	else if ((int64_t)(g1.t[0] - (g0.t[0] + d.t[0])) < 0 && g1.t[1] - g0.t[1] > delta)
		fact(o, "running went back, runnable +steal > delta");
	else
		fact(o, "running %+lld, runnable +%llu, delta %llu",
		     (long long)(g1.t[0] - (g0.t[0] + d.t[0])),
		     (unsigned long long)(g1.t[1] - g0.t[1]), (unsigned long long)delta);
	fact(o, "%s", sum_ok(&g1));
	world_close(&w);
}

/* 22. DATA into a new VM after the clock moved on: the gap is runnable. */
static void migration_books_the_gap_as_runnable(enum xrs_backend b, struct facts *o)
{
	struct timespec t0, t1, gap = { 0, 10 * MS };
	struct world w;
	struct rs g, a;
	uint64_t c, grew;
	int r;

	if ((r = world_open(&w, b))) {
		fact(o, "setup %s", errname(r));
		return;
	}
	set_addr(&w, 0, AREA);
	guest_sync(&w);
	guest_sync(&w);
	get_data(&w, 0, &g);
	g.state = XRS_RUNSTATE_RUNNABLE;
	c = kclock(&w);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	world_close(&w);
	nanosleep(&gap, NULL);
	if ((r = world_open(&w, b))) {
		fact(o, "setup %s", errname(r));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fact(o, "clock restored %s", errname(set_kclock(&w, c + (uint64_t)(t1.tv_sec - t0.tv_sec) *
						       1000 * MS + (uint64_t)(t1.tv_nsec - t0.tv_nsec))));
	fact(o, "ADDR %s", errname(set_addr(&w, 0, AREA)));
	fact(o, "DATA %s", errname(set_data(&w, 0, &g)));
	after_entry(&w, o, &a);
	grew = a.t[1] - g.t[1];
	fact(o, "runnable +%s", grew >= 10 * MS && grew < 5000 * MS ? "[10 ms, 5 s)" : "other");
	world_close(&w);
}

/*
 * 23. A layout change after SET ADDR (spec §6): gpa's page is mapped to its
 * end whatever the layout, the next page only if the layout at SET ADDR
 * crossed; the atomic write (CURRENT runnable) skips only a write that needs
 * a second page never set up, and a write that may map sets it up. On a
 * fresh world's vCPU 1, so the story's vCPU 0 is not disturbed.
 */
static const char *switch_then_runnable(struct world *w, int set_lm, int write_lm, uint64_t gpa)
{
	set_hvm(w, KVM_XEN_ATTR_TYPE_LONG_MODE, (uint64_t)set_lm);
	if (set_addr(w, 1, gpa))
		return "ADDR failed";
	set_hvm(w, KVM_XEN_ATTR_TYPE_LONG_MODE, (uint64_t)write_lm);
	fill(w, gpa - 8, 64);
	if (set_current(w, 1, XRS_RUNSTATE_RUNNABLE))
		return "CURRENT failed";
	return filled(w, gpa, write_lm ? 48 : 44) ? "skipped" : "written";
}

static void atomic_write_after_a_layout_switch(enum xrs_backend b, struct facts *o)
{
	const uint64_t in_page = REF_P - 200, only_64_crosses = REF_P - 46;
	struct world w;
	int r;

	if ((r = world_open(&w, b))) {
		fact(o, "setup %s", errname(r));
		return;
	}
	fact(o, "64->compat in a page: %s", switch_then_runnable(&w, 1, 0, in_page));
	fact(o, "64->compat across: %s", switch_then_runnable(&w, 1, 0, REF_P - 20));
	fact(o, "compat->64 in a page: %s", switch_then_runnable(&w, 0, 1, in_page));
	fact(o, "compat->64 across: %s", switch_then_runnable(&w, 0, 1, REF_P - 20));
	fact(o, "compat->64 only 64-bit crosses: %s",
	     switch_then_runnable(&w, 0, 1, only_64_crosses));
	fill(&w, only_64_crosses - 8, 64);
	set_current(&w, 1, XRS_RUNSTATE_BLOCKED);
	fact(o, "then CURRENT blocked: %s", filled(&w, only_64_crosses, 48) ? "skipped" : "written");
	fill(&w, only_64_crosses - 8, 64);
	set_current(&w, 1, XRS_RUNSTATE_RUNNABLE);
	fact(o, "then CURRENT runnable: %s, bytes around %s",
	     filled(&w, only_64_crosses, 48) ? "skipped" : "written",
	     filled(&w, only_64_crosses - 8, 8) && filled(&w, only_64_crosses + 48, 8) ?
	     "untouched" : "WRITTEN");
	world_close(&w);
}

#define FIX_72 "36a85200643e (\"Prevent runstate times from becoming negative\")"

const struct ref_case ref_cases[] = {
	{ .name = "1 first_entry_books_since_0_offline", .run = first_entry_books_time_since_0_as_offline,
	  .spec =
	  "UPDATE_FLAG=1 0; reads 0/1; ADDR 0; written at once: zeros; bytes around untouched; "
	  "guest sees state 0, entry=sum; offline >0, bit63 clear" },
	{ .name = "2 current_runnable_is_booked", .run = current_runnable_is_booked,
	  .spec =
	  "CURRENT 1 0; written at once: state 1; guest sees state 0, entry=sum; time[1] grew" },
	{ .name = "3 current_blocked_is_booked", .run = current_blocked_is_booked,
	  .spec =
	  "CURRENT 2 0; written at once: state 2; guest sees state 0, entry=sum; time[2] grew" },
	{ .name = "4 current_offline_is_booked", .run = current_offline_is_booked,
	  .spec =
	  "CURRENT 3 0; written at once: state 3; guest sees state 0, entry=sum; time[3] grew" },
	{ .name = "5 adjust_moves_time_between_states", .run = adjust_moves_time_between_states,
	  .spec =
	  "ADJUST 0; written at once: exact; guest sees state 0, entry=sum; blocked 0x5a, "
	  "offline 0x6b6b" },
	{ .name = "6 data_is_written_at_next_entry", .run = data_sets_everything_written_at_next_entry,
	  .spec =
	  "DATA 0; area untouched; GET DATA returns it; guest sees state 0, entry=sum; entry >= "
	  "0x8000, blocked 0x6b6b, offline 0x5a, runnable <= run delay since" },
	{ .name = "7 run_delay_is_booked_as_runnable", .run = run_delay_is_booked_as_runnable,
	  .spec =
	  "guest sees state 0, entry=sum; runnable +>= 50us, <= time since last update" },
	{ .name = "8 entry_time_is_guest_kvmclock", .run = entry_time_is_guest_kvmclock,
	  .spec =
	  "guest sees state 0, entry=sum; entry in the last second of KVM_GET_CLOCK" },
	{ .name = "9 get_data_matches_the_area", .run = get_data_matches_the_area,
	  .spec =
	  "GET DATA 0; area == GET DATA, entry=sum, state running|runnable" },
	{ .name = "10 sweep_compat_across_the_page", .run = sweep_compat_then_64bit,
	  .spec =
	  "compat at 64 addresses: ADDR 0 64, fields == snapshot 64, entry=sum 64, bytes around "
	  "untouched 64" },
	{ .name = "11 sweep_64bit_same_addresses", .run = sweep_64bit_same_address,
	  .spec =
	  "64-bit at 64 addresses: ADJUST 0 64, fields == snapshot 64, entry=sum 64, bytes around "
	  "untouched 64" },
	{ .name = "12 current_out_of_range_is_einval", .run = current_out_of_range_is_einval,
	  .spec =
	  "CURRENT 4 EINVAL; CURRENT -1 EINVAL; state and times unchanged, area untouched" },
	{ .name = "13 data_checks_state_sum_future", .run = data_checks_state_sum_and_future,
	  .spec =
	  "state 4 EINVAL; entry!=sum EINVAL; future EINVAL; unchanged; valid 0; GET DATA returns "
	  "it; area untouched; next entry: blocked grew, state 0, entry=sum" },
	{ .name = "14 adjust_checks_state_sum_future", .run = adjust_checks_state_sum_and_future,
	  .spec =
	  "state 4 EINVAL; state -2 EINVAL; sum EINVAL; future EINVAL; unchanged; zeros with "
	  "state -1 0, unchanged" },
	{ .name = "15 get_addr_and_adjust_answers", .run = get_addr_and_adjust_answers,
	  .spec =
	  "GET ADJUST EINVAL; fresh GET ADDR ENOENT; ADDR invalid 0; then GET ADDR ENOENT; ADDR "
	  "unaligned 0; GET ADDR 0, exact" },
	{ .name = "16 addr_outside_memory_is_efault", .run = addr_outside_memory_is_efault,
	  .spec =
	  "ADDR past RAM EFAULT; GET ADDR ENOENT; old area no longer written; ADDR with 2nd page "
	  "past RAM EFAULT; GET ADDR ENOENT; 1st page untouched; ADDR back 0" },
	{ .name = "17 fresh_vcpu_books_since_0_offline", .run = fresh_vcpu_books_since_0_as_offline,
	  .spec =
	  "fresh GET DATA zeros; CURRENT blocked 0; state 2, offline == entry, others 0, entry "
	  "within the call" },
	{ .name = "18 update_flag_protects_readers", .run = update_flag_protects_readers,
	  .spec =
	  "flag on: stable reads >0, torn 0, bit63 at rest clear; UPDATE_FLAG=0 0; flag off: "
	  "bit63 seen 0 times" },
	{ .name = "19 atomic_path_without_mapping", .user_only =
	  "KVM's preempt-path write cannot be made to find its page cache invalid from user "
	  "space; libxrs has no such path on real KVM (unit suite: engine, flag_protocol)" },
	{ .name = "20 clock_backwards_books_nothing", .run = clock_backwards_books_nothing,
	  .spec =
	  "DATA at now 0; clock -1 s 0; CURRENT blocked 0; behind: nothing booked, entry kept; "
	  "state 2, entry=sum; past it again: blocked booked from the old entry",
	  .old_kernel =
	  "DATA at now 0; clock -1 s 0; CURRENT blocked 0; behind: running went back, entry went "
	  "back; state 2, entry=sum; past it again: blocked booked from elsewhere",
	  .fixed_major = 7, .fixed_minor = 2, .fix = FIX_72 },
	{ .name = "21 steal_is_clamped_to_the_interval", .run = steal_is_clamped_to_the_interval,
	  .spec =
	  "ADJUST entry to now-10us 0; CURRENT blocked 0; running +0, runnable +delta; entry=sum",
	  .old_kernel =
	  "ADJUST entry to now-10us 0; CURRENT blocked 0; running went back, runnable +steal > "
	  "delta; entry=sum",
	  .fixed_major = 7, .fixed_minor = 2, .fix = FIX_72 },
	{ .name = "22 migration_books_gap_as_runnable", .run = migration_books_the_gap_as_runnable,
	  .spec =
	  "clock restored 0; ADDR 0; DATA 0; guest sees state 0, entry=sum; runnable +[10 ms, 5 s)" },
	{ .name = "23 atomic_write_after_a_layout_switch", .run = atomic_write_after_a_layout_switch,
	  .spec =
	  "64->compat in a page: written; 64->compat across: written; compat->64 in a page: "
	  "written; compat->64 across: written; compat->64 only 64-bit crosses: skipped; then "
	  "CURRENT blocked: written; then CURRENT runnable: written, bytes around untouched" },
	REF_E2E_CASES
	{ .name = NULL },
};
