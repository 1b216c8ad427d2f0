// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <string.h>
#include <xrs/stats.h>
#include "tools/stats-ready.h"

uint64_t stats_ready_upper_ns(unsigned int b)
{
	if (b < XRS_STATS_READY_BUCKETS - 2)
		return 1000ull << b;
	return b == XRS_STATS_READY_BUCKETS - 2 ? 10000000000ull : UINT64_MAX;
}

uint64_t stats_ready_buckets_quantile_ns(const uint64_t buckets[XRS_STATS_READY_BUCKETS],
					 uint64_t count, uint64_t max_ns, double q)
{
	uint64_t seen = 0, want, upper;
	unsigned int b;

	if (!count)
		return 0;
	want = (uint64_t)(q * (double)count + 0.999999);
	if (want < 1)
		want = 1;
	for (b = 0; b < XRS_STATS_READY_BUCKETS; b++) {
		seen += buckets[b];
		if (seen >= want) {
			upper = stats_ready_upper_ns(b);
			return upper < max_ns ? upper : max_ns;
		}
	}
	return max_ns;
}

uint64_t stats_ready_quantile_ns(const struct stats_vcpu *v, double q)
{
	return stats_ready_buckets_quantile_ns(v->ready_buckets, v->ready_count,
					       v->ready_max_ns, q);
}

/* The header's preempt_source is "bpf" (or a later source's name), or "none (why)". */
bool stats_ready_source_loaded(const struct stats_file *f)
{
	return f->h.preempt_source[0] && strncmp(f->h.preempt_source, "none", 4);
}
