/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible runstate area: where it is, and writing it the way KVM
 * does (kvm_xen_update_runstate_guest): either layout, any alignment, split
 * across a page boundary (the two pages may be in different regions), and
 * the XEN_RUNSTATE_UPDATE flag protocol. Never a byte outside the area.
 */
#ifndef XRS_AREA_H
#define XRS_AREA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "lib/engine.h"
#include "lib/guestmem.h"


/* How to write the area in one layout, worked out from the mapped pages. */
struct area_plan {
	uint8_t *p1;		/* host address of gpa */
	uint8_t *p2;		/* host address of the next page, if the area reaches it */
	uint8_t *flag;		/* the top byte of state_entry_time, on p1 or p2 */
	uint16_t len1;		/* bytes on the first page */
	uint16_t len2;		/* bytes on the second, 0 if none */
	uint16_t times_ofs;	/* offset of state_entry_time: 8 or 4 */
	bool ready;		/* every page it needs is mapped */
	bool in_place;		/* all of it on the first page (so ready): the hot path */
};

/*
 * KVM keeps two page caches per area: the page of gpa, mapped from gpa to
 * its end whatever the layout, and the next page, set up only when the
 * layout current at SET ADDR crosses into it (or later, lazily, by a write
 * that may map). The plans are derived from these two mappings.
 */
struct area {
	uint64_t gpa;
	bool active;
	uint8_t *page1;			/* host address of gpa, valid to its page's end */
	uint8_t *page2;			/* host address of the next page, or NULL */
	struct area_plan plan[2];	/* [0] compat, [1] 64-bit */
};

/*
 * SET RUNSTATE_ADDR: map gpa's page, and the next one if the current layout
 * reaches it. -EFAULT if a page it needs is not guest memory, in which case
 * the area is deactivated (KVM drops both page caches on failure).
 */
int area_set(struct area *a, const struct guestmem *gm, uint64_t gpa, bool long_mode);
void area_clear(struct area *a);

/* The writer, inline for the hot path. ------------------------------------ */

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

static inline void area_put(uint8_t *dst, const void *src, uint32_t len)
{
	memcpy(dst, src, len);
	area_trace_store(dst, len);
}

/*
 * smp_wmb(). The reader is a guest on another CPU, outside the C memory
 * model: what matters is the order of the stores the CPU performs. x86 does
 * not reorder stores with stores, so a compiler barrier is the whole of it.
 */
static inline void area_wmb(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("" ::: "memory");
#else
	atomic_thread_fence(memory_order_release);
#endif
	area_trace_barrier();
}

static inline void area_put_flag_byte(uint8_t *p, uint64_t entry)
{
	*(volatile uint8_t *)p = (uint8_t)(entry >> 56);
	area_trace_store(p, 1);
}

/*
 * The flag protocol around the data stores. The flag is one byte, the top
 * byte of state_entry_time: an unaligned or split u64 cannot be stored
 * atomically, a byte always can.
 */
static inline uint64_t area_flag_begin(uint8_t *flag, uint64_t entry, bool update_flag)
{
	if (!update_flag)
		return entry;
	entry |= XRS_RUNSTATE_UPDATE;
	area_put_flag_byte(flag, entry);
	area_wmb();
	return entry;
}

static inline void area_flag_end(uint8_t *flag, uint64_t entry, bool update_flag)
{
	area_wmb();
	if (update_flag) {
		area_put_flag_byte(flag, entry);
		area_wmb();
	}
}

/*
 * In place, the common case: no calls, so no registers to save. The 64-bit
 * padding is left as the guest has it. The plan's fields are read once,
 * since the stores below may alias anything.
 */
static inline void area_write_in_place(const struct area_plan *p, const struct rs_state *rs,
				       bool update_flag)
{
	uint8_t *base = p->p1, *flag = p->flag;
	uint32_t ofs = p->times_ofs;
	int32_t state = (int32_t)rs->state;
	uint64_t entry = area_flag_begin(flag, rs->entry, update_flag);

	area_put(base, &state, sizeof(state));
	area_put(base + ofs, &entry, sizeof(entry));
	area_put(base + ofs + 8, rs->times, sizeof(rs->times));
	area_flag_end(flag, rs->entry, update_flag);
}

/* area.c: every write but a ready plan's in place. */
int area_write_slow(struct area *a, const struct guestmem *gm, const struct rs_state *rs,
		    bool long_mode, bool update_flag, bool atomic);

/*
 * Publish @rs into the guest area. @atomic mirrors KVM's preemption path:
 * it never maps anything, so only a write that needs a second page never
 * set up is skipped (a compat area that crosses only in the 64-bit layout).
 * The non-atomic path maps that page. Returns 0 if written, -EFAULT if
 * skipped (the guest copy is stale until the next successful write).
 */
static inline int area_write(struct area *a, const struct guestmem *gm,
			     const struct rs_state *rs, bool long_mode, bool update_flag,
			     bool atomic)
{
	const struct area_plan *p = &a->plan[long_mode];

	if (__builtin_expect(!p->in_place, 0))
		return area_write_slow(a, gm, rs, long_mode, update_flag, atomic);
	area_write_in_place(p, rs, update_flag);
	return 0;
}

#endif /* XRS_AREA_H */
