/* SPDX-License-Identifier: MIT */
#ifndef XRS_UTIL_PIN_H
#define XRS_UTIL_PIN_H

#include <errno.h>
#include <sched.h>

/* Pin the calling thread to host CPU @cpu: 0 or -errno. */
static inline int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

#endif
