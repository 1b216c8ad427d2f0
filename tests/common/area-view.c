// SPDX-License-Identifier: MIT
#include <string.h>
#include <xrs/xen.h>
#include "guest/snapshot.h"
#include "tests/common/area-view.h"

void area_decode(const uint8_t *p, bool long_mode, struct area_view *v)
{
	size_t ofs = long_mode ? 8 : 4;
	int32_t state;

	memset(v, 0, sizeof(*v));	/* padding too: views are compared whole */
	memcpy(&state, p, 4);
	v->state = (uint32_t)state;
	memcpy(&v->entry, p + ofs, 8);
	memcpy(v->time, p + ofs + 8, 32);
}

uint64_t view_sum(const struct area_view *v)
{
	return v->time[0] + v->time[1] + v->time[2] + v->time[3];
}

unsigned int area_snapshot(const volatile uint8_t *p, bool long_mode, bool flag,
			   struct area_view *v)
{
	uint8_t copy[48];
	uint64_t entry;
	unsigned int retries = snapshot_read(p, long_mode, flag, copy, &entry);

	area_decode(copy, long_mode, v);
	v->entry = entry;
	return retries;
}
