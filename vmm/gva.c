// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "vmm/gva.h"

static int gva_access(struct kvm_cpu *c, const struct guest_mem *gm, uint64_t gva,
		      uint8_t *buf, uint64_t len, bool write)
{
	while (len) {
		uint64_t chunk = MEM_PAGE - (gva & (MEM_PAGE - 1)), gpa;
		uint8_t *hva;

		if (chunk > len)
			chunk = len;
		if (kvm_cpu_translate(c, gva, &gpa))
			return -EFAULT;
		hva = mem_ram(gm, gpa, chunk);
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

int gva_read(struct kvm_cpu *c, const struct guest_mem *gm, uint64_t gva, void *buf,
	     uint64_t len)
{
	return gva_access(c, gm, gva, buf, len, false);
}

int gva_write(struct kvm_cpu *c, const struct guest_mem *gm, uint64_t gva, const void *buf,
	      uint64_t len)
{
	return gva_access(c, gm, gva, (uint8_t *)(uintptr_t)buf, len, true);
}
