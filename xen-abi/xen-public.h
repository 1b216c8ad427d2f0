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
#ifndef XRS_XEN_ABI_XEN_PUBLIC_H
#define XRS_XEN_ABI_XEN_PUBLIC_H

#include <xrs/xen.h>

/* Hypercall numbers (xen.h). */
#define XEN_HC_memory_op		12
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

/* What a Linux HVM guest asks at start-up (xen.h, memory.h, hvm/, event_channel.h). */
#define XENVER_version			0
#define XENVER_get_features		6
#define XENFEAT_writable_page_tables	0
#define XENFEAT_writable_descriptor_tables 1
#define XENFEAT_auto_translated_physmap	2
#define XENFEAT_hvm_callback_vector	8
#define XENFEAT_hvm_safe_pvclock	9
#define XENMEM_add_to_physmap		7
#define XENMAPSPACE_shared_info		0
#define HVMOP_set_param			0
#define HVMOP_get_param			1
#define HVM_PARAM_CALLBACK_IRQ		0
#define HVM_PARAM_CALLBACK_TYPE_VECTOR	2	/* in bits 63:56 */
#define EVTCHNOP_bind_virq		1
#define EVTCHNOP_close			3
#define EVTCHNOP_send			4
#define EVTCHNOP_bind_ipi		7
#define EVTCHNOP_bind_vcpu		8
#define EVTCHNOP_unmask			9
#define EVTCHNSTAT_ipi			5
#define VIRQ_TIMER			0
#define SHUTDOWN_poweroff		0
#define SHUTDOWN_reboot			1
#define SHUTDOWN_crash			3
#define XEN_CPUID_HVM_VCPU_ID_PRESENT	(1u << 3)	/* leaf 4: EBX is the vCPU id */

/* Xen's errno values (xen/include/public/errno.h), as the guest sees them. */
#define XEN_EPERM	1
#define XEN_ENOENT	2
#define XEN_EFAULT	14
#define XEN_EBUSY	16
#define XEN_ENOSPC	28
#define XEN_EEXIST	17
#define XEN_EINVAL	22
#define XEN_ENOSYS	38
#define XEN_ETIME	62
#define XEN_EOPNOTSUPP	95

/* The MSR a Xen HVM guest writes to install the hypercall page (CPUID leaf 2). */
#define XEN_HYPERCALL_MSR	0x40000000u
#define XEN_CPUID_BASE		0x40000000u
#define XEN_CPUID_SIGNATURE	"XenVMMXenVMM"

#endif /* XRS_XEN_ABI_XEN_PUBLIC_H */
