// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/ioctl.h>
#include "vmm/xen/evtchn.h"
#include "vmm/xen/hcall.h"
#include "vmm/xen/xen-vm.h"

/* 2-level event channels in shared_info (64-bit layout). */
#define SHINFO_PENDING		0x800
#define SHINFO_MASK		0xa00
#define PRIO			KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL

/* A free port for @vcpu, or -XEN_ENOSPC. Platform lock held. */
static int alloc_port(struct xen_platform *x, uint8_t type, uint32_t vcpu, uint32_t virq)
{
	int p;

	for (p = 1; p < XEN_MAX_PORTS; p++)
		if (x->ports[p].type == XEN_PORT_FREE) {
			x->ports[p] = (struct xen_port){ .type = type, .vcpu = vcpu, .virq = virq };
			return p;
		}
	return -XEN_ENOSPC;
}

/* Is @virq bound on @vcpu already? Platform lock held. */
static bool virq_bound(const struct xen_platform *x, uint32_t virq, uint32_t vcpu)
{
	int p;

	for (p = 1; p < XEN_MAX_PORTS; p++)
		if (x->ports[p].type == XEN_PORT_VIRQ && x->ports[p].virq == virq &&
		    x->ports[p].vcpu == vcpu)
			return true;
	return false;
}

static void free_port(struct xen_platform *x, int port)
{
	pthread_mutex_lock(&x->lock);
	x->ports[port].type = XEN_PORT_FREE;
	pthread_mutex_unlock(&x->lock);
}

/* An IPI port: KVM delivers the guest's EVTCHNOP_send itself. Platform lock held. */
static int route_ipi(struct xen_vm *x, uint32_t port, uint32_t vcpu, uint32_t flags)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_EVTCHN };

	a.u.evtchn.send_port = port;
	a.u.evtchn.type = EVTCHNSTAT_ipi;
	a.u.evtchn.flags = flags;
	a.u.evtchn.deliver.port.port = port;
	a.u.evtchn.deliver.port.vcpu = vcpu;
	a.u.evtchn.deliver.port.priority = PRIO;
	return ioctl(x->kvm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0 ? -errno : 0;
}

/* On the vCPU's own thread (task.h): its Xen timer raises @arg's port. */
static int set_timer_port(struct xen_vcpu *t, void *arg)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_TIMER };

	a.u.timer.port = *(const uint32_t *)arg;
	a.u.timer.priority = PRIO;
	return ioctl(t->cpu->fd, KVM_XEN_VCPU_SET_ATTR, &a) < 0 ? -errno : 0;
}

/* EVTCHNOP_bind_virq: { virq, vcpu, port (out) }. */
static long bind_virq(struct hcall *h, uint64_t arg)
{
	struct { uint32_t virq, vcpu, port; } b;
	struct xen_vm *x = h->v->vm;
	int port;

	if (hcall_read(h, arg, &b, sizeof(b)))
		return -XEN_EFAULT;
	if (b.virq >= XEN_NR_VIRQS)
		return -XEN_EINVAL;
	if (b.vcpu >= x->nr_vcpus)
		return -XEN_ENOENT;
	pthread_mutex_lock(&x->plat.lock);
	port = virq_bound(&x->plat, b.virq, b.vcpu) ? -XEN_EEXIST :
		alloc_port(&x->plat, XEN_PORT_VIRQ, b.vcpu, b.virq);
	pthread_mutex_unlock(&x->plat.lock);
	if (port < 0)
		return port;
	b.port = (uint32_t)port;
	if ((b.virq == VIRQ_TIMER &&
	     xen_run_on(h->v, xen_vcpu_at(x, b.vcpu), set_timer_port, &b.port)) ||
	    hcall_write(h, arg, &b, sizeof(b))) {
		free_port(&x->plat, port);
		return -XEN_EINVAL;
	}
	return 0;
}

/* EVTCHNOP_bind_ipi: { vcpu, port (out) }. */
static long bind_ipi(struct hcall *h, uint64_t arg)
{
	struct { uint32_t vcpu, port; } b;
	struct xen_vm *x = h->v->vm;
	int port, r;

	if (hcall_read(h, arg, &b, sizeof(b)))
		return -XEN_EFAULT;
	if (b.vcpu >= x->nr_vcpus)
		return -XEN_ENOENT;
	pthread_mutex_lock(&x->plat.lock);
	port = alloc_port(&x->plat, XEN_PORT_IPI, b.vcpu, 0);
	r = port < 0 ? port : route_ipi(x, (uint32_t)port, b.vcpu, 0);
	if (port > 0 && r)
		x->plat.ports[port].type = XEN_PORT_FREE;
	pthread_mutex_unlock(&x->plat.lock);
	if (port < 0)
		return port;
	if (r)
		return -XEN_EINVAL;
	b.port = (uint32_t)port;
	if (hcall_write(h, arg, &b, sizeof(b))) {
		pthread_mutex_lock(&x->plat.lock);
		route_ipi(x, (uint32_t)port, 0, KVM_XEN_EVTCHN_DEASSIGN);
		x->plat.ports[port].type = XEN_PORT_FREE;
		pthread_mutex_unlock(&x->plat.lock);
		return -XEN_EFAULT;
	}
	return 0;
}

/* Raise @port to its vCPU through KVM. Platform lock held. */
static long send(struct xen_vm *x, uint32_t port)
{
	struct kvm_irq_routing_xen_evtchn e = {
		.port = port, .vcpu = x->plat.ports[port].vcpu, .priority = PRIO,
	};

	return ioctl(x->kvm->fd, KVM_XEN_HVM_EVTCHN_SEND, &e) < 0 ? -XEN_EINVAL : 0;
}

/*
 * EVTCHNOP_unmask: Xen clears the mask bit and, if the port is pending,
 * raises it to its vCPU. Raising is KVM's: the pending bit is cleared and
 * the port sent again, so that KVM sets the selector bit and the upcall and
 * kicks the vCPU out of its halt. Platform lock held.
 */
static void unmask(struct xen_vm *x, uint32_t port)
{
	uint64_t bit = 1ull << (port % 64), *pending, *mask;
	uint64_t word = x->plat.shared_info + (port / 64) * sizeof(uint64_t);

	if (!x->plat.shared_info)
		return;
	pending = mem_ram(x->mem, word + SHINFO_PENDING, sizeof(uint64_t));
	mask = mem_ram(x->mem, word + SHINFO_MASK, sizeof(uint64_t));
	if (!pending || !mask)
		return;
	__atomic_fetch_and(mask, ~bit, __ATOMIC_SEQ_CST);
	if (__atomic_fetch_and(pending, ~bit, __ATOMIC_SEQ_CST) & bit)
		send(x, port);
}

/* close, send, unmask, bind_vcpu: on a bound port named first in the argument. */
static long on_port(struct hcall *h, uint64_t cmd, uint64_t arg)
{
	struct { uint32_t port, vcpu; } p;
	struct xen_vm *x = h->v->vm;
	struct xen_port *xp;
	long r = 0;

	if (hcall_read(h, arg, &p, cmd == EVTCHNOP_bind_vcpu ? sizeof(p) : sizeof(p.port)))
		return -XEN_EFAULT;
	if (p.port == 0 || p.port >= XEN_MAX_PORTS)
		return -XEN_EINVAL;
	if (cmd == EVTCHNOP_bind_vcpu && p.vcpu >= x->nr_vcpus)
		return -XEN_ENOENT;
	pthread_mutex_lock(&x->plat.lock);
	xp = &x->plat.ports[p.port];
	if (xp->type == XEN_PORT_FREE) {
		r = -XEN_EINVAL;
	} else if (cmd == EVTCHNOP_close) {
		if (xp->type == XEN_PORT_IPI)
			route_ipi(x, p.port, 0, KVM_XEN_EVTCHN_DEASSIGN);
		xp->type = XEN_PORT_FREE;
	} else if (cmd == EVTCHNOP_send) {	/* one KVM did not take in the kernel */
		r = send(x, p.port);
	} else if (cmd == EVTCHNOP_unmask) {
		unmask(x, p.port);
	} else {
		xp->vcpu = p.vcpu;
		if (xp->type == XEN_PORT_IPI)
			route_ipi(x, p.port, p.vcpu, KVM_XEN_EVTCHN_UPDATE);
	}
	pthread_mutex_unlock(&x->plat.lock);
	return r;
}

long evtchn_op(struct hcall *h)
{
	uint64_t cmd = hcall_arg(h, 0), arg = hcall_arg(h, 1);

	if (!h->v->vm->plat.on)
		return -XEN_ENOSYS;
	switch (cmd) {
	case EVTCHNOP_bind_virq:
		return bind_virq(h, arg);
	case EVTCHNOP_bind_ipi:
		return bind_ipi(h, arg);
	case EVTCHNOP_close:
	case EVTCHNOP_send:
	case EVTCHNOP_unmask:
	case EVTCHNOP_bind_vcpu:
		return on_port(h, cmd, arg);
	default:
		return -XEN_ENOSYS;
	}
}

int evtchn_route_all(struct xen_vm *x)
{
	uint32_t p;
	int r = 0;

	pthread_mutex_lock(&x->plat.lock);
	for (p = 1; p < XEN_MAX_PORTS && !r; p++)
		if (x->plat.ports[p].type == XEN_PORT_IPI)
			r = route_ipi(x, p, x->plat.ports[p].vcpu, 0);
	pthread_mutex_unlock(&x->plat.lock);
	return r;
}
