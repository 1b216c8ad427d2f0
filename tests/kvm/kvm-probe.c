// SPDX-License-Identifier: MIT
/*
 * Can /dev/kvm here run the guests the KVM suite needs? Runs each kind for
 * real: 64-bit and 32-bit guests to their HLT, and the Xen MSR reaching
 * user space. Exit 0 if all work; otherwise print why, in one line, and
 * exit 1. A guest that hangs counts as a failure (alarm).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "guest/guest-abi.h"
#include "vmm/guest-boot.h"
#include "vmm/machine.h"
#include "vmm/xen/hcall-page.h"

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

/* kvm_pvm hosts: where guest-style readers were seen to tear (docs/torn-reads.md). */
static bool pvm_host(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

static bool xen_runstate_in_kernel(void)
{
	struct kvm_vm vm;
	bool yes = false;

	if (!kvm_vm_open(&vm, NULL, NULL)) {
		yes = kvm_vm_check(&vm, KVM_CAP_XEN_HVM) & KVM_XEN_HVM_CONFIG_RUNSTATE;
		kvm_vm_close(&vm);
	}
	return yes;
}

/* Each mode: guests to their HLT, and the Xen MSR routed to user space. */
static int run_mode(enum guest_width bits, const char **why)
{
	return run_guest(bits, G_PROG_IO_LOOP, why) || run_guest(bits, G_PROG_HCALL_PAGE, why);
}

/*
 * usage: kvm-probe          exit 0 if /dev/kvm runs 64- and 32-bit test guests
 *        kvm-probe 64|32    ...guests of that width
 *        kvm-probe --caps   print what this host's KVM offers directly, of
 *                           "64 32 xen ordering" (why not, for the others, on
 *                           stderr); exit 0
 */
int main(int argc, char **argv)
{
	const char *why = NULL;
	int r;

	alarm(20);
	if (argc > 1 && !strcmp(argv[1], "--caps")) {
		const char *sep = "";

		if (access("/dev/kvm", F_OK) != 0) {
			fprintf(stderr, "no /dev/kvm\n");
			putchar('\n');
			return 0;
		}
		if (!run_mode(GUEST_64, &why))
			printf("%s64", sep), sep = " ";
		else
			fprintf(stderr, "64: %s\n", why);
		if (!run_mode(GUEST_32, &why))
			printf("%s32", sep), sep = " ";
		else
			fprintf(stderr, "32: %s\n", why);
		if (xen_runstate_in_kernel())
			printf("%sxen", sep), sep = " ";
		else
			fprintf(stderr, "xen: KVM_CAP_XEN_HVM lacks RUNSTATE (no CONFIG_KVM_XEN)\n");
		if (!pvm_host())
			printf("%sordering", sep);
		else
			fprintf(stderr, "ordering: a kvm_pvm host, where readers were seen to tear\n");
		putchar('\n');
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "64") && strcmp(argv[1], "32")) {
		fprintf(stderr, "usage: kvm-probe [64|32|--caps]\n");
		return 2;
	}
	if (access("/dev/kvm", F_OK) != 0) {
		printf("no /dev/kvm\n");
		return 1;
	}
	if (argc > 1)
		r = run_mode(!strcmp(argv[1], "64") ? GUEST_64 : GUEST_32, &why);
	else
		r = run_mode(GUEST_64, &why) || run_mode(GUEST_32, &why);
	if (r) {
		printf("/dev/kvm does not run the test guests: %s\n", why);
		return 1;
	}
	printf("/dev/kvm runs %s%s test guests\n", argc > 1 ? argv[1] : "64- and 32", "-bit");
	return 0;
}
