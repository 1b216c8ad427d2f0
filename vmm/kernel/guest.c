// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/boot.h"
#include "kernel/bzimage.h"
#include "kernel/guest.h"
#include "kernel/xenhvm.h"
#include "util/pin.h"
#include "util/schedstat.h"
#include "kvm.h"
#include "memory.h"
#include "pc/mptable.h"
#include "pc/uart.h"
#include "util/hosttime.h"

#define TSS_ADDR	0xfffbd000ull	/* Intel's real-mode helpers, below 4 GiB */
#define IDENTITY_ADDR	0xfffbc000ull
#define I8042_COMMAND	0x64
#define I8042_RESET	0xfe
#define CR0_PE_PG	0x80050033ull
#define CR4_PAE		0x20ull
#define EFER_LME_LMA	0x500ull
#define PANIC_TEXT	"Kernel panic - not syncing"
#define SHUTDOWN_crash_reason	3	/* Xen's SHUTDOWN_crash */
#define CPUID_1_XSAVE	(1u << 26)
#define CPUID_1_OSXSAVE	(1u << 27)
#define CPUID_1_AVX	(1u << 28)

struct kguest;

struct kvcpu {
	struct kguest *g;
	struct kvm_cpu *cpu;
	struct xrs_vcpu *xrs;		/* with xen */
	pthread_t thread;
	bool started;
	uint64_t run_delay_ns;		/* the thread's, when it ended */
	/* an attribute another vCPU's hypercall set for this one (xenhvm.h) */
	pthread_mutex_t work_lock;
	const struct kvm_xen_vcpu_attr *work;
	bool work_done;
	int work_result;
};

static __thread struct kvcpu *this_vcpu;

struct kguest {
	const struct kernel_config *cfg;
	struct kvm_vm vm;
	struct guest_mem mem;
	struct kvcpu *vcpus;
	struct kvm_cpu *cpus;
	struct xrs_vcpu **xrs_vcpus;
	uint32_t nr;
	struct xenhvm xen;		/* with cfg->xen */
	struct xrs_vm *xrs;
	pthread_mutex_t lock;		/* the UART, the console, the end */
	pthread_cond_t ended;
	struct uart uart;
	char line[256];			/* the console's current line */
	size_t line_len;
	atomic_bool stop;
	struct kernel_result *res;
	uint64_t t0;
	bool have_end;
};

static void on_kick(int sig)
{
	(void)sig;			/* KVM_RUN returns -EINTR: enough */
}

/* The first end wins; every vCPU is kicked out of KVM_RUN. Lock held. */
static void end_locked(struct kguest *g, enum kernel_end end, const char *why)
{
	uint32_t i;

	if (!g->have_end) {
		g->have_end = true;
		g->res->end = end;
		snprintf(g->res->why, sizeof(g->res->why), "%s", why);
	}
	atomic_store(&g->stop, true);
	/* immediate_exit catches a vCPU on its way into KVM_RUN; the signal one in it */
	for (i = 0; i < g->nr; i++) {
		if (g->cpus[i].run)
			__atomic_store_n(&g->cpus[i].run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (g->vcpus[i].started)
			pthread_kill(g->vcpus[i].thread, SIGUSR1);
	}
	pthread_cond_broadcast(&g->ended);
}

static void end(struct kguest *g, enum kernel_end e, const char *why)
{
	pthread_mutex_lock(&g->lock);
	end_locked(g, e, why);
	pthread_mutex_unlock(&g->lock);
}

/* ttyS0: to the console as it comes; a panic line ends the run. Lock held. */
static void console_byte(void *opaque, uint8_t b)
{
	struct kguest *g = opaque;

	if (!g->res->first_output_s)
		g->res->first_output_s = (double)(mono_ns() - g->t0) / 1e9;
	fputc(b, g->cfg->console);
	if (b != '\n' && g->line_len < sizeof(g->line) - 1) {
		g->line[g->line_len++] = (char)b;
		return;
	}
	fflush(g->cfg->console);
	g->line[g->line_len] = '\0';
	if (strstr(g->line, PANIC_TEXT) && !g->have_end) {
		g->have_end = true;		/* keep printing what it says next */
		g->res->end = KERNEL_PANICKED;
		snprintf(g->res->why, sizeof(g->res->why), "the guest panicked: %.200s", g->line);
	}
	g->line_len = 0;
}

static void uart_irq(void *opaque, bool level)
{
	struct kguest *g = opaque;
	struct kvm_irq_level irq = { .irq = UART_COM1_IRQ, .level = level };

	ioctl(g->vm.fd, KVM_IRQ_LINE, &irq);
}

static void handle_io(struct kvcpu *v)
{
	struct kvm_run *run = v->cpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i, n = run->io.count * run->io.size;
	struct kguest *g = v->g;

	if (run->io.port >= UART_COM1_BASE && run->io.port < UART_COM1_BASE + 8) {
		pthread_mutex_lock(&g->lock);
		for (i = 0; i < run->io.count; i++) {
			unsigned int reg = run->io.port - UART_COM1_BASE;

			if (run->io.direction == KVM_EXIT_IO_OUT)
				uart_write(&g->uart, reg, data[i * run->io.size]);
			else
				data[i * run->io.size] = uart_read(&g->uart, reg);
		}
		pthread_mutex_unlock(&g->lock);
		return;
	}
	if (run->io.port == I8042_COMMAND && run->io.direction == KVM_EXIT_IO_OUT &&
	    data[0] == I8042_RESET) {
		end(g, KERNEL_REBOOTED, "the guest rebooted");
		return;
	}
	/* Nothing else is there: reads float high, writes vanish. */
	if (run->io.direction == KVM_EXIT_IO_IN)
		for (i = 0; i < n; i++)
			data[i] = 0xff;
}

/* The attribute another vCPU left for this one, set from its own thread. */
static void do_work(struct kvcpu *v)
{
	pthread_mutex_lock(&v->work_lock);
	if (v->work && !v->work_done) {
		v->work_result = ioctl(v->cpu->fd, KVM_XEN_VCPU_SET_ATTR, v->work) < 0 ? -errno : 0;
		v->work_done = true;
		if (!atomic_load(&v->g->stop))
			__atomic_store_n(&v->cpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&v->work_lock);
}

static int vcpu_attr(void *opaque, uint32_t target, const struct kvm_xen_vcpu_attr *a)
{
	struct kguest *g = opaque;
	struct kvcpu *t = &g->vcpus[target];
	int r;

	if (t == this_vcpu || !t->started)
		return ioctl(t->cpu->fd, KVM_XEN_VCPU_SET_ATTR, a) < 0 ? -errno : 0;
	pthread_mutex_lock(&t->work_lock);
	t->work = a;
	t->work_done = false;
	pthread_mutex_unlock(&t->work_lock);
	/* out of KVM_RUN, or straight back out of its next one */
	for (;;) {
		pthread_mutex_lock(&t->work_lock);
		if (t->work_done || atomic_load(&g->stop)) {
			r = t->work_done ? t->work_result : -ESHUTDOWN;
			t->work = NULL;
			pthread_mutex_unlock(&t->work_lock);
			return r;
		}
		__atomic_store_n(&t->cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&t->work_lock);
		pthread_kill(t->thread, SIGUSR1);
		if (this_vcpu)
			do_work(this_vcpu);	/* it may be waiting on us */
		usleep(100);
	}
}

static void *vcpu_thread(void *arg)
{
	struct kvcpu *v = arg;
	struct kguest *g = v->g;
	struct kvm_run *run = v->cpu->run;
	char why[128];
	int r, fd;

	this_vcpu = v;
	if (g->cfg->nr_pin && (r = pin_to_cpu(g->cfg->pin[v->cpu->id % (uint32_t)g->cfg->nr_pin]))) {
		snprintf(why, sizeof(why), "vCPU %u: pinning: %s", v->cpu->id, strerror(-r));
		end(g, KERNEL_FAILED, why);
	}
	/* Steal is this thread's run delay (libxrs's default source). */
	if (v->xrs && (r = xrs_vcpu_bind_thread(v->xrs))) {
		snprintf(why, sizeof(why), "vCPU %u: libxrs: %s", v->cpu->id, xrs_strerror(r));
		end(g, KERNEL_FAILED, why);
	}
	while (!atomic_load(&g->stop)) {
		if (v->xrs)
			xrs_vcpu_enter(v->xrs);
		r = kvm_cpu_run(v->cpu);
		if (v->xrs)
			xrs_vcpu_exit(v->xrs);
		do_work(v);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r) {
			snprintf(why, sizeof(why), "KVM_RUN on vCPU %u: %s", v->cpu->id, strerror(-r));
			end(g, KERNEL_FAILED, why);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(v);
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_XEN:
			if (g->cfg->xen) {
				xenhvm_hypercall(&g->xen, v->cpu->id);
				break;
			}
			/* fall through */
		default:
			snprintf(why, sizeof(why), "vCPU %u stopped: exit %u (%s)", v->cpu->id,
				 run->exit_reason, kvm_exit_name(run->exit_reason));
			end(g, KERNEL_FAILED, why);
			break;
		case KVM_EXIT_SHUTDOWN:
			pthread_mutex_lock(&g->lock);
			/* reboot=t ends in a triple fault too; a panic's reboot as well */
			end_locked(g, g->have_end ? g->res->end : KERNEL_TRIPLE_FAULT,
				   "the guest triple-faulted (a shutdown exit)");
			pthread_mutex_unlock(&g->lock);
			break;
		case KVM_EXIT_INTR:
			break;
		}
	}
	fd = schedstat_open(0);
	if (fd >= 0) {
		int64_t rd = schedstat_run_delay(fd);

		v->run_delay_ns = rd > 0 ? (uint64_t)rd : 0;
		close(fd);
	}
	return NULL;
}

/*
 * libxrs updates a vCPU's area when the vCPU enters the guest; one that stays
 * in KVM_RUN (KVM's Xen timer and IPIs never leave the kernel) would show
 * its guest an area as old as its last exit. A kick every refresh_ms gets
 * it out and back, and the enter books what is due (the kernel backend's KVM
 * needs none: it updates on every vcpu_load).
 */
static void *refresh_thread(void *arg)
{
	struct kguest *g = arg;
	uint64_t ns = (uint64_t)g->cfg->refresh_ms * 1000000ull;
	uint32_t i;

	while (!atomic_load(&g->stop)) {
		struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

		nanosleep(&ts, NULL);
		for (i = 0; i < g->nr && !atomic_load(&g->stop); i++)
			if (g->vcpus[i].started)
				pthread_kill(g->vcpus[i].thread, SIGUSR1);
	}
	return NULL;
}

/* SCHEDOP_shutdown: poweroff and reboot end the run as the i8042 reset does. */
static int xen_shutdown(void *opaque, unsigned int reason)
{
	struct kguest *g = opaque;

	if (reason == SHUTDOWN_crash_reason)
		end(g, KERNEL_PANICKED, "the guest crashed (SCHEDOP_shutdown crash)");
	else
		end(g, KERNEL_REBOOTED, reason ? "the guest rebooted (SCHEDOP_shutdown)" :
		    "the guest powered off (SCHEDOP_shutdown)");
	return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *size, char *why, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (1ll << 30)) {
		snprintf(why, len, "%s: not a regular file of 1 byte to 1 GiB", path);
		close(fd);
		return -EINVAL;
	}
	*size = (size_t)st.st_size;
	*data = malloc(*size);
	while (*data && got < *size && (n = read(fd, *data + got, *size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (!*data || got != *size) {
		snprintf(why, len, "%s: cannot read it", path);
		free(*data);
		*data = NULL;
		return -EIO;
	}
	return 0;
}

/* CPUID as KVM offers it, with each vCPU's own APIC id where Linux reads it. */
static int set_cpuid(struct kguest *g, struct kvm_cpu *c, uint32_t id)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	uint32_t i;
	int r;

	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = 256;
	if (ioctl(g->vm.kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		r = -errno;
		free(cpuid);
		return r;
	}
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | id << 24;
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
		/*
		 * No XSAVE (so no AVX): under the sandbox's emulated SVM, KVM
		 * leaves CPUID.0xD's size for the enabled XCR0 at the x87+SSE
		 * one, and Linux WARNs at the mismatch ("XSAVE consistency
		 * problem"). FXSAVE does for a test guest.
		 */
		if (e->function == 1)
			e->ecx &= ~(CPUID_1_XSAVE | CPUID_1_OSXSAVE | CPUID_1_AVX);
	}
	if (g->cfg->xen)
		xenhvm_cpuid(cpuid, id);
	r = kvm_cpu_set_cpuid(c, cpuid);
	free(cpuid);
	return r;
}

/* The bootstrap vCPU at the kernel's 64-bit entry, as the boot protocol asks. */
static int boot_bsp(struct kvm_cpu *c, const struct kernel_boot *kb)
{
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = KB_BOOT_CS, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = KB_BOOT_DS, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_regs regs = { .rip = kb->entry, .rsi = kb->boot_params, .rflags = 2 };
	struct kvm_sregs sregs;
	int r = kvm_cpu_get_sregs(c, &sregs);

	if (r)
		return r;
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	sregs.cr0 = CR0_PE_PG;
	sregs.cr4 = CR4_PAE;
	sregs.cr3 = KB_PML4;
	sregs.efer = EFER_LME_LMA;
	sregs.gdt.base = KB_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	r = kvm_cpu_set_sregs(c, &sregs);
	return r ? r : kvm_cpu_set_regs(c, &regs);
}

/* libxrs over this VM, and the Xen HVM platform that hands it the areas. */
static int xen_setup(struct kguest *g, struct kernel_result *res)
{
	struct xrs_vm_params p = { .vm_fd = g->vm.fd, .backend = g->cfg->backend };
	const struct mem_region *ram = mem_ram_region(&g->mem);
	struct xrs_vm_info info;
	int r;

	r = xenhvm_probe(&g->vm, res->why, sizeof(res->why));
	if (r)
		return r;
	r = xrs_vm_create(&p, &g->xrs);
	if (!r)
		r = xrs_vm_map_memory(g->xrs, 0, ram->size, ram->hva);
	if (!r)
		r = xrs_vm_get_info(g->xrs, &info);
	if (r) {
		snprintf(res->why, sizeof(res->why), "libxrs: %s", xrs_strerror(r));
		return r;
	}
	res->backend = info.backend;
	g->xen = (struct xenhvm){
		.vm = &g->vm, .cpus = g->cpus, .xrs = g->xrs_vcpus, .xrs_vm = g->xrs,
		.nr = g->nr, .ram = ram->hva, .ram_size = ram->size,
		.shutdown = xen_shutdown, .vcpu_attr = vcpu_attr, .opaque = g,
	};
	g->xen.vcpu_info = calloc(g->nr, sizeof(uint64_t));
	if (!g->xen.vcpu_info)
		return -ENOMEM;
	r = xenhvm_init(&g->xen);
	if (r)
		snprintf(res->why, sizeof(res->why), "Xen HVM set-up: %s", strerror(-r));
	return r;
}

static int setup(struct kguest *g, struct kernel_result *res)
{
	const struct kernel_config *cfg = g->cfg;
	uint64_t ram = cfg->ram_mib << 20, ident = IDENTITY_ADDR;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint8_t *kernel = NULL, *initrd = NULL;
	size_t kernel_size = 0, initrd_size = 0;
	struct kernel_boot kb;
	struct bzimage bz;
	struct vmm_err e;
	uint32_t i;
	int r;

	r = read_file(cfg->kernel, &kernel, &kernel_size, res->why, sizeof(res->why));
	if (!r && cfg->initrd)
		r = read_file(cfg->initrd, &initrd, &initrd_size, res->why, sizeof(res->why));
	if (!r && (r = bzimage_parse(kernel, kernel_size, &bz, res->why, sizeof(res->why)))) {
		char why[sizeof(res->why)];

		snprintf(why, sizeof(why), "%s", res->why);
		snprintf(res->why, sizeof(res->why), "%.100s: %.150s", cfg->kernel, why);
	}
	if (!r && (cfg->nr_vcpus == 0 || cfg->nr_vcpus > MPTABLE_MAX_VCPUS)) {
		snprintf(res->why, sizeof(res->why), "%u vCPUs: 1 to %u", cfg->nr_vcpus,
			 MPTABLE_MAX_VCPUS);
		r = -EINVAL;
	}
	if (!r && ram > KB_RAM_MAX) {
		snprintf(res->why, sizeof(res->why), "--mem %llu: at most %llu MiB",
			 (unsigned long long)cfg->ram_mib, KB_RAM_MAX >> 20);
		r = -E2BIG;
	}
	if (r)
		goto out;

	r = kvm_vm_open(&g->vm, cfg->dev, &e);
	if (!r && (ioctl(g->vm.fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0 ||
		   ioctl(g->vm.fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 ||
		   ioctl(g->vm.fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
		   ioctl(g->vm.fd, KVM_CREATE_PIT2, &pit) < 0))
		r = err_set(&e, -errno, "the in-kernel irqchip and PIT: %s", strerror(errno));
	if (!r)
		r = mem_init(&g->mem, &g->vm, ram, &e);
	if (r) {
		snprintf(res->why, sizeof(res->why), "%s", e.msg);
		res->end = KERNEL_FAILED;
		goto out;
	}
	r = kernel_boot_layout(mem_ram_region(&g->mem)->hva, ram, &bz, initrd, initrd_size,
			       cfg->cmdline, &kb, res->why, sizeof(res->why));
	if (r)
		goto out;
	mptable_write((uint8_t *)mem_ram_region(&g->mem)->hva + KB_MPTABLE, KB_MPTABLE,
		      cfg->nr_vcpus);

	g->vcpus = calloc(cfg->nr_vcpus, sizeof(*g->vcpus));
	g->cpus = calloc(cfg->nr_vcpus, sizeof(*g->cpus));
	g->xrs_vcpus = calloc(cfg->nr_vcpus, sizeof(*g->xrs_vcpus));
	if (!g->vcpus || !g->cpus || !g->xrs_vcpus) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->nr_vcpus; i++)
		g->cpus[i].fd = -1;
	g->nr = cfg->nr_vcpus;
	if (cfg->xen && (r = xen_setup(g, res)))
		goto failed;
	for (i = 0; i < cfg->nr_vcpus && !r; i++) {
		g->vcpus[i].g = g;
		g->vcpus[i].cpu = &g->cpus[i];
		pthread_mutex_init(&g->vcpus[i].work_lock, NULL);
		r = kvm_cpu_open(&g->vm, &g->cpus[i], i, &e);
		if (r) {
			snprintf(res->why, sizeof(res->why), "%s", e.msg);
			break;
		}
		r = set_cpuid(g, &g->cpus[i], i);
		if (!r && i == 0)
			r = boot_bsp(&g->cpus[0], &kb);	/* the others wait for a SIPI */
		if (!r && cfg->xen) {
			r = xrs_vcpu_create(g->xrs, i, g->cpus[i].fd, &g->xrs_vcpus[i]);
			g->vcpus[i].xrs = g->xrs_vcpus[i];
			if (!r)
				r = xenhvm_vcpu_init(&g->xen, i);
		}
		if (r)
			snprintf(res->why, sizeof(res->why), "vCPU %u: %s", i, strerror(-r));
	}
failed:
	if (r)
		res->end = KERNEL_FAILED;
out:
	free(kernel);
	free(initrd);
	return r;
}

static void teardown(struct kguest *g)
{
	uint32_t i;

	if (g->xrs)
		xrs_vm_destroy(g->xrs);		/* and its vCPUs */
	for (i = 0; i < g->nr; i++) {
		if (g->cpus[i].fd >= 0)
			kvm_cpu_close(&g->cpus[i]);
		pthread_mutex_destroy(&g->vcpus[i].work_lock);	/* zeroed or initialised */
	}
	if (g->xen.vm)
		pthread_mutex_destroy(&g->xen.lock);
	free(g->vcpus);
	free(g->cpus);
	free(g->xrs_vcpus);
	free(g->xen.vcpu_info);
	mem_fini(&g->mem);
	kvm_vm_close(&g->vm);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->ended);
}

int kernel_guest_run(const struct kernel_config *cfg, struct kernel_result *res)
{
	struct sigaction sa = { .sa_handler = on_kick };
	struct kguest g = { .cfg = cfg, .res = res };
	pthread_t refresher;
	bool refresh;
	pthread_condattr_t ca;
	struct timespec until;
	uint32_t i;
	int r;

	memset(res, 0, sizeof(*res));
	g.vm.fd = g.vm.kvm_fd = g.mem.memfd = -1;
	pthread_mutex_init(&g.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g.ended, &ca);
	pthread_condattr_destroy(&ca);
	uart_init(&g.uart, console_byte, uart_irq, &g);
	r = setup(&g, res);
	if (r) {
		teardown(&g);
		return res->end == KERNEL_FAILED ? 0 : r;	/* KVM's failure, or bad input */
	}

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	g.t0 = mono_ns();
	pthread_mutex_lock(&g.lock);
	for (i = 0; i < g.nr; i++) {
		if (pthread_create(&g.vcpus[i].thread, NULL, vcpu_thread, &g.vcpus[i])) {
			end_locked(&g, KERNEL_FAILED, "cannot start a vCPU thread");
			break;
		}
		g.vcpus[i].started = true;
	}
	refresh = cfg->xen && cfg->refresh_ms && res->backend == XRS_BACKEND_USER && !g.stop &&
		  !pthread_create(&refresher, NULL, refresh_thread, &g);
	until = mono_after(cfg->seconds > 0 ? (uint64_t)(cfg->seconds * 1e9) : UINT64_MAX / 2);
	while (!atomic_load(&g.stop))
		if (pthread_cond_timedwait(&g.ended, &g.lock, &until) == ETIMEDOUT)
			end_locked(&g, KERNEL_TIMED_OUT, "still running at the end of --seconds");
	pthread_mutex_unlock(&g.lock);
	if (refresh)
		pthread_join(refresher, NULL);
	for (i = 0; i < g.nr; i++)
		if (g.vcpus[i].started)
			pthread_join(g.vcpus[i].thread, NULL);
	res->seconds = (double)(mono_ns() - g.t0) / 1e9;
	res->hypercalls = g.xen.hypercalls;
	res->nr_vcpus = g.nr < KERNEL_MAX_VCPUS ? g.nr : KERNEL_MAX_VCPUS;
	for (i = 0; i < res->nr_vcpus; i++) {
		struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
		struct kernel_vcpu_end *ve = &res->vcpu[i];

		ve->run_delay_ns = g.vcpus[i].run_delay_ns;
		if (g.xrs_vcpus[i] && !xrs_vcpu_get_attr(g.xrs_vcpus[i], &a)) {
			ve->have_runstate = true;
			memcpy(ve->time, &a.u.runstate.time_running, sizeof(ve->time));
		}
		a = (struct kvm_xen_vcpu_attr){ .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
		if (g.xrs_vcpus[i] && !xrs_vcpu_get_attr(g.xrs_vcpus[i], &a))
			ve->area_gpa = a.u.gpa;
	}
	fflush(cfg->console);
	teardown(&g);
	return 0;
}
