// SPDX-License-Identifier: MIT
/*
 * The default steal source: run_delay, the second field of the bound
 * thread's /proc/self/task/<tid>/schedstat (what KVM reads as
 * current->sched_info.run_delay). The file is opened once, on the vCPU's own
 * thread at bind time, and read with pread from whichever thread asks: the
 * counter is always the vCPU thread's, never the caller's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "internal.h"

/* "sum_exec_runtime run_delay pcount\n": return field 2, or -1. */
static int64_t parse_run_delay(const char *s, ssize_t n)
{
	ssize_t i = 0;
	uint64_t v = 0;

	while (i < n && s[i] != ' ')
		i++;
	if (++i >= n || s[i] < '0' || s[i] > '9')
		return -1;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (uint64_t)(s[i++] - '0');
	return (int64_t)(v & INT64_MAX);
}

static int64_t read_schedstat(int fd)
{
	char buf[96];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	return n > 0 ? parse_run_delay(buf, n) : -1;
}

static uint64_t schedstat_run_delay(void *opaque, const struct xrs_vcpu *v)
{
	int64_t rd = v->schedstat_fd >= 0 ? read_schedstat(v->schedstat_fd) : -1;

	(void)opaque;
	/* Unbound or unreadable: no new steal rather than a bogus jump. */
	return rd >= 0 ? (uint64_t)rd : v->rs.last_steal;
}

const struct xrs_steal_ops steal_schedstat_ops = { .run_delay_ns = schedstat_run_delay };

bool steal_schedstat_available(void)
{
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && read_schedstat(fd) >= 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

int steal_schedstat_open(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)gettid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (read_schedstat(fd) < 0) {
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}
