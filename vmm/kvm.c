// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xrs/abi.h>
#include "vmm/kvm.h"

#define EFER_LMA	(1ull << 10)

static int ioctl_err(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

int kvm_vm_open(struct kvm_vm *vm, const char *dev, struct vmm_err *e)
{
	int r, api;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->fd = -1;
	dev = dev ? dev : "/dev/kvm";
	vm->kvm_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return err_set(e, -errno, "%s: %s", dev, strerror(errno));
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		r = err_set(e, -ENOTSUP, "KVM API version %d, need %d", api, KVM_API_VERSION);
		goto err;
	}
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		r = err_set(e, -errno, "KVM_CREATE_VM: %s", strerror(errno));
		goto err;
	}
	r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		r = err_set(e, -errno, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto err;
	}
	vm->run_size = (size_t)r;
	vm->sync_regs = kvm_vm_check(vm, KVM_CAP_SYNC_REGS) > 0;
	return 0;
err:
	kvm_vm_close(vm);
	return r;
}

void kvm_vm_close(struct kvm_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->fd = vm->kvm_fd = -1;
}

int kvm_vm_check(struct kvm_vm *vm, long cap)
{
	int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);

	return r > 0 ? r : 0;
}

int kvm_vm_set_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		       void *hva, struct vmm_err *e)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return err_set(e, -errno, "KVM_SET_USER_MEMORY_REGION slot %u at %#llx: %s", slot,
			       (unsigned long long)gpa, strerror(errno));
	return 0;
}

int kvm_vm_get_clock(struct kvm_vm *vm, uint64_t *ns)
{
	struct kvm_clock_data d = { 0 };
	int r = ioctl_err(vm->fd, KVM_GET_CLOCK, &d);

	if (!r)
		*ns = d.clock;
	return r;
}

int kvm_vm_set_clock(struct kvm_vm *vm, uint64_t ns)
{
	struct kvm_clock_data d = { .clock = ns };

	return ioctl_err(vm->fd, KVM_SET_CLOCK, &d);
}

int kvm_cpu_open(struct kvm_vm *vm, struct kvm_cpu *c, uint32_t id, struct vmm_err *e)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->id = id;
	c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (c->fd < 0)
		return err_set(e, -errno, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		int r = err_set(e, -errno, "mmap of kvm_run: %s", strerror(errno));

		c->run = NULL;
		kvm_cpu_close(c);
		return r;
	}
	return 0;
}

void kvm_cpu_close(struct kvm_cpu *c)
{
	if (c->run)
		munmap(c->run, c->vm->run_size);
	if (c->fd >= 0)
		close(c->fd);
	c->run = NULL;
	c->fd = -1;
}

int kvm_cpu_run(struct kvm_cpu *c)
{
	if (c->vm->sync_regs)
		c->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return ioctl(c->fd, KVM_RUN, 0) < 0 ? -errno : 0;
}

int kvm_cpu_get_regs(struct kvm_cpu *c, struct kvm_regs *regs)
{
	if (c->vm->sync_regs) {
		*regs = c->run->s.regs.regs;
		return 0;
	}
	return ioctl_err(c->fd, KVM_GET_REGS, regs);
}

int kvm_cpu_read_regs(struct kvm_cpu *c, struct kvm_regs *regs)
{
	return ioctl_err(c->fd, KVM_GET_REGS, regs);
}

int kvm_cpu_set_regs(struct kvm_cpu *c, const struct kvm_regs *regs)
{
	if (c->vm->sync_regs) {
		c->run->s.regs.regs = *regs;
		c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl_err(c->fd, KVM_SET_REGS, (void *)regs);
}

int kvm_cpu_get_sregs(struct kvm_cpu *c, struct kvm_sregs *sregs)
{
	return ioctl_err(c->fd, KVM_GET_SREGS, sregs);
}

int kvm_cpu_set_sregs(struct kvm_cpu *c, const struct kvm_sregs *sregs)
{
	return ioctl_err(c->fd, KVM_SET_SREGS, (void *)sregs);
}

int kvm_cpu_get_mp_state(struct kvm_cpu *c, uint32_t *mp_state)
{
	struct kvm_mp_state mp;
	int r = ioctl_err(c->fd, KVM_GET_MP_STATE, &mp);

	if (!r)
		*mp_state = mp.mp_state;
	return r;
}

int kvm_cpu_set_cpuid(struct kvm_cpu *c, const struct kvm_cpuid2 *cpuid)
{
	return ioctl_err(c->fd, KVM_SET_CPUID2, (void *)cpuid);
}

/* KVM_GET_MSRS / KVM_SET_MSRS of one entry: they return how many were done. */
static int one_msr(struct kvm_cpu *c, unsigned long req, uint32_t index, uint64_t *value)
{
	uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) / 8] = { 0 };
	struct kvm_msrs *msrs = (struct kvm_msrs *)buf;
	int r;

	msrs->nmsrs = 1;
	msrs->entries[0].index = index;
	msrs->entries[0].data = *value;
	r = ioctl(c->fd, req, msrs);
	if (r < 0)
		return -errno;
	if (r != 1)
		return -EINVAL;
	*value = msrs->entries[0].data;
	return 0;
}

int kvm_cpu_get_msr(struct kvm_cpu *c, uint32_t index, uint64_t *value)
{
	*value = 0;
	return one_msr(c, KVM_GET_MSRS, index, value);
}

int kvm_cpu_set_msr(struct kvm_cpu *c, uint32_t index, uint64_t value)
{
	return one_msr(c, KVM_SET_MSRS, index, &value);
}

int kvm_cpu_long_mode(struct kvm_cpu *c)
{
	struct kvm_sregs sregs;
	int r = kvm_cpu_get_sregs(c, &sregs);

	return r ? r : !!(sregs.efer & EFER_LMA);
}

int kvm_cpu_translate(struct kvm_cpu *c, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation tr = { .linear_address = gva };

	if (ioctl(c->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
}

uint32_t kvm_cpu_io_value(const struct kvm_cpu *c)
{
	const struct kvm_run *run = c->run;
	uint32_t v = 0;

	memcpy(&v, (const uint8_t *)run + run->io.data_offset,
	       run->io.size < sizeof(v) ? run->io.size : sizeof(v));
	return v;
}

const char *kvm_exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "unknown", [KVM_EXIT_EXCEPTION] = "exception",
		[KVM_EXIT_IO] = "io", [KVM_EXIT_HYPERCALL] = "hypercall",
		[KVM_EXIT_DEBUG] = "debug", [KVM_EXIT_HLT] = "hlt",
		[KVM_EXIT_MMIO] = "mmio", [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
		[KVM_EXIT_SHUTDOWN] = "shutdown (triple fault)",
		[KVM_EXIT_FAIL_ENTRY] = "fail_entry", [KVM_EXIT_INTR] = "intr",
		[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
		[KVM_EXIT_SYSTEM_EVENT] = "system_event",
		[KVM_EXIT_X86_RDMSR] = "rdmsr", [KVM_EXIT_X86_WRMSR] = "wrmsr",
		[KVM_EXIT_XEN] = "xen",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "other";
}
