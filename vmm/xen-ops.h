/* SPDX-License-Identifier: MIT */
/*
 * The VMM's answers to the Xen layer (xen/xen-vm.h, struct xen_ops): work on
 * another vCPU's thread through task.h, kicks, the failure channel, the
 * guest's end, the stop and pause requests, and the checkers' hooks.
 */
#ifndef XRS_VMM_XEN_OPS_H
#define XRS_VMM_XEN_OPS_H

#include "vmm/xen/xen-vm.h"

extern const struct xen_ops vmm_xen_ops;

#endif
