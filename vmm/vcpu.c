// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "guest/guest-abi.h"
#include "util/hosttime.h"
#include "util/pin.h"
#include "util/schedstat.h"
#include "vmm/hold.h"
#include "vmm/pc/pc.h"
#include "vmm/task.h"
#include "vmm/ucall.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/xen/hcall-page.h"
#include "vmm/xen/hypercall.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/sched.h"
#include "xen-abi/xen-public.h"

static void hook(struct vmm_vcpu *v, void (*fn)(struct vmm_vcpu *))
{
	if (fn)
		fn(v);
}

static void handle_io(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->cpu.run;

	if (run->io.direction != KVM_EXIT_IO_OUT) {
		/* Nothing is there: reads see all ones, as on a bare bus. */
		memset((uint8_t *)run + run->io.data_offset, 0xff,
		       (size_t)run->io.size * run->io.count);
		return;
	}
	switch (run->io.port) {
	case G_PORT_HCALL:
		hcall_from_port(&v->xen, kvm_cpu_io_value(&v->cpu));
		break;
	case G_PORT_UCALL:
		ucall_handle(v, kvm_cpu_io_value(&v->cpu));
		break;
	default:
		break;		/* G_PORT_TICK and unknown ports: an exit and nothing else */
	}
}

static void handle_exit(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->cpu.run;

	if (v->vmm->mc.board == VMM_BOARD_PC && pc_exit(v->vmm->mc.pc, &v->cpu, v))
		return;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return;
	case KVM_EXIT_HLT:
		sched_block(&v->xen);
		return;
	case KVM_EXIT_XEN:
		hcall_from_kvm_exit(&v->xen);
		return;
	case KVM_EXIT_X86_WRMSR:
		run->msr.error = run->msr.index != XEN_HYPERCALL_MSR ||
				 hcall_page_msr(&v->xen, run->msr.data);
		return;
	case KVM_EXIT_X86_RDMSR:
		run->msr.error = 1;	/* the hypercall MSR is write-only */
		return;
	default:
		vmm_fail(v, "guest stopped: exit %u (%s)", run->exit_reason,
			 kvm_exit_name(run->exit_reason));
	}
}

static uint64_t own_run_delay(struct vmm_vcpu *v)
{
	int64_t rd = v->schedstat_fd >= 0 ? schedstat_run_delay(v->schedstat_fd) : -1;

	return rd > 0 ? (uint64_t)rd : 0;
}

static bool keep_running(struct vmm_vcpu *v)
{
	return !atomic_load(&v->done) && !atomic_load(&v->failed) &&
	       !atomic_load(&v->vmm->failed) && !atomic_load(&v->vmm->pausing);
}

/*
 * Before the vCPU's state may be saved: an exit the VMM answered (I/O, an
 * MSR) is completed by the next KVM_RUN; with immediate_exit set, that run
 * completes it and returns without entering the guest (KVM's API).
 */
static void complete_pending_exit(struct vmm_vcpu *v)
{
	int r;

	__atomic_store_n(&v->cpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	r = kvm_cpu_run(&v->cpu);
	__atomic_store_n(&v->cpu.run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (r != -EINTR)
		vmm_fail(v, "completing the last exit before the pause: KVM_RUN %s",
			 r ? strerror(-r) : "entered the guest");
}

/*
 * A kick that finds the vCPU in HLT: the PC's in-kernel LAPIC keeps halts
 * inside KVM_RUN, where libxrs books them blocked from KVM's halt stats;
 * until the vCPU enters again it is still halted, so blocked too, as Xen
 * books it. Else each refresh kick's round trip is booked running (0.7 ms
 * in the sandbox, 1 % of an idle guest's time at a kick per 100 ms).
 */
static void halted_at_kick_is_blocked(struct vmm_vcpu *v)
{
	uint32_t mp_state;

	if (v->vmm->mc.board != VMM_BOARD_PC || !v->vmm->cfg.runstate ||
	    v->vmm->cfg.no_run_hooks)
		return;
	if (kvm_cpu_get_mp_state(&v->cpu, &mp_state) || mp_state != KVM_MP_STATE_HALTED)
		return;
	pthread_mutex_lock(&v->lock);
	runstate_set(&v->xen, XRS_RUNSTATE_BLOCKED);
	pthread_mutex_unlock(&v->lock);
}

void *vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm *m = v->vmm;
	const struct vmm_hooks *hooks = m->cfg.hooks;
	int r;

	atomic_store(&v->tid, gettid());
	v->schedstat_fd = schedstat_open(0);
	r = runstate_bind(&v->xen);
	if (r)
		vmm_fail(v, "xrs_vcpu_bind_thread: %s", xrs_strerror(r));
	/*
	 * The first update (the fresh vCPU's offline time) before any vCPU
	 * competes for a pinned CPU: from here on every wait of this thread
	 * is steal, and rd_start is the run delay it counts from.
	 */
	v->rd_start_ns = own_run_delay(v);
	runstate_enter(&v->xen);
	vcpu_tasks_open(v);
	vmm_start_gate(m);
	if (v->cpu_pin >= 0)
		pin_to_cpu(v->cpu_pin);

	while (keep_running(v)) {
		pthread_mutex_lock(&v->lock);
		vcpu_run_tasks(v);
		if (!v->xen.sched.up)
			sched_wait_up(&v->xen);
		if ((atomic_load(&m->stopping) || atomic_load(&m->pausing)) && !v->xen.sched.up) {
			pthread_mutex_unlock(&v->lock);
			break;		/* down at the end: nothing left to run */
		}
		if (!vcpu_hold_enter(v)) {
			/* held for a page move: out of guest code until it is over */
			pthread_mutex_unlock(&v->lock);
			vcpu_hold_wait(v);
			continue;
		}
		if (!m->cfg.no_run_hooks)
			runstate_enter(&v->xen);
		pthread_mutex_unlock(&v->lock);

		atomic_store_explicit(&v->run_since_ns, mono_ns(), memory_order_relaxed);
		r = kvm_cpu_run(&v->cpu);
		atomic_store_explicit(&v->run_since_ns, 0, memory_order_relaxed);
		if (!m->cfg.no_run_hooks)
			runstate_exit(&v->xen);
		/* still in guest for a hold: it writes the area, and a hold's kick causes it */
		if (r == -EINTR)
			halted_at_kick_is_blocked(v);
		vcpu_hold_leave(v);
		atomic_fetch_add_explicit(&v->exits, 1, memory_order_relaxed);

		/* Re-arm before taking the request: a kick after this is not lost. */
		__atomic_store_n(&v->cpu.run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (atomic_exchange(&v->kick_pending, false))
			atomic_fetch_add_explicit(&v->kicks, 1, memory_order_relaxed);
		/* -EAGAIN: an AP that KVM held for its SIPI got it */
		if (r == -EINTR || r == -EAGAIN) {
			if (hooks)
				hook(v, hooks->reentry_after_kick);
			continue;
		}
		if (r) {
			vmm_fail(v, "KVM_RUN: %s", strerror(-r));
			break;
		}
		handle_exit(v);
		if (hooks)
			hook(v, hooks->guest_exit);
	}
	vcpu_tasks_close(v);
	if (atomic_load(&m->pausing) && !atomic_load(&v->failed))
		complete_pending_exit(v);
	runstate_book_to_now(&v->xen);
	v->rd_end_ns = own_run_delay(v);
	return NULL;
}
