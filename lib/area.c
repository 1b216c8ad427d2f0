// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include "lib/area.h"

static uint64_t next_page(uint64_t gpa)
{
	return (gpa | (XRS_PAGE_SIZE - 1)) + 1;
}

static uint32_t layout_len(bool long_mode)
{
	return long_mode ? XRS_RUNSTATE_SIZE : XRS_RUNSTATE_SIZE_COMPAT;
}

static uint32_t room_on_page1(uint64_t gpa)
{
	return XRS_PAGE_SIZE - (uint32_t)(gpa & (XRS_PAGE_SIZE - 1));
}

/* One layout's plan from the pages mapped now. */
static struct area_plan make_plan(const struct area *a, bool long_mode)
{
	struct area_plan p = { .p1 = a->page1, .p2 = a->page2 };
	uint32_t len = layout_len(long_mode), room = room_on_page1(a->gpa), at;

	p.times_ofs = long_mode ? XRS_RUNSTATE_TIMES_OFS : XRS_RUNSTATE_TIMES_OFS_COMPAT;
	p.len1 = (uint16_t)(len <= room ? len : room);
	p.len2 = (uint16_t)(len - p.len1);
	p.ready = !p.len2 || p.p2;
	p.in_place = !p.len2;
	at = p.times_ofs + 7u;
	p.flag = at < p.len1 ? p.p1 + at : p.ready ? p.p2 + (at - p.len1) : NULL;
	return p;
}

static void make_plans(struct area *a)
{
	a->plan[0] = make_plan(a, false);
	a->plan[1] = make_plan(a, true);
}

/* The page after gpa's, whole: KVM's second page cache. */
static int map_page2(struct area *a, const struct guestmem *gm)
{
	a->page2 = gm_resolve(gm, next_page(a->gpa), XRS_PAGE_SIZE);
	return a->page2 ? 0 : -EFAULT;
}

int area_set(struct area *a, const struct guestmem *gm, uint64_t gpa, bool long_mode)
{
	struct area n = { .gpa = gpa };

	n.page1 = gm_resolve(gm, gpa, room_on_page1(gpa));
	if (!n.page1 || (layout_len(long_mode) > room_on_page1(gpa) && map_page2(&n, gm))) {
		area_clear(a);
		return -EFAULT;
	}
	n.active = true;
	make_plans(&n);
	*a = n;
	return 0;
}

void area_clear(struct area *a)
{
	*a = (struct area){ .active = false };
}

/* Across two pages: assembled, padding zeroed as KVM does, one copy per page. */
static int write_split(const struct area_plan *p, const struct rs_state *rs, bool update_flag)
{
	uint8_t img[XRS_RUNSTATE_SIZE] = { 0 };
	int32_t state = (int32_t)rs->state;
	uint64_t entry = area_flag_begin(p->flag, rs->entry, update_flag);

	memcpy(img, &state, sizeof(state));
	memcpy(img + p->times_ofs, &entry, sizeof(entry));
	memcpy(img + p->times_ofs + 8, rs->times, sizeof(rs->times));
	area_put(p->p1, img, p->len1);
	area_put(p->p2, img + p->len1, p->len2);
	area_flag_end(p->flag, rs->entry, update_flag);
	return 0;
}

/*
 * Everything but an in-place write of a plan that is ready: no area, a
 * layout whose second page was never set up (the area was set in a layout
 * that fit on its first page: KVM activates that cache on a write that may
 * map, and skips the atomic, preemption, write), or an area split over two
 * pages.
 */
int area_write_slow(struct area *a, const struct guestmem *gm, const struct rs_state *rs,
		    bool long_mode, bool update_flag, bool atomic)
{
	const struct area_plan *p = &a->plan[long_mode];

	if (!a->active)
		return -EFAULT;
	if (!p->ready) {
		if (atomic || map_page2(a, gm))
			return -EFAULT;
		make_plans(a);
	}
	if (!p->len2) {
		area_write_in_place(p, rs, update_flag);
		return 0;
	}
	return write_split(p, rs, update_flag);
}
