// SPDX-License-Identifier: MIT
/*
 * The hot path, for callgrind: N calls of one kind, with everything else set
 * up once. bench/run counts the instructions inside the measured function
 * (--toggle-collect) and divides by N.
 *
 * usage: hotpath MODE N [--time]
 *   enter64       enter that books and writes a 64-bit area, flag on
 *   enter-compat  the same, 32-bit layout
 *   enter-split   64-bit area split over two pages (two host mappings)
 *   enter-skip    enter with no steal sample due (default sources)
 *   enter-sample  enter with a sample due every time (default sources)
 *   attr-current  SET RUNSTATE_CURRENT (alternating running/runnable)
 *   attr-data     GET RUNSTATE_DATA
 *   attr-adjust   SET RUNSTATE_ADJUST, state -1 (rewrite the area)
 *   attr-addr     SET RUNSTATE_ADDR (same address)
 * Any MODE-published: the same with the VM published (xrs_vm_publish, in
 * $XRS_RUN_DIR), so its records are in the stats file, with a ring.
 *
 * With --time it also prints "MODE ns_per_call NS sample_ns NS": the loop's
 * wall time per call, and per run-delay read within it (for bench/vm, which
 * runs it where the KVM is, to put a time beside the cost of one exit there;
 * the instruction counts are the stable figure).
 */
#include <stdbool.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xrs/xrs.h>

#define GPA	0x100000ull

struct fake {
	uint64_t now, rd;
};

static uint64_t fake_now(void *o)
{
	struct fake *f = o;

	return f->now += 1000;
}

static uint64_t fake_rd(void *o, const struct xrs_vcpu *v)
{
	struct fake *f = o;

	(void)v;
	return f->rd += 10;
}

static const struct xrs_clock_ops clock_ops = { .now_ns = fake_now };
static const struct xrs_steal_ops steal_ops = { .run_delay_ns = fake_rd };

static void die(const char *what, int r)
{
	fprintf(stderr, "hotpath: %s: %s\n", what, xrs_strerror(r));
	exit(1);
}

static void attr(struct xrs_vcpu *v, uint16_t type, uint64_t x)
{
	struct kvm_xen_vcpu_attr a = { .type = type };
	int r;

	a.u.runstate.state = x;		/* also u.gpa */
	r = xrs_vcpu_set_attr(v, &a);
	if (r)
		die("set attr", r);
}

/* Heap bytes libxrs holds per vCPU with a registered area (mallinfo2). */
static int memory_per_vcpu(struct xrs_vm *vm, long n)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	size_t before = mallinfo2().uordblks, after;
	struct xrs_vcpu *v;
	long i;
	int r;

	for (i = 1; i <= n; i++) {
		r = xrs_vcpu_create(vm, (uint32_t)i, -1, &v);
		if (r)
			die("vcpu", r);
		a.u.gpa = GPA + (uint64_t)(i % 64) * 64;
		r = xrs_vcpu_set_attr(v, &a);
		if (r)
			die("addr", r);
	}
	after = mallinfo2().uordblks;
	printf("bytes_per_vcpu %.0f\n", (double)(after - before) / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	static struct fake f = { .now = 1000000000ull };
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	static char mode[64];
	bool published;
	long i, n = argc > 2 ? atol(argv[2]) : 0;
	bool defaults;
	struct kvm_xen_hvm_attr h = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	struct kvm_xen_vcpu_attr get = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
	uint64_t gpa = GPA + 0x40;
	struct xrs_vcpu *v;
	struct xrs_vm *vm;
	bool timed = argc > 3 && !strcmp(argv[3], "--time");
	struct timespec t0, t1;
	uint8_t *lo, *hi;
	int r;

	if (n <= 0 || strlen(argv[1]) >= sizeof(mode)) {
		fprintf(stderr, "usage: hotpath MODE[-published] N [--time]\n");
		return 2;
	}
	strcpy(mode, argv[1]);
	/* MODE-schedstat: the default steal source without the BPF map (bench/instr). */
	if (strlen(mode) > 10 && !strcmp(mode + strlen(mode) - 10, "-schedstat")) {
		mode[strlen(mode) - 10] = '\0';
		setenv("XRS_PREEMPT_SOURCE", "none", 1);
	}
	published = strlen(mode) > 10 && !strcmp(mode + strlen(mode) - 10, "-published");
	if (published)
		mode[strlen(mode) - 10] = '\0';
	defaults = !strcmp(mode, "enter-skip") || !strcmp(mode, "enter-sample");
	if (!defaults) {
		p.clock = &clock_ops;
		p.clock_opaque = &f;
		p.steal = &steal_ops;
		p.steal_opaque = &f;
	}
	r = xrs_vm_create(&p, &vm);
	if (r)
		die("vm", r);
	lo = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hi = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (xrs_vm_map_memory(vm, GPA, 4096, lo) || xrs_vm_map_memory(vm, GPA + 4096, 4096, hi))
		die("map", -1);
	if (published && (r = xrs_vm_publish(vm, "hotpath")))
		die("publish", r);
	if (!strcmp(mode, "memory"))
		return memory_per_vcpu(vm, n);
	r = xrs_vcpu_create(vm, 0, -1, &v);
	if (r)
		die("vcpu", r);
	r = xrs_vcpu_bind_thread(v);
	if (r)
		die("bind", r);

	h.u.long_mode = strcmp(mode, "enter-compat") != 0;
	xrs_vm_set_attr(vm, &h);
	h.type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG;
	XRS_HVM_ATTR_UPDATE_FLAG(&h) = 1;
	xrs_vm_set_attr(vm, &h);
	if (!strcmp(mode, "enter-split"))
		gpa = GPA + 4096 - 20;
	attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, gpa);
	if (!strcmp(mode, "enter-sample"))
		xrs_vm_set_steal_interval(vm, 0);
	xrs_vcpu_enter(v);	/* the first, fresh-vCPU update is not the hot path */
	xrs_vcpu_exit(v);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (!strncmp(mode, "enter", 5)) {
			xrs_vcpu_enter(v);
			xrs_vcpu_exit(v);
		} else if (!strcmp(mode, "attr-current")) {
			attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT, (uint64_t)(i & 1));
		} else if (!strcmp(mode, "attr-data")) {
			xrs_vcpu_get_attr(v, &get);
		} else if (!strcmp(mode, "attr-adjust")) {
			attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST, (uint64_t)-1);
		} else if (!strcmp(mode, "attr-addr")) {
			attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, gpa);
		} else {
			fprintf(stderr, "hotpath: unknown mode %s\n", mode);
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (timed) {
		struct xrs_vcpu_stats st;

		if (xrs_vcpu_get_stats(v, &st))
			die("stats", -1);
		printf("%s ns_per_call %.1f sample_ns %.1f\n", mode,
		       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
		       (double)n, st.steal_samples ?
		       (double)st.steal_sample_ns / (double)st.steal_samples : 0.0);
	}
	xrs_vm_destroy(vm);
	return 0;
}
