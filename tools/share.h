/* SPDX-License-Identifier: MIT */
/*
 * The one definition of a runstate share, for every tool that shows one
 * (xrs run's table and JSON, stat, top): a state's time over the time of
 * all four states in the same span, in %. So RUN% + STEAL% + BLOCK% + OFF%
 * is 100, and steal % is runnable's share. Offline keeps its own column:
 * a Linux guest's steal counter is runnable + offline (xen_steal_clock),
 * which a reader gets by adding the two.
 */
#ifndef XRS_TOOLS_SHARE_H
#define XRS_TOOLS_SHARE_H

#include <stdint.h>
#include <xrs/xen.h>

static inline double runstate_share_pct(const uint64_t t[XRS_RUNSTATE_COUNT], int state)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		sum += t[i];
	return sum ? 100.0 * (double)t[state] / (double)sum : 0.0;
}

static inline double steal_pct(const uint64_t t[XRS_RUNSTATE_COUNT])
{
	return runstate_share_pct(t, XRS_RUNSTATE_RUNNABLE);
}

#endif
