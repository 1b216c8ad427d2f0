/* SPDX-License-Identifier: MIT */
/*
 * The parts of the Xen guest ABI that xrs speaks: the runstate area layouts
 * (xen/include/public/vcpu.h), the hypercall and sub-op numbers the test
 * guests use, and Xen's errno values. Copied as facts, not as code, so that
 * neither the library nor the freestanding guests need libxen-dev.
 *
 * Freestanding: only <stdint.h>, so the 32- and 64-bit guests include it too.
 */
#ifndef XRS_XEN_H
#define XRS_XEN_H

#include <stdint.h>

/* Runstate values (vcpu.h). */
#define XRS_RUNSTATE_RUNNING	0
#define XRS_RUNSTATE_RUNNABLE	1
#define XRS_RUNSTATE_BLOCKED	2
#define XRS_RUNSTATE_OFFLINE	3
#define XRS_RUNSTATE_COUNT	4

#ifndef RUNSTATE_running
#define RUNSTATE_running	XRS_RUNSTATE_RUNNING
#define RUNSTATE_runnable	XRS_RUNSTATE_RUNNABLE
#define RUNSTATE_blocked	XRS_RUNSTATE_BLOCKED
#define RUNSTATE_offline	XRS_RUNSTATE_OFFLINE
#endif

/* Top bit of state_entry_time while the area is being rewritten. */
#ifndef XEN_RUNSTATE_UPDATE
#define XEN_RUNSTATE_UPDATE	(1ULL << 63)
#endif

/*
 * struct vcpu_runstate_info as a 64-bit guest sees it: natural alignment,
 * so a 4-byte hole follows 'state'.
 */
struct xrs_runstate_info {
	int32_t state;
	uint32_t pad;
	uint64_t state_entry_time;
	uint64_t time[XRS_RUNSTATE_COUNT];
};

/*
 * The same structure as a 32-bit guest sees it: the i386 ABI aligns uint64_t
 * to 4, so there is no hole and the struct is 4 bytes shorter.
 */
struct xrs_runstate_info_compat {
	int32_t state;
	uint64_t state_entry_time;
	uint64_t time[XRS_RUNSTATE_COUNT];
} __attribute__((packed));

#define XRS_RUNSTATE_SIZE		48
#define XRS_RUNSTATE_SIZE_COMPAT	44
#define XRS_RUNSTATE_TIMES_OFS		8	/* offset of state_entry_time */
#define XRS_RUNSTATE_TIMES_OFS_COMPAT	4

_Static_assert(sizeof(struct xrs_runstate_info) == XRS_RUNSTATE_SIZE,
	       "64-bit runstate area is 48 bytes");
_Static_assert(__builtin_offsetof(struct xrs_runstate_info, state) == 0,
	       "state at 0");
_Static_assert(__builtin_offsetof(struct xrs_runstate_info, state_entry_time) ==
	       XRS_RUNSTATE_TIMES_OFS, "64-bit state_entry_time at 8");
_Static_assert(__builtin_offsetof(struct xrs_runstate_info, time) == 16,
	       "64-bit time[] at 16");
_Static_assert(sizeof(struct xrs_runstate_info_compat) == XRS_RUNSTATE_SIZE_COMPAT,
	       "compat runstate area is 44 bytes");
_Static_assert(__builtin_offsetof(struct xrs_runstate_info_compat, state_entry_time) ==
	       XRS_RUNSTATE_TIMES_OFS_COMPAT, "compat state_entry_time at 4");
_Static_assert(__builtin_offsetof(struct xrs_runstate_info_compat, time) == 12,
	       "compat time[] at 12");

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

#endif /* XRS_XEN_H */
