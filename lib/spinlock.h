/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU lock. Held for a few hundred nanoseconds at most (one
 * accounting update and one guest-area write), taken on every enter, and
 * almost never contended: a test-and-test-and-set lock costs two atomic
 * instructions where a pthread mutex costs a library call each way.
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

static inline void spin_lock(struct spinlock *l)
{
	unsigned int spins = 0;

	while (atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (++spins < 128)
				__builtin_ia32_pause();
			else
				sched_yield();
		}
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

#endif /* XRS_SPINLOCK_H */
