// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include "area.h"

#ifdef XRS_AREA_TRACE
/* Test builds log every store to guest memory and every barrier, in order. */
void area_trace_store(const uint8_t *dst, uint32_t len);
void area_trace_barrier(void);
#else
static inline void area_trace_store(const uint8_t *dst, uint32_t len)
{
	(void)dst;
	(void)len;
}

static inline void area_trace_barrier(void)
{
}
#endif

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

static void put(uint8_t *dst, const void *src, uint32_t len)
{
	memcpy(dst, src, len);
	area_trace_store(dst, len);
}

/*
 * smp_wmb(). The reader is a guest on another CPU, outside the C memory
 * model: what matters is the order of the stores the CPU performs. x86 does
 * not reorder stores with stores, so a compiler barrier is the whole of it.
 */
static void wmb(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("" ::: "memory");
#else
	atomic_thread_fence(memory_order_release);
#endif
	area_trace_barrier();
}

static void put_flag_byte(uint8_t *p, uint64_t entry)
{
	*(volatile uint8_t *)p = (uint8_t)(entry >> 56);
	area_trace_store(p, 1);
}

/*
 * The flag protocol around the data stores. The flag is one byte, the top
 * byte of state_entry_time: an unaligned or split u64 cannot be stored
 * atomically, a byte always can.
 */
static inline uint64_t flag_begin(uint8_t *flag, uint64_t entry, bool update_flag)
{
	if (!update_flag)
		return entry;
	entry |= XEN_RUNSTATE_UPDATE;
	put_flag_byte(flag, entry);
	wmb();
	return entry;
}

static inline void flag_end(uint8_t *flag, uint64_t entry, bool update_flag)
{
	wmb();
	if (update_flag) {
		put_flag_byte(flag, entry);
		wmb();
	}
}

/* Across two pages: assembled, padding zeroed as KVM does, one copy per page. */
static __attribute__((noinline)) int write_split(const struct area_plan *p,
						 const struct rs_state *rs, bool update_flag)
{
	uint8_t img[XRS_RUNSTATE_SIZE] = { 0 };
	int32_t state = (int32_t)rs->state;
	uint64_t entry = flag_begin(p->flag, rs->entry, update_flag);

	memcpy(img, &state, sizeof(state));
	memcpy(img + p->times_ofs, &entry, sizeof(entry));
	memcpy(img + p->times_ofs + 8, rs->times, sizeof(rs->times));
	put(p->p1, img, p->len1);
	put(p->p2, img + p->len1, p->len2);
	flag_end(p->flag, rs->entry, update_flag);
	return 0;
}

/*
 * In place, the common case and the hot path: no calls, so no registers to
 * save. The 64-bit padding is left as the guest has it. The plan's fields
 * are read once, since the stores below may alias anything.
 */
static inline int write_plan(const struct area_plan *p, const struct rs_state *rs,
			     bool update_flag)
{
	uint8_t *base = p->p1, *flag = p->flag;
	uint32_t ofs = p->times_ofs;
	int32_t state = (int32_t)rs->state;
	uint64_t entry;

	if (__builtin_expect(p->len2 != 0, 0))
		return write_split(p, rs, update_flag);
	entry = flag_begin(flag, rs->entry, update_flag);
	put(base, &state, sizeof(state));
	put(base + ofs, &entry, sizeof(entry));
	put(base + ofs + 8, rs->times, sizeof(rs->times));
	flag_end(flag, rs->entry, update_flag);
	return 0;
}

/*
 * A layout whose second page was never set up: the area was set in a layout
 * that fit on its first page. KVM activates that cache on a write that may
 * map, and skips the atomic (preemption) write.
 */
static __attribute__((noinline, cold)) int write_late(struct area *a, const struct guestmem *gm,
						      const struct rs_state *rs, bool long_mode,
						      bool update_flag, bool atomic)
{
	if (!a->active || atomic || map_page2(a, gm))
		return -EFAULT;
	make_plans(a);
	return write_plan(&a->plan[long_mode], rs, update_flag);
}

int area_write(struct area *a, const struct guestmem *gm, const struct rs_state *rs,
	       bool long_mode, bool update_flag, bool atomic)
{
	const struct area_plan *p = &a->plan[long_mode];

	if (__builtin_expect(!a->active || !p->ready, 0))
		return write_late(a, gm, rs, long_mode, update_flag, atomic);
	return write_plan(p, rs, update_flag);
}
