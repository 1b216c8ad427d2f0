// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * libxrs's preemption source: on every host context switch, mirror each
 * registered vCPU thread's scheduler run delay into its slot of a map that
 * libxrs mmaps (so a steal sample is a load, not a pread of /proc), and
 * keep the CPU-ready episodes of that thread while it is inside KVM_RUN.
 *
 * The program runs for every switch on the host, so a switch of threads
 * that are not vCPUs costs one hash lookup (for next): which thread this
 * CPU last switched in, and whether it is a vCPU, is remembered per CPU,
 * and prev is that thread unless the set of vCPU threads changed since
 * (preempt_gen, bumped by user space after every add or remove).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf/preempt-map.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* tid -> slot index. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PREEMPT_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} preempt_tids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PREEMPT_MAX_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct preempt_slot);
} preempt_slots SEC(".maps");

/* Runstate areas a VMM moved here: the guest reads them through its own mapping. */
struct preempt_area {
	__u8 b[PREEMPT_AREA_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PREEMPT_MAX_AREAS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct preempt_area);
} preempt_areas SEC(".maps");

/* The thread this CPU switched in last: its tid, its slot + 1 (0: none), as of gen. */
struct cpu_last {
	__u32 tid;
	__u32 slot1;
	__u64 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_last);
} preempt_last SEC(".maps");

/* Starts at 1: a CPU's zeroed cpu_last is never current. */
volatile __u64 preempt_gen = 1;

/* Atomic adds: full barriers around the writes, for the reader's seqcount. */
static __always_inline void slot_begin(struct preempt_slot *s)
{
	__sync_fetch_and_add(&s->seq, 1);
}

static __always_inline void slot_end(struct preempt_slot *s)
{
	__sync_fetch_and_add(&s->seq, 1);
}

/* A finished episode of @wait ns into the histogram. */
static __always_inline void episode_end(struct preempt_slot *s, __u64 wait)
{
	unsigned int b = preempt_bucket(wait);

	s->episode_start = 0;
	if (b < PREEMPT_BUCKETS)
		s->ready_buckets[b]++;
	s->ready_count++;
	s->ready_sum_ns += wait;
	if (wait > s->ready_max_ns)
		s->ready_max_ns = wait;
}

/*
 * A state-only flip of the vCPU's area, @from to @to (running and runnable
 * differ only in the low byte of the little-endian state word, so one byte
 * store is the whole change), inside the XEN_RUNSTATE_UPDATE flag where the
 * guest asked for it: flag byte first, cleared last. Entry time and times
 * stay as the vCPU's last update booked them, so Σ time[] == entry holds.
 * Skipped while user space owns the area, or if the state is not @from
 * (the VMM made it blocked or offline). Bounds: masks the verifier sees.
 */
static __always_inline void area_flip(struct preempt_slot *s, __u8 from, __u8 to)
{
	struct preempt_area *a;
	__u32 idx;

	if (!s->area_idx1)
		return;
	if (__sync_val_compare_and_swap(&s->area_owner, PREEMPT_AREA_FREE,
					PREEMPT_AREA_PROGRAM) != PREEMPT_AREA_FREE)
		return;
	/* Where the area is, read while owning it: user space moves it only so. */
	idx = s->area_idx1 - 1;
	a = s->area_idx1 ? bpf_map_lookup_elem(&preempt_areas, &idx) : NULL;
	if (a)
		s->area_flipped = preempt_area_flip(a->b, s->area_ofs, s->area_times_ofs,
						    s->area_flag, from, to) ?
				  to == PREEMPT_RUNSTATE_RUNNABLE : s->area_flipped;
	__sync_fetch_and_and(&s->area_owner, PREEMPT_AREA_FREE);
}

static __always_inline void switched_out(__u32 slot, struct task_struct *p,
					 unsigned int prev_state)
{
	struct preempt_slot *s = bpf_map_lookup_elem(&preempt_slots, &slot);

	if (!s)
		return;
	slot_begin(s);
	s->run_delay = p->sched_info.run_delay;
	s->pcount = p->sched_info.pcount;
	/*
	 * An episode still open: its switch-in was not seen here (on 6.18
	 * about one in a hundred of a busy thread's, cause not found). The
	 * run delay, exact at a switch-out, closes it.
	 */
	if (s->episode_start)
		episode_end(s, s->run_delay - s->episode_run_delay);
	/* Still runnable: preempted (or yielded), so waiting on a run queue. */
	if (prev_state == 0 && s->in_run) {
		s->episode_start = bpf_ktime_get_ns() | 1;
		s->episode_run_delay = s->run_delay;
	}
	slot_end(s);
	/* The guest sees it at once: vcpu_is_preempted() is this state. */
	if (prev_state == 0 && s->in_run)
		area_flip(s, PREEMPT_RUNSTATE_RUNNING, PREEMPT_RUNSTATE_RUNNABLE);
}

/*
 * The tracepoint fires before sched_info_arrive() books next's wait, so
 * the slot gets what it is about to book, from the same rq clock:
 * run_delay += clock - last_queued, pcount + 1, both only if it was
 * queued. That wait is also the preemption episode's length.
 */
static __always_inline void switched_in(__u32 slot, struct task_struct *p)
{
	struct preempt_slot *s = bpf_map_lookup_elem(&preempt_slots, &slot);
	/*
	 * This CPU's run queue, through next's group entity (every task's
	 * se.cfs_rq is set to its CPU's): the runqueues symbol itself is not
	 * in kallsyms without CONFIG_KALLSYMS_ALL, so no __ksym.
	 */
	__u64 queued = p->sched_info.last_queued, wait = 0, clock = p->se.cfs_rq->rq->clock;
	__u64 pcount = p->sched_info.pcount;

	if (!s)
		return;
	if (queued) {
		wait = clock > queued ? clock - queued : 0;
		pcount++;
	}
	slot_begin(s);
	s->run_delay = p->sched_info.run_delay + wait;
	s->pcount = pcount;
	s->switch_ins++;
	if (s->episode_start)
		episode_end(s, s->run_delay - s->episode_run_delay);
	slot_end(s);
	/* Running again before the guest does. */
	if (s->area_flipped)
		area_flip(s, PREEMPT_RUNSTATE_RUNNABLE, PREEMPT_RUNSTATE_RUNNING);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(preempt_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u32 zero = 0, ptid = prev->pid, ntid = next->pid, *idx;
	__u64 gen = preempt_gen;
	struct cpu_last *last = bpf_map_lookup_elem(&preempt_last, &zero);

	if (!last)
		return 0;
	if (last->gen == gen && last->tid == ptid) {
		if (last->slot1)
			switched_out(last->slot1 - 1, prev, prev_state);
	} else {
		idx = bpf_map_lookup_elem(&preempt_tids, &ptid);
		if (idx)
			switched_out(*idx, prev, prev_state);
	}
	idx = bpf_map_lookup_elem(&preempt_tids, &ntid);
	last->tid = ntid;
	last->gen = gen;
	last->slot1 = idx ? *idx + 1 : 0;
	if (idx)
		switched_in(*idx, next);
	return 0;
}
