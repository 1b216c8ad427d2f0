/* SPDX-License-Identifier: MIT */
/* Host time in nanoseconds, and the timespecs that waits take. */
#ifndef XRS_UTIL_HOSTTIME_H
#define XRS_UTIL_HOSTTIME_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC	1000000000ull
#define NSEC_PER_MSEC	1000000ull
#define NSEC_PER_USEC	1000ull

static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static inline struct timespec ns_to_timespec(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NSEC_PER_SEC),
				  .tv_nsec = (long)(ns % NSEC_PER_SEC) };
}

/* An absolute CLOCK_MONOTONIC time @ns from now, for timed waits. */
static inline struct timespec mono_after(uint64_t ns)
{
	return ns_to_timespec(mono_ns() + ns);
}

#endif
