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

/* Map the area for one layout: -EFAULT unless every byte of it is guest memory. */
static int plan_map(struct area *a, const struct guestmem *gm, bool long_mode)
{
	struct area_plan p = { 0 };
	uint32_t len = long_mode ? XRS_RUNSTATE_SIZE : XRS_RUNSTATE_SIZE_COMPAT;
	uint32_t room = XRS_PAGE_SIZE - (uint32_t)(a->gpa & (XRS_PAGE_SIZE - 1));
	uint32_t at;

	p.times_ofs = long_mode ? XRS_RUNSTATE_TIMES_OFS : XRS_RUNSTATE_TIMES_OFS_COMPAT;
	p.len1 = (uint16_t)(len <= room ? len : room);
	p.len2 = (uint16_t)(len - p.len1);
	p.p1 = gm_resolve(gm, a->gpa, p.len1);
	if (!p.p1)
		return -EFAULT;
	if (p.len2) {
		p.p2 = gm_resolve(gm, next_page(a->gpa), p.len2);
		if (!p.p2)
			return -EFAULT;
	}
	at = p.times_ofs + 7u;
	p.flag = at < p.len1 ? p.p1 + at : p.p2 + (at - p.len1);
	p.ready = true;
	a->plan[long_mode] = p;
	return 0;
}

int area_set(struct area *a, const struct guestmem *gm, uint64_t gpa, bool long_mode)
{
	struct area n = { .gpa = gpa };
	int r;

	/*
	 * Only the current layout must fit now. The other is mapped when first
	 * written (KVM activates its second page cache lazily too).
	 */
	r = plan_map(&n, gm, long_mode);
	if (r) {
		area_clear(a);
		return r;
	}
	n.active = true;
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

/* A layout not mapped yet (KVM maps its second page cache lazily too). */
static __attribute__((noinline, cold)) int write_late(struct area *a, const struct guestmem *gm,
						      const struct rs_state *rs, bool long_mode,
						      bool update_flag, bool atomic)
{
	if (!a->active || atomic || plan_map(a, gm, long_mode))
		return -EFAULT;
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
