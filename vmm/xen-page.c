// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include "abi.h"
#include "xen-page.h"

int xen_write_hypercall_page(struct kvm_vm *vm, uint64_t msr_value)
{
	uint8_t *page = kvm_vm_gpa(vm, msr_value & ~(uint64_t)(G_PAGE - 1), G_PAGE);
	uint8_t stub[G_HCALL_STUB_SIZE];
	uint32_t nr;

	if (msr_value & (G_PAGE - 1))
		return -EINVAL;
	if (!page)
		return -EFAULT;
	memset(stub, 0xcc, sizeof(stub));		/* int3 */
	for (nr = 0; nr < G_PAGE / G_HCALL_STUB_SIZE; nr++) {
		stub[0] = 0xb8;				/* mov $nr, %eax */
		memcpy(stub + 1, &nr, 4);
		stub[5] = 0xe7;				/* out %eax, $G_PORT_HCALL */
		stub[6] = G_PORT_HCALL;
		stub[7] = 0xc3;				/* ret */
		memcpy(page + nr * G_HCALL_STUB_SIZE, stub, sizeof(stub));
	}
	return 0;
}
