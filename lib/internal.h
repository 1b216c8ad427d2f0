/* SPDX-License-Identifier: MIT */
/* The objects behind the public handles, shared by the library's files. */
#ifndef XRS_INTERNAL_H
#define XRS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <xrs/xrs.h>
#include "area.h"
#include "clock.h"
#include "engine.h"
#include "guestmem.h"
#include "spinlock.h"

#define XRS_MAX_VCPUS		1024	/* KVM_CAP_MAX_VCPUS on x86 */
#define XRS_MAX_VCPU_ID		4096	/* KVM_CAP_MAX_VCPU_ID */
#define XRS_DEFAULT_STEAL_INTERVAL_NS	1000000ull

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
	int default_clock;			/* see struct xrs_vm_info */
	const struct xrs_clock_ops *clock;
	void *clock_opaque;
	const struct xrs_steal_ops *steal;
	void *steal_opaque;
	struct kvmclock kvmclock;		/* the default clock's state */

	struct guestmem mem;
	struct xrs_vcpu *vcpus;			/* list, under lock */
	unsigned int nr_vcpus;
};

/*
 * What xrs_vcpu_get_stats reads: the accounting under a sequence counter,
 * the event counters as they are (each only ever grows). One writer at a
 * time (the vCPU lock), so counters are bumped with a load and a store.
 */
struct vcpu_pub {
	atomic_uint seq;
	_Atomic uint32_t state;
	_Atomic uint64_t entry;
	_Atomic uint64_t times[XRS_RUNSTATE_COUNT];
	_Atomic uint64_t enters, updates, area_writes, area_skips, steal_samples;
	_Atomic uint64_t steal_unbooked;
	atomic_int in_guest;
};

#define counter_inc(c) \
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, \
			      memory_order_relaxed)

struct xrs_vcpu {
	struct xrs_vm *vm;
	struct xrs_vcpu *next;
	uint32_t id;
	int fd;

	/*
	 * Guards everything below. Taken by enter() and by attr calls (under
	 * the VM lock), never the other way round.
	 */
	struct spinlock lock;
	struct rs_state rs;
	struct area area;
	uint64_t last_update_ns;	/* guest time of enter()'s last update */
	bool update_due;		/* the next enter() must update */
	int schedstat_fd;		/* the bound thread's, or -1 */

	struct vcpu_pub pub;
};

/* vcpu.c: one accounting update to @state and, if the area is set, a write. */
void vcpu_update(struct xrs_vcpu *v, uint32_t state, uint64_t now, uint64_t run_delay);
/* Write the guest area from current state (non-atomic path), if active. */
void vcpu_write_area(struct xrs_vcpu *v, bool atomic);
void vcpu_publish(struct xrs_vcpu *v);
uint64_t vcpu_now(const struct xrs_vcpu *v);
uint64_t vcpu_run_delay(struct xrs_vcpu *v);

/* steal.c: the default steal source, /proc/self/task/<tid>/schedstat. */
extern const struct xrs_steal_ops steal_schedstat_ops;
bool steal_schedstat_available(void);
/* Open the calling thread's schedstat: an fd, or -errno. */
int steal_schedstat_open(void);

/* backend-kernel.c: pass-through to KVM's own implementation. */
int kernel_backend_probe(int vm_fd);
int kernel_vm_set_attr(struct xrs_vm *vm, const struct kvm_xen_hvm_attr *attr);
int kernel_vm_get_attr(struct xrs_vm *vm, struct kvm_xen_hvm_attr *attr);
int kernel_vcpu_set_attr(struct xrs_vcpu *v, const struct kvm_xen_vcpu_attr *attr);
int kernel_vcpu_get_attr(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *attr);
int kernel_check_extension(struct xrs_vm *vm, long cap);

#endif /* XRS_INTERNAL_H */
