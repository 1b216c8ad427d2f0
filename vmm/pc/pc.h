/* SPDX-License-Identifier: MIT */
/*
 * The PC board: a machine just big enough for an unmodified x86-64 Linux
 * kernel. RAM laid out by the boot protocol (linux-image.h, checked before
 * any of this), KVM's in-kernel irqchip and PIT, MP tables for the vCPUs, a
 * 16550A on ttyS0 whose output is the VMM's console, the i8042's reset. The
 * bootstrap vCPU starts at the kernel's 64-bit entry; the others wait in
 * KVM for their SIPI. The guest ends the run by rebooting (the i8042 reset,
 * Linux's reboot=k), by a triple fault, or by panicking.
 */
#ifndef XRS_VMM_PC_PC_H
#define XRS_VMM_PC_PC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "error.h"

/* ttyS0 as the console, the i8042 reset for reboot, no PCI or ACPI to probe. */
#define PC_CMDLINE_DEFAULT	"console=ttyS0 reboot=k panic=-1 pci=off acpi=off"
#define PC_RAM_MIB_DEFAULT	256
/*
 * How often a Linux guest's vCPUs are kicked for a fresh area (user
 * backend), unless said otherwise: fresh to well within the 1 % the steal
 * test allows, for a tenth of the exits of the test guests' 10 ms.
 */
#define PC_REFRESH_MS_DEFAULT	100
/*
 * A test's probe: a guest program writes a 32-bit mark here (outl) and the
 * VMM prints, in that very exit, that vCPU's runstate area as the guest
 * reads it and its thread's run delay: "xrs: probe vcpu N mark M area_ns
 * RUNNING RUNNABLE BLOCKED OFFLINE run_delay_ns D"; mark 0 is only an exit
 * (the next entry refreshes the area). Unused by Linux itself.
 */
#define PC_PROBE_PORT		0x504

struct machine;
struct kvm_cpu;
struct linux_image;
struct vmm;
struct vmm_vcpu;
struct pc;

/*
 * The PC in @mc (its KVM VM open, nothing else): irqchip, PIT, RAM for
 * @li, the kernel laid out, MP tables for @nr_vcpus. 0 or -errno.
 */
int pc_open(struct machine *mc, const struct linux_image *li, uint32_t nr_vcpus,
	    struct vmm_err *e);
void pc_close(struct machine *mc);
/* vCPU @c's registers: the bootstrap one at the entry; 0 or -errno. */
int pc_cpu_boot(struct machine *mc, struct kvm_cpu *c, struct vmm_err *e);
/* Where ttyS0 goes, and the VM its ends are told to. */
void pc_attach(struct pc *pc, struct vmm *m, FILE *console);
/* An exit of a PC vCPU: true if the board answered it. */
bool pc_exit(struct vmm_vcpu *v);
/* CLOCK_MONOTONIC ns when ttyS0 first spoke, or 0. */
uint64_t pc_first_output_ns(const struct pc *pc);

#endif
