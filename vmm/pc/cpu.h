/* SPDX-License-Identifier: MIT */
/*
 * What a PC vCPU holds beyond its registers (migrate.h has those), for a
 * save and restore of the Linux guest: its in-kernel local APIC, x87/SSE
 * state (the PC offers no XSAVE), pending events, MP state, debug
 * registers, and the MSRs a 64-bit Linux sets (the TSC first). In QEMU's
 * order on restore, after the registers: MSRs, MP state, LAPIC, events.
 */
#ifndef XRS_VMM_PC_CPU_H
#define XRS_VMM_PC_CPU_H

#include <stdint.h>
#include <linux/kvm.h>

struct kvm_cpu;

#define PC_CPU_MSRS	13

struct pc_cpu_state {
	struct kvm_fpu fpu;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs debugregs;
	uint64_t msr[PC_CPU_MSRS];
	uint32_t msr_valid;		/* bit i: msr[i] was read (KVM has it) */
};

/* 0 or -errno. */
int pc_cpu_save(struct kvm_cpu *c, struct pc_cpu_state *st);
int pc_cpu_restore(struct kvm_cpu *c, const struct pc_cpu_state *st);

#endif
