/* SPDX-License-Identifier: MIT */
/*
 * Guest memory by virtual address, for hypercall arguments: each page is
 * translated through the calling vCPU's page tables and must be RAM on its
 * own, so a buffer whose pages are not physically adjacent works and one
 * that leaves RAM is -EFAULT.
 */
#ifndef XRS_VMM_GVA_H
#define XRS_VMM_GVA_H

#include <stdint.h>
#include "vmm/kvm.h"
#include "vmm/memory.h"

int gva_read(struct kvm_cpu *c, const struct guest_mem *gm, uint64_t gva, void *buf,
	     uint64_t len);
int gva_write(struct kvm_cpu *c, const struct guest_mem *gm, uint64_t gva, const void *buf,
	      uint64_t len);

#endif
