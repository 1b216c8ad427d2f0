/* SPDX-License-Identifier: MIT */
/*
 * The preemption source (docs/preempt-source.md): a BPF program on the
 * host's sched_switch mirrors each bound vCPU thread's run delay into a
 * slot of a map libxrs mmaps, and keeps the thread's CPU-ready episodes
 * inside KVM_RUN. One program per process, shared by its VMs: loaded by the
 * first VM that wants it (preempt-load.c; preempt-none.c where libxrs is
 * built without BPF), unloaded with the last.
 */
#ifndef XRS_PREEMPT_H
#define XRS_PREEMPT_H

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "bpf/preempt-map.h"

struct preempt_map;

/*
 * preempt-load.c: the process's program, loaded if this is its first
 * user, with its slots mapped: 0, or -errno and why (a short phrase) in @why.
 */
int preempt_map_get(struct preempt_map **m, char *why, size_t len);
void preempt_map_put(struct preempt_map *m);
/* Thread @tid gets a free slot, initialised to @run_delay (and @pcount): 0 or -errno. */
int preempt_map_add(struct preempt_map *m, pid_t tid, uint64_t run_delay, uint64_t pcount,
		    uint32_t *slot);
void preempt_map_remove(struct preempt_map *m, pid_t tid, uint32_t slot);
struct preempt_slot *preempt_map_slot(struct preempt_map *m, uint32_t slot);

/* What a reader copies from a slot at one instant. */
struct preempt_snap {
	uint64_t run_delay;
	uint64_t pcount;
	uint64_t ready_count;
	uint64_t ready_sum_ns;
	uint64_t ready_max_ns;
	uint64_t ready_buckets[PREEMPT_BUCKETS];
};

/*
 * The seqcount reader, without a syscall: the program (or the slot's
 * initialiser) writes between two odd/even steps of seq. A writer never
 * stops midway (BPF runs to its end with preemption off), so @tries is a
 * bound against a broken map, not a wait: -EAGAIN after that many.
 * Acquire loads rather than fences, so TSan follows it (the unit tests'
 * fake writer).
 */
#define preempt_load(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)

static inline int preempt_read_delay(const struct preempt_slot *s, uint64_t *run_delay,
				     unsigned int tries)
{
	uint32_t s1, s2;
	uint64_t rd;

	do {
		s1 = preempt_load(&s->seq);
		rd = preempt_load(&s->run_delay);
		s2 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (!(s1 & 1) && s1 == s2) {
			*run_delay = rd;
			return 0;
		}
	} while (--tries);
	return -EAGAIN;
}

static inline int preempt_read(const struct preempt_slot *s, struct preempt_snap *out,
			       unsigned int tries)
{
	uint32_t s1, s2;
	int i;

	do {
		s1 = preempt_load(&s->seq);
		out->run_delay = preempt_load(&s->run_delay);
		out->pcount = preempt_load(&s->pcount);
		out->ready_count = preempt_load(&s->ready_count);
		out->ready_sum_ns = preempt_load(&s->ready_sum_ns);
		out->ready_max_ns = preempt_load(&s->ready_max_ns);
		for (i = 0; i < PREEMPT_BUCKETS; i++)
			out->ready_buckets[i] = preempt_load(&s->ready_buckets[i]);
		s2 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		if (!(s1 & 1) && s1 == s2)
			return 0;
	} while (--tries);
	return -EAGAIN;
}

/* preempt-load.c: the areas (two pages each) a VMM maps over guest memory. */
int preempt_area_alloc(struct preempt_map *m, uint32_t *idx, void **pages);
void preempt_area_free(struct preempt_map *m, uint32_t idx);
int preempt_area_fd(struct preempt_map *m);
/* On the slot's own thread, running: a flip back the program still owes. */
void preempt_area_restore(struct preempt_map *m, struct preempt_slot *s);

/*
 * User space writes an area the program may flip only while it owns it.
 * The program holds it for a few stores with preemption off and never
 * waits for it (it skips the flip instead); another user thread may hold
 * it and be preempted, so a waiter that keeps losing yields (as spinlock.h).
 */
static inline void preempt_area_lock(struct preempt_slot *s)
{
	uint32_t free_ = PREEMPT_AREA_FREE;
	unsigned int spins = 0;

	while (!__atomic_compare_exchange_n(&s->area_owner, &free_, PREEMPT_AREA_USER, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		free_ = PREEMPT_AREA_FREE;
		if (++spins < 128)
			__builtin_ia32_pause();
		else
			sched_yield();
	}
}

static inline void preempt_area_unlock(struct preempt_slot *s)
{
	__atomic_store_n(&s->area_owner, PREEMPT_AREA_FREE, __ATOMIC_RELEASE);
}

/*
 * Point slot @s at area element @idx (or none: @idx ~0u), @ofs bytes in,
 * in a layout whose state_entry_time is at @times_ofs, with the update
 * flag or not, while owning the area: the program reads all of it or none.
 * A flip owed at the old place must have been made (preempt_area_restore).
 */
static inline void preempt_area_point_owned(struct preempt_slot *s, uint32_t idx, uint32_t ofs,
					    uint32_t times_ofs, bool flag)
{
	s->area_idx1 = idx == ~0u ? 0 : idx + 1;
	s->area_ofs = ofs;
	s->area_times_ofs = times_ofs;
	s->area_flag = flag;
	s->area_flipped = 0;
}

static inline void preempt_area_point(struct preempt_slot *s, uint32_t idx, uint32_t ofs,
				      uint32_t times_ofs, bool flag)
{
	preempt_area_lock(s);
	preempt_area_point_owned(s, idx, ofs, times_ofs, flag);
	preempt_area_unlock(s);
}

/* user space's word: set on the vCPU thread around KVM_RUN. */
static inline void preempt_set_in_run(struct preempt_slot *s, uint32_t in)
{
	__atomic_store_n(&s->in_run, in, __ATOMIC_RELAXED);
}

/* steal-bpf.c: the source as the rest of libxrs uses it. */
struct xrs_vm;
struct xrs_vcpu;
/* At xrs_vm_create with no steal source injected: the map's, or why not. */
void vm_preempt_setup(struct xrs_vm *vm);
void vm_preempt_teardown(struct xrs_vm *vm);
/* xrs_vcpu_bind_thread with the map's source: the calling thread's slot. */
int vcpu_preempt_bind(struct xrs_vcpu *v);
/* xrs_vcpu_destroy: the slot goes back. */
void vcpu_preempt_unbind(struct xrs_vcpu *v);
/* enter(), with a slot: new episodes into the stats file. */
void vcpu_preempt_publish(struct xrs_vcpu *v);

#endif /* XRS_PREEMPT_H */
