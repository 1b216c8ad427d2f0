/* SPDX-License-Identifier: MIT */
/* What a vCPU's CPU-ready histogram says: its quantiles. */
#ifndef XRS_TOOLS_STATS_READY_H
#define XRS_TOOLS_STATS_READY_H

#include <stdint.h>
#include "tools/statsfile.h"

/*
 * The ready wait below which a share @q (0..1) of @v's episodes fell: the
 * upper bound of the bucket that holds it, never above the longest; 0
 * without episodes.
 */
uint64_t stats_ready_quantile_ns(const struct stats_vcpu *v, double q);

#endif
