/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor tables (MP spec 1.4): how Linux without ACPI finds
 * the other vCPUs, the I/O APIC and where the ISA interrupts go. One
 * processor entry per vCPU (LAPIC id = vCPU id), one I/O APIC after them,
 * ISA IRQ n on its pin n (KVM's default routing of the in-kernel irqchip).
 * Pure: written into a buffer at a guest-physical address.
 */
#ifndef XRS_VMM_PC_MPTABLE_H
#define XRS_VMM_PC_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MPTABLE_IOAPIC_ADDR	0xfec00000u
#define MPTABLE_LAPIC_ADDR	0xfee00000u
#define MPTABLE_MAX_VCPUS	254	/* xAPIC ids, with one left for the I/O APIC */

/* Bytes the tables take for @nr_vcpus. */
size_t mptable_size(unsigned int nr_vcpus);
/*
 * Write the floating pointer and the configuration table at @buf, which the
 * guest sees at @gpa (16-byte aligned, below 1 MiB): 0, or -EINVAL for a
 * vCPU count the tables cannot hold.
 */
int mptable_write(uint8_t *buf, uint32_t gpa, unsigned int nr_vcpus);

#endif
