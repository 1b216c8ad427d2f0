// SPDX-License-Identifier: MIT
/*
 * The preemption source as a steal source (docs/preempt-source.md): where
 * the host lets libxrs load its sched_switch program, a vCPU's run delay is
 * a load from the bound thread's slot in the program's map, not a pread of
 * /proc; and the slot's CPU-ready histogram goes into the stats file.
 * Everywhere else, and whenever the VMM injects its own steal source, the
 * schedstat source (steal.c) as before, with the reason kept as a phrase.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/internal.h"
#include "lib/preempt.h"
#include "util/schedstat.h"

XRS_STATIC_ASSERT(PREEMPT_BUCKETS == XRS_STATS_READY_BUCKETS, "the file keeps every bucket");

/* Bounds the seqcount reader; a writer is never stopped midway. */
#define READ_TRIES	1000

static uint64_t map_steal(void *opaque, const struct xrs_vcpu *v)
{
	const struct preempt_slot *s = __atomic_load_n(&v->pslot, __ATOMIC_ACQUIRE);
	uint64_t rd;

	(void)opaque;
	/* Unbound: the base a fresh vCPU has, so nothing is booked until bind. */
	if (!s)
		return 0;
	if (preempt_read_delay(s, &rd, READ_TRIES))
		rd = __atomic_load_n(&s->run_delay, __ATOMIC_ACQUIRE);	/* one aligned word */
	return rd;
}

const struct xrs_steal_ops steal_bpf_ops = { .run_delay_ns = map_steal };

void vm_preempt_setup(struct xrs_vm *vm)
{
	const char *env = getenv("XRS_PREEMPT_SOURCE");
	char why[XRS_PREEMPT_SOURCE_MAX - 8];

	/* The base at bind is the thread's schedstat: no /proc, no source. */
	if (!vm->steal_available) {
		snprintf(vm->preempt_source, sizeof(vm->preempt_source),
			 "none (no schedstat to start from)");
		return;
	}
	if (env && !strcmp(env, "none")) {
		snprintf(vm->preempt_source, sizeof(vm->preempt_source),
			 "none (XRS_PREEMPT_SOURCE=none)");
		return;
	}
	if (preempt_map_get(&vm->preempt, why, sizeof(why))) {
		vm->preempt = NULL;
		snprintf(vm->preempt_source, sizeof(vm->preempt_source), "none (%s)", why);
		return;
	}
	vm->steal = &steal_bpf_ops;
	vm->steal_opaque = NULL;
	vm->steal_available = true;
	snprintf(vm->preempt_source, sizeof(vm->preempt_source), "bpf");
}

void vm_preempt_teardown(struct xrs_vm *vm)
{
	/*
	 * The elements of the VM's moved pages are not handed out again: the
	 * VMM may still map its guest memory, and a new owner would clear it.
	 * 256 per process (docs/preempt-source.md).
	 */
	vm->nmoved = 0;
	if (vm->preempt)
		preempt_map_put(vm->preempt);
	vm->preempt = NULL;
}

/* The calling thread's run delay and pcount, from its schedstat. */
static int own_schedstat(uint64_t *rd, uint64_t *pcount)
{
	unsigned long long cpu, d, n;
	int fd = schedstat_open(0);
	char buf[96];
	ssize_t len;

	if (fd < 0)
		return fd;
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &cpu, &d, &n) != 3)
		return -EIO;
	*rd = d;
	*pcount = n;
	return 0;
}

int vcpu_preempt_bind(struct xrs_vcpu *v)
{
	struct xrs_vm *vm = v->vm;
	struct preempt_slot *old;
	uint64_t rd = 0, pcount = 0;
	uint32_t idx = 0, old_idx;
	pid_t tid = gettid(), old_tid;
	int r;

	r = own_schedstat(&rd, &pcount);
	if (!r)
		r = preempt_map_add(vm->preempt, tid, rd, pcount, &idx);
	if (r)
		return r;
	/* Attr calls sample the slot under the VM lock: swap it under that too. */
	pthread_mutex_lock(&vm->lock);
	spin_lock(&v->lock);
	old = v->pslot;
	old_idx = v->pslot_idx;
	old_tid = v->pslot_tid;
	/* A flip the old slot owes is made before the slot goes. */
	if (old && __atomic_load_n(&old->area_flipped, __ATOMIC_RELAXED))
		preempt_area_restore(vm->preempt, old);
	__atomic_store_n(&v->pslot, preempt_map_slot(vm->preempt, idx), __ATOMIC_RELEASE);
	v->pslot_idx = idx;
	v->pslot_tid = tid;
	v->ready_seen = 0;
	/* Another thread's history is not this vCPU's steal (as steal.c's bind). */
	v->rs.last_steal = rd;
	release_inc(&v->sample_gen);
	/* The area may have been moved before any thread was bound. */
	vcpu_area_point(v);
	spin_unlock(&v->lock);
	pthread_mutex_unlock(&vm->lock);
	if (old)
		preempt_map_remove(vm->preempt, old_tid, old_idx);
	return 0;
}

void vcpu_preempt_unbind(struct xrs_vcpu *v)
{
	if (!v->pslot)
		return;
	if (__atomic_load_n(&v->pslot->area_flipped, __ATOMIC_RELAXED))
		preempt_area_restore(v->vm->preempt, v->pslot);
	preempt_map_remove(v->vm->preempt, v->pslot_tid, v->pslot_idx);
	v->pslot = NULL;
}

/*
 * New episodes since the last copy: the whole histogram into the stats
 * file, under its own sequence counter (one writer: the vCPU's lock).
 */
void vcpu_preempt_publish(struct xrs_vcpu *v)
{
	struct xrs_stats_ready *r = v->ready;
	struct preempt_snap snap;
	uint32_t seq;
	int i;

	if (!r || preempt_read(v->pslot, &snap, READ_TRIES))
		return;
	seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	__atomic_store_n(&r->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->count, snap.ready_count, __ATOMIC_RELEASE);
	__atomic_store_n(&r->sum_ns, snap.ready_sum_ns, __ATOMIC_RELEASE);
	__atomic_store_n(&r->max_ns, snap.ready_max_ns, __ATOMIC_RELEASE);
	for (i = 0; i < PREEMPT_BUCKETS; i++)
		__atomic_store_n(&r->buckets[i], snap.ready_buckets[i], __ATOMIC_RELEASE);
	__atomic_store_n(&r->seq, seq + 2, __ATOMIC_RELEASE);
	v->ready_seen = snap.ready_count;
}

int xrs_vm_get_preempt_source(const struct xrs_vm *vm, char *buf, uint32_t len)
{
	if (!vm || !buf || !len)
		return -EINVAL;
	if (vm->backend != XRS_BACKEND_USER)
		snprintf(buf, len, "none (kernel backend)");
	else
		snprintf(buf, len, "%s", vm->preempt_source);
	return 0;
}
