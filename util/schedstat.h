/* SPDX-License-Identifier: MIT */
/*
 * A thread's scheduler run delay: the second field of
 * /proc/self/task/<tid>/schedstat, the ns it spent runnable on a run queue
 * but not running (what KVM reads as current->sched_info.run_delay).
 */
#ifndef XRS_UTIL_SCHEDSTAT_H
#define XRS_UTIL_SCHEDSTAT_H

#include <stdint.h>
#include <sys/types.h>

/* Open thread @tid's schedstat (0: the calling thread's): an fd, or -errno. */
int schedstat_open(pid_t tid);
/* Its run delay now, read with pread from any thread: ns, or -1. */
int64_t schedstat_run_delay(int fd);
/* Thread @tid's run delay, opened and closed each time (not for hot paths): ns or -1. */
int64_t run_delay_of(pid_t tid);
/* Parse "sum_exec_runtime run_delay pcount": run_delay, or -1. */
int64_t schedstat_parse(const char *s, size_t n);

#endif
