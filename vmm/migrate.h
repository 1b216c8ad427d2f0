/* SPDX-License-Identifier: MIT */
/*
 * Saving a paused VM and restoring it into another: guest RAM, each vCPU's
 * registers and paravirtual MSRs, the VMM's Xen state, and the runstate;
 * on the PC also the in-kernel irqchip and PIT, the UART, each vCPU's
 * LAPIC, FPU, events, MP state and MSRs, and KVM's Xen platform
 * (shared_info, upcall vector, event channels, vcpu_info, Xen timers),
 * which is what RUNSTATE_DATA exists for. The restore is QEMU's order: the
 * guest's clock first (KVM_SET_CLOCK, carried forward by the real time the
 * VM was away), then the runstate, checked against it. A vCPU saved while
 * running goes as runnable, so the gap is booked as the steal it was.
 * docs/migration.md says how a VMM does the same with libxrs.
 */
#ifndef XRS_VMM_MIGRATE_H
#define XRS_VMM_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>
#include "xen-abi/xen-public.h"
#include <linux/kvm.h>
#include "vmm/config.h"
#include "vmm/error.h"
#include "vmm/pc/cpu.h"
#include "vmm/pc/pc.h"
#include "vmm/xen/platform.h"
#include "vmm/xen/runstate.h"

struct vmm;

struct vmm_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint64_t msr_system_time;	/* the guest's pvclock (MSR_KVM_SYSTEM_TIME_NEW) */
	uint64_t msr_steal_time;	/* its steal-time witness, if enabled */
	bool up;			/* VCPUOP_down / VCPUOP_up */
	uint64_t timer_ns;		/* its singleshot timer, guest time */
	struct xen_runstate_saved runstate;
	struct pc_cpu_state pc;			/* a PC's */
	struct xen_platform_vcpu_saved xen;	/* where the platform is on */
};

struct vmm_snapshot {
	uint64_t clock_ns;		/* the guest's kvmclock when saved */
	uint64_t saved_mono_ns;		/* the host's CLOCK_MONOTONIC then */
	bool long_mode, update_flag;
	bool pc;			/* a PC's: the two below */
	struct pc_state board;
	struct xen_platform_saved xen;
	uint64_t ram_size;
	uint8_t *ram;
	uint32_t nr_vcpus;
	struct vmm_vcpu_state *vcpus;
};

/* Save @m, paused (vmm_pause): 0 or -errno. */
int vmm_save(struct vmm *m, struct vmm_snapshot **out, struct vmm_err *e);
void vmm_snapshot_free(struct vmm_snapshot *s);

/*
 * Restore @s into @m: created with the same configuration, not started.
 * The guest's clock becomes the saved one plus the host time since the
 * save. 0 or -errno.
 */
int vmm_restore(struct vmm *m, const struct vmm_snapshot *s, struct vmm_err *e);

/*
 * For testing a destination whose own clock ran ahead before the restore:
 * set the guest clock to @ns and book every vCPU offline up to it, as a
 * VMM's start-up would. 0 or -errno.
 */
int vmm_clock_ahead(struct vmm *m, uint64_t ns, struct vmm_err *e);

#endif
