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

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xrs/xrs.h>

/* ttyS0 as the console, the i8042 reset for reboot, no PCI or ACPI to probe. */
#define KERNEL_CMDLINE_DEFAULT "console=ttyS0 reboot=k panic=-1 pci=off acpi=off"

struct kernel_config {
	const char *kernel, *initrd, *cmdline;	/* initrd may be NULL */
	uint32_t nr_vcpus;
	uint64_t ram_mib;
	double seconds;				/* stop after this long (0: never) */
	const char *dev;			/* NULL: /dev/kvm */
	FILE *console;				/* the guest's ttyS0 */
	bool xen;				/* a Xen HVM guest (needs CONFIG_KVM_XEN) */
	uint32_t refresh_ms;			/* user backend: kick a vCPU in KVM_RUN this
						 * often, so its area is fresh (0: never) */
	const int *pin;				/* host CPUs: vCPU i on pin[i % nr_pin] */
	int nr_pin;
	enum xrs_backend backend;		/* whose runstate accounting, with xen */
};

#define KERNEL_MAX_VCPUS	64
/*
 * How often a Linux guest's vCPUs are kicked for a fresh area (user
 * backend), unless --refresh-ms says: fresh to well within the 1 % the
 * steal test allows, for a tenth of the exits of the test guests' 10 ms.
 */
#define KERNEL_REFRESH_MS_DEFAULT	100

/* A vCPU's accounting at the end: GET RUNSTATE_DATA, and its thread's run delay. */
struct kernel_vcpu_end {
	uint64_t time[XRS_RUNSTATE_COUNT];
	uint64_t run_delay_ns;
	bool have_runstate;			/* GET RUNSTATE_DATA answered */
	uint64_t area_gpa;			/* where the guest registered its area, or 0 */
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
	enum xrs_backend backend;	/* what AUTO chose, with xen */
	uint64_t hypercalls;
	uint32_t nr_vcpus;
	struct kernel_vcpu_end vcpu[KERNEL_MAX_VCPUS];
};

/*
 * Boot and run it to its end. 0 with *@res, or -EINVAL/-E2BIG/-ENOENT...
 * for a bad file or configuration, nothing run, the reason in res->why.
 */
int kernel_guest_run(const struct kernel_config *cfg, struct kernel_result *res);

#endif
