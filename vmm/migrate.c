// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "guest/guest-abi.h"
#include "util/hosttime.h"
#include "vmm/migrate.h"
#include "vmm/vm.h"
#include "vmm/xen/runstate.h"

static int save_vcpu(struct vmm_vcpu *v, struct vmm_vcpu_state *st, struct vmm_err *e)
{
	int r;

	r = kvm_cpu_read_regs(&v->cpu, &st->regs);
	if (!r)
		r = kvm_cpu_get_sregs(&v->cpu, &st->sregs);
	if (!r)
		r = kvm_cpu_get_msr(&v->cpu, MSR_KVM_SYSTEM_TIME_NEW, &st->msr_system_time);
	if (!r)
		r = kvm_cpu_get_msr(&v->cpu, MSR_KVM_STEAL_TIME, &st->msr_steal_time);
	if (r)
		return err_set(e, r, "vCPU %u: its registers: %s", v->id, strerror(-r));
	if (v->vmm->mc.board == VMM_BOARD_PC) {
		r = pc_cpu_save(&v->cpu, &st->pc);
		if (!r)
			r = platform_save_vcpu(&v->xen, &st->xen);
		if (r)
			return err_set(e, r, "vCPU %u: its LAPIC, FPU, events, MSRs or Xen "
				       "attributes: %s", v->id, strerror(-r));
	}
	st->up = v->xen.sched.up;
	st->timer_ns = v->xen.sched.timer_ns;
	r = runstate_save_vcpu(&v->xen, &st->runstate);
	return r ? err_set(e, r, "vCPU %u: GET RUNSTATE_DATA: %s", v->id, xrs_strerror(r)) : 0;
}

int vmm_save(struct vmm *m, struct vmm_snapshot **out, struct vmm_err *e)
{
	const struct mem_region *ram = mem_ram_region(&m->mc.mem);
	struct vmm_snapshot *s = calloc(1, sizeof(*s));
	uint32_t i;
	int r;

	if (!s)
		return err_set(e, -ENOMEM, "out of memory");
	s->nr_vcpus = m->nr_vcpus;
	s->ram_size = ram->size;
	s->vcpus = calloc(m->nr_vcpus, sizeof(*s->vcpus));
	s->ram = malloc(ram->size);
	if (!s->vcpus || !s->ram) {
		vmm_snapshot_free(s);
		return err_set(e, -ENOMEM, "out of memory for a snapshot");
	}
	for (i = 0, r = 0; i < m->nr_vcpus && !r; i++)
		r = save_vcpu(&m->vcpus[i], &s->vcpus[i], e);
	if (!r && (r = runstate_save_vm(&m->xen, &s->long_mode, &s->update_flag)))
		err_set(e, r, "GET the VM's runstate attributes: %s", xrs_strerror(r));
	s->pc = m->mc.board == VMM_BOARD_PC;
	if (!r && s->pc && (r = pc_save(m->mc.pc, &s->board)))
		err_set(e, r, "the irqchip, PIT or UART: %s", strerror(-r));
	if (!r && s->pc && (r = platform_save(&m->xen, &s->xen)))
		err_set(e, r, "the Xen platform: %s", strerror(-r));
	if (!r && (r = kvm_vm_get_clock(&m->mc.kvm, &s->clock_ns)))
		err_set(e, r, "KVM_GET_CLOCK: %s", strerror(-r));
	if (r) {
		vmm_snapshot_free(s);
		return r;
	}
	s->saved_mono_ns = mono_ns();
	memcpy(s->ram, ram->hva, ram->size);
	*out = s;
	return 0;
}

void vmm_snapshot_free(struct vmm_snapshot *s)
{
	if (!s)
		return;
	free(s->ram);
	free(s->vcpus);
	free(s);
}

static int restore_vcpu(struct vmm_vcpu *v, const struct vmm_vcpu_state *st, struct vmm_err *e)
{
	int r;

	r = kvm_cpu_set_sregs(&v->cpu, &st->sregs);
	if (!r)
		r = kvm_cpu_set_regs(&v->cpu, &st->regs);
	if (!r)
		r = kvm_cpu_set_msr(&v->cpu, MSR_KVM_SYSTEM_TIME_NEW, st->msr_system_time);
	if (!r)
		r = kvm_cpu_set_msr(&v->cpu, MSR_KVM_STEAL_TIME, st->msr_steal_time);
	if (!r && v->vmm->mc.board == VMM_BOARD_PC)
		r = pc_cpu_restore(&v->cpu, &st->pc);
	if (r)
		return err_set(e, r, "vCPU %u: its registers: %s", v->id, strerror(-r));
	r = platform_restore_vcpu(&v->xen, &st->xen);
	if (r)
		return err_set(e, r, "vCPU %u: its vcpu_info or Xen timer: %s", v->id,
			       strerror(-r));
	v->xen.sched.up = st->up;
	v->xen.sched.timer_ns = st->timer_ns;
	r = runstate_restore_vcpu(&v->xen, &st->runstate);
	return r ? err_set(e, r, "vCPU %u: restoring its runstate: %s", v->id,
			   xrs_strerror(r)) : 0;
}

int vmm_restore(struct vmm *m, const struct vmm_snapshot *s, struct vmm_err *e)
{
	const struct mem_region *ram = mem_ram_region(&m->mc.mem);
	uint64_t clock;
	uint32_t i;
	int r;

	if (s->pc != (m->mc.board == VMM_BOARD_PC))
		return err_set(e, -EINVAL, "a snapshot of a %s into a %s", s->pc ? "PC" : "test box",
			       s->pc ? "test box" : "PC");
	if (s->nr_vcpus != m->nr_vcpus || s->ram_size != ram->size)
		return err_set(e, -EINVAL, "a snapshot of %u vCPUs and %llu bytes of RAM into a VM "
			       "of %u and %llu", s->nr_vcpus, (unsigned long long)s->ram_size,
			       m->nr_vcpus, (unsigned long long)ram->size);
	memcpy(ram->hva, s->ram, ram->size);
	/* QEMU's order: the clock, carried forward by the time away, then the runstate. */
	clock = s->clock_ns + (mono_ns() - s->saved_mono_ns);
	r = kvm_vm_set_clock(&m->mc.kvm, clock);
	if (r)
		return err_set(e, r, "KVM_SET_CLOCK: %s", strerror(-r));
	if (s->pc && (r = pc_restore(m->mc.pc, &s->board)))
		return err_set(e, r, "the irqchip, PIT or UART: %s", strerror(-r));
	if (s->pc && (r = platform_restore(&m->xen, &s->xen)))
		return err_set(e, r, "the Xen platform: %s", strerror(-r));
	atomic_store(&m->xen.long_mode, s->long_mode);
	r = runstate_restore_vm(&m->xen, s->long_mode, s->update_flag);
	if (r)
		return err_set(e, r, "SET the VM's runstate attributes: %s", xrs_strerror(r));
	for (i = 0; i < m->nr_vcpus && !r; i++)
		r = restore_vcpu(&m->vcpus[i], &s->vcpus[i], e);
	return r;
}

int vmm_clock_ahead(struct vmm *m, uint64_t ns, struct vmm_err *e)
{
	uint32_t i;
	int r = kvm_vm_set_clock(&m->mc.kvm, ns);

	if (r)
		return err_set(e, r, "KVM_SET_CLOCK: %s", strerror(-r));
	for (i = 0; i < m->nr_vcpus; i++)
		runstate_set(&m->vcpus[i].xen, XRS_RUNSTATE_OFFLINE);
	return atomic_load(&m->failed) ? err_set(e, -EIO, "%s", m->failure.msg) : 0;
}
