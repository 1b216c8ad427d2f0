// SPDX-License-Identifier: MIT
#include <errno.h>
#include "vmm/task.h"
#include "vmm/vm.h"
#include "vmm/xen/sched.h"

int vcpu_run_on(struct vmm_vcpu *self, struct vmm_vcpu *t, vcpu_task_fn fn, void *arg)
{
	struct vmm *m = t->vmm;
	struct vcpu_task task = { .fn = fn, .arg = arg, .state = TASK_QUEUED };
	struct vcpu_task **tail;
	bool queued;
	int r;

	pthread_mutex_lock(&m->task_lock);
	queued = t != self && t->tasks_open;
	if (queued) {
		for (tail = &t->tasks; *tail; tail = &(*tail)->next)
			;
		*tail = &task;
		atomic_store(&t->has_tasks, true);
		pthread_cond_broadcast(&m->task_cond);	/* @t may be waiting on a task itself */
	}
	pthread_mutex_unlock(&m->task_lock);
	if (!queued) {
		/* its own thread, or none runs it: nothing else can be in its KVM_RUN */
		pthread_mutex_lock(&t->lock);
		r = fn(t, arg);
		pthread_mutex_unlock(&t->lock);
		return r;
	}
	sched_wake(&t->xen);		/* out of a block or an offline wait */
	vcpu_kick(t);		/* out of KVM_RUN */

	pthread_mutex_lock(&m->task_lock);
	while (task.state != TASK_DONE) {
		if (self && atomic_load(&self->has_tasks)) {
			pthread_mutex_unlock(&m->task_lock);
			pthread_mutex_lock(&self->lock);
			vcpu_run_tasks(self);
			pthread_mutex_unlock(&self->lock);
			pthread_mutex_lock(&m->task_lock);
			continue;
		}
		pthread_cond_wait(&m->task_cond, &m->task_lock);
	}
	pthread_mutex_unlock(&m->task_lock);
	return task.result;
}

void vcpu_run_tasks(struct vmm_vcpu *v)
{
	struct vmm *m = v->vmm;
	struct vcpu_task *task;
	int r;

	if (!atomic_load_explicit(&v->has_tasks, memory_order_acquire))
		return;
	pthread_mutex_lock(&m->task_lock);
	while ((task = v->tasks)) {
		v->tasks = task->next;
		task->state = TASK_RUNNING;
		pthread_mutex_unlock(&m->task_lock);
		r = task->fn(v, task->arg);
		pthread_mutex_lock(&m->task_lock);
		task->result = r;
		task->state = TASK_DONE;	/* its waiter may return now: no touching it after */
		pthread_cond_broadcast(&m->task_cond);
	}
	atomic_store(&v->has_tasks, false);
	pthread_mutex_unlock(&m->task_lock);
}

void vcpu_tasks_close(struct vmm_vcpu *v)
{
	struct vmm *m = v->vmm;

	/* From here on callers run their work at once; what is queued runs now. */
	pthread_mutex_lock(&m->task_lock);
	v->tasks_open = false;
	pthread_mutex_unlock(&m->task_lock);
	pthread_mutex_lock(&v->lock);
	vcpu_run_tasks(v);
	pthread_mutex_unlock(&v->lock);
}

void vcpu_tasks_open(struct vmm_vcpu *v)
{
	pthread_mutex_lock(&v->vmm->task_lock);
	v->tasks_open = true;
	pthread_mutex_unlock(&v->vmm->task_lock);
}
