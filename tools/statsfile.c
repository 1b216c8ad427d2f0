// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "tools/statsfile.h"
#include "util/hosttime.h"
#include "util/msg.h"
#include "util/proc.h"
#include "util/run-dir.h"
#include "util/stats-lock.h"
#include "util/stats-name.h"

#define SEQ_TRIES	10000	/* a writer holds a record odd for well under a microsecond */

/*
 * A file shrunk by its owner after it was checked would fault the reader:
 * reads from the mapping run under this guard, which turns SIGBUS into an
 * error return.
 */
static __thread sigjmp_buf bus_env;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed)
		siglongjmp(bus_env, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_install_once(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Readers may run on several threads at once (the exporter, the tests). */
static void guard_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, guard_install_once);
}

/*
 * In the reading function itself, so that the jump lands in its frame: arm
 * the guard, or, back from a SIGBUS, disarm it and run the statement given
 * (a return). C allows sigsetjmp only as a whole condition (C11 7.13.1.1),
 * not inside an expression, hence a statement and not a value.
 */
#define GUARDED_OR(...)					\
	do {						\
		guard_install();			\
		if (sigsetjmp(bus_env, 1)) {		\
			bus_armed = 0;			\
			__VA_ARGS__;			\
		}					\
		bus_armed = 1;				\
	} while (0)
#define UNGUARD() (bus_armed = 0)

const char *stats_dir(void)
{
	return run_dir();
}

int stats_dir_check(char *err, size_t len)
{
	struct stat st;

	return run_dir_check(stats_dir(), &st, err, len);
}

const char *stats_state_name(uint32_t state)
{
	static const char *const names[] = { "running", "runnable", "blocked", "offline" };

	return state < XRS_RUNSTATE_COUNT ? names[state] : "?";
}

static int check_header(const struct xrs_stats_header *h, uint64_t st_size, char *err,
			size_t len)
{
	uint64_t want;

	if (memcmp(h->magic, XRS_STATS_MAGIC, sizeof(h->magic)))
		return msg_ret(err, len, -EINVAL, "not an xrs stats file (no %s magic)",
			    XRS_STATS_MAGIC);
	if (h->version != XRS_STATS_VERSION)
		return msg_ret(err, len, -EPROTO, "format version %u; this xrs reads version %u",
			    h->version, XRS_STATS_VERSION);
	if (h->header_size != XRS_STATS_HEADER_SIZE || h->slot_size != XRS_STATS_SLOT_SIZE ||
	    h->ring_size != XRS_STATS_RING_SIZE || h->max_vcpus == 0 ||
	    h->max_vcpus > XRS_STATS_MAX_VCPUS)
		return msg_ret(err, len, -EPROTO, "a layout this xrs does not know (header %u, "
			    "slot %u, ring %u, %u slots)", h->header_size, h->slot_size,
			    h->ring_size, h->max_vcpus);
	want = (uint64_t)h->header_size + (uint64_t)h->max_vcpus * h->slot_size;
	if (h->file_size != want || st_size != want)
		return msg_ret(err, len, -EINVAL, "truncated or padded: %llu bytes, its layout "
			    "needs %llu", (unsigned long long)st_size, (unsigned long long)want);
	if (memchr(h->name, '\0', sizeof(h->name)) == NULL || !stats_name_valid(h->name))
		return msg_ret(err, len, -EINVAL, "its VM name is not a valid name");
	if (memchr(h->preempt_source, '\0', sizeof(h->preempt_source)) == NULL)
		return msg_ret(err, len, -EINVAL, "its preempt_source is not a string");
	if (h->pid <= 0 || h->clock > XRS_STATS_CLOCK_MONOTONIC)
		return msg_ret(err, len, -EINVAL, "a corrupt header (pid %d, clock %u)", h->pid,
			    h->clock);
	return 0;
}

static void check_stale(struct stats_file *f)
{
	uint64_t ticks;

	if (f->live.closed) {
		f->stale = true;
		snprintf(f->stale_why, sizeof(f->stale_why), "closed by its VMM");
	} else if (!stats_vmm_holds(f->fd)) {
		f->stale = true;
		if (proc_start_ticks(f->h.pid, &ticks) == 0 && ticks == f->h.pid_start_ticks)
			snprintf(f->stale_why, sizeof(f->stale_why),
				 "its VMM (pid %d) no longer holds it", f->h.pid);
		else
			snprintf(f->stale_why, sizeof(f->stale_why), "its VMM (pid %d) is gone",
				 f->h.pid);
	} else {
		f->stale = false;
	}
}

int stats_open_path(const char *path, struct stats_file *f, char *err, size_t len)
{
	char why[STATS_ERR_MAX];
	struct stat st;
	ssize_t n;
	void *map;
	int fd, r;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return msg_ret(err, len, -errno, "%s: %s", path,
			    errno == ELOOP ? "a symbolic link, not a stats file" : strerror(errno));
	if (fstat(fd, &st)) {
		r = msg_ret(err, len, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = msg_ret(err, len, -EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		r = msg_ret(err, len, -EPERM, "%s: owned by uid %u, neither you nor root: not "
			 "trusted", path, (unsigned int)st.st_uid);
		goto out;
	}
	if ((uint64_t)st.st_size < sizeof(f->h)) {
		r = msg_ret(err, len, -EINVAL, "%s: truncated (%lld bytes; the header alone is %zu)",
			 path, (long long)st.st_size, sizeof(f->h));
		goto out;
	}
	n = pread(fd, &f->h, sizeof(f->h), 0);
	if (n != (ssize_t)sizeof(f->h)) {
		r = msg_ret(err, len, n < 0 ? -errno : -EIO, "%s: cannot read its header", path);
		goto out;
	}
	r = check_header(&f->h, (uint64_t)st.st_size, why, sizeof(why));
	if (r) {
		r = msg_ret(err, len, r, "%s: %s", path, why);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		r = msg_ret(err, len, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	f->map = map;
	f->size = (size_t)st.st_size;
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	memcpy(f->name, f->h.name, sizeof(f->name));
	r = stats_refresh(f);
	if (r) {
		r = msg_ret(err, len, r, "%s: the file shrank while it was read", path);
		stats_close(f);
	}
	return r;
out:
	close(fd);
	return r;
}

int stats_open(const char *name, struct stats_file *f, char *err, size_t len)
{
	char path[PATH_MAX];
	int r;

	if (!stats_name_valid(name))
		return msg_ret(err, len, -EINVAL, "'%s' is not a VM name (%s)", name,
			    STATS_NAME_RULE);
	if (snprintf(path, sizeof(path), "%s/%s%s", stats_dir(), name,
		     XRS_STATS_FILE_SUFFIX) >= (int)sizeof(path))
		return msg_ret(err, len, -ENAMETOOLONG, "%s: path too long", stats_dir());
	if (access(path, F_OK) && errno == ENOENT)
		return msg_ret(err, len, -ENOENT, "no VM '%s' is published in %s (xrs list)", name,
			    stats_dir());
	r = stats_dir_check(err, len);
	if (r)
		return r;
	r = stats_open_path(path, f, err, len);
	/* A file under another VM's name would give that VM's series twice. */
	if (!r && strcmp(f->h.name, name)) {
		stats_close(f);
		return msg_ret(err, len, -EINVAL, "%s: its header names VM '%.*s', not '%s'", path,
			       XRS_STATS_NAME_MAX, f->h.name, name);
	}
	return r;
}

void stats_close(struct stats_file *f)
{
	if (f->map) {
		munmap((void *)f->map, f->size);
		close(f->fd);
	}
	f->map = NULL;
}

int stats_prune(struct stats_file *f, char *err, size_t len)
{
	struct stat st;
	int fd, r;

	/* Our own description, writable, to take the lock no VMM may hold. */
	fd = open(f->path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? msg_ret(err, len, 0, "already gone") :
		       msg_ret(err, len, -errno, "%s: %s", f->path, strerror(errno));
	if (fstat(fd, &st) || st.st_dev != f->dev || st.st_ino != f->ino) {
		r = msg_ret(err, len, 0, "its file changed since");
		goto out;
	}
	r = stats_lock_remover(fd);
	if (r) {
		r = r == -EAGAIN || r == -EACCES ?
		    msg_ret(err, len, 0, stats_vmm_holds(fd) ? "a VMM holds it" :
			    "another xrs is removing it") :
		    msg_ret(err, len, r, "%s: %s", f->path, strerror(-r));
		goto out;
	}
	/*
	 * Ours now: no VMM and no other pruner can take it, and only the
	 * holder of a file's lock removes it, so the name still names it
	 * right up to the unlink if it does right here.
	 */
	if (lstat(f->path, &st) || st.st_dev != f->dev || st.st_ino != f->ino)
		r = msg_ret(err, len, 0, "its file changed since");
	else if (unlink(f->path))
		r = errno == ENOENT ? msg_ret(err, len, 0, "already gone") :
		    msg_ret(err, len, -errno, "%s: %s", f->path, strerror(errno));
	else
		r = 1;
out:
	close(fd);
	return r;
}

static const struct xrs_stats_vcpu *slot_at(const struct stats_file *f, uint32_t i)
{
	return (const void *)((const char *)f->map + f->h.header_size +
			      (size_t)i * f->h.slot_size);
}

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define LOAD_RELAXED(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)
/*
 * The fence before a sequence counter's second read. TSan does not take
 * fences (GCC refuses them under it): there a record's loads before are
 * acquire loads already, which order the read after them just the same;
 * a ring's are relaxed, and no TSan build reads a ring beside its writer
 * (only test_liveness links this file under TSan).
 */
#if defined(__SANITIZE_THREAD__) || defined(XRS_TSAN)
#define READ_FENCE() do { } while (0)
#else
#define READ_FENCE() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* Under the guard: the header's changing fields. */
static void load_live(struct stats_file *f)
{
	f->live.nr_vcpus = LOAD_RELAXED(f->map->nr_vcpus);
	f->live.slot_limit = LOAD(f->map->slot_limit);
	f->live.closed = LOAD(f->map->closed);
	f->live.clock_offset_ns = LOAD_RELAXED(f->map->clock_offset_ns);
	f->live.steal_interval_ns = LOAD_RELAXED(f->map->steal_interval_ns);
	/* a corrupt count never reads past the file */
	if (f->live.slot_limit > f->h.max_vcpus)
		f->live.slot_limit = f->h.max_vcpus;
}

int stats_still_named(const struct stats_file *f)
{
	struct stat st;

	if (lstat(f->path, &st))
		return -errno;
	return st.st_dev == f->dev && st.st_ino == f->ino;
}

int stats_refresh(struct stats_file *f)
{
	GUARDED_OR(return -EIO);
	load_live(f);
	UNGUARD();
	check_stale(f);
	return 0;
}

static bool read_record(const struct xrs_stats_vcpu *r, struct stats_vcpu *v)
{
	uint32_t s1, s2;
	int tries, i;

	for (tries = 0; tries < SEQ_TRIES; tries++) {
		s1 = LOAD(r->seq);
		v->state = LOAD(r->state);
		v->entry = LOAD(r->state_entry_time);
		for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
			v->time[i] = LOAD(r->time[i]);
		READ_FENCE();
		s2 = LOAD_RELAXED(r->seq);
		if (!(s1 & 1) && s1 == s2)
			return true;
	}
	return false;
}

static bool read_ready(const struct xrs_stats_ready *r, struct stats_vcpu *v)
{
	uint32_t s1, s2;
	int tries, i;

	for (tries = 0; tries < SEQ_TRIES; tries++) {
		s1 = LOAD(r->seq);
		v->ready_count = LOAD(r->count);
		v->ready_sum_ns = LOAD(r->sum_ns);
		v->ready_max_ns = LOAD(r->max_ns);
		for (i = 0; i < XRS_STATS_READY_BUCKETS; i++)
			v->ready_buckets[i] = LOAD(r->buckets[i]);
		READ_FENCE();
		s2 = LOAD_RELAXED(r->seq);
		if (!(s1 & 1) && s1 == s2)
			return true;
	}
	return false;
}

int stats_read_vcpus(struct stats_file *f, struct stats_vcpu *out, unsigned int max,
		     char *err, size_t len)
{
	uint32_t i, limit;
	volatile unsigned int n = 0;	/* written between sigsetjmp and a SIGBUS */

	GUARDED_OR(return msg_ret(err, len, -EIO, "%s: the file shrank while it was read",
				  f->path));
	load_live(f);
	limit = f->live.slot_limit;
	for (i = 0; i < limit && n < max; i++) {
		const struct xrs_stats_vcpu *r = slot_at(f, i);
		struct stats_vcpu *v = &out[n];

		if (!LOAD(r->in_use))
			continue;
		memset(v, 0, sizeof(*v));
		v->slot = i;
		v->torn = !read_record(r, v);
		v->vcpu_id = LOAD_RELAXED(r->vcpu_id);
		v->enters = LOAD_RELAXED(r->enters);
		v->updates = LOAD_RELAXED(r->updates);
		v->area_writes = LOAD_RELAXED(r->area_writes);
		v->area_skips = LOAD_RELAXED(r->area_skips);
		v->steal_samples = LOAD_RELAXED(r->steal_samples);
		v->steal_unbooked = LOAD_RELAXED(r->steal_unbooked_ns);
		v->ring_head = LOAD(r->ring_head);
		v->in_guest = LOAD_RELAXED(r->in_guest) != 0;
		v->ready_torn = !read_ready((const void *)((const char *)r +
							   XRS_STATS_READY_OFFSET), v);
		n++;
	}
	UNGUARD();
	check_stale(f);
	return (int)n;
}

bool stats_guest_now(const struct stats_file *f, uint64_t *now)
{
	int64_t off = f->live.clock_offset_ns;	/* as of the last read */

	switch (f->h.clock) {
	case XRS_STATS_CLOCK_MONOTONIC_RAW:
		*now = clock_ns(CLOCK_MONOTONIC_RAW) + (uint64_t)off;
		return true;
	case XRS_STATS_CLOCK_MONOTONIC:
		*now = clock_ns(CLOCK_MONOTONIC) + (uint64_t)off;
		return true;
	default:
		return false;
	}
}

int stats_read_ring(struct stats_file *f, uint32_t slot, uint64_t *from,
		    struct xrs_stats_transition *out, unsigned int max, uint64_t *lost)
{
	const struct xrs_stats_vcpu *r;
	const struct xrs_stats_transition *ring;
	uint64_t head, head2, first, i, size = f->h.ring_size;
	unsigned int n = 0;

	if (slot >= f->h.max_vcpus)
		return -EINVAL;
	GUARDED_OR(return -EIO);
	r = slot_at(f, slot);
	ring = (const void *)((const char *)r + XRS_STATS_RECORD_SIZE);
	head = LOAD(r->ring_head);
	if (head < *from)		/* the slot was reused: start over */
		*from = 0;
	first = head > size && head - size > *from ? head - size : *from;
	*lost += first - *from;
	for (i = first; i < head && n < max; i++, n++) {
		out[n].time = LOAD_RELAXED(ring[i % size].time);
		out[n].state = LOAD_RELAXED(ring[i % size].state);
	}
	READ_FENCE();
	head2 = LOAD(r->ring_head);
	UNGUARD();
	/* Entries the writer overwrote while they were copied are not trusted. */
	*from = first + n;
	if (head2 > size && head2 - size > first) {
		uint64_t bad = head2 - size - first;

		if (bad > n)
			bad = n;
		memmove(out, out + bad, (n - bad) * sizeof(*out));
		n -= (unsigned int)bad;
		*lost += bad;
	}
	return (int)n;
}

double stats_uptime(const struct stats_file *f)
{
	uint64_t now = clock_ns(CLOCK_REALTIME);

	return now > f->h.created_unix_ns ? (double)(now - f->h.created_unix_ns) / 1e9 : 0;
}

void stats_vcpu_times_at(const struct stats_vcpu *v, bool have_now, uint64_t now,
			 uint64_t out[XRS_RUNSTATE_COUNT])
{
	memcpy(out, v->time, sizeof(v->time));
	if (have_now && !v->torn && v->state < XRS_RUNSTATE_COUNT && now > v->entry)
		out[v->state] += now - v->entry;
}
