/* SPDX-License-Identifier: MIT */
/*
 * The runstate glue: the one place that talks to libxrs. It creates the
 * libxrs VM and vCPUs over guest memory, sets runstates for the scheduling
 * code, and answers the runstate hypercalls (register an area by virtual or
 * physical address, read it, VMASST runstate_update_flag).
 *
 * An area registered by virtual address whose two pages are not physically
 * adjacent is given to libxrs (or KVM) through the vCPU's window: two pages
 * of a VMM-private region, mapped onto the guest's two RAM pages. Windows
 * are set up once, at VM creation, in KVM's memory map where KVM's own Xen
 * code writes the areas; a gap separates them from RAM, so a layout that
 * later reaches past the end of RAM never lands in one.
 */
#ifndef XRS_VMM_XEN_RUNSTATE_H
#define XRS_VMM_XEN_RUNSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "vmm/error.h"

/* Its state: struct xen_runstate_vcpu (xen-vm.h). */
struct hcall;
struct xen_vm;
struct xen_vcpu;

/* What moves with a vCPU to another VM (migrate.h). */
struct xen_runstate_saved {
	struct kvm_xen_vcpu_attr data;	/* RUNSTATE_DATA; a running vCPU saved as runnable */
	uint64_t area_gpa;		/* KVM_XEN_INVALID_GPA: none */
	uint64_t window_ram[2];		/* an area in the window: the RAM pages it showed */
};

/*
 * The libxrs VM over RAM and the windows (and KVM's Xen config), as @x's
 * settings say; the windows at x->windows_gpa. 0 or -errno.
 */
int runstate_vm_init(struct xen_vm *x, struct vmm_err *e);
int runstate_vcpu_init(struct xen_vcpu *v, struct vmm_err *e);
void runstate_vcpu_fini(struct xen_vcpu *v);
void runstate_vm_fini(struct xen_vm *x);

/* The hooks around KVM_RUN, on the vCPU's thread. */
int runstate_bind(struct xen_vcpu *v);
void runstate_enter(struct xen_vcpu *v);
void runstate_exit(struct xen_vcpu *v);

/* RUNSTATE_CURRENT (a failure fails the vCPU). No-op without accounting. */
void runstate_set(struct xen_vcpu *v, uint32_t state);
/* Book up to now without changing the state: the final figures. */
void runstate_book_to_now(struct xen_vcpu *v);
/*
 * The four times in @v's area as its guest reads them now (not booked up
 * to now): on @v's thread. 0, or -ENOENT with no area registered.
 */
int runstate_area_times(struct xen_vcpu *v, uint64_t times[4]);
/* GET RUNSTATE_DATA: 0 or -errno (-ENODEV without accounting). */
int runstate_get(struct xen_vcpu *v, struct kvm_xen_vcpu_attr *d);
/* The guest's width changed (hypercall-page MSR): LONG_MODE. */
int runstate_set_long_mode(struct xen_vm *x, int long_mode);

/*
 * Save and restore, in QEMU's order: the VM's attributes, then per vCPU
 * RUNSTATE_DATA, then its area (written at once). The caller has restored
 * the guest's clock (KVM_SET_CLOCK) before, so DATA is checked against it.
 */
int runstate_save_vm(struct xen_vm *x, bool *long_mode, bool *update_flag);
int runstate_save_vcpu(struct xen_vcpu *v, struct xen_runstate_saved *out);
int runstate_restore_vm(struct xen_vm *x, bool long_mode, bool update_flag);
int runstate_restore_vcpu(struct xen_vcpu *v, const struct xen_runstate_saved *in);

/* The hypercalls. */
long runstate_register_va(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long runstate_register_pa(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long runstate_get_info(struct hcall *h, struct xen_vcpu *t, uint64_t arg);
long runstate_vm_assist(struct hcall *h);

#endif
