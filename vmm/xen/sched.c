// SPDX-License-Identifier: MIT
#include <sched.h>
#include <stdio.h>
#include "util/hosttime.h"
#include "vmm/xen/hcall.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/sched.h"
#include "vmm/xen/xen-vm.h"

/*
 * Like Xen, the target goes offline when it actually stops, on its own
 * thread (sched_wait_up): a guest still running its last instructions
 * reads "running", and offline covers exactly the time it did not run.
 */
long sched_vcpu_down(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	(void)arg;
	pthread_mutex_lock(t->lock);
	t->sched.up = false;
	pthread_cond_signal(t->cond);		/* if it is blocked */
	pthread_mutex_unlock(t->lock);
	if (t != h->v)
		t->vm->ops->kick(t);
	return 0;
}

long sched_vcpu_up(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	uint64_t now;

	(void)arg;
	if (xen_clock(t->vm, h->v, &now))
		return -XEN_EINVAL;
	pthread_mutex_lock(t->lock);
	if (!t->sched.up) {
		t->sched.up = true;
		t->sched.up_at_ns = now;
		pthread_cond_signal(t->cond);
	}
	pthread_mutex_unlock(t->lock);
	return 0;
}

long sched_vcpu_is_up(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	long up;

	(void)h;
	(void)arg;
	pthread_mutex_lock(t->lock);
	up = t->sched.up;
	pthread_mutex_unlock(t->lock);
	return up;
}

static long set_timer(struct xen_vcpu *v, uint64_t deadline)
{
	pthread_mutex_lock(v->lock);
	v->sched.timer_ns = deadline;
	pthread_mutex_unlock(v->lock);
	return 0;
}

long sched_singleshot_timer(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags;
	} __attribute__((packed)) st;
	uint64_t now;

	if (hcall_read(h, arg, &st, sizeof(st)))
		return -XEN_EFAULT;
	if (st.flags & VCPU_SSHOTTMR_future) {
		if (xen_clock(t->vm, h->v, &now))
			return -XEN_EINVAL;
		if (st.timeout_abs_ns < now)
			return -XEN_ETIME;
	}
	return set_timer(t, st.timeout_abs_ns);
}

long sched_stop_singleshot_timer(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	(void)h;
	(void)arg;
	return set_timer(t, 0);
}

long sched_set_timer_op(struct hcall *h)
{
	/* A 32-bit guest passes the 64-bit deadline in two words. */
	uint64_t t = h->lm ? hcall_arg(h, 0) : (hcall_arg(h, 0) | hcall_arg(h, 1) << 32);

	return set_timer(h->v, t);
}

void sched_block(struct xen_vcpu *v)
{
	struct xen_vm *x = v->vm;
	uint64_t deadline, now;
	bool timed;

	pthread_mutex_lock(v->lock);
	deadline = v->sched.timer_ns;
	timed = deadline != 0;
	if (xen_clock(x, v, &now))
		goto out;
	if (timed && now >= deadline) {
		/* Its timer has fired already: an event is pending, no block. */
		v->sched.timer_ns = 0;
		goto out;
	}
	runstate_set(v, XRS_RUNSTATE_BLOCKED);
	xen_event(v, XEN_BLOCK_BEGIN, 0, false);
	for (;;) {
		x->ops->run_tasks(v);	/* what other vCPUs asked of this one meanwhile */
		/* A pause ends only a block no timer ends: Xen may wake one early. */
		if (x->ops->stopping(x) || !v->sched.up || (!timed && x->ops->pausing(x))) {
			timed = false;		/* ended by the stop or VCPUOP_down */
			break;
		}
		if (xen_clock(x, v, &now))
			break;
		if (timed && now >= deadline) {
			v->sched.timer_ns = 0;	/* a singleshot timer fires once */
			break;
		}
		if (timed) {
			struct timespec ts = mono_after(deadline - now);

			pthread_cond_timedwait(v->cond, v->lock, &ts);
		} else {
			pthread_cond_wait(v->cond, v->lock);
		}
	}
	/* Up to the entry under the lock, so a VCPUOP_down is not lost. */
	if (v->sched.up)
		runstate_set(v, XRS_RUNSTATE_RUNNING);
	xen_event(v, XEN_BLOCK_END, deadline, timed);
out:
	pthread_mutex_unlock(v->lock);
}

void sched_wait_up(struct xen_vcpu *v)
{
	struct xen_vm *x = v->vm;

	runstate_set(v, XRS_RUNSTATE_OFFLINE);
	xen_event(v, XEN_OFFLINE_BEGIN, 0, false);
	for (;;) {
		x->ops->run_tasks(v);
		if (v->sched.up || x->ops->stopping(x) || x->ops->pausing(x))
			break;
		pthread_cond_wait(v->cond, v->lock);
	}
	if (!v->sched.up)
		return;
	runstate_set(v, XRS_RUNSTATE_RUNNING);
	xen_event(v, XEN_OFFLINE_END, v->sched.up_at_ns, false);
}

void sched_wake(struct xen_vcpu *v)
{
	pthread_mutex_lock(v->lock);
	pthread_cond_signal(v->cond);
	pthread_mutex_unlock(v->lock);
}

long sched_op(struct hcall *h)
{
	struct xen_vcpu *v = h->v;
	uint32_t reason;
	char why[64];

	switch (hcall_arg(h, 0)) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		sched_block(v);
		return 0;
	case SCHEDOP_shutdown:
		/* The guest is done, whatever the reason it gives. */
		if (hcall_read(h, hcall_arg(h, 1), &reason, sizeof(reason)))
			return -XEN_EFAULT;
		if (reason == SHUTDOWN_crash) {
			v->vm->ops->end(v, XEN_END_CRASH, "the guest crashed (SCHEDOP_shutdown crash)");
		} else if (reason == SHUTDOWN_reboot) {
			v->vm->ops->end(v, XEN_END_REBOOT, "the guest rebooted (SCHEDOP_shutdown)");
		} else {
			snprintf(why, sizeof(why), "the guest powered off (SCHEDOP_shutdown %u)", reason);
			v->vm->ops->end(v, XEN_END_POWEROFF, why);
		}
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
