/* SPDX-License-Identifier: MIT */
/*
 * A small KVM VM for the built-in test guests: RAM, page tables, the guest
 * image, Xen's CPUID leaves, the hypercall-page MSR routed to user space,
 * and vCPUs started in 64-bit long mode or 32-bit protected mode.
 * Used by `xrs run` and by the KVM test suite.
 */
#ifndef XRS_VMM_KVM_H
#define XRS_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

struct kvm_vm {
	int kvm_fd;
	int fd;
	int memfd;			/* backs RAM, so pages can be mapped twice */
	uint8_t *ram;
	uint64_t ram_size;
	int bits;			/* guest width: 64 or 32 */
	size_t run_size;
	bool sync_regs;			/* KVM_CAP_SYNC_REGS: registers in kvm_run */
	struct kvm_cpuid2 *cpuid;
	char err[160];			/* what failed, for the caller's message */
};

struct kvm_cpu {
	struct kvm_vm *vm;
	int fd;
	uint32_t id;
	struct kvm_run *run;
};

struct kvm_vm_config {
	uint64_t ram_size;		/* bytes; at least guest_ram_min(nr_vcpus) */
	int bits;			/* 64 or 32 */
	uint32_t nr_vcpus;
	const char *dev;		/* NULL: /dev/kvm */
};

uint64_t guest_ram_min(uint32_t nr_vcpus);

/* 0 or -errno; vm->err says what failed. */
int kvm_vm_open(struct kvm_vm *vm, const struct kvm_vm_config *cfg);
void kvm_vm_close(struct kvm_vm *vm);

/*
 * Hand Xen to KVM (CONFIG_KVM_XEN): KVM installs the hypercall page on the
 * MSR write and exits with KVM_EXIT_XEN for each hypercall.
 */
int kvm_vm_xen_in_kernel(struct kvm_vm *vm);

/* The guest's view of memory: NULL unless [gpa, gpa + len) is RAM. */
void *kvm_vm_gpa(struct kvm_vm *vm, uint64_t gpa, uint64_t len);

/* Create vCPU @id, ready to start at the guest image's entry. */
int kvm_cpu_open(struct kvm_vm *vm, struct kvm_cpu *c, uint32_t id);
void kvm_cpu_close(struct kvm_cpu *c);

/* One KVM_RUN: 0, or -errno (-EINTR when kicked). */
int kvm_cpu_run(struct kvm_cpu *c);

/* General registers, through kvm_run's sync area when KVM has it. */
int kvm_cpu_get_regs(struct kvm_cpu *c, struct kvm_regs *regs);
int kvm_cpu_set_regs(struct kvm_cpu *c, const struct kvm_regs *regs);
/* Is the vCPU in 64-bit mode (EFER.LMA)? 1, 0, or -errno. */
int kvm_cpu_long_mode(struct kvm_cpu *c);

/* Translate a guest virtual address through the vCPU's page tables. */
int kvm_cpu_translate(struct kvm_cpu *c, uint64_t gva, uint64_t *gpa);

const char *kvm_exit_name(uint32_t reason);

#endif /* XRS_VMM_KVM_H */
