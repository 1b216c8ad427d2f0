/* SPDX-License-Identifier: MIT */
/*
 * The Xen HVM platform a Linux guest's Xen start-up asks for, on a KVM with
 * CONFIG_KVM_XEN: its hypercalls come out as KVM_EXIT_XEN and are answered
 * here, with KVM's in-kernel Xen helpers carrying what they can (the
 * shared_info page and vcpu_info with the pvclock, the upcall vector, the
 * Xen timer, IPI event channels) and libxrs the runstate areas (on the user
 * backend it accounts and writes them; on the kernel backend it hands them
 * to KVM).
 */
#ifndef XRS_VMM_KERNEL_XENHVM_H
#define XRS_VMM_KERNEL_XENHVM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <xrs/xrs.h>
#include "kvm.h"

#define XENHVM_MAX_PORTS	1024

/*
 * A vCPU attribute for another vCPU: its thread may sit in KVM_RUN (an AP
 * waiting for its SIPI holds its vCPU's mutex), so it is queued for that
 * thread, which is kicked, and set after the hypercall's lock is let go.
 */
#define XENHVM_MAX_DEFERRED	8

struct xenhvm_port {
	uint8_t type;			/* 0 free, 1 virq, 2 ipi */
	uint32_t vcpu;
};

struct xenhvm {
	pthread_mutex_t lock;		/* the hypercalls of all vCPUs */
	struct kvm_vm *vm;
	struct kvm_cpu *cpus;		/* vCPU i at cpus[i] */
	struct xrs_vcpu **xrs;		/* their libxrs handles */
	struct xrs_vm *xrs_vm;
	uint32_t nr;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t shared_info;		/* gpa, or 0 */
	uint64_t *vcpu_info;		/* gpa per vCPU, or 0 */
	struct xenhvm_port ports[XENHVM_MAX_PORTS];
	int (*shutdown)(void *opaque, unsigned int reason);
	void *opaque;
	uint64_t hypercalls;
	bool trace;			/* each hypercall to stderr ($XRS_TRACE_HYPERCALLS) */
	/* Set @a on vCPU @target from its own thread; 0 or -errno (the VMM's). */
	int (*vcpu_attr)(void *opaque, uint32_t target, const struct kvm_xen_vcpu_attr *a);
};

/* KVM can carry a Xen HVM guest: 0, or -EOPNOTSUPP with the reason in @why. */
int xenhvm_probe(struct kvm_vm *vm, char *why, size_t len);
/* VM-wide set-up (KVM_XEN_HVM_CONFIG, long mode): 0 or -errno. */
int xenhvm_init(struct xenhvm *x);
/* Xen's CPUID leaves in place of KVM's, for vCPU @id, into @cpuid. */
void xenhvm_cpuid(struct kvm_cpuid2 *cpuid, uint32_t id);
/* Per vCPU, before it runs: its Xen vCPU id. */
int xenhvm_vcpu_init(struct xenhvm *x, uint32_t id);
/* A KVM_EXIT_XEN on vCPU @id: the hypercall answered in its kvm_run. */
void xenhvm_hypercall(struct xenhvm *x, uint32_t id);

#endif
