// SPDX-License-Identifier: MIT
/*
 * What the preemption source's sched_switch program adds to a host context
 * switch of a thread that is not a vCPU: two threads pinned to one CPU
 * (the last) yield to each other (every yield a switch),
 * in a child process that has the program loaded (a libxrs VM whose source
 * is "bpf") or not (XRS_PREEMPT_SOURCE=none), the two alternated.
 * Prints one line per run and the medians:
 *   sched_switch_ns_with W sched_switch_ns_without WO sched_switch_added_ns D ratio R
 *   prog_ns_per_switch P
 * P is the kernel's own count of the program's run time per run (BPF run
 * time statistics, on while the child holds them): on a noisy or nested
 * host it is the figure to trust, D the end-to-end one.
 * usage: preempt [ROUNDS [HANDOVERS]]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xrs/xrs.h>
#if XRS_WITH_BPF
#include <bpf/bpf.h>
#endif
#include "util/hosttime.h"
#include "util/pin.h"

static long handovers;

static void *pong(void *arg)
{
	long i;

	(void)arg;
	pin_to_cpu(1);
	for (i = 0; i < handovers; i++)
		sched_yield();
	return NULL;
}

/*
 * The program's own run time per run, from the kernel's BPF statistics
 * (on only while this process holds the fd bpf_enable_stats gives): what
 * it adds to every host switch, less the trampoline's call.
 */
static double prog_ns(void)
{
#if XRS_WITH_BPF
	struct bpf_prog_info info;
	uint32_t id = 0, len;
	double best = -1;
	int fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, "preempt_switch") && info.run_cnt)
			best = (double)info.run_time_ns / (double)info.run_cnt;	/* the newest: ours */
		close(fd);
	}
	return best;
#else
	return -1;
#endif
}

/* ns per switch in this process, the program loaded or not as the env says. */
static int child(int out)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	char src[96];
	struct xrs_vm *vm;
	pthread_t th;
	uint64_t t0, t;
	long i;

#if XRS_WITH_BPF
	int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);	/* -1 if refused: no figure */
#endif
	if (xrs_vm_create(&p, &vm) || xrs_vm_get_preempt_source(vm, src, sizeof(src)))
		return 1;
	if (pin_to_cpu(1))
		return 1;
	pthread_create(&th, NULL, pong, NULL);
	t0 = mono_ns();
	for (i = 0; i < handovers; i++)
		sched_yield();
	pthread_join(th, NULL);
	t = mono_ns() - t0;
	/* Each yield hands the CPU to the other: two switches per pair. */
	dprintf(out, "%.1f %.1f %s\n", (double)t / (2.0 * (double)handovers), prog_ns(), src);
#if XRS_WITH_BPF
	if (stats >= 0)
		close(stats);
#endif
	xrs_vm_destroy(vm);
	return 0;
}

static double run(bool with, char *src, size_t len, double *pns)
{
	int fd[2], status;
	char buf[160];
	double ns = -1;
	ssize_t n;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (!pid) {
		close(fd[0]);
		if (!with)
			setenv("XRS_PREEMPT_SOURCE", "none", 1);
		_exit(child(fd[1]));
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		int at = 0;

		if (sscanf(buf, "%lf %lf %n", &ns, pns, &at) == 2 && at)
			snprintf(src, len, "%s", buf + at);
	}
	return ns;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 7, i;
	double w[64], wo[64], r[64], pn[64], dummy, mw, mwo;
	char src[96] = "?", none[96] = "?";

	handovers = argc > 2 ? atol(argv[2]) : 200000;
	if (rounds < 1 || rounds > 64 || handovers < 1)
		return 2;
	for (i = 0; i < rounds; i++) {
		wo[i] = run(false, none, sizeof(none), &dummy);
		w[i] = run(true, src, sizeof(src), &pn[i]);
		if (w[i] < 0 || wo[i] < 0)
			return 1;
		r[i] = w[i] / wo[i];
		printf("round %d: with %.1f ns (%s), without %.1f ns per switch; program %.1f ns "
		       "per run\n", i, w[i], src, wo[i], pn[i]);
	}
	if (strcmp(src, "bpf")) {
		printf("preempt_source %s\n", src);
		return 3;
	}
	qsort(w, (size_t)rounds, sizeof(double), cmp);
	qsort(wo, (size_t)rounds, sizeof(double), cmp);
	qsort(r, (size_t)rounds, sizeof(double), cmp);
	qsort(pn, (size_t)rounds, sizeof(double), cmp);
	mw = w[rounds / 2];
	mwo = wo[rounds / 2];
	printf("sched_switch_ns_with %.1f sched_switch_ns_without %.1f sched_switch_added_ns %.1f "
	       "ratio %.4f prog_ns_per_switch %.1f\n", mw, mwo, mw - mwo, r[rounds / 2],
	       pn[rounds / 2]);
	return 0;
}
