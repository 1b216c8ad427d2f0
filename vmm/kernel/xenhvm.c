// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "kernel/xenhvm.h"
#include "xen-abi/xen.h"

#define XEN_CPUID_BASE_LEAF	0x40000000u
#define XEN_CPUID_LEAVES	5
#define XEN_VERSION_4_18	0x00040012u
#define PAGE			4096ull
/* What Linux needs from KVM's Xen support: the hypercalls, shared_info, events. */
#define NEEDED	(KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL | KVM_XEN_HVM_CONFIG_SHARED_INFO | \
		 KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL | KVM_XEN_HVM_CONFIG_EVTCHN_SEND)
/* 2-level event channels in shared_info (64-bit layout). */
#define SHINFO_PENDING		0x800
#define SHINFO_MASK		0xa00

int xenhvm_probe(struct kvm_vm *vm, char *why, size_t len)
{
	int caps = kvm_vm_check(vm, KVM_CAP_XEN_HVM);

	if (caps < 0 || (caps & NEEDED) != NEEDED) {
		snprintf(why, len, "this KVM cannot carry a Xen HVM guest (KVM_CAP_XEN_HVM %#x: a "
			 "kernel without CONFIG_KVM_XEN); the sandbox's can", caps < 0 ? 0 : caps);
		return -EOPNOTSUPP;
	}
	return 0;
}

int xenhvm_init(struct xenhvm *x)
{
	struct kvm_xen_hvm_config hc = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL, .msr = XEN_HYPERCALL_MSR,
	};
	struct kvm_xen_hvm_attr lm = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };

	pthread_mutex_init(&x->lock, NULL);
	x->trace = getenv("XRS_TRACE_HYPERCALLS") != NULL;
	if (ioctl(x->vm->fd, KVM_XEN_HVM_CONFIG, &hc) < 0)
		return -errno;
	lm.u.long_mode = 1;
	if (ioctl(x->vm->fd, KVM_XEN_HVM_SET_ATTR, &lm) < 0)
		return -errno;
	/* libxrs's layout too (the kernel backend passes it on to KVM again) */
	return xrs_vm_set_attr(x->xrs_vm, &lm);
}

void xenhvm_cpuid(struct kvm_cpuid2 *c, uint32_t id)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function < XEN_CPUID_BASE_LEAF ||
		    c->entries[i].function >= XEN_CPUID_BASE_LEAF + 0x10000)
			c->entries[n++] = c->entries[i];	/* KVM's own leaves go */
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = XEN_CPUID_BASE_LEAF, .eax = XEN_CPUID_BASE_LEAF + XEN_CPUID_LEAVES - 1,
		.ebx = 0x566e6558, .ecx = 0x65584d4d, .edx = 0x4d4d566e,	/* XenVMMXenVMM */
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = XEN_CPUID_BASE_LEAF + 1, .eax = XEN_VERSION_4_18,
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = XEN_CPUID_BASE_LEAF + 2, .eax = 1, .ebx = XEN_HYPERCALL_MSR,
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = XEN_CPUID_BASE_LEAF + 3 };
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = XEN_CPUID_BASE_LEAF + 4, .eax = XEN_CPUID_HVM_VCPU_ID_PRESENT, .ebx = id,
	};
	c->nent = n;
}

int xenhvm_vcpu_init(struct xenhvm *x, uint32_t id)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID };

	a.u.vcpu_id = id;
	return ioctl(x->cpus[id].fd, KVM_XEN_VCPU_SET_ATTR, &a) < 0 ? -errno : 0;
}

/* vCPU attributes a hypercall sets, done after its lock is let go. */
struct deferred {
	unsigned int n;
	uint32_t target[XENHVM_MAX_DEFERRED];
	struct kvm_xen_vcpu_attr attr[XENHVM_MAX_DEFERRED];
};

static __thread struct deferred *later;

static int defer_attr(uint32_t target, const struct kvm_xen_vcpu_attr *a)
{
	if (!later || later->n == XENHVM_MAX_DEFERRED)
		return -XEN_ENOSPC;
	later->target[later->n] = target;
	later->attr[later->n++] = *a;
	return 0;
}

/* ---- guest memory by virtual address, as the calling vCPU maps it ---- */

static int gva_copy(struct xenhvm *x, uint32_t id, uint64_t gva, void *buf, size_t len, bool out)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t gpa, n = PAGE - (gva & (PAGE - 1));

		if (n > len)
			n = len;
		if (kvm_cpu_translate(&x->cpus[id], gva, &gpa) || gpa + n > x->ram_size ||
		    gpa + n < gpa)
			return -XEN_EFAULT;
		if (out)
			memcpy(x->ram + gpa, b, n);
		else
			memcpy(b, x->ram + gpa, n);
		gva += n, b += n, len -= n;
	}
	return 0;
}

#define READ_ARG(x, id, gva, v)  gva_copy(x, id, gva, &(v), sizeof(v), false)
#define WRITE_ARG(x, id, gva, v) gva_copy(x, id, gva, &(v), sizeof(v), true)

/* ---- the hypercalls ---- */

static int64_t xen_version(struct xenhvm *x, uint32_t id, uint64_t cmd, uint64_t arg)
{
	struct { uint32_t idx, map; } fi;

	switch (cmd) {
	case XENVER_version:
		return XEN_VERSION_4_18;
	case XENVER_get_features:
		if (READ_ARG(x, id, arg, fi))
			return -XEN_EFAULT;
		fi.map = fi.idx ? 0 : 1u << XENFEAT_writable_page_tables |
			 1u << XENFEAT_writable_descriptor_tables |
			 1u << XENFEAT_auto_translated_physmap |
			 1u << XENFEAT_hvm_callback_vector | 1u << XENFEAT_hvm_safe_pvclock;
		return WRITE_ARG(x, id, arg, fi) ? -XEN_EFAULT : 0;
	default:
		return -XEN_ENOSYS;
	}
}

static int64_t memory_op(struct xenhvm *x, uint32_t id, uint64_t cmd, uint64_t arg)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } xatp;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_SHARED_INFO };
	uint32_t i;

	if (cmd != XENMEM_add_to_physmap)
		return -XEN_ENOSYS;
	if (READ_ARG(x, id, arg, xatp))
		return -XEN_EFAULT;
	if (xatp.space != XENMAPSPACE_shared_info)
		return -XEN_ENOSYS;		/* grant tables: Linux does without */
	if ((xatp.gpfn + 1) * PAGE > x->ram_size)
		return -XEN_EINVAL;
	a.u.shared_info.gfn = xatp.gpfn;
	if (ioctl(x->vm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0)
		return -XEN_EINVAL;
	x->shared_info = xatp.gpfn * PAGE;
	/*
	 * Until a vCPU registers its own, its vcpu_info is the one in
	 * shared_info (the first 32): KVM keeps the pvclock only where it is
	 * told, and Linux reads vCPU 0's at once.
	 */
	for (i = 0; i < x->nr && i < 32; i++) {
		struct kvm_xen_vcpu_attr vi = { .type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO };

		if (x->vcpu_info[i])
			continue;
		vi.u.gpa = x->shared_info + (uint64_t)i * 64;
		if (defer_attr(i, &vi))
			return -XEN_EINVAL;
	}
	return 0;
}

static int64_t hvm_op(struct xenhvm *x, uint32_t id, uint64_t cmd, uint64_t arg)
{
	struct { uint16_t domid, pad; uint32_t index; uint64_t value; } p;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_UPCALL_VECTOR };

	if (cmd != HVMOP_set_param && cmd != HVMOP_get_param)
		return -XEN_ENOSYS;
	if (READ_ARG(x, id, arg, p))
		return -XEN_EFAULT;
	if (cmd == HVMOP_get_param)
		return -XEN_EINVAL;		/* no xenstore, no console ring */
	if (p.index != HVM_PARAM_CALLBACK_IRQ || p.value >> 56 != HVM_PARAM_CALLBACK_TYPE_VECTOR)
		return -XEN_EINVAL;
	a.u.vector = (uint8_t)p.value;
	return ioctl(x->vm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0 ? -XEN_EINVAL : 0;
}

static int64_t vcpu_op(struct xenhvm *x, uint32_t id, uint64_t cmd, uint64_t target,
		       uint64_t arg)
{
	struct { uint64_t mfn; uint32_t offset, rsvd; } vi;
	struct kvm_xen_vcpu_attr a = { 0 };
	uint64_t area, gpa;

	if (target >= x->nr)
		return -XEN_EINVAL;
	switch (cmd) {
	case VCPUOP_register_vcpu_info:
		if (READ_ARG(x, id, arg, vi))
			return -XEN_EFAULT;
		a.type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO;
		a.u.gpa = vi.mfn * PAGE + vi.offset;
		if (a.u.gpa + 64 > x->ram_size || defer_attr((uint32_t)target, &a))
			return -XEN_EINVAL;
		x->vcpu_info[target] = a.u.gpa;
		return 0;
	case VCPUOP_register_runstate_memory_area:
		/* a virtual address, for HVM guests too: this vCPU's mapping now */
		if (READ_ARG(x, id, arg, area))
			return -XEN_EFAULT;
		if (kvm_cpu_translate(&x->cpus[id], area, &gpa))
			return -XEN_EFAULT;
		a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR;
		a.u.gpa = gpa;
		return xrs_vcpu_set_attr(x->xrs[target], &a) ? -XEN_EFAULT : 0;
	case VCPUOP_stop_periodic_timer:
	case VCPUOP_stop_singleshot_timer:
		return 0;			/* (the timer's are KVM's when it has a port) */
	default:
		return -XEN_ENOSYS;
	}
}

static int64_t vm_assist(struct xenhvm *x, uint64_t cmd, uint64_t type)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };

	if (type != VMASST_TYPE_runstate_update_flag ||
	    (cmd != VMASST_CMD_enable && cmd != VMASST_CMD_disable))
		return -XEN_EINVAL;
	XRS_HVM_ATTR_UPDATE_FLAG(&a) = cmd == VMASST_CMD_enable;
	return xrs_vm_set_attr(x->xrs_vm, &a) ? -XEN_EINVAL : 0;
}

static int alloc_port(struct xenhvm *x, uint8_t type, uint32_t vcpu)
{
	int p;

	for (p = 1; p < XENHVM_MAX_PORTS; p++)
		if (!x->ports[p].type) {
			x->ports[p] = (struct xenhvm_port){ .type = type, .vcpu = vcpu };
			return p;
		}
	return -XEN_ENOSPC;
}

/* An IPI port: KVM delivers the guest's EVTCHNOP_send itself. */
static int route_ipi(struct xenhvm *x, uint32_t port, uint32_t vcpu, uint32_t flags)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_EVTCHN };

	a.u.evtchn.send_port = port;
	a.u.evtchn.type = EVTCHNSTAT_ipi;
	a.u.evtchn.flags = flags;
	a.u.evtchn.deliver.port.port = port;
	a.u.evtchn.deliver.port.vcpu = vcpu;
	a.u.evtchn.deliver.port.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL;
	return ioctl(x->vm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0 ? -errno : 0;
}

static int timer_port(uint32_t vcpu, uint32_t port)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_TIMER };

	a.u.timer.port = port;
	a.u.timer.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL;
	return defer_attr(vcpu, &a);
}

/*
 * EVTCHNOP_unmask (2-level ABI): Xen clears the mask bit and, if the port is
 * pending, raises it to its vCPU. Raising is KVM's: the pending bit is
 * cleared and the port sent again, so that KVM sets the selector bit and
 * the upcall and kicks the vCPU out of its halt.
 */
static void unmask(struct xenhvm *x, uint32_t port)
{
	uint64_t *pending, *mask, bit = 1ull << (port % 64);
	struct kvm_irq_routing_xen_evtchn send = {
		.port = port, .vcpu = x->ports[port].vcpu,
		.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
	};

	if (!x->shared_info)
		return;
	pending = (uint64_t *)(x->ram + x->shared_info + SHINFO_PENDING);
	mask = (uint64_t *)(x->ram + x->shared_info + SHINFO_MASK);
	__atomic_fetch_and(&mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
	if (__atomic_fetch_and(&pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit)
		ioctl(x->vm->fd, KVM_XEN_HVM_EVTCHN_SEND, &send);
}

static int64_t event_channel_op(struct xenhvm *x, uint32_t id, uint64_t cmd, uint64_t arg)
{
	struct { uint32_t a, b, port; } v;	/* bind_virq: virq, vcpu, port */
	struct kvm_irq_routing_xen_evtchn send;
	int port;

	switch (cmd) {
	case EVTCHNOP_bind_virq:
		if (READ_ARG(x, id, arg, v) || v.b >= x->nr)
			return -XEN_EINVAL;
		port = alloc_port(x, 1, v.b);
		if (port < 0)
			return port;
		if (v.a == VIRQ_TIMER && timer_port(v.b, (uint32_t)port))
			return -XEN_EINVAL;
		v.port = (uint32_t)port;
		return WRITE_ARG(x, id, arg, v) ? -XEN_EFAULT : 0;
	case EVTCHNOP_bind_ipi:		/* { vcpu; port (out); } */
		if (gva_copy(x, id, arg, &v, 8, false) || v.a >= x->nr)
			return -XEN_EINVAL;
		port = alloc_port(x, 2, v.a);
		if (port < 0)
			return port;
		if (route_ipi(x, (uint32_t)port, v.a, 0))
			return -XEN_EINVAL;
		v.b = (uint32_t)port;
		return gva_copy(x, id, arg, &v, 8, true) ? -XEN_EFAULT : 0;
	case EVTCHNOP_close:
	case EVTCHNOP_send:
	case EVTCHNOP_unmask:
	case EVTCHNOP_bind_vcpu:
		if (READ_ARG(x, id, arg, v.a) || v.a == 0 || v.a >= XENHVM_MAX_PORTS ||
		    !x->ports[v.a].type)
			return -XEN_EINVAL;
		port = (int)v.a;
		break;
	default:
		return -XEN_ENOSYS;
	}
	switch (cmd) {
	case EVTCHNOP_close:
		if (x->ports[port].type == 2)
			route_ipi(x, (uint32_t)port, 0, KVM_XEN_EVTCHN_DEASSIGN);
		x->ports[port].type = 0;
		return 0;
	case EVTCHNOP_send:		/* one KVM did not take in the kernel */
		send = (struct kvm_irq_routing_xen_evtchn){
			.port = (uint32_t)port, .vcpu = x->ports[port].vcpu,
			.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
		};
		return ioctl(x->vm->fd, KVM_XEN_HVM_EVTCHN_SEND, &send) < 0 ? -XEN_EINVAL : 0;
	case EVTCHNOP_unmask:
		unmask(x, (uint32_t)port);
		return 0;
	default:			/* bind_vcpu: { port; vcpu; } */
		if (gva_copy(x, id, arg + 4, &v.b, 4, false) || v.b >= x->nr)
			return -XEN_EINVAL;
		x->ports[port].vcpu = v.b;
		if (x->ports[port].type == 2)
			route_ipi(x, (uint32_t)port, v.b, KVM_XEN_EVTCHN_UPDATE);
		return 0;
	}
}

static int64_t sched_op(struct xenhvm *x, uint32_t id, uint64_t cmd, uint64_t arg)
{
	uint32_t reason;

	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_shutdown:
		if (gva_copy(x, id, arg, &reason, 4, false))
			return -XEN_EFAULT;
		return x->shutdown ? x->shutdown(x->opaque, reason) : 0;
	default:
		return -XEN_ENOSYS;
	}
}

void xenhvm_hypercall(struct xenhvm *x, uint32_t id)
{
	struct kvm_run *run = x->cpus[id].run;
	const __u64 *p = run->xen.u.hcall.params;
	int64_t r;

	struct deferred d = { 0 };
	unsigned int i;

	if (run->xen.type != KVM_EXIT_XEN_HCALL)
		return;
	later = &d;
	pthread_mutex_lock(&x->lock);
	x->hypercalls++;
	switch (run->xen.u.hcall.input) {
	case XEN_HC_xen_version:
		r = xen_version(x, id, p[0], p[1]);
		break;
	case XEN_HC_memory_op:
		r = memory_op(x, id, p[0], p[1]);
		break;
	case XEN_HC_hvm_op:
		r = hvm_op(x, id, p[0], p[1]);
		break;
	case XEN_HC_vcpu_op:
		r = vcpu_op(x, id, p[0], p[1], p[2]);
		break;
	case XEN_HC_vm_assist:
		r = vm_assist(x, p[0], p[1]);
		break;
	case XEN_HC_event_channel_op:
		r = event_channel_op(x, id, p[0], p[1]);
		break;
	case XEN_HC_sched_op:
		r = sched_op(x, id, p[0], p[1]);
		break;
	default:
		r = -XEN_ENOSYS;
	}
	if (x->trace)
		fprintf(stderr, "xrs: vCPU %u: hypercall %llu (%#llx, %#llx, %#llx) = %lld\n", id,
			(unsigned long long)run->xen.u.hcall.input, (unsigned long long)p[0],
			(unsigned long long)p[1], (unsigned long long)p[2], (long long)r);
	pthread_mutex_unlock(&x->lock);
	later = NULL;
	for (i = 0; i < d.n; i++) {
		int e = x->vcpu_attr(x->opaque, d.target[i], &d.attr[i]);

		if (e && !r) {
			r = -XEN_EINVAL;
			if (x->trace)
				fprintf(stderr, "xrs: vCPU %u attribute %u: %s\n", d.target[i],
					d.attr[i].type, strerror(-e));
		}
	}
	run->xen.u.hcall.result = (uint64_t)r;
}
