/* SPDX-License-Identifier: MIT */
/*
 * The VMM's own checks of the accounting, through the hooks of vmm.h: what
 * `xrs run` reports as host checks and the KVM tests assert on.
 *  - view: the guest's report of its own area equals GET DATA (libxrs
 *    writes the area only at entries) or lies between the area before a
 *    kick and now; with KVM's own Xen code it may only lag, field by field;
 *  - block: a vCPU woken by its timer was booked blocked at least until it;
 *  - offline: a vCPU kept down was booked offline at least until VCPUOP_up.
 */
#ifndef XRS_VMM_CHECKS_H
#define XRS_VMM_CHECKS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "vmm/checks-vcpu.h"
#include "xen-abi/xen-public.h"

struct vmm_hooks;

extern const struct vmm_hooks vmm_host_checks;

#endif
