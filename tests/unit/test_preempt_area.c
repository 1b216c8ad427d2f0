// SPDX-License-Identifier: MIT
/*
 * The preemption source writes what the guest reads (issue 23): a vCPU's
 * runstate area, moved by its VMM onto an element of the program's areas
 * map, says runnable while the vCPU thread is switched out inside KVM_RUN
 * and running before it runs again; the program keeps out while user space
 * writes the area, and an entry makes a flip the kernel left owed. On this
 * host, without KVM; where the program cannot load, skipped with the reason.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tests/unit/harness.h"
#include "lib/internal.h"
#include "util/hosttime.h"
#include "util/pin.h"

/* The CPU the two threads share: the last one (the first is busier). */
#define CPU		((int)sysconf(_SC_NPROCESSORS_ONLN) - 1)

/*
 * The guest-visible flip (issue 23): an area in an element of the areas
 * map, where a VMM maps it over guest memory, 6 bytes before a page ends
 * (64-bit layout, the update flag on: state on the first page, the flag
 * byte on the second). The vCPU thread spins on CPU with a reader pinned
 * beside it: the reader runs only while the vCPU is switched out, so every
 * read it makes should say what a preempted vCPU's area says.
 */
#define AREA_OFS	(PREEMPT_PAGE - 6)
#define FLIP_NS		1000000000ull

/* Where a layout has state_entry_time, and its size (Xen's public/vcpu.h). */
struct layout {
	uint32_t times_ofs, size;
	bool flag;			/* the update flag on */
};

static const struct layout l64_flag = { 8, 48, true }, compat_noflag = { 4, 44, false };

struct flip {
	struct xrs_vcpu *v;
	uint8_t *area;			/* the element's first byte + AREA_OFS */
	struct layout l;
	bool in_run;			/* the vCPU thread between enter and exit */
	atomic_bool ready, stop;
	uint64_t reads, runnable, running, flagged;
	uint64_t own_reads, own_not_running;	/* the vCPU's of its own area */
	uint64_t stretches;			/* of its reads not running, one after another */
	uint64_t switch_ins, unreported;	/* the program's; pcount's grown beyond */
};

static void *flip_vcpu(void *arg)
{
	struct flip *f = arg;
	uint64_t ins0, pc0, pc1, rd;
	bool was = false, is;

	CHECK(pin_to_cpu(CPU) == 0);
	CHECK(xrs_vcpu_bind_thread(f->v) == 0);
	if (f->in_run)
		xrs_vcpu_enter(f->v);
	/* The kernel's count of this thread's switch-ins, and the program's. */
	CHECK(thread_schedstat(gettid(), &rd, &pc0) == 0);
	ins0 = __atomic_load_n(&f->v->pslot->switch_ins, __ATOMIC_RELAXED);
	atomic_store(&f->ready, true);
	/* What a guest reads of its own vCPU: it runs, so the flip back came first. */
	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		is = ((volatile uint8_t *)f->area)[0] != 0;
		f->own_reads++;
		f->own_not_running += is;
		f->stretches += is && !was;
		was = is;
	}
	f->switch_ins = __atomic_load_n(&f->v->pslot->switch_ins, __ATOMIC_RELAXED) - ins0;
	CHECK(thread_schedstat(gettid(), &rd, &pc1) == 0);
	f->unreported = pc1 - pc0 - f->switch_ins;
	if (f->in_run)
		xrs_vcpu_exit(f->v);
	return NULL;
}

/* On the vCPU's CPU: it is switched out whenever this runs. */
static void flip_read(struct flip *f)
{
	volatile uint8_t *a = f->area;
	uint64_t t0;
	int i;

	CHECK(pin_to_cpu(CPU) == 0);
	for (i = 0; i < 20; i++)		/* the vCPU runs, and is switched out, since */
		sched_yield();
	for (t0 = mono_ns(); mono_ns() - t0 < FLIP_NS;) {
		uint32_t state = a[0] | a[1] << 8 | a[2] << 16 | (uint32_t)a[3] << 24;

		f->reads++;
		f->runnable += state == 1;
		f->running += state == 0;
		f->flagged += !!(a[f->l.times_ofs + 7] & 0x80);
	}
}

/* The area as the VMM left it: running, Σ time[] == entry, the rest of both pages a pattern. */
static const uint64_t area_entry = 1500, area_times[4] = { 1000, 200, 300, 0 };

static uint8_t *area_setup(struct xrs_vm *vm, uint32_t *idx, const struct layout *l)
{
	void *pages;
	uint8_t *a;

	assert_int_equal(preempt_area_alloc(vm->preempt, idx, &pages), 0);
	memset(pages, 0xa5, PREEMPT_AREA_SIZE);
	a = (uint8_t *)pages + AREA_OFS;
	memset(a, 0, l->times_ofs);
	memcpy(a + l->times_ofs, &area_entry, 8);
	memcpy(a + l->times_ofs + 8, area_times, sizeof(area_times));
	return a;
}

/* Nothing but the state changed (padding neither), and nothing outside the area at all. */
static void area_check(const uint8_t *a, uint32_t want_state, const struct layout *l)
{
	const uint8_t *page = a - AREA_OFS;
	uint64_t entry, times[4];
	uint32_t state, i;

	memcpy(&state, a, 4);
	for (i = 4; i < l->times_ofs; i++)
		assert_int_equal(a[i], 0);
	memcpy(&entry, a + l->times_ofs, 8);
	memcpy(times, a + l->times_ofs + 8, sizeof(times));
	assert_int_equal(state, want_state);
	assert_int_equal(entry, area_entry);		/* the flag cleared, too */
	assert_memory_equal(times, area_times, sizeof(times));
	for (i = 0; i < PREEMPT_AREA_SIZE; i++)
		if (i < AREA_OFS || i >= AREA_OFS + l->size)
			assert_int_equal(page[i], 0xa5);
}

static void flip_start(struct flip *f, pthread_t *th)
{
	atomic_store(&f->ready, false);
	atomic_store(&f->stop, false);
	assert_int_equal(pthread_create(th, NULL, flip_vcpu, f), 0);
	while (!atomic_load(&f->ready))
		usleep(100);
}

/* Stopped, and what it saw said and checked. */
static void flip_stop(struct flip *f, pthread_t th)
{
	atomic_store(&f->stop, true);
	pthread_join(th, NULL);
	print_message("%llu reads while the vCPU was switched out: %llu runnable, %llu running, "
		      "%llu with the update flag; the vCPU's own: %llu reads, %llu not running "
		      "in %llu stretches (%llu switch-ins seen, %llu the kernel did not report)\n",
		      (unsigned long long)f->reads, (unsigned long long)f->runnable,
		      (unsigned long long)f->running, (unsigned long long)f->flagged,
		      (unsigned long long)f->own_reads, (unsigned long long)f->own_not_running,
		      (unsigned long long)f->stretches, (unsigned long long)f->switch_ins,
		      (unsigned long long)f->unreported);
	assert_true(f->reads > 1000);
	assert_int_equal(f->flagged, 0);
	/*
	 * Every switch-in the kernel reports flips it back before the vCPU
	 * runs: it reads its area not running only in a stretch that began
	 * with a switch-in the kernel did not report.
	 */
	assert_true(f->stretches <= f->unreported);
}

/*
 * The vCPU thread and its reader for FLIP_NS, the area in layout @f->l;
 * @hold: user space owns the area from before it is pointed at, throughout.
 */
static void flip_run(struct flip *f, bool hold)
{
	pthread_t th;
	uint32_t idx;
	struct xrs_vm *vm = bpf_vm_or_skip(&f->v);

	f->area = area_setup(vm, &idx, &f->l);
	flip_start(f, &th);
	preempt_area_lock(f->v->pslot);
	preempt_area_point_owned(f->v->pslot, idx, AREA_OFS, f->l.times_ofs, f->l.flag);
	if (!hold)
		preempt_area_unlock(f->v->pslot);
	flip_read(f);
	if (hold)
		preempt_area_unlock(f->v->pslot);
	flip_stop(f, th);
	/* Switched in for the last time before it left KVM_RUN: running. */
	area_check(f->area, 0, &f->l);
	preempt_area_point(f->v->pslot, ~0u, 0, 0, false);
	preempt_area_free(vm->preempt, idx);
	xrs_vm_destroy(vm);
}

static void a_preempted_vcpu_reads_runnable_in_its_area(void **state)
{
	struct flip f = { .in_run = true, .l = l64_flag };

	(void)state;
	flip_run(&f, false);
	assert_true(f.runnable * 100 >= f.reads * 99);
	assert_int_equal(f.runnable + f.running, f.reads);
}

/* The other layout (state_entry_time at 4, 44 bytes), and no update flag. */
static void a_compat_area_without_the_flag_flips_too(void **state)
{
	struct flip f = { .in_run = true, .l = compat_noflag };

	(void)state;
	flip_run(&f, false);
	assert_true(f.runnable * 100 >= f.reads * 99);
}

static void outside_kvm_run_its_area_stays_running(void **state)
{
	struct flip f = { .in_run = false, .l = l64_flag };

	(void)state;
	flip_run(&f, false);
	assert_int_equal(f.running, f.reads);
	assert_int_equal(f.own_not_running, 0);	/* nothing flips: nothing owed */
}

static void the_program_keeps_out_while_user_space_owns_the_area(void **state)
{
	struct flip f = { .in_run = true, .l = l64_flag };

	(void)state;
	flip_run(&f, true);
	assert_int_equal(f.running, f.reads);
}

/* As after a switch-in the kernel did not report: the next entry makes it running. */
static void an_entry_makes_a_flip_still_owed(void **state)
{
	struct xrs_vcpu *v;
	struct xrs_vm *vm = bpf_vm_or_skip(&v);
	uint32_t idx;
	uint8_t *a = area_setup(vm, &idx, &l64_flag);

	(void)state;
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	preempt_area_point(v->pslot, idx, AREA_OFS, 8, true);
	a[0] = 1;
	v->pslot->area_flipped = 1;
	xrs_vcpu_enter(v);
	assert_int_equal(v->pslot->area_flipped, 0);
	area_check(a, 0, &l64_flag);
	/* And an exit: the thread left KVM_RUN, no flip comes after it. */
	a[0] = 1;
	v->pslot->area_flipped = 1;
	xrs_vcpu_exit(v);
	area_check(a, 0, &l64_flag);
	preempt_area_point(v->pslot, ~0u, 0, 0, false);
	preempt_area_free(vm->preempt, idx);
	xrs_vm_destroy(vm);
}

/*
 * The VMM's part (xrs_vm_set_area_mover): guest RAM the test mmapped,
 * three pages at GUEST_GPA; the mover counts its calls and moves with
 * libxrs's helper, or fails as told.
 */
#define GUEST_GPA	0x100000ull
#define GUEST_AREA	(GUEST_GPA + AREA_OFS)	/* crosses into the second page */

struct guest {
	struct xrs_vm *vm;
	struct xrs_vcpu *v;
	uint8_t *ram;
	int moves, fail;
	struct xrs_area_pages last;
};

static int test_move(void *opaque, struct xrs_vm *vm, const struct xrs_area_pages *p)
{
	struct guest *g = opaque;

	g->moves++;
	g->last = *p;
	return g->fail ? g->fail : xrs_vm_move_area_pages(vm, p);
}

static void guest_init(struct guest *g, int fail)
{
	const struct xrs_area_mover mover = { .move = test_move };

	memset(g, 0, sizeof(*g));
	g->fail = fail;
	g->vm = bpf_vm_or_skip(&g->v);
	g->ram = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->ram != MAP_FAILED);
	memset(g->ram, 0xa5, 3 * PAGE);
	assert_int_equal(xrs_vm_map_memory(g->vm, GUEST_GPA, 3 * PAGE, g->ram), 0);
	assert_int_equal(xrs_vm_set_area_mover(g->vm, &mover, g), 0);
	set_long_mode(g->vm, 1);
	set_update_flag(g->vm, 1);
}

static void guest_fini(struct guest *g)
{
	xrs_vm_destroy(g->vm);
	munmap(g->ram, 3 * PAGE);
}

static void set_addr_moves_the_areas_pages_with_their_contents(void **state)
{
	struct guest g;
	uint8_t *map;
	unsigned int i;

	(void)state;
	guest_init(&g, 0);
	set_addr(g.v, GUEST_AREA);
	assert_int_equal(g.moves, 1);
	assert_int_equal(g.last.gpa, GUEST_GPA);
	assert_int_equal(g.last.npages, 2);
	assert_int_not_equal(g.v->area_elem1, 0);
	/* The guest's bytes came along; the area is what SET ADDR wrote. */
	for (i = 0; i < 3 * PAGE; i++)
		if (i < AREA_OFS || i >= AREA_OFS + 48)
			assert_int_equal(g.ram[i], 0xa5);
	assert_int_equal(g.ram[AREA_OFS], 0);
	/* And the guest's pages are the element's now: one memory, two views. */
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, g.last.fd,
		   (off_t)g.last.offset);
	assert_true(map != MAP_FAILED);
	map[5] = 0x5a;
	map[PAGE + 5] = 0x5b;
	assert_int_equal(g.ram[5], 0x5a);
	assert_int_equal(g.ram[PAGE + 5], 0x5b);
	assert_int_equal(g.ram[2 * PAGE + 5], 0xa5);	/* the third page stays RAM */
	munmap(map, 2 * PAGE);
	guest_fini(&g);
}

static void a_second_area_in_a_moved_page_shares_its_element(void **state)
{
	struct xrs_vcpu *w;
	struct guest g;

	(void)state;
	guest_init(&g, 0);
	assert_int_equal(xrs_vcpu_create(g.vm, 1, -1, &w), 0);
	set_addr(g.v, GUEST_AREA);
	set_addr(w, GUEST_GPA + 64);
	assert_int_equal(g.moves, 1);
	assert_int_equal(w->area_elem1, g.v->area_elem1);
	guest_fini(&g);
}

static void a_move_that_fails_leaves_the_area_in_ram(void **state)
{
	struct guest g;

	(void)state;
	guest_init(&g, -EIO);
	set_addr(g.v, GUEST_AREA);		/* SET ADDR itself succeeded */
	assert_int_equal(g.moves, 1);
	assert_int_equal(g.v->area_elem1, 0);
	assert_int_equal(g.v->area_move_err, -EIO);
	assert_int_equal(g.vm->nmoved, 0);
	guest_fini(&g);
}

static void a_preempted_vcpu_reads_runnable_through_guest_memory(void **state)
{
	struct flip f = { .in_run = true, .l = l64_flag };
	struct guest g;
	pthread_t th;

	(void)state;
	guest_init(&g, 0);
	set_addr(g.v, GUEST_AREA);		/* moved before a thread is bound */
	f.v = g.v;
	f.area = g.ram + AREA_OFS;
	flip_start(&f, &th);			/* bind points the slot at it */
	flip_read(&f);
	flip_stop(&f, th);
	assert_true(f.runnable * 100 >= f.reads * 99);
	assert_int_equal(f.area[0], 0);		/* running again, out of KVM_RUN */
	guest_fini(&g);
}

/* Another thread writes the area while the vCPU is switched out: it still says runnable. */
static void an_attribute_call_during_a_preemption_keeps_it_runnable(void **state)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST };
	struct guest g;

	(void)state;
	guest_init(&g, 0);
	set_addr(g.v, GUEST_AREA);
	assert_int_equal(xrs_vcpu_bind_thread(g.v), 0);
	g.ram[AREA_OFS] = 1;			/* as the program leaves it */
	g.v->pslot->area_flipped = 1;
	a.u.runstate.state = (uint64_t)-1;	/* no state change: the area rewritten */
	assert_int_equal(xrs_vcpu_set_attr(g.v, &a), 0);
	assert_int_equal(g.ram[AREA_OFS], 1);
	assert_int_equal(g.ram[AREA_OFS + 15] & 0x80, 0);
	guest_fini(&g);
}

/*
 * Everything at once: the vCPU entering and leaving KVM_RUN on a CPU it
 * shares with a hog (libxrs updates the area at every entry, the program
 * flips it at every preemption), attribute calls rewriting it from another
 * thread, and a reader on another CPU taking snapshots as Linux does. No
 * snapshot is torn: entry == Σ times, nothing goes back, a state is one of
 * four.
 */
#define STORM_NS	1500000000ull

struct storm {
	struct guest g;
	atomic_bool stop;
	uint64_t snaps, torn, runnable, attr_calls;
};

static void *storm_vcpu(void *arg)
{
	struct storm *st = arg;
	uint64_t t;

	CHECK(pin_to_cpu(CPU) == 0);
	CHECK(xrs_vcpu_bind_thread(st->g.v) == 0);
	while (!atomic_load_explicit(&st->stop, memory_order_relaxed)) {
		xrs_vcpu_enter(st->g.v);
		for (t = mono_ns(); mono_ns() - t < 20000;)	/* "in the guest" 20 us */
			;
		xrs_vcpu_exit(st->g.v);
	}
	return NULL;
}

static void *storm_hog(void *arg)
{
	struct storm *st = arg;

	CHECK(pin_to_cpu(CPU) == 0);
	while (!atomic_load_explicit(&st->stop, memory_order_relaxed))
		;
	return NULL;
}

static void *storm_attrs(void *arg)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST };
	struct storm *st = arg;

	a.u.runstate.state = (uint64_t)-1;	/* no state change: the area rewritten */
	while (!atomic_load_explicit(&st->stop, memory_order_relaxed)) {
		CHECK(xrs_vcpu_set_attr(st->g.v, &a) == 0);
		st->attr_calls++;
		usleep(50);
	}
	return NULL;
}

static void no_snapshot_is_torn_while_flips_updates_and_attribute_calls_race(void **state)
{
	struct storm st = { .snaps = 0 };
	struct area_view view, last = { 0 };
	pthread_t th[3];
	uint64_t t0;
	int i, k;

	(void)state;
	guest_init(&st.g, 0);
	assert_int_equal(xrs_vm_set_steal_interval(st.g.vm, 0), 0);	/* an update per entry */
	set_addr(st.g.v, GUEST_AREA);
	assert_int_not_equal(st.g.v->area_elem1, 0);
	assert_int_equal(pthread_create(&th[0], NULL, storm_vcpu, &st), 0);
	assert_int_equal(pthread_create(&th[1], NULL, storm_hog, &st), 0);
	assert_int_equal(pthread_create(&th[2], NULL, storm_attrs, &st), 0);
	CHECK(pin_to_cpu(0) == 0);
	for (t0 = mono_ns(); mono_ns() - t0 < STORM_NS;) {
		area_snapshot(st.g.ram + AREA_OFS, true, true, &view);
		st.snaps++;
		st.runnable += view.state == XRS_RUNSTATE_RUNNABLE;
		k = view.entry != view_sum(&view) || view.state > XRS_RUNSTATE_OFFLINE ||
		    view.entry < last.entry;
		for (i = 0; i < 4; i++)
			k |= view.time[i] < last.time[i];
		st.torn += k;
		last = view;
	}
	atomic_store(&st.stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	print_message("%llu snapshots, %llu torn, %llu runnable; %llu attribute calls; "
		      "%llu updates\n", (unsigned long long)st.snaps, (unsigned long long)st.torn,
		      (unsigned long long)st.runnable, (unsigned long long)st.attr_calls,
		      (unsigned long long)st.g.v->pub->updates);
	assert_true(st.snaps > 1000);
	assert_int_equal(st.torn, 0);
	assert_true(st.runnable > 0);		/* the flips were there to race */
	guest_fini(&st.g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_preempted_vcpu_reads_runnable_in_its_area),
		cmocka_unit_test(a_compat_area_without_the_flag_flips_too),
		cmocka_unit_test(outside_kvm_run_its_area_stays_running),
		cmocka_unit_test(the_program_keeps_out_while_user_space_owns_the_area),
		cmocka_unit_test(an_entry_makes_a_flip_still_owed),
		cmocka_unit_test(set_addr_moves_the_areas_pages_with_their_contents),
		cmocka_unit_test(a_second_area_in_a_moved_page_shares_its_element),
		cmocka_unit_test(a_move_that_fails_leaves_the_area_in_ram),
		cmocka_unit_test(a_preempted_vcpu_reads_runnable_through_guest_memory),
		cmocka_unit_test(an_attribute_call_during_a_preemption_keeps_it_runnable),
		cmocka_unit_test(no_snapshot_is_torn_while_flips_updates_and_attribute_calls_race),
	};

	return cmocka_run_group_tests_name("preempt_area", tests, NULL, NULL);
}
