/* SPDX-License-Identifier: MIT */
/*
 * The Xen guest ABI that xrs's VMM and test guests speak beyond the runstate
 * area: hypercall and sub-op numbers, Xen's errno values, the CPUID leaves and
 * the hypercall-page MSR (xen/include/public/). Private to this tree: these
 * names are Xen's own and would clash with QEMU's or Xen's headers in a VMM
 * that embeds libxrs, so no installed header includes this one.
 *
 * Freestanding: the 32- and 64-bit guests include it too.
 */
#ifndef XRS_XEN_ABI_XEN_H
#define XRS_XEN_ABI_XEN_H

#include <xrs/xen.h>

/* Hypercall numbers (xen.h). */
#define XEN_HC_set_timer_op		15
#define XEN_HC_console_io		18
#define XEN_HC_xen_version		17
#define XEN_HC_vm_assist		21
#define XEN_HC_vcpu_op			24
#define XEN_HC_sched_op			29
#define XEN_HC_event_channel_op		32
#define XEN_HC_hvm_op			34

/* vcpu_op sub-ops (vcpu.h). */
#define VCPUOP_initialise			0
#define VCPUOP_up				1
#define VCPUOP_down				2
#define VCPUOP_is_up				3
#define VCPUOP_get_runstate_info		4
#define VCPUOP_register_runstate_memory_area	5
#define VCPUOP_set_periodic_timer		6
#define VCPUOP_stop_periodic_timer		7
#define VCPUOP_set_singleshot_timer		8
#define VCPUOP_stop_singleshot_timer		9
#define VCPUOP_register_vcpu_info		10
#define VCPUOP_register_runstate_phys_area	14	/* Xen 4.18 */

/* VCPU_SSHOTTMR_future: fail with -ETIME if the timeout is in the past. */
#define VCPU_SSHOTTMR_future	(1U << 0)

/* sched_op sub-ops (sched.h). */
#define SCHEDOP_yield		0
#define SCHEDOP_block		1
#define SCHEDOP_shutdown	2
#define SCHEDOP_poll		3

/* vm_assist (xen.h). */
#define VMASST_CMD_enable			0
#define VMASST_CMD_disable			1
#define VMASST_TYPE_runstate_update_flag	5

/* console_io (xen.h). */
#define CONSOLEIO_write		0
#define CONSOLEIO_read		1

/* Xen's errno values (xen/include/public/errno.h), as the guest sees them. */
#define XEN_EPERM	1
#define XEN_ENOENT	2
#define XEN_EFAULT	14
#define XEN_EBUSY	16
#define XEN_EEXIST	17
#define XEN_EINVAL	22
#define XEN_ENOSYS	38
#define XEN_ETIME	62
#define XEN_EOPNOTSUPP	95

/* The MSR a Xen HVM guest writes to install the hypercall page (CPUID leaf 2). */
#define XEN_HYPERCALL_MSR	0x40000000u
#define XEN_CPUID_BASE		0x40000000u
#define XEN_CPUID_SIGNATURE	"XenVMMXenVMM"

#endif /* XRS_XEN_ABI_XEN_H */
