// SPDX-License-Identifier: MIT
/*
 * The stats file of a published VM (<xrs/stats.h>, docs/stats-format.md).
 *
 * An edge of the library: the file is made, mapped and removed here; the
 * vCPUs' records in it are the very ones the publish step writes
 * (vcpu_publish), so publishing adds nothing to the hot path but where the
 * stores land, and a ring entry when the state changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/internal.h"
#include "util/hosttime.h"
#include "util/proc.h"
#include "util/run-dir.h"
#include "util/stats-lock.h"
#include "util/stats-name.h"


struct publication {
	struct xrs_stats_header *hdr;		/* the whole file, mapped */
	size_t size;
	int fd;					/* holds the liveness lock */
	char path[PATH_MAX];
	bool used[XRS_STATS_MAX_VCPUS];		/* slots, under the VM lock */
};

static struct vcpu_pub *slot_record(struct publication *pub, unsigned int i)
{
	return (struct vcpu_pub *)((char *)pub->hdr + XRS_STATS_HEADER_SIZE +
				   (size_t)i * XRS_STATS_SLOT_SIZE);
}

static struct xrs_stats_transition *slot_ring(struct publication *pub, unsigned int i)
{
	return (struct xrs_stats_transition *)((char *)slot_record(pub, i) +
					       XRS_STATS_RECORD_SIZE);
}

/*
 * A directory only its owner and group may list. An existing one is used
 * only if it could not let another user block a name or remove a file
 * (util/run-dir.h: the tools check it by the same rule).
 */
static int make_run_dir(const char *dir, struct stat *st)
{
	char why[1];

	if (mkdir(dir, 0750) == 0) {
		if (chmod(dir, 0750))		/* whatever the umask */
			return -errno;
	} else if (errno != EEXIST) {
		return -errno;
	}
	return run_dir_check(dir, st, why, sizeof(why));
}

/* Remove @path only if it still names the file of @fd (whose lock we hold). */
static void unlink_if_same(const char *path, int fd)
{
	struct stat a, b;

	if (!fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		unlink(path);
}

/*
 * The name is taken by @path: if its file is a stats file no VMM holds,
 * remove it (0: try again); -EEXIST if a VMM holds it, or if it is not a
 * regular file (a FIFO must not block us: O_NONBLOCK, then fstat). If a
 * pruner or another publisher is removing it, wait for it to go (its
 * holder needs microseconds; a holder stopped for a second is given up on).
 */
#define TAKE_WAIT_US	1000000
static int take_stale(const char *path)
{
	struct stat st, now;
	int fd, r, waited = 0;

	fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -EEXIST;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EEXIST;
	}
	while ((r = stats_lock_remover(fd)) && !stats_vmm_holds(fd) && waited < TAKE_WAIT_US) {
		if (lstat(path, &now) || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
			r = 0;		/* removed by whoever held it: the name is free */
			break;
		}
		usleep(50);
		waited += 50;
	}
	if (!r)
		unlink_if_same(path, fd);	/* stale: its VMM is gone */
	close(fd);
	return r ? -EEXIST : 0;
}

static struct xrs_stats_ready *slot_ready(struct publication *pub, unsigned int i)
{
	return (struct xrs_stats_ready *)((char *)slot_record(pub, i) + XRS_STATS_READY_OFFSET);
}

static void fill_header(struct xrs_vm *vm, struct xrs_stats_header *h, const char *name,
			size_t size)
{
	uint64_t ticks = 0;

	proc_start_ticks(getpid(), &ticks);
	h->version = XRS_STATS_VERSION;
	h->header_size = XRS_STATS_HEADER_SIZE;
	h->slot_size = XRS_STATS_SLOT_SIZE;
	h->ring_size = XRS_STATS_RING_SIZE;
	h->max_vcpus = XRS_STATS_MAX_VCPUS;
	h->backend = vm->backend;
	h->file_size = size;
	h->pid = getpid();
	h->pid_start_ticks = ticks;
	h->created_unix_ns = clock_ns(CLOCK_REALTIME);
	h->steal_interval_ns = atomic_load(&vm->steal_interval_ns);
	switch (vm->default_clock) {
	case XRS_DEFAULT_CLOCK_KVMCLOCK:
		h->clock = XRS_STATS_CLOCK_MONOTONIC_RAW;
		h->clock_offset_ns = atomic_load(&vm->kvmclock.offset);
		break;
	case XRS_DEFAULT_CLOCK_MONOTONIC:
		h->clock = XRS_STATS_CLOCK_MONOTONIC;
		break;
	case XRS_DEFAULT_CLOCK_INJECTED:
		h->clock = XRS_STATS_CLOCK_INJECTED;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->preempt_source, sizeof(h->preempt_source), "%s", vm->preempt_source);
	/* Last: a reader that sees the magic sees the rest. */
	area_wmb();		/* smp_wmb(): the reader is another process */
	memcpy(h->magic, XRS_STATS_MAGIC, sizeof(h->magic));
}

/*
 * Made under a temporary name, locked, and linked into place, so that a
 * reader never sees a half-made file, and the name is never without the
 * lock of a live VMM: two VMMs never share one.
 */
static int create_file(struct xrs_vm *vm, const char *name, struct publication *pub)
{
	const char *dir = run_dir();
	size_t size = XRS_STATS_HEADER_SIZE + (size_t)XRS_STATS_MAX_VCPUS * XRS_STATS_SLOT_SIZE;
	char tmp[PATH_MAX];
	struct stat dst;
	void *map;
	int fd, r, tries;

	if (snprintf(pub->path, sizeof(pub->path), "%s/%s%s", dir, name,
		     XRS_STATS_FILE_SUFFIX) >= (int)sizeof(pub->path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	r = make_run_dir(dir, &dst);
	if (r)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);		/* a name no other thread or process has */
	if (fd < 0)
		return -errno;
	/*
	 * The directory's group reads it (the operator's trusted group, e.g.
	 * xrs); one this process may not give just keeps its own.
	 * Sparse: only the pages of the slots in use ever hold anything.
	 */
	if (fchown(fd, (uid_t)-1, dst.st_gid) && errno != EPERM) {
		r = -errno;
		goto fail;
	}
	if (fchmod(fd, 0640) || ftruncate(fd, (off_t)size)) {
		r = -errno;
		goto fail;
	}
	r = stats_lock_vmm(fd);	/* the name's liveness, for our whole life */
	if (r)
		goto fail;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	pub->hdr = map;
	pub->size = size;
	pub->fd = fd;
	fill_header(vm, pub->hdr, name, size);

	for (tries = 0; tries < 3; tries++) {
		if (link(tmp, pub->path) == 0)
			break;
		r = -errno;
		if (r != -EEXIST)
			goto fail_unmap;
		r = take_stale(pub->path);
		if (r)
			goto fail_unmap;
		r = -EEXIST;		/* if another VMM was quicker each time */
	}
	if (tries == 3)
		goto fail_unmap;
	unlink(tmp);
	return 0;

fail_unmap:
	munmap(map, size);
	pub->hdr = NULL;
fail:
	close(fd);
	unlink(tmp);
	return r;
}

int xrs_vm_publish(struct xrs_vm *vm, const char *name)
{
	struct publication *pub;
	int r;

	if (!vm || !name || !stats_name_valid(name))
		return -EINVAL;
	if (vm->backend != XRS_BACKEND_USER)
		return -EOPNOTSUPP;
	pub = calloc(1, sizeof(*pub));
	if (!pub)
		return -ENOMEM;
	pthread_mutex_lock(&vm->lock);
	if (vm->publication || vm->nr_vcpus)
		r = -EBUSY;
	else
		r = create_file(vm, name, pub);
	if (!r)
		vm->publication = pub;
	pthread_mutex_unlock(&vm->lock);
	if (r)
		free(pub);
	return r;
}

/* Zeroed as the record is: a reader in the middle sees its counter move. */
static void ready_reset(struct xrs_stats_ready *r)
{
	uint32_t seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&r->seq, seq | 1, __ATOMIC_RELAXED);
	area_wmb();
	memset((char *)r + sizeof(r->seq), 0, sizeof(*r) - sizeof(r->seq));
	__atomic_store_n(&r->seq, (seq | 1) + 1, __ATOMIC_RELEASE);
}

/*
 * A slot may have been another vCPU's: readers in the middle of it see the
 * counter move and read again.
 */
int publication_attach(struct xrs_vm *vm, struct xrs_vcpu *v)
{
	struct publication *pub = vm->publication;
	struct xrs_stats_header *h;
	struct vcpu_pub *p;
	unsigned int i, seq;

	if (!pub)
		return 0;
	for (i = 0; i < XRS_STATS_MAX_VCPUS && pub->used[i]; i++)
		;
	if (i == XRS_STATS_MAX_VCPUS)
		return -ENOSPC;
	h = pub->hdr;
	p = slot_record(pub, i);
	seq = atomic_load_explicit(&p->seq, memory_order_relaxed);
	atomic_store_explicit(&p->seq, seq | 1, memory_order_relaxed);
	area_wmb();
	memset((char *)p + sizeof(p->seq), 0, sizeof(*p) - sizeof(p->seq));
	p->vcpu_id = v->id;
	atomic_store_explicit(&p->in_use, 1, memory_order_relaxed);
	atomic_store_explicit(&p->seq, (seq | 1) + 1, memory_order_release);

	ready_reset(slot_ready(pub, i));
	pub->used[i] = true;
	v->pub = p;
	v->ready = slot_ready(pub, i);
	v->ring = slot_ring(pub, i);
	v->slot = (int)i;
	__atomic_store_n(&h->nr_vcpus, h->nr_vcpus + 1, __ATOMIC_RELAXED);
	if (i + 1 > h->slot_limit)
		__atomic_store_n(&h->slot_limit, i + 1, __ATOMIC_RELEASE);
	return 0;
}

void publication_detach(struct xrs_vm *vm, struct xrs_vcpu *v)
{
	struct publication *pub = vm->publication;

	if (!pub || v->slot < 0)
		return;
	atomic_store_explicit(&v->pub->in_use, 0, memory_order_release);
	pub->used[v->slot] = false;
	v->ready = NULL;
	__atomic_store_n(&pub->hdr->nr_vcpus, pub->hdr->nr_vcpus - 1, __ATOMIC_RELAXED);
	v->slot = -1;
}

void publication_clock_moved(struct xrs_vm *vm)
{
	if (vm->publication && vm->default_clock == XRS_DEFAULT_CLOCK_KVMCLOCK)
		__atomic_store_n(&vm->publication->hdr->clock_offset_ns,
				 atomic_load(&vm->kvmclock.offset), __ATOMIC_RELAXED);
}

void publication_interval_changed(struct xrs_vm *vm)
{
	if (vm->publication)
		__atomic_store_n(&vm->publication->hdr->steal_interval_ns,
				 atomic_load(&vm->steal_interval_ns), __ATOMIC_RELAXED);
}

void publication_close(struct xrs_vm *vm)
{
	struct publication *pub = vm->publication;

	if (!pub)
		return;
	__atomic_store_n(&pub->hdr->closed, 1, __ATOMIC_RELEASE);
	/* Still ours, lock held: no one else removes it, so this is no race. */
	unlink_if_same(pub->path, pub->fd);
	munmap(pub->hdr, pub->size);
	close(pub->fd);			/* and the lock goes */
	free(pub);
	vm->publication = NULL;
}
