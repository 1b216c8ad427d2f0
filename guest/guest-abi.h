/* SPDX-License-Identifier: MIT */
/*
 * The contract between the xrs VMM and its built-in test guests: where
 * things are in guest-physical memory, the I/O ports, the boot parameters
 * and the "ucall" messages a guest sends its host. Freestanding: included by
 * the 64- and 32-bit guests and by the VMM.
 */
#ifndef XRS_GUEST_ABI_H
#define XRS_GUEST_ABI_H

#include <stdint.h>

/* Guest-physical layout. Everything a guest touches is below 4 GiB. */
#define G_PAGE			4096u
#define G_BOOTINFO		0x1000u		/* struct g_bootinfo */
#define G_PAGETABLES		0x2000u		/* built by the VMM, 0x2000-0x5fff */
#define G_GDT			0x6000u		/* null, code (CS 0x08), data (0x10) */
#define G_WINDOW_PA0		0x82000u	/* backs the window's first page */
#define G_WINDOW_PA1		0x80000u	/* ...its second: not adjacent */
#define G_IMAGE			0x100000u	/* guest code, data, bss */
#define G_IMAGE_MAX		0x100000u
#define G_PERCPU		0x200000u	/* per-vCPU blocks */
#define G_PERCPU_SIZE		0x4000u		/* 2 pages stack, 2 pages data */
#define G_MAX_VCPUS		1024u
#define G_RAM_MIN		(G_PERCPU + G_MAX_VCPUS * G_PERCPU_SIZE)
/*
 * VMM-private memory (the runstate windows) starts here, above RAM and a
 * gap: never the guest's, so naming it in a hypercall is -EFAULT. Hostile
 * guests aim at it.
 */
#define G_VMM_PRIVATE		0xc0000000u

/*
 * A virtual window of two 4 KiB pages whose physical pages are not
 * adjacent (and in reverse order), for areas registered by virtual address
 * that cross a page. Everything else is identity-mapped (first GiB).
 */
#define G_WINDOW_VA		0x3fe00000u

/* Ports. OUT of a 32-bit value; the VMM answers in registers. */
enum g_port {
	G_PORT_HCALL = 0xc0,	/* hypercall page stubs: eax = number */
	G_PORT_UCALL = 0xc4,	/* eax = GPA of a struct g_ucall */
	G_PORT_TICK = 0xc8,	/* "exits" workload: a bare exit */
};

/* Hypercall page stub: mov $nr, %eax; out %eax, $G_PORT_HCALL; ret; int3... */
#define G_HCALL_STUB_SIZE	32

/* What the guest should run. */
enum g_program {
	G_PROG_IO_LOOP = 1,	/* bootinfo.arg[0] port exits, then HLT */
	G_PROG_HCALL_PAGE,	/* install the hypercall page, call xen_version */
	G_PROG_WORKLOAD,	/* xrs run: bootinfo.workload */
	G_PROG_HOSTILE,		/* bad hypercalls: the VMM must survive */
	G_PROG_AREA_VIEWS,	/* register areas by VA/GPA, compare with the host */
};

enum g_workload {
	G_WL_MIXED = 1,
	G_WL_SPIN,
	G_WL_EXITS,
	G_WL_IDLE,
};

#define G_BOOT_MAGIC	0x58525342u	/* "BSRX" */

/* Flags in g_bootinfo.flags. */
#define G_BOOT_UPDATE_FLAG	(1u << 0)	/* ask for VMASST runstate_update_flag */
#define G_BOOT_WITNESS		(1u << 1)	/* also enable MSR_KVM_STEAL_TIME */

struct g_bootinfo {
	uint32_t magic;
	uint32_t program;
	uint32_t workload;
	uint32_t nr_vcpus;
	uint32_t flags;
	uint32_t nr_running;		/* workloads: vCPUs beyond this park offline; 0: none */
	uint64_t ram_size;
	uint64_t arg[6];
	/* Written by the guests as they go; read by the VMM. */
	volatile uint64_t stop;		/* the VMM asks the guests to finish */
};

/* Per-vCPU data block: the second half of its G_PERCPU_SIZE block. */
#define G_PERCPU_DATA(id)	(G_PERCPU + (id) * G_PERCPU_SIZE + 2 * G_PAGE)
#define G_PERCPU_STACK_TOP(id)	(G_PERCPU + (id) * G_PERCPU_SIZE + 2 * G_PAGE)

/* Guest -> host messages (port G_PORT_UCALL). */
enum g_ucall_cmd {
	G_UCALL_SYNC = 1,	/* arg[0] = step: the host acts, then resumes */
	G_UCALL_DONE,		/* the program finished: arg[] = results */
	G_UCALL_FAIL,		/* arg[0] = GPA of a message, arg[1] = line, arg[2..3] values */
	G_UCALL_REPORT,		/* periodic: arg[0] checks, arg[1] violations */
};

struct g_ucall {
	uint32_t cmd;
	uint32_t vcpu;
	uint64_t arg[6];
};

/*
 * Area ages: 2^18 ns (262 us) buckets below 2^26 ns (67 ms), then 2^24 ns
 * (16.8 ms) ones; the last takes all beyond. Shifts: no 64-bit division in a
 * 32-bit guest.
 */
#define G_AGE_FINE_SHIFT	18
#define G_AGE_COARSE_SHIFT	24
#define G_AGE_FINE		256u
#define G_AGE_BUCKETS		512u

static inline uint32_t g_age_bucket(uint64_t age_ns)
{
	uint64_t b;

	if (age_ns < ((uint64_t)G_AGE_FINE << G_AGE_FINE_SHIFT))
		return (uint32_t)(age_ns >> G_AGE_FINE_SHIFT);
	b = G_AGE_FINE + ((age_ns - ((uint64_t)G_AGE_FINE << G_AGE_FINE_SHIFT)) >>
			  G_AGE_COARSE_SHIFT);
	return b < G_AGE_BUCKETS ? (uint32_t)b : G_AGE_BUCKETS - 1;
}

/* The upper edge of bucket @b: a percentile read from the histogram is at most this. */
static inline uint64_t g_age_bucket_top(uint32_t b)
{
	if (b < G_AGE_FINE)
		return (uint64_t)(b + 1) << G_AGE_FINE_SHIFT;
	return ((uint64_t)G_AGE_FINE << G_AGE_FINE_SHIFT) +
	       ((uint64_t)(b - G_AGE_FINE + 1) << G_AGE_COARSE_SHIFT);
}

/* A guest's view of its own area and its checks (G_UCALL_REPORT, arg[0] = GPA). */
struct g_report {
	uint64_t checks;		/* invariant checks made */
	uint64_t violations;		/* ...that failed */
	uint64_t remote_checks;		/* of other vCPUs' areas (update flag on) */
	uint64_t state;
	uint64_t entry;
	uint64_t time[4];
	uint64_t now;			/* guest clock when it read the area */
	uint64_t steal_ns;		/* MSR_KVM_STEAL_TIME's steal (witness), or 0 */
	/*
	 * How old the own area was at each check (now - state_entry_time while
	 * running): time-weighted for a vCPU that checks continuously (spin).
	 */
	uint64_t age_max_ns;
	uint32_t age_hist[G_AGE_BUCKETS];
};

/* pvclock_vcpu_time_info (KVM's MSR_KVM_SYSTEM_TIME_NEW). */
struct g_pvclock {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));

#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01u
#define MSR_KVM_STEAL_TIME	0x4b564d03u

/* struct kvm_steal_time, the witness's source (64 bytes, 64-byte aligned). */
struct g_kvm_steal_time {
	uint64_t steal;
	uint32_t version;
	uint32_t flags;
	uint8_t preempted;
	uint8_t u8_pad[3];
	uint32_t pad[11];
};

#endif /* XRS_GUEST_ABI_H */
