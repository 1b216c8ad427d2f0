/* SPDX-License-Identifier: MIT */
/*
 * What the sched_switch program (preempt.bpf.c) and libxrs (lib/preempt.h)
 * share: a vCPU thread's slot in the mmapped array, and the CPU-ready
 * histogram's buckets. Compiled for BPF (after vmlinux.h) and for the host.
 */
#ifndef XRS_BPF_PREEMPT_MAP_H
#define XRS_BPF_PREEMPT_MAP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PREEMPT_MAX_SLOTS	1024		/* XRS_MAX_VCPUS */

/*
 * Ready-wait buckets: 0 is under 1 us; b in 1..24 is [2^(b-1), 2^b) us,
 * the last of them cut at 10 s; 25 is 10 s and over.
 */
#define PREEMPT_BUCKETS		26
#define PREEMPT_HIST_MIN_NS	1000ull
#define PREEMPT_HIST_MAX_NS	10000000000ull

/*
 * One vCPU thread. The program writes everything but in_run, only at that
 * thread's switches (never two at once: a task is switched in on one CPU
 * only after it was switched out of another), with seq odd meanwhile; a
 * reader copies between two equal even seqs. in_run is user space's:
 * nonzero while the thread is inside KVM_RUN.
 */
struct preempt_slot {
	__u32 seq;
	__u32 in_run;
	__u64 run_delay;	/* task->sched_info.run_delay, as of now */
	__u64 pcount;		/* task->sched_info.pcount */
	__u64 episode_start;	/* CLOCK_MONOTONIC ns: preempted in KVM_RUN since; 0: not */
	__u64 ready_count;	/* finished episodes */
	__u64 ready_sum_ns;
	__u64 ready_max_ns;
	__u32 tid;
	__u32 pad;
	__u64 ready_buckets[PREEMPT_BUCKETS];
	__u64 episode_run_delay;	/* run_delay when the episode began */
	/*
	 * Its vCPU's runstate area, where the guest reads it: in element
	 * area_idx1 - 1 of preempt_areas (0: none), area_ofs bytes in. User
	 * space sets these while it owns the area; the program reads them.
	 */
	__u32 area_idx1;
	__u32 area_ofs;		/* < PREEMPT_PAGE */
	__u32 area_times_ofs;	/* state_entry_time in the area: 8 (64-bit) or 4 (compat) */
	__u32 area_flag;	/* nonzero: XEN_RUNSTATE_UPDATE around each write */
	/*
	 * Who writes the area now (PREEMPT_AREA_*): taken by compare-and-swap
	 * from FREE and given back to it. The program never waits: it skips a
	 * flip the user space holds the area for.
	 */
	__u32 area_owner;
	__u32 area_flipped;	/* the program made it runnable and owes it running */
	/*
	 * Switch-ins the program saw. Fewer than pcount grew: the kernel ran
	 * the thread without a sched_switch naming it (seen on 6.18, about
	 * one in 150, in tracefs too), and a flip was owed meanwhile.
	 */
	__u64 switch_ins;
	__u64 pad2;		/* 320 bytes: five whole cache lines */
};

/*
 * A vCPU's runstate area, moved onto map pages by its VMM so the program
 * can write it where the guest reads it: two pages, for an area that
 * crosses into the next one. 256 of them per process: 2 MiB of kernel
 * memory the map holds from its load on.
 */
#define PREEMPT_PAGE		4096
#define PREEMPT_AREA_SIZE	(2 * PREEMPT_PAGE)
#define PREEMPT_MAX_AREAS	256
#define PREEMPT_AREA_FREE	0
#define PREEMPT_AREA_PROGRAM	1
#define PREEMPT_AREA_USER	2

/* Xen's runstates the program writes, and the flag (public/vcpu.h). */
#define PREEMPT_RUNSTATE_RUNNING	0
#define PREEMPT_RUNSTATE_RUNNABLE	1
#define PREEMPT_UPDATE_FLAG_BYTE	0x80	/* bit 63 of state_entry_time, in its top byte */

/*
 * The flip itself, for the program and for user space (lib/preempt-load.c):
 * the state of the area @ofs bytes into @elem from @from to @to, if it is
 * @from. Running and runnable differ only in the low byte of the
 * little-endian state word, so one byte store is the whole change, inside
 * the XEN_RUNSTATE_UPDATE flag where the guest asked for it: the flag byte
 * (the top byte of state_entry_time, @times_ofs into the area) set first
 * and cleared last, with a compiler barrier between (x86 keeps stores in
 * order). Masks bound every offset for the verifier: the area starts on
 * the element's first page, and its flag byte is within its 48 bytes.
 * Returns nonzero if it wrote.
 */
static inline int preempt_area_flip(volatile __u8 *elem, __u32 ofs, __u32 times_ofs, __u32 flag,
				    __u8 from, __u8 to)
{
	__u32 st = ofs & (PREEMPT_PAGE - 1), fl = st + (times_ofs & 12) + 7;

	if (elem[st] != from || elem[st + 1] || elem[st + 2] || elem[st + 3])
		return 0;
	if (flag) {
		elem[fl] |= PREEMPT_UPDATE_FLAG_BYTE;
		asm volatile("" ::: "memory");
	}
	elem[st] = to;
	if (flag) {
		asm volatile("" ::: "memory");
		elem[fl] &= (__u8)~PREEMPT_UPDATE_FLAG_BYTE;
	}
	return 1;
}

/* The bucket of a ready wait of @ns. No loop, no table: the verifier's way. */
static inline unsigned int preempt_bucket(__u64 ns)
{
	__u64 us;
	unsigned int b = 1;

	if (ns < PREEMPT_HIST_MIN_NS)
		return 0;
	if (ns >= PREEMPT_HIST_MAX_NS)
		return PREEMPT_BUCKETS - 1;
	us = ns / 1000;			/* 1 .. 10^7 - 1 < 2^24: b = floor(log2) + 1 */
	if (us >= 1u << 16) {
		b += 16;
		us >>= 16;
	}
	if (us >= 1u << 8) {
		b += 8;
		us >>= 8;
	}
	if (us >= 1u << 4) {
		b += 4;
		us >>= 4;
	}
	if (us >= 1u << 2) {
		b += 2;
		us >>= 2;
	}
	if (us >= 1u << 1)
		b += 1;
	return b;
}

/* The exclusive upper bound of bucket @b in ns; the last is unbounded (~0). */
static inline __u64 preempt_bucket_upper_ns(unsigned int b)
{
	if (b == 0)
		return PREEMPT_HIST_MIN_NS;
	if (b < PREEMPT_BUCKETS - 2)
		return PREEMPT_HIST_MIN_NS << b;
	if (b == PREEMPT_BUCKETS - 2)
		return PREEMPT_HIST_MAX_NS;
	return ~0ull;
}

#endif
