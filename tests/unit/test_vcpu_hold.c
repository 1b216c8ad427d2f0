// SPDX-License-Identifier: MIT
/*
 * Every vCPU held out of guest code (vmm/hold.h), as the runstate area's
 * page move needs: a holder returns only once no other vCPU is in guest,
 * and none enters until the release; a vCPU thread can hold the others
 * (it does not wait for itself); two holders at once both get their turn.
 *
 * The fake KVM runs no vCPU thread, so plain threads stand in for the vCPU
 * loop of vmm/vcpu.c: the same calls around a "KVM_RUN" that spins until
 * kicked (immediate_exit, which vcpu_kick sets) or a while has passed. The
 * VM is assembled by hand, kvm_run is plain memory. Also under TSan (make
 * check).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include "tests/unit/hand-vmm.h"
#include "tests/unit/harness.h"
#include "vmm/hold.h"
#include "vmm/vmm.h"

#define NR_VCPUS	3
#define ROUNDS		300
#define SPINS		2000	/* a "KVM_RUN" that no kick ends */

struct vm {
	struct vmm *m;
	atomic_bool stop;
	atomic_uint in_guest;		/* stand-ins between enter and leave */
	atomic_uint holders_in;		/* holders between hold and release */
	atomic_bool held;		/* a holder is between hold and release */
	atomic_ulong entries;		/* "KVM_RUN"s entered */
	atomic_ulong entered_while_held;
	atomic_ulong in_guest_at_hold;	/* others in guest when a hold returned */
	atomic_ulong two_holders;	/* a holder found another one in */
	atomic_uint done_holders;
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

/*
 * What a page move does once it holds: nobody else in guest, nobody
 * entering, for a while; @self is the holder's own stand-in (NULL: none).
 * With @self's lock held, as the move runs in a task (vmm/task.h).
 */
static void hold_for_a_while(struct vm *vm, struct vmm_vcpu *self)
{
	if (self)
		pthread_mutex_lock(&self->lock);
	vmm_hold(vm->m);
	if (atomic_fetch_add(&vm->holders_in, 1))
		atomic_fetch_add(&vm->two_holders, 1);
	atomic_store(&vm->held, true);
	if (atomic_load(&vm->in_guest))
		atomic_fetch_add(&vm->in_guest_at_hold, 1);
	usleep(100);		/* the copy and the map: the others try to enter */
	if (atomic_load(&vm->in_guest))
		atomic_fetch_add(&vm->in_guest_at_hold, 1);
	atomic_store(&vm->held, false);
	atomic_fetch_sub(&vm->holders_in, 1);
	vmm_release(vm->m);
	if (self)
		pthread_mutex_unlock(&self->lock);
}

struct stand_in {
	struct vm *vm;
	struct vmm_vcpu *v;
	bool holds;		/* holds the others ROUNDS times, between its runs */
	unsigned int held;
};

/* One pass of vmm/vcpu.c's loop, its "KVM_RUN" a spin until kicked. */
static void run_once(struct vm *vm, struct vmm_vcpu *v)
{
	unsigned int i;

	pthread_mutex_lock(&v->lock);
	if (!vcpu_hold_enter(v)) {
		pthread_mutex_unlock(&v->lock);
		vcpu_hold_wait(v);
		return;
	}
	pthread_mutex_unlock(&v->lock);
	atomic_fetch_add(&vm->in_guest, 1);
	atomic_fetch_add(&vm->entries, 1);
	if (atomic_load(&vm->held))
		atomic_fetch_add(&vm->entered_while_held, 1);
	for (i = 0; i < SPINS && !__atomic_load_n(&v->cpu.run->immediate_exit, __ATOMIC_SEQ_CST); i++)
		sched_yield();
	atomic_fetch_sub(&vm->in_guest, 1);
	vcpu_hold_leave(v);
	__atomic_store_n(&v->cpu.run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	atomic_store(&v->kick_pending, false);
}

static void *run_vcpu(void *arg)
{
	struct stand_in *s = arg;

	atomic_store(&s->v->tid, gettid());
	while (!atomic_load(&s->vm->stop)) {
		run_once(s->vm, s->v);
		if (s->holds && s->held < ROUNDS) {
			hold_for_a_while(s->vm, s->v);
			if (++s->held == ROUNDS)
				atomic_fetch_add(&s->vm->done_holders, 1);
		}
	}
	atomic_store(&s->v->tid, 0);
	return NULL;
}

static void start(struct vm *vm, struct stand_in *s, pthread_t *th, unsigned int nr_holders)
{
	uint32_t i;

	for (i = 0; i < NR_VCPUS; i++) {
		s[i] = (struct stand_in){ .vm = vm, .v = &vm->m->vcpus[i], .holds = i < nr_holders };
		assert_int_equal(pthread_create(&th[i], NULL, run_vcpu, &s[i]), 0);
	}
}

static void stop(struct vm *vm, pthread_t *th)
{
	uint32_t i;

	atomic_store(&vm->stop, true);
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(th[i], NULL);
}

static void wait_for_holders(struct vm *vm, unsigned int n)
{
	while (atomic_load(&vm->done_holders) < n)
		usleep(1000);
}

static void a_holder_waits_until_no_vcpu_is_in_guest_and_none_enters_until_release(void **state)
{
	struct vm *vm = hand_made_vm();
	struct stand_in s[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	unsigned long before;
	unsigned int i;

	(void)state;
	alarm(60);		/* a hold that never returns fails the test, it does not hang it */
	start(vm, s, th, 0);
	while (atomic_load(&vm->entries) < 3 * NR_VCPUS)
		usleep(100);
	for (i = 0; i < ROUNDS; i++)
		hold_for_a_while(vm, NULL);		/* the main thread: no vCPU */
	before = atomic_load(&vm->entries);
	while (atomic_load(&vm->entries) < before + 3 * NR_VCPUS)
		usleep(100);				/* and they run again after */
	stop(vm, th);
	alarm(0);
	assert_int_equal(atomic_load(&vm->in_guest_at_hold), 0);
	assert_int_equal(atomic_load(&vm->entered_while_held), 0);
	free_vm(vm);
}

static void a_vcpu_thread_holds_the_others_without_waiting_for_itself(void **state)
{
	struct vm *vm = hand_made_vm();
	struct stand_in s[NR_VCPUS];
	pthread_t th[NR_VCPUS];

	(void)state;
	alarm(60);
	start(vm, s, th, 1);
	wait_for_holders(vm, 1);
	stop(vm, th);
	alarm(0);
	assert_int_equal(s[0].held, ROUNDS);
	assert_int_equal(atomic_load(&vm->in_guest_at_hold), 0);
	assert_int_equal(atomic_load(&vm->entered_while_held), 0);
	free_vm(vm);
}

static void two_vcpus_holding_at_once_both_get_their_turn(void **state)
{
	struct vm *vm = hand_made_vm();
	struct stand_in s[NR_VCPUS];
	pthread_t th[NR_VCPUS];

	(void)state;
	alarm(60);
	start(vm, s, th, 2);
	wait_for_holders(vm, 2);
	stop(vm, th);
	alarm(0);
	assert_int_equal(s[0].held, ROUNDS);
	assert_int_equal(s[1].held, ROUNDS);
	assert_int_equal(atomic_load(&vm->two_holders), 0);
	assert_int_equal(atomic_load(&vm->in_guest_at_hold), 0);
	assert_int_equal(atomic_load(&vm->entered_while_held), 0);
	free_vm(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_holder_waits_until_no_vcpu_is_in_guest_and_none_enters_until_release),
		cmocka_unit_test(a_vcpu_thread_holds_the_others_without_waiting_for_itself),
		cmocka_unit_test(two_vcpus_holding_at_once_both_get_their_turn),
	};

	return cmocka_run_group_tests_name("vcpu_hold", tests, NULL, NULL);
}
