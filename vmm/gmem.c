// SPDX-License-Identifier: MIT
/*
 * Guest memory by virtual address, for hypercall arguments: each page is
 * translated through the calling vCPU's page tables and bounds-checked
 * against RAM on its own, so a buffer whose pages are not physically
 * adjacent works and one that leaves RAM is -EFAULT.
 */
#include <errno.h>
#include <string.h>
#include "vmm.h"

static int gva_access(struct vmm_vcpu *v, uint64_t gva, uint8_t *buf, uint64_t len, bool write)
{
	while (len) {
		uint64_t chunk = G_PAGE - (gva & (G_PAGE - 1)), gpa;
		uint8_t *hva;

		if (chunk > len)
			chunk = len;
		if (kvm_cpu_translate(&v->cpu, gva, &gpa))
			return -EFAULT;
		hva = kvm_vm_gpa(&v->vmm->kvm, gpa, chunk);
		if (!hva)
			return -EFAULT;
		if (write)
			memcpy(hva, buf, chunk);
		else
			memcpy(buf, hva, chunk);
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int gva_read(struct vmm_vcpu *v, uint64_t gva, void *buf, uint64_t len)
{
	return gva_access(v, gva, buf, len, false);
}

int gva_write(struct vmm_vcpu *v, uint64_t gva, const void *buf, uint64_t len)
{
	return gva_access(v, gva, (uint8_t *)(uintptr_t)buf, len, true);
}
