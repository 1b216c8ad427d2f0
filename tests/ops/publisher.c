// SPDX-License-Identifier: MIT
/*
 * A published VM without KVM, for the exporter's tests and the fleet bench:
 * libxrs's user backend and its publish API, as a VMM would call them.
 *
 * usage: publisher NAME VCPUS [--dup-id | --ready]
 * Publishes NAME with VCPUS vCPUs (each entered and left a few times, so
 * the accounting holds something), says "published NAME" on stdout, and
 * stays until SIGTERM or SIGINT. --dup-id then writes, as a hostile user
 * with write access could, slot 1's vcpu_id over with slot 0's.
 *
 * --ready gives the VM a preemption source and each vCPU a CPU-ready
 * histogram of known quantiles, whatever this host allows (libxrs's own
 * source is kept off, so nothing else writes them): vCPU i has 100
 * episodes, 97 of 10 us, 2 of 768 * 2^i us (p99: 1.024 * 2^i ms, the
 * bound of their bucket) and one of 600 ms. Each SIGUSR1 then adds 100
 * episodes of 40 us to the vCPUs of even id, and says "ready added".
 */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xrs/stats.h>
#include <xrs/xrs.h>

/* NAME's stats file, mapped writable as far as its first @slots slots; NULL on error. */
static char *map_file(const char *name, unsigned int slots)
{
	const char *d = getenv("XRS_RUN_DIR");
	char path[PATH_MAX];
	char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.xrs", d && *d ? d : "/run/xrs", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return NULL;
	m = mmap(NULL, XRS_STATS_HEADER_SIZE + (size_t)slots * XRS_STATS_SLOT_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return m == MAP_FAILED ? NULL : m;
}

static struct xrs_stats_vcpu *slot(char *m, unsigned int i)
{
	return (void *)(m + XRS_STATS_HEADER_SIZE + (size_t)i * XRS_STATS_SLOT_SIZE);
}

static int dup_id(const char *name)
{
	char *m = map_file(name, 2);

	if (!m)
		return -1;
	slot(m, 1)->vcpu_id = slot(m, 0)->vcpu_id;
	return 0;
}

/* @n episodes of @ns each, under the histogram's counter as libxrs writes it. */
static void add_episodes(struct xrs_stats_ready *r, uint64_t n, uint64_t ns)
{
	uint32_t seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	unsigned int b = 0;

	/* the bucket as <xrs/stats.h> defines it */
	while (b < XRS_STATS_READY_BUCKETS - 2 && ns >= 1000ull << b)
		b++;
	if (b == XRS_STATS_READY_BUCKETS - 2 && ns >= 10000000000ull)
		b++;
	__atomic_store_n(&r->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->count += n;
	r->sum_ns += n * ns;
	if (ns > r->max_ns)
		r->max_ns = ns;
	r->buckets[b] += n;
	__atomic_store_n(&r->seq, seq + 2, __ATOMIC_RELEASE);
}

static struct xrs_stats_ready *ready_of(char *m, unsigned int i)
{
	return (void *)((char *)slot(m, i) + XRS_STATS_READY_OFFSET);
}

/* The source a reader sees as loaded, and each vCPU's first 100 episodes. */
static char *ready_start(const char *name, unsigned int n)
{
	struct xrs_stats_header *h;
	char *m = map_file(name, n);
	unsigned int i;

	if (!m)
		return NULL;
	h = (void *)m;
	snprintf(h->preempt_source, sizeof(h->preempt_source), "bpf");
	for (i = 0; i < n; i++) {
		add_episodes(ready_of(m, i), 97, 10000);
		add_episodes(ready_of(m, i), 2, 768000ull << slot(m, i)->vcpu_id);
		add_episodes(ready_of(m, i), 1, 600000000);
	}
	return m;
}

static void ready_more(char *m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!(slot(m, i)->vcpu_id & 1))
			add_episodes(ready_of(m, i), 100, 40000);
}

int main(int argc, char **argv)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	bool dup = argc > 3 && !strcmp(argv[3], "--dup-id");
	bool ready = argc > 3 && !strcmp(argv[3], "--ready");
	struct xrs_vcpu **v;
	struct xrs_vm *vm;
	char *rmap = NULL;
	sigset_t set;
	int i, j, n, r, sig;

	if (argc < 3 || (n = atoi(argv[2])) < 1 || n > XRS_STATS_MAX_VCPUS ||
	    (argc > 3 && !dup && !ready) || argc > 4)
		return fprintf(stderr, "usage: publisher NAME VCPUS [--dup-id | --ready]\n"), 2;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* the histograms are ours alone: libxrs's source, if it loads, stays off */
	if (ready)
		setenv("XRS_PREEMPT_SOURCE", "none", 1);
	v = calloc((size_t)n, sizeof(*v));
	r = v ? xrs_vm_create(&p, &vm) : -12;
	if (!r)
		r = xrs_vm_publish(vm, argv[1]);
	for (i = 0; !r && i < n; i++) {
		r = xrs_vcpu_create(vm, (uint32_t)i, -1, &v[i]);
		if (!r)
			r = xrs_vcpu_bind_thread(v[i]);
		for (j = 0; !r && j < 3; j++) {
			xrs_vcpu_enter(v[i]);
			xrs_vcpu_exit(v[i]);
		}
	}
	if (!r && dup && n > 1 && dup_id(argv[1]))
		r = -1;
	if (!r && ready && !(rmap = ready_start(argv[1], (unsigned int)n)))
		r = -1;
	if (r)
		return fprintf(stderr, "publisher: %s: %s\n", argv[1], xrs_strerror(r)), 1;
	printf("published %s\n", argv[1]);
	fflush(stdout);
	while (!sigwait(&set, &sig) && sig == SIGUSR1) {
		if (rmap)
			ready_more(rmap, (unsigned int)n);
		printf("ready added\n");
		fflush(stdout);
	}
	for (i = 0; i < n; i++)
		xrs_vcpu_destroy(v[i]);
	xrs_vm_destroy(vm);
	free(v);
	return 0;
}
