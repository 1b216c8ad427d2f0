// SPDX-License-Identifier: MIT
/*
 * xrs run's workloads. Every vCPU registers its runstate area, then checks
 * it continuously as a Xen guest would rely on it: entry == sum of the
 * times, times never decrease, entry is not in the future, and a vCPU that
 * reads its own area is running. With the update flag granted it also
 * reads two other vCPUs' areas. Violations are counted and reported.
 */
#include "guest/guest-runstate.h"
#include "guest/programs.h"

/* The vCPUs that run the workload; the others park offline (--running). */
static uint32_t nr_active(const struct gcpu *c)
{
	uint32_t n = c->boot->nr_running;

	return n && n < c->nr_vcpus ? n : c->nr_vcpus;
}

static uint64_t rnd(struct gcpu *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static int stopping(struct gcpu *c)
{
	return c->boot->stop != 0;
}

/* Other vCPUs' areas, safe to read only with XEN_RUNSTATE_UPDATE. */
static void check_remote_areas(struct gcpu *c)
{
	uint32_t k;

	if (!(c->boot->flags & G_BOOT_UPDATE_FLAG) || c->nr_vcpus < 2)
		return;
	for (k = 1; k <= 2 && k < c->nr_vcpus; k++) {
		struct gcpu *o = gcpu_of((c->id + k) % c->nr_vcpus);
		struct rs_view v;

		if (!o->rs_ok)
			continue;
		rs_read(o->rs, guest_long_mode(), &v);
		c->report.remote_checks++;
		if (v.entry != rs_sum(&v))
			violation(c, "remote area: state_entry_time != sum of time[]");
		else if (!rs_monotonic(&v, &c->remote_last[k - 1]))
			violation(c, "remote area: a time went backwards");
		c->remote_last[k - 1] = v;
	}
}

static void compute(struct gcpu *c, uint64_t ns)
{
	uint64_t end = now_ns(c) + ns;

	while (now_ns(c) < end && !stopping(c)) {
		check_own_area(c);
		check_remote_areas(c);
	}
}

static void timed_block(struct gcpu *c, uint64_t ns)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags;
	} __attribute__((packed)) t;
	struct rs_view before = c->last;

	t.timeout_abs_ns = now_ns(c) + ns;
	t.flags = 0;
	if (hypercall(XEN_HC_vcpu_op, VCPUOP_set_singleshot_timer, c->id,
		      (unsigned long)(uintptr_t)&t))
		violation(c, "set_singleshot_timer failed");
	hypercall(XEN_HC_sched_op, SCHEDOP_block, 0, 0);
	if (check_own_area(c) || !c->rs || stopping(c))
		return;
	/*
	 * If it blocked (the timer may have fired before the block began) and
	 * was not taken down meanwhile, it ran again only after its timer.
	 */
	if (c->last.time[RUNSTATE_offline] == before.time[RUNSTATE_offline] &&
	    c->last.time[RUNSTATE_blocked] != before.time[RUNSTATE_blocked]) {
		c->report.checks++;
		if (c->last.entry < t.timeout_abs_ns)
			violation(c, "ran again before its timer");
	}
}

/* vCPU 0 takes the last vCPU down for a while, then brings it back. */
static void down_up(struct gcpu *c)
{
	uint32_t t = nr_active(c) - 1;

	if (hypercall(XEN_HC_vcpu_op, VCPUOP_down, t, 0) ||
	    hypercall(XEN_HC_vcpu_op, VCPUOP_is_up, t, 0) != 0)
		violation(c, "VCPUOP_down did not take the vCPU down");
	compute(c, 3000000);
	if (hypercall(XEN_HC_vcpu_op, VCPUOP_up, t, 0) ||
	    hypercall(XEN_HC_vcpu_op, VCPUOP_is_up, t, 0) != 1)
		violation(c, "VCPUOP_up did not bring the vCPU up");
}

static void mixed(struct gcpu *c)
{
	uint64_t next_report = now_ns(c), next_down = now_ns(c) + 100000000;
	uint32_t i;

	while (!stopping(c)) {
		uint64_t r = rnd(c);

		switch (r & 7) {
		case 0: case 1: case 2: case 3:
			compute(c, 200000 + (uint32_t)(r >> 8) % 1800000u);
			break;
		case 4: case 5:
			timed_block(c, 1000000 + (uint32_t)(r >> 8) % 3000000u);
			break;
		case 6:
			hypercall(XEN_HC_sched_op, SCHEDOP_yield, 0, 0);
			check_own_area(c);
			break;
		default:
			for (i = 0; i < 16; i++)
				outl(G_PORT_TICK, i);
			check_own_area(c);
		}
		if (c->id == 0 && nr_active(c) > 1 && now_ns(c) >= next_down) {
			down_up(c);
			next_down = now_ns(c) + 200000000;
		}
		if (now_ns(c) >= next_report) {
			report(c);
			next_report = now_ns(c) + 50000000;
		}
	}
}

static void spin(struct gcpu *c)
{
	/* Never exits: the area is as fresh as the VMM keeps it. */
	while (!stopping(c))
		check_own_area(c);
}

static void exits(struct gcpu *c)
{
	uint64_t next_report = now_ns(c), i = 0;

	while (!stopping(c)) {
		outl(G_PORT_TICK, (uint32_t)i);
		if (!(++i & 1023)) {
			check_own_area(c);
			if (now_ns(c) >= next_report) {
				report(c);
				next_report = now_ns(c) + 50000000;
			}
		}
	}
}

static void idle(struct gcpu *c)
{
	while (!stopping(c))
		timed_block(c, 10000000);
}

void prog_workload(struct gcpu *c)
{
	struct g_bootinfo *b = c->boot;

	c->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)c->id << 32) ^ now_ns(c);
	hypercall_page_install();
	if (b->flags & G_BOOT_WITNESS)
		wrmsr(MSR_KVM_STEAL_TIME, (uint64_t)(uintptr_t)&c->steal | 1);
	if ((b->flags & G_BOOT_UPDATE_FLAG) &&
	    hypercall(XEN_HC_vm_assist, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0))
		b->flags &= ~G_BOOT_UPDATE_FLAG;	/* not granted: no remote reads */
	/* Odd vCPUs register by physical address (Xen 4.18), even ones by virtual. */
	if (register_area(c, c->area, c->id & 1) && register_area(c, c->area, !(c->id & 1)))
		c->rs = NULL;	/* no runstate here (xrs run --no-runstate) */

	/* Registered, then offline until the end: a VM's spare vCPUs. */
	if (c->id >= nr_active(c))
		hypercall(XEN_HC_vcpu_op, VCPUOP_down, c->id, 0);

	switch (b->workload) {
	case G_WL_SPIN:
		spin(c);
		break;
	case G_WL_EXITS:
		exits(c);
		break;
	case G_WL_IDLE:
		idle(c);
		break;
	default:
		mixed(c);
	}
	check_own_area(c);
	report(c);
}
