// SPDX-License-Identifier: MIT
/*
 * Where a vCPU's halted time comes from (xrs_vm_set_halt_source): KVM's
 * binary stats of its vCPU fd by default (halt.c), an injected source, or
 * none. Chosen once per vCPU, at its creation; the status says which, or
 * why there is none, for the VMM to say once.
 */
#include <errno.h>
#include "lib/internal.h"

static uint64_t kvm_stats_halted(void *opaque, const struct xrs_vcpu *v)
{
	(void)opaque;
	return halt_kvm_read(&v->halt_kvm);
}

void vcpu_halt_setup(struct xrs_vcpu *v)
{
	struct xrs_vm *vm = v->vm;

	v->halt_kvm.fd = -1;
	if (!v->user) {
		v->halt_status = -EOPNOTSUPP;	/* KVM writes the area */
		return;
	}
	switch (vm->halt_src) {
	case XRS_HALT_NONE:
		v->halt_status = -ECANCELED;
		return;
	case XRS_HALT_OPS:
		v->halted_ns = vm->halt->halted_ns;
		v->halt_opaque = vm->halt_opaque;
		v->halt_status = 0;
		return;
	case XRS_HALT_KVM_STATS:
		break;
	}
	if (v->fd < 0) {
		v->halt_status = -EBADF;
		return;
	}
	v->halt_status = halt_kvm_open(&v->halt_kvm, v->fd);
	if (!v->halt_status) {
		v->halted_ns = kvm_stats_halted;
		v->halt_kvm_source = true;
	}
}

int xrs_vm_set_halt_source(struct xrs_vm *vm, enum xrs_halt_source src,
			   const struct xrs_halt_ops *ops, void *opaque)
{
	int r = 0;

	if (!vm)
		return -EINVAL;
	switch (src) {
	case XRS_HALT_KVM_STATS:
	case XRS_HALT_NONE:
		if (ops || opaque)
			return -EINVAL;
		break;
	case XRS_HALT_OPS:
		if (!ops || !ops->halted_ns)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (vm->backend == XRS_BACKEND_KERNEL)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&vm->lock);
	if (vm->vcpus) {
		r = -EBUSY;
	} else {
		vm->halt_src = src;
		vm->halt = ops;
		vm->halt_opaque = opaque;
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}

int xrs_vcpu_get_halt_status(const struct xrs_vcpu *v, int *status)
{
	if (!v || !status)
		return -EINVAL;
	*status = v->halt_status;
	return 0;
}
