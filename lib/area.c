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

struct layout {
	uint32_t len;		/* 48 or 44 */
	uint32_t times_ofs;	/* offset of state_entry_time: 8 or 4 */
	uint32_t len1;		/* bytes on the first page */
	uint32_t len2;		/* bytes on the second page, 0 if none */
};

static struct layout layout_of(uint64_t gpa, bool long_mode)
{
	struct layout l;
	uint32_t room = XRS_PAGE_SIZE - (uint32_t)(gpa & (XRS_PAGE_SIZE - 1));

	l.len = long_mode ? XRS_RUNSTATE_SIZE : XRS_RUNSTATE_SIZE_COMPAT;
	l.times_ofs = long_mode ? XRS_RUNSTATE_TIMES_OFS : XRS_RUNSTATE_TIMES_OFS_COMPAT;
	l.len1 = l.len <= room ? l.len : room;
	l.len2 = l.len - l.len1;
	return l;
}

static uint64_t next_page(uint64_t gpa)
{
	return (gpa | (XRS_PAGE_SIZE - 1)) + 1;
}

/* Make sure the pages hold what layout @l needs; only the non-atomic path maps. */
static int area_map(struct area *a, const struct guestmem *gm,
		    const struct layout *l, bool may_map)
{
	if (l->len1 > a->len1_ok) {
		uint8_t *p = may_map ? gm_resolve(gm, a->gpa, l->len1) : NULL;

		if (!p)
			return -EFAULT;
		a->p1 = p;
		a->len1_ok = l->len1;
	}
	if (l->len2 > a->len2_ok) {
		uint8_t *p = may_map ? gm_resolve(gm, next_page(a->gpa), l->len2) : NULL;

		if (!p)
			return -EFAULT;
		a->p2 = p;
		a->len2_ok = l->len2;
	}
	return 0;
}

int area_set(struct area *a, const struct guestmem *gm, uint64_t gpa, bool long_mode)
{
	struct layout l = layout_of(gpa, long_mode);
	struct area n = { .gpa = gpa };
	int r;

	r = area_map(&n, gm, &l, true);
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

int area_write(struct area *a, const struct guestmem *gm, const struct rs_state *rs,
	       bool long_mode, bool update_flag, bool atomic)
{
	struct layout l = layout_of(a->gpa, long_mode);
	uint8_t *flag = NULL;
	uint64_t entry = rs->entry;
	int32_t state = (int32_t)rs->state;

	if (!a->active || area_map(a, gm, &l, !atomic))
		return -EFAULT;

	/*
	 * The flag is one byte, the top byte of state_entry_time: an unaligned
	 * or split u64 cannot be stored atomically, a byte always can.
	 */
	if (update_flag) {
		uint32_t at = l.times_ofs + 7;

		flag = at < l.len1 ? a->p1 + at : a->p2 + (at - l.len1);
		entry |= XEN_RUNSTATE_UPDATE;
		put_flag_byte(flag, entry);
		wmb();
	}

	if (!l.len2) {
		/* In place; the 64-bit padding is left as the guest has it. */
		put(a->p1, &state, sizeof(state));
		put(a->p1 + l.times_ofs, &entry, sizeof(entry));
		put(a->p1 + l.times_ofs + 8, rs->times, sizeof(rs->times));
	} else {
		/* Split: assemble, padding zeroed, then one copy per page. */
		uint8_t img[XRS_RUNSTATE_SIZE] = { 0 };

		memcpy(img, &state, sizeof(state));
		memcpy(img + l.times_ofs, &entry, sizeof(entry));
		memcpy(img + l.times_ofs + 8, rs->times, sizeof(rs->times));
		put(a->p1, img, l.len1);
		put(a->p2, img + l.len1, l.len2);
	}
	wmb();

	if (flag) {
		put_flag_byte(flag, rs->entry);
		wmb();
	}
	return 0;
}
