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

long evtchn_op(struct hcall *h);

#endif
