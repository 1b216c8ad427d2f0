// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "guest/guest-abi.h"
#include "util/schedstat.h"
#include "vmm/guest-boot.h"
#include "vmm/hold.h"
#include "vmm/pc/mptable.h"
#include "vmm/pc/pc.h"
#include "vmm/refresh.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"
#include "vmm/xen-ops.h"
#include "vmm/xen/platform.h"
#include "vmm/xen/runstate.h"
#include "vmm/xen/sched.h"

_Static_assert(VMM_MAX_VCPUS == G_MAX_VCPUS, "the guests' vCPU limit");
_Static_assert(VMM_TESTBOX_RAM_MAX == BOOT_RAM_MAX, "the guests' RAM limit");
/*
 * Where each board leaves room for the runstate windows (xen/runstate.h):
 * above any RAM, with a gap. The test guests have at most 1 GiB; the PC at
 * most 3 GiB, then its APICs' hole, so its windows start at 4 GiB.
 */
#define TESTBOX_WINDOWS	((uint64_t)G_VMM_PRIVATE)
#define PC_WINDOWS	(1ull << 32)
#define SAME(a, b)	((int)(a) == (int)(b))
_Static_assert(SAME(VMM_PROG_IO_LOOP, G_PROG_IO_LOOP) && SAME(VMM_PROG_HCALL_PAGE, G_PROG_HCALL_PAGE) &&
	       SAME(VMM_PROG_WORKLOAD, G_PROG_WORKLOAD) && SAME(VMM_PROG_HOSTILE, G_PROG_HOSTILE) &&
	       SAME(VMM_PROG_AREA_VIEWS, G_PROG_AREA_VIEWS), "programs are the guests' numbers");
_Static_assert(SAME(VMM_WL_MIXED, G_WL_MIXED) && SAME(VMM_WL_SPIN, G_WL_SPIN) &&
	       SAME(VMM_WL_EXITS, G_WL_EXITS) && SAME(VMM_WL_IDLE, G_WL_IDLE),
	       "workloads are the guests' numbers");

uint64_t vmm_ram_min(uint32_t nr_vcpus)
{
	return boot_ram_min(nr_vcpus);
}

int vmm_vcpu_where(struct vmm *m, uint32_t i, uint64_t *rip, uint32_t *cpl, uint32_t *mp_state)
{
	struct kvm_cpu *c = &m->vcpus[i].cpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r = kvm_cpu_read_regs(c, &regs);

	if (!r)
		r = kvm_cpu_get_sregs(c, &sregs);
	if (!r)
		r = kvm_cpu_get_mp_state(c, mp_state);
	if (r)
		return r;
	*rip = regs.rip;
	*cpl = sregs.ss.dpl;
	return 0;
}

/*
 * Four descriptors per vCPU (its KVM fd, KVM's binary stats fd libxrs reads
 * halted time from, libxrs's and the VMM's schedstat fds) and a few more:
 * raise the soft limit as far as the hard one allows, as QEMU does.
 */
static int ensure_fds(uint32_t nr_vcpus, struct vmm_err *e)
{
	rlim_t need = 4 * (rlim_t)nr_vcpus + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return err_set(e, -EMFILE, "%u vCPUs need %llu open files; the hard limit is %llu "
			       "(ulimit -Hn)", nr_vcpus, (unsigned long long)need,
			       (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return err_set(e, -errno, "setrlimit(RLIMIT_NOFILE, %llu): %s",
			       (unsigned long long)need, strerror(errno));
	return 0;
}

static void fill_bootinfo(struct vmm *m)
{
	const struct vmm_config *cfg = &m->cfg;
	struct g_bootinfo *b = m->mc.boot;

	b->program = cfg->program;
	b->workload = cfg->workload;
	b->nr_vcpus = cfg->nr_vcpus;
	b->nr_running = cfg->nr_running;
	b->ram_size = mem_ram_region(&m->mc.mem)->size;
	b->flags = (cfg->update_flag ? G_BOOT_UPDATE_FLAG : 0) |
		   (cfg->witness ? G_BOOT_WITNESS : 0);
	memcpy(b->arg, cfg->args, sizeof(cfg->args));
}

static int vcpu_init(struct vmm *m, struct vmm_vcpu *v, uint32_t id,
		     const pthread_condattr_t *ca, struct vmm_err *e)
{
	int r;

	v->vmm = m;
	v->id = id;
	v->schedstat_fd = -1;
	v->cpu_pin = m->cfg.nr_pin ? m->cfg.pin[id % (uint32_t)m->cfg.nr_pin] : -1;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, ca);
	v->xen = (struct xen_vcpu){
		.vm = &m->xen, .id = id, .cpu = &v->cpu, .lock = &v->lock, .cond = &v->cond,
		.sched.up = true,
	};
	v->report = calloc(1, sizeof(*v->report));
	if (!v->report)
		return err_set(e, -ENOMEM, "out of memory");
	r = machine_cpu_open(&m->mc, &v->cpu, id, e);
	if (!r)
		r = platform_vcpu_init(&v->xen, e);
	return r ? r : runstate_vcpu_init(&v->xen, e);
}

static void pc_end(void *vm, enum pc_end end, const char *why)
{
	static const enum vmm_end ends[] = {
		[PC_END_REBOOT] = VMM_END_REBOOT,
		[PC_END_TRIPLE_FAULT] = VMM_END_TRIPLE_FAULT,
		[PC_END_CRASH] = VMM_END_CRASH,
	};

	vmm_end(vm, ends[end], "%s", why);
}

static int pc_probe(void *vcpu, uint32_t *id, uint64_t times[4], int64_t *run_delay)
{
	struct vmm_vcpu *v = vcpu;

	*id = v->id;
	*run_delay = v->schedstat_fd >= 0 ? schedstat_run_delay(v->schedstat_fd) : -1;
	return runstate_area_times(&v->xen, times);
}

/* What the PC board tells the VMM (pc.h). */
static const struct pc_ops vmm_pc_ops = { .end = pc_end, .probe = pc_probe };

/* The board's machine, with what it needs checked before any KVM. */
static int open_board(struct vmm *m, struct vmm_err *e)
{
	const struct vmm_config *cfg = &m->cfg;
	uint64_t ram = cfg->ram_mib ? cfg->ram_mib << 20 : boot_ram_default(cfg->nr_vcpus);
	int r;

	if (cfg->board == VMM_BOARD_PC) {
		if (!cfg->image)
			return err_set(e, -EINVAL, "a PC needs a Linux kernel");
		if (cfg->nr_vcpus > MPTABLE_MAX_VCPUS)
			return err_set(e, -EINVAL, "%u vCPUs: a PC has 1 to %u", cfg->nr_vcpus,
				       MPTABLE_MAX_VCPUS);
		r = machine_open_pc(&m->mc, cfg->image, cfg->nr_vcpus, cfg->runstate, cfg->dev, e);
		if (!r && cfg->runstate)
			r = platform_probe(&m->mc.kvm, e);
		if (!r)
			pc_attach(m->mc.pc, cfg->console, &vmm_pc_ops, m);
		return r;
	}
	if (ram < boot_ram_min(cfg->nr_vcpus))
		return err_set(e, -EINVAL, "%llu bytes of RAM: %u vCPUs need %llu",
			       (unsigned long long)ram, cfg->nr_vcpus,
			       (unsigned long long)boot_ram_min(cfg->nr_vcpus));
	r = machine_open(&m->mc, cfg->bits, ram, cfg->dev, e);
	if (!r)
		fill_bootinfo(m);
	return r;
}

int vmm_create(const struct vmm_config *cfg, struct vmm **out, struct vmm_err *e)
{
	pthread_condattr_t ca;
	struct vmm *m;
	uint32_t i;
	int r;

	if (!cfg->nr_vcpus || cfg->nr_vcpus > G_MAX_VCPUS)
		return err_set(e, -EINVAL, "%u vCPUs: 1 to %u", cfg->nr_vcpus, G_MAX_VCPUS);
	r = ensure_fds(cfg->nr_vcpus, e);
	if (r)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(e, -ENOMEM, "out of memory");
	m->cfg = *cfg;
	m->xen = (struct xen_vm){
		.ops = &vmm_xen_ops, .kvm = &m->mc.kvm, .mem = &m->mc.mem,
		.nr_vcpus = cfg->nr_vcpus, .runstate = cfg->runstate,
		.update_flag = cfg->update_flag, .backend = cfg->backend,
		.publish = cfg->publish, .console = cfg->console,
		.windows_gpa = cfg->board == VMM_BOARD_PC ? PC_WINDOWS : TESTBOX_WINDOWS,
		.trace = getenv("XRS_TRACE_HYPERCALLS") != NULL,
	};
	m->mc.kvm.fd = m->mc.kvm.kvm_fd = m->mc.mem.memfd = -1;
	pthread_mutex_init(&m->gate_lock, NULL);
	pthread_mutex_init(&m->fail_lock, NULL);
	pthread_mutex_init(&m->task_lock, NULL);
	pthread_cond_init(&m->gate, NULL);
	pthread_cond_init(&m->task_cond, NULL);
	vmm_hold_init(m);

	r = open_board(m, e);
	if (r)
		goto fail;

	m->vcpus = calloc(cfg->nr_vcpus, sizeof(*m->vcpus));
	if (!m->vcpus) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	m->nr_vcpus = cfg->nr_vcpus;
	for (i = 0; i < m->nr_vcpus; i++)
		m->vcpus[i].cpu.fd = -1;
	if (cfg->runstate && (r = runstate_vm_init(&m->xen, e)))
		goto fail;
	m->cfg.backend = m->xen.backend;	/* what AUTO chose */
	/* Linux makes its hypercalls with VMCALL: only KVM_EXIT_XEN brings them out. */
	if (cfg->board == VMM_BOARD_TESTBOX || cfg->runstate)
		r = machine_route_hypercalls(&m->mc, m->xen.kernel_xen ||
					     cfg->board == VMM_BOARD_PC, e);
	if (!r && cfg->board == VMM_BOARD_PC && cfg->runstate)
		r = platform_init(&m->xen, e);
	if (r)
		goto fail;

	/* Timed waits run on CLOCK_MONOTONIC, like the guest clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (i = 0; i < m->nr_vcpus && !r; i++)
		r = vcpu_init(m, &m->vcpus[i], i, &ca, e);
	pthread_condattr_destroy(&ca);
	if (r)
		goto fail;
	vcpu_kick_init();
	*out = m;
	return 0;
fail:
	vmm_destroy(m);
	return r;
}

int vmm_start(struct vmm *m, struct vmm_err *e)
{
	pthread_attr_t attr;
	uint32_t i;
	int r = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);	/* 1024 vCPUs, one thread each */
	for (i = 0; i < m->nr_vcpus && !r; i++) {
		r = -pthread_create(&m->vcpus[i].thread, &attr, vcpu_thread, &m->vcpus[i]);
		if (r) {
			err_set(e, r, "vCPU thread %u: %s", i, strerror(-r));
			m->vcpus[i].thread = 0;
		}
	}
	/*
	 * KVM keeps its own areas fresh (it updates them whenever the vCPU
	 * thread is preempted): a PC on the kernel backend needs no kicks.
	 */
	if (!r && m->cfg.refresh_ms && m->xen.xrs &&
	    !(m->xen.kernel_xen && m->cfg.board == VMM_BOARD_PC)) {
		r = -pthread_create(&m->refresher, &attr, refresh_thread, m);
		if (r) {
			err_set(e, r, "refresh thread: %s", strerror(-r));
			m->refresher = 0;
		}
	}
	pthread_attr_destroy(&attr);
	if (r)
		vmm_stop(m);
	return r;
}

static int join_all(struct vmm *m, double timeout_s)
{
	struct timespec until;
	uint32_t i;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)timeout_s;
	until.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	for (i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];

		if (!v->thread)
			continue;
		if (pthread_timedjoin_np(v->thread, NULL, &until)) {
			/* A guest that ignores the request: take the vCPU away. */
			vmm_fail(v, "did not stop when asked");
			vcpu_kick(v);
			pthread_join(v->thread, NULL);
		}
		v->thread = 0;
		if (atomic_load(&v->failed))
			r = -EIO;
	}
	if (m->refresher) {
		/* Guests that finished on their own leave it nothing to refresh. */
		atomic_store(&m->stopping, true);
		pthread_join(m->refresher, NULL);
		m->refresher = 0;
	}
	return r;
}

int vmm_join(struct vmm *m, double timeout_s)
{
	return join_all(m, timeout_s);
}

int vmm_pause(struct vmm *m, double timeout_s)
{
	uint32_t i;

	atomic_store(&m->pausing, true);
	for (i = 0; i < m->nr_vcpus; i++) {
		vcpu_kick(&m->vcpus[i]);
		sched_wake(&m->vcpus[i].xen);
	}
	return join_all(m, timeout_s);
}

void vmm_destroy(struct vmm *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; m->vcpus && i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];

		runstate_vcpu_fini(&v->xen);
		if (v->cpu.fd >= 0)
			kvm_cpu_close(&v->cpu);
		if (v->schedstat_fd >= 0)
			close(v->schedstat_fd);
		free(v->report);
		if (v->vmm) {
			pthread_cond_destroy(&v->cond);
			pthread_mutex_destroy(&v->lock);
		}
	}
	runstate_vm_fini(&m->xen);
	platform_fini(&m->xen);
	machine_close(&m->mc);
	vmm_hold_fini(m);
	pthread_cond_destroy(&m->task_cond);
	pthread_mutex_destroy(&m->task_lock);
	pthread_cond_destroy(&m->gate);
	pthread_mutex_destroy(&m->gate_lock);
	pthread_mutex_destroy(&m->fail_lock);
	free(m->vcpus);
	free(m);
}
