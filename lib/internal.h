/* SPDX-License-Identifier: MIT */
/* The objects behind the public handles, shared by the library's files. */
#ifndef XRS_INTERNAL_H
#define XRS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <xrs/stats.h>
#include <xrs/xrs.h>
#include "lib/area.h"
#include "lib/clock.h"
#include "lib/engine.h"
#include "lib/guestmem.h"
#include "lib/halt.h"
#include "lib/preempt.h"
#include "lib/spinlock.h"

#define XRS_MAX_VCPUS		1024	/* KVM_CAP_MAX_VCPUS on x86 */
#define XRS_MAX_VCPU_ID		4096	/* KVM_CAP_MAX_VCPU_ID */
#define XRS_DEFAULT_STEAL_INTERVAL_NS	1000000ull
/* Guest pages a VM may have moved onto the preemption source's areas. */
#define XRS_MAX_MOVED_PAGES	(2 * PREEMPT_MAX_AREAS)

struct xrs_vm {
	int vm_fd;
	enum xrs_backend backend;		/* USER or KERNEL */

	/* Serializes attr calls and vCPU creation, like KVM's xen_lock. */
	pthread_mutex_t lock;

	/* Read by vCPU threads without the VM lock. */
	atomic_bool long_mode;
	atomic_bool update_flag;
	_Atomic uint64_t steal_interval_ns;

	bool steal_available;
	enum xrs_default_clock default_clock;
	const struct xrs_clock_ops *clock;
	void *clock_opaque;
	const struct xrs_steal_ops *steal;
	void *steal_opaque;
	enum xrs_halt_source halt_src;		/* set before any vCPU exists */
	const struct xrs_halt_ops *halt;	/* XRS_HALT_OPS */
	void *halt_opaque;
	struct kvmclock kvmclock;		/* the default clock's state */

	struct guestmem mem;
	struct xrs_vcpu *vcpus;			/* list, under lock */
	unsigned int nr_vcpus;
	struct publication *publication;	/* set before any vCPU exists */
	struct preempt_map *preempt;		/* the preemption source, or NULL */
	char preempt_source[XRS_STATS_SOURCE_MAX];	/* "bpf" or "none (why)" */
	/* area-move.c: the VMM's mover, and the guest pages it moved (under lock). */
	struct xrs_area_mover mover;
	void *mover_opaque;
	struct moved_page {
		uint64_t gpa;
		uint32_t idx;			/* the element */
		uint16_t page;			/* 0 or 1 in it */
		bool pending;			/* the VMM is moving it now */
	} moved[XRS_MAX_MOVED_PAGES];
	unsigned int nmoved;
};

/*
 * What xrs_vcpu_get_stats and the stats file's readers see: the accounting
 * under a sequence counter, the event counters as they are (each only ever
 * grows). One writer at a time (the vCPU lock), so counters are bumped with
 * a load and a store. Laid out as struct xrs_stats_vcpu (<xrs/stats.h>):
 * when the VM is published it is that record, in the mapped file.
 */
struct vcpu_pub {
	atomic_uint seq;
	_Atomic uint32_t state;
	_Atomic uint64_t entry;
	_Atomic uint64_t times[XRS_RUNSTATE_COUNT];
	_Atomic uint64_t steal_unbooked;
	_Atomic uint64_t enters, updates, area_writes, area_skips, steal_samples;
	_Atomic uint64_t steal_sample_ns;	/* atomic adds: read before the lock */
	atomic_int in_guest;
	uint32_t vcpu_id;
	_Atomic uint32_t in_use;
	uint32_t pad;
	_Atomic uint64_t ring_head;
};

#define PUB_AT(field, sfield) \
	XRS_STATIC_ASSERT(__builtin_offsetof(struct vcpu_pub, field) == \
			  __builtin_offsetof(struct xrs_stats_vcpu, sfield), #field " as in the file")
PUB_AT(seq, seq);
PUB_AT(state, state);
PUB_AT(entry, state_entry_time);
PUB_AT(times, time);
PUB_AT(steal_unbooked, steal_unbooked_ns);
PUB_AT(enters, enters);
PUB_AT(steal_sample_ns, steal_sample_ns);
PUB_AT(in_guest, in_guest);
PUB_AT(vcpu_id, vcpu_id);
PUB_AT(in_use, in_use);
PUB_AT(ring_head, ring_head);
XRS_STATIC_ASSERT(sizeof(struct vcpu_pub) == sizeof(struct xrs_stats_vcpu), "record size");

/* A published VM's file (publish.c); NULL until xrs_vm_publish. */
struct publication;

/*
 * Bump a counter of one writer (the vCPU's lock holder, or its thread) that
 * readers load relaxed. On x86 one increment of memory does it; the C11
 * load and store, which TSan follows, everywhere else.
 */
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__) && !defined(XRS_TSAN)
#define counter_inc(c)	__asm__ __volatile__("incq %0" : "+m"(*(uint64_t *)(c)))
#else
#define counter_inc(c) \
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, \
			      memory_order_relaxed)
#endif

/*
 * The same for a plain uint64_t that other threads load with acquire: a
 * release increment. On x86 every store is a release store; the clobber
 * keeps the compiler from moving memory accesses across it. (Not _Atomic:
 * gcc then keeps the field's address in a register of its own through
 * enter(), measured at 7 more instructions per update.)
 */
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__) && !defined(XRS_TSAN)
#define release_inc(c)	__asm__ __volatile__("incq %0" : "+m"(*(uint64_t *)(c)) : : "memory")
#else
#define release_inc(c) \
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE)
#endif

struct xrs_vcpu {
	/*
	 * Guards the fields from rs on (spinlock.h says how it is used). Taken
	 * by enter() and by attr calls, under the VM lock, never the other way
	 * round. First: at the vCPU's own address, it needs no register of its
	 * own in enter() (docs/hot-path.md).
	 */
	struct spinlock lock;
	struct xrs_vm *vm;
	struct xrs_vcpu *next;
	uint32_t id;
	int fd;

	/* The VM's, copied at creation: what enter() needs, one load away. */
	bool user;				/* the user backend: the hooks work */
	/* ...and kept in step with it under the VM lock (vm_settings_changed). */
	atomic_bool long_mode, update_flag;
	_Atomic uint64_t steal_interval_ns;
	uint64_t (*now_ns)(void *opaque);
	void *clock_opaque;
	uint64_t (*run_delay_ns)(void *opaque, const struct xrs_vcpu *v);
	void *steal_opaque;
	bool time_samples;			/* the default source: a syscall worth timing */
	/* The halt source, or NULL: then halted time is running (halt.h). */
	uint64_t (*halted_ns)(void *opaque, const struct xrs_vcpu *v);
	void *halt_opaque;
	bool halt_kvm_source;			/* the default: HALT_NONE is no sample */
	int halt_status;			/* xrs_vcpu_get_halt_status */

	/*
	 * Under the lock. update_due is also read without it, as a hint, and
	 * sample_gen by samplers.
	 */
	struct rs_state rs;
	struct area area;
	atomic_bool update_due;		/* the next enter() must update */
	/*
	 * The steal base's generation: bumped (release_inc) by every write of
	 * rs.last_steal, that is every update, SET DATA and bind. A sampler
	 * loads it (acquire) before it reads the run delay: under the lock, a
	 * sample whose generation is no longer the current one was outrun by
	 * another update's and is stale.
	 */
	uint64_t sample_gen;
	/* Written by enter() only, on the vCPU's thread. */
	uint64_t last_update_ns;	/* guest time of enter()'s last update */
	/* The bound thread's schedstat, or -1: set by bind (both locks), read by
	 * enter() on that thread and by attr calls under the VM lock. */
	int schedstat_fd;
	/* The default halt source's stats fd, opened at creation (halt.h). */
	struct halt_kvm halt_kvm;

	/*
	 * The published accounting: pub_own, or the vCPU's slot in the stats
	 * file, which also has a ring of transitions (else NULL).
	 */
	struct vcpu_pub *pub;
	struct xrs_stats_transition *ring;
	int slot;				/* in the file, or -1 */
	struct vcpu_pub pub_own;

	/*
	 * The preemption source (steal-bpf.c): the bound thread's slot in the
	 * map, or NULL (set by bind under both locks, like schedstat_fd), and
	 * the slot's histogram as last copied into the stats file's ready
	 * block (NULL unless published).
	 */
	struct preempt_slot *pslot;
	/* Its area's element + 1 if moved onto the map (area-move.c), else 0; lock held. */
	uint32_t area_elem1;
	int area_move_err;			/* the last placement's, for tests and docs */
	uint32_t pslot_idx;
	pid_t pslot_tid;
	uint64_t ready_seen;
	struct xrs_stats_ready *ready;
};

/*
 * The default steal source's "no sample": its update books no steal now.
 * (From an injected source it is a value like any other.)
 */
#define STEAL_NONE	UINT64_MAX

/*
 * A run delay read before the vCPU's lock, and the vCPU's sample_gen loaded
 * just before it: under the lock they tell a sample another update outran
 * (stale: no steal from it) from a source that went back (the new base).
 */
struct steal_sample {
	uint64_t rd;
	uint64_t halt;			/* the halt source's, read beside rd (0 without one) */
	uint64_t gen;			/* made stale for a STEAL_NONE or HALT_NONE */
};

/*
 * xrs-vcpu.c. Reading the clock and the run delay may be a syscall: callers do
 * it before they take the vCPU's lock, and book with the lock held.
 */
uint64_t vcpu_now(const struct xrs_vcpu *v);
/* Lock not held. The default source's reads are timed (pub.steal_sample_ns). */
struct steal_sample vcpu_sample(struct xrs_vcpu *v);
/* Count a sample in the vCPU's stats. Lock held. */
void vcpu_count_sample(struct xrs_vcpu *v);
/*
 * Make @s what to book, which the caller makes the new bases (last_steal,
 * last_halt): its own, or the bases as they are if @s is stale. Bumps
 * sample_gen. Lock held.
 */
void vcpu_take_sample(struct xrs_vcpu *v, struct steal_sample *s);
/* One accounting update to @state and, if the area is set, a write. Lock held. */
void vcpu_update(struct xrs_vcpu *v, uint32_t state, uint64_t now, const struct steal_sample *s);
/* Write the guest area from current state (non-atomic path), if active. Lock held. */
void vcpu_write_area(struct xrs_vcpu *v, bool atomic);
void vcpu_publish(struct xrs_vcpu *v);

/* xrs-vm.c: copy the VM's layout, flag and interval into every vCPU (VM lock held). */
void vm_settings_changed(struct xrs_vm *vm);

/* steal.c: the default steal source, the bound thread's run delay (STEAL_NONE unbound). */
extern const struct xrs_steal_ops steal_schedstat_ops;
bool steal_schedstat_available(void);
/* Open the calling thread's schedstat: an fd, or -errno. */
int steal_schedstat_open(void);

/*
 * area-move.c. After a SET RUNSTATE_ADDR that succeeded, no lock held: the
 * area onto the map where the VMM moves pages. Slots point at areas: one
 * vCPU's (both locks held), every vCPU's after a layout or flag change (VM
 * lock held).
 */
void vcpu_area_place(struct xrs_vcpu *v, uint64_t gpa);
void vcpu_area_point(struct xrs_vcpu *v);
void vm_area_repoint(struct xrs_vm *vm);

/* steal-bpf.c: the preemption source's (preempt.h has the rest). */
extern const struct xrs_steal_ops steal_bpf_ops;
#define XRS_PREEMPT_SOURCE_MAX	XRS_STATS_SOURCE_MAX

/*
 * The end of enter() with a slot (lock held): the thread is going into
 * KVM_RUN, which the program must know of a switch-out; its area says
 * running; and episodes new since the last copy go into the stats file.
 * Until exit() clears it.
 */
static inline void vcpu_preempt_enter(struct xrs_vcpu *v)
{
	struct preempt_slot *s = v->pslot;

	if (__builtin_expect(s == NULL, 1))
		return;
	/* This thread runs: a switch-in the kernel did not report left a flip owed. */
	if (__builtin_expect(__atomic_load_n(&s->area_flipped, __ATOMIC_RELAXED), 0))
		preempt_area_restore(v->vm->preempt, s);
	preempt_set_in_run(s, 1);
	if (v->ready && __atomic_load_n(&s->ready_count, __ATOMIC_RELAXED) != v->ready_seen)
		vcpu_preempt_publish(v);
}

static inline void vcpu_preempt_exit(struct xrs_vcpu *v)
{
	struct preempt_slot *s = v->pslot;

	if (!s)
		return;
	preempt_set_in_run(s, 0);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* in_run cleared before flipped is read */
	/* Out of KVM_RUN no flip comes: one owed is made now. */
	if (__builtin_expect(__atomic_load_n(&s->area_flipped, __ATOMIC_RELAXED), 0))
		preempt_area_restore(v->vm->preempt, s);
}

/* halt.c's source for a new vCPU (VM lock held): sets halted_ns and halt_status. */
void vcpu_halt_setup(struct xrs_vcpu *v);

/*
 * publish.c. A vCPU's slot in the file, if the VM is published (VM lock
 * held): points v->pub and v->ring there. 0 or -ENOSPC.
 */
int publication_attach(struct xrs_vm *vm, struct xrs_vcpu *v);
void publication_detach(struct xrs_vm *vm, struct xrs_vcpu *v);
/* The derived clock's offset or the steal interval moved: the header follows. */
void publication_clock_moved(struct xrs_vm *vm);
void publication_interval_changed(struct xrs_vm *vm);
/* Remove the file: the VM is going (no vCPUs left). */
void publication_close(struct xrs_vm *vm);

/* backend-kernel.c: pass-through to KVM's own implementation. */
int kernel_backend_probe(int vm_fd);
int kernel_vm_set_attr(struct xrs_vm *vm, const struct kvm_xen_hvm_attr *attr);
int kernel_vm_get_attr(struct xrs_vm *vm, struct kvm_xen_hvm_attr *attr);
int kernel_vcpu_set_attr(struct xrs_vcpu *v, const struct kvm_xen_vcpu_attr *attr);
int kernel_vcpu_get_attr(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *attr);
int kernel_check_extension(struct xrs_vm *vm, long cap);

#endif /* XRS_INTERNAL_H */
