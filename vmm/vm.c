// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest/guest-abi.h"
#include "vmm/vm.h"
#include "vmm/xen/sched.h"

void vmm_fail(struct vmm_vcpu *v, const char *fmt, ...)
{
	struct vmm *m = v->vmm;
	va_list ap;

	pthread_mutex_lock(&m->fail_lock);
	if (!atomic_load(&v->failed)) {
		va_start(ap, fmt);
		err_vset(&v->failure, -EIO, fmt, ap);
		va_end(ap);
		atomic_store(&v->failed, true);
	}
	if (!atomic_load(&m->failed)) {
		err_set(&m->failure, -EIO, "vCPU %u: %s", v->id, v->failure.msg);
		atomic_store(&m->failed, true);
	}
	pthread_mutex_unlock(&m->fail_lock);
}

void vmm_end(struct vmm *m, enum vmm_end end, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&m->fail_lock);
	if (m->end == VMM_END_NONE) {
		m->end = end;
		va_start(ap, fmt);
		vsnprintf(m->end_why, sizeof(m->end_why), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&m->fail_lock);
	vmm_stop(m);
}

void vmm_vcpu_failure(struct vmm_vcpu *v, struct vmm_err *out)
{
	pthread_mutex_lock(&v->vmm->fail_lock);
	*out = v->failure;
	pthread_mutex_unlock(&v->vmm->fail_lock);
}

int vmm_clock(struct vmm *m, struct vmm_vcpu *v, uint64_t *ns)
{
	int r = kvm_vm_get_clock(&m->mc.kvm, ns);

	if (r && v)
		vmm_fail(v, "KVM_GET_CLOCK: %s", strerror(-r));
	return r;
}

void vmm_start_gate(struct vmm *m)
{
	pthread_mutex_lock(&m->gate_lock);
	if (++m->arrived == m->nr_vcpus)
		pthread_cond_broadcast(&m->gate);
	while (m->arrived < m->nr_vcpus && !atomic_load(&m->stopping))
		pthread_cond_wait(&m->gate, &m->gate_lock);
	pthread_mutex_unlock(&m->gate_lock);
}

void vmm_stop(struct vmm *m)
{
	uint32_t i;

	atomic_store(&m->stopping, true);
	/* The test guests finish by themselves when asked; a PC's vCPUs just stop. */
	if (m->mc.boot)
		__atomic_store_n(&m->mc.boot->stop, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&m->gate_lock);
	pthread_cond_broadcast(&m->gate);
	pthread_mutex_unlock(&m->gate_lock);
	for (i = 0; i < m->nr_vcpus; i++) {
		if (!m->mc.boot) {
			atomic_store(&m->vcpus[i].done, true);
			if (m->vcpus[i].cpu.run)
				vcpu_kick(&m->vcpus[i]);
		}
		sched_wake(&m->vcpus[i].xen);
	}
}

static void on_kick(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

void vcpu_kick_init(void)
{
	struct sigaction sa = { .sa_handler = on_kick };

	sigaction(SIGUSR1, &sa, NULL);
}

void vcpu_kick(struct vmm_vcpu *v)
{
	pid_t tid;

	atomic_store(&v->kick_pending, true);
	tid = atomic_load(&v->tid);
	/* Either KVM_RUN sees immediate_exit, or the signal interrupts it. */
	__atomic_store_n(&v->cpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (tid)
		syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
}
