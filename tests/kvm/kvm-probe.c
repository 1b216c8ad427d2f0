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
#include "boot.h"
#include "machine.h"
#include "xen/hcall-page.h"

static int run_guest(enum guest_width bits, enum g_program program, const char **why)
{
	static char buf[300];
	struct machine mc;
	struct kvm_cpu c;
	struct vmm_err e;
	int r, exits = 0;

	r = machine_open(&mc, bits, boot_ram_default(1), NULL, &e);
	if (!r)
		r = machine_route_hypercalls(&mc, false, &e);
	if (r) {
		snprintf(buf, sizeof(buf), "%s", e.msg);
		*why = buf;
		return -1;
	}
	mc.boot->program = program;
	mc.boot->nr_vcpus = 1;
	mc.boot->arg[0] = 3;
	r = machine_cpu_open(&mc, &c, 0, &e);
	if (r) {
		snprintf(buf, sizeof(buf), "%s", e.msg);
		*why = buf;
		machine_close(&mc);
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
			c.run->msr.error = hcall_page_write(&mc.mem, c.run->msr.data) != 0;
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
	machine_close(&mc);
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
	if (run_guest(GUEST_64, G_PROG_IO_LOOP, &why) || run_guest(GUEST_32, G_PROG_IO_LOOP, &why) ||
	    run_guest(GUEST_64, G_PROG_HCALL_PAGE, &why) ||
	    run_guest(GUEST_32, G_PROG_HCALL_PAGE, &why)) {
		printf("/dev/kvm does not run the test guests: %s\n", why);
		return 1;
	}
	printf("/dev/kvm runs 64-bit and 32-bit guests and routes the Xen MSR\n");
	return 0;
}
