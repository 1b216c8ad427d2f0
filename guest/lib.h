/* SPDX-License-Identifier: MIT */
/*
 * The test guests' runtime: port I/O, MSRs, the pvclock, Xen hypercalls
 * through the page the VMM installs, and ucalls to the host. Freestanding,
 * for 64-bit long mode and 32-bit protected mode alike.
 */
#ifndef XRS_GUEST_LIB_H
#define XRS_GUEST_LIB_H

#include <stddef.h>
#include <stdint.h>
#include "guest/guest-abi.h"
#include "xen-abi/xen-public.h"

#define barrier()	__asm__ __volatile__("" ::: "memory")
/* x86 keeps loads in order and stores in order: smp_rmb/wmb are barrier(). */
#define rmb()		barrier()
#define wmb()		barrier()

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

static inline void halt(void)
{
	__asm__ __volatile__("hlt" : : : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(0));
}

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* A runstate area as the guest read it (guest-runstate.h). */
struct rs_view {
	uint32_t state;
	uint64_t entry;
	uint64_t time[4];
};

/* Per-vCPU context, in the vCPU's data block (G_PERCPU_DATA). */
struct gcpu {
	struct g_pvclock pvclock;		/* 32 bytes, registered with KVM */
	uint8_t pad0[32];
	struct g_kvm_steal_time steal;		/* 64-byte aligned, the witness */
	struct g_ucall ucall;
	uint32_t id;
	uint32_t nr_vcpus;
	struct g_bootinfo *boot;
	struct g_report report;
	/* The vCPU's own runstate area and what it last saw there. */
	uint8_t area[128] __attribute__((aligned(64)));
	volatile uint8_t *rs;			/* where it is registered, or NULL */
	volatile uint32_t rs_ok;		/* others may read it */
	struct rs_view last;
	struct rs_view remote_last[2];		/* vCPUs id+1 and id+2 */
	uint64_t rng;
	uint8_t scratch[256];
};

/* prog_views puts an area 20 bytes before the data block's second page. */
_Static_assert(sizeof(struct gcpu) <= G_PAGE - 64, "struct gcpu fits its first page");

struct gcpu *gcpu_init(struct g_bootinfo *boot, uint32_t id);
struct gcpu *gcpu_of(uint32_t id);

/* kvmclock ns: the runstate times' time base. */
uint64_t now_ns(struct gcpu *c);
void delay_ns(struct gcpu *c, uint64_t ns);

/* Host calls. ucall() returns when the host resumes the vCPU. */
void ucall(struct gcpu *c, uint32_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

/*
 * A failed guest assert reaches the host with its condition's text, file
 * and line and two values (G_UCALL_FAIL), as the KVM selftests'
 * __GUEST_ASSERT does; the vCPU then halts for good.
 */
void guest_assert_fail(struct gcpu *c, const char *cond, const char *file, int line,
		       uint64_t v0, uint64_t v1) __attribute__((noreturn));
#define GUEST_ASSERT(c, cond) \
	do { if (!(cond)) guest_assert_fail(c, #cond, __FILE__, __LINE__, 0, 0); } while (0)
#define GUEST_ASSERT_EQ(c, a, b) \
	do { uint64_t _a = (a), _b = (b); \
	     if (_a != _b) guest_assert_fail(c, #a " == " #b, __FILE__, __LINE__, _a, _b); \
	} while (0)

/* A #GP handler, so a guest survives the VMM refusing an MSR write. */
extern volatile uint32_t gp_faults;
void trap_init(void);
/* WRMSR that may fault: 0, or 1 if it raised #GP. */
int wrmsr_safe(uint32_t msr, uint64_t v);
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ __volatile__("inl %w1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

/* Xen hypercalls through the installed hypercall page. */
void hypercall_page_install(void);
uintptr_t hypercall_page_address(void);
long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3);

int guest_long_mode(void);

#endif /* XRS_GUEST_LIB_H */
