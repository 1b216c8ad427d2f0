/* SPDX-License-Identifier: MIT */
/*
 * minimal-vmm: the smallest complete VMM that gives its guest Xen runstate
 * accounting with libxrs.
 *
 * It creates a KVM VM with one vCPU in 64-bit long mode, registers a
 * vcpu_runstate_info area in guest memory (what a Xen guest asks for with
 * VCPUOP_register_runstate_memory_area), runs a guest that makes LOOPS
 * port-I/O exits and halts, and brackets every KVM_RUN with libxrs's two
 * hooks. At the end it reads the accounting back twice: through the KVM
 * attribute (RUNSTATE_DATA) and as the guest sees it in its own memory.
 *
 *   cc -o minimal-vmm minimal-vmm.c $(pkg-config --cflags --libs libxrs)
 *   ./minimal-vmm                  (needs /dev/kvm; exit 0 when all is well)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xrs/xrs.h>

#define MEM_SIZE	0x200000ull	/* 2 MiB of RAM, mapped by one large page */
#define GPA_PML4	0x1000
#define GPA_PDPT	0x2000
#define GPA_PD		0x3000
#define GPA_CODE	0x4000
#define GPA_RUNSTATE	0x5008		/* any address works; this one is not page-aligned */
#define LOOPS		10000
#define PORT		0x10

/* mov ecx, LOOPS; 1: out PORT, al; loop 1b; hlt */
static const uint8_t guest_code[] = {
	0xb9, LOOPS & 0xff, LOOPS >> 8, 0, 0, 0xe6, PORT, 0xe2, 0xfc, 0xf4,
};

static void die(const char *what)
{
	fprintf(stderr, "minimal-vmm: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* libxrs returns negative errnos; xrs_strerror names them. */
static void check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "minimal-vmm: %s: %s\n", what, xrs_strerror(r));
		exit(1);
	}
}

/* Long mode needs CPUID to say so (KVM refuses EFER.LME otherwise). */
static void set_cpuid(int kvm, int vcpu)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 128 * sizeof(cpuid->entries[0]));

	if (!cpuid)
		die("calloc");
	cpuid->nent = 128;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	free(cpuid);
}

/* Identity-map the first 2 MiB and enter 64-bit mode at GPA_CODE. */
static void setup_long_mode(uint8_t *mem, int vcpu)
{
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = GPA_CODE, .rsp = MEM_SIZE, .rflags = 2 };

	*(uint64_t *)(mem + GPA_PML4) = GPA_PDPT | 3;	/* present, writable */
	*(uint64_t *)(mem + GPA_PDPT) = GPA_PD | 3;
	*(uint64_t *)(mem + GPA_PD) = 0 | 0x83;		/* present, writable, 2 MiB */
	memcpy(mem + GPA_CODE, guest_code, sizeof(guest_code));

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	data.selector = 16, data.type = 3, data.l = 0, data.db = 1;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr3 = GPA_PML4;
	sregs.cr4 = 1 << 5;			/* PAE */
	sregs.cr0 = 1u << 31 | 1 << 0;		/* PG, PE */
	sregs.efer = 1 << 10 | 1 << 8;		/* LMA, LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

int main(void)
{
	struct xrs_vm_params params = { .backend = XRS_BACKEND_USER };
	struct kvm_xen_hvm_attr hattr = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	struct kvm_xen_vcpu_attr vattr = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	struct xrs_runstate_info guest_view;
	struct xrs_vm *xvm;
	struct xrs_vcpu *xvcpu;
	struct kvm_run *run;
	unsigned long exits = 0;
	uint64_t sum = 0;
	struct kvm_userspace_memory_region region = { .memory_size = MEM_SIZE };
	int kvm, vm, vcpu, caps, i;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	region.userspace_addr = (uintptr_t)mem;		/* guest physical 0 */
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpuid(kvm, vcpu);
	setup_long_mode(mem, vcpu);

	/*
	 * libxrs, the user backend: it accounts and writes the area itself, on
	 * any host. (XRS_BACKEND_AUTO would hand everything to KVM where KVM
	 * has CONFIG_KVM_XEN; the calls below stay the same.) The guest clock
	 * is kvmclock of this VM, steal the run delay of the vCPU thread.
	 */
	params.vm_fd = vm;
	check(xrs_vm_create(&params, &xvm), "xrs_vm_create");
	caps = xrs_check_extension(xvm, KVM_CAP_XEN_HVM);
	check(caps, "KVM_CAP_XEN_HVM");
	if (!(caps & KVM_XEN_HVM_CONFIG_RUNSTATE)) {
		fprintf(stderr, "minimal-vmm: no steal source here (schedstats off?)\n");
		return 2;
	}
	/* The only memory libxrs may ever write: the guest's RAM. */
	check(xrs_vm_map_memory(xvm, 0, MEM_SIZE, mem), "xrs_vm_map_memory");
	hattr.u.long_mode = 1;					/* 64-bit layout */
	check(xrs_vm_set_attr(xvm, &hattr), "LONG_MODE");
	if (caps & KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG) {	/* the torn-read guard */
		hattr = (struct kvm_xen_hvm_attr){ .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };
		XRS_HVM_ATTR_UPDATE_FLAG(&hattr) = 1;
		check(xrs_vm_set_attr(xvm, &hattr), "RUNSTATE_UPDATE_FLAG");
	}
	check(xrs_vcpu_create(xvm, 0, vcpu, &xvcpu), "xrs_vcpu_create");
	vattr.u.gpa = GPA_RUNSTATE;
	check(xrs_vcpu_set_attr(xvcpu, &vattr), "RUNSTATE_ADDR");

	/* This thread runs the vCPU: steal is its run delay. */
	check(xrs_vcpu_bind_thread(xvcpu), "xrs_vcpu_bind_thread");
	for (;;) {
		xrs_vcpu_enter(xvcpu);		/* the vCPU is running from here */
		int r = ioctl(vcpu, KVM_RUN, 0);
		xrs_vcpu_exit(xvcpu);
		if (r < 0 && errno != EINTR)
			die("KVM_RUN");
		if (r < 0)
			continue;
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT) {
			fprintf(stderr, "minimal-vmm: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
		exits++;
	}

	/* A guest that halts is blocked, as Xen would book it. */
	vattr = (struct kvm_xen_vcpu_attr){ .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };
	vattr.u.runstate.state = RUNSTATE_blocked;
	check(xrs_vcpu_set_attr(xvcpu, &vattr), "RUNSTATE_CURRENT");

	vattr = (struct kvm_xen_vcpu_attr){ .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
	check(xrs_vcpu_get_attr(xvcpu, &vattr), "RUNSTATE_DATA");
	memcpy(&guest_view, mem + GPA_RUNSTATE, sizeof(guest_view));

	printf("libxrs %u.%u.%u, %lu port-I/O exits\n", xrs_version() >> 16,
	       (xrs_version() >> 8) & 0xff, xrs_version() & 0xff, exits);
	/* KVM's __u64 is unsigned long long on every Linux architecture. */
	printf("runstate: state %llu entry %llu running %llu runnable %llu blocked %llu"
	       " offline %llu (ns)\n",
	       vattr.u.runstate.state, vattr.u.runstate.state_entry_time,
	       vattr.u.runstate.time_running, vattr.u.runstate.time_runnable,
	       vattr.u.runstate.time_blocked, vattr.u.runstate.time_offline);
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		sum += guest_view.time[i];

	/* What the guest reads must be what KVM's attribute says, and add up. */
	if (exits != LOOPS || guest_view.state != RUNSTATE_blocked ||
	    guest_view.state_entry_time != vattr.u.runstate.state_entry_time ||
	    guest_view.time[RUNSTATE_running] != vattr.u.runstate.time_running ||
	    sum != guest_view.state_entry_time || !guest_view.time[RUNSTATE_running]) {
		fprintf(stderr, "minimal-vmm: the guest's view disagrees\n");
		return 1;
	}
	printf("guest view: agrees, entry time = sum of the four\n");

	xrs_vm_destroy(xvm);		/* and its vCPU */
	return 0;
}
