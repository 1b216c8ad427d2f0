/* SPDX-License-Identifier: MIT */
/* xrs run's options: what a run is asked to be, checked before any KVM. */
#ifndef XRS_TOOLS_RUN_OPTS_H
#define XRS_TOOLS_RUN_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/config.h"
#include "vmm/pc/linux-image.h"

struct run_opts {
	struct vmm_config cfg;
	double seconds, interval;
	double started;			/* CLOCK_MONOTONIC s at the start */
	double save_at;			/* 0: never */
	bool restore_ahead;		/* the new VM's clock ran ahead before the restore */
	bool json;
	const char *name;
	uint64_t mem_mib;
	bool publish;
	double linger;		/* seconds the published VM stays after the final sample */
	const char *kernel, *initrd, *cmdline;	/* --kernel: a Linux guest instead */
	struct linux_image image;		/* checked before any KVM */
	bool seconds_given, refresh_given;
};

/*
 * Parse and check xrs run's options into *@o (its defaults set): 0, or
 * the exit status 2 with the reason on stderr. --help exits.
 */
int run_parse(int argc, char **argv, struct run_opts *o);

#endif
