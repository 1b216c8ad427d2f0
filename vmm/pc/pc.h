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
#include <linux/kvm.h>
#include "vmm/error.h"
#include "vmm/pc/uart.h"

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

struct guest_mem;
struct kvm_cpu;
struct kvm_vm;
struct linux_image;
struct pc;

/* How the guest ended the run, as the PC saw it. */
enum pc_end {
	PC_END_REBOOT,			/* the i8042 reset */
	PC_END_TRIPLE_FAULT,		/* KVM_EXIT_SHUTDOWN */
	PC_END_CRASH,			/* either, after the console said a panic */
};

/* What the PC asks of the VMM it runs in (pc_attach). */
struct pc_ops {
	/* The guest ended the run: the VM stops. */
	void (*end)(void *vm, enum pc_end end, const char *why);
	/*
	 * PC_PROBE_PORT on @vcpu: its id, its area's four times as its
	 * guest reads them, its thread's run delay (-1: unknown). 0, or
	 * -ENOENT with no area registered.
	 */
	int (*probe)(void *vcpu, uint32_t *id, uint64_t times[4], int64_t *run_delay);
};

/*
 * A PC on @kvm (open, nothing else): irqchip, PIT, RAM in @mem for @li,
 * the kernel laid out, MP tables for @nr_vcpus. 0 or -errno; either way
 * *@out, if set, is to be pc_close()d.
 */
int pc_open(struct kvm_vm *kvm, struct guest_mem *mem, const struct linux_image *li,
	    uint32_t nr_vcpus, struct pc **out, struct vmm_err *e);
void pc_close(struct pc *pc);
/* vCPU @c's registers: the bootstrap one at the entry; 0 or -errno. */
int pc_cpu_boot(const struct pc *pc, struct kvm_cpu *c, struct vmm_err *e);
/* Where ttyS0 goes, and the VMM (@ops, its @vm) the board tells and asks. */
void pc_attach(struct pc *pc, FILE *console, const struct pc_ops *ops, void *vm);
/* An exit of vCPU @c (the VMM's @vcpu): true if the board answered it. */
bool pc_exit(struct pc *pc, struct kvm_cpu *c, void *vcpu);
/* What the board holds that a restore must put back (migrate.h). */
struct pc_state {
	struct kvm_irqchip chip[3];	/* PIC master, PIC slave, I/O APIC */
	struct kvm_pit_state2 pit;
	struct uart uart;		/* its registers; the callbacks stay the VM's */
	uint64_t first_output_ns;
};

/* The board's state, its vCPUs paused: 0 or -errno. */
int pc_save(struct pc *pc, struct pc_state *st);
/* Into a PC made for the same kernel, before any vCPU runs: 0 or -errno. */
int pc_restore(struct pc *pc, const struct pc_state *st);
/* CLOCK_MONOTONIC ns when ttyS0 first spoke, or 0. */
uint64_t pc_first_output_ns(const struct pc *pc);

#endif
