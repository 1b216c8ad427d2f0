// SPDX-License-Identifier: MIT
/*
 * xrs top: published VMs live, like xentop: per VM and per vCPU, the share
 * of the last interval each vCPU spent running, runnable (steal), blocked
 * and offline. Interactive with curses (keys sort, q quits), or -b for
 * plain tables.
 *
 * Shares come from the runstate times extrapolated to the same guest
 * instant at both ends of the interval, so a vCPU blocked for the whole
 * interval shows 100 % blocked although nothing updated its record.
 *
 * READY99ms is the p99 CPU-ready wait of the same span: the histogram only
 * ever grows, so the interval's episodes are the difference of its two
 * reads, and a wait that ended long ago does not hide today's. It is "-"
 * without a preemption source (the histogram is then all zero: no figure,
 * not a good one) and where no episode ended in the span.
 *
 * The ticks themselves, and the files kept open between them:
 * tools/top-sample.c.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tools/commands.h"
#include "tools/options.h"
#include "tools/share.h"
#include "tools/stats-list.h"
#include "tools/stats-ready.h"
#include "tools/statsfile.h"
#include "tools/top.h"
#include "util/hosttime.h"

#define LINE_MAX_LEN	160

/* -s's words, and the header's "sorted by" */
static const char *const sort_names[] = {
	"name", "running", "runnable", "blocked", "offline", "ready",
};

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: xrs top [NAME] [-b] [-d SECONDS] [-n ITERATIONS] [-s KEY]\n\n"
		"Published VMs live (all, or NAME): per VM and vCPU, the %% of the last\n"
		"interval spent running, runnable (steal), blocked and offline, and\n"
		"READY99ms: the p99 of the CPU-ready waits that ended in it (episodes in\n"
		"which the vCPU was preempted inside KVM_RUN), in ms, as the upper bound\n"
		"of its log2 bucket; \"-\" without a preemption source or an episode.\n"
		"The first table covers the time since each VM started.\n\n"
		"  -b             batch mode: plain tables on stdout, for scripts\n"
		"  -d SECONDS     interval (1)\n"
		"  -n ITERATIONS  stop after this many tables (interactive: until q)\n"
		"  -s KEY         sort by name, running, runnable, blocked, offline or ready\n"
		"                 (name)\n\n"
		"Keys: n r w b o y sort by name, running, waiting (runnable), blocked,\n"
		"offline, ready; q quits.\n");
	return status;
}

/* A ready wait in ms, in a column 9 wide: "-" if there is none to show. */
static void ready_ms(char *buf, size_t len, bool shown, uint64_t ns)
{
	double ms = (double)ns / 1e6;

	if (!shown)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, ms < 1e5 ? "%.3f" : "%.0f", ms);
}

/* The table as lines, for either output. */
static void render(const struct top *t, void (*line)(void *ctx, const char *s), void *ctx)
{
	char buf[LINE_MAX_LEN], when[32];
	time_t now = time(NULL);
	unsigned int i, nvcpus = 0;

	for (i = 0; i < t->nvms; i++)
		nvcpus += t->vms[i].vcpus;
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	snprintf(buf, sizeof(buf), "xrs top - %s  %u VMs, %u vCPUs, %s, sorted by %s", when,
		 t->nvms, nvcpus, t->nprev ? "shares of the last interval" : "shares since start",
		 sort_names[t->sort]);
	line(ctx, buf);
	snprintf(buf, sizeof(buf), "%-20s %8s %5s %7s %7s %7s %7s %9s",
		 "VM", "PID", "VCPUS", "RUN%", "STEAL%", "BLOCK%", "OFF%", "READY99ms");
	line(ctx, buf);
	for (i = 0; i < t->nvms; i++) {
		const struct vm_line *v = &t->vms[i];
		char ready[24];

		ready_ms(ready, sizeof(ready), v->ready_shown, v->ready_p99_ns);
		snprintf(buf, sizeof(buf), "%-20s %8d %5u %7.1f %7.1f %7.1f %7.1f %9s%s", v->name,
			 v->pid, v->vcpus, v->pct[0], v->pct[1], v->pct[2], v->pct[3], ready,
			 v->stale ? "  stale" : "");
		line(ctx, buf);
	}
	line(ctx, "");
	snprintf(buf, sizeof(buf), "%-20s %5s %-9s %7s %7s %7s %7s %9s %9s %9s", "VM", "VCPU",
		 "STATE", "RUN%", "STEAL%", "BLOCK%", "OFF%", "UPD/s", "AGE(ms)", "READY99ms");
	line(ctx, buf);
	for (i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];
		char age[16], ready[24];

		if (r->age_ms < 0)
			snprintf(age, sizeof(age), "-");
		else
			snprintf(age, sizeof(age), "%.1f", r->age_ms);
		ready_ms(ready, sizeof(ready), r->ready_shown, r->ready_p99_ns);
		snprintf(buf, sizeof(buf), "%-20s %5u %-9s %7.1f %7.1f %7.1f %7.1f %9.0f %9s %9s%s",
			 r->vm, r->vcpu_id, stats_state_name(r->state), r->pct[0], r->pct[1],
			 r->pct[2], r->pct[3], r->updates_per_s, age, ready,
			 r->torn ? " torn" : "");
		line(ctx, buf);
	}
	if (t->error[0]) {
		snprintf(buf, sizeof(buf), "error: %.150s", t->error);
		line(ctx, buf);
	}
}

static void print_line(void *ctx, const char *s)
{
	fprintf(ctx, "%s\n", s);
}

struct screen {
	int y;
};

static void screen_line(void *ctx, const char *s)
{
	struct screen *sc = ctx;

	if (sc->y < LINES - 1)
		mvaddnstr(sc->y, 0, s, COLS);
	sc->y++;
}

static int run_batch(struct top *t)
{
	long i;

	for (i = 0; !t->iterations || i < t->iterations; i++) {
		if (i)
			usleep((useconds_t)(t->delay * 1e6));
		top_sample(t);
		if (i)
			printf("\n");
		render(t, print_line, stdout);
		fflush(stdout);
	}
	return 0;
}

static int run_interactive(struct top *t)
{
	struct screen sc;
	long i;
	int ch;

	if (!initscr()) {
		fprintf(stderr, "xrs top: cannot set up the terminal (TERM?); try -b\n");
		return 1;
	}
	cbreak();
	noecho();
	curs_set(0);
	for (i = 0; !t->iterations || i < t->iterations; i++) {
		top_sample(t);
		erase();
		sc.y = 0;
		render(t, screen_line, &sc);
		mvaddstr(LINES - 1, 0,
			 "q quit  n/r/w/b/o/y sort by name/running/runnable/blocked/offline/ready");
		refresh();
		timeout((int)(t->delay * 1000));
		ch = getch();
		if (ch == 'q' || ch == 'Q')
			break;
		switch (ch) {
		case 'n': t->sort = SORT_NAME; break;
		case 'r': t->sort = SORT_RUNNING; break;
		case 'w': t->sort = SORT_RUNNABLE; break;
		case 'b': t->sort = SORT_BLOCKED; break;
		case 'o': t->sort = SORT_OFFLINE; break;
		case 'y': t->sort = SORT_READY; break;
		default: break;
		}
	}
	endwin();
	return 0;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	static struct top t;
	struct opts o;
	uint64_t n;
	int c, k;

	memset(&t, 0, sizeof(t));
	t.delay = 1;
	opts_init(&o, "top", argc, argv, "bd:n:s:", opts);
	while ((c = opts_next(&o)) != -1) {
		switch (c) {
		case 'b':
			t.batch = true;
			break;
		case 'd':
			if (opts_seconds(&o, 0.05, 3600, &t.delay))
				return OPTS_STATUS;
			break;
		case 'n':
			if (opts_count(&o, 1, 1000000000, &n))
				return OPTS_STATUS;
			t.iterations = (long)n;
			break;
		case 's':
			k = opts_choice(&o, sort_names, sizeof(sort_names) / sizeof(sort_names[0]));
			if (k < 0)
				return OPTS_STATUS;
			t.sort = (enum sort_key)k;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return OPTS_STATUS;
		}
	}
	if (opts_operands(&o, 0, 1, "NAME") || opts_run_dir("top"))
		return OPTS_STATUS;
	t.only = optind < argc ? argv[optind] : NULL;
	/* one VM: it must be there at the start (and stays open from here) */
	if (t.only && !top_watch(&t, t.only))
		return fprintf(stderr, "xrs top: %s\n", t.error), 1;
	c = t.batch ? run_batch(&t) : run_interactive(&t);
	top_unwatch_all(&t);
	return c;
}
