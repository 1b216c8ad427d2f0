// SPDX-License-Identifier: MIT
/* xrs list: the published VMs, like `xl list`; --prune removes stale files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "tools/commands.h"
#include "tools/options.h"
#include "tools/print.h"
#include "tools/stats-list.h"
#include "tools/statsfile.h"

#define MAX_VMS	1024

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: xrs list [--prune]\n\n"
		"The VMs published in %s ($XRS_RUN_DIR): name, VMM pid, vCPUs, backend,\n"
		"uptime, and whether their VMM still runs.\n\n"
		"  --prune   remove the files of VMs whose VMM is gone\n", stats_dir());
	return status;
}

int cmd_list(int argc, char **argv)
{
	static char names[MAX_VMS][XRS_STATS_NAME_MAX];
	static const struct option opts[] = {
		{ "prune", no_argument, 0, 'p' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	char err[STATS_ERR_MAX];
	bool prune = false;
	struct opts o;
	int c, n, i, status = 0;

	opts_init(&o, "list", argc, argv, "", opts);
	while ((c = opts_next(&o)) != -1) {
		if (c == OPTS_BAD)
			return OPTS_STATUS;
		if (c == 'p')
			prune = true;
		else if (c == 'h')
			return usage(stdout, 0);
	}
	if (opts_operands(&o, 0, 0, NULL))
		return OPTS_STATUS;

	if (opts_run_dir("list"))
		return OPTS_STATUS;
	n = stats_list(names, MAX_VMS);
	if (n < 0) {
		fprintf(stderr, "xrs list: %s: %s\n", stats_dir(), strerror(-n));
		return 1;
	}
	printf("%-24s %8s %5s %-7s %10s  %s\n", "NAME", "PID", "VCPUS", "BACKEND", "UPTIME(s)",
	       "STATUS");
	for (i = 0; i < n; i++) {
		struct stats_file f;

		if (stats_open(names[i], &f, err, sizeof(err))) {
			printf("%-24s %8s %5s %-7s %10s  unreadable: %s\n", names[i], "-", "-", "-",
			       "-", err);
			status = 1;
			continue;
		}
		printf("%-24s %8d %5u %-7s %10.1f  %s%s\n", names[i], f.h.pid,
		       f.live.nr_vcpus,
		       backend_name((enum xrs_backend)f.h.backend), stats_uptime(&f),
		       f.stale ? "stale: " : "live", f.stale ? f.stale_why : "");
		/* by its lock, and only the very file found stale */
		if (prune && f.stale) {
			int r = stats_prune(&f, err, sizeof(err));

			if (r < 0) {
				fprintf(stderr, "xrs list: %s\n", err);
				status = 1;
			} else if (r == 0) {
				printf("kept %s: %s\n", names[i], err);
			} else {
				printf("pruned %s\n", names[i]);
			}
		}
		stats_close(&f);
	}
	return status;
}
