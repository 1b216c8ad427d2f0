// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "guest/guest-abi.h"
#include "tests/common/fake-ioctl.h"
#include "tests/common/fake-kvm.h"
#include "vmm/xen/hypercall.h"

#define FAKE_KVM_DEV	"/dev/null"
#define RUN_SIZE	(3 * 4096)
#define EFER_LMA	(1ull << 10)

struct fake_kvm fake_kvm = {
	.clock_ns = 1000000000ull,
	.xen_caps = FAKE_KVM_XEN_CAPS,
};

static struct fake_kvm_fd *fake(int fd)
{
	int i;

	for (i = 0; i < fake_kvm.nr_fds; i++)
		if (fake_kvm.fds[i].fd == fd)
			return &fake_kvm.fds[i];
	return NULL;
}

static int new_fd(bool vcpu)
{
	int fd = open(FAKE_KVM_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 || fake_kvm.nr_fds == FAKE_KVM_MAX_FDS) {
		if (fd >= 0)
			close(fd);
		errno = EMFILE;
		return -1;
	}
	fake_kvm.fds[fake_kvm.nr_fds++] = (struct fake_kvm_fd){ .fd = fd, .vcpu = vcpu };
	return fd;
}

/* The fake's fds, the device included, are all /dev/null. */
static bool is_dev_null(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

/*
 * The test box's mapping (vmm/guest-boot.c): identity over RAM, but for the window's
 * two pages, which are not adjacent in RAM, so that an area across them
 * shows a split the VMM must follow.
 */
static int translate(struct kvm_translation *tr)
{
	uint64_t va = tr->linear_address;

	tr->valid = va < fake_kvm.ram_size ||
		    (va >= G_WINDOW_VA && va < G_WINDOW_VA + 2 * G_PAGE);
	if (va >= G_WINDOW_VA && va < G_WINDOW_VA + G_PAGE)
		tr->physical_address = G_WINDOW_PA0 + (va - G_WINDOW_VA);
	else if (va >= G_WINDOW_VA + G_PAGE && va < G_WINDOW_VA + 2 * G_PAGE)
		tr->physical_address = G_WINDOW_PA1 + (va - G_WINDOW_VA - G_PAGE);
	else
		tr->physical_address = va;
	return 0;
}

/* An ioctl that only reads: KVM, a vCPU, or guest memory's mapping. */
static bool is_read(unsigned long req)
{
	switch (req) {
	case KVM_GET_API_VERSION:
	case KVM_GET_VCPU_MMAP_SIZE:
	case KVM_CHECK_EXTENSION:
	case KVM_GET_SUPPORTED_CPUID:
	case KVM_GET_CLOCK:
	case KVM_GET_REGS:
	case KVM_GET_SREGS:
	case KVM_TRANSLATE:
		return true;
	default:
		return false;
	}
}

int fake_ioctl(int fd, unsigned long req, void *arg)
{
	struct fake_kvm_fd *f = fake(fd);

	/* the port stub's own register accesses are the hypercall, not what it does */
	if (req != KVM_GET_REGS && req != KVM_SET_REGS && req != KVM_GET_SREGS)
		fake_kvm.asked.ioctls++;
	if (!is_read(req) && req != KVM_SET_REGS)
		fake_kvm.asked.writes++;
	switch (req) {
	case KVM_GET_API_VERSION:
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return new_fd(false);
	case KVM_CREATE_VCPU:
		return new_fd(true);
	case KVM_GET_VCPU_MMAP_SIZE:
		return RUN_SIZE;
	case KVM_CHECK_EXTENSION:
		/* Xen, but not its runstate: the accounting is libxrs's */
		return (uintptr_t)arg == KVM_CAP_XEN_HVM ? (int)fake_kvm.xen_caps : 0;
	case KVM_GET_SUPPORTED_CPUID:
		((struct kvm_cpuid2 *)arg)->nent = 1;
		memset(((struct kvm_cpuid2 *)arg)->entries, 0, sizeof(struct kvm_cpuid_entry2));
		return 0;
	case KVM_GET_CLOCK:
		memset(arg, 0, sizeof(struct kvm_clock_data));
		((struct kvm_clock_data *)arg)->clock = fake_kvm.clock_ns += 1000;
		return 0;
	case KVM_GET_REGS:
		if (!f)
			break;
		*(struct kvm_regs *)arg = f->regs;
		return 0;
	case KVM_SET_REGS:
		if (!f)
			break;
		f->regs = *(struct kvm_regs *)arg;
		return 0;
	case KVM_GET_SREGS:
		if (!f)
			break;
		*(struct kvm_sregs *)arg = f->sregs;
		return 0;
	case KVM_SET_SREGS:
		if (!f)
			break;
		f->sregs = *(struct kvm_sregs *)arg;
		return 0;
	case KVM_TRANSLATE:
		return translate(arg);
	case KVM_XEN_HVM_SET_ATTR:
	case KVM_XEN_VCPU_SET_ATTR:
	case KVM_XEN_HVM_EVTCHN_SEND:
		fake_kvm.asked.xen_sets++;
		return 0;
	case KVM_XEN_HVM_CONFIG:
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_ENABLE_CAP:
	case KVM_X86_SET_MSR_FILTER:
	case KVM_SET_CPUID2:
		return 0;
	default:
		break;
	}
	errno = ENOTTY;
	return -1;
}

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* kvm_run of a fake vCPU: plain memory, since /dev/null cannot be mapped. */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_kvm_fd *f = fd >= 0 ? fake(fd) : NULL;

	if (f && f->vcpu)
		return __real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	return __real_mmap(addr, len, prot, flags, fd, off);
}

int fake_kvm_vmm_create(const struct vmm_config *cfg, struct vmm **out, struct vmm_err *e)
{
	struct vmm_config c = *cfg;
	int r;

	/* the device is /dev/null: the fake answers it as /dev/kvm */
	c.dev = FAKE_KVM_DEV;
	fake_ioctl_owns = is_dev_null;
	fake_kvm.nr_fds = 0;
	r = vmm_create(&c, out, e);
	if (!r)
		fake_kvm.ram_size = mem_ram_region(&(*out)->mc.mem)->size;
	return r;
}

void fake_kvm_vmm_destroy(struct vmm *m)
{
	vmm_destroy(m);
	fake_kvm.nr_fds = 0;	/* the VMM closed them */
}

struct fake_kvm_fd *fake_kvm_vcpu(const struct vmm_vcpu *v)
{
	struct fake_kvm_fd *f = fake(v->cpu.fd);

	if (!f || !f->vcpu)
		abort();	/* the test is wrong */
	return f;
}

static bool long_mode(const struct fake_kvm_fd *f)
{
	return f->sregs.efer & EFER_LMA;
}

long fake_kvm_hcall_by_exit(struct vmm_vcpu *v, uint32_t cpl, uint32_t nr, const uint64_t a[5])
{
	struct kvm_run *run = v->cpu.run;

	memset(&run->xen, 0, sizeof(run->xen));
	run->xen.type = KVM_EXIT_XEN_HCALL;
	run->xen.u.hcall.longmode = long_mode(fake_kvm_vcpu(v));
	run->xen.u.hcall.cpl = cpl;
	run->xen.u.hcall.input = nr;
	memcpy(run->xen.u.hcall.params, a, 5 * sizeof(uint64_t));
	hcall_from_kvm_exit(&v->xen);
	return (long)run->xen.u.hcall.result;
}

long fake_kvm_hcall_by_port(struct vmm_vcpu *v, uint32_t cpl, uint32_t nr, const uint64_t a[5])
{
	struct fake_kvm_fd *f = fake_kvm_vcpu(v);
	struct kvm_regs *regs = &f->regs;
	bool lm = long_mode(f);

	memset(regs, 0, sizeof(*regs));
	regs->rax = nr;
	/* Xen's hypercall registers, as the stub leaves them */
	if (lm) {
		regs->rdi = a[0], regs->rsi = a[1], regs->rdx = a[2];
		regs->r10 = a[3], regs->r8 = a[4];
	} else {
		regs->rbx = a[0], regs->rcx = a[1], regs->rdx = a[2];
		regs->rsi = a[3], regs->rdi = a[4];
	}
	/* KVM reads the CPL as SS's DPL in protected mode; CS's agrees with it */
	f->sregs.cs.dpl = f->sregs.ss.dpl = (uint8_t)cpl;
	hcall_from_port(&v->xen, nr);
	return lm ? (long)regs->rax : (long)(int32_t)regs->rax;
}
