// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the VMM's Xen hypercall decoder and dispatcher fed
 * hostile guest arguments. The VM is made by vmm_create itself, over the
 * fake KVM of tests/common/fake-kvm.h (test_hypercall_rules's too) that has
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/input.h"
#include "tests/common/fake-kvm.h"
#include "vmm/vmm.h"
#include "vmm/xen/hypercall.h"
#include "vmm/xen/platform.h"
#include "vmm/xen/runstate.h"
#include "xen-abi/xen-public.h"

#define BUG(...)							\
	do {								\
		fprintf(stderr, "fuzz_hypercall: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

#define SCRATCH		0x8000u		/* guest memory the input fills: arguments live here */
#define SCRATCH_LEN	512u
#define XEN_4_18	0x00040012
#define MAX_VCPUS	4		/* 2 + flags % 3 */
#define PLATFORM_NRS	196		/* pick_nr: from here to 223, the platform's */

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
	s->ioctls = fake_kvm.asked.ioctls;
	s->end = m->end;
	for (i = 0; i < m->nr_vcpus && i < MAX_VCPUS; i++) {
		s->done[i] = atomic_load(&m->vcpus[i].done);
		s->sched[i].up = m->vcpus[i].xen.sched.up;
		s->sched[i].up_at_ns = m->vcpus[i].xen.sched.up_at_ns;
		s->sched[i].timer_ns = m->vcpus[i].xen.sched.timer_ns;
		s->vcpu_info[i] = m->vcpus[i].xen.vcpu_info;
		s->area_gpa[i] = m->vcpus[i].xen.rs.area_gpa;
	}
	s->shared_info = m->xen.plat.shared_info;
	for (i = 0; i < XEN_MAX_PORTS; i++) {
		s->port_type[i] = m->xen.plat.ports[i].type;
		s->port_vcpu[i] = m->xen.plat.ports[i].vcpu;
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

		if (runstate_get(&m->vcpus[i].xen, &d))
			BUG("GET DATA of vCPU %u failed", i);
		if (d.u.runstate.state_entry_time != d.u.runstate.time_running +
		    d.u.runstate.time_runnable + d.u.runstate.time_blocked +
		    d.u.runstate.time_offline)
			BUG("vCPU %u: state_entry_time != sum of times after hypercall %u", i, nr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t flags = (uint8_t)take(&in, 1);
	bool guest_64 = !(flags & 8);
	struct vmm_config cfg = {
		.nr_vcpus = 2 + flags % 3, .bits = guest_64 ? GUEST_64 : GUEST_32,
		.program = VMM_PROG_WORKLOAD, .workload = VMM_WL_MIXED,
		.update_flag = flags & 16, .runstate = true, .backend = XRS_BACKEND_USER,
	};
	static FILE *devnull;
	struct vmm_err e;
	struct vmm *m;
	uint8_t *scratch;
	int calls = 0;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	cfg.console = devnull;
	if (fake_kvm_vmm_create(&cfg, &m, &e))
		BUG("vmm_create: %s", e.msg);
	/* The PC's Xen: a 64-bit kernel, as platform_init has it. */
	if ((flags & 32) && guest_64 && platform_init(&m->xen, &e))
		BUG("platform_init: %s", e.msg);
	atomic_store(&m->xen.long_mode, guest_64);
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
		long r;
		int i;

		for (i = 0; i < 5; i++)
			a[i] = pick_arg(take(&in, 8), sel & (1u << i));
		look(m, &before);
		if (sel & 0x80)
			r = fake_kvm_hcall_by_port(v, cpl, nr, a);
		else
			r = fake_kvm_hcall_by_exit(v, cpl, nr, a);
		check(m, nr, cpl, &before, r);
	}
	fake_kvm_vmm_destroy(m);
	return 0;
}
