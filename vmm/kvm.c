// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xrs/abi.h>
#include "abi.h"
#include "guest-image.h"
#include "kvm.h"

/* Page-table entry bits. */
#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_PS		(1ull << 7)

/* Long mode: PE MP ET NE WP AM PG; PAE OSFXSR OSXMMEXCPT; LME LMA. */
#define CR0_LONG	0x80050033ull
#define CR4_LONG	0x620ull
#define EFER_LONG	0x500ull
/* 32-bit protected mode with 4 MiB pages: PE ET PG; PSE. */
#define CR0_PROT32	0x80000011ull
#define CR4_PROT32	0x10ull
#define EFER_LMA	(1ull << 10)

static int fail(struct kvm_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
	return err;
}

uint64_t guest_ram_min(uint32_t nr_vcpus)
{
	return G_PERCPU + (uint64_t)nr_vcpus * G_PERCPU_SIZE;
}

void *kvm_vm_gpa(struct kvm_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

static void put64(struct kvm_vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->ram + gpa, &v, sizeof(v));
}

static void put32(struct kvm_vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm->ram + gpa, &v, sizeof(v));
}

/*
 * Identity map the first GiB with large pages, except the last large page,
 * which a 4 KiB table maps: identity too, but for G_WINDOW_VA's two pages.
 */
static void build_page_tables(struct kvm_vm *vm)
{
	const uint64_t pml4 = G_PAGETABLES, pdpt = pml4 + G_PAGE, pd = pdpt + G_PAGE;
	const uint64_t pt = pd + G_PAGE;
	uint64_t i;

	if (vm->bits == 64) {
		put64(vm, pml4, pdpt | PTE_P | PTE_RW);
		put64(vm, pdpt, pd | PTE_P | PTE_RW);
		for (i = 0; i < 511; i++)
			put64(vm, pd + i * 8, (i << 21) | PTE_P | PTE_RW | PTE_PS);
		put64(vm, pd + 511 * 8, pt | PTE_P | PTE_RW);
		for (i = 0; i < 512; i++)
			put64(vm, pt + i * 8, (G_WINDOW_VA + (i << 12)) | PTE_P | PTE_RW);
		put64(vm, pt, G_WINDOW_PA0 | PTE_P | PTE_RW);
		put64(vm, pt + 8, G_WINDOW_PA1 | PTE_P | PTE_RW);
	} else {
		const uint64_t pd32 = G_PAGETABLES, pt32 = pd32 + G_PAGE;
		const uint64_t first = (G_WINDOW_VA & ~0x3fffffull), win = (G_WINDOW_VA - first) >> 12;

		for (i = 0; i < 255; i++)
			put32(vm, pd32 + i * 4, (uint32_t)((i << 22) | PTE_P | PTE_RW | PTE_PS));
		put32(vm, pd32 + 255 * 4, (uint32_t)(pt32 | PTE_P | PTE_RW));
		for (i = 0; i < 1024; i++)
			put32(vm, pt32 + i * 4, (uint32_t)((first + (i << 12)) | PTE_P | PTE_RW));
		put32(vm, pt32 + win * 4, G_WINDOW_PA0 | PTE_P | PTE_RW);
		put32(vm, pt32 + (win + 1) * 4, G_WINDOW_PA1 | PTE_P | PTE_RW);
	}
}

/*
 * A GDT matching the segments KVM_SET_SREGS loads, so that an IRET (from a
 * guest's exception handler) finds valid descriptors: 0x08 code (64-bit, or
 * 32-bit), 0x10 flat data.
 */
static void build_gdt(struct kvm_vm *vm)
{
	put64(vm, G_GDT, 0);
	put64(vm, G_GDT + 8, vm->bits == 64 ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull);
	put64(vm, G_GDT + 16, 0x00cf93000000ffffull);
}

/*
 * KVM's supported CPUID with Xen's hypervisor leaves in place of KVM's:
 * 0x40000000 signature, 0x40000001 version 4.18, 0x40000002 one hypercall
 * page at MSR 0x40000000.
 */
static int setup_cpuid(struct kvm_vm *vm)
{
	struct kvm_cpuid2 *c;
	uint32_t i, n = 0;
	int nent = 256;

	c = calloc(1, sizeof(*c) + (size_t)(nent + 3) * sizeof(c->entries[0]));
	if (!c)
		return fail(vm, -ENOMEM, "out of memory");
	c->nent = (uint32_t)nent;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return fail(vm, -errno, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	}
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function >= 0x40000000 && e->function < 0x40010000)
			continue;
		/* Without an in-kernel APIC the guest must not rely on x2APIC. */
		if (e->function == 1)
			e->ecx &= ~(1u << 21);
		c->entries[n++] = *e;
	}
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000000, .eax = 0x40000002,
		.ebx = 0x566e6558, .ecx = 0x65584d4d, .edx = 0x4d4d566e,
	};
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0x00040012 };
	c->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000002, .eax = 1, .ebx = XEN_HYPERCALL_MSR,
	};
	c->nent = n;
	vm->cpuid = c;
	return 0;
}

/* WRMSR/RDMSR of the Xen MSR exit to user space; every other MSR is KVM's. */
static int setup_msr_filter(struct kvm_vm *vm)
{
	static uint8_t deny;	/* bitmap of one MSR, bit clear: denied */
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

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0)
		return fail(vm, -errno, "KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter) < 0)
		return fail(vm, -errno, "KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
	return 0;
}

int kvm_vm_xen_in_kernel(struct kvm_vm *vm)
{
	struct kvm_msr_filter none = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	struct kvm_xen_hvm_config hc = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
		.msr = XEN_HYPERCALL_MSR,
	};

	/* KVM writes the hypercall page itself, with VMCALL stubs it intercepts. */
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &none) < 0)
		return fail(vm, -errno, "KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_XEN_HVM_CONFIG, &hc) < 0)
		return fail(vm, -errno, "KVM_XEN_HVM_CONFIG: %s", strerror(errno));
	return 0;
}

static int load_image(struct kvm_vm *vm)
{
	const struct guest_image *img = vm->bits == 64 ? &guest_image_64 : &guest_image_32;

	if (img->size > G_IMAGE_MAX)
		return fail(vm, -E2BIG, "guest image of %zu bytes", img->size);
	memcpy(vm->ram + G_IMAGE, img->data, img->size);
	return 0;
}

int kvm_vm_open(struct kvm_vm *vm, const struct kvm_vm_config *cfg)
{
	struct kvm_userspace_memory_region mem = { 0 };
	const char *dev = cfg->dev ? cfg->dev : "/dev/kvm";
	int r, api;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->fd = vm->memfd = -1;
	vm->bits = cfg->bits;
	if (cfg->bits != 64 && cfg->bits != 32)
		return fail(vm, -EINVAL, "guest width %d (64 or 32)", cfg->bits);
	if (cfg->ram_size < guest_ram_min(cfg->nr_vcpus) || cfg->ram_size & (G_PAGE - 1) ||
	    cfg->ram_size > (1ull << 30))
		return fail(vm, -EINVAL, "RAM size %llu: at least %llu, at most 1 GiB, in pages",
			    (unsigned long long)cfg->ram_size,
			    (unsigned long long)guest_ram_min(cfg->nr_vcpus));

	vm->kvm_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail(vm, -errno, "%s: %s", dev, strerror(errno));
	api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		r = fail(vm, -ENOTSUP, "KVM API version %d, need %d", api, KVM_API_VERSION);
		goto err;
	}
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		r = fail(vm, -errno, "KVM_CREATE_VM: %s", strerror(errno));
		goto err;
	}
	r = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		r = fail(vm, -errno, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto err;
	}
	vm->run_size = (size_t)r;
	vm->sync_regs = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) > 0;

	vm->ram_size = cfg->ram_size;
	vm->memfd = memfd_create("xrs-guest-ram", MFD_CLOEXEC);
	if (vm->memfd < 0 || ftruncate(vm->memfd, (off_t)vm->ram_size) < 0) {
		r = fail(vm, -errno, "guest RAM (memfd of %llu bytes): %s",
			 (unsigned long long)vm->ram_size, strerror(errno));
		goto err;
	}
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->memfd, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		r = fail(vm, -errno, "mmap of %llu bytes of RAM: %s",
			 (unsigned long long)vm->ram_size, strerror(errno));
		goto err;
	}
	mem.memory_size = vm->ram_size;
	mem.userspace_addr = (uint64_t)(uintptr_t)vm->ram;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mem) < 0) {
		r = fail(vm, -errno, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto err;
	}

	r = load_image(vm);
	if (!r)
		r = setup_cpuid(vm);
	if (!r)
		r = setup_msr_filter(vm);
	if (r)
		goto err;
	build_page_tables(vm);
	build_gdt(vm);
	return 0;
err:
	kvm_vm_close(vm);
	return r;
}

void kvm_vm_close(struct kvm_vm *vm)
{
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->memfd >= 0)
		close(vm->memfd);
	free(vm->cpuid);
	vm->ram = NULL;
	vm->cpuid = NULL;
	vm->fd = vm->kvm_fd = vm->memfd = -1;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = code64 ? 0 : 1, .s = 1,
		.l = code64, .g = 1,
	};
}

static int setup_registers(struct kvm_cpu *c)
{
	struct kvm_vm *vm = c->vm;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	const bool lm = vm->bits == 64;

	if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0)
		return fail(vm, -errno, "KVM_GET_SREGS: %s", strerror(errno));
	flat_segment(&sregs.cs, 0x08, 11, lm);
	flat_segment(&sregs.ds, 0x10, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = lm ? CR0_LONG : CR0_PROT32;
	sregs.cr4 = lm ? CR4_LONG : CR4_PROT32;
	sregs.cr3 = G_PAGETABLES;
	sregs.efer = lm ? EFER_LONG : 0;
	sregs.gdt.base = G_GDT;
	sregs.gdt.limit = 3 * 8 - 1;
	if (ioctl(c->fd, KVM_SET_SREGS, &sregs) < 0)
		return fail(vm, -errno, "KVM_SET_SREGS: %s", strerror(errno));

	regs.rip = G_IMAGE;
	regs.rsp = G_PERCPU_STACK_TOP(c->id);
	regs.rflags = 0x2;
	if (lm) {
		regs.rdi = G_BOOTINFO;
		regs.rsi = c->id;
	} else {
		regs.rax = G_BOOTINFO;
		regs.rdx = c->id;
	}
	if (ioctl(c->fd, KVM_SET_REGS, &regs) < 0)
		return fail(vm, -errno, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

int kvm_cpu_open(struct kvm_vm *vm, struct kvm_cpu *c, uint32_t id)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->id = id;
	c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (c->fd < 0)
		return fail(vm, -errno, "KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		r = fail(vm, -errno, "mmap of kvm_run: %s", strerror(errno));
		goto err;
	}
	if (ioctl(c->fd, KVM_SET_CPUID2, vm->cpuid) < 0) {
		r = fail(vm, -errno, "KVM_SET_CPUID2: %s", strerror(errno));
		goto err;
	}
	r = setup_registers(c);
	if (r)
		goto err;
	return 0;
err:
	kvm_cpu_close(c);
	return r;
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
	return ioctl(c->fd, KVM_GET_REGS, regs) < 0 ? -errno : 0;
}

int kvm_cpu_set_regs(struct kvm_cpu *c, const struct kvm_regs *regs)
{
	if (c->vm->sync_regs) {
		c->run->s.regs.regs = *regs;
		c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(c->fd, KVM_SET_REGS, regs) < 0 ? -errno : 0;
}

int kvm_cpu_long_mode(struct kvm_cpu *c)
{
	struct kvm_sregs sregs;

	if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	return !!(sregs.efer & EFER_LMA);
}

int kvm_cpu_translate(struct kvm_cpu *c, uint64_t gva, uint64_t *gpa)
{
	struct kvm_translation tr = { .linear_address = gva };

	if (ioctl(c->fd, KVM_TRANSLATE, &tr) < 0)
		return -errno;
	if (!tr.valid)
		return -EFAULT;
	*gpa = tr.physical_address;
	return 0;
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
