// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include "vmm/xen/console.h"
#include "vmm/xen/evtchn.h"
#include "vmm/xen/hcall.h"
#include "vmm/xen/hypercall.h"
#include "vmm/xen/platform.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/sched.h"
#include "vmm/xen/version.h"
#include "vmm/xen/xen-vm.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define CR0_PE			1ull

static long xen_version(struct hcall *h)
{
	struct { uint32_t idx, map; } fi;

	switch (hcall_arg(h, 0)) {
	case XENVER_version:
		return XEN_VERSION_NUMBER;
	case XENVER_get_features:
		if (hcall_read(h, hcall_arg(h, 1), &fi, sizeof(fi)))
			return -XEN_EFAULT;
		fi.map = platform_features(h->v->vm, fi.idx);
		return hcall_write(h, hcall_arg(h, 1), &fi, sizeof(fi));
	default:
		return -XEN_ENOSYS;
	}
}

/* No periodic timer is ever running: stopping it is done. */
static long stop_periodic_timer(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	(void)h;
	(void)t;
	(void)arg;
	return 0;
}

/* VCPUOP_*(cmd, vcpu id, arg): sub-operations on a vCPU, maybe another one. */
static const struct vcpu_op {
	uint32_t cmd;
	long (*fn)(struct hcall *h, struct xen_vcpu *target, uint64_t arg);
	bool self_only;			/* Xen allows it only on the calling vCPU */
	bool needs_runstate;		/* -ENOSYS in a VM run without accounting */
} vcpu_ops[] = {
	{ VCPUOP_up, sched_vcpu_up, .self_only = false },
	{ VCPUOP_down, sched_vcpu_down, .self_only = false },
	{ VCPUOP_is_up, sched_vcpu_is_up, .self_only = false },
	{ VCPUOP_set_singleshot_timer, sched_singleshot_timer, .self_only = true },
	{ VCPUOP_stop_singleshot_timer, sched_stop_singleshot_timer, .self_only = true },
	{ VCPUOP_get_runstate_info, runstate_get_info, .needs_runstate = true },
	{ VCPUOP_register_runstate_memory_area, runstate_register_va, .needs_runstate = true },
	{ VCPUOP_register_runstate_phys_area, runstate_register_pa, .needs_runstate = true },
	{ VCPUOP_register_vcpu_info, platform_register_vcpu_info, .self_only = false },
	{ VCPUOP_stop_periodic_timer, stop_periodic_timer, .self_only = true },
};

static long vcpu_op(struct hcall *h)
{
	struct xen_vm *x = h->v->vm;
	/* Xen's vcpu_op takes the vCPU id as a 32-bit int */
	uint64_t cmd = hcall_arg(h, 0), id = (uint32_t)hcall_arg(h, 1);
	struct xen_vcpu *t = id < x->nr_vcpus ? xen_vcpu_at(x, (uint32_t)id) : NULL;
	size_t i;

	if (!t)
		return -XEN_ENOENT;
	for (i = 0; i < ARRAY_SIZE(vcpu_ops); i++) {
		const struct vcpu_op *op = &vcpu_ops[i];

		if (op->cmd != cmd)
			continue;
		if (op->self_only && t != h->v)
			return -XEN_EINVAL;
		if (op->needs_runstate && !x->runstate)
			return -XEN_ENOSYS;
		return op->fn(h, t, hcall_arg(h, 2));
	}
	return -XEN_ENOSYS;
}

static const struct {
	uint32_t nr;
	long (*fn)(struct hcall *h);
} hypercalls[] = {
	{ XEN_HC_memory_op, platform_memory_op },
	{ XEN_HC_set_timer_op, sched_set_timer_op },
	{ XEN_HC_xen_version, xen_version },
	{ XEN_HC_console_io, console_io },
	{ XEN_HC_vm_assist, runstate_vm_assist },
	{ XEN_HC_vcpu_op, vcpu_op },
	{ XEN_HC_sched_op, sched_op },
	{ XEN_HC_event_channel_op, evtchn_op },
	{ XEN_HC_hvm_op, platform_hvm_op },
};

/* Xen's errnos; libxrs's (Linux's) are the same numbers for these. */
static long call(struct hcall *h, uint64_t nr)
{
	size_t i;

	if (h->cpl)
		return -XEN_EPERM;	/* a user program in the guest: never obeyed */
	for (i = 0; i < ARRAY_SIZE(hypercalls); i++)
		if (hypercalls[i].nr == nr)
			return hypercalls[i].fn(h);
	return -XEN_ENOSYS;
}

static long dispatch(struct hcall *h, uint64_t nr)
{
	long r = call(h, nr);

	atomic_fetch_add_explicit(&h->v->hypercalls, 1, memory_order_relaxed);
	if (h->v->vm->trace)
		fprintf(stderr, "xrs: vCPU %u: hypercall %llu (%#llx, %#llx, %#llx) cpl %u = %ld\n",
			h->v->id, (unsigned long long)nr, (unsigned long long)h->a[0],
			(unsigned long long)h->a[1], (unsigned long long)h->a[2], h->cpl, r);
	return r;
}

void hcall_from_port(struct xen_vcpu *v, uint32_t nr)
{
	struct hcall h = { .v = v, .lm = atomic_load(&v->vm->long_mode) };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	long ret;

	if (kvm_cpu_get_regs(v->cpu, &regs) || kvm_cpu_get_sregs(v->cpu, &sregs)) {
		xen_fail(v, "cannot read registers for hypercall %u", nr);
		return;
	}
	/* as KVM reads the CPL: SS's DPL, 0 in real mode */
	h.cpl = sregs.cr0 & CR0_PE ? sregs.ss.dpl : 0;
	if (h.lm) {
		h.a[0] = regs.rdi, h.a[1] = regs.rsi, h.a[2] = regs.rdx;
		h.a[3] = regs.r10, h.a[4] = regs.r8;
	} else {
		h.a[0] = regs.rbx, h.a[1] = regs.rcx, h.a[2] = regs.rdx;
		h.a[3] = regs.rsi, h.a[4] = regs.rdi;
	}
	ret = dispatch(&h, nr);
	regs.rax = h.lm ? (uint64_t)ret : (uint32_t)ret;
	if (kvm_cpu_set_regs(v->cpu, &regs))
		xen_fail(v, "cannot write the result of hypercall %u", nr);
}

void hcall_from_kvm_exit(struct xen_vcpu *v)
{
	struct kvm_xen_exit *x = &v->cpu->run->xen;
	struct hcall h = { .v = v, .lm = x->u.hcall.longmode != 0, .cpl = x->u.hcall.cpl };

	if (x->type != KVM_EXIT_XEN_HCALL) {
		xen_fail(v, "KVM_EXIT_XEN of type %u", x->type);
		return;
	}
	memcpy(h.a, x->u.hcall.params, sizeof(h.a));
	x->u.hcall.result = (uint64_t)dispatch(&h, x->u.hcall.input);
}
