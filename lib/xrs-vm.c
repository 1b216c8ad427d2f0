// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "lib/internal.h"

static int resolve_backend(const struct xrs_vm_params *p, enum xrs_backend *out)
{
	int k = p->vm_fd >= 0 ? kernel_backend_probe(p->vm_fd) : 0;

	switch (p->backend) {
	case XRS_BACKEND_AUTO:
		*out = k ? XRS_BACKEND_KERNEL : XRS_BACKEND_USER;
		return 0;
	case XRS_BACKEND_USER:
		*out = XRS_BACKEND_USER;
		return 0;
	case XRS_BACKEND_KERNEL:
		*out = XRS_BACKEND_KERNEL;
		return k ? 0 : -EOPNOTSUPP;
	}
	return -EINVAL;
}

static int setup_clock(struct xrs_vm *vm, const struct xrs_vm_params *p)
{
	if (p->clock) {
		if (!p->clock->now_ns)
			return -EINVAL;
		vm->clock = p->clock;
		vm->clock_opaque = p->clock_opaque;
		return 0;
	}
	if (p->vm_fd < 0) {
		vm->clock = &clock_monotonic_ops;
		vm->default_clock = XRS_DEFAULT_CLOCK_MONOTONIC;
		return 0;
	}
	vm->clock = &clock_kvmclock_ops;
	vm->clock_opaque = &vm->kvmclock;
	vm->default_clock = XRS_DEFAULT_CLOCK_KVMCLOCK;
	return kvmclock_init(&vm->kvmclock, p->vm_fd);
}

int xrs_vm_create(const struct xrs_vm_params *p, struct xrs_vm **vmp)
{
	struct xrs_vm *vm;
	int r;

	if (!p || !vmp || (p->steal && !p->steal->run_delay_ns))
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->vm_fd = p->vm_fd;
	r = resolve_backend(p, &vm->backend);
	if (!r && vm->backend == XRS_BACKEND_USER)
		r = setup_clock(vm, p);
	if (r) {
		free(vm);
		return r;
	}

	pthread_mutex_init(&vm->lock, NULL);
	atomic_init(&vm->long_mode, false);
	atomic_init(&vm->update_flag, false);
	gm_init(&vm->mem);
	if (p->steal) {
		vm->steal = p->steal;
		vm->steal_opaque = p->steal_opaque;
		vm->steal_available = true;
		atomic_init(&vm->steal_interval_ns, 0);
	} else {
		vm->steal = &steal_schedstat_ops;
		vm->steal_available = steal_schedstat_available();
		atomic_init(&vm->steal_interval_ns, XRS_DEFAULT_STEAL_INTERVAL_NS);
		/* The run delay from the map instead, where the host allows it. */
		if (vm->backend == XRS_BACKEND_USER)
			vm_preempt_setup(vm);
	}
	if (!vm->preempt && !vm->preempt_source[0])
		snprintf(vm->preempt_source, sizeof(vm->preempt_source), "none (%s)",
			 vm->backend == XRS_BACKEND_USER ? "steal source injected" : "kernel backend");
	*vmp = vm;
	return 0;
}

void xrs_vm_destroy(struct xrs_vm *vm)
{
	if (!vm)
		return;
	while (vm->vcpus)
		xrs_vcpu_destroy(vm->vcpus);
	publication_close(vm);
	vm_preempt_teardown(vm);
	gm_fini(&vm->mem);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

int xrs_check_extension(struct xrs_vm *vm, long cap)
{
	if (!vm)
		return -EINVAL;
	if (vm->backend == XRS_BACKEND_KERNEL)
		return kernel_check_extension(vm, cap);
	if (cap != KVM_CAP_XEN_HVM)
		return 0;
	/* Only what libxrs implements; KVM reports nothing without sched_info. */
	return vm->steal_available ?
	       KVM_XEN_HVM_CONFIG_RUNSTATE | KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG : 0;
}

int xrs_vm_map_memory(struct xrs_vm *vm, uint64_t gpa, uint64_t size, void *hva)
{
	int r;

	if (!vm)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	r = gm_map(&vm->mem, gpa, size, hva);
	pthread_mutex_unlock(&vm->lock);
	return r;
}

int xrs_vm_set_attr(struct xrs_vm *vm, const struct kvm_xen_hvm_attr *attr)
{
	int r = 0;

	if (!vm)
		return -EINVAL;
	if (!attr)
		return -EFAULT;
	if (vm->backend == XRS_BACKEND_KERNEL)
		return kernel_vm_set_attr(vm, attr);

	switch (attr->type) {
	case KVM_XEN_ATTR_TYPE_LONG_MODE:
		/*
		 * Takes effect at the next write; the area is not rewritten.
		 * (EINVAL for nonzero exists only on 32-bit hosts.)
		 */
		pthread_mutex_lock(&vm->lock);
		atomic_store(&vm->long_mode, !!attr->u.long_mode);
		vm_settings_changed(vm);
		vm_area_repoint(vm);
		pthread_mutex_unlock(&vm->lock);
		break;
	case KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG:
		if (!vm->steal_available)
			return -EOPNOTSUPP;
		pthread_mutex_lock(&vm->lock);
		atomic_store(&vm->update_flag, !!XRS_HVM_ATTR_UPDATE_FLAG(attr));
		vm_settings_changed(vm);
		vm_area_repoint(vm);
		pthread_mutex_unlock(&vm->lock);
		break;
	default:
		r = -ENOENT;
	}
	return r;
}

int xrs_vm_get_attr(struct xrs_vm *vm, struct kvm_xen_hvm_attr *attr)
{
	if (!vm)
		return -EINVAL;
	if (!attr)
		return -EFAULT;
	if (vm->backend == XRS_BACKEND_KERNEL)
		return kernel_vm_get_attr(vm, attr);

	switch (attr->type) {
	case KVM_XEN_ATTR_TYPE_LONG_MODE:
		attr->u.long_mode = atomic_load(&vm->long_mode);
		return 0;
	case KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG:
		if (!vm->steal_available)
			return -EOPNOTSUPP;
		XRS_HVM_ATTR_UPDATE_FLAG(attr) = atomic_load(&vm->update_flag);
		return 0;
	default:
		return -ENOENT;
	}
}

void vm_settings_changed(struct xrs_vm *vm)
{
	struct xrs_vcpu *v;

	for (v = vm->vcpus; v; v = v->next) {
		atomic_store_explicit(&v->long_mode, atomic_load(&vm->long_mode),
				      memory_order_relaxed);
		atomic_store_explicit(&v->update_flag, atomic_load(&vm->update_flag),
				      memory_order_relaxed);
		atomic_store_explicit(&v->steal_interval_ns, atomic_load(&vm->steal_interval_ns),
				      memory_order_relaxed);
	}
}

int xrs_vm_set_steal_interval(struct xrs_vm *vm, uint64_t interval_ns)
{
	if (!vm || interval_ns > INT64_MAX)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	atomic_store_explicit(&vm->steal_interval_ns, interval_ns, memory_order_relaxed);
	vm_settings_changed(vm);
	publication_interval_changed(vm);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

int xrs_vm_get_info(const struct xrs_vm *vm, struct xrs_vm_info *info)
{
	if (!vm || !info)
		return -EINVAL;
	info->backend = vm->backend;
	info->steal_available = vm->steal_available;
	info->default_clock = vm->default_clock;
	info->steal_interval_ns = atomic_load_explicit(&vm->steal_interval_ns,
						       memory_order_relaxed);
	return 0;
}
