// SPDX-License-Identifier: MIT
/*
 * The preemption source on this host, without KVM: a thread bound as a
 * vCPU, "inside KVM_RUN" (xrs_vcpu_enter without an exit), pinned with a
 * busy thread to one CPU for two seconds. Its slot in the BPF map against
 * its own /proc/self/task/TID/schedstat, and its preemption episodes
 * against its run delay; then an unprivileged process and the environment
 * turning the source off. Where the program cannot load (no privilege, no
 * BTF, built without BPF) the cases that need it skip, saying why.
 */
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/harness.h"
#include "lib/internal.h"
#include "util/hosttime.h"
#include "util/pin.h"

#define RUN_NS		2000000000ull
/* The CPU the two threads share: the last one (the first is busier). */
#define CPU		((int)sysconf(_SC_NPROCESSORS_ONLN) - 1)

static atomic_bool hog_stop;

static void *hog(void *arg)
{
	(void)arg;
	CHECK(pin_to_cpu(CPU) == 0);
	while (!atomic_load_explicit(&hog_stop, memory_order_relaxed))
		;
	return NULL;
}

/* What the vCPU thread saw: map and schedstat at the start and at the end. */
struct run {
	struct preempt_snap m0, m1;
	uint64_t rd0, rd1, pc0, pc1;
	uint64_t wall;
};

/*
 * The calling thread runs as the vCPU, in_run set, beside the hog. Reading
 * schedstat may block (a wait after it is no episode): @map_inside puts
 * the map's reads inside, next to the busy loop.
 */
static void contend(struct xrs_vcpu *v, struct run *r, bool map_inside)
{
	pthread_t th;
	uint64_t t0;

	CHECK(pin_to_cpu(CPU) == 0);
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	assert_non_null(v->pslot);
	xrs_vcpu_enter(v);				/* in_run = 1 until the exit */
	assert_int_equal(v->pslot->in_run, 1);
	atomic_store(&hog_stop, false);
	assert_int_equal(pthread_create(&th, NULL, hog, NULL), 0);
	usleep(1000);
	/* Both read by this thread while it runs: no wait of its own is pending. */
	if (map_inside)
		assert_int_equal(thread_schedstat(gettid(), &r->rd0, &r->pc0), 0);
	assert_int_equal(preempt_read(v->pslot, &r->m0, 1000), 0);
	if (!map_inside)
		assert_int_equal(thread_schedstat(gettid(), &r->rd0, &r->pc0), 0);
	t0 = mono_ns();
	while (mono_ns() - t0 < RUN_NS)
		;
	if (!map_inside)
		assert_int_equal(thread_schedstat(gettid(), &r->rd1, &r->pc1), 0);
	assert_int_equal(preempt_read(v->pslot, &r->m1, 1000), 0);
	if (map_inside)
		assert_int_equal(thread_schedstat(gettid(), &r->rd1, &r->pc1), 0);
	r->wall = mono_ns() - t0;
	xrs_vcpu_exit(v);
	assert_int_equal(v->pslot->in_run, 0);
	atomic_store(&hog_stop, true);
	pthread_join(th, NULL);
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static void the_maps_run_delay_is_the_threads_schedstat(void **state)
{
	struct xrs_vcpu *v;
	struct xrs_vm *vm = bpf_vm_or_skip(&v);
	struct run r;

	(void)state;
	contend(v, &r, false);
	print_message("run delay over %.2f s: map %llu ns, schedstat %llu ns (grew %llu ns, "
		      "%llu switches in); pcount map %llu, schedstat %llu\n", r.wall / 1e9,
		      (unsigned long long)r.m1.run_delay, (unsigned long long)r.rd1,
		      (unsigned long long)(r.rd1 - r.rd0), (unsigned long long)(r.pc1 - r.pc0),
		      (unsigned long long)r.m1.pcount, (unsigned long long)r.pc1);
	/* Contended, or the comparison proves nothing. */
	assert_true(r.rd1 - r.rd0 > r.wall / 10);
	/* Within 0.01 % of wall. */
	assert_true(absdiff(r.m1.run_delay, r.rd1) * 10000 <= r.wall);
	assert_true(absdiff(r.m0.run_delay, r.rd0) * 10000 <= r.wall);
	assert_true(r.m1.pcount == r.pc1);
	xrs_vm_destroy(vm);
}

static void episodes_in_run_add_up_to_the_run_delay_grown(void **state)
{
	struct xrs_vcpu *v;
	struct xrs_vm *vm = bpf_vm_or_skip(&v);
	uint64_t sum, grown, count, waits, in_buckets = 0;
	struct run r;
	int i;

	(void)state;
	contend(v, &r, true);
	sum = r.m1.ready_sum_ns - r.m0.ready_sum_ns;
	count = r.m1.ready_count - r.m0.ready_count;
	grown = r.m1.run_delay - r.m0.run_delay;
	waits = r.m1.pcount - r.m0.pcount;
	for (i = 0; i < PREEMPT_BUCKETS; i++)
		in_buckets += r.m1.ready_buckets[i];
	print_message("episodes: %llu, sum %llu ns, max %llu ns; run delay grew %llu ns in "
		      "%llu waits\n", (unsigned long long)count, (unsigned long long)sum,
		      (unsigned long long)r.m1.ready_max_ns, (unsigned long long)grown,
		      (unsigned long long)waits);
	assert_true(count > 10);
	assert_true(absdiff(sum, grown) * 10000 <= r.wall);
	/* A wait after a sleep is no episode: a busy thread has none of those. */
	assert_true(absdiff(count, waits) <= 1);
	assert_true(in_buckets == r.m1.ready_count);
	assert_true(r.m1.ready_max_ns <= r.m1.ready_sum_ns);
	/* Every episode is booked as steal by the next enter: the map is the source. */
	xrs_vm_destroy(vm);
}

/* In a fresh process (forked before any VM of ours): 0 if the checks held. */
static int unprivileged_child(void)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	struct passwd *pw = getpwnam("nobody");
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
	char src[XRS_STATS_SOURCE_MAX];
	struct xrs_vcpu *v;
	struct xrs_vm *vm;

	if (!pw || setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
		return 10;
	if (xrs_vm_create(&p, &vm) || xrs_vcpu_create(vm, 0, -1, &v))
		return 11;
	if (xrs_vm_get_preempt_source(vm, src, sizeof(src)) || strncmp(src, "none (", 6))
		return 12;
	printf("# as nobody: preempt_source: %s\n", src);
	/* Still works: schedstat, as without the source. */
	if (xrs_vcpu_bind_thread(v) || v->pslot)
		return 13;
	xrs_vcpu_enter(v);
	xrs_vcpu_exit(v);
	if (xrs_vcpu_get_attr(v, &a) || xrs_check_extension(vm, KVM_CAP_XEN_HVM) <= 0)
		return 14;
	xrs_vm_destroy(vm);
	return 0;
}

static void an_unprivileged_process_falls_back_and_says_why(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid()) {
		print_message("not root: cannot become nobody (this process is unprivileged "
			      "already; the other cases say what it got)\n");
		skip();
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(unprivileged_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A published VM: the source and each vCPU's episodes in its stats file. */
static void the_ready_histogram_reaches_the_stats_file(void **state)
{
	char dir[] = "/tmp/xrs-preempt-XXXXXX", path[128], src[XRS_STATS_SOURCE_MAX];
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	const struct xrs_stats_header *h;
	const struct xrs_stats_ready *r;
	uint64_t count = 0, in_buckets = 0, t0;
	struct xrs_vcpu *v;
	struct xrs_vm *vm;
	pthread_t th;
	size_t size = XRS_STATS_HEADER_SIZE + (size_t)XRS_STATS_MAX_VCPUS * XRS_STATS_SLOT_SIZE;
	void *map;
	int fd, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XRS_RUN_DIR", dir, 1);
	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	assert_int_equal(xrs_vm_get_preempt_source(vm, src, sizeof(src)), 0);
	assert_int_equal(xrs_vm_publish(vm, "preempt"), 0);
	assert_int_equal(xrs_vcpu_create(vm, 0, -1, &v), 0);
	snprintf(path, sizeof(path), "%s/preempt.xrs", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	h = map;
	assert_int_equal(h->version, 2);
	assert_string_equal(h->preempt_source, src);
	if (strcmp(src, "bpf"))
		goto out;		/* the file says why: the rest is skipped, below */
	/* Half a second beside the hog, entering every 10 ms: the copies follow. */
	CHECK(pin_to_cpu(CPU) == 0);
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	atomic_store(&hog_stop, false);
	assert_int_equal(pthread_create(&th, NULL, hog, NULL), 0);
	for (t0 = mono_ns(); mono_ns() - t0 < 500000000ull;) {
		uint64_t t1 = mono_ns();

		xrs_vcpu_enter(v);
		while (mono_ns() - t1 < 10000000ull)
			;
		xrs_vcpu_exit(v);
	}
	xrs_vcpu_enter(v);
	xrs_vcpu_exit(v);
	atomic_store(&hog_stop, true);
	pthread_join(th, NULL);
	r = (const void *)((const char *)map + XRS_STATS_HEADER_SIZE + XRS_STATS_READY_OFFSET);
	count = r->count;
	for (i = 0; i < XRS_STATS_READY_BUCKETS; i++)
		in_buckets += r->buckets[i];
	print_message("stats file: %llu episodes, %llu ns, max %llu ns\n",
		      (unsigned long long)count, (unsigned long long)r->sum_ns,
		      (unsigned long long)r->max_ns);
	assert_true(count > 10);
	assert_true(in_buckets == count);
	assert_true(r->seq % 2 == 0);
	/* As the map has it, up to the episodes since the last enter. */
	assert_true(count <= v->pslot->ready_count);
out:
	munmap(map, size);
	close(fd);
	xrs_vm_destroy(vm);
	rmdir(dir);
	unsetenv("XRS_RUN_DIR");
	if (strcmp(src, "bpf")) {
		print_message("preempt_source: %s (the file says so): the histogram skipped\n",
			      src);
		skip();
	}
}

static void the_environment_turns_it_off(void **state)
{
	char src[XRS_STATS_SOURCE_MAX];
	struct xrs_vcpu *v;
	struct xrs_vm *vm;

	(void)state;
	setenv("XRS_PREEMPT_SOURCE", "none", 1);
	vm = default_vm(&v);
	unsetenv("XRS_PREEMPT_SOURCE");
	assert_int_equal(xrs_vm_get_preempt_source(vm, src, sizeof(src)), 0);
	assert_string_equal(src, "none (XRS_PREEMPT_SOURCE=none)");
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	assert_null(v->pslot);
	assert_true(v->schedstat_fd >= 0);
	xrs_vm_destroy(vm);
}

static void an_injected_steal_source_wins(void **state)
{
	struct fake f = { 0, 0 };
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER,
				   .steal = &fake_steal_ops, .steal_opaque = &f };
	char src[XRS_STATS_SOURCE_MAX];
	struct xrs_vcpu *v;
	struct xrs_vm *vm;

	(void)state;
	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	assert_int_equal(xrs_vcpu_create(vm, 0, -1, &v), 0);
	assert_int_equal(xrs_vm_get_preempt_source(vm, src, sizeof(src)), 0);
	assert_string_equal(src, "none (steal source injected)");
	assert_int_equal(xrs_vcpu_bind_thread(v), 0);
	assert_null(v->pslot);
	xrs_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First, while no VM of ours exists to be inherited. */
		cmocka_unit_test(an_unprivileged_process_falls_back_and_says_why),
		cmocka_unit_test(the_maps_run_delay_is_the_threads_schedstat),
		cmocka_unit_test(episodes_in_run_add_up_to_the_run_delay_grown),
		cmocka_unit_test(the_ready_histogram_reaches_the_stats_file),
		cmocka_unit_test(the_environment_turns_it_off),
		cmocka_unit_test(an_injected_steal_source_wins),
	};

	return cmocka_run_group_tests_name("preempt_bpf", tests, NULL, NULL);
}
