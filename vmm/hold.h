/* SPDX-License-Identifier: MIT */
/*
 * Every vCPU held out of guest code for a moment, from any thread, a vCPU's
 * own included: for the runstate area's pages moved onto the preemption
 * source's map (docs/preempt-source.md), where a guest write between the
 * copy and the map would be lost.
 *
 * A vCPU thread is "in guest" from just before libxrs's entry update until
 * just after its exit update (and a kick's blocked booking), KVM_RUN
 * between them: the span in which the guest or libxrs's own entry and exit
 * write the area. It says so before
 * it checks for a holder, and the holder says so before it looks at the
 * vCPUs (both seq_cst, Dekker's way), so either the vCPU sees the hold and
 * steps back, or the holder sees the vCPU and kicks it out. A thread that
 * holds is never in guest itself (it runs between two KVM_RUNs, or is no
 * vCPU), so it never waits for itself. Holders take turns; one waiting for
 * its turn is not in guest either, so two at once never deadlock.
 *
 * vCPUs blocked in the Xen layer or waiting on a task are not in guest:
 * they are left alone, and only kept from entering until the release.
 * Lock order: the hold lock is a leaf, taken with at most a vCPU's lock.
 */
#ifndef XRS_VMM_HOLD_H
#define XRS_VMM_HOLD_H

#include <stdbool.h>

struct vmm;
struct vmm_vcpu;

/* The VM's hold state (in struct vmm); before any vCPU thread starts. */
void vmm_hold_init(struct vmm *m);
void vmm_hold_fini(struct vmm *m);

/*
 * Hold every vCPU out of guest code: kick those in it and wait until none
 * is, the caller's own aside (it is not). Waits its turn behind another
 * holder. Any thread, with at most its own vCPU's lock held.
 */
void vmm_hold(struct vmm *m);
/* Let them enter again. */
void vmm_release(struct vmm *m);

/*
 * On @v's thread, its lock held, right before libxrs's entry update: true,
 * and @v is in guest until vcpu_hold_leave; false: a hold is on, @v is not
 * in guest, and it should vcpu_hold_wait (its lock released) and try again.
 */
bool vcpu_hold_enter(struct vmm_vcpu *v);
/* Right after libxrs's exit update: @v is out of guest code. */
void vcpu_hold_leave(struct vmm_vcpu *v);
/* Until no hold is on. No lock held. */
void vcpu_hold_wait(struct vmm_vcpu *v);

#endif
