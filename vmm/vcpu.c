// SPDX-License-Identifier: MIT
/*
 * One vCPU's host thread: libxrs's enter/exit around every KVM_RUN, and the
 * exits the test guests make. Offline and blocked time are spent here,
 * waiting, with the state set through libxrs like a VMM with KVM's own
 * Xen support would set it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vmm.h"

static uint64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The calling vCPU thread's run delay; its schedstat file stays open. */
uint64_t vmm_own_run_delay(struct vmm_vcpu *v)
{
	unsigned long long run, delay;
	char buf[96];
	ssize_t n;

	if (v->schedstat_fd < 0)
		v->schedstat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	n = v->schedstat_fd < 0 ? -1 : pread(v->schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return sscanf(buf, "%llu %llu", &run, &delay) == 2 ? delay : 0;
}

static uint32_t io_value(struct kvm_run *run)
{
	uint32_t v = 0;

	memcpy(&v, (uint8_t *)run + run->io.data_offset,
	       run->io.size < sizeof(v) ? run->io.size : sizeof(v));
	return v;
}

/* a's fields, entry first, none ahead of b's */
static bool view_le(const uint64_t a[5], const uint64_t b[5])
{
	int i;

	for (i = 0; i < 5; i++)
		if (a[i] > b[i])
			return false;
	return true;
}

static void view_of_data(const struct kvm_xen_vcpu_attr *d, uint64_t out[5])
{
	out[0] = d->u.runstate.state_entry_time;
	memcpy(&out[1], &d->u.runstate.time_running, 4 * sizeof(uint64_t));
}

/*
 * Before re-entering after a kick: the guest may have read its area in the
 * stint the kick ended and report it only later, after updates it did not
 * see. Keep the area as it was then (libxrs writes it only at entries).
 */
static void note_kick_reentry(struct vmm_vcpu *v)
{
	struct kvm_xen_vcpu_attr d = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };

	if (v->view_base_valid || !v->xrs || v->xen.area_gpa == KVM_XEN_INVALID_GPA ||
	    xrs_vcpu_get_attr(v->xrs, &d))
		return;
	view_of_data(&d, v->view_base);
	v->view_base_valid = true;
}

/*
 * The guest's view at a report, against the host's GET DATA. libxrs writes
 * the area only at entries, so the two are equal at this sync point unless
 * kicks re-entered the vCPU between the guest's read and its report: then
 * the view lies between the area before the first kick and now. KVM's own
 * backend may also rewrite the area when the thread is preempted, so there
 * the guest may only be behind, field by field.
 */
static void compare_views(struct vmm_vcpu *v, const struct g_report *r)
{
	struct kvm_xen_vcpu_attr d = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
	uint64_t guest[5], host[5];
	bool ok;

	if (!v->xrs || v->xen.area_gpa == KVM_XEN_INVALID_GPA || !r->entry)
		return;
	if (xrs_vcpu_get_attr(v->xrs, &d))
		return;
	guest[0] = r->entry;
	memcpy(&guest[1], r->time, sizeof(r->time));
	view_of_data(&d, host);
	if (v->vmm->kernel_xen)
		ok = view_le(guest, host);
	else if (v->view_base_valid)
		ok = view_le(v->view_base, guest) && view_le(guest, host);
	else
		ok = !memcmp(guest, host, sizeof(guest));
	atomic_fetch_add(&v->view_checks, 1);
	atomic_fetch_add(&v->host_checks, 1);
	if (ok)
		return;
	atomic_fetch_add(&v->view_diffs, 1);
	atomic_fetch_add(&v->host_violations, 1);
	vmm_fail(v, "guest view (entry %llu, times %llu %llu %llu %llu) %s "
		 "GET DATA (entry %llu, times %llu %llu %llu %llu)",
		 (unsigned long long)guest[0], (unsigned long long)guest[1],
		 (unsigned long long)guest[2], (unsigned long long)guest[3],
		 (unsigned long long)guest[4],
		 v->vmm->kernel_xen ? "is ahead of" :
		 v->view_base_valid ? "is not between the area before the kick and" :
		 "differs from",
		 (unsigned long long)host[0], (unsigned long long)host[1],
		 (unsigned long long)host[2], (unsigned long long)host[3],
		 (unsigned long long)host[4]);
}

static void handle_ucall(struct vmm_vcpu *v, uint64_t gpa)
{
	struct vmm *m = v->vmm;
	struct g_ucall *uc = kvm_vm_gpa(&m->kvm, gpa, sizeof(*uc));
	const struct g_report *r;
	const char *what;

	if (!uc) {
		vmm_fail(v, "ucall message outside RAM (%#llx)", (unsigned long long)gpa);
		return;
	}
	switch (uc->cmd) {
	case G_UCALL_REPORT:
		r = kvm_vm_gpa(&m->kvm, uc->arg[0], sizeof(*r));
		if (!r)
			break;
		pthread_mutex_lock(&v->lock);
		v->last_report = *r;
		pthread_mutex_unlock(&v->lock);
		atomic_store(&v->guest_checks, r->checks);
		atomic_store(&v->guest_violations, r->violations);
		compare_views(v, r);
		break;
	case G_UCALL_DONE:
		v->done = true;
		break;
	case G_UCALL_FAIL:
		what = kvm_vm_gpa(&m->kvm, uc->arg[0], 64);
		vmm_fail(v, "guest check failed at line %llu: %.64s (%#llx, %#llx)",
			 (unsigned long long)uc->arg[1], what ? what : "?",
			 (unsigned long long)uc->arg[2], (unsigned long long)uc->arg[3]);
		atomic_fetch_add(&v->guest_violations, 1);
		return;
	}
	if (m->cfg.on_ucall && m->cfg.on_ucall(m, v, uc, m->cfg.opaque))
		vmm_fail(v, "test hook rejected ucall %u", uc->cmd);
}

static void handle_exit(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->cpu.run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction != KVM_EXIT_IO_OUT) {
			/* Nothing is there: reads see all ones, as on a bare bus. */
			memset((uint8_t *)run + run->io.data_offset, 0xff,
			       (size_t)run->io.size * run->io.count);
			return;
		}
		if (run->io.port == G_PORT_HCALL)
			xen_hypercall(v, io_value(run));
		else if (run->io.port == G_PORT_UCALL)
			handle_ucall(v, io_value(run));
		/* G_PORT_TICK and unknown ports: an exit and nothing else. */
		return;
	case KVM_EXIT_HLT:
		xen_block(v);
		return;
	case KVM_EXIT_XEN:
		xen_hypercall_exit(v);
		return;
	case KVM_EXIT_X86_WRMSR:
		run->msr.error = run->msr.index != XEN_HYPERCALL_MSR ||
				 xen_hypercall_msr(v, run->msr.data);
		return;
	case KVM_EXIT_X86_RDMSR:
		run->msr.error = 1;	/* the hypercall MSR is write-only */
		return;
	default:
		vmm_fail(v, "guest stopped: exit %u (%s)", run->exit_reason,
			 kvm_exit_name(run->exit_reason));
	}
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Book up to now without changing the state: the final figures. */
static void book_to_now(struct vmm_vcpu *v)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };

	if (v->xrs && !xrs_vcpu_get_attr(v->xrs, &a))
		xrs_vcpu_set_attr(v->xrs, &a);
}

void *vmm_vcpu_thread(void *arg)
{
	struct vmm_vcpu *v = arg;
	struct vmm *m = v->vmm;
	int r;

	atomic_store(&v->tid, gettid());
	if (v->xrs) {
		r = xrs_vcpu_bind_thread(v->xrs);
		if (r)
			vmm_fail(v, "xrs_vcpu_bind_thread: %s", xrs_strerror(r));
	}
	/*
	 * The first update (the fresh vCPU's offline time) before any vCPU
	 * competes for a pinned CPU: from here on every wait of this thread
	 * is steal, and rd_start is the run delay it counts from.
	 */
	v->rd_start_ns = vmm_own_run_delay(v);
	if (v->xrs)
		xrs_vcpu_enter(v->xrs);
	vmm_start_gate(m);
	if (v->cpu_pin >= 0)
		pin_self(v->cpu_pin);

	while (!v->done && !v->error && !atomic_load(&m->failed)) {
		pthread_mutex_lock(&v->lock);
		if (!v->xen.up)
			xen_wait_up(v);
		if (atomic_load(&m->stopping) && !v->xen.up) {
			pthread_mutex_unlock(&v->lock);
			break;		/* down at the end: nothing left to run */
		}
		if (v->xrs)
			xrs_vcpu_enter(v->xrs);
		pthread_mutex_unlock(&v->lock);

		atomic_store_explicit(&v->run_since_ns, now_mono(), memory_order_relaxed);
		r = kvm_cpu_run(&v->cpu);
		atomic_store_explicit(&v->run_since_ns, 0, memory_order_relaxed);
		if (v->xrs)
			xrs_vcpu_exit(v->xrs);
		atomic_fetch_add_explicit(&v->exits, 1, memory_order_relaxed);

		/* Re-arm before taking the request: a kick after this is not lost. */
		__atomic_store_n(&v->cpu.run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (atomic_exchange(&v->kick_pending, false))
			atomic_fetch_add_explicit(&v->kicks, 1, memory_order_relaxed);
		if (r == -EINTR) {
			note_kick_reentry(v);
			continue;
		}
		if (r) {
			vmm_fail(v, "KVM_RUN: %s", strerror(-r));
			break;
		}
		handle_exit(v);
		v->view_base_valid = false;	/* the guest exited itself: a new stint */
	}
	book_to_now(v);
	v->rd_end_ns = vmm_own_run_delay(v);
	return NULL;
}
