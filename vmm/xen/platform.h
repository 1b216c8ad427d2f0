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

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

#define XEN_MAX_PORTS	1024
#define XEN_NR_VIRQS	24		/* Xen's NR_VIRQS */

struct hcall;
struct vmm;
struct vmm_vcpu;
struct kvm_vm;

enum xen_port_type {
	XEN_PORT_FREE,
	XEN_PORT_VIRQ,
	XEN_PORT_IPI,
};

struct xen_port {
	uint8_t type;			/* enum xen_port_type */
	uint32_t vcpu;
	uint32_t virq;			/* XEN_PORT_VIRQ: which */
};

struct xen_platform {
	bool on;
	pthread_mutex_t lock;		/* what follows; never held across a vCPU task */
	uint64_t shared_info;		/* its GPA, or 0 */
	struct xen_port ports[XEN_MAX_PORTS];
};

/* Per vCPU, on its own thread (task.h). */
struct xen_platform_vcpu {
	uint64_t vcpu_info;		/* the GPA KVM took, or 0: the one in shared_info */
};

/* Can KVM carry it? 0, or -EOPNOTSUPP with the reason in @e. */
int platform_probe(struct kvm_vm *vm, struct vmm_err *e);
/* Switch it on (hypercalls routed to KVM_EXIT_XEN already): 0 or -errno. */
int platform_init(struct vmm *m, struct vmm_err *e);
/* Per vCPU, before its thread runs: its Xen vCPU id. */
int platform_vcpu_init(struct vmm_vcpu *v, struct vmm_err *e);
void platform_fini(struct vmm *m);

/* The hypercalls. */
long platform_memory_op(struct hcall *h);
long platform_hvm_op(struct hcall *h);
long platform_register_vcpu_info(struct hcall *h, struct vmm_vcpu *t, uint64_t arg);
/* The XENFEAT_* bits for XENVER_get_features (submap @idx). */
uint32_t platform_features(const struct vmm *m, uint32_t idx);

#endif
