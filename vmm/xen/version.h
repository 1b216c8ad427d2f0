/* SPDX-License-Identifier: MIT */
/* The Xen this VMM says it is, in CPUID and in HYPERVISOR_xen_version. */
#ifndef XRS_VMM_XEN_VERSION_H
#define XRS_VMM_XEN_VERSION_H

#define XEN_VERSION_NUMBER	0x00040012u	/* 4.18: register_runstate_phys_area */

#endif
