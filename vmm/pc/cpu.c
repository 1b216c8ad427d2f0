// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vmm/kvm.h"
#include "vmm/pc/cpu.h"

/* The TSC first: KVM's TSC deadline is relative to it. */
static const uint32_t msrs[PC_CPU_MSRS] = {
	0x00000010,		/* IA32_TSC */
	0x00000174, 0x00000175, 0x00000176,	/* SYSENTER_CS, _ESP, _EIP */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,	/* STAR, LSTAR, CSTAR, SFMASK */
	0xc0000102,		/* KERNEL_GS_BASE */
	0xc0000103,		/* TSC_AUX */
	0x00000277,		/* PAT */
	0x000001a0,		/* MISC_ENABLE */
	0x000006e0,		/* TSC_DEADLINE */
};

static int get(struct kvm_cpu *c, unsigned long req, void *p)
{
	return ioctl(c->fd, req, p) < 0 ? -errno : 0;
}

int pc_cpu_save(struct kvm_cpu *c, struct pc_cpu_state *st)
{
	uint32_t i;
	int r;

	memset(st, 0, sizeof(*st));
	r = get(c, KVM_GET_FPU, &st->fpu);
	if (!r)
		r = get(c, KVM_GET_LAPIC, &st->lapic);
	if (!r)
		r = get(c, KVM_GET_VCPU_EVENTS, &st->events);
	if (!r)
		r = get(c, KVM_GET_MP_STATE, &st->mp);
	if (!r)
		r = get(c, KVM_GET_DEBUGREGS, &st->debugregs);
	for (i = 0; !r && i < PC_CPU_MSRS; i++)
		if (!kvm_cpu_get_msr(c, msrs[i], &st->msr[i]))
			st->msr_valid |= 1u << i;	/* one this KVM lacks stays out */
	return r;
}

int pc_cpu_restore(struct kvm_cpu *c, const struct pc_cpu_state *st)
{
	uint32_t i;
	int r;

	r = get(c, KVM_SET_FPU, (void *)&st->fpu);
	for (i = 0; !r && i < PC_CPU_MSRS; i++)
		if (st->msr_valid & 1u << i)
			r = kvm_cpu_set_msr(c, msrs[i], st->msr[i]);
	if (!r)
		r = get(c, KVM_SET_MP_STATE, (void *)&st->mp);
	if (!r)
		r = get(c, KVM_SET_LAPIC, (void *)&st->lapic);
	if (!r)
		r = get(c, KVM_SET_VCPU_EVENTS, (void *)&st->events);
	if (!r)
		r = get(c, KVM_SET_DEBUGREGS, (void *)&st->debugregs);
	return r;
}
