// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xrs/abi.h>
#include "guest/guest-abi.h"
#include "vmm/xen/hcall-page.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/xen-vm.h"
#include "xen-abi/xen-public.h"

/* Each stub: mov $nr, %eax; out %eax, $G_PORT_HCALL; ret; then int3s. */
enum {
	OP_MOV_EAX = 0xb8,	/* mov $imm32, %eax */
	OP_OUT_EAX = 0xe7,	/* out %eax, $imm8 */
	OP_RET = 0xc3,
	OP_INT3 = 0xcc,
};

int hcall_page_route(struct kvm_vm *vm, bool in_kernel, struct vmm_err *e)
{
	static uint8_t deny;	/* bitmap of one MSR, bit clear: denied, so it exits */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = KVM_MSR_EXIT_REASON_FILTER,
	};
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = 1,
			.base = XEN_HYPERCALL_MSR,
			.bitmap = &deny,
		},
	};
	struct kvm_xen_hvm_config hc = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
		.msr = XEN_HYPERCALL_MSR,
	};

	if (in_kernel) {
		/* KVM writes the page itself, with VMCALL stubs it intercepts. */
		if (ioctl(vm->fd, KVM_XEN_HVM_CONFIG, &hc) < 0)
			return err_set(e, -errno, "KVM_XEN_HVM_CONFIG: %s", strerror(errno));
		return 0;
	}
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0)
		return err_set(e, -errno, "KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
		return err_set(e, -errno, "KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
	return 0;
}

int hcall_page_write(struct guest_mem *gm, uint64_t msr_value)
{
	uint8_t *page = mem_ram(gm, msr_value & ~(uint64_t)(MEM_PAGE - 1), MEM_PAGE);
	uint8_t stub[G_HCALL_STUB_SIZE];
	uint32_t nr;

	if (msr_value & (MEM_PAGE - 1))
		return -EINVAL;
	if (!page)
		return -EFAULT;
	memset(stub, OP_INT3, sizeof(stub));
	for (nr = 0; nr < MEM_PAGE / G_HCALL_STUB_SIZE; nr++) {
		stub[0] = OP_MOV_EAX;
		memcpy(stub + 1, &nr, 4);
		stub[5] = OP_OUT_EAX;
		stub[6] = G_PORT_HCALL;
		stub[7] = OP_RET;
		memcpy(page + nr * G_HCALL_STUB_SIZE, stub, sizeof(stub));
	}
	return 0;
}

int hcall_page_msr(struct xen_vcpu *v, uint64_t value)
{
	int lm = kvm_cpu_long_mode(v->cpu);

	if (lm < 0 || hcall_page_write(v->vm->mem, value))
		return 1;
	/* As KVM does: the layout follows the mode of the vCPU that wrote the MSR. */
	atomic_store(&v->vm->long_mode, lm);
	return runstate_set_long_mode(v->vm, lm) ? 1 : 0;
}
