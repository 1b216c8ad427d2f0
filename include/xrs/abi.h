/* SPDX-License-Identifier: MIT */
/*
 * ABI shared with KVM and Xen guests.
 *
 * The attribute structs and constants are KVM's own (<linux/kvm.h>), so a
 * VMM moves between libxrs and the kernel without translating anything.
 * Debian 12's linux-libc-dev (6.1) predates a few of them; those are
 * defined here token for token as the kernel defines them, each under
 * #ifndef, so this header and any newer <linux/kvm.h> (QEMU's copy too) may
 * be included in either order. Beyond KVM's names this header defines only
 * XRS_ ones.
 */
#ifndef XRS_ABI_H
#define XRS_ABI_H

#include <linux/kvm.h>
#include <xrs/xen.h>

#ifndef KVM_XEN_HVM_CONFIG_HYPERCALL_MSR
#define KVM_XEN_HVM_CONFIG_HYPERCALL_MSR	(1 << 0)
#define KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL	(1 << 1)
#define KVM_XEN_HVM_CONFIG_SHARED_INFO		(1 << 2)
#define KVM_XEN_HVM_CONFIG_RUNSTATE		(1 << 3)
#define KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL	(1 << 4)
#define KVM_XEN_HVM_CONFIG_EVTCHN_SEND		(1 << 5)
#endif
/* Linux 6.2 (d8ba8ba4c801): the update flag is opt-in. */
#ifndef KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG
#define KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG	(1 << 6)
#endif
#ifndef KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE
#define KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE	(1 << 7)
#endif
#ifndef KVM_XEN_HVM_CONFIG_SHARED_INFO_HVA
#define KVM_XEN_HVM_CONFIG_SHARED_INFO_HVA	(1 << 8)
#endif

#ifndef KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG
#define KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG	0x5
#endif

#ifndef KVM_XEN_INVALID_GPA
#define KVM_XEN_INVALID_GPA			((__u64)-1)
#endif
#ifndef KVM_XEN_INVALID_GFN
#define KVM_XEN_INVALID_GFN			((__u64)-1)
#endif

/*
 * Newer headers name the HVM attr's flag byte u.runstate_update_flag; 6.1's
 * union lacks the member. It is the union's first byte either way, the same
 * byte as u.long_mode, so this works with both.
 */
#define XRS_HVM_ATTR_UPDATE_FLAG(attr)	((attr)->u.long_mode)

XRS_STATIC_ASSERT(sizeof(struct kvm_xen_vcpu_attr) == 72,
	       "kvm_xen_vcpu_attr is 72 bytes");
XRS_STATIC_ASSERT(__builtin_offsetof(struct kvm_xen_vcpu_attr, u.runstate.state) == 8,
	       "runstate fields start at offset 8");
XRS_STATIC_ASSERT(__builtin_offsetof(struct kvm_xen_vcpu_attr, u.runstate.time_offline) == 48,
	       "six runstate u64s are contiguous");
XRS_STATIC_ASSERT(sizeof(struct kvm_xen_hvm_attr) == 72,
	       "kvm_xen_hvm_attr is 72 bytes");

#endif /* XRS_ABI_H */
