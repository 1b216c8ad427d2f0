// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kvmtest.h"
#include "xen-page.h"

void kt_require_kvm(void)
{
	const char *unusable = getenv("XRS_KVM_UNUSABLE");
	int fd;

	if (unusable) {
		print_message("skipped: %s\n", unusable);
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

void kt_open(struct ktest *t, int bits, uint32_t nr_vcpus, uint32_t program)
{
	struct kvm_vm_config cfg = {
		.bits = bits, .nr_vcpus = nr_vcpus,
		.ram_size = (guest_ram_min(nr_vcpus) + (2u << 20) - 1) & ~((2ull << 20) - 1),
	};
	uint32_t i;
	int r;

	memset(t, 0, sizeof(*t));
	assert_true(nr_vcpus <= KT_MAX_VCPUS);
	r = kvm_vm_open(&t->vm, &cfg);
	if (r)
		fail_msg("kvm_vm_open: %s", t->vm.err);
	t->boot = kvm_vm_gpa(&t->vm, G_BOOTINFO, sizeof(*t->boot));
	t->boot->magic = G_BOOT_MAGIC;
	t->boot->program = program;
	t->boot->nr_vcpus = nr_vcpus;
	for (i = 0; i < nr_vcpus; i++) {
		r = kvm_cpu_open(&t->vm, &t->cpu[i], i);
		if (r)
			fail_msg("kvm_cpu_open: %s", t->vm.err);
	}
	t->nr = nr_vcpus;
}

void kt_close(struct ktest *t)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		kvm_cpu_close(&t->cpu[i]);
	kvm_vm_close(&t->vm);
}

static uint32_t io_value(struct kvm_run *run)
{
	uint32_t v = 0;

	memcpy(&v, (uint8_t *)run + run->io.data_offset,
	       run->io.size < sizeof(v) ? run->io.size : sizeof(v));
	return v;
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
		ev->data = io_value(run);
		switch (run->io.port) {
		case G_PORT_TICK:
			ev->kind = KT_TICK;
			return;
		case G_PORT_HCALL:
			ev->kind = KT_HCALL;
			return;
		case G_PORT_UCALL:
			ev->uc = kvm_vm_gpa(&t->vm, ev->data, sizeof(*ev->uc));
			assert_non_null(ev->uc);
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
				 xen_write_hypercall_page(&t->vm, run->msr.data) != 0;
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
	const char *what;

	if (ev->kind == KT_OTHER)
		fail_msg("vCPU exit %u (%s)", ev->exit_reason, kvm_exit_name(ev->exit_reason));
	if (ev->kind == KT_ERROR)
		fail_msg("KVM_RUN: %s", strerror(-ev->err));
	if (ev->kind != KT_UCALL || ev->uc->cmd != G_UCALL_FAIL)
		return;
	what = kvm_vm_gpa(&t->vm, ev->uc->arg[0], 1);
	fail_msg("guest vCPU %u line %llu: %s (0x%llx, 0x%llx)", ev->uc->vcpu,
		 (unsigned long long)ev->uc->arg[1], what ? what : "?",
		 (unsigned long long)ev->uc->arg[2], (unsigned long long)ev->uc->arg[3]);
}

void kt_hcall_return(struct kvm_cpu *c, long value)
{
	struct kvm_regs regs;

	assert_int_equal(kvm_cpu_get_regs(c, &regs), 0);
	regs.rax = (uint64_t)value;
	assert_int_equal(kvm_cpu_set_regs(c, &regs), 0);
}
