/* SPDX-License-Identifier: MIT */
/* HYPERVISOR_console_io: what the guest writes goes to the VMM's console (stderr). */
#ifndef XRS_VMM_XEN_CONSOLE_H
#define XRS_VMM_XEN_CONSOLE_H

struct hcall;

long console_io(struct hcall *h);

#endif
