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

int area_write(struct area *a, const struct guestmem *gm, const struct rs_state *rs,
	       bool long_mode, bool update_flag, bool atomic)
{
	const struct area_plan *p = &a->plan[long_mode];
	uint64_t entry = rs->entry;
	int32_t state = (int32_t)rs->state;

	if (!a->active || (!p->ready && (atomic || plan_map(a, gm, long_mode))))
		return -EFAULT;

	/*
	 * The flag is one byte, the top byte of state_entry_time: an unaligned
	 * or split u64 cannot be stored atomically, a byte always can.
	 */
	if (update_flag) {
		entry |= XEN_RUNSTATE_UPDATE;
		put_flag_byte(p->flag, entry);
		wmb();
	}

	if (!p->len2) {
		/* In place; the 64-bit padding is left as the guest has it. */
		put(p->p1, &state, sizeof(state));
		put(p->p1 + p->times_ofs, &entry, sizeof(entry));
		put(p->p1 + p->times_ofs + 8, rs->times, sizeof(rs->times));
	} else {
		/* Split: assemble, padding zeroed, then one copy per page. */
		uint8_t img[XRS_RUNSTATE_SIZE] = { 0 };

		memcpy(img, &state, sizeof(state));
		memcpy(img + p->times_ofs, &entry, sizeof(entry));
		memcpy(img + p->times_ofs + 8, rs->times, sizeof(rs->times));
		put(p->p1, img, p->len1);
		put(p->p2, img + p->len1, p->len2);
	}
	wmb();

	if (update_flag) {
		put_flag_byte(p->flag, rs->entry);
		wmb();
	}
	return 0;
}
