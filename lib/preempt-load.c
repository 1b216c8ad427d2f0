// SPDX-License-Identifier: MIT
/*
 * Loading the preemption source's BPF program (bpf/preempt.bpf.c) with
 * libbpf and its skeleton, once per process: every VM of the process shares
 * it (a program per VM would run once more per host context switch for
 * each), and it stays attached until the process exits. A load costs about
 * 50 ms (libbpf parses the kernel's BTF): a VMM that makes VMs one after
 * another pays it once, and so does a failed load (its reason is kept). A
 * child after fork loads its own (the parent's map is not its to share).
 * An edge of the library: the only file that talks to libbpf. Built only
 * WITH_BPF.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/preempt.h"
#include <preempt.skel.h>

struct preempt_map {
	struct preempt_bpf *skel;
	struct preempt_slot *slots;		/* the array, mapped */
	size_t size;
	uint8_t *areas;				/* preempt_areas, mapped */
	size_t areas_size;
	bool area_used[PREEMPT_MAX_AREAS];	/* under lock */
	int tids_fd;
	pid_t pid;				/* the process that loaded it, or 0 */
	int err;				/* its load's result */
	char why[80];
	bool used[PREEMPT_MAX_SLOTS];		/* under lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct preempt_map the_map;

/* libxrs prints nothing: libbpf's messages are dropped while we load. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static int why_load(int r, char *why, size_t len)
{
	if (r == -EPERM || r == -EACCES)
		snprintf(why, len, "not permitted (needs root or CAP_BPF+CAP_PERFMON)");
	else
		snprintf(why, len, "BPF load failed: %s", strerror(-r));
	return r;
}

static int load(struct preempt_map *m, char *why, size_t len)
{
	libbpf_print_fn_t old;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;
	int r;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "no kernel BTF (/sys/kernel/btf/vmlinux)");
		return -EOPNOTSUPP;
	}
	old = libbpf_set_print(quiet);
	m->skel = preempt_bpf__open_and_load();
	r = m->skel ? 0 : -errno;
	if (!r) {
		r = preempt_bpf__attach(m->skel);
		if (r)
			r = r < 0 ? r : -EINVAL;
	}
	libbpf_set_print(old);
	if (r) {
		preempt_bpf__destroy(m->skel);
		m->skel = NULL;
		return why_load(r ? r : -EINVAL, why, len);
	}
	m->size = (sizeof(struct preempt_slot) * PREEMPT_MAX_SLOTS + page - 1) & ~(page - 1);
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(m->skel->maps.preempt_slots), 0);
	if (p == MAP_FAILED) {
		r = -errno;
		preempt_bpf__destroy(m->skel);
		m->skel = NULL;
		snprintf(why, len, "mmap of the slots failed: %s", strerror(-r));
		return r;
	}
	m->slots = p;
	m->areas_size = (size_t)PREEMPT_AREA_SIZE * PREEMPT_MAX_AREAS;
	p = mmap(NULL, m->areas_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(m->skel->maps.preempt_areas), 0);
	if (p == MAP_FAILED) {
		r = -errno;
		munmap(m->slots, m->size);
		preempt_bpf__destroy(m->skel);
		m->skel = NULL;
		snprintf(why, len, "mmap of the areas failed: %s", strerror(-r));
		return r;
	}
	m->areas = p;
	m->tids_fd = bpf_map__fd(m->skel->maps.preempt_tids);
	return 0;
}

int preempt_map_get(struct preempt_map **mp, char *why, size_t len)
{
	struct preempt_map *m = &the_map;
	int r;

	pthread_mutex_lock(&lock);
	if (m->pid != getpid()) {
		/* First here, or a child of the loader: its fds stay, unused. */
		memset(m, 0, sizeof(*m));
		m->err = load(m, m->why, sizeof(m->why));
		m->pid = getpid();
	}
	r = m->err;
	if (r)
		snprintf(why, len, "%s", m->why);
	else
		*mp = m;
	pthread_mutex_unlock(&lock);
	return r;
}

/* The program stays for the process's next VM; its vCPUs gave their slots back. */
void preempt_map_put(struct preempt_map *m)
{
	(void)m;
}

/* After the hash changed: CPUs that remember a thread look it up again. */
static void gen_bump(struct preempt_map *m)
{
	__atomic_fetch_add(&m->skel->data->preempt_gen, 1, __ATOMIC_SEQ_CST);
}

/*
 * The slot is made whole before its tid is in the hash: the program writes
 * a slot only once it finds the thread there.
 */
int preempt_map_add(struct preempt_map *m, pid_t tid, uint64_t run_delay, uint64_t pcount,
		    uint32_t *slot)
{
	struct preempt_slot *s;
	uint32_t i, key = (uint32_t)tid, seq;
	int r = -ENOSPC;

	pthread_mutex_lock(&lock);
	for (i = 0; i < PREEMPT_MAX_SLOTS && m->used[i]; i++)
		;
	if (i < PREEMPT_MAX_SLOTS) {
		s = &m->slots[i];
		seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
		__atomic_store_n(&s->seq, seq | 1, __ATOMIC_SEQ_CST);
		memset((char *)s + sizeof(s->seq), 0, sizeof(*s) - sizeof(s->seq));
		s->run_delay = run_delay;
		s->pcount = pcount;
		s->tid = key;
		__atomic_store_n(&s->seq, (seq | 1) + 1, __ATOMIC_RELEASE);
		r = bpf_map_update_elem(m->tids_fd, &key, &i, BPF_ANY) ? -errno : 0;
	}
	if (!r) {
		m->used[i] = true;
		*slot = i;
		gen_bump(m);
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void preempt_map_remove(struct preempt_map *m, pid_t tid, uint32_t slot)
{
	uint32_t key = (uint32_t)tid, cur;

	pthread_mutex_lock(&lock);
	/* Only if the tid is still this slot's (a reused tid may be another VM's). */
	if (!bpf_map_lookup_elem(m->tids_fd, &key, &cur) && cur == slot)
		bpf_map_delete_elem(m->tids_fd, &key);
	gen_bump(m);
	if (slot < PREEMPT_MAX_SLOTS)
		m->used[slot] = false;
	pthread_mutex_unlock(&lock);
}

struct preempt_slot *preempt_map_slot(struct preempt_map *m, uint32_t slot)
{
	return &m->slots[slot];
}

/*
 * A free area element, zeroed: its two pages, for a VMM to map over the
 * guest pages of a runstate area. -ENOSPC when all are taken.
 */
int preempt_area_alloc(struct preempt_map *m, uint32_t *idx, void **pages)
{
	uint32_t i;
	int r = -ENOSPC;

	pthread_mutex_lock(&lock);
	for (i = 0; i < PREEMPT_MAX_AREAS && m->area_used[i]; i++)
		;
	if (i < PREEMPT_MAX_AREAS) {
		m->area_used[i] = true;
		memset(m->areas + (size_t)i * PREEMPT_AREA_SIZE, 0, PREEMPT_AREA_SIZE);
		*idx = i;
		*pages = m->areas + (size_t)i * PREEMPT_AREA_SIZE;
		r = 0;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

/* No slot points at it any more (preempt_area_point(s, 0, ...)). */
void preempt_area_free(struct preempt_map *m, uint32_t idx)
{
	pthread_mutex_lock(&lock);
	if (idx < PREEMPT_MAX_AREAS)
		m->area_used[idx] = false;
	pthread_mutex_unlock(&lock);
}

/*
 * A flip back the program still owes, made here: by the slot's own thread,
 * which runs (the kernel switched it in without a sched_switch naming it),
 * or before the slot points elsewhere or is given up. The program's flip
 * (bpf/preempt-map.h), under the owner word.
 */
void preempt_area_restore(struct preempt_map *m, struct preempt_slot *s)
{
	preempt_area_lock(s);
	if (s->area_flipped && s->area_idx1 && s->area_idx1 <= PREEMPT_MAX_AREAS)
		preempt_area_flip(m->areas + (size_t)(s->area_idx1 - 1) * PREEMPT_AREA_SIZE,
				  s->area_ofs, s->area_times_ofs, s->area_flag,
				  PREEMPT_RUNSTATE_RUNNABLE, PREEMPT_RUNSTATE_RUNNING);
	s->area_flipped = 0;
	preempt_area_unlock(s);
}

/* The areas' map: what a VMM maps over the guest pages it moves. */
int preempt_area_fd(struct preempt_map *m)
{
	return bpf_map__fd(m->skel->maps.preempt_areas);
}
