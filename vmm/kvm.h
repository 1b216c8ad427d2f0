/* SPDX-License-Identifier: MIT */
/*
 * The KVM VM and its vCPUs: /dev/kvm, the ioctls, kvm_run. Nothing here
 * knows what the guest is; memory.c, guest-boot.c and xen/ set it up.
 */
#ifndef XRS_VMM_KVM_H
#define XRS_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "vmm/error.h"

struct kvm_vm {
	int kvm_fd;			/* /dev/kvm */
	int fd;				/* the VM */
	size_t run_size;
	bool sync_regs;			/* KVM_CAP_SYNC_REGS: registers in kvm_run */
};

struct kvm_cpu {
	struct kvm_vm *vm;
	int fd;
	uint32_t id;
	struct kvm_run *run;
};

/* Open @dev (NULL: /dev/kvm) and create a VM: 0 or -errno. */
int kvm_vm_open(struct kvm_vm *vm, const char *dev, struct vmm_err *e);
void kvm_vm_close(struct kvm_vm *vm);
/* KVM_CHECK_EXTENSION on the VM: the value, or 0. */
int kvm_vm_check(struct kvm_vm *vm, long cap);
int kvm_vm_set_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		       void *hva, struct vmm_err *e);
/* KVM_GET_CLOCK / KVM_SET_CLOCK: 0 or -errno. */
int kvm_vm_get_clock(struct kvm_vm *vm, uint64_t *ns);
int kvm_vm_set_clock(struct kvm_vm *vm, uint64_t ns);

int kvm_cpu_open(struct kvm_vm *vm, struct kvm_cpu *c, uint32_t id, struct vmm_err *e);
void kvm_cpu_close(struct kvm_cpu *c);
/* One KVM_RUN: 0, or -errno (-EINTR when kicked). */
int kvm_cpu_run(struct kvm_cpu *c);
/* General registers, through kvm_run's sync area where KVM has it. */
int kvm_cpu_get_regs(struct kvm_cpu *c, struct kvm_regs *regs);
/* From KVM itself, never the sync area: what a save wants after the last exit. */
int kvm_cpu_read_regs(struct kvm_cpu *c, struct kvm_regs *regs);
int kvm_cpu_set_regs(struct kvm_cpu *c, const struct kvm_regs *regs);
int kvm_cpu_get_sregs(struct kvm_cpu *c, struct kvm_sregs *sregs);
int kvm_cpu_set_sregs(struct kvm_cpu *c, const struct kvm_sregs *sregs);
int kvm_cpu_set_cpuid(struct kvm_cpu *c, const struct kvm_cpuid2 *cpuid);
/* One MSR: 0 or -errno (-EINVAL if KVM would not read or write it). */
int kvm_cpu_get_msr(struct kvm_cpu *c, uint32_t index, uint64_t *value);
int kvm_cpu_set_msr(struct kvm_cpu *c, uint32_t index, uint64_t value);
/* KVM_GET_MP_STATE: 0 or -errno. */
int kvm_cpu_get_mp_state(struct kvm_cpu *c, uint32_t *mp_state);
/* Is the vCPU in 64-bit mode (EFER.LMA)? 1, 0, or -errno. */
int kvm_cpu_long_mode(struct kvm_cpu *c);
/* A guest virtual address through the vCPU's page tables: 0 or -EFAULT. */
int kvm_cpu_translate(struct kvm_cpu *c, uint64_t gva, uint64_t *gpa);
/* The value of a port-I/O exit (OUT), up to 4 bytes. */
uint32_t kvm_cpu_io_value(const struct kvm_cpu *c);

const char *kvm_exit_name(uint32_t reason);

#endif
