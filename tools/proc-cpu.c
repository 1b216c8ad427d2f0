// SPDX-License-Identifier: MIT
/* The VMM's own CPU time, for the JSON's vmm_cpu (and make bench's scale figure). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/proc-cpu.h"

/* utime, stime and guest_time of this process, from /proc/self/stat. */
int proc_cpu_read(struct proc_cpu *c)
{
	unsigned long long f[44] = { 0 };
	double hz = (double)sysconf(_SC_CLK_TCK);
	char buf[1024], *p;
	FILE *fp = fopen("/proc/self/stat", "r");
	size_t n;
	int i;

	if (!fp)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = 0;
	p = strrchr(buf, ')');		/* the command name may hold anything */
	if (!p)
		return -EINVAL;
	p = strchr(p + 2, ' ');		/* past the state letter, field 3 */
	if (!p)
		return -EINVAL;
	p++;
	for (i = 4; i <= 43 && *p; i++) {
		f[i] = strtoull(p, &p, 10);
		if (*p == ' ')
			p++;
	}
	if (i <= 43)
		return -EINVAL;
	c->user = (double)f[14] / hz;
	c->sys = (double)f[15] / hz;
	c->guest = (double)f[43] / hz;
	return 0;
}

