// SPDX-License-Identifier: MIT
#include "guest/lib.h"

void *memset(void *s, int c, size_t n)
{
	uint8_t *p = s;

	while (n--)
		*p++ = (uint8_t)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

struct gcpu *gcpu_of(uint32_t id)
{
	return (struct gcpu *)(uintptr_t)G_PERCPU_DATA(id);
}

struct gcpu *gcpu_init(struct g_bootinfo *boot, uint32_t id)
{
	struct gcpu *c = gcpu_of(id);

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->boot = boot;
	c->nr_vcpus = boot->nr_vcpus;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&c->pvclock | 1);
	return c;
}

/* (a * mul) >> 32 for a 64-bit a: two 32x32 products, fine in 32-bit code. */
static uint64_t mul_frac(uint64_t a, uint32_t mul)
{
	uint64_t lo = (uint64_t)(uint32_t)a * mul;
	uint64_t hi = (uint64_t)(uint32_t)(a >> 32) * mul;

	return (lo >> 32) + hi;
}

uint64_t now_ns(struct gcpu *c)
{
	volatile struct g_pvclock *p = &c->pvclock;
	uint32_t version;
	uint64_t t, delta;

	do {
		version = p->version;
		rmb();
		delta = rdtsc_ordered() - p->tsc_timestamp;
		if (p->tsc_shift < 0)
			delta >>= -p->tsc_shift;
		else
			delta <<= p->tsc_shift;
		t = p->system_time + mul_frac(delta, p->tsc_to_system_mul);
		rmb();
	} while ((version & 1) || version != p->version);
	return t;
}

void delay_ns(struct gcpu *c, uint64_t ns)
{
	uint64_t end = now_ns(c) + ns;

	while (now_ns(c) < end)
		cpu_relax();
}

void ucall(struct gcpu *c, uint32_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	if (cmd != G_UCALL_FAIL)
		c->ucall.arg[4] = 0;
	c->ucall.cmd = cmd;
	c->ucall.vcpu = c->id;
	c->ucall.arg[0] = a0;
	c->ucall.arg[1] = a1;
	c->ucall.arg[2] = a2;
	c->ucall.arg[3] = a3;
	outl(G_PORT_UCALL, (uint32_t)(uintptr_t)&c->ucall);
}

void guest_assert_fail(struct gcpu *c, const char *cond, const char *file, int line,
		       uint64_t v0, uint64_t v1)
{
	for (;;) {
		c->ucall.arg[4] = (uint64_t)(uintptr_t)file;
		ucall(c, G_UCALL_FAIL, (uint64_t)(uintptr_t)cond, (uint64_t)line, v0, v1);
		halt();
	}
}

static uint8_t hcall_page[G_PAGE] __attribute__((aligned(4096)));

uintptr_t hypercall_page_address(void)
{
	return (uintptr_t)hcall_page;
}

volatile uint32_t gp_faults;
void gp_handler(void);

#ifdef __x86_64__
struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};
#else
struct idt_entry {
	uint16_t off0, sel;
	uint8_t zero, type;
	uint16_t off1;
};
#endif

static struct idt_entry idt[32] __attribute__((aligned(16)));

void trap_init(void)
{
	struct {
		uint16_t limit;
		uintptr_t base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (uintptr_t)idt };
	uintptr_t h = (uintptr_t)gp_handler;
	struct idt_entry *e = &idt[13];

	e->off0 = (uint16_t)h;
	e->sel = 0x08;
	e->type = 0x8e;		/* present interrupt gate */
	e->off1 = (uint16_t)(h >> 16);
#ifdef __x86_64__
	e->off2 = (uint32_t)(h >> 32);
#endif
	__asm__ __volatile__("lidt %0" : : "m"(d));
}

int wrmsr_safe(uint32_t msr, uint64_t v)
{
	uint32_t before = gp_faults;

	wrmsr(msr, v);
	return gp_faults != before;
}

/* Find Xen's CPUID leaves and write the hypercall-page MSR it names. */
void hypercall_page_install(void)
{
	uint32_t base, a, b, c, d;

	for (base = XEN_CPUID_BASE; base < XEN_CPUID_BASE + 0x10000; base += 0x100) {
		cpuid(base, &a, &b, &c, &d);
		if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e)	/* XenVMMXenVMM */
			break;
	}
	cpuid(base + 2, &a, &b, &c, &d);
	/* a: number of pages, b: the MSR. */
	wrmsr(b, (uint64_t)(uintptr_t)hcall_page);
}

long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	void *stub = hcall_page + (nr % 128) * G_HCALL_STUB_SIZE;
	long ret;

#ifdef __x86_64__
	__asm__ __volatile__("call *%[stub]"
			     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
			     : [stub] "r"(stub)
			     : "memory", "rcx", "r8", "r9", "r10", "r11");
#else
	__asm__ __volatile__("call *%[stub]"
			     : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3)
			     : [stub] "r"(stub)
			     : "memory", "esi", "edi");
#endif
	return ret;
}

int guest_long_mode(void)
{
#ifdef __x86_64__
	return 1;
#else
	return 0;
#endif
}
