// SPDX-License-Identifier: MIT
/*
 * Can /dev/kvm here run the guests the KVM suite needs? Runs each kind for
 * real: 64-bit and 32-bit guests to their HLT, and the Xen MSR reaching
 * user space. Exit 0 if all work; otherwise print why, in one line, and
 * exit 1. A guest that hangs counts as a failure (alarm).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "abi.h"
#include "kvm.h"
#include "xen-page.h"

static int run_guest(int bits, uint32_t program, const char **why)
{
	struct kvm_vm_config cfg = { .bits = bits, .nr_vcpus = 1, .ram_size = 32u << 20 };
	struct g_bootinfo *boot;
	struct kvm_vm vm;
	struct kvm_cpu c;
	static char buf[256];
	int r, exits = 0;

	r = kvm_vm_open(&vm, &cfg);
	if (r) {
		snprintf(buf, sizeof(buf), "%s", vm.err);
		*why = buf;
		return -1;
	}
	boot = kvm_vm_gpa(&vm, G_BOOTINFO, sizeof(*boot));
	boot->program = program;
	boot->nr_vcpus = 1;
	boot->arg[0] = 3;
	r = kvm_cpu_open(&vm, &c, 0);
	if (r) {
		snprintf(buf, sizeof(buf), "%s", vm.err);
		*why = buf;
		kvm_vm_close(&vm);
		return -1;
	}
	for (;;) {
		r = kvm_cpu_run(&c);
		if (r) {
			snprintf(buf, sizeof(buf), "%d-bit guest: KVM_RUN: %s", bits, strerror(-r));
			break;
		}
		if (c.run->exit_reason == KVM_EXIT_HLT && program == G_PROG_IO_LOOP && exits == 3) {
			r = 0;
			break;
		}
		if (c.run->exit_reason == KVM_EXIT_IO && c.run->io.port == G_PORT_TICK) {
			exits++;
			continue;
		}
		if (c.run->exit_reason == KVM_EXIT_X86_WRMSR && program == G_PROG_HCALL_PAGE) {
			c.run->msr.error = xen_write_hypercall_page(&vm, c.run->msr.data) != 0;
			r = 0;
			break;
		}
		snprintf(buf, sizeof(buf), "%d-bit guest: unexpected exit %u (%s)", bits,
			 c.run->exit_reason, kvm_exit_name(c.run->exit_reason));
		r = -1;
		break;
	}
	if (r)
		*why = buf;
	kvm_cpu_close(&c);
	kvm_vm_close(&vm);
	return r;
}

int main(void)
{
	const char *why = NULL;

	alarm(20);
	if (access("/dev/kvm", F_OK) != 0) {
		printf("no /dev/kvm\n");
		return 1;
	}
	if (run_guest(64, G_PROG_IO_LOOP, &why) || run_guest(32, G_PROG_IO_LOOP, &why) ||
	    run_guest(64, G_PROG_HCALL_PAGE, &why) || run_guest(32, G_PROG_HCALL_PAGE, &why)) {
		printf("/dev/kvm does not run the test guests: %s\n", why);
		return 1;
	}
	printf("/dev/kvm runs 64-bit and 32-bit guests and routes the Xen MSR\n");
	return 0;
}
