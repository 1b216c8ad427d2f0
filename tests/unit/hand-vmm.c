// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include "tests/unit/hand-vmm.h"
#include "tests/unit/harness.h"
#include "vmm/hold.h"
#include "vmm/vm.h"

struct vmm *hand_vmm_new(uint32_t nr)
{
	struct vmm *m = calloc(1, sizeof(*m));
	uint32_t i;

	assert_non_null(m);
	m->vcpus = calloc(nr, sizeof(*m->vcpus));
	assert_non_null(m->vcpus);
	m->nr_vcpus = nr;
	pthread_mutex_init(&m->task_lock, NULL);
	pthread_cond_init(&m->task_cond, NULL);
	vmm_hold_init(m);
	for (i = 0; i < nr; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];

		v->vmm = m;
		v->id = i;
		v->cpu.run = calloc(1, sizeof(*v->cpu.run));
		assert_non_null(v->cpu.run);
		pthread_mutex_init(&v->lock, NULL);
		pthread_cond_init(&v->cond, NULL);
		v->xen = (struct xen_vcpu){
			.vm = &m->xen, .id = i, .cpu = &v->cpu, .lock = &v->lock, .cond = &v->cond,
		};
	}
	vcpu_kick_init();
	return m;
}

void hand_vmm_free(struct vmm *m)
{
	uint32_t i;

	for (i = 0; i < m->nr_vcpus; i++) {
		pthread_cond_destroy(&m->vcpus[i].cond);
		pthread_mutex_destroy(&m->vcpus[i].lock);
		free(m->vcpus[i].cpu.run);
	}
	vmm_hold_fini(m);
	pthread_cond_destroy(&m->task_cond);
	pthread_mutex_destroy(&m->task_lock);
	free(m->vcpus);
	free(m);
}
