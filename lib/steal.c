// SPDX-License-Identifier: MIT
/*
 * The default steal source: the run delay of the vCPU's bound thread (what
 * KVM reads as current->sched_info.run_delay). Its schedstat file is opened
 * once, on the vCPU's own thread at bind time, and read with pread from
 * whichever thread asks: the counter is always the vCPU thread's, never the
 * caller's.
 */
#include <errno.h>
#include <unistd.h>
#include "lib/internal.h"
#include "util/schedstat.h"

static uint64_t schedstat_steal(void *opaque, const struct xrs_vcpu *v)
{
	int64_t rd = v->schedstat_fd >= 0 ? schedstat_run_delay(v->schedstat_fd) : -1;

	(void)opaque;
	/* Unbound or unreadable: no new steal rather than a bogus jump. */
	return rd >= 0 ? (uint64_t)rd : STEAL_NONE;
}

const struct xrs_steal_ops steal_schedstat_ops = { .run_delay_ns = schedstat_steal };

bool steal_schedstat_available(void)
{
	return run_delay_of(0) >= 0;
}

int steal_schedstat_open(void)
{
	int fd = schedstat_open(0);

	if (fd < 0)
		return fd;
	if (schedstat_run_delay(fd) < 0) {
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}
