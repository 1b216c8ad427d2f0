// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <string.h>
#include "vmm/xen/xen-vm.h"

void xen_fail(struct xen_vcpu *v, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	v->vm->ops->fail(v, why);
}

int xen_clock(struct xen_vm *x, struct xen_vcpu *v, uint64_t *ns)
{
	int r = kvm_vm_get_clock(x->kvm, ns);

	if (r && v)
		xen_fail(v, "KVM_GET_CLOCK: %s", strerror(-r));
	return r;
}

int xen_run_on(struct xen_vcpu *self, struct xen_vcpu *t, xen_task_fn fn, void *arg)
{
	return t->vm->ops->run_on(self, t, fn, arg);
}

struct xen_vcpu *xen_vcpu_at(struct xen_vm *x, uint32_t id)
{
	return x->ops->vcpu(x, id);
}

void xen_event(struct xen_vcpu *v, enum xen_event ev, uint64_t a, bool b)
{
	v->vm->ops->event(v, ev, a, b);
}
