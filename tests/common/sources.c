// SPDX-License-Identifier: MIT
#include <stdatomic.h>
#include "tests/common/sources.h"
#include "util/hosttime.h"

static uint64_t mono_now(void *opaque)
{
	(void)opaque;
	return mono_ns();
}

static uint64_t counter(void *opaque, const struct xrs_vcpu *v)
{
	(void)v;
	return atomic_load((_Atomic uint64_t *)opaque);
}

const struct xrs_clock_ops test_mono_clock = { .now_ns = mono_now };
const struct xrs_steal_ops test_counter_steal = { .run_delay_ns = counter };
