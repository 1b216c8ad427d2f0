// SPDX-License-Identifier: MIT
#include <stddef.h>
#include "vmm/hold.h"
#include "vmm/task.h"
#include "vmm/vm.h"
#include "vmm/xen-ops.h"

static const struct vmm *vmm_of(const struct xen_vm *x)
{
	return (const struct vmm *)((const char *)x - offsetof(struct vmm, xen));
}

struct xen_task {
	xen_task_fn fn;
	void *arg;
};

static int call_task(struct vmm_vcpu *t, void *arg)
{
	const struct xen_task *task = arg;

	return task->fn(&t->xen, task->arg);
}

static int run_on(struct xen_vcpu *self, struct xen_vcpu *t, xen_task_fn fn, void *arg)
{
	struct xen_task task = { .fn = fn, .arg = arg };

	return vcpu_run_on(self ? vcpu_of(self) : NULL, vcpu_of(t), call_task, &task);
}

static void run_tasks(struct xen_vcpu *v)
{
	vcpu_run_tasks(vcpu_of(v));
}

static void kick(struct xen_vcpu *v)
{
	vcpu_kick(vcpu_of(v));
}

static void fail(struct xen_vcpu *v, const char *why)
{
	vmm_fail(vcpu_of(v), "%s", why);
}

static void end(struct xen_vcpu *xv, enum xen_end end, const char *why)
{
	static const enum vmm_end ends[] = {
		[XEN_END_POWEROFF] = VMM_END_POWEROFF,
		[XEN_END_REBOOT] = VMM_END_REBOOT,
		[XEN_END_CRASH] = VMM_END_CRASH,
	};
	struct vmm_vcpu *v = vcpu_of(xv);

	atomic_store(&v->done, true);
	vmm_end(v->vmm, ends[end], "%s", why);
}

static bool stopping(const struct xen_vm *x)
{
	return atomic_load(&vmm_of(x)->stopping);
}

static bool pausing(const struct xen_vm *x)
{
	return atomic_load(&vmm_of(x)->pausing);
}

static struct xen_vcpu *vcpu(struct xen_vm *x, uint32_t id)
{
	return &vmm_of(x)->vcpus[id].xen;
}

static void event(struct xen_vcpu *xv, enum xen_event ev, uint64_t a, bool b)
{
	struct vmm_vcpu *v = vcpu_of(xv);
	const struct vmm_hooks *h = v->vmm->cfg.hooks;

	if (!h)
		return;
	if (ev == XEN_BLOCK_BEGIN && h->block_begin)
		h->block_begin(v);
	else if (ev == XEN_BLOCK_END && h->block_end)
		h->block_end(v, a, b);
	else if (ev == XEN_OFFLINE_BEGIN && h->offline_begin)
		h->offline_begin(v);
	else if (ev == XEN_OFFLINE_END && h->offline_end)
		h->offline_end(v, a);
}

static void hold(struct xen_vm *x, bool on)
{
	struct vmm *m = (struct vmm *)((char *)x - offsetof(struct vmm, xen));

	if (on)
		vmm_hold(m);
	else
		vmm_release(m);
}

const struct xen_ops vmm_xen_ops = {
	.run_on = run_on,
	.run_tasks = run_tasks,
	.kick = kick,
	.fail = fail,
	.end = end,
	.stopping = stopping,
	.pausing = pausing,
	.vcpu = vcpu,
	.event = event,
	.hold = hold,
};
