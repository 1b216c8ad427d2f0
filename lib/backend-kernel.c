// SPDX-License-Identifier: MIT
/*
 * The kernel backend: on a host whose KVM has CONFIG_KVM_XEN and reports
 * KVM_XEN_HVM_CONFIG_RUNSTATE, every call goes straight to KVM. KVM then
 * does the accounting itself on vcpu_load/put, so enter/exit do nothing.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "lib/internal.h"

static int xioctl(int fd, unsigned long req, const void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int kernel_backend_probe(int vm_fd)
{
	int caps = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);

	return caps > 0 && (caps & KVM_XEN_HVM_CONFIG_RUNSTATE);
}

int kernel_check_extension(struct xrs_vm *vm, long cap)
{
	int r = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

int kernel_vm_set_attr(struct xrs_vm *vm, const struct kvm_xen_hvm_attr *attr)
{
	return xioctl(vm->vm_fd, KVM_XEN_HVM_SET_ATTR, attr);
}

int kernel_vm_get_attr(struct xrs_vm *vm, struct kvm_xen_hvm_attr *attr)
{
	return xioctl(vm->vm_fd, KVM_XEN_HVM_GET_ATTR, attr);
}

int kernel_vcpu_set_attr(struct xrs_vcpu *v, const struct kvm_xen_vcpu_attr *attr)
{
	return xioctl(v->fd, KVM_XEN_VCPU_SET_ATTR, attr);
}

int kernel_vcpu_get_attr(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *attr)
{
	return xioctl(v->fd, KVM_XEN_VCPU_GET_ATTR, attr);
}
