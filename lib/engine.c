// SPDX-License-Identifier: MIT
#include <errno.h>
#include "lib/engine.h"

static uint64_t times_sum(const uint64_t t[XRS_RUNSTATE_COUNT])
{
	return t[0] + t[1] + t[2] + t[3];
}

int rs_check_data_fields(const struct rs_fields *f)
{
	if (!rs_state_valid(f->state))
		return -EINVAL;
	if (f->entry != times_sum(f->times))
		return -EINVAL;
	return 0;
}

int rs_check_adjust_fields(const struct rs_fields *d)
{
	if (!rs_state_valid(d->state) && d->state != (uint64_t)-1)
		return -EINVAL;
	/* Deltas are two's complement: the sum is checked modulo 2^64. */
	if (d->entry != times_sum(d->times))
		return -EINVAL;
	return 0;
}

int rs_check_data(const struct rs_fields *f, uint64_t now)
{
	int r = rs_check_data_fields(f);

	if (r)
		return r;
	return now < f->entry ? -EINVAL : 0;
}

void rs_set_data(struct rs_state *rs, const struct rs_fields *f, uint64_t run_delay)
{
	int i;

	rs->state = (uint32_t)f->state;
	rs->entry = f->entry;
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		rs->times[i] = f->times[i];
	rs->last_steal = run_delay;
}

void rs_get_data(const struct rs_state *rs, struct rs_fields *f)
{
	int i;

	f->state = rs->state;
	f->entry = rs->entry;
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		f->times[i] = rs->times[i];
}

int rs_adjust(struct rs_state *rs, const struct rs_fields *d, uint64_t now)
{
	int i, r = rs_check_adjust_fields(d);

	if (r)
		return r;
	if (now < rs->entry + d->entry)
		return -EINVAL;

	rs->entry += d->entry;
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		rs->times[i] += d->times[i];
	return 0;
}
