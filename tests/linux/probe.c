// SPDX-License-Identifier: MIT
/*
 * The guest's steal and the VMM's at one instant (tests/linux/run): on each
 * CPU in turn, read that CPU's steal from /proc/stat and at once write a
 * mark to the VMM's probe port from that CPU, then read it again; the VMM
 * prints the vCPU's runstate area and run delay in that very exit
 * (vmm/pc/pc.h, PC_PROBE_PORT).
 *
 * Linux reads its area only at its ticks, and the area moves in steps (at
 * the vCPU's entries, or KVM's preemptions): a step after the last tick is
 * in the area, not yet in /proc/stat. So first a write of mark 0 (an exit
 * and an entry: the area is fresh), then the CPU spins for three ticks,
 * which fold the area into /proc/stat; what can still differ is what the
 * area gained since the last tick, at most a tick's worth. Prints, per CPU:
 *   linux-guest: probe mark M cpu N steal_ticks BEFORE AFTER idle_ticks BEFORE
 *     upcalls U
 * (idle: that CPU's, read in the same moment as steal; on a CPU that is not
 * idle, Linux's NOHZ idle time is exact up to its USER_HZ rounding. U: the
 * Xen upcalls that CPU took so far, /proc/interrupts' HYP row: each one that
 * ends an idle HLT is a way out of HLT and back in, which the guest counts
 * idle and the host, as Xen, books running.)
 * Built static, into the test's initramfs; run as root (ioperm).
 *
 * usage: probe MARK
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>
#include <unistd.h>

#define PROBE_PORT	0x504
#define SETTLE_MS	12		/* three ticks at HZ 250 */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void spin_ms(long long ms)
{
	long long end = now_ns() + ms * 1000000;

	while (now_ns() < end)
		;
}

/* CPU @cpu's field @k (3 idle, 7 steal) of /proc/stat, in USER_HZ ticks, or -1. */
static long long stat_ticks(int cpu, int k)
{
	char want[32], line[512];
	long long v[8];
	FILE *f = fopen("/proc/stat", "r");
	long long r = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)) &&
		    sscanf(line + strlen(want), "%lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
			r = v[k];
			break;
		}
	fclose(f);
	return r;
}

/* CPU @cpu's Xen upcalls so far (/proc/interrupts, "HYP:"), or -1. */
static long long upcalls(int cpu)
{
	char line[4096], *p, *end;
	FILE *f = fopen("/proc/interrupts", "r");
	long long r = -1;
	int i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "HYP:", 4))
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++) {
			r = strtoll(p, &end, 10);
			if (end == p) {
				r = -1;
				break;
			}
			p = end;
		}
		break;
	}
	fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	unsigned int mark = argc > 1 ? (unsigned int)atoi(argv[1]) : 0;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int cpu;

	if (ioperm(PROBE_PORT, 4, 1)) {
		perror("linux-guest: probe: ioperm");
		return 1;
	}
	for (cpu = 0; cpu < n; cpu++) {
		cpu_set_t set;
		long long before, after, idle, up;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("linux-guest: probe: sched_setaffinity");
			return 1;
		}
		sched_yield();		/* on that CPU from here on */
		outl(0, PROBE_PORT);	/* mark 0: an exit, a fresh area; the VMM prints nothing */
		spin_ms(SETTLE_MS);
		idle = stat_ticks(cpu, 3);
		up = upcalls(cpu);
		before = stat_ticks(cpu, 7);
		outl(mark << 16 | (unsigned int)cpu, PROBE_PORT);
		after = stat_ticks(cpu, 7);
		printf("linux-guest: probe mark %u cpu %d steal_ticks %lld %lld idle_ticks %lld upcalls %lld\n",
		       mark, cpu, before, after, idle, up);
		fflush(stdout);
	}
	return 0;
}
