/* SPDX-License-Identifier: MIT */
/*
 * The accounting engine: KVM's runstate update rule and attribute checks as
 * pure functions of (state, now, run delay). No clock, no syscalls, no locks:
 * callers pass time in and serialize.
 */
#ifndef XRS_ENGINE_H
#define XRS_ENGINE_H

#include <stdint.h>
#include <xrs/xen.h>

struct rs_state {
	uint64_t entry;				/* state_entry_time */
	uint64_t times[XRS_RUNSTATE_COUNT];
	uint64_t last_steal;			/* run delay at the last update */
	uint64_t last_halt;			/* halted time at the last update */
	/*
	 * Run delay an update saw but did not book as runnable: accrued in
	 * another state (a woken vCPU's wait), beyond the interval, or while
	 * the clock was behind. Not guest-visible: the operator's reconciliation
	 * with the thread's run delay or KVM's own steal time.
	 */
	uint64_t steal_unbooked;
	uint32_t state;
};

/* The six u64s of kvm_xen_vcpu_attr.u.runstate, in order. */
struct rs_fields {
	uint64_t state;
	uint64_t entry;
	uint64_t times[XRS_RUNSTATE_COUNT];
};


/*
 * The checks that need no clock, so a call with bad input fails before
 * anything reads one: RUNSTATE_DATA's state and sum, RUNSTATE_ADJUST's state
 * (-1 allowed) and sum of deltas. 0 or -EINVAL.
 */
int rs_check_data_fields(const struct rs_fields *f);
int rs_check_adjust_fields(const struct rs_fields *delta);

/* RUNSTATE_DATA: 0 if @f may be set at guest time @now, else -EINVAL. */
int rs_check_data(const struct rs_fields *f, uint64_t now);
/* Overwrite with checked @f; steal counts from @run_delay on (the halt base is the caller's). */
void rs_set_data(struct rs_state *rs, const struct rs_fields *f, uint64_t run_delay);
void rs_get_data(const struct rs_state *rs, struct rs_fields *f);

/*
 * RUNSTATE_ADJUST, the arithmetic part: validate the deltas and add them.
 * 0 or -EINVAL; @rs untouched on error. The caller then updates to
 * f->state if it is a runstate, or rewrites the guest area if it is -1.
 */
int rs_adjust(struct rs_state *rs, const struct rs_fields *delta, uint64_t now);

static inline int rs_state_valid(uint64_t state)
{
	return state <= XRS_RUNSTATE_OFFLINE;
}

/*
 * Book [entry, now) to the current state, then switch to @state: the
 * running part of it is split three ways. Halted time (what the halt source
 * gained: the vCPU halted inside KVM_RUN, which Xen books blocked) is carved
 * out into blocked, then steal (the run delay gained since the last update)
 * out of what is left into runnable; the rest is running. Implements the
 * v7.2 rule: a clock that went backwards books nothing and keeps entry;
 * steal and halt are clamped to the interval and ignored when not
 * positive, and time either gained in any other state is not booked (a
 * vCPU blocked or offline in the VMM is not in KVM_RUN: nothing is booked
 * twice). Either sample is the new base, below the old one too. A
 * never-updated vCPU (entry 0) books everything since clock 0 as offline.
 * Inline: it is most of what every vCPU entry does.
 */
static inline void rs_update_halt(struct rs_state *rs, uint32_t state, uint64_t now,
				  uint64_t run_delay, uint64_t halted)
{
	int64_t delta = (int64_t)(now - rs->entry);
	int64_t steal = (int64_t)(run_delay - rs->last_steal);
	int64_t halt = (int64_t)(halted - rs->last_halt);
	uint32_t cur = rs->entry ? rs->state : XRS_RUNSTATE_OFFLINE;

	/*
	 * KVM's halt_wait_ns runs until the woken vCPU runs again, so a wake-up's
	 * wait for a CPU is in both samples and cannot be told apart. Halt is
	 * carved first and keeps it: the guest counts that wait idle too, so its
	 * idle and steal together stay within its time; steal takes what is
	 * left, and what it cannot take is unbooked (as beyond the interval).
	 */
	if (delta >= 0 && cur == XRS_RUNSTATE_RUNNING && halt > 0) {
		if (halt > delta)
			halt = delta;
		delta -= halt;
		rs->times[XRS_RUNSTATE_BLOCKED] += (uint64_t)halt;
	}
	/*
	 * delta < 0: the guest clock went backwards (KVM_SET_CLOCK after a
	 * restore). Unsigned arithmetic would book centuries; book nothing and
	 * keep entry, so accounting resumes once the clock passes it.
	 */
	if (delta >= 0 && cur == XRS_RUNSTATE_RUNNING && steal > 0) {
		/* Only time spent running can have been stolen. */
		if (steal > delta) {
			rs->steal_unbooked += (uint64_t)(steal - delta);
			steal = delta;
		}
		delta -= steal;
		rs->times[XRS_RUNSTATE_RUNNABLE] += (uint64_t)steal;
	} else if (steal > 0) {
		rs->steal_unbooked += (uint64_t)steal;
	}
	if (delta >= 0) {
		rs->times[cur] += (uint64_t)delta;
		rs->entry = now;
	}
	rs->state = state;
	rs->last_steal = run_delay;
	rs->last_halt = halted;
}

/* The same without a halt source: KVM's own rule, halted time is running. */
static inline void rs_update(struct rs_state *rs, uint32_t state, uint64_t now,
			     uint64_t run_delay)
{
	rs_update_halt(rs, state, now, run_delay, rs->last_halt);
}

#endif /* XRS_ENGINE_H */
