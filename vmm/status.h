/* SPDX-License-Identifier: MIT */
/*
 * What a VM's driver (xrs run) asks of it while and after it runs, by
 * function rather than by reaching into struct vmm: whether it failed or
 * is stopping, the failure, how the guest ended it, the backend libxrs
 * chose, its vCPUs, the guest's first output, and how HLT is booked.
 */
#ifndef XRS_VMM_STATUS_H
#define XRS_VMM_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <xrs/xrs.h>
#include "vmm/error.h"
#include "vmm/vm.h"

/* A vCPU failed (the VM then stops): any thread, any time. */
bool vmm_failed(struct vmm *m);
/* The guests were asked to finish (vmm_stop, a failure, the guest's own end). */
bool vmm_stopping(struct vmm *m);
/* The VM's first failure ("" if none), copied out under its lock. */
void vmm_failure(struct vmm *m, struct vmm_err *out);
/*
 * How the guest ended the run (VMM_END_NONE if it did not), and what it
 * said (@why, if not NULL, gets ""). Stable once the VM is joined.
 */
enum vmm_end vmm_how_ended(struct vmm *m, char *why, size_t len);

/* The accounting the VM runs with: auto resolved to user or kernel. */
enum xrs_backend vmm_backend(const struct vmm *m);
uint32_t vmm_nr_vcpus(const struct vmm *m);
/* When the PC guest first wrote to its console (CLOCK_MONOTONIC ns); 0: not yet, or no PC. */
uint64_t vmm_first_output_ns(const struct vmm *m);
/*
 * How libxrs books the guest's HLT (xrs_vcpu_get_halt_status of vCPU 0):
 * 0 and its status in *@status, or -ENODEV without accounting.
 */
int vmm_halt_status(const struct vmm *m, int *status);
/*
 * Where libxrs reads the vCPU threads' run delay (xrs_vm_get_preempt_source):
 * 0 and "bpf" or "none (why)" in @buf, or -ENODEV without accounting.
 */
int vmm_preempt_source(const struct vmm *m, char *buf, size_t len);
/*
 * Whether the runstate areas move onto the preemption source's map, where
 * its program flips them runnable at the vCPU thread's preemption (only
 * with the source loaded, on the user backend).
 */
bool vmm_moves_areas(const struct vmm *m);

#endif
