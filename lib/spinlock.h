/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU lock. It guards one accounting update, one guest-area write
 * and the publishing of the result, and nothing that can sleep or enter
 * the kernel: the run delay (a pread of schedstat) is read before it is
 * taken, and the clock read under it is the vDSO's or an injected one.
 * Taken on every enter() and by attribute calls, so almost never
 * contended: the fast path is one atomic exchange to take it and a plain
 * store to release it, where a pthread mutex costs a library call each way.
 * A waiter that keeps losing yields, so a preempted holder is not spun on.
 */
#ifndef XRS_SPINLOCK_H
#define XRS_SPINLOCK_H

#include <sched.h>
#include <stdatomic.h>

struct spinlock {
	atomic_int locked;
};

static inline void spin_init(struct spinlock *l)
{
	atomic_init(&l->locked, 0);
}

static __attribute__((noinline, cold, unused)) void spin_lock_contended(struct spinlock *l)
{
	unsigned int spins = 0;

	do {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (++spins < 128)
				__builtin_ia32_pause();
			else
				sched_yield();
		}
	} while (atomic_exchange_explicit(&l->locked, 1, memory_order_acquire));
}

static inline void spin_lock(struct spinlock *l)
{
	if (__builtin_expect(atomic_exchange_explicit(&l->locked, 1, memory_order_acquire), 0))
		spin_lock_contended(l);
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

#endif /* XRS_SPINLOCK_H */
