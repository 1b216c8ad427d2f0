/* SPDX-License-Identifier: MIT */
/* What /proc says about a process: enough to tell one pid's life from the next. */
#ifndef XRS_UTIL_PROC_H
#define XRS_UTIL_PROC_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Field 22 of /proc/PID/stat: when the process started, in clock ticks since
 * boot. A pid reused by another process has another start time. 0, -ENOENT
 * (no such process), or another -errno.
 */
int proc_start_ticks(pid_t pid, uint64_t *ticks);

#endif /* XRS_UTIL_PROC_H */
