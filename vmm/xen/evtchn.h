/* SPDX-License-Identifier: MIT */
/*
 * HYPERVISOR_event_channel_op for a Linux HVM guest, 2-level ABI: VIRQ and
 * IPI ports. KVM delivers them (the timer's VIRQ and IPI sends never leave
 * the kernel); this room allocates the ports, routes them in KVM, and
 * answers what KVM hands up. Off (-ENOSYS) where the platform is
 * (platform.h).
 */
#ifndef XRS_VMM_XEN_EVTCHN_H
#define XRS_VMM_XEN_EVTCHN_H

struct hcall;

struct xen_vm;

long evtchn_op(struct hcall *h);
/* A restored port table (platform_restore): its IPI ports routed in KVM again. 0 or -errno. */
int evtchn_route_all(struct xen_vm *x);

#endif
