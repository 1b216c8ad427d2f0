// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the VMM's Xen hypercall decoder and dispatcher fed
 * hostile guest arguments. The VM is made by vmm_create itself, over a fake
 * KVM (linked with fake-ioctl.o and -Wl,--wrap=ioctl,--wrap=mmap) that has
 * CONFIG_KVM_XEN: its vCPUs' registers, page tables (identity, plus the test
 * guests' window of two non-adjacent pages), clock and kvm_run are the
 * fuzzer's. Each input is a guest's memory scratch and a sequence of
 * hypercalls, by the port stub or by KVM_EXIT_XEN, from any vCPU at any
 * CPL, in either width; a 64-bit VM may have the PC's HVM platform on
 * (platform_init), so that its rooms answer too. After every one:
 *  - the VMM did not fail itself, and what the guest got back is a Xen
 *    return (an errno, 0, a small count or the version), never garbage;
 *  - every vCPU's accounting holds: state_entry_time == the sum of times;
 *  - one made at CPL > 0 got -EPERM and changed nothing: no ioctl besides
 *    the stub's registers, the same end, platform and vCPU state;
 * and, by ASan, nothing outside guest memory was touched.
 *
 * The input: a flags byte (vCPUs 2 + flags % 3; bit 3 a 32-bit guest; bit
 * 4 the update flag granted; bit 5 the HVM platform on, 64-bit only), 512
 * bytes of scratch at SCRATCH, then per hypercall a vCPU byte, a selector
 * (bits 0-4: argument i points into the scratch; bits 5-6 the CPL; bit 7
 * by the port stub), a number byte (pick_nr) and five 8-byte arguments,
 * all big-endian.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "abi.h"
#include "fake-ioctl.h"
#include "input.h"
#include "vmm.h"
#include "xen/hypercall.h"
#include "xen/runstate.h"

#define BUG(...)							\
	do {								\
		fprintf(stderr, "fuzz_hypercall: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

#define MAX_FDS		16
#define RUN_SIZE	(3 * 4096)
#define SCRATCH		0x8000u		/* guest memory the input fills: arguments live here */
#define SCRATCH_LEN	512u
#define XEN_4_18	0x00040012
#define MAX_VCPUS	4		/* 2 + flags % 3 */
#define PLATFORM_NRS	196		/* pick_nr: from here to 223, the platform's */
/* What platform_probe needs of KVM_CAP_XEN_HVM. */
#define XEN_CAPS	(KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL | KVM_XEN_HVM_CONFIG_SHARED_INFO | \
			 KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL | KVM_XEN_HVM_CONFIG_EVTCHN_SEND)

/* ---- the fake KVM: every fd it hands out is /dev/null, known by number ---- */

static struct fake_fd {
	int fd;
	bool vcpu;
	struct kvm_regs regs;
	uint8_t cpl;			/* SS's DPL its KVM_GET_SREGS reports */
} fds[MAX_FDS];
static int nr_fds;
static uint64_t fake_clock = 1000000000ull;
static bool guest_64 = true;
static uint64_t ram_size;
/* Every ioctl but the port stub's own (KVM_GET/SET_REGS, KVM_GET_SREGS). */
static unsigned long nr_ioctls;

static struct fake_fd *fake(int fd)
{
	int i;

	for (i = 0; i < nr_fds; i++)
		if (fds[i].fd == fd)
			return &fds[i];
	return NULL;
}

static int new_fd(bool vcpu)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || nr_fds == MAX_FDS)
		BUG("out of fake fds");
	fds[nr_fds++] = (struct fake_fd){ .fd = fd, .vcpu = vcpu };
	return fd;
}

static void forget_fds(void)
{
	nr_fds = 0;	/* the VMM closed them */
}

/* The test guests' mapping: identity, but for the window's two pages. */
static int translate(struct kvm_translation *tr)
{
	uint64_t va = tr->linear_address;

	tr->valid = va < ram_size || (va >= G_WINDOW_VA && va < G_WINDOW_VA + 2 * G_PAGE);
	if (va >= G_WINDOW_VA && va < G_WINDOW_VA + G_PAGE)
		tr->physical_address = G_WINDOW_PA0 + (va - G_WINDOW_VA);
	else if (va >= G_WINDOW_VA + G_PAGE && va < G_WINDOW_VA + 2 * G_PAGE)
		tr->physical_address = G_WINDOW_PA1 + (va - G_WINDOW_VA - G_PAGE);
	else
		tr->physical_address = va;
	return 0;
}

/* The fake's fds, the device included, are all /dev/null. */
static bool is_dev_null(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

int fake_ioctl(int fd, unsigned long req, void *arg)
{
	struct fake_fd *f = fake(fd);

	if (req != KVM_GET_REGS && req != KVM_SET_REGS && req != KVM_GET_SREGS)
		nr_ioctls++;
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
		/* Xen for the HVM platform, but not its runstate: the user backend */
		return (uintptr_t)arg == KVM_CAP_XEN_HVM ? XEN_CAPS : 0;
	case KVM_GET_SUPPORTED_CPUID:
		((struct kvm_cpuid2 *)arg)->nent = 1;
		memset(((struct kvm_cpuid2 *)arg)->entries, 0, sizeof(struct kvm_cpuid_entry2));
		return 0;
	case KVM_GET_CLOCK:
		memset(arg, 0, sizeof(struct kvm_clock_data));
		((struct kvm_clock_data *)arg)->clock = fake_clock += 1000;
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
		memset(arg, 0, sizeof(struct kvm_sregs));
		((struct kvm_sregs *)arg)->efer = guest_64 ? 1u << 10 : 0;
		((struct kvm_sregs *)arg)->cr0 = 1;	/* PE: the CPL is SS's DPL */
		((struct kvm_sregs *)arg)->ss.dpl = f ? f->cpl : 0;
		return 0;
	case KVM_TRANSLATE:
		return translate(arg);
	case KVM_XEN_HVM_SET_ATTR:
	case KVM_XEN_VCPU_SET_ATTR:
	case KVM_XEN_HVM_EVTCHN_SEND:
	case KVM_XEN_HVM_CONFIG:
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_ENABLE_CAP:
	case KVM_X86_SET_MSR_FILTER:
	case KVM_SET_CPUID2:
	case KVM_SET_SREGS:
		return 0;
	default:
		break;
	}
	errno = ENOTTY;
	return -1;
}

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* kvm_run of a fake vCPU: plain memory. */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_fd *f = fd >= 0 ? fake(fd) : NULL;

	if (f && f->vcpu)
		return __real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	return __real_mmap(addr, len, prot, flags, fd, off);
}

/* ---- the input --------------------------------------------------------------- */

/*
 * Mostly the hypercalls the VMM answers, the HVM platform's in a range of
 * their own (older seeds keep their meaning); any number now and then.
 */
static uint32_t pick_nr(uint8_t b)
{
	static const uint32_t nrs[] = {
		XEN_HC_set_timer_op, XEN_HC_xen_version, XEN_HC_console_io, XEN_HC_vm_assist,
		XEN_HC_vcpu_op, XEN_HC_vcpu_op, XEN_HC_sched_op,
	};
	static const uint32_t platform[] = {
		XEN_HC_memory_op, XEN_HC_event_channel_op, XEN_HC_event_channel_op,
		XEN_HC_hvm_op,
	};

	if (b >= PLATFORM_NRS && b < 224)
		return platform[(b - PLATFORM_NRS) % 4];
	return b < 224 ? nrs[b % 7] : b;
}

/* An argument: a pointer into the scratch, a small number, or anything. */
static uint64_t pick_arg(uint64_t raw, bool pointer)
{
	if (pointer)
		return SCRATCH + (raw % SCRATCH_LEN);
	if ((raw >> 56) == 0xff)
		return raw;
	return raw & 0x3fff;
}

static bool xen_return(long r)
{
	return (r >= -125 && r <= 4096) || r == XEN_4_18;
}

/* What a hypercall could change: a CPL > 0 one must leave all of it alone. */
struct seen {
	unsigned long ioctls;
	enum vmm_end end;
	bool done[MAX_VCPUS];
	struct xen_sched_vcpu sched[MAX_VCPUS];
	uint64_t vcpu_info[MAX_VCPUS], area_gpa[MAX_VCPUS];
	uint64_t shared_info;
	uint8_t port_type[XEN_MAX_PORTS];
	uint32_t port_vcpu[XEN_MAX_PORTS];
};

static void look(struct vmm *m, struct seen *s)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->ioctls = nr_ioctls;
	s->end = m->end;
	for (i = 0; i < m->nr_vcpus && i < MAX_VCPUS; i++) {
		s->done[i] = atomic_load(&m->vcpus[i].done);
		s->sched[i].up = m->vcpus[i].sched.up;
		s->sched[i].up_at_ns = m->vcpus[i].sched.up_at_ns;
		s->sched[i].timer_ns = m->vcpus[i].sched.timer_ns;
		s->vcpu_info[i] = m->vcpus[i].xen.vcpu_info;
		s->area_gpa[i] = m->vcpus[i].rs.area_gpa;
	}
	s->shared_info = m->xen.shared_info;
	for (i = 0; i < XEN_MAX_PORTS; i++) {
		s->port_type[i] = m->xen.ports[i].type;
		s->port_vcpu[i] = m->xen.ports[i].vcpu;
	}
}

static void check(struct vmm *m, uint32_t nr, uint32_t cpl, const struct seen *before, long r)
{
	struct seen after;
	uint32_t i;

	if (cpl) {
		look(m, &after);
		if (r != -XEN_EPERM)
			BUG("hypercall %u at CPL %u returned %ld, not -EPERM", nr, cpl, r);
		if (memcmp(before, &after, sizeof(after)))
			BUG("hypercall %u at CPL %u changed something", nr, cpl);
	}
	if (!xen_return(r))
		BUG("hypercall %u returned %#lx", nr, (unsigned long)r);
	if (atomic_load(&m->failed))
		BUG("hypercall %u failed the VMM: %s", nr, m->failure.msg);
	for (i = 0; i < m->nr_vcpus; i++) {
		struct kvm_xen_vcpu_attr d;

		if (runstate_get(&m->vcpus[i], &d))
			BUG("GET DATA of vCPU %u failed", i);
		if (d.u.runstate.state_entry_time != d.u.runstate.time_running +
		    d.u.runstate.time_runnable + d.u.runstate.time_blocked +
		    d.u.runstate.time_offline)
			BUG("vCPU %u: state_entry_time != sum of times after hypercall %u", i, nr);
	}
}

static long call(struct vmm_vcpu *v, bool by_port, uint32_t cpl, uint32_t nr, const uint64_t a[5])
{
	struct kvm_run *run = v->cpu.run;

	if (!by_port) {
		memset(&run->xen, 0, sizeof(run->xen));
		run->xen.type = KVM_EXIT_XEN_HCALL;
		run->xen.u.hcall.longmode = guest_64;
		run->xen.u.hcall.cpl = cpl;
		run->xen.u.hcall.input = nr;
		memcpy(run->xen.u.hcall.params, a, 5 * sizeof(uint64_t));
		hcall_from_kvm_exit(v);
		return (long)run->xen.u.hcall.result;
	}
	struct fake_fd *f = fake(v->cpu.fd);

	memset(&f->regs, 0, sizeof(f->regs));
	f->cpl = (uint8_t)cpl;
	if (guest_64) {
		f->regs.rdi = a[0], f->regs.rsi = a[1], f->regs.rdx = a[2];
		f->regs.r10 = a[3], f->regs.r8 = a[4];
	} else {
		f->regs.rbx = a[0], f->regs.rcx = a[1], f->regs.rdx = a[2];
		f->regs.rsi = a[3], f->regs.rdi = a[4];
	}
	hcall_from_port(v, nr);
	return guest_64 ? (long)f->regs.rax : (long)(int32_t)f->regs.rax;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t flags = (uint8_t)take(&in, 1);
	struct vmm_config cfg = {
		.nr_vcpus = 2 + flags % 3, .bits = flags & 8 ? GUEST_32 : GUEST_64,
		.program = VMM_PROG_WORKLOAD, .workload = VMM_WL_MIXED,
		.update_flag = flags & 16, .runstate = true, .backend = XRS_BACKEND_USER,
		.dev = "/dev/null",
	};
	static FILE *devnull;
	struct vmm_err e;
	struct vmm *m;
	uint8_t *scratch;
	int calls = 0;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		fake_ioctl_owns = is_dev_null;
	}
	cfg.console = devnull;
	guest_64 = cfg.bits == GUEST_64;
	/* The device is /dev/null: the fake answers it as /dev/kvm. */
	nr_fds = 0;
	if (vmm_create(&cfg, &m, &e))
		BUG("vmm_create: %s", e.msg);
	/* The PC's Xen: a 64-bit kernel, as platform_init has it. */
	if ((flags & 32) && guest_64 && platform_init(m, &e))
		BUG("platform_init: %s", e.msg);
	ram_size = mem_ram_region(&m->mc.mem)->size;
	atomic_store(&m->long_mode, guest_64);
	atomic_store(&m->stopping, true);	/* a block returns at once */
	scratch = mem_ram(&m->mc.mem, SCRATCH, SCRATCH_LEN);
	memset(scratch, 0, SCRATCH_LEN);
	memcpy(scratch, in.p, in.n < SCRATCH_LEN ? in.n : SCRATCH_LEN);
	take(&in, SCRATCH_LEN);

	while (in.n && calls++ < 64) {
		struct vmm_vcpu *v = &m->vcpus[take(&in, 1) % m->nr_vcpus];
		uint8_t sel = (uint8_t)take(&in, 1);
		uint32_t nr = pick_nr((uint8_t)take(&in, 1)), cpl = (sel >> 5) & 3;
		struct seen before;
		uint64_t a[5];
		int i;

		for (i = 0; i < 5; i++)
			a[i] = pick_arg(take(&in, 8), sel & (1u << i));
		look(m, &before);
		check(m, nr, cpl, &before, call(v, sel & 0x80, cpl, nr, a));
	}
	vmm_destroy(m);
	forget_fds();
	return 0;
}
