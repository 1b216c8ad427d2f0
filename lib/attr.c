// SPDX-License-Identifier: MIT
/*
 * KVM_XEN_VCPU_SET_ATTR / GET_ATTR for the runstate types, on the user
 * backend: kvm_xen_vcpu_set_attr()'s semantics, errno for errno. Every error
 * leaves all state as it was, except a failed SET ADDR, which deactivates
 * the area exactly as KVM does.
 */
#include <errno.h>
#include <string.h>
#include "lib/internal.h"

_Static_assert(sizeof(((struct kvm_xen_vcpu_attr *)0)->u.runstate) ==
	       sizeof(struct rs_fields), "runstate attr is six u64s");

static bool is_runstate_type(uint16_t type)
{
	return type >= KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR &&
	       type <= KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST;
}

/* Bad input is refused before anything reads a clock or takes a lock. */
static int precheck(uint16_t type, const struct rs_fields *f)
{
	switch (type) {
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT:
		return rs_state_valid(f->state) ? 0 : -EINVAL;
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA:
		return rs_check_data_fields(f);
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST:
		return rs_check_adjust_fields(f);
	default:
		return 0;
	}
}

/*
 * The SETs that read the guest clock measure the derived kvmclock once
 * first, so that a KVM_SET_CLOCK since is followed (clock.h says when and
 * why). Under the VM lock, before the vCPU's spinlock: enter() never waits
 * on an ioctl. Its error is the call's, with nothing changed.
 */
static int follow_kvmclock(struct xrs_vm *vm, uint16_t type)
{
	int r;

	if (vm->clock != &clock_kvmclock_ops || type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR)
		return 0;
	r = kvmclock_sync(&vm->kvmclock);
	if (!r)
		publication_clock_moved(vm);
	return r;
}

static int set_addr(struct xrs_vcpu *v, uint64_t gpa)
{
	struct xrs_vm *vm = v->vm;
	int r;

	/* A new place: off the map until vcpu_area_place puts it there. */
	v->area_elem1 = 0;
	if (gpa == KVM_XEN_INVALID_GPA) {
		area_clear(&v->area);
		vcpu_area_point(v);
		return 0;
	}
	r = area_set(&v->area, &vm->mem, gpa,
		     atomic_load_explicit(&vm->long_mode, memory_order_relaxed));
	vcpu_area_point(v);
	if (r)
		return r;
	/* Since 6.2 KVM writes the area as soon as it is set; no accounting. */
	vcpu_write_area(v, false);
	return 0;
}

/* The guest clock (under the vCPU's lock) and the run delay (before it). */
struct sample {
	uint64_t now;
	struct steal_sample steal;
};

static int set_current(struct xrs_vcpu *v, uint64_t state, const struct sample *t)
{
	vcpu_update(v, (uint32_t)state, t->now, &t->steal);
	return 0;
}

static int set_data(struct xrs_vcpu *v, const struct rs_fields *f, const struct sample *t)
{
	int r = rs_check_data(f, t->now);
	struct steal_sample s = t->steal;

	if (r)
		return r;
	vcpu_take_sample(v, &s);
	/* No guest write: the next update refreshes the guest's copy. */
	rs_set_data(&v->rs, f, s.rd);
	v->rs.last_halt = s.halt;
	return 0;
}

static int set_adjust(struct xrs_vcpu *v, const struct rs_fields *d, const struct sample *t)
{
	int r = rs_adjust(&v->rs, d, t->now);

	if (r)
		return r;
	if (rs_state_valid(d->state))
		vcpu_update(v, (uint32_t)d->state, t->now, &t->steal);
	else
		vcpu_write_area(v, false);
	return 0;
}

static int user_set_attr(struct xrs_vcpu *v, const struct kvm_xen_vcpu_attr *attr)
{
	struct xrs_vm *vm = v->vm;
	struct sample t = { 0, { 0, 0, 0 } };
	bool sampled;
	struct rs_fields f;
	int r;

	if (!is_runstate_type(attr->type))
		return -ENOENT;
	if (!vm->steal_available)
		return -EOPNOTSUPP;
	memcpy(&f, &attr->u.runstate, sizeof(f));
	r = precheck(attr->type, &f);
	if (r)
		return r;

	pthread_mutex_lock(&vm->lock);
	r = follow_kvmclock(vm, attr->type);
	if (r) {
		pthread_mutex_unlock(&vm->lock);
		return r;
	}
	/*
	 * No syscall under the vCPU's lock: the run delay is read first (the
	 * engine takes an early sample). The clock is read under it, as KVM
	 * reads it under the vCPU's mutex: the checks see the clock and the
	 * state of one moment.
	 */
	sampled = attr->type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT ||
		  attr->type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA ||
		  (attr->type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST && rs_state_valid(f.state));
	if (sampled)
		t.steal = vcpu_sample(v);
	spin_lock(&v->lock);
	if (sampled)
		vcpu_count_sample(v);
	if (attr->type != KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR)
		t.now = vcpu_now(v);
	switch (attr->type) {
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR:
		r = set_addr(v, attr->u.gpa);
		break;
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT:
		r = set_current(v, f.state, &t);
		break;
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA:
		r = set_data(v, &f, &t);
		break;
	default:
		r = set_adjust(v, &f, &t);
		break;
	}
	/* Whatever changed, the next enter() books and publishes at once. */
	if (!r) {
		atomic_store_explicit(&v->update_due, true, memory_order_relaxed);
		vcpu_publish(v);
	}
	spin_unlock(&v->lock);
	pthread_mutex_unlock(&vm->lock);
	if (!r && attr->type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR &&
	    attr->u.gpa != KVM_XEN_INVALID_GPA)
		vcpu_area_place(v, attr->u.gpa);
	return r;
}

static int user_get_attr(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *attr)
{
	struct xrs_vm *vm = v->vm;
	struct rs_fields f;
	int r = 0;

	if (!is_runstate_type(attr->type))
		return -ENOENT;
	if (!vm->steal_available)
		return -EOPNOTSUPP;
	if (attr->type == KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST)
		return -EINVAL;

	/* No clock read: GETs never measure it. */
	pthread_mutex_lock(&vm->lock);
	spin_lock(&v->lock);
	switch (attr->type) {
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR:
		/* Unlike VCPU_INFO, an unset runstate area is ENOENT. */
		if (v->area.active)
			attr->u.gpa = v->area.gpa;
		else
			r = -ENOENT;
		break;
	case KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT:
		attr->u.runstate.state = v->rs.state;
		break;
	default:
		rs_get_data(&v->rs, &f);
		memcpy(&attr->u.runstate, &f, sizeof(f));
		break;
	}
	spin_unlock(&v->lock);
	pthread_mutex_unlock(&vm->lock);
	return r;
}

int xrs_vcpu_set_attr(struct xrs_vcpu *v, const struct kvm_xen_vcpu_attr *attr)
{
	if (!v)
		return -EINVAL;
	if (!attr)
		return -EFAULT;
	if (v->vm->backend == XRS_BACKEND_KERNEL)
		return kernel_vcpu_set_attr(v, attr);
	return user_set_attr(v, attr);
}

int xrs_vcpu_get_attr(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *attr)
{
	if (!v)
		return -EINVAL;
	if (!attr)
		return -EFAULT;
	if (v->vm->backend == XRS_BACKEND_KERNEL)
		return kernel_vcpu_get_attr(v, attr);
	return user_get_attr(v, attr);
}
