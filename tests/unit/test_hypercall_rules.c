// SPDX-License-Identifier: MIT
/*
 * The rules of the VMM's Xen hypercall dispatcher (vmm/xen/hypercall.h),
 * the same for the test box and the PC's Linux: as in Xen, only the
 * guest's kernel may call, so at CPL > 0 every hypercall gets -EPERM and
 * changes nothing, whether it came by the port stub or by KVM_EXIT_XEN;
 * and a bad frame number, offset, port or vCPU id gets Xen's errno and
 * changes nothing either.
 *
 * No KVM: the VM is made by vmm_create itself on the test box, over the
 * fake KVM of tests/common/fake-kvm.h (fuzz/fuzz_hypercall.c's too) which
 * has CONFIG_KVM_XEN, so that platform_init switches the HVM platform on
 * as it does for the PC. The fake counts every ioctl it answers; its page
 * tables are the identity over the RAM the arguments are in. No vCPU
 * thread runs, so work for another vCPU (task.h) runs at once. "Nothing
 * changed" is everything a hypercall could touch: guest RAM, the
 * platform's shared_info and ports, each vCPU's vcpu_info, timer, up, area
 * and accounting, the VM's end, the update flag, the console, and any
 * ioctl but the stub's register reads and its result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/common/fake-kvm.h"
#include "tests/unit/harness.h"
#include "vmm/vmm.h"
#include "vmm/xen/hypercall.h"
#include "vmm/xen/platform.h"
#include "vmm/xen/runstate.h"
#include "xen-abi/xen-public.h"

#define NR_VCPUS	2
#define CR0_PE		(1ull << 0)
#define XEN_4_18	0x00040012
#define DOMID_SELF	0x7ff0

/* Guest memory the arguments live in (free RAM on the test box), VA = PA. */
#define A_XATP		0x8000u		/* xen_add_to_physmap */
#define A_FEATURES	0x8040u		/* xen_feature_info */
#define A_TEXT		0x8080u		/* console text */
#define A_VCPU_INFO	0x80c0u		/* vcpu_register_vcpu_info */
#define A_SSHOT		0x8100u		/* vcpu_set_singleshot_timer */
#define A_AREA_VA	0x8140u		/* a runstate area's VA */
#define A_AREA_PA	0x8180u		/* a runstate area's PA */
#define A_INFO_OUT	0x81c0u		/* VCPUOP_get_runstate_info writes here */
#define A_REASON	0x8240u		/* sched_shutdown */
#define A_PARAM		0x8280u		/* xen_hvm_param */
#define A_VIRQ		0x82c0u		/* evtchn_bind_virq */
#define A_IPI		0x8300u		/* evtchn_bind_ipi */
#define A_PORT		0x8340u		/* evtchn_{close,send,unmask,bind_vcpu} */
#define SHINFO_PFN	0x10u		/* where the calls put shared_info */
#define VCPU_INFO_PFN	0x11u		/* and vCPU 1's vcpu_info */
#define AREA_VA		0x9000u
#define AREA_PA		0x9100u
#define TEXT		"hello"
#define LATER_NS	5000000000ull	/* a timer deadline, after the fake clock's now */

/* ---- the VM: the test box, its HVM platform on, arguments in place ---------- */

static FILE *console;

static void put(struct vmm *m, uint64_t gpa, const void *p, size_t len)
{
	void *hva = mem_ram(&m->mc.mem, gpa, len);

	assert_non_null(hva);
	memcpy(hva, p, len);
}

struct xatp {
	uint16_t domid, size;
	uint32_t space;
	uint64_t idx, gpfn;
};

struct vcpu_info_reg {
	uint64_t mfn;
	uint32_t offset, rsvd;
};

struct port_arg {
	uint32_t port, vcpu;
};

static void put_xatp(struct vmm *m, uint64_t gpfn)
{
	struct xatp x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .gpfn = gpfn };

	put(m, A_XATP, &x, sizeof(x));
}

static void put_vcpu_info(struct vmm *m, uint64_t mfn, uint32_t offset)
{
	struct vcpu_info_reg vi = { .mfn = mfn, .offset = offset };

	put(m, A_VCPU_INFO, &vi, sizeof(vi));
}

static void put_port(struct vmm *m, uint32_t port, uint32_t vcpu)
{
	struct port_arg p = { .port = port, .vcpu = vcpu };

	put(m, A_PORT, &p, sizeof(p));
}

static void put_bind(struct vmm *m, uint32_t vcpu)
{
	struct { uint32_t virq, vcpu, port; } virq = { .virq = VIRQ_TIMER, .vcpu = vcpu };
	struct { uint32_t vcpu, port; } ipi = { .vcpu = vcpu };

	put(m, A_VIRQ, &virq, sizeof(virq));
	put(m, A_IPI, &ipi, sizeof(ipi));
}

/* Every argument a good call of the table below points at. */
static void put_arguments(struct vmm *m)
{
	struct { uint16_t domid, pad; uint32_t index; uint64_t value; } param = {
		.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
		.value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56 | 0xf3,
	};
	struct { uint64_t timeout_abs_ns; uint32_t flags; } __attribute__((packed)) sshot = {
		.timeout_abs_ns = LATER_NS,
	};
	uint32_t features[2] = { 0, 0 }, reason = SHUTDOWN_poweroff;
	uint64_t va = AREA_VA, pa = AREA_PA;
	uint8_t info[48];

	memset(info, 0xff, sizeof(info));	/* so that writing the area's image shows */
	put_xatp(m, SHINFO_PFN);
	put(m, A_FEATURES, features, sizeof(features));
	put(m, A_TEXT, TEXT, strlen(TEXT));
	put_vcpu_info(m, VCPU_INFO_PFN, 64);
	put(m, A_SSHOT, &sshot, sizeof(sshot));
	put(m, A_AREA_VA, &va, sizeof(va));
	put(m, A_AREA_PA, &pa, sizeof(pa));
	put(m, A_INFO_OUT, info, sizeof(info));
	put(m, A_REASON, &reason, sizeof(reason));
	put(m, A_PARAM, &param, sizeof(param));
	put_bind(m, 1);
	put_port(m, 1, 0);
}

enum path { BY_KVM_EXIT, BY_PORT };

/* vCPU 0 makes hypercall @nr at @cpl: what the guest gets back. */
static long hcall(struct vmm *m, enum path path, uint32_t cpl, uint32_t nr, const uint64_t a[5])
{
	struct vmm_vcpu *v = &m->vcpus[0];

	if (path == BY_KVM_EXIT)
		return fake_kvm_hcall_by_exit(v, cpl, nr, a);
	/* the vCPU as boot_cpu left it, protected mode: its CPL is SS's DPL, as KVM reads it */
	assert_true(fake_kvm_vcpu(v)->sregs.cr0 & CR0_PE);
	return fake_kvm_hcall_by_port(v, cpl, nr, a);
}

static long call0(struct vmm *m, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	const uint64_t a[5] = { a0, a1, a2 };

	return hcall(m, BY_KVM_EXIT, 0, nr, a);
}

/*
 * The test box with two vCPUs, made by vmm_create over the fake KVM, its
 * HVM platform switched on as the PC's is; vCPU 0's singleshot timer set
 * in the past (so a block returns at once) and port 1 bound by the guest's
 * kernel, an IPI to vCPU 1; the arguments in place.
 */
static struct vmm *new_vm(void)
{
	struct vmm_config cfg = {
		.board = VMM_BOARD_TESTBOX, .nr_vcpus = NR_VCPUS, .bits = GUEST_64,
		.program = VMM_PROG_WORKLOAD, .workload = VMM_WL_MIXED,
		.update_flag = true, .runstate = true, .backend = XRS_BACKEND_USER,
		.console = console,
	};
	struct vmm_err e;
	struct vmm *m = NULL;
	struct { uint32_t vcpu, port; } ipi;

	if (fake_kvm_vmm_create(&cfg, &m, &e))
		fail_msg("vmm_create over the fake KVM: %s", e.msg);
	if (platform_init(&m->xen, &e))
		fail_msg("platform_init over the fake KVM: %s", e.msg);
	assert_true(m->xen.plat.on);
	m->vcpus[0].xen.sched.timer_ns = 1;
	put_arguments(m);
	assert_int_equal(call0(m, XEN_HC_event_channel_op, EVTCHNOP_bind_ipi, A_IPI, 0), 0);
	memcpy(&ipi, mem_ram(&m->mc.mem, A_IPI, sizeof(ipi)), sizeof(ipi));
	assert_int_equal(ipi.port, 1);
	put_bind(m, 1);		/* the port out, zeroed again */
	return m;
}

static void free_vm(struct vmm *m)
{
	fake_kvm_vmm_destroy(m);
}

/* ---- what a hypercall could change ----------------------------------------- */

struct vcpu_state {
	uint64_t vcpu_info;
	bool up, done;
	uint64_t up_at_ns, timer_ns;
	uint64_t area_gpa, window_ram[2];
	uint64_t rs[6];		/* state, entry time, the four times */
};

struct state {
	uint8_t *ram;
	uint64_t shared_info;
	uint8_t port_type[XEN_MAX_PORTS];
	uint32_t port_vcpu[XEN_MAX_PORTS];
	bool stopping, failed, long_mode, update_flag;
	enum vmm_end end;
	long console_bytes;
	unsigned long ioctls, writes, xen_sets;
	struct vcpu_state vcpu[NR_VCPUS];
};

/* Taking it asks the fake nothing that counts. */
static void snapshot(struct vmm *m, struct state *s)
{
	struct fake_kvm_asked counted = fake_kvm.asked;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->ioctls = counted.ioctls;
	s->writes = counted.writes;
	s->xen_sets = counted.xen_sets;
	s->ram = malloc(fake_kvm.ram_size);
	assert_non_null(s->ram);
	memcpy(s->ram, mem_ram(&m->mc.mem, 0, fake_kvm.ram_size), fake_kvm.ram_size);
	s->shared_info = m->xen.plat.shared_info;
	for (i = 0; i < XEN_MAX_PORTS; i++) {
		s->port_type[i] = m->xen.plat.ports[i].type;
		s->port_vcpu[i] = m->xen.plat.ports[i].vcpu;
	}
	s->stopping = atomic_load(&m->stopping);
	s->failed = atomic_load(&m->failed);
	s->end = m->end;
	assert_int_equal(runstate_save_vm(&m->xen, &s->long_mode, &s->update_flag), 0);
	fflush(console);
	s->console_bytes = ftell(console);
	for (i = 0; i < NR_VCPUS; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];
		struct vcpu_state *c = &s->vcpu[i];
		struct kvm_xen_vcpu_attr d;

		c->vcpu_info = v->xen.vcpu_info;
		c->up = v->xen.sched.up;
		c->done = atomic_load(&v->done);
		c->up_at_ns = v->xen.sched.up_at_ns;
		c->timer_ns = v->xen.sched.timer_ns;
		c->area_gpa = v->xen.rs.area_gpa;
		memcpy(c->window_ram, v->xen.rs.window_ram, sizeof(c->window_ram));
		assert_int_equal(runstate_get(&v->xen, &d), 0);
		c->rs[0] = d.u.runstate.state;
		c->rs[1] = d.u.runstate.state_entry_time;
		c->rs[2] = d.u.runstate.time_running;
		c->rs[3] = d.u.runstate.time_runnable;
		c->rs[4] = d.u.runstate.time_blocked;
		c->rs[5] = d.u.runstate.time_offline;
	}
	fake_kvm.asked = counted;
}

static void forget(struct state *s)
{
	free(s->ram);
	s->ram = NULL;
}

/*
 * The first thing that differs, in words; NULL: nothing. @reads: ioctls
 * that only read (the arguments' translation, the clock) do not count.
 */
static const char *difference(const struct state *a, const struct state *b, bool reads)
{
	static char what[128];
	uint32_t i;

	if (memcmp(a->ram, b->ram, fake_kvm.ram_size)) {
		for (i = 0; a->ram[i] == b->ram[i]; i++)
			;
		snprintf(what, sizeof(what), "guest RAM at %#x", i);
		return what;
	}
	if (a->shared_info != b->shared_info)
		return "the shared_info GPA";
	for (i = 0; i < XEN_MAX_PORTS; i++)
		if (a->port_type[i] != b->port_type[i] || a->port_vcpu[i] != b->port_vcpu[i]) {
			snprintf(what, sizeof(what), "event channel port %u", i);
			return what;
		}
	if (a->stopping != b->stopping || a->failed != b->failed || a->end != b->end)
		return "the VM's end (stopping, failed or m->end)";
	if (a->long_mode != b->long_mode || a->update_flag != b->update_flag)
		return "the VM's LONG_MODE or RUNSTATE_UPDATE_FLAG";
	if (a->console_bytes != b->console_bytes)
		return "the console";
	if (a->xen_sets != b->xen_sets)
		return "KVM's Xen state (a KVM_XEN_*_SET_ATTR or KVM_XEN_HVM_EVTCHN_SEND)";
	if (a->writes != b->writes)
		return "KVM's state (an ioctl that writes)";
	if (!reads && a->ioctls != b->ioctls)
		return "nothing in KVM, but asked it (an ioctl besides the stub's registers)";
	for (i = 0; i < NR_VCPUS; i++) {
		const struct vcpu_state *x = &a->vcpu[i], *y = &b->vcpu[i];

		if (x->vcpu_info != y->vcpu_info)
			snprintf(what, sizeof(what), "vCPU %u's vcpu_info", i);
		else if (x->up != y->up || x->up_at_ns != y->up_at_ns || x->done != y->done)
			snprintf(what, sizeof(what), "vCPU %u's up or done", i);
		else if (x->timer_ns != y->timer_ns)
			snprintf(what, sizeof(what), "vCPU %u's singleshot timer", i);
		else if (x->area_gpa != y->area_gpa || memcmp(x->window_ram, y->window_ram,
							      sizeof(x->window_ram)))
			snprintf(what, sizeof(what), "vCPU %u's runstate area", i);
		else if (memcmp(x->rs, y->rs, sizeof(x->rs)))
			snprintf(what, sizeof(what), "vCPU %u's runstate accounting", i);
		else
			continue;
		return what;
	}
	return NULL;
}

/* ---- every hypercall the table knows, each a good call from the kernel ------- */

static const struct call {
	const char *name;
	uint32_t nr;
	uint64_t a[5];
	bool acts;		/* from the kernel, it changes what struct state sees */
} calls[] = {
	{ "memory_op(XENMEM_add_to_physmap shared_info)", XEN_HC_memory_op,
	  { XENMEM_add_to_physmap, A_XATP }, true },
	{ "set_timer_op", XEN_HC_set_timer_op, { LATER_NS }, true },
	{ "xen_version(XENVER_version)", XEN_HC_xen_version, { XENVER_version }, false },
	{ "xen_version(XENVER_get_features)", XEN_HC_xen_version,
	  { XENVER_get_features, A_FEATURES }, true },
	{ "console_io(CONSOLEIO_write)", XEN_HC_console_io,
	  { CONSOLEIO_write, sizeof(TEXT) - 1, A_TEXT }, true },
	{ "vm_assist(enable runstate_update_flag)", XEN_HC_vm_assist,
	  { VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag }, true },
	{ "vcpu_op(VCPUOP_down, 1)", XEN_HC_vcpu_op, { VCPUOP_down, 1 }, true },
	{ "vcpu_op(VCPUOP_up, 1)", XEN_HC_vcpu_op, { VCPUOP_up, 1 }, false },
	{ "vcpu_op(VCPUOP_is_up, 1)", XEN_HC_vcpu_op, { VCPUOP_is_up, 1 }, false },
	{ "vcpu_op(VCPUOP_set_singleshot_timer, 0)", XEN_HC_vcpu_op,
	  { VCPUOP_set_singleshot_timer, 0, A_SSHOT }, true },
	{ "vcpu_op(VCPUOP_stop_singleshot_timer, 0)", XEN_HC_vcpu_op,
	  { VCPUOP_stop_singleshot_timer, 0 }, true },
	{ "vcpu_op(VCPUOP_stop_periodic_timer, 0)", XEN_HC_vcpu_op,
	  { VCPUOP_stop_periodic_timer, 0 }, false },
	{ "vcpu_op(VCPUOP_get_runstate_info, 1)", XEN_HC_vcpu_op,
	  { VCPUOP_get_runstate_info, 1, A_INFO_OUT }, true },
	{ "vcpu_op(VCPUOP_register_runstate_memory_area, 0)", XEN_HC_vcpu_op,
	  { VCPUOP_register_runstate_memory_area, 0, A_AREA_VA }, true },
	{ "vcpu_op(VCPUOP_register_runstate_phys_area, 1)", XEN_HC_vcpu_op,
	  { VCPUOP_register_runstate_phys_area, 1, A_AREA_PA }, true },
	{ "vcpu_op(VCPUOP_register_vcpu_info, 1)", XEN_HC_vcpu_op,
	  { VCPUOP_register_vcpu_info, 1, A_VCPU_INFO }, true },
	{ "sched_op(SCHEDOP_yield)", XEN_HC_sched_op, { SCHEDOP_yield }, false },
	{ "sched_op(SCHEDOP_block)", XEN_HC_sched_op, { SCHEDOP_block }, true },
	{ "sched_op(SCHEDOP_shutdown poweroff)", XEN_HC_sched_op,
	  { SCHEDOP_shutdown, A_REASON }, true },
	{ "event_channel_op(EVTCHNOP_bind_virq timer)", XEN_HC_event_channel_op,
	  { EVTCHNOP_bind_virq, A_VIRQ }, true },
	{ "event_channel_op(EVTCHNOP_bind_ipi)", XEN_HC_event_channel_op,
	  { EVTCHNOP_bind_ipi, A_IPI }, true },
	{ "event_channel_op(EVTCHNOP_send, 1)", XEN_HC_event_channel_op,
	  { EVTCHNOP_send, A_PORT }, true },
	{ "event_channel_op(EVTCHNOP_unmask, 1)", XEN_HC_event_channel_op,
	  { EVTCHNOP_unmask, A_PORT }, false },
	{ "event_channel_op(EVTCHNOP_bind_vcpu, 1 to 0)", XEN_HC_event_channel_op,
	  { EVTCHNOP_bind_vcpu, A_PORT }, true },
	{ "event_channel_op(EVTCHNOP_close, 1)", XEN_HC_event_channel_op,
	  { EVTCHNOP_close, A_PORT }, true },
	{ "hvm_op(HVMOP_set_param CALLBACK_IRQ vector)", XEN_HC_hvm_op,
	  { HVMOP_set_param, A_PARAM }, true },
};

#define NR_CALLS	(sizeof(calls) / sizeof(calls[0]))

static const char *path_name(enum path path)
{
	return path == BY_KVM_EXIT ? "by KVM_EXIT_XEN" : "by the port stub";
}

/* Each call on a VM of its own: -EPERM, and nothing changed. */
static void every_call_is_refused(enum path path, uint32_t cpl)
{
	size_t i;

	for (i = 0; i < NR_CALLS; i++) {
		const struct call *c = &calls[i];
		struct vmm *m = new_vm();
		struct state before, after;
		const char *changed;
		long r;

		snapshot(m, &before);
		r = hcall(m, path, cpl, c->nr, c->a);
		snapshot(m, &after);
		changed = difference(&before, &after, false);
		forget(&before);
		forget(&after);
		free_vm(m);
		if (r != -XEN_EPERM)
			fail_msg("%s at CPL %u %s: %ld, not -EPERM (-1)", c->name, cpl,
				 path_name(path), r);
		if (changed)
			fail_msg("%s at CPL %u %s changed %s", c->name, cpl, path_name(path),
				 changed);
	}
}

static void every_hypercall_at_cpl3_gets_eperm_by_kvm_exit(void **state)
{
	(void)state;
	every_call_is_refused(BY_KVM_EXIT, 3);
}

static void every_hypercall_at_cpl3_gets_eperm_by_the_port_stub(void **state)
{
	(void)state;
	every_call_is_refused(BY_PORT, 3);
}

/*
 * The same calls from the kernel are answered, by either path, and those
 * that act change what the CPL-3 cases found unchanged: their "nothing
 * changed" is not for want of looking.
 */
static void the_same_hypercalls_at_cpl0_are_obeyed(void **state)
{
	static const uint64_t version[5] = { XENVER_version };
	enum path path;
	size_t i;

	(void)state;
	for (path = BY_KVM_EXIT; path <= BY_PORT; path++) {
		struct vmm *m = new_vm();

		assert_int_equal(hcall(m, path, 0, XEN_HC_xen_version, version), XEN_4_18);
		free_vm(m);
		for (i = 0; i < NR_CALLS; i++) {
			const struct call *c = &calls[i];
			struct state before, after;
			const char *changed;
			long r;

			m = new_vm();
			snapshot(m, &before);
			r = hcall(m, path, 0, c->nr, c->a);
			snapshot(m, &after);
			changed = difference(&before, &after, true);
			forget(&before);
			forget(&after);
			free_vm(m);
			if (r < 0)
				fail_msg("%s at CPL 0 %s: %ld", c->name, path_name(path), r);
			if (c->acts && !changed)
				fail_msg("%s at CPL 0 %s changed nothing", c->name,
					 path_name(path));
		}
	}
}

/* In real mode the CPL is 0, whatever SS's DPL says: the call is obeyed. */
static void in_real_mode_the_port_stub_is_cpl0(void **state)
{
	struct vmm *m = new_vm();
	struct kvm_regs *regs = &fake_kvm_vcpu(&m->vcpus[0])->regs;
	struct kvm_sregs *sregs = &fake_kvm_vcpu(&m->vcpus[0])->sregs;

	(void)state;
	memset(regs, 0, sizeof(*regs));
	regs->rdi = XENVER_version;
	sregs->cr0 &= ~CR0_PE;
	sregs->cs.dpl = sregs->ss.dpl = 3;
	hcall_from_port(&m->vcpus[0].xen, XEN_HC_xen_version);
	assert_int_equal(regs->rax, XEN_4_18);
	free_vm(m);
}

/* ---- bad arguments ------------------------------------------------------------- */

struct bad {
	const char *what;
	long want;
};

/* @r is what @b wants and nothing changed since @before. */
static void refused(struct vmm *m, const struct state *before, const struct bad *b, long r)
{
	struct state now;
	const char *changed;

	snapshot(m, &now);
	changed = difference(before, &now, true);
	forget(&now);
	if (r != b->want)
		fail_msg("%s: %ld, not %ld", b->what, r, b->want);
	if (changed)
		fail_msg("%s changed %s", b->what, changed);
}

static void bad_frame_numbers_and_offsets_get_einval_and_change_nothing(void **state)
{
	struct vmm *m = new_vm();
	uint64_t past_ram = fake_kvm.ram_size / PAGE, private = m->xen.windows_gpa / PAGE;
	const struct { struct bad b; uint64_t gpfn; } physmap[] = {
		{ { "shared_info at the first frame past RAM", -XEN_EINVAL }, past_ram },
		{ { "shared_info in no memory at all (frame 0xfffff)", -XEN_EINVAL }, 0xfffff },
		{ { "shared_info in the VMM's runstate windows", -XEN_EINVAL }, private },
		{ { "shared_info at frame 2^52 (its GPA 2^64: 0)", -XEN_EINVAL }, 1ull << 52 },
		{ { "shared_info at frame 2^52 + 16 (its GPA 0x10000)", -XEN_EINVAL },
		  (1ull << 52) + SHINFO_PFN },
		{ { "shared_info at frame ~0", -XEN_EINVAL }, ~0ull },
	};
	const struct { struct bad b; uint64_t mfn; uint32_t offset; } vcpu_info[] = {
		{ { "vcpu_info at offset 4096 - 63, across its page", -XEN_EINVAL },
		  VCPU_INFO_PFN, PAGE - 63 },
		{ { "vcpu_info at offset 4096", -XEN_EINVAL }, VCPU_INFO_PFN, PAGE },
		{ { "vcpu_info at offset 0xffffffff", -XEN_EINVAL }, VCPU_INFO_PFN, 0xffffffff },
		{ { "vcpu_info in frame ~0", -XEN_EINVAL }, ~0ull, 0 },
		{ { "vcpu_info in frame 2^52 (its GPA 2^64: 0)", -XEN_EINVAL }, 1ull << 52, 0 },
		{ { "vcpu_info in the last frame, to 2^64", -XEN_EINVAL },
		  (1ull << 52) - 1, PAGE - 64 },
		{ { "vcpu_info in the first frame past RAM", -XEN_EINVAL }, past_ram, 0 },
		{ { "vcpu_info in the VMM's runstate windows", -XEN_EINVAL }, private, 0 },
	};
	struct state before;
	uint32_t id;
	size_t i;

	(void)state;
	snapshot(m, &before);
	for (i = 0; i < sizeof(physmap) / sizeof(physmap[0]); i++) {
		put_xatp(m, physmap[i].gpfn);
		memcpy(before.ram + A_XATP, mem_ram(&m->mc.mem, A_XATP, sizeof(struct xatp)),
		       sizeof(struct xatp));
		refused(m, &before, &physmap[i].b,
			call0(m, XEN_HC_memory_op, XENMEM_add_to_physmap, A_XATP, 0));
	}
	for (i = 0; i < sizeof(vcpu_info) / sizeof(vcpu_info[0]); i++) {
		put_vcpu_info(m, vcpu_info[i].mfn, vcpu_info[i].offset);
		memcpy(before.ram + A_VCPU_INFO,
		       mem_ram(&m->mc.mem, A_VCPU_INFO, sizeof(struct vcpu_info_reg)),
		       sizeof(struct vcpu_info_reg));
		for (id = 0; id < NR_VCPUS; id++)
			refused(m, &before, &vcpu_info[i].b,
				call0(m, XEN_HC_vcpu_op, VCPUOP_register_vcpu_info, id,
				      A_VCPU_INFO));
	}
	assert_int_equal(m->xen.plat.shared_info, 0);
	for (id = 0; id < NR_VCPUS; id++)
		assert_int_equal(m->vcpus[id].xen.vcpu_info, 0);
	forget(&before);
	free_vm(m);
}

static void bad_ports_and_vcpu_ids_get_xens_errno(void **state)
{
	static const struct { const char *name; uint32_t cmd; } on_port[] = {
		{ "EVTCHNOP_close", EVTCHNOP_close },
		{ "EVTCHNOP_send", EVTCHNOP_send },
		{ "EVTCHNOP_unmask", EVTCHNOP_unmask },
		{ "EVTCHNOP_bind_vcpu", EVTCHNOP_bind_vcpu },
	};
	static const struct { const char *name; uint32_t port; } bad_ports[] = {
		{ "port 0", 0 },
		{ "port 1024 (XEN_MAX_PORTS)", XEN_MAX_PORTS },
		{ "port 0xffffffff", 0xffffffff },
		{ "unbound port 2", 2 },
		{ "unbound port 1023", XEN_MAX_PORTS - 1 },
	};
	static const struct { const char *name; uint32_t cmd; } vcpu_ops[] = {
		{ "VCPUOP_up", VCPUOP_up },
		{ "VCPUOP_down", VCPUOP_down },
		{ "VCPUOP_is_up", VCPUOP_is_up },
		{ "VCPUOP_get_runstate_info", VCPUOP_get_runstate_info },
		{ "VCPUOP_register_runstate_memory_area", VCPUOP_register_runstate_memory_area },
		{ "VCPUOP_stop_periodic_timer", VCPUOP_stop_periodic_timer },
		{ "VCPUOP_set_singleshot_timer", VCPUOP_set_singleshot_timer },
		{ "VCPUOP_stop_singleshot_timer", VCPUOP_stop_singleshot_timer },
		{ "VCPUOP_register_vcpu_info", VCPUOP_register_vcpu_info },
		{ "VCPUOP_register_runstate_phys_area", VCPUOP_register_runstate_phys_area },
	};
	static const uint32_t bad_ids[] = { NR_VCPUS, NR_VCPUS + 1, VMM_MAX_VCPUS - 1, 0xffffffff };
	static const uint64_t operand[] = {
		[VCPUOP_get_runstate_info] = A_INFO_OUT,
		[VCPUOP_register_runstate_memory_area] = A_AREA_VA,
		[VCPUOP_set_singleshot_timer] = A_SSHOT,
		[VCPUOP_register_vcpu_info] = A_VCPU_INFO,
		[VCPUOP_register_runstate_phys_area] = A_AREA_PA,
	};
	struct vmm *m = new_vm();
	struct state before;
	struct bad b;
	char what[160];
	size_t i, j;

	(void)state;
	b.what = what;
	snapshot(m, &before);
	for (i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		put_port(m, bad_ports[i].port, 0);
		memcpy(before.ram + A_PORT, mem_ram(&m->mc.mem, A_PORT, sizeof(struct port_arg)),
		       sizeof(struct port_arg));
		for (j = 0; j < sizeof(on_port) / sizeof(on_port[0]); j++) {
			snprintf(what, sizeof(what), "%s on %s", on_port[j].name,
				 bad_ports[i].name);
			b.want = -XEN_EINVAL;
			refused(m, &before, &b,
				call0(m, XEN_HC_event_channel_op, on_port[j].cmd, A_PORT, 0));
		}
	}
	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		b.want = -XEN_ENOENT;
		put_bind(m, bad_ids[i]);
		put_port(m, 1, bad_ids[i]);
		memcpy(before.ram + A_VIRQ, mem_ram(&m->mc.mem, A_VIRQ, 12), 12);
		memcpy(before.ram + A_IPI, mem_ram(&m->mc.mem, A_IPI, 8), 8);
		memcpy(before.ram + A_PORT, mem_ram(&m->mc.mem, A_PORT, 8), 8);
		snprintf(what, sizeof(what), "EVTCHNOP_bind_virq to vCPU %#x", bad_ids[i]);
		refused(m, &before, &b,
			call0(m, XEN_HC_event_channel_op, EVTCHNOP_bind_virq, A_VIRQ, 0));
		snprintf(what, sizeof(what), "EVTCHNOP_bind_ipi to vCPU %#x", bad_ids[i]);
		refused(m, &before, &b,
			call0(m, XEN_HC_event_channel_op, EVTCHNOP_bind_ipi, A_IPI, 0));
		snprintf(what, sizeof(what), "EVTCHNOP_bind_vcpu of port 1 to vCPU %#x",
			 bad_ids[i]);
		refused(m, &before, &b,
			call0(m, XEN_HC_event_channel_op, EVTCHNOP_bind_vcpu, A_PORT, 0));
		for (j = 0; j < sizeof(vcpu_ops) / sizeof(vcpu_ops[0]); j++) {
			snprintf(what, sizeof(what), "%s on vCPU %#x", vcpu_ops[j].name,
				 bad_ids[i]);
			refused(m, &before, &b,
				call0(m, XEN_HC_vcpu_op, vcpu_ops[j].cmd, bad_ids[i],
				      operand[vcpu_ops[j].cmd]));
		}
	}
	forget(&before);
	free_vm(m);
}

static int open_console(void **state)
{
	(void)state;
	console = tmpfile();
	return console ? 0 : -1;
}

static int close_console(void **state)
{
	(void)state;
	fclose(console);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_hypercall_at_cpl3_gets_eperm_by_kvm_exit),
		cmocka_unit_test(every_hypercall_at_cpl3_gets_eperm_by_the_port_stub),
		cmocka_unit_test(the_same_hypercalls_at_cpl0_are_obeyed),
		cmocka_unit_test(in_real_mode_the_port_stub_is_cpl0),
		cmocka_unit_test(bad_frame_numbers_and_offsets_get_einval_and_change_nothing),
		cmocka_unit_test(bad_ports_and_vcpu_ids_get_xens_errno),
	};

	return cmocka_run_group_tests_name("hypercall_rules", tests, open_console, close_console);
}
