// SPDX-License-Identifier: MIT
/* A VM's state as its driver sees it: accessors over struct vmm. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include "vmm/pc/pc.h"
#include "vmm/status.h"

bool vmm_failed(struct vmm *m)
{
	return atomic_load(&m->failed);
}

bool vmm_stopping(struct vmm *m)
{
	return atomic_load(&m->stopping);
}

void vmm_failure(struct vmm *m, struct vmm_err *out)
{
	pthread_mutex_lock(&m->fail_lock);
	*out = m->failure;
	pthread_mutex_unlock(&m->fail_lock);
}

enum vmm_end vmm_how_ended(struct vmm *m, char *why, size_t len)
{
	enum vmm_end end;

	pthread_mutex_lock(&m->fail_lock);
	end = m->end;
	if (why && len)
		snprintf(why, len, "%s", end ? m->end_why : "");
	pthread_mutex_unlock(&m->fail_lock);
	return end;
}

enum xrs_backend vmm_backend(const struct vmm *m)
{
	return m->cfg.backend;
}

uint32_t vmm_nr_vcpus(const struct vmm *m)
{
	return m->nr_vcpus;
}

uint64_t vmm_first_output_ns(const struct vmm *m)
{
	return m->mc.pc ? pc_first_output_ns(m->mc.pc) : 0;
}

int vmm_halt_status(const struct vmm *m, int *status)
{
	if (!m->nr_vcpus || !m->vcpus[0].xen.rs.xrs)
		return -ENODEV;
	return xrs_vcpu_get_halt_status(m->vcpus[0].xen.rs.xrs, status);
}

int vmm_preempt_source(const struct vmm *m, char *buf, size_t len)
{
	if (!m->xen.xrs)
		return -ENODEV;
	return xrs_vm_get_preempt_source(m->xen.xrs, buf, len);
}

bool vmm_moves_areas(const struct vmm *m)
{
	return m->xen.moves_areas;
}
