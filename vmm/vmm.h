/* SPDX-License-Identifier: MIT */
/*
 * The xrs VMM: a KVM VM on one of two boards (the built-in Xen test guests'
 * box, or a PC for an unmodified Linux kernel), one host thread per vCPU
 * (vcpu.h), libxrs accounting around every KVM_RUN (xen/runstate.h) and the
 * Xen hypercalls the guests make (xen/: the Xen layer, which sees only the
 * struct xen_vm and xen_vcpu that vm.h's structs embed, and calls back
 * through xen-ops.h). `xrs run` drives it; so do the KVM tests.
 *
 * The VM itself and what its parts share: vm.h.
 */
#ifndef XRS_VMM_VMM_H
#define XRS_VMM_VMM_H

#include <stdint.h>
#include "vmm/config.h"
#include "vmm/error.h"
#include "vmm/vm.h"

/* 0, or -errno with the reason in @e. */
int vmm_create(const struct vmm_config *cfg, struct vmm **out, struct vmm_err *e);
int vmm_start(struct vmm *m, struct vmm_err *e);
/* Wait for every vCPU thread; 0 if all finished cleanly. */
int vmm_join(struct vmm *m, double timeout_s);
/*
 * Stop every vCPU thread where the VM can be saved and resumed, without the
 * guests knowing: out of KVM_RUN with any I/O completed, a vCPU that is down
 * still down, a timed block waited out. 0, or -EIO if a vCPU failed or did
 * not stop within @timeout_s.
 */
int vmm_pause(struct vmm *m, double timeout_s);
void vmm_destroy(struct vmm *m);

/*
 * Where vCPU @i of a joined VM stands (its thread ended): RIP, CPL and
 * KVM's MP state, for a person to tell a stuck guest. 0 or -errno.
 */
int vmm_vcpu_where(struct vmm *m, uint32_t i, uint64_t *rip, uint32_t *cpl, uint32_t *mp_state);

/* The least RAM the built-in guests need for @nr_vcpus, bytes. */
uint64_t vmm_ram_min(uint32_t nr_vcpus);

#endif
