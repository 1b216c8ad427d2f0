// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <sched.h>
#include "util/hosttime.h"
#include "vmm/refresh.h"
#include "vmm/vm.h"

void *refresh_thread(void *arg)
{
	struct vmm *m = arg;
	const uint64_t limit = (uint64_t)m->cfg.refresh_ms * NSEC_PER_MSEC;
	const uint64_t slack = limit / 8 > NSEC_PER_MSEC ? NSEC_PER_MSEC : limit / 8;
	/*
	 * Its wake-ups are the areas' deadlines: ask for a real-time class where
	 * the VMM may have one (CAP_SYS_NICE), so busy vCPU threads do not delay
	 * it; it only sleeps and sends signals. Without, it runs as any thread.
	 */
	struct sched_param sp = { .sched_priority = 1 };
	uint32_t i;

	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

	/* Sleep until the first vCPU reaches its limit, not on a fixed tick. */
	while (!atomic_load(&m->stopping) && !atomic_load(&m->pausing)) {
		uint64_t now = mono_ns(), wake = now + limit;
		struct timespec ts;

		for (i = 0; i < m->nr_vcpus; i++) {
			struct vmm_vcpu *v = &m->vcpus[i];
			uint64_t since = atomic_load_explicit(&v->run_since_ns,
							      memory_order_relaxed);

			if (!since || atomic_load(&v->kick_pending))
				continue;
			if (now - since >= limit)
				vcpu_kick(v);
			else if (since + limit < wake)
				wake = since + limit;
		}
		/* never busier than every slack ns: a kick takes a while to land */
		wake = wake > now + slack ? wake : now + slack;
		ts = ns_to_timespec(wake);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return NULL;
}
