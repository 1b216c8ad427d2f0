/* SPDX-License-Identifier: MIT */
/*
 * A struct vmm assembled by hand, without KVM, for the VMM's threaded unit
 * tests (work on other vCPUs' threads, the hold): @nr vCPUs each with a
 * kvm_run page of its own (kicks set immediate_exit there), its lock and
 * condition and its Xen vCPU wired to them; the task and hold state made.
 */
#ifndef XRS_TEST_HAND_VMM_H
#define XRS_TEST_HAND_VMM_H

#include <stdint.h>

struct vmm;

struct vmm *hand_vmm_new(uint32_t nr);
void hand_vmm_free(struct vmm *m);

#endif
