/* SPDX-License-Identifier: MIT */
/*
 * A Linux guest (xrs run --kernel): a PC just big enough for an unmodified
 * x86-64 kernel: RAM with an e820 map, KVM's in-kernel irqchip and PIT, MP
 * tables for the vCPUs, a 16550A on ttyS0 whose output is the VMM's, and
 * a vCPU thread each. The guest ends by rebooting (the i8042 reset, Linux's
 * reboot=k), by a triple fault, or by panicking.
 */
#ifndef XRS_VMM_KERNEL_GUEST_H
#define XRS_VMM_KERNEL_GUEST_H

#include <stdint.h>
#include <stdio.h>

/* ttyS0 as the console, the i8042 reset for reboot, no PCI or ACPI to probe. */
#define KERNEL_CMDLINE_DEFAULT "console=ttyS0 reboot=k panic=-1 pci=off acpi=off"

struct kernel_config {
	const char *kernel, *initrd, *cmdline;	/* initrd may be NULL */
	uint32_t nr_vcpus;
	uint64_t ram_mib;
	double seconds;				/* stop after this long (0: never) */
	const char *dev;			/* NULL: /dev/kvm */
	FILE *console;				/* the guest's ttyS0 */
};

enum kernel_end {
	KERNEL_REBOOTED,	/* the guest asked for a reset: its normal end */
	KERNEL_TIMED_OUT,	/* still running after cfg.seconds */
	KERNEL_PANICKED,	/* it said "Kernel panic" */
	KERNEL_TRIPLE_FAULT,
	KERNEL_FAILED,		/* the VMM's or KVM's error */
};

struct kernel_result {
	enum kernel_end end;
	double seconds;			/* from the first KVM_RUN */
	double first_output_s;		/* when ttyS0 first spoke */
	char why[256];
};

/*
 * Boot and run it to its end. 0 with *@res, or -EINVAL/-E2BIG/-ENOENT...
 * for a bad file or configuration, nothing run, the reason in res->why.
 */
int kernel_guest_run(const struct kernel_config *cfg, struct kernel_result *res);

#endif
