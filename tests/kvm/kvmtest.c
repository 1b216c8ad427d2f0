// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/kvm/kvmtest.h"
#include "vmm/guest-boot.h"
#include "vmm/vcpu-sample.h"
#include "vmm/vmm.h"
#include "vmm/xen/hcall-page.h"

static const struct {
	unsigned int need;
	const char *name;
} needs_by_name[] = {
	{ KT_64, "64" }, { KT_32, "32" }, { KT_XEN, "xen" }, { KT_ORDERING, "ordering" },
};

/* "64 32 xen ordering" (what tests/kvm/kvm-probe --caps prints) as bits. */
static unsigned int parse_needs(const char *list)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; list && i < sizeof(needs_by_name) / sizeof(needs_by_name[0]); i++) {
		const char *p = strstr(list, needs_by_name[i].name);
		size_t len = strlen(needs_by_name[i].name);

		while (p && ((p != list && p[-1] != ' ') || (p[len] && p[len] != ' ')))
			p = strstr(p + 1, needs_by_name[i].name);
		if (p)
			n |= needs_by_name[i].need;
	}
	return n;
}

void kt_require(unsigned int needs)
{
	const char *pass = getenv("XRS_KVM_PASS");
	const char *unusable = getenv("XRS_KVM_UNUSABLE");
	bool on_host = (needs & ~parse_needs(getenv("XRS_KVM_HOST_CAPS"))) == 0;
	int fd;

	if (pass && !strcmp(pass, "direct") && !on_host) {
		print_message("other-pass: needs what this host's KVM lacks\n");
		skip();
	}
	if (pass && !strcmp(pass, "sandbox") && on_host) {
		print_message("other-pass: runs directly on this host\n");
		skip();
	}
	if (unusable) {
		char names[40] = "";
		size_t i;

		for (i = 0; i < sizeof(needs_by_name) / sizeof(needs_by_name[0]); i++)
			if (needs & needs_by_name[i].need)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", *names ? " " : "", needs_by_name[i].name);
		print_message("skipped: needs %s: %s\n", names, unusable);
		skip();
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		print_message("skipped: /dev/kvm: %s (the KVM suite runs in the sandbox "
			      "where the host has no usable KVM: make test)\n", strerror(errno));
		skip();
	}
	close(fd);
}

void kt_require_guest(enum guest_width bits)
{
	kt_require(bits == GUEST_32 ? KT_32 : KT_64);
}

void kt_require_kvm(void)
{
	kt_require(KT_64);
}

int __kt_open(struct ktest *t, enum guest_width bits, uint32_t nr_vcpus,
	      enum g_program program, struct vmm_err *e)
{
	uint32_t i;
	int r;

	memset(t, 0, sizeof(*t));
	if (nr_vcpus > KT_MAX_VCPUS)
		return err_set(e, -EINVAL, "%u vCPUs, at most %u", nr_vcpus, KT_MAX_VCPUS);
	r = machine_open(&t->mc, bits, boot_ram_default(nr_vcpus), NULL, e);
	if (!r)
		r = machine_route_hypercalls(&t->mc, false, e);
	if (r)
		return r;
	t->boot = t->mc.boot;
	t->boot->program = program;
	t->boot->nr_vcpus = nr_vcpus;
	for (i = 0; i < nr_vcpus && !r; i++) {
		r = machine_cpu_open(&t->mc, &t->cpu[i], i, e);
		t->nr += !r;
	}
	if (r)
		kt_close(t);
	return r;
}

void kt_open(struct ktest *t, enum guest_width bits, uint32_t nr_vcpus, enum g_program program)
{
	struct vmm_err e;

	if (__kt_open(t, bits, nr_vcpus, program, &e))
		fail_msg("kt_open (%d-bit, %u vCPUs): %s", bits, nr_vcpus, e.msg);
}

void kt_close(struct ktest *t)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		kvm_cpu_close(&t->cpu[i]);
	t->nr = 0;
	machine_close(&t->mc);
}

void *kt_ram(struct ktest *t, uint64_t gpa, uint64_t len)
{
	void *p = mem_ram(&t->mc.mem, gpa, len);

	if (!p)
		fail_msg("[%#llx, +%llu) is not guest RAM", (unsigned long long)gpa,
			 (unsigned long long)len);
	return p;
}

void kt_run(struct ktest *t, struct kvm_cpu *c, struct kt_event *ev)
{
	struct kvm_run *run = c->run;
	int r = kvm_cpu_run(c);

	memset(ev, 0, sizeof(*ev));
	ev->exit_reason = run->exit_reason;
	if (r) {
		ev->kind = KT_ERROR;
		ev->err = r;
		return;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction != KVM_EXIT_IO_OUT)
			break;
		ev->data = kvm_cpu_io_value(c);
		switch (run->io.port) {
		case G_PORT_TICK:
			ev->kind = KT_TICK;
			return;
		case G_PORT_HCALL:
			ev->kind = KT_HCALL;
			return;
		case G_PORT_UCALL:
			ev->uc = kt_ram(t, ev->data, sizeof(*ev->uc));
			ev->kind = KT_UCALL;
			return;
		}
		break;
	case KVM_EXIT_HLT:
		ev->kind = KT_HLT;
		return;
	case KVM_EXIT_X86_WRMSR:
		ev->kind = KT_WRMSR;
		ev->msr = run->msr.index;
		ev->data = run->msr.data;
		run->msr.error = run->msr.index != XEN_HYPERCALL_MSR ||
				 hcall_page_write(&t->mc.mem, run->msr.data) != 0;
		return;
	}
	ev->kind = KT_OTHER;
}

void kt_run_until(struct ktest *t, struct kvm_cpu *c, struct kt_event *ev, uint64_t *ticks)
{
	for (;;) {
		kt_run(t, c, ev);
		if (ev->kind != KT_TICK)
			return;
		if (ticks)
			(*ticks)++;
	}
}

void kt_assert_no_guest_fail(struct ktest *t, const struct kt_event *ev)
{
	const char *what, *file;

	if (ev->kind == KT_OTHER)
		fail_msg("vCPU exit %u (%s)", ev->exit_reason, kvm_exit_name(ev->exit_reason));
	if (ev->kind == KT_ERROR)
		fail_msg("KVM_RUN: %s", strerror(-ev->err));
	if (ev->kind != KT_UCALL || ev->uc->cmd != G_UCALL_FAIL)
		return;
	what = mem_ram(&t->mc.mem, ev->uc->arg[0], 1);
	file = mem_ram(&t->mc.mem, ev->uc->arg[4], 1);
	fail_msg("guest vCPU %u: assert failed at %.60s:%llu: %.120s (0x%llx, 0x%llx)",
		 ev->uc->vcpu, file ? file : "?", (unsigned long long)ev->uc->arg[1],
		 what ? what : "?", (unsigned long long)ev->uc->arg[2],
		 (unsigned long long)ev->uc->arg[3]);
}

void kt_hcall_return(struct kvm_cpu *c, long value)
{
	struct kvm_regs regs;

	TEST_ASSERT_OK(kvm_cpu_get_regs(c, &regs), "KVM_GET_REGS");
	regs.rax = (uint64_t)value;
	TEST_ASSERT_OK(kvm_cpu_set_regs(c, &regs), "KVM_SET_REGS");
}

void kt_assert_vmm_clean(struct vmm *m)
{
	uint32_t i;

	for (i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu_sample s;

		vmm_sample_vcpu(m, i, true, &s);
		if (s.failed)
			fail_msg("vCPU %u: %s", i, s.error);
		if (s.violations || s.host_violations)
			fail_msg("vCPU %u: %llu guest and %llu host checks failed", i,
				 (unsigned long long)s.violations,
				 (unsigned long long)s.host_violations);
	}
	if (atomic_load(&m->failed))
		fail_msg("the VM failed: %s", m->failure.msg);
}
