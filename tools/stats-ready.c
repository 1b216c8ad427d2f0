// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <xrs/stats.h>
#include "tools/stats-ready.h"

/* Bucket b's upper bound (<xrs/stats.h>): 1 us, then 2^b us, 10 s, unbounded. */
static uint64_t ready_upper_ns(unsigned int b)
{
	if (b < XRS_STATS_READY_BUCKETS - 2)
		return 1000ull << b;
	return b == XRS_STATS_READY_BUCKETS - 2 ? 10000000000ull : UINT64_MAX;
}

uint64_t stats_ready_quantile_ns(const struct stats_vcpu *v, double q)
{
	uint64_t seen = 0, want;
	unsigned int b;

	if (!v->ready_count)
		return 0;
	want = (uint64_t)(q * (double)v->ready_count + 0.999999);
	if (want < 1)
		want = 1;
	for (b = 0; b < XRS_STATS_READY_BUCKETS; b++) {
		seen += v->ready_buckets[b];
		if (seen >= want)
			return ready_upper_ns(b) < v->ready_max_ns ? ready_upper_ns(b) : v->ready_max_ns;
	}
	return v->ready_max_ns;
}
