// SPDX-License-Identifier: MIT
/*
 * How soon a preempted vCPU's area says runnable (issue 23's
 * preempt_store_ns_p99): a bound vCPU thread "in KVM_RUN" stamps the time
 * in a loop on the last CPU beside a hog; a reader on CPU 0 polls its
 * area in an element of the program's map. At each flip to runnable the
 * reader takes now minus the vCPU's last stamp: the switch-out path, the
 * program and the store's way to another CPU, plus at most one stamp
 * period and one poll (tens of ns each). Only flips the reader saw within
 * 1 us of its previous poll count: one it found after being switched out
 * itself (CPU 0 is shared too) says how long it was away, not the store.
 * Prints
 *   preempt_store_ns_p50 A preempt_store_ns_p99 B preempt_store_ns_max C episodes N
 *   reader_away M
 *   switch_ns_p50 S switch_ns_p99 T switches K
 * or, where the program cannot load, preempt_store_ns_p99 null (why).
 * usage: preempt-flip [SECONDS]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/internal.h"
#include "util/hosttime.h"
#include "util/pin.h"

#define MAX_EPISODES	100000
#define AREA_OFS	64

static _Atomic uint64_t stamp;
static atomic_bool stop, ready;
static int cpu;

static void *vcpu_thread(void *arg)
{
	struct xrs_vcpu *v = arg;

	if (pin_to_cpu(cpu) || xrs_vcpu_bind_thread(v))
		exit(1);
	xrs_vcpu_enter(v);
	atomic_store(&ready, true);
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		atomic_store_explicit(&stamp, mono_ns(), memory_order_relaxed);
	xrs_vcpu_exit(v);
	return NULL;
}

/*
 * The hog, which the vCPU is switched out for, measures the whole switch
 * beside it: from the vCPU's last stamp to its own first instant back on
 * the CPU (the flip is stored halfway, at the tracepoint).
 */
static uint64_t sw[MAX_EPISODES];
static uint32_t nsw;

static void *hog(void *arg)
{
	uint64_t now, last = 0, v;

	(void)arg;
	if (pin_to_cpu(cpu))
		exit(1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		now = mono_ns();
		v = atomic_load_explicit(&stamp, memory_order_relaxed);
		/* Back after a gap in which the vCPU ran: a switch from it to us. */
		if (last && now - last > 10000 && v > last && nsw < MAX_EPISODES)
			sw[nsw++] = now - v;
		last = now;
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	static uint64_t lat[MAX_EPISODES];
	char src[XRS_STATS_SOURCE_MAX];
	volatile uint8_t *a;
	struct xrs_vcpu *v;
	struct xrs_vm *vm;
	pthread_t th[2];
	uint32_t idx, n = 0;
	uint64_t t0, now, prev = 0, away = 0;
	uint8_t was = 0;
	void *pages;

	cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (xrs_vm_create(&p, &vm) || xrs_vcpu_create(vm, 0, -1, &v))
		return 1;
	xrs_vm_get_preempt_source(vm, src, sizeof(src));
	if (strcmp(src, "bpf") || preempt_area_alloc(vm->preempt, &idx, &pages)) {
		printf("preempt_store_ns_p99 null (%s)\n", src);
		return 0;
	}
	a = (uint8_t *)pages + AREA_OFS;
	pthread_create(&th[0], NULL, vcpu_thread, v);
	while (!atomic_load(&ready))
		usleep(100);
	preempt_area_point(v->pslot, idx, AREA_OFS, 8, true);
	pthread_create(&th[1], NULL, hog, NULL);
	if (pin_to_cpu(0))
		return 1;
	for (t0 = mono_ns(); mono_ns() - t0 < (uint64_t)(seconds * 1e9) && n < MAX_EPISODES;) {
		uint8_t s = a[0];

		now = mono_ns();
		if (s == 1 && !was) {
			if (now - prev < 1000)
				lat[n++] = now - atomic_load_explicit(&stamp, memory_order_relaxed);
			else
				away++;
		}
		was = s == 1;
		prev = now;
	}
	atomic_store(&stop, true);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	preempt_area_point(v->pslot, ~0u, 0, 0, false);
	preempt_area_free(vm->preempt, idx);
	xrs_vm_destroy(vm);
	if (!n) {
		printf("preempt_store_ns_p99 null (no episode)\n");
		return 0;
	}
	qsort(lat, n, sizeof(lat[0]), cmp);
	printf("preempt_store_ns_p50 %llu preempt_store_ns_p99 %llu preempt_store_ns_max %llu "
	       "episodes %u reader_away %llu\n", (unsigned long long)lat[n / 2],
	       (unsigned long long)lat[(uint64_t)n * 99 / 100], (unsigned long long)lat[n - 1], n,
	       (unsigned long long)away);
	if (nsw) {
		qsort(sw, nsw, sizeof(sw[0]), cmp);
		printf("switch_ns_p50 %llu switch_ns_p99 %llu switches %u\n",
		       (unsigned long long)sw[nsw / 2],
		       (unsigned long long)sw[(uint64_t)nsw * 99 / 100], nsw);
	}
	return 0;
}
