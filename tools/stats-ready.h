/* SPDX-License-Identifier: MIT */
/*
 * What a vCPU's CPU-ready histogram says: its quantiles, its buckets'
 * bounds, and whether the VM has a source that fills it at all.
 */
#ifndef XRS_TOOLS_STATS_READY_H
#define XRS_TOOLS_STATS_READY_H

#include <stdbool.h>
#include <stdint.h>
#include "tools/statsfile.h"

/*
 * Bucket @b's upper bound in ns (<xrs/stats.h>), exclusive: 1 us, then
 * 2^b us, 10 s for bucket 24; UINT64_MAX for the last, which has none.
 */
uint64_t stats_ready_upper_ns(unsigned int b);

/*
 * The ready wait below which a share @q (0..1) of @count episodes in
 * @buckets fell: the upper bound of the bucket that holds it, never above
 * @max_ns (the longest); 0 without episodes.
 */
uint64_t stats_ready_buckets_quantile_ns(const uint64_t buckets[XRS_STATS_READY_BUCKETS],
					 uint64_t count, uint64_t max_ns, double q);

/* The same over @v's whole histogram. */
uint64_t stats_ready_quantile_ns(const struct stats_vcpu *v, double q);

/*
 * Does @f's VM have a preemption source that fills the histograms? Without
 * one they are all zero, which says nothing about its vCPUs' waits, and
 * tools show no figure rather than a zero.
 */
bool stats_ready_source_loaded(const struct stats_file *f);

#endif
