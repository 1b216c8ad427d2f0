/* SPDX-License-Identifier: MIT */
/*
 * The stats file a VM publishes for operators (xrs_vm_publish): the format,
 * for any tool that reads it. docs/stats-format.md says how to read it.
 *
 * One file per VM, $XRS_RUN_DIR/NAME.xrs (default /run/xrs), mapped shared
 * by the VMM and written only by libxrs: a header, then one slot per vCPU.
 * A slot holds the vCPU's accounting under a sequence counter (odd while an
 * update is being written) and a ring of its last state transitions. All
 * integers are in the host's byte order; times are guest (kvmclock) ns.
 */
#ifndef XRS_STATS_H
#define XRS_STATS_H

#include <stdint.h>
#include <xrs/xen.h>

#define XRS_STATS_MAGIC		"XRSSTATS"	/* 8 bytes, no NUL */
#define XRS_STATS_VERSION	2		/* 2: preempt_source, the ready histogram */
#define XRS_STATS_HEADER_SIZE	4096		/* slot 0 starts here */
#define XRS_STATS_RECORD_SIZE	256		/* a slot's ring starts here */
#define XRS_STATS_RING_SIZE	512		/* transitions kept per vCPU */
#define XRS_STATS_READY_SIZE	256		/* after the ring: struct xrs_stats_ready */
#define XRS_STATS_READY_OFFSET \
	(XRS_STATS_RECORD_SIZE + XRS_STATS_RING_SIZE * 16)
#define XRS_STATS_SLOT_SIZE \
	(XRS_STATS_READY_OFFSET + XRS_STATS_READY_SIZE)
#define XRS_STATS_MAX_VCPUS	1024
#define XRS_STATS_NAME_MAX	64		/* with its NUL */
#define XRS_STATS_FILE_SUFFIX	".xrs"
#define XRS_STATS_SOURCE_MAX	96		/* preempt_source, with its NUL */
/* Ready-wait buckets: 0 under 1 us; b in 1..24 [2^(b-1), 2^b) us, 24 cut at 10 s; 25 10 s and over. */
#define XRS_STATS_READY_BUCKETS	26

/* How a reader turns its own clock into guest time (header.clock). */
#define XRS_STATS_CLOCK_INJECTED	0	/* it cannot: ages are unknown */
#define XRS_STATS_CLOCK_MONOTONIC_RAW	1	/* guest = CLOCK_MONOTONIC_RAW + offset */
#define XRS_STATS_CLOCK_MONOTONIC	2	/* guest = CLOCK_MONOTONIC + offset */

struct xrs_stats_header {
	char magic[8];			/* XRS_STATS_MAGIC */
	uint32_t version;		/* XRS_STATS_VERSION */
	uint32_t header_size;		/* XRS_STATS_HEADER_SIZE */
	uint32_t slot_size;		/* XRS_STATS_SLOT_SIZE */
	uint32_t ring_size;		/* XRS_STATS_RING_SIZE */
	uint32_t max_vcpus;		/* slots in the file */
	uint32_t backend;		/* enum xrs_backend: USER */
	uint64_t file_size;		/* header_size + max_vcpus * slot_size */
	int32_t pid;			/* the VMM */
	uint32_t clock;			/* XRS_STATS_CLOCK_* */
	uint64_t pid_start_ticks;	/* field 22 of /proc/PID/stat: a reused pid differs */
	uint64_t created_unix_ns;	/* CLOCK_REALTIME at publication */
	int64_t clock_offset_ns;	/* see clock; changes when KVM's clock is set */
	uint32_t nr_vcpus;		/* slots in use */
	uint32_t slot_limit;		/* slots ever used: readers look at [0, slot_limit) */
	uint32_t closed;		/* 1: the VM is being destroyed */
	uint32_t pad;
	uint64_t steal_interval_ns;
	char name[XRS_STATS_NAME_MAX];	/* NUL-terminated, as the file is named */
	/* "bpf", or "none (why)": where the run delay comes from (version 2) */
	char preempt_source[XRS_STATS_SOURCE_MAX];
};

/* One state change: from @time on, the vCPU was in @state. */
struct xrs_stats_transition {
	uint64_t time;
	uint32_t state;
	uint32_t pad;
};

/*
 * Slot i at header_size + i * slot_size. seq is even when the accounting
 * (state to time[]) is consistent; the counters only grow and are read
 * as they are. ring[(ring_head - 1) % ring_size] is the newest transition.
 */
struct xrs_stats_vcpu {
	uint32_t seq;
	uint32_t state;			/* RUNSTATE_* */
	uint64_t state_entry_time;	/* also the last update's time: KVM's rule */
	uint64_t time[XRS_RUNSTATE_COUNT];
	uint64_t steal_unbooked_ns;	/* see struct xrs_vcpu_stats */
	uint64_t enters, updates, area_writes, area_skips, steal_samples;
	uint64_t steal_sample_ns;
	int32_t in_guest;		/* between xrs_vcpu_enter and _exit */
	uint32_t vcpu_id;
	uint32_t in_use;		/* 1 while the slot is a vCPU's */
	uint32_t pad;
	uint64_t ring_head;		/* transitions ever recorded */
};

/*
 * A vCPU's CPU-ready histogram (version 2), at XRS_STATS_READY_OFFSET in its
 * slot: the episodes in which its thread, inside KVM_RUN, was preempted and
 * waited on a run queue, as the preemption source saw them (all zero
 * without it). Under its own sequence counter, read as the record's.
 */
struct xrs_stats_ready {
	uint32_t seq;
	uint32_t pad;
	uint64_t count;			/* episodes */
	uint64_t sum_ns;		/* their total wait */
	uint64_t max_ns;		/* the longest */
	uint64_t buckets[XRS_STATS_READY_BUCKETS];
};

XRS_STATIC_ASSERT(sizeof(struct xrs_stats_header) <= XRS_STATS_HEADER_SIZE,
		  "stats header fits its page");
XRS_STATIC_ASSERT(sizeof(struct xrs_stats_vcpu) <= XRS_STATS_RECORD_SIZE,
		  "vCPU record fits before its ring");
XRS_STATIC_ASSERT(sizeof(struct xrs_stats_ready) <= XRS_STATS_READY_SIZE,
		  "ready histogram fits its place");
XRS_STATIC_ASSERT(sizeof(struct xrs_stats_transition) == 16, "transitions are 16 bytes");

#endif /* XRS_STATS_H */
