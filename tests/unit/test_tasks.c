// SPDX-License-Identifier: MIT
/*
 * Work for another vCPU (vmm/task.h, vcpu_run_on): it runs on that vCPU's
 * own thread with that vCPU's lock held; two vCPUs asking each other at once
 * never deadlock; while no thread runs a vCPU (before the start, after the
 * end) it runs at once on the caller's. No KVM: the VM is assembled by
 * hand, kvm_run is plain memory. Also under TSan (make check).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/unit/hand-vmm.h"
#include "tests/unit/harness.h"
#include "vmm/task.h"
#include "vmm/vmm.h"

#define NR_VCPUS	2
#define ROUNDS		2000

struct vm {
	struct vmm *m;
	atomic_bool stop;
	atomic_uint done_askers;
};

static struct vm *hand_made_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	assert_non_null(vm);
	vm->m = hand_vmm_new(NR_VCPUS);
	return vm;
}

static void free_vm(struct vm *vm)
{
	hand_vmm_free(vm->m);
	free(vm);
}

struct where {
	pid_t tid;
	int lock_busy;		/* trylock of the target's lock: EBUSY if held */
	unsigned int runs;
};

static int note_where(struct vmm_vcpu *t, void *arg)
{
	struct where *w = arg;

	w->tid = gettid();
	w->lock_busy = pthread_mutex_trylock(&t->lock);
	if (!w->lock_busy)
		pthread_mutex_unlock(&t->lock);
	w->runs++;
	return (int)t->id + 7;
}

/* A vCPU thread as the VMM's: its queue at the top of every round. */
struct vcpu_thread {
	struct vm *vm;
	struct vmm_vcpu *v;
	struct vmm_vcpu *ask;	/* asks this one ROUNDS times, if set */
	pid_t tid;
	unsigned int answered;
};

static int count(struct vmm_vcpu *t, void *arg)
{
	(void)t;
	return (int)++*(unsigned int *)arg;
}

static void *run_vcpu(void *arg)
{
	struct vcpu_thread *vt = arg;
	struct vmm_vcpu *v = vt->v;
	unsigned int i = 0;

	vt->tid = gettid();
	atomic_store(&v->tid, vt->tid);
	vcpu_tasks_open(v);
	while (!atomic_load(&vt->vm->stop)) {
		pthread_mutex_lock(&v->lock);
		vcpu_run_tasks(v);
		pthread_mutex_unlock(&v->lock);
		if (vt->ask && i < ROUNDS) {
			CHECK(vcpu_run_on(v, vt->ask, count, &vt->answered) == (int)i + 1);
			if (++i == ROUNDS)
				atomic_fetch_add(&vt->vm->done_askers, 1);
		}
	}
	atomic_store(&v->tid, 0);
	vcpu_tasks_close(v);
	return NULL;
}

static void work_for_a_vcpu_runs_on_its_own_thread_with_its_lock_held(void **state)
{
	struct vm *vm = hand_made_vm();
	struct vcpu_thread vt = { .vm = vm, .v = &vm->m->vcpus[1] };
	struct where w = { 0 };
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, run_vcpu, &vt), 0);
	while (!atomic_load(&vt.v->tid))
		usleep(100);
	assert_int_equal(vcpu_run_on(NULL, vt.v, note_where, &w), 1 + 7);
	assert_int_equal(w.tid, vt.tid);
	assert_int_equal(w.lock_busy, EBUSY);
	assert_int_equal(w.runs, 1);
	atomic_store(&vm->stop, true);
	pthread_join(th, NULL);
	free_vm(vm);
}

static void two_vcpus_asking_each_other_at_once_never_deadlock(void **state)
{
	struct vm *vm = hand_made_vm();
	struct vcpu_thread vt[NR_VCPUS] = {
		{ .vm = vm, .v = &vm->m->vcpus[0], .ask = &vm->m->vcpus[1] },
		{ .vm = vm, .v = &vm->m->vcpus[1], .ask = &vm->m->vcpus[0] },
	};
	pthread_t th[NR_VCPUS];
	int i;

	(void)state;
	alarm(60);		/* a deadlock fails the test, it does not hang it */
	for (i = 0; i < NR_VCPUS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, run_vcpu, &vt[i]), 0);
	while (atomic_load(&vm->done_askers) < NR_VCPUS)
		usleep(1000);
	atomic_store(&vm->stop, true);
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(th[i], NULL);
	alarm(0);
	assert_int_equal(vt[0].answered, ROUNDS);
	assert_int_equal(vt[1].answered, ROUNDS);
	free_vm(vm);
}

static void while_no_thread_runs_a_vcpu_work_runs_at_once(void **state)
{
	struct vm *vm = hand_made_vm();
	struct vcpu_thread vt = { .vm = vm, .v = &vm->m->vcpus[0] };
	struct where w = { 0 };
	pthread_t th;

	(void)state;
	/* before its thread starts */
	assert_int_equal(vcpu_run_on(NULL, vt.v, note_where, &w), 0 + 7);
	assert_int_equal(w.tid, gettid());
	assert_int_equal(w.lock_busy, EBUSY);
	/* and after it ended */
	atomic_store(&vm->stop, true);
	assert_int_equal(pthread_create(&th, NULL, run_vcpu, &vt), 0);
	pthread_join(th, NULL);
	assert_int_equal(vcpu_run_on(NULL, vt.v, note_where, &w), 0 + 7);
	assert_int_equal(w.tid, gettid());
	assert_int_equal(w.runs, 2);
	free_vm(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(work_for_a_vcpu_runs_on_its_own_thread_with_its_lock_held),
		cmocka_unit_test(two_vcpus_asking_each_other_at_once_never_deadlock),
		cmocka_unit_test(while_no_thread_runs_a_vcpu_work_runs_at_once),
	};

	return cmocka_run_group_tests_name("tasks", tests, NULL, NULL);
}
