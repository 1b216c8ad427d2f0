/* SPDX-License-Identifier: MIT */
/*
 * xrs top's state (tools/top.c draws it; tools/top-sample.c fills it at
 * each tick from the published files it keeps open).
 */
#ifndef XRS_TOOLS_TOP_H
#define XRS_TOOLS_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <xrs/stats.h>
#include "tools/statsfile.h"

#define MAX_VMS		64
#define MAX_ROWS	4096
enum sort_key { SORT_NAME, SORT_RUNNING, SORT_RUNNABLE, SORT_BLOCKED, SORT_OFFLINE, SORT_READY };

struct row {
	char vm[XRS_STATS_NAME_MAX];
	dev_t dev;				/* the VM's file: a VM replaced under */
	ino_t ino;				/* the same name is another's history */
	uint32_t slot, vcpu_id, state;
	uint64_t t[XRS_RUNSTATE_COUNT];		/* extrapolated to the sample's instant */
	uint64_t updates;
	double pct[XRS_RUNSTATE_COUNT];
	double updates_per_s;
	double age_ms;				/* < 0: unknown */
	bool stale, torn;
	/* the ready histogram as read (for the next interval), and the span's p99 */
	uint64_t ready_count, ready_max_ns, ready_buckets[XRS_STATS_READY_BUCKETS];
	uint64_t ready_p99_ns;
	bool ready_source, ready_shown;
};

struct vm_line {
	char name[XRS_STATS_NAME_MAX];
	int pid;
	unsigned int vcpus;
	double pct[XRS_RUNSTATE_COUNT];
	bool stale;
	/* the span's episodes of all its vCPUs, and their p99 */
	uint64_t ready_count, ready_max_ns, ready_buckets[XRS_STATS_READY_BUCKETS];
	uint64_t ready_p99_ns;
	bool ready_shown;
};

/* A published VM's file, open from the tick that found it to the one that lost it. */
struct watched {
	struct stats_file f;
	bool seen;			/* named in this tick's listing */
};

struct top {
	const char *only;		/* NULL: every published VM */
	double delay;
	long iterations;		/* 0: until q */
	bool batch;
	enum sort_key sort;
	struct row rows[MAX_ROWS], prev[MAX_ROWS];
	unsigned int nrows, nprev;
	struct vm_line vms[MAX_VMS];
	unsigned int nvms;
	struct watched files[MAX_VMS];
	unsigned int nfiles;
	uint64_t wall, prev_wall;
	char error[STATS_ERR_MAX];
};

/* One tick: every published VM (or t->only) read, rows and VM lines made, sorted by t->sort. */
void top_sample(struct top *t);
/*
 * VM @name's file, opened if not yet watched or if the name now names
 * another file; NULL (and why in t->error) if it cannot be read.
 */
struct stats_file *top_watch(struct top *t, const char *name);
/* The files kept open, closed. */
void top_unwatch_all(struct top *t);

#endif
