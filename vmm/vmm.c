// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "vmm.h"

static int set_err(char *err, size_t len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return r;
}

uint64_t vmm_now(struct vmm *m)
{
	struct kvm_clock_data d = { 0 };

	/* The hot path never gets here: libxrs keeps its own cheap clock. */
	if (ioctl(m->kvm.fd, KVM_GET_CLOCK, &d) < 0)
		return 0;
	return d.clock;
}

void vmm_fail(struct vmm_vcpu *v, const char *fmt, ...)
{
	va_list ap;

	if (!v->error) {
		va_start(ap, fmt);
		vsnprintf(v->errmsg, sizeof(v->errmsg), fmt, ap);
		va_end(ap);
		v->error = 1;
	}
	atomic_store(&v->vmm->failed, true);
}

static void on_kick(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

void vmm_kick(struct vmm_vcpu *v)
{
	atomic_store(&v->kick_pending, true);
	pid_t tid = atomic_load(&v->tid);

	/* Either KVM_RUN sees immediate_exit, or the signal interrupts it. */
	__atomic_store_n(&v->cpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (tid)
		syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
}

static uint64_t default_ram(const struct vmm_config *cfg)
{
	uint64_t min = guest_ram_min(cfg->nr_vcpus);

	return (min + (2u << 20) - 1) & ~((2ull << 20) - 1);
}

static int setup_xrs(struct vmm *m, char *err, size_t errlen)
{
	struct xrs_vm_params p = { .vm_fd = m->kvm.fd, .backend = m->cfg.backend };
	struct xrs_vm_info info;
	int r;

	r = xrs_vm_create(&p, &m->xrs);
	if (r == -EOPNOTSUPP && m->cfg.backend == XRS_BACKEND_KERNEL)
		return set_err(err, errlen, r, "--backend kernel: this KVM has no "
			       "KVM_XEN_HVM_CONFIG_RUNSTATE (a kernel without CONFIG_KVM_XEN)");
	if (r)
		return set_err(err, errlen, r, "libxrs: %s", xrs_strerror(r));
	r = xrs_vm_map_memory(m->xrs, 0, m->kvm.ram_size, m->kvm.ram);
	if (r)
		return set_err(err, errlen, r, "libxrs: map guest RAM: %s", xrs_strerror(r));
	if (xrs_check_extension(m->xrs, KVM_CAP_XEN_HVM) <= 0)
		return set_err(err, errlen, -EOPNOTSUPP,
			       "libxrs: no runstate support here (no schedstat run_delay?)");
	r = xrs_vm_get_info(m->xrs, &info);
	if (r)
		return set_err(err, errlen, r, "libxrs: %s", xrs_strerror(r));
	m->cfg.backend = info.backend;		/* what AUTO chose */
	if (info.backend != XRS_BACKEND_KERNEL)
		return 0;
	m->kernel_xen = true;
	r = kvm_vm_xen_in_kernel(&m->kvm);
	if (r)
		return set_err(err, errlen, r, "%s", m->kvm.err);
	return 0;
}

/*
 * Three descriptors per vCPU (its KVM fd, libxrs's and the VMM's schedstat fds) and a few
 * more: raise the soft limit as far as the hard one allows, as QEMU does.
 */
static int ensure_fds(uint32_t nr_vcpus, char *err, size_t errlen)
{
	rlim_t need = 3 * (rlim_t)nr_vcpus + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return set_err(err, errlen, -EMFILE, "%u vCPUs need %llu open files; the hard "
			       "limit is %llu (ulimit -Hn)", nr_vcpus, (unsigned long long)need,
			       (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return set_err(err, errlen, -errno, "setrlimit(RLIMIT_NOFILE, %llu): %s",
			       (unsigned long long)need, strerror(errno));
	return 0;
}

int vmm_create(const struct vmm_config *cfg, struct vmm **out, char *err, size_t errlen)
{
	struct kvm_vm_config kc = { .bits = cfg->bits, .nr_vcpus = cfg->nr_vcpus, .dev = cfg->dev };
	struct sigaction sa = { .sa_handler = on_kick };
	pthread_condattr_t ca;
	struct vmm *m;
	uint32_t i;
	int r;

	if (!cfg->nr_vcpus || cfg->nr_vcpus > G_MAX_VCPUS)
		return set_err(err, errlen, -EINVAL, "%u vCPUs: 1 to %u", cfg->nr_vcpus,
			       G_MAX_VCPUS);
	r = ensure_fds(cfg->nr_vcpus, err, errlen);
	if (r)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return set_err(err, errlen, -ENOMEM, "out of memory");
	m->cfg = *cfg;
	m->nr_vcpus = cfg->nr_vcpus;
	m->shutdown_reason = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->gate, NULL);

	kc.ram_size = cfg->ram_mib ? cfg->ram_mib << 20 : default_ram(cfg);
	r = kvm_vm_open(&m->kvm, &kc);
	if (r) {
		set_err(err, errlen, r, "%s", m->kvm.err);
		free(m);
		return r;
	}
	m->boot = kvm_vm_gpa(&m->kvm, G_BOOTINFO, sizeof(*m->boot));
	*m->boot = (struct g_bootinfo){
		.magic = G_BOOT_MAGIC, .program = cfg->program, .workload = cfg->workload,
		.nr_vcpus = cfg->nr_vcpus, .ram_size = m->kvm.ram_size,
		.flags = (cfg->update_flag ? G_BOOT_UPDATE_FLAG : 0) |
			 (cfg->witness ? G_BOOT_WITNESS : 0),
	};
	memcpy(m->boot->arg, cfg->args, sizeof(cfg->args));
	m->boot->nr_running = cfg->nr_running;

	if (cfg->runstate) {
		r = setup_xrs(m, err, errlen);
		if (r)
			goto fail;
	}

	m->vcpus = calloc(cfg->nr_vcpus, sizeof(*m->vcpus));
	if (!m->vcpus) {
		r = set_err(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < cfg->nr_vcpus; i++) {
		m->vcpus[i].cpu.fd = -1;
		m->vcpus[i].schedstat_fd = -1;
	}
	/* Timed waits run on CLOCK_MONOTONIC, like the guest clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (i = 0; i < cfg->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];

		v->vmm = m;
		v->id = i;
		v->cpu.fd = -1;
		pthread_mutex_init(&v->lock, NULL);
		pthread_cond_init(&v->cond, &ca);
		v->cpu_pin = cfg->nr_pin ? cfg->pin[i % (uint32_t)cfg->nr_pin] : -1;
		v->xen.up = true;
		v->xen.area_gpa = KVM_XEN_INVALID_GPA;
		r = kvm_cpu_open(&m->kvm, &v->cpu, i);
		if (r) {
			set_err(err, errlen, r, "%s", m->kvm.err);
			goto fail;
		}
		if (cfg->runstate) {
			r = xrs_vcpu_create(m->xrs, i, v->cpu.fd, &v->xrs);
			if (r) {
				set_err(err, errlen, r, "libxrs vCPU %u: %s", i, xrs_strerror(r));
				goto fail;
			}
		}
	}
	pthread_condattr_destroy(&ca);
	sigaction(SIGUSR1, &sa, NULL);
	*out = m;
	return 0;
fail:
	if (m->vcpus)
		pthread_condattr_destroy(&ca);
	vmm_destroy(m);
	return r;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * A guest that never exits has an area KVM would leave stale until its
 * thread is next scheduled. Kick a vCPU that has been in KVM_RUN for
 * refresh_ms, so its next entry books and rewrites the area.
 */
static void *refresher(void *arg)
{
	struct vmm *m = arg;
	const uint64_t limit = (uint64_t)m->cfg.refresh_ms * 1000000u;
	const uint64_t slack = limit / 8 > 1000000 ? 1000000 : limit / 8;
	uint32_t i;

	/*
	 * Its wake-ups are the areas' deadlines: ask for a real-time class where
	 * the VMM may have one (CAP_SYS_NICE), so busy vCPU threads do not delay
	 * it; it only sleeps and sends signals. Without, it runs as any thread.
	 */
	struct sched_param sp = { .sched_priority = 1 };

	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

	/* Sleep until the first vCPU reaches its limit, not on a fixed tick. */
	while (!atomic_load(&m->stopping)) {
		uint64_t now = mono_ns(), wake = now + limit;
		struct timespec ts;

		for (i = 0; i < m->nr_vcpus; i++) {
			struct vmm_vcpu *v = &m->vcpus[i];
			uint64_t since = atomic_load_explicit(&v->run_since_ns,
							      memory_order_relaxed);

			if (!since || atomic_load(&v->kick_pending))
				continue;
			if (now - since >= limit)
				vmm_kick(v);
			else if (since + limit < wake)
				wake = since + limit;
		}
		/* never busier than every slack ns: a kick takes a while to land */
		wake = wake > now + slack ? wake : now + slack;
		ts.tv_sec = (time_t)(wake / 1000000000u);
		ts.tv_nsec = (long)(wake % 1000000000u);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return NULL;
}

int vmm_start(struct vmm *m)
{
	pthread_attr_t attr;
	uint32_t i;
	int r = 0;

	m->start_ns = vmm_now(m);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);	/* 1024 vCPUs, one thread each */
	for (i = 0; i < m->nr_vcpus && !r; i++) {
		r = -pthread_create(&m->vcpus[i].thread, &attr, vmm_vcpu_thread, &m->vcpus[i]);
		if (r) {
			snprintf(m->err, sizeof(m->err), "vCPU thread %u: %s", i, strerror(-r));
			m->vcpus[i].thread = 0;
		}
	}
	if (!r && m->cfg.refresh_ms && m->cfg.runstate) {
		r = -pthread_create(&m->refresher, &attr, refresher, m);
		if (r) {
			snprintf(m->err, sizeof(m->err), "refresh thread: %s", strerror(-r));
			m->refresher = 0;
		}
	}
	pthread_attr_destroy(&attr);
	if (r)
		vmm_stop(m);
	return r;
}

void vmm_start_gate(struct vmm *m)
{
	pthread_mutex_lock(&m->lock);
	if (++m->arrived == m->nr_vcpus)
		pthread_cond_broadcast(&m->gate);
	while (m->arrived < m->nr_vcpus && !atomic_load(&m->stopping))
		pthread_cond_wait(&m->gate, &m->lock);
	pthread_mutex_unlock(&m->lock);
}

void vmm_stop(struct vmm *m)
{
	uint32_t i;

	atomic_store(&m->stopping, true);
	__atomic_store_n(&m->boot->stop, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&m->lock);
	pthread_cond_broadcast(&m->gate);
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];

		pthread_mutex_lock(&v->lock);
		pthread_cond_signal(&v->cond);
		pthread_mutex_unlock(&v->lock);
	}
}

int vmm_join(struct vmm *m, double timeout_s)
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
			/* A guest that ignores the stop flag: take the vCPU away. */
			vmm_fail(v, "did not finish after the stop request");
			vmm_kick(v);
			pthread_join(v->thread, NULL);
		}
		v->thread = 0;
		if (v->error)
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

void vmm_destroy(struct vmm *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; m->vcpus && i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];

		if (v->xrs)
			xrs_vcpu_destroy(v->xrs);
		if (v->cpu.fd >= 0)
			kvm_cpu_close(&v->cpu);
		if (v->schedstat_fd >= 0)
			close(v->schedstat_fd);
		if (v->xen.alias)
			munmap(v->xen.alias, 2 * G_PAGE);
		if (v->vmm) {
			pthread_cond_destroy(&v->cond);
			pthread_mutex_destroy(&v->lock);
		}
	}
	xrs_vm_destroy(m->xrs);
	kvm_vm_close(&m->kvm);
	pthread_cond_destroy(&m->gate);
	pthread_mutex_destroy(&m->lock);
	free(m->vcpus);
	free(m);
}
