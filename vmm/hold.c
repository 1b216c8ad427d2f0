// SPDX-License-Identifier: MIT
#include "vmm/hold.h"
#include "vmm/vm.h"

void vmm_hold_init(struct vmm *m)
{
	pthread_mutex_init(&m->hold_lock, NULL);
	pthread_cond_init(&m->hold_cond, NULL);
	atomic_store(&m->holding, false);
	m->hold_taken = false;
}

void vmm_hold_fini(struct vmm *m)
{
	pthread_cond_destroy(&m->hold_cond);
	pthread_mutex_destroy(&m->hold_lock);
}

static bool any_in_guest(struct vmm *m)
{
	uint32_t i;

	for (i = 0; i < m->nr_vcpus; i++)
		if (atomic_load(&m->vcpus[i].in_guest))
			return true;
	return false;
}

void vmm_hold(struct vmm *m)
{
	uint32_t i;

	pthread_mutex_lock(&m->hold_lock);
	while (m->hold_taken)		/* another holder's turn: we are not in guest */
		pthread_cond_wait(&m->hold_cond, &m->hold_lock);
	m->hold_taken = true;
	/* seq_cst, before looking: a vCPU either sees it or is seen in guest */
	atomic_store(&m->holding, true);
	for (i = 0; i < m->nr_vcpus; i++)
		if (atomic_load(&m->vcpus[i].in_guest))
			vcpu_kick(&m->vcpus[i]);	/* sticks until its KVM_RUN returns */
	/* The caller is not in guest (see hold.h): this never waits for itself. */
	while (any_in_guest(m))
		pthread_cond_wait(&m->hold_cond, &m->hold_lock);
	pthread_mutex_unlock(&m->hold_lock);
}

void vmm_release(struct vmm *m)
{
	pthread_mutex_lock(&m->hold_lock);
	atomic_store(&m->holding, false);
	m->hold_taken = false;
	pthread_cond_broadcast(&m->hold_cond);	/* the held vCPUs, and the next holder */
	pthread_mutex_unlock(&m->hold_lock);
}

bool vcpu_hold_enter(struct vmm_vcpu *v)
{
	/* seq_cst, before looking at the hold: the other half of Dekker's */
	atomic_store(&v->in_guest, true);
	if (!atomic_load(&v->vmm->holding))
		return true;
	vcpu_hold_leave(v);
	return false;
}

void vcpu_hold_leave(struct vmm_vcpu *v)
{
	struct vmm *m = v->vmm;

	atomic_store(&v->in_guest, false);
	/*
	 * A holder that looked before the store waits on the condition, under
	 * the lock: taking it here means the broadcast cannot come before its
	 * wait.
	 */
	if (atomic_load(&m->holding)) {
		pthread_mutex_lock(&m->hold_lock);
		pthread_cond_broadcast(&m->hold_cond);
		pthread_mutex_unlock(&m->hold_lock);
	}
}

void vcpu_hold_wait(struct vmm_vcpu *v)
{
	struct vmm *m = v->vmm;

	pthread_mutex_lock(&m->hold_lock);
	while (atomic_load(&m->holding))
		pthread_cond_wait(&m->hold_cond, &m->hold_lock);
	pthread_mutex_unlock(&m->hold_lock);
}
