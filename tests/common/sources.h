/* SPDX-License-Identifier: MIT */
/*
 * Clock and steal sources for threaded tests: the host's monotonic clock,
 * and a run delay that is a counter the test's vCPU thread bumps (opaque: an
 * _Atomic uint64_t *).
 */
#ifndef XRS_TEST_SOURCES_H
#define XRS_TEST_SOURCES_H

#include <xrs/xrs.h>

extern const struct xrs_clock_ops test_mono_clock;
extern const struct xrs_steal_ops test_counter_steal;

#endif
