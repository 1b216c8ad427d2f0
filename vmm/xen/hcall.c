// SPDX-License-Identifier: MIT
#include "vmm/gva.h"
#include "vmm/xen/hcall.h"
#include "vmm/xen/xen-vm.h"

uint64_t hcall_arg(const struct hcall *h, int i)
{
	return h->lm ? h->a[i] : (uint32_t)h->a[i];
}

int hcall_read(const struct hcall *h, uint64_t gva, void *buf, uint64_t len)
{
	return gva_read(h->v->cpu, h->v->vm->mem, gva, buf, len) ? -XEN_EFAULT : 0;
}

int hcall_write(const struct hcall *h, uint64_t gva, const void *buf, uint64_t len)
{
	return gva_write(h->v->cpu, h->v->vm->mem, gva, buf, len) ? -XEN_EFAULT : 0;
}
