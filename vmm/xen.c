// SPDX-License-Identifier: MIT
/*
 * Xen as the test guests see it: the hypercalls they make to register and
 * read runstate areas, block, yield, take vCPUs down and up, and write to
 * the console. Every argument comes from the guest: each is checked, a bad
 * one gets Xen's errno back, and the VMM carries on.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include "vmm.h"
#include "xen-page.h"

/*
 * Alias windows: guest-physical addresses above RAM (which is at most 1 GiB)
 * that the guest's page tables never map, 2 pages per vCPU.
 */
#define ALIAS_GPA(id)	(0xc0000000ull + (uint64_t)(id) * 2 * G_PAGE)
#define ALIAS_SLOT(id)	(1u + (id))

struct hcall {
	struct vmm_vcpu *v;
	uint64_t a[5];			/* arguments, in Xen's order */
	bool lm;			/* the guest's ABI: 64-bit registers and layouts */
};

static uint64_t arg(const struct hcall *h, int i)
{
	return h->lm ? h->a[i] : (uint32_t)h->a[i];
}

void xen_set_runstate(struct vmm_vcpu *v, uint32_t state)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };
	int r;

	if (!v->xrs)
		return;
	a.u.runstate.state = state;
	r = xrs_vcpu_set_attr(v->xrs, &a);
	if (r)
		vmm_fail(v, "RUNSTATE_CURRENT %u: %s", state, xrs_strerror(r));
}

static int get_data(struct vmm_vcpu *v, struct kvm_xen_vcpu_attr *d)
{
	memset(d, 0, sizeof(*d));
	d->type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	return xrs_vcpu_get_attr(v->xrs, d);
}

static struct vmm_vcpu *target(const struct hcall *h, uint64_t id)
{
	struct vmm *m = h->v->vmm;

	return id < m->nr_vcpus ? &m->vcpus[id] : NULL;
}

/* ---- the runstate area ------------------------------------------------ */

static long set_area(struct vmm_vcpu *t, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	long r;

	a.u.gpa = gpa;
	r = xrs_vcpu_set_attr(t->xrs, &a);
	pthread_mutex_lock(&t->lock);
	t->xen.area_gpa = r ? KVM_XEN_INVALID_GPA : gpa;
	pthread_mutex_unlock(&t->lock);
	return r;
}

/*
 * A window of two pages that the runstate writer (libxrs, or KVM through a
 * memslot) writes as if contiguous, mapped onto two guest pages that are
 * not: the same RAM (a memfd) mapped twice.
 */
static int alias_map(struct vmm_vcpu *t, uint64_t page1, uint64_t page2)
{
	struct vmm *m = t->vmm;
	uint8_t *w = t->xen.alias;
	int r;

	if (!w) {
		w = mmap(NULL, 2 * G_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w == MAP_FAILED)
			return -ENOMEM;
		r = xrs_vm_map_memory(m->xrs, ALIAS_GPA(t->id), 2 * G_PAGE, w);
		if (!r && m->kernel_xen) {
			struct kvm_userspace_memory_region slot = {
				.slot = ALIAS_SLOT(t->id), .guest_phys_addr = ALIAS_GPA(t->id),
				.memory_size = 2 * G_PAGE, .userspace_addr = (uintptr_t)w,
			};

			r = ioctl(m->kvm.fd, KVM_SET_USER_MEMORY_REGION, &slot) ? -errno : 0;
		}
		if (r) {
			munmap(w, 2 * G_PAGE);
			return r;
		}
		t->xen.alias = w;
	}
	if (mmap(w, G_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 m->kvm.memfd, (off_t)page1) == MAP_FAILED ||
	    mmap(w + G_PAGE, G_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 m->kvm.memfd, (off_t)page2) == MAP_FAILED)
		return -ENOMEM;
	return 0;
}

/* VCPUOP_register_runstate_memory_area: a guest virtual address. */
static long register_area_va(struct hcall *h, struct vmm_vcpu *t, uint64_t argp)
{
	uint64_t va, gpa1, gpa2, len = h->lm ? XRS_RUNSTATE_SIZE : XRS_RUNSTATE_SIZE_COMPAT;
	struct vmm *m = h->v->vmm;
	long r;

	if (gva_read(h->v, argp, &va, sizeof(va)))
		return -XEN_EFAULT;
	if (!h->lm)
		va = (uint32_t)va;	/* a 32-bit guest fills the pointer half */
	if (!va)
		return set_area(t, KVM_XEN_INVALID_GPA);	/* unregister */

	if (kvm_cpu_translate(&h->v->cpu, va, &gpa1) || !kvm_vm_gpa(&m->kvm, gpa1, 1))
		return -XEN_EFAULT;
	if ((va & (G_PAGE - 1)) + len <= G_PAGE)
		return set_area(t, gpa1);

	/* It crosses a page: translate the second one on its own. */
	if (kvm_cpu_translate(&h->v->cpu, (va | (G_PAGE - 1)) + 1, &gpa2) ||
	    !kvm_vm_gpa(&m->kvm, gpa2, 1))
		return -XEN_EFAULT;
	if (gpa2 == (gpa1 | (G_PAGE - 1)) + 1)
		return set_area(t, gpa1);
	r = alias_map(t, gpa1 & ~(uint64_t)(G_PAGE - 1), gpa2);
	if (r)
		return r;
	return set_area(t, ALIAS_GPA(t->id) + (gpa1 & (G_PAGE - 1)));
}

/* VCPUOP_register_runstate_phys_area (Xen 4.18): a guest physical address. */
static long register_area_pa(struct hcall *h, struct vmm_vcpu *t, uint64_t argp)
{
	uint64_t gpa;

	if (gva_read(h->v, argp, &gpa, sizeof(gpa)))
		return -XEN_EFAULT;
	if (gpa == ~0ull)
		return set_area(t, KVM_XEN_INVALID_GPA);
	return set_area(t, gpa);
}

/* VCPUOP_get_runstate_info: the area's contents, written where the guest asks. */
static long get_runstate_info(struct hcall *h, struct vmm_vcpu *t, uint64_t argp)
{
	struct kvm_xen_vcpu_attr d;
	uint8_t img[XRS_RUNSTATE_SIZE] = { 0 };
	unsigned int ofs = h->lm ? XRS_RUNSTATE_TIMES_OFS : XRS_RUNSTATE_TIMES_OFS_COMPAT;
	int32_t state;

	if (get_data(t, &d))
		return -XEN_EINVAL;
	state = (int32_t)d.u.runstate.state;
	memcpy(img, &state, sizeof(state));
	memcpy(img + ofs, &d.u.runstate.state_entry_time, 5 * sizeof(uint64_t));
	if (gva_write(h->v, argp, img, ofs + 40))
		return -XEN_EFAULT;
	return 0;
}

/* ---- vCPUs up and down, timers, blocking ------------------------------- */

/*
 * Like Xen, the target goes offline when it actually stops, on its own
 * thread (xen_wait_up): a guest still running its last instructions reads
 * "running", and offline covers exactly the time it did not run.
 */
static long vcpu_down(struct hcall *h, struct vmm_vcpu *t)
{
	pthread_mutex_lock(&t->lock);
	t->xen.up = false;
	pthread_cond_signal(&t->cond);		/* if it is blocked */
	pthread_mutex_unlock(&t->lock);
	if (t != h->v)
		vmm_kick(t);
	return 0;
}

static long vcpu_up(struct vmm_vcpu *t)
{
	pthread_mutex_lock(&t->lock);
	if (!t->xen.up) {
		t->xen.up = true;
		t->xen.up_at_ns = vmm_now(t->vmm);
		pthread_cond_signal(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static long set_timer(struct vmm_vcpu *v, uint64_t deadline)
{
	pthread_mutex_lock(&v->lock);
	v->xen.timer_ns = deadline;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

static long singleshot_timer(struct hcall *h, uint64_t argp)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags;
	} __attribute__((packed)) t;

	if (gva_read(h->v, argp, &t, sizeof(t)))
		return -XEN_EFAULT;
	if ((t.flags & VCPU_SSHOTTMR_future) && t.timeout_abs_ns < vmm_now(h->v->vmm))
		return -XEN_ETIME;
	return set_timer(h->v, t.timeout_abs_ns);
}

static struct timespec mono_after(uint64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ns / 1000000000u);
	ts.tv_nsec += (long)(ns % 1000000000u);
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

void xen_block(struct vmm_vcpu *v)
{
	struct vmm *m = v->vmm;
	struct kvm_xen_vcpu_attr d0, d1;
	uint64_t deadline, start = 0, now;
	bool timed;

	pthread_mutex_lock(&v->lock);
	deadline = v->xen.timer_ns;
	timed = deadline != 0;
	if (timed && vmm_now(m) >= deadline) {
		/* Its timer has fired already: an event is pending, no block. */
		v->xen.timer_ns = 0;
		pthread_mutex_unlock(&v->lock);
		return;
	}
	if (v->xrs) {
		xen_set_runstate(v, XRS_RUNSTATE_BLOCKED);
		get_data(v, &d0);
		start = d0.u.runstate.state_entry_time;
	}
	for (;;) {
		if (atomic_load(&m->stopping) || !v->xen.up) {
			timed = false;		/* ended by the stop or VCPUOP_down */
			break;
		}
		now = vmm_now(m);
		if (timed && now >= deadline) {
			v->xen.timer_ns = 0;	/* a singleshot timer fires once */
			break;
		}
		if (timed) {
			struct timespec ts = mono_after(deadline - now);

			pthread_cond_timedwait(&v->cond, &v->lock, &ts);
		} else {
			pthread_cond_wait(&v->cond, &v->lock);
		}
	}
	/* Up to the entry under the lock, so a VCPUOP_down is not lost. */
	if (v->xrs && v->xen.up)
		xen_set_runstate(v, XRS_RUNSTATE_RUNNING);
	pthread_mutex_unlock(&v->lock);

	/* Host-side check: woken by its timer, it was booked blocked until then. */
	if (v->xrs && timed && start && deadline > start) {
		get_data(v, &d1);
		atomic_fetch_add(&v->host_checks, 1);
		atomic_fetch_add(&v->block_checks, 1);
		if (d1.u.runstate.time_blocked - d0.u.runstate.time_blocked < deadline - start) {
			atomic_fetch_add(&v->host_violations, 1);
			vmm_fail(v, "blocked %llu ns, timer asked for %llu",
				 (unsigned long long)(d1.u.runstate.time_blocked -
						      d0.u.runstate.time_blocked),
				 (unsigned long long)(deadline - start));
		}
	}
}

void xen_wait_up(struct vmm_vcpu *v)
{
	struct vmm *m = v->vmm;
	struct kvm_xen_vcpu_attr d0, d1;
	uint64_t off = 0;

	if (v->xrs) {
		xen_set_runstate(v, XRS_RUNSTATE_OFFLINE);
		if (!get_data(v, &d0))
			off = d0.u.runstate.state_entry_time;
	}
	while (!v->xen.up && !atomic_load(&m->stopping))
		pthread_cond_wait(&v->cond, &v->lock);
	if (!v->xen.up || !v->xrs)
		return;
	xen_set_runstate(v, XRS_RUNSTATE_RUNNING);

	/* Host-side check: offline from when it stopped until it was brought up. */
	if (off && v->xen.up_at_ns > off && !get_data(v, &d1)) {
		atomic_fetch_add(&v->host_checks, 1);
		atomic_fetch_add(&v->offline_checks, 1);
		if (d1.u.runstate.time_offline - d0.u.runstate.time_offline <
		    v->xen.up_at_ns - off) {
			atomic_fetch_add(&v->host_violations, 1);
			vmm_fail(v, "offline %llu ns, kept down %llu",
				 (unsigned long long)(d1.u.runstate.time_offline -
						      d0.u.runstate.time_offline),
				 (unsigned long long)(v->xen.up_at_ns - off));
		}
	}
}

/* ---- the hypercalls --------------------------------------------------- */

static long do_vcpu_op(struct hcall *h)
{
	uint64_t cmd = arg(h, 0), argp = arg(h, 2);
	struct vmm_vcpu *t = target(h, arg(h, 1));
	bool needs_rs = cmd == VCPUOP_get_runstate_info ||
			cmd == VCPUOP_register_runstate_memory_area ||
			cmd == VCPUOP_register_runstate_phys_area;

	if (!t)
		return -XEN_ENOENT;
	if (needs_rs && !t->xrs)
		return -XEN_ENOSYS;		/* run without runstate accounting */
	switch (cmd) {
	case VCPUOP_up:
		return vcpu_up(t);
	case VCPUOP_down:
		return vcpu_down(h, t);
	case VCPUOP_is_up: {
		long up;

		pthread_mutex_lock(&t->lock);
		up = t->xen.up;
		pthread_mutex_unlock(&t->lock);
		return up;
	}
	case VCPUOP_get_runstate_info:
		return get_runstate_info(h, t, argp);
	case VCPUOP_register_runstate_memory_area:
		return register_area_va(h, t, argp);
	case VCPUOP_register_runstate_phys_area:
		return register_area_pa(h, t, argp);
	case VCPUOP_set_singleshot_timer:
		return t == h->v ? singleshot_timer(h, argp) : -XEN_EINVAL;
	case VCPUOP_stop_singleshot_timer:
		return t == h->v ? set_timer(t, 0) : -XEN_EINVAL;
	default:
		return -XEN_ENOSYS;
	}
}

static long do_sched_op(struct hcall *h)
{
	struct vmm *m = h->v->vmm;
	uint32_t reason;

	switch (arg(h, 0)) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		xen_block(h->v);
		return 0;
	case SCHEDOP_shutdown:
		if (gva_read(h->v, arg(h, 1), &reason, sizeof(reason)))
			return -XEN_EFAULT;
		pthread_mutex_lock(&m->lock);
		m->shutdown_reason = (int)reason;
		pthread_mutex_unlock(&m->lock);
		h->v->done = true;
		vmm_stop(m);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

static long do_vm_assist(struct hcall *h)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };
	uint64_t cmd = arg(h, 0), type = arg(h, 1);
	struct vmm *m = h->v->vmm;

	if (type != VMASST_TYPE_runstate_update_flag || !m->xrs || !m->cfg.update_flag ||
	    (cmd != VMASST_CMD_enable && cmd != VMASST_CMD_disable))
		return -XEN_EINVAL;
	XRS_HVM_ATTR_UPDATE_FLAG(&a) = cmd == VMASST_CMD_enable;
	return xrs_vm_set_attr(m->xrs, &a) ? -XEN_EINVAL : 0;
}

static long do_console_io(struct hcall *h)
{
	char buf[256];
	uint64_t count = arg(h, 1), p = arg(h, 2), n;

	if (arg(h, 0) != CONSOLEIO_write)
		return arg(h, 0) == 1 ? 0 : -XEN_EINVAL;	/* CONSOLEIO_read: nothing */
	if (count > 4096)
		return -XEN_EINVAL;
	for (; count; count -= n, p += n) {
		n = count < sizeof(buf) ? count : sizeof(buf);
		if (gva_read(h->v, p, buf, n))
			return -XEN_EFAULT;
		fprintf(stderr, "%.*s", (int)n, buf);
	}
	return 0;
}

static long do_set_timer_op(struct hcall *h)
{
	uint64_t t = h->lm ? arg(h, 0) : (arg(h, 0) | arg(h, 1) << 32);

	return set_timer(h->v, t);
}

static long dispatch(struct hcall h, uint64_t nr)
{
	struct vmm_vcpu *v = h.v;
	long ret;

	atomic_fetch_add(&v->hypercalls, 1);
	switch (nr) {
	case XEN_HC_vcpu_op:
		ret = do_vcpu_op(&h);
		break;
	case XEN_HC_sched_op:
		ret = do_sched_op(&h);
		break;
	case XEN_HC_vm_assist:
		ret = do_vm_assist(&h);
		break;
	case XEN_HC_console_io:
		ret = do_console_io(&h);
		break;
	case XEN_HC_set_timer_op:
		ret = do_set_timer_op(&h);
		break;
	case XEN_HC_xen_version:
		ret = arg(&h, 0) == 0 ? 0x00040012 : -XEN_ENOSYS;	/* 4.18 */
		break;
	default:
		ret = -XEN_ENOSYS;
	}
	/* Xen's errnos; libxrs's (Linux's) are the same numbers for these. */
	return ret;
}

void xen_hypercall(struct vmm_vcpu *v, uint32_t nr)
{
	struct hcall h = { .v = v, .lm = atomic_load(&v->vmm->long_mode) };
	struct kvm_regs regs;
	long ret;

	if (kvm_cpu_get_regs(&v->cpu, &regs)) {
		vmm_fail(v, "cannot read registers for hypercall %u", nr);
		return;
	}
	if (h.lm) {
		h.a[0] = regs.rdi, h.a[1] = regs.rsi, h.a[2] = regs.rdx;
		h.a[3] = regs.r10, h.a[4] = regs.r8;
	} else {
		h.a[0] = regs.rbx, h.a[1] = regs.rcx, h.a[2] = regs.rdx;
		h.a[3] = regs.rsi, h.a[4] = regs.rdi;
	}
	ret = dispatch(h, nr);
	regs.rax = h.lm ? (uint64_t)ret : (uint32_t)ret;
	if (kvm_cpu_set_regs(&v->cpu, &regs))
		vmm_fail(v, "cannot write the result of hypercall %u", nr);
}

void xen_hypercall_exit(struct vmm_vcpu *v)
{
	struct kvm_xen_exit *x = &v->cpu.run->xen;
	struct hcall h = { .v = v, .lm = x->u.hcall.longmode != 0 };

	if (x->type != KVM_EXIT_XEN_HCALL) {
		vmm_fail(v, "KVM_EXIT_XEN of type %u", x->type);
		return;
	}
	memcpy(h.a, x->u.hcall.params, sizeof(h.a));
	x->u.hcall.result = (uint64_t)dispatch(h, x->u.hcall.input);
}

int xen_hypercall_msr(struct vmm_vcpu *v, uint64_t value)
{
	struct vmm *m = v->vmm;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	int lm = kvm_cpu_long_mode(&v->cpu);

	if (lm < 0 || xen_write_hypercall_page(&m->kvm, value))
		return 1;
	/* KVM: the layout follows the mode of the vCPU that wrote the MSR. */
	atomic_store(&m->long_mode, lm);
	a.u.long_mode = (uint8_t)lm;
	if (m->xrs && xrs_vm_set_attr(m->xrs, &a))
		return 1;
	return 0;
}
