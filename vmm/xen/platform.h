/* SPDX-License-Identifier: MIT */
/*
 * The Xen HVM platform a Linux guest's start-up asks for, where KVM has
 * CONFIG_KVM_XEN: its hypercalls come out as KVM_EXIT_XEN, and KVM's
 * in-kernel Xen helpers carry what they can (the shared_info page and each
 * vCPU's vcpu_info with the pvclock, the upcall vector, the Xen timer, IPI
 * event channels). This room answers XENMEM_add_to_physmap(shared_info),
 * VCPUOP_register_vcpu_info and HVMOP_set_param(CALLBACK_IRQ); evtchn.h the
 * event channels. Off (every one of them -ENOSYS) on the test box, and
 * wherever KVM lacks what it needs.
 */
#ifndef XRS_VMM_XEN_PLATFORM_H
#define XRS_VMM_XEN_PLATFORM_H

#include <stdint.h>
#include <linux/kvm.h>
#include "vmm/error.h"
#include "vmm/xen/xen-vm.h"

/* Its state: struct xen_platform in struct xen_vm, xen_vcpu.vcpu_info (xen-vm.h). */
struct hcall;

/* Can KVM carry it? 0, or -EOPNOTSUPP with the reason in @e. */
int platform_probe(struct kvm_vm *vm, struct vmm_err *e);
/* Switch it on (hypercalls routed to KVM_EXIT_XEN already): 0 or -errno. */
int platform_init(struct xen_vm *x, struct vmm_err *e);
/* Per vCPU, before its thread runs: its Xen vCPU id. */
int platform_vcpu_init(struct xen_vcpu *v, struct vmm_err *e);
void platform_fini(struct xen_vm *x);

/* What moves with the platform to another VM (migrate.h). */
struct xen_platform_saved {
	bool on;
	uint64_t shared_info;		/* GPA, or 0 */
	uint8_t upcall_vector;
	struct xen_port ports[XEN_MAX_PORTS];
};

struct xen_platform_vcpu_saved {
	uint64_t vcpu_info;		/* GPA KVM took, or 0 */
	struct kvm_xen_vcpu_attr timer;	/* its port and deadline */
};

/*
 * Save, the vCPUs paused; restore into a VM made the same way, before any
 * vCPU runs, after the guest clock (the timer's deadline is guest time).
 * 0 or -errno; a VM without the platform saves and restores nothing.
 */
int platform_save(struct xen_vm *x, struct xen_platform_saved *s);
int platform_restore(struct xen_vm *x, const struct xen_platform_saved *s);
int platform_save_vcpu(struct xen_vcpu *v, struct xen_platform_vcpu_saved *s);
int platform_restore_vcpu(struct xen_vcpu *v, const struct xen_platform_vcpu_saved *s);

/* The hypercalls. */
long platform_memory_op(struct hcall *h);
long platform_hvm_op(struct hcall *h);
long platform_register_vcpu_info(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
/* The XENFEAT_* bits for XENVER_get_features (submap @idx). */
uint32_t platform_features(const struct xen_vm *x, uint32_t idx);

#endif
