// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "util/hosttime.h"
#include "vmm/kvm.h"
#include "vmm/memory.h"
#include "vmm/pc/linux-boot.h"
#include "vmm/pc/linux-image.h"
#include "vmm/pc/mptable.h"
#include "vmm/pc/pc.h"
#include "vmm/pc/uart.h"

#define TSS_ADDR	0xfffbd000ull	/* Intel's real-mode helpers, below 4 GiB */
#define IDENTITY_ADDR	0xfffbc000ull
#define I8042_COMMAND	0x64
#define I8042_RESET	0xfe
#define CR0_PE_PG	0x80050033ull
#define CR4_PAE		0x20ull
#define EFER_LME_LMA	0x500ull
#define PANIC_TEXT	"Kernel panic - not syncing"

struct pc {
	struct kvm_vm *kvm;
	struct kernel_boot kb;
	const struct pc_ops *ops;	/* the VMM's, and its VM */
	void *vm;
	FILE *console;
	pthread_mutex_t lock;		/* the UART and the console's line */
	struct uart uart;
	char line[256];			/* the console's current line */
	size_t line_len;
	char panic[200];		/* the panic line, once it said one */
	_Atomic uint64_t first_output_ns;
};

/* ttyS0: to the console as it comes; a panic line is kept for the end. Lock held. */
static void console_byte(void *opaque, uint8_t b)
{
	struct pc *pc = opaque;
	uint64_t none = 0;

	atomic_compare_exchange_strong(&pc->first_output_ns, &none, mono_ns());
	fputc(b, pc->console);
	if (b != '\n' && pc->line_len < sizeof(pc->line) - 1) {
		pc->line[pc->line_len++] = (char)b;
		return;
	}
	fflush(pc->console);
	pc->line[pc->line_len] = '\0';
	/* it goes on printing (the trace) and then reboots: that ends the run */
	if (!pc->panic[0] && strstr(pc->line, PANIC_TEXT))
		snprintf(pc->panic, sizeof(pc->panic), "%.199s", pc->line);
	pc->line_len = 0;
}

static void uart_irq(void *opaque, bool level)
{
	struct pc *pc = opaque;
	struct kvm_irq_level irq = { .irq = UART_COM1_IRQ, .level = level };

	ioctl(pc->kvm->fd, KVM_IRQ_LINE, &irq);
}

int pc_open(struct kvm_vm *kvm, struct guest_mem *mem, const struct linux_image *li,
	    uint32_t nr_vcpus, struct pc **out, struct vmm_err *e)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t ident = IDENTITY_ADDR;
	struct pc *pc;
	int r;

	if (ioctl(kvm->fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0 ||
	    ioctl(kvm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 ||
	    ioctl(kvm->fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(kvm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_set(e, -errno, "the in-kernel irqchip and PIT: %s", strerror(errno));
	r = mem_init(mem, kvm, li->ram_size, e);
	if (r)
		return r;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return err_set(e, -ENOMEM, "out of memory");
	pc->kvm = kvm;
	pc->console = stdout;
	pthread_mutex_init(&pc->lock, NULL);
	uart_init(&pc->uart, console_byte, uart_irq, pc);
	*out = pc;			/* pc_close() it, whatever follows */
	linux_boot_layout(mem_ram_region(mem)->hva, li, &pc->kb);
	r = mptable_write(mem_ram(mem, KB_MPTABLE, mptable_size(nr_vcpus)), KB_MPTABLE,
			  nr_vcpus);
	return r ? err_set(e, r, "MP tables for %u vCPUs: %s", nr_vcpus, strerror(-r)) : 0;
}

void pc_close(struct pc *pc)
{
	if (!pc)
		return;
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

void pc_attach(struct pc *pc, FILE *console, const struct pc_ops *ops, void *vm)
{
	pc->ops = ops;
	pc->vm = vm;
	if (console)
		pc->console = console;
}

uint64_t pc_first_output_ns(const struct pc *pc)
{
	return atomic_load(&pc->first_output_ns);
}

/* The bootstrap vCPU at the kernel's 64-bit entry, as the boot protocol asks. */
int pc_cpu_boot(const struct pc *pc, struct kvm_cpu *c, struct vmm_err *e)
{
	const struct kernel_boot *kb = &pc->kb;
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
	int r;

	if (c->id)
		return 0;		/* an AP: KVM holds it until the SIPI */
	r = kvm_cpu_get_sregs(c, &sregs);
	if (!r) {
		sregs.cs = cs;
		sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
		sregs.cr0 = CR0_PE_PG;
		sregs.cr4 = CR4_PAE;
		sregs.cr3 = KB_PML4;
		sregs.efer = EFER_LME_LMA;
		sregs.gdt.base = KB_GDT;
		sregs.gdt.limit = 4 * 8 - 1;
		r = kvm_cpu_set_sregs(c, &sregs);
	}
	if (!r)
		r = kvm_cpu_set_regs(c, &regs);
	return r ? err_set(e, r, "the bootstrap vCPU's registers: %s", strerror(-r)) : 0;
}

/* The guest reset or triple-faulted: its end, or the panic that led there. */
static void ended(struct pc *pc, enum pc_end end, const char *why)
{
	char panic[sizeof(pc->panic)], msg[sizeof(panic) + 32];

	pthread_mutex_lock(&pc->lock);
	memcpy(panic, pc->panic, sizeof(panic));
	pthread_mutex_unlock(&pc->lock);
	if (panic[0]) {
		snprintf(msg, sizeof(msg), "the guest panicked: %s", panic);
		pc->ops->end(pc->vm, PC_END_CRASH, msg);
	} else {
		pc->ops->end(pc->vm, end, why);
	}
}

/* PC_PROBE_PORT: @vcpu's area and run delay at this exit, on the console. */
static void probe(struct pc *pc, void *vcpu, uint32_t mark)
{
	uint64_t t[4] = { 0 };
	uint32_t id = 0;
	int64_t rd = -1;
	int r = pc->ops->probe(vcpu, &id, t, &rd);

	pthread_mutex_lock(&pc->lock);
	if (pc->line_len)		/* a line of the guest's own, cut short here */
		fputc('\n', pc->console);
	fprintf(pc->console, "xrs: probe vcpu %u mark %u area_ns %llu %llu %llu %llu "
		"run_delay_ns %lld%s\n", id, mark, (unsigned long long)t[0],
		(unsigned long long)t[1], (unsigned long long)t[2], (unsigned long long)t[3],
		(long long)rd, r ? " (no area)" : "");
	fflush(pc->console);
	pthread_mutex_unlock(&pc->lock);
}

static void io(struct pc *pc, struct kvm_cpu *c, void *vcpu, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	if (run->io.port == PC_PROBE_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.size == 4 && run->io.count == 1) {
		if (kvm_cpu_io_value(c))	/* mark 0: only the exit */
			probe(pc, vcpu, kvm_cpu_io_value(c));
		return;
	}

	if (run->io.port >= UART_COM1_BASE && run->io.port < UART_COM1_BASE + 8) {
		unsigned int reg = run->io.port - UART_COM1_BASE;

		pthread_mutex_lock(&pc->lock);
		for (i = 0; i < run->io.count; i++) {
			if (run->io.direction == KVM_EXIT_IO_OUT)
				uart_write(&pc->uart, reg, data[i * run->io.size]);
			else
				data[i * run->io.size] = uart_read(&pc->uart, reg);
		}
		pthread_mutex_unlock(&pc->lock);
		return;
	}
	if (run->io.port == I8042_COMMAND && run->io.direction == KVM_EXIT_IO_OUT &&
	    data[0] == I8042_RESET) {
		ended(pc, PC_END_REBOOT, "the guest rebooted");
		return;
	}
	/* Nothing else is there: reads float high, writes vanish. */
	if (run->io.direction == KVM_EXIT_IO_IN)
		memset(data, 0xff, (size_t)run->io.count * run->io.size);
}

bool pc_exit(struct pc *pc, struct kvm_cpu *c, void *vcpu)
{
	struct kvm_run *run = c->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		io(pc, c, vcpu, run);
		return true;
	case KVM_EXIT_MMIO:		/* no device there: reads see zeroes */
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* reboot=t ends in a triple fault too; a panic's reboot as well */
		ended(pc, PC_END_TRIPLE_FAULT, "the guest triple-faulted (a shutdown exit)");
		return true;
	default:
		return false;
	}
}

int pc_save(struct pc *pc, struct pc_state *st)
{
	uint32_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 3; i++) {
		st->chip[i].chip_id = i;
		if (ioctl(pc->kvm->fd, KVM_GET_IRQCHIP, &st->chip[i]) < 0)
			return -errno;
	}
	if (ioctl(pc->kvm->fd, KVM_GET_PIT2, &st->pit) < 0)
		return -errno;
	pthread_mutex_lock(&pc->lock);
	st->uart = pc->uart;
	pthread_mutex_unlock(&pc->lock);
	st->first_output_ns = atomic_load(&pc->first_output_ns);
	return 0;
}

int pc_restore(struct pc *pc, const struct pc_state *st)
{
	uint32_t i;

	for (i = 0; i < 3; i++)
		if (ioctl(pc->kvm->fd, KVM_SET_IRQCHIP, &st->chip[i]) < 0)
			return -errno;
	if (ioctl(pc->kvm->fd, KVM_SET_PIT2, &st->pit) < 0)
		return -errno;
	pthread_mutex_lock(&pc->lock);
	/* the registers only: its callbacks are this VM's */
	pc->uart.ier = st->uart.ier, pc->uart.lcr = st->uart.lcr, pc->uart.mcr = st->uart.mcr;
	pc->uart.scr = st->uart.scr, pc->uart.fcr = st->uart.fcr, pc->uart.dll = st->uart.dll;
	pc->uart.dlm = st->uart.dlm, pc->uart.thre_pending = st->uart.thre_pending;
	pc->uart.irq_level = st->uart.irq_level;
	pthread_mutex_unlock(&pc->lock);
	atomic_store(&pc->first_output_ns, st->first_output_ns);
	return 0;
}
