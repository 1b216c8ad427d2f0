/* SPDX-License-Identifier: MIT */
/*
 * Xen scheduling as the guests see it: SCHEDOP_yield/block/shutdown, HLT,
 * the singleshot timer, and vCPUs taken down and brought up. Blocked and
 * offline time are spent here, waiting on the vCPU's thread, with the
 * runstate set through libxrs as a VMM with KVM's own Xen support would.
 */
#ifndef XRS_VMM_XEN_SCHED_H
#define XRS_VMM_XEN_SCHED_H

#include <stdint.h>

/* Its state is struct xen_sched_vcpu (xen-vm.h), under the vCPU's lock. */
struct hcall;
struct xen_vcpu;

long sched_op(struct hcall *h);
long sched_set_timer_op(struct hcall *h);
long sched_vcpu_up(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long sched_vcpu_down(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long sched_vcpu_is_up(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long sched_singleshot_timer(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long sched_stop_singleshot_timer(struct hcall *h, struct xen_vcpu *t, uint64_t arg);

/* Wait, blocked, until the vCPU's timer fires or the VM stops (SCHEDOP_block, HLT). */
void sched_block(struct xen_vcpu *v);
/* Wait, offline, while the vCPU is down. Called with v->lock held. */
void sched_wait_up(struct xen_vcpu *v);
/* Wake @v from a block or a wait (the VM stops). */
void sched_wake(struct xen_vcpu *v);

#endif
