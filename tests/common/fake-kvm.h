/* SPDX-License-Identifier: MIT */
/*
 * A fake KVM under the whole VMM: vmm_create works over it, with no KVM,
 * so that the hypercall rules' unit test and fuzz_hypercall drive the real
 * decoder and dispatcher. For programs linked with fake-kvm.o, fake-ioctl.o
 * and -Wl,--wrap=ioctl,--wrap=mmap.
 *
 * Its device and every fd it hands out are /dev/null, known by number (so
 * that the VMM's close and fstat work on them); a vCPU's kvm_run is plain
 * memory. Its KVM has CONFIG_KVM_XEN but not the Xen runstate, so the
 * accounting is libxrs's user backend while platform_init switches the HVM
 * platform on as it does for the PC. Each vCPU keeps the registers and
 * sregs the VMM set (boot_cpu's: protected mode, the CPL SS's DPL, EFER.LMA
 * the guest's width); its page tables are the test box's, the identity
 * over RAM but for the window's two pages; its clock moves 1 us a read.
 * No vCPU thread runs: the test is every vCPU.
 */
#ifndef XRS_TEST_FAKE_KVM_H
#define XRS_TEST_FAKE_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/vmm.h"

#define FAKE_KVM_MAX_FDS	16
/* What platform_probe needs of KVM_CAP_XEN_HVM: a KVM with CONFIG_KVM_XEN. */
#define FAKE_KVM_XEN_CAPS	(KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL |			\
				 KVM_XEN_HVM_CONFIG_SHARED_INFO |			\
				 KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL |			\
				 KVM_XEN_HVM_CONFIG_EVTCHN_SEND)

struct fake_kvm_fd {
	int fd;
	bool vcpu;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

/* What the VMM asked of the fake, for a test that nothing was. */
struct fake_kvm_asked {
	unsigned long ioctls;		/* any but the port stub's: KVM_GET/SET_REGS, KVM_GET_SREGS */
	unsigned long writes;		/* any that is not a read, but the stub's KVM_SET_REGS */
	unsigned long xen_sets;		/* KVM_XEN_{HVM,VCPU}_SET_ATTR, KVM_XEN_HVM_EVTCHN_SEND */
};

struct fake_kvm {
	struct fake_kvm_fd fds[FAKE_KVM_MAX_FDS];
	int nr_fds;
	uint64_t clock_ns;		/* KVM_GET_CLOCK's last answer (from 1 s) */
	uint64_t ram_size;		/* the identity mapping's end: the last VM's RAM */
	uint32_t xen_caps;		/* KVM_CAP_XEN_HVM's answer: FAKE_KVM_XEN_CAPS, 0 without Xen */
	struct fake_kvm_asked asked;
};

extern struct fake_kvm fake_kvm;

/* vmm_create over the fake (@cfg's device aside): one VM at a time. */
int fake_kvm_vmm_create(const struct vmm_config *cfg, struct vmm **out, struct vmm_err *e);
void fake_kvm_vmm_destroy(struct vmm *m);

/* @v's registers and sregs as the fake keeps them (aborts if @v is not its). */
struct fake_kvm_fd *fake_kvm_vcpu(const struct vmm_vcpu *v);

/*
 * @v makes hypercall @nr with @a at @cpl, in the width its EFER.LMA says:
 * by KVM_EXIT_XEN, or by the port stub (its registers and SS's DPL set, and
 * kept). What the guest gets back.
 */
long fake_kvm_hcall_by_exit(struct vmm_vcpu *v, uint32_t cpl, uint32_t nr, const uint64_t a[5]);
long fake_kvm_hcall_by_port(struct vmm_vcpu *v, uint32_t cpl, uint32_t nr, const uint64_t a[5]);

#endif
