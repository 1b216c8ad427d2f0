// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "lib/internal.h"
#include "util/hosttime.h"
#include "util/schedstat.h"

/* The enter path: inlined into xrs_vcpu_enter, still callable from attr.c. */
#define HOT_INLINE __attribute__((always_inline)) inline

HOT_INLINE uint64_t vcpu_now(const struct xrs_vcpu *v)
{
	return v->now_ns(v->clock_opaque);
}

/*
 * The halt source's read, beside the run delay's. Out of line: without a
 * halt source enter() pays one test for it. KVM's stats that cannot be read
 * make the sample stale (no halt booked, the base kept), as a STEAL_NONE.
 */
static __attribute__((noinline)) struct steal_sample sample_halt(struct xrs_vcpu *v,
								 struct steal_sample s)
{
	s.halt = v->halted_ns(v->halt_opaque, v);
	if (v->halt_kvm_source && s.halt == HALT_NONE)
		s.gen--;
	return s;
}

/*
 * The default source reads /proc; right after a KVM exit that read was
 * measured at several times its cost in a loop (docs/hot-path.md), so its
 * real cost is kept for the stats, with the halt source's read beside it.
 * Out of line: next to the syscall the call costs nothing, and the injected
 * sources' enter stays short.
 */
static __attribute__((noinline)) struct steal_sample timed_sample(struct xrs_vcpu *v,
								  struct steal_sample s)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);

	s.rd = v->run_delay_ns(v->steal_opaque, v);
	/*
	 * The default source's "no sample" (unbound, unreadable) books as a
	 * stale one does: a generation that is never the current one (it
	 * only grows from the one loaded).
	 */
	if (s.rd == STEAL_NONE)
		s.gen--;
	if (v->halted_ns)
		s = sample_halt(v, s);
	/* Read before the lock, by enter() or an attr call: an atomic add. */
	atomic_fetch_add_explicit(&v->pub->steal_sample_ns, clock_ns(CLOCK_MONOTONIC) - t0,
				  memory_order_relaxed);
	return s;
}

/*
 * The generation first, then the run delay and the halted time. A bump seen
 * here (acquire, against its release) is of an update whose sample was read
 * before this one; so if no bump comes between this load and the lock, this
 * sample is newer than every one booked so far.
 */
HOT_INLINE struct steal_sample vcpu_sample(struct xrs_vcpu *v)
{
	struct steal_sample s;

	s.gen = __atomic_load_n(&v->sample_gen, __ATOMIC_ACQUIRE);
	s.halt = 0;
	if (__builtin_expect(v->time_samples, 0))
		return timed_sample(v, s);
	/* Injected: any value is a sample, as KVM's run_delay is. */
	s.rd = v->run_delay_ns(v->steal_opaque, v);
	if (__builtin_expect(v->halted_ns != NULL, 0))
		s = sample_halt(v, s);
	return s;
}

static HOT_INLINE struct steal_sample take_sample(struct xrs_vcpu *v, struct steal_sample s)
{
	/*
	 * Stale: another update booked a sample since this one's generation
	 * was loaded, and which of the two is newer cannot be told; this one
	 * books no steal and no halt and leaves the bases alone (a counter that
	 * only grows loses nothing: the next update books it). Any other
	 * sample is the new base, below the old one too: a source that went
	 * back is followed (spec §4, v7.2: last_steal = rd, as KVM does), and
	 * only what it gains from there is booked.
	 */
	if (__builtin_expect(s.gen != v->sample_gen, 0)) {
		s.rd = v->rs.last_steal;
		s.halt = v->rs.last_halt;
	}
	release_inc(&v->sample_gen);
	return s;
}

void vcpu_take_sample(struct xrs_vcpu *v, struct steal_sample *s)
{
	*s = take_sample(v, *s);
}

/*
 * The helpers below take the vCPU's published record as an argument: the
 * atomics in between would make the compiler load v->pub again for every
 * use, so enter() loads it once and hands it down.
 */

/* Samples are taken before the lock, by enter() and by attr calls: counted under it. */
HOT_INLINE void vcpu_count_sample(struct xrs_vcpu *v)
{
	counter_inc(&v->pub->steal_samples);
}

/*
 * An area on the map (area-move.c) is the program's to flip too: written
 * while libxrs owns it, and a vCPU the program made runnable stays so (its
 * thread is switched out: the switch-in makes it running).
 */
static __attribute__((noinline)) int write_moved_area(struct xrs_vcpu *v, bool lm, bool flag,
						       bool atomic)
{
	struct rs_state rs = v->rs;
	int r;

	preempt_area_lock(v->pslot);
	if (v->pslot->area_flipped && rs.state == XRS_RUNSTATE_RUNNING)
		rs.state = XRS_RUNSTATE_RUNNABLE;
	r = area_write(&v->area, &v->vm->mem, &rs, lm, flag, atomic);
	preempt_area_unlock(v->pslot);
	return r;
}

static HOT_INLINE void write_area(struct xrs_vcpu *v, struct vcpu_pub *p, bool atomic)
{
	struct xrs_vm *vm = v->vm;
	bool lm = atomic_load_explicit(&v->long_mode, memory_order_relaxed);
	bool flag = atomic_load_explicit(&v->update_flag, memory_order_relaxed);
	int r;

	if (!v->area.active)
		return;
	if (__builtin_expect(v->area_elem1 && v->pslot, 0))
		r = write_moved_area(v, lm, flag, atomic);
	else
		r = area_write(&v->area, &vm->mem, &v->rs, lm, flag, atomic);
	if (r)
		counter_inc(&p->area_skips);
	else
		counter_inc(&p->area_writes);
}

HOT_INLINE void vcpu_write_area(struct xrs_vcpu *v, bool atomic)
{
	write_area(v, v->pub, atomic);
}

/* With a halt source: halted time carved out of running into blocked (engine.h). */
static __attribute__((noinline)) void book_with_halt(struct xrs_vcpu *v, uint32_t state,
						     uint64_t now, struct steal_sample s)
{
	s = take_sample(v, s);
	rs_update_halt(&v->rs, state, now, s.rd, s.halt);
}

static HOT_INLINE void update(struct xrs_vcpu *v, struct vcpu_pub *p, uint32_t state,
			      uint64_t now, struct steal_sample s)
{
	/* Without a halt source, KVM's own rule, inline: no halt arithmetic at all. */
	if (__builtin_expect(v->halted_ns != NULL, 0)) {
		book_with_halt(v, state, now, s);
	} else {
		s = take_sample(v, s);
		rs_update(&v->rs, state, now, s.rd);
	}
	counter_inc(&p->updates);
	/* KVM writes from its preemption notifier, which may not sleep, for runnable. */
	write_area(v, p, state == XRS_RUNSTATE_RUNNABLE);
}

HOT_INLINE void vcpu_update(struct xrs_vcpu *v, uint32_t state, uint64_t now,
			    const struct steal_sample *s)
{
	update(v, v->pub, state, now, *s);
}

#define relaxed_store(p, val) atomic_store_explicit(p, val, memory_order_relaxed)
#define relaxed_load(p) atomic_load_explicit(p, memory_order_relaxed)
#define release_store(p, val) atomic_store_explicit(p, val, memory_order_release)
#define acquire_load(p) atomic_load_explicit(p, memory_order_acquire)

/*
 * The ring of a published vCPU: the entry is written before the head that
 * makes it visible moves (release). A reader that sees the head move by more
 * than the ring's size while it copied knows what it lost.
 */
static __attribute__((noinline)) void record_transition(struct xrs_vcpu *v)
{
	struct vcpu_pub *p = v->pub;
	uint64_t head = relaxed_load(&p->ring_head);
	struct xrs_stats_transition *t;

	if (!v->ring)
		return;
	t = &v->ring[head % XRS_STATS_RING_SIZE];
	__atomic_store_n(&t->time, v->rs.entry, __ATOMIC_RELAXED);
	__atomic_store_n(&t->state, v->rs.state, __ATOMIC_RELAXED);
	release_store(&p->ring_head, head + 1);
}

/*
 * Seqcount writer; callers hold v->lock, so there is only ever one. Data is
 * stored with release and loaded with acquire instead of fences around
 * relaxed accesses: the same plain moves on x86, and TSan can follow it.
 */
static HOT_INLINE void publish(struct xrs_vcpu *v, struct vcpu_pub *p)
{
	unsigned int seq = relaxed_load(&p->seq);

	/* A new state: the stats file's ring gets the transition first. */
	if (__builtin_expect(relaxed_load(&p->state) != v->rs.state, 0))
		record_transition(v);
	relaxed_store(&p->seq, seq + 1);
	release_store(&p->state, v->rs.state);
	release_store(&p->entry, v->rs.entry);
	release_store(&p->times[0], v->rs.times[0]);
	release_store(&p->times[1], v->rs.times[1]);
	release_store(&p->times[2], v->rs.times[2]);
	release_store(&p->times[3], v->rs.times[3]);
	relaxed_store(&p->steal_unbooked, v->rs.steal_unbooked);
	release_store(&p->seq, seq + 2);
}

HOT_INLINE void vcpu_publish(struct xrs_vcpu *v)
{
	publish(v, v->pub);
}

int xrs_vcpu_get_stats(const struct xrs_vcpu *v, struct xrs_vcpu_stats *st)
{
	const struct vcpu_pub *p;
	unsigned int s1, s2;
	int i;

	if (!v || !st)
		return -EINVAL;
	if (v->vm->backend != XRS_BACKEND_USER)
		return -EOPNOTSUPP;
	p = v->pub;
	do {
		s1 = acquire_load(&p->seq);
		if (s1 & 1) {
			__builtin_ia32_pause();
			continue;
		}
		st->state = acquire_load(&p->state);
		st->state_entry_time = acquire_load(&p->entry);
		for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
			st->time[i] = acquire_load(&p->times[i]);
		s2 = relaxed_load(&p->seq);
	} while ((s1 & 1) || s1 != s2);
	st->vcpu_id = v->id;
	st->updates = relaxed_load(&p->updates);
	st->area_writes = relaxed_load(&p->area_writes);
	st->area_skips = relaxed_load(&p->area_skips);
	st->steal_samples = relaxed_load(&p->steal_samples);
	st->steal_sample_ns = relaxed_load(&p->steal_sample_ns);
	st->steal_unbooked_ns = relaxed_load(&p->steal_unbooked);
	st->enters = relaxed_load(&p->enters);
	st->in_guest = relaxed_load(&p->in_guest);
	return 0;
}

int xrs_vcpu_create(struct xrs_vm *vm, uint32_t vcpu_id, int vcpu_fd,
		    struct xrs_vcpu **vcpup)
{
	struct xrs_vcpu *v, *it;
	int r = 0;

	if (!vm || !vcpup || vcpu_id >= XRS_MAX_VCPU_ID)
		return -EINVAL;
	if (vm->backend == XRS_BACKEND_KERNEL && vcpu_fd < 0)
		return -EBADF;

	/* Its own cache lines: vCPU threads write their vCPU on every enter. */
	v = aligned_alloc(64, (sizeof(*v) + 63) & ~(size_t)63);
	if (!v)
		return -ENOMEM;
	*v = (struct xrs_vcpu){ .vm = vm, .id = vcpu_id, .fd = vcpu_fd, .schedstat_fd = -1,
				.halt_kvm = { .fd = -1 },
				.user = vm->backend == XRS_BACKEND_USER };
	if (v->user) {
		v->now_ns = vm->clock->now_ns;
		v->clock_opaque = vm->clock_opaque;
		v->run_delay_ns = vm->steal->run_delay_ns;
		v->steal_opaque = vm->steal_opaque;
		v->time_samples = vm->steal == &steal_schedstat_ops;
	}
	atomic_init(&v->update_due, true);
	spin_init(&v->lock);
	v->pub = &v->pub_own;
	v->pub->vcpu_id = vcpu_id;
	v->slot = -1;

	pthread_mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= XRS_MAX_VCPUS)
		r = -EINVAL;
	for (it = vm->vcpus; it && !r; it = it->next)
		if (it->id == vcpu_id)
			r = -EEXIST;
	if (!r)
		r = publication_attach(vm, v);
	if (!r) {
		/* Its halt source: an ioctl and preads of the stats fd, once. */
		vcpu_halt_setup(v);
		v->next = vm->vcpus;
		vm->vcpus = v;
		vm->nr_vcpus++;
		vm_settings_changed(vm);
	}
	pthread_mutex_unlock(&vm->lock);

	if (r) {
		free(v);
		return r;
	}
	*vcpup = v;
	return 0;
}

void xrs_vcpu_destroy(struct xrs_vcpu *v)
{
	struct xrs_vm *vm;
	struct xrs_vcpu **pp;

	if (!v)
		return;
	vm = v->vm;
	pthread_mutex_lock(&vm->lock);
	for (pp = &vm->vcpus; *pp; pp = &(*pp)->next) {
		if (*pp == v) {
			*pp = v->next;
			vm->nr_vcpus--;
			publication_detach(vm, v);
			break;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	if (v->schedstat_fd >= 0)
		close(v->schedstat_fd);
	halt_kvm_close(&v->halt_kvm);
	vcpu_preempt_unbind(v);
	free(v);
}

int xrs_vcpu_bind_thread(struct xrs_vcpu *v)
{
	int64_t rd;
	int fd, old;

	if (!v)
		return -EINVAL;
	if (v->user && v->vm->steal == &steal_bpf_ops)
		return vcpu_preempt_bind(v);
	if (!v->user || v->vm->steal != &steal_schedstat_ops)
		return 0;

	fd = steal_schedstat_open();
	if (fd < 0)
		return fd;
	rd = schedstat_run_delay(fd);
	/* Attr calls sample the fd under the VM lock: swap it under that too. */
	pthread_mutex_lock(&v->vm->lock);
	spin_lock(&v->lock);
	old = v->schedstat_fd;
	v->schedstat_fd = fd;
	/*
	 * The counter is now another thread's: its history is not this vCPU's
	 * steal. (A fresh vCPU books nothing as steal on its first update anyway.)
	 */
	if (rd >= 0) {
		v->rs.last_steal = (uint64_t)rd;
		release_inc(&v->sample_gen);
	}
	spin_unlock(&v->lock);
	pthread_mutex_unlock(&v->vm->lock);
	if (old >= 0)
		close(old);
	return 0;
}

/*
 * KVM books running->running on every vcpu_load. Between steal samples that
 * update changes nothing a later one would not (see
 * xrs_vm_set_steal_interval), so it waits until one is due. A clock behind
 * the last update (KVM_SET_CLOCK moved it back) wraps the unsigned
 * difference: that update is made too, as KVM makes it, to resample the run
 * delay that no later update may book.
 */
static inline bool update_due(struct xrs_vcpu *v, uint64_t now, uint32_t state)
{
	return relaxed_load(&v->update_due) || state != XRS_RUNSTATE_RUNNING ||
	       now - v->last_update_ns >= relaxed_load(&v->steal_interval_ns);
}

void xrs_vcpu_enter(struct xrs_vcpu *v)
{
	struct steal_sample s = { 0, 0, 0 };
	bool sampled = false;
	uint64_t now;
	struct vcpu_pub *p;

	if (!v->user)
		return;
	p = v->pub;
	counter_inc(&p->enters);		/* this thread is its only writer */
	/*
	 * No syscall with the lock held: the run delay is read first if an
	 * update looks due. The published state is a hint; under the lock only
	 * an attribute call that came in between can make one due, and then the
	 * lock is let go for the sample. The engine takes an early sample.
	 */
	now = vcpu_now(v);
	if (update_due(v, now, relaxed_load(&p->state))) {
		s = vcpu_sample(v);
		sampled = true;
	}
	spin_lock(&v->lock);
	if (__builtin_expect(!sampled, 1) &&
	    (relaxed_load(&v->update_due) || v->rs.state != XRS_RUNSTATE_RUNNING)) {
		spin_unlock(&v->lock);
		s = vcpu_sample(v);
		sampled = true;
		spin_lock(&v->lock);
	}
	if (sampled) {
		counter_inc(&p->steal_samples);
		update(v, p, XRS_RUNSTATE_RUNNING, now, s);
		v->last_update_ns = now;
		relaxed_store(&v->update_due, false);
		publish(v, p);
	}
	relaxed_store(&p->in_guest, 1);
	vcpu_preempt_enter(v);
	spin_unlock(&v->lock);
}

void xrs_vcpu_exit(struct xrs_vcpu *v)
{
	if (v->user) {
		vcpu_preempt_exit(v);
		relaxed_store(&v->pub->in_guest, 0);
	}
}
