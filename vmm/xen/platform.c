// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vmm/xen/evtchn.h"
#include "vmm/xen/hcall.h"
#include "vmm/xen/platform.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/xen-vm.h"

/* What Linux needs from KVM's Xen support: the hypercalls, shared_info, events. */
#define NEEDED	(KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL | KVM_XEN_HVM_CONFIG_SHARED_INFO | \
		 KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL | KVM_XEN_HVM_CONFIG_EVTCHN_SEND)
#define VCPU_INFO_SIZE	64u
#define SHINFO_VCPUS	32u		/* vcpu_info slots in shared_info */

int platform_probe(struct kvm_vm *vm, struct vmm_err *e)
{
	int caps = kvm_vm_check(vm, KVM_CAP_XEN_HVM);

	if ((caps & NEEDED) != NEEDED)
		return err_set(e, -EOPNOTSUPP, "this KVM cannot carry a Xen HVM guest "
			       "(KVM_CAP_XEN_HVM %#x: a kernel without CONFIG_KVM_XEN); the "
			       "sandbox's can", caps);
	return 0;
}

int platform_init(struct xen_vm *x, struct vmm_err *e)
{
	struct kvm_xen_hvm_attr lm = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	/*
	 * EVTCHN_SEND also has KVM answer SCHEDOP_poll itself, halting the
	 * vCPU until one of the ports is raised: Linux's PV spinlocks wait so.
	 * Without it KVM turns the poll into a yield and the waiter spins.
	 */
	struct kvm_xen_hvm_config hc = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL | KVM_XEN_HVM_CONFIG_EVTCHN_SEND,
		.msr = XEN_HYPERCALL_MSR,
	};
	int r = platform_probe(x->kvm, e);

	if (r)
		return r;
	if (ioctl(x->kvm->fd, KVM_XEN_HVM_CONFIG, &hc) < 0)
		return err_set(e, -errno, "KVM_XEN_HVM_CONFIG with EVTCHN_SEND: %s",
			       strerror(errno));
	pthread_mutex_init(&x->plat.lock, NULL);
	x->plat.on = true;
	/*
	 * A 64-bit kernel that never writes the hypercall MSR (Linux no longer
	 * does): KVM's and libxrs's layouts are the 64-bit ones from the start.
	 */
	lm.u.long_mode = 1;
	if (ioctl(x->kvm->fd, KVM_XEN_HVM_SET_ATTR, &lm) < 0)
		return err_set(e, -errno, "KVM Xen LONG_MODE: %s", strerror(errno));
	atomic_store(&x->long_mode, true);
	r = runstate_set_long_mode(x, 1);
	return r ? err_set(e, r, "libxrs LONG_MODE: %s", xrs_strerror(r)) : 0;
}

int platform_vcpu_init(struct xen_vcpu *v, struct vmm_err *e)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID };

	if (!v->vm->plat.on)
		return 0;
	a.u.vcpu_id = v->id;
	if (ioctl(v->cpu->fd, KVM_XEN_VCPU_SET_ATTR, &a) < 0)
		return err_set(e, -errno, "vCPU %u: Xen vCPU id: %s", v->id, strerror(errno));
	return 0;
}

void platform_fini(struct xen_vm *x)
{
	if (x->plat.on)
		pthread_mutex_destroy(&x->plat.lock);
	x->plat.on = false;
}

uint32_t platform_features(const struct xen_vm *x, uint32_t idx)
{
	if (idx || !x->plat.on)
		return 0;
	return 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_writable_descriptor_tables |
	       1u << XENFEAT_auto_translated_physmap | 1u << XENFEAT_hvm_callback_vector |
	       1u << XENFEAT_hvm_safe_pvclock;
}

/* On @t's thread (task.h): KVM's vcpu_info for it, recorded only once KVM took it. */
static int set_vcpu_info(struct xen_vcpu *t, void *arg)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO };
	const uint64_t *gpa = arg;

	a.u.gpa = *gpa;
	if (ioctl(t->cpu->fd, KVM_XEN_VCPU_SET_ATTR, &a) < 0)
		return -errno;
	t->vcpu_info = *gpa;
	return 0;
}

/* Until it registers its own, vCPU @t's vcpu_info is its slot in shared_info. */
static int default_vcpu_info(struct xen_vcpu *t, void *arg)
{
	uint64_t gpa = *(const uint64_t *)arg + (uint64_t)t->id * VCPU_INFO_SIZE;

	return t->vcpu_info ? 0 : set_vcpu_info(t, &gpa);
}

/* XENMEM_add_to_physmap(XENMAPSPACE_shared_info): where shared_info lives. */
long platform_memory_op(struct hcall *h)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } xatp;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_SHARED_INFO };
	struct xen_vm *x = h->v->vm;
	uint64_t gpa;
	uint32_t i;
	long r = 0;

	if (!x->plat.on || hcall_arg(h, 0) != XENMEM_add_to_physmap)
		return -XEN_ENOSYS;
	if (hcall_read(h, hcall_arg(h, 1), &xatp, sizeof(xatp)))
		return -XEN_EFAULT;
	if (xatp.space != XENMAPSPACE_shared_info)
		return -XEN_ENOSYS;		/* grant tables: Linux does without */
	if (xatp.gpfn > UINT64_MAX / MEM_PAGE || !mem_ram(x->mem, xatp.gpfn * MEM_PAGE,
							   MEM_PAGE))
		return -XEN_EINVAL;
	gpa = xatp.gpfn * MEM_PAGE;
	pthread_mutex_lock(&x->plat.lock);
	a.u.shared_info.gfn = xatp.gpfn;
	if (ioctl(x->kvm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0)
		r = -XEN_EINVAL;
	else
		x->plat.shared_info = gpa;
	pthread_mutex_unlock(&x->plat.lock);
	/*
	 * KVM keeps the pvclock only where it is told, and Linux reads vCPU
	 * 0's at once: each of the first 32 gets its slot until it registers
	 * its own, set on its own thread.
	 */
	for (i = 0; !r && i < x->nr_vcpus && i < SHINFO_VCPUS; i++)
		if (xen_run_on(h->v, xen_vcpu_at(x, i), default_vcpu_info, &gpa))
			r = -XEN_EINVAL;
	return r;
}

/* VCPUOP_register_vcpu_info: { mfn, offset, rsvd }, the 64 bytes in one page of RAM. */
long platform_register_vcpu_info(struct hcall *h, struct xen_vcpu *t, uint64_t arg)
{
	struct { uint64_t mfn; uint32_t offset, rsvd; } vi;
	struct xen_vm *x = h->v->vm;
	uint64_t gpa;

	if (!x->plat.on)
		return -XEN_ENOSYS;
	if (hcall_read(h, arg, &vi, sizeof(vi)))
		return -XEN_EFAULT;
	if (vi.offset > MEM_PAGE - VCPU_INFO_SIZE || vi.mfn > UINT64_MAX / MEM_PAGE - 1)
		return -XEN_EINVAL;
	gpa = vi.mfn * MEM_PAGE + vi.offset;
	if (!mem_ram(x->mem, gpa, VCPU_INFO_SIZE))
		return -XEN_EINVAL;
	return xen_run_on(h->v, t, set_vcpu_info, &gpa) ? -XEN_EINVAL : 0;
}

/* HVMOP_set_param(HVM_PARAM_CALLBACK_IRQ, vector): the upcall vector. */
long platform_hvm_op(struct hcall *h)
{
	struct { uint16_t domid, pad; uint32_t index; uint64_t value; } p;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_UPCALL_VECTOR };
	struct xen_vm *x = h->v->vm;
	uint64_t cmd = hcall_arg(h, 0);

	if (!x->plat.on || (cmd != HVMOP_set_param && cmd != HVMOP_get_param))
		return -XEN_ENOSYS;
	if (hcall_read(h, hcall_arg(h, 1), &p, sizeof(p)))
		return -XEN_EFAULT;
	if (cmd == HVMOP_get_param)
		return -XEN_EINVAL;		/* no xenstore, no console ring */
	if (p.index != HVM_PARAM_CALLBACK_IRQ || p.value >> 56 != HVM_PARAM_CALLBACK_TYPE_VECTOR ||
	    (uint8_t)p.value < 0x10)
		return -XEN_EINVAL;
	a.u.vector = (uint8_t)p.value;
	return ioctl(x->kvm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0 ? -XEN_EINVAL : 0;
}

int platform_save(struct xen_vm *x, struct xen_platform_saved *s)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_UPCALL_VECTOR };

	memset(s, 0, sizeof(*s));
	if (!x->plat.on)
		return 0;
	if (ioctl(x->kvm->fd, KVM_XEN_HVM_GET_ATTR, &a) < 0)
		return -errno;
	s->on = true;
	s->upcall_vector = a.u.vector;
	pthread_mutex_lock(&x->plat.lock);
	s->shared_info = x->plat.shared_info;
	memcpy(s->ports, x->plat.ports, sizeof(s->ports));
	pthread_mutex_unlock(&x->plat.lock);
	return 0;
}

int platform_restore(struct xen_vm *x, const struct xen_platform_saved *s)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_SHARED_INFO };

	if (!s->on)
		return 0;
	if (!x->plat.on)
		return -EINVAL;		/* a VM made otherwise */
	if (s->shared_info) {
		a.u.shared_info.gfn = s->shared_info / MEM_PAGE;
		if (ioctl(x->kvm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0)
			return -errno;
	}
	if (s->upcall_vector) {
		a.type = KVM_XEN_ATTR_TYPE_UPCALL_VECTOR;
		a.u.vector = s->upcall_vector;
		if (ioctl(x->kvm->fd, KVM_XEN_HVM_SET_ATTR, &a) < 0)
			return -errno;
	}
	pthread_mutex_lock(&x->plat.lock);
	x->plat.shared_info = s->shared_info;
	memcpy(x->plat.ports, s->ports, sizeof(x->plat.ports));
	pthread_mutex_unlock(&x->plat.lock);
	return evtchn_route_all(x);
}

int platform_save_vcpu(struct xen_vcpu *v, struct xen_platform_vcpu_saved *s)
{
	memset(s, 0, sizeof(*s));
	if (!v->vm->plat.on)
		return 0;
	s->vcpu_info = v->vcpu_info;
	s->timer.type = KVM_XEN_VCPU_ATTR_TYPE_TIMER;
	return ioctl(v->cpu->fd, KVM_XEN_VCPU_GET_ATTR, &s->timer) < 0 ? -errno : 0;
}

/* On @t's thread (task.h), the VM's clock restored: its vcpu_info and timer. */
static int restore_vcpu_task(struct xen_vcpu *t, void *arg)
{
	const struct xen_platform_vcpu_saved *s = arg;
	int r = 0;

	if (s->vcpu_info)
		r = set_vcpu_info(t, (void *)&s->vcpu_info);
	if (!r && s->timer.u.timer.port &&
	    ioctl(t->cpu->fd, KVM_XEN_VCPU_SET_ATTR, &s->timer) < 0)
		r = -errno;
	return r;
}

int platform_restore_vcpu(struct xen_vcpu *v, const struct xen_platform_vcpu_saved *s)
{
	if (!v->vm->plat.on)
		return 0;
	return xen_run_on(NULL, v, restore_vcpu_task, (void *)s);
}
