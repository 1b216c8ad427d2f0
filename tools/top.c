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
 * Each stats file is opened once and kept open from tick to tick; a tick
 * only lists the directory and looks at each name: a new name is opened, a
 * name gone is closed, and a name that now names another file (a new VM
 * of the same name: another dev and inode) is opened again.
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
#include "util/hosttime.h"

#define MAX_VMS		64
#define MAX_ROWS	4096
#define LINE_MAX_LEN	160

enum sort_key { SORT_NAME, SORT_RUNNING, SORT_RUNNABLE, SORT_BLOCKED, SORT_OFFLINE, SORT_READY };
/* -s's words, and the header's "sorted by" */
static const char *const sort_names[] = {
	"name", "running", "runnable", "blocked", "offline", "ready",
};

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

static const struct row *find_prev(const struct top *t, const struct row *r)
{
	unsigned int i;

	for (i = 0; i < t->nprev; i++)
		if (t->prev[i].slot == r->slot && t->prev[i].vcpu_id == r->vcpu_id &&
		    t->prev[i].dev == r->dev && t->prev[i].ino == r->ino &&
		    !strcmp(t->prev[i].vm, r->vm))
			return &t->prev[i];
	return NULL;
}

/*
 * The ready episodes of the interval since @p (or since the start without
 * one, or if the histogram went back: a slot another vCPU's now) into
 * @d, and their number; r's p99 of them.
 */
static uint64_t ready_span(struct row *r, const struct row *p,
			   uint64_t d[XRS_STATS_READY_BUCKETS])
{
	uint64_t count = r->ready_count;
	bool back = p && p->ready_count > r->ready_count;
	int b;

	for (b = 0; b < XRS_STATS_READY_BUCKETS; b++)
		back = back || (p && p->ready_buckets[b] > r->ready_buckets[b]);
	if (p && !back)
		count -= p->ready_count;
	for (b = 0; b < XRS_STATS_READY_BUCKETS; b++)
		d[b] = r->ready_buckets[b] - (p && !back ? p->ready_buckets[b] : 0);
	r->ready_shown = r->ready_source && count;
	r->ready_p99_ns = stats_ready_buckets_quantile_ns(d, count, r->ready_max_ns, 0.99);
	return r->ready_shown ? count : 0;
}

/* Shares of the interval since @p (or since the start without one). */
static void shares(struct row *r, const struct row *p, double dt_s)
{
	uint64_t d[XRS_RUNSTATE_COUNT];
	int i;

	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		d[i] = p && r->t[i] >= p->t[i] ? r->t[i] - p->t[i] : p ? 0 : r->t[i];
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		r->pct[i] = runstate_share_pct(d, i);
	r->updates_per_s = p && dt_s > 0 && r->updates >= p->updates ?
			   (double)(r->updates - p->updates) / dt_s : 0.0;
}

static void unwatch(struct top *t, unsigned int i)
{
	stats_close(&t->files[i].f);
	t->files[i] = t->files[--t->nfiles];
}

/*
 * The open file of the VM named @name, opened now if it is new to us or
 * its name now names another file; NULL (and why in t->error) if it
 * cannot be read.
 */
static struct stats_file *watch(struct top *t, const char *name)
{
	char err[STATS_ERR_MAX];
	struct watched *w = NULL;
	unsigned int i;
	int r;

	for (i = 0; i < t->nfiles; i++)
		if (!strcmp(t->files[i].f.name, name))
			w = &t->files[i];
	if (w) {
		r = stats_still_named(&w->f);
		if (r == 1 && !stats_refresh(&w->f)) {
			w->seen = true;
			return &w->f;
		}
		/* gone, replaced, or shrunk under us: whatever the name holds now */
		unwatch(t, (unsigned int)(w - t->files));
	}
	if (t->nfiles >= MAX_VMS)
		return NULL;
	w = &t->files[t->nfiles];
	if (stats_open(name, &w->f, err, sizeof(err))) {
		snprintf(t->error, sizeof(t->error), "%s", err);
		return NULL;
	}
	t->nfiles++;
	w->seen = true;
	return &w->f;
}

/* Close the files of the VMs this tick's listing no longer names. */
static void unwatch_unseen(struct top *t)
{
	unsigned int i = 0;

	while (i < t->nfiles) {
		if (t->files[i].seen)
			t->files[i++].seen = false;
		else
			unwatch(t, i);
	}
}

static void unwatch_all(struct top *t)
{
	while (t->nfiles)
		unwatch(t, 0);
}

static void sample_vm(struct top *t, const char *name)
{
	static struct stats_vcpu v[XRS_STATS_MAX_VCPUS];
	uint64_t d[XRS_STATS_READY_BUCKETS], span;
	const struct row *p;
	struct stats_file *f;
	struct vm_line *vl;
	uint64_t now = 0;
	bool have_now;
	char err[STATS_ERR_MAX];
	int n, i, k, b;

	if (t->nvms >= MAX_VMS)
		return;
	f = watch(t, name);
	if (!f)
		return;
	n = stats_read_vcpus(f, v, XRS_STATS_MAX_VCPUS, err, sizeof(err));
	have_now = stats_guest_now(f, &now);
	if (n < 0) {
		snprintf(t->error, sizeof(t->error), "%s", err);
		return;
	}
	vl = &t->vms[t->nvms++];
	memset(vl, 0, sizeof(*vl));
	snprintf(vl->name, sizeof(vl->name), "%s", f->name);
	vl->pid = f->h.pid;
	vl->stale = f->stale;
	for (i = 0; i < n && t->nrows < MAX_ROWS; i++) {
		struct row *r = &t->rows[t->nrows++];

		memset(r, 0, sizeof(*r));
		snprintf(r->vm, sizeof(r->vm), "%s", f->name);
		r->dev = f->dev;
		r->ino = f->ino;
		r->slot = v[i].slot;
		r->vcpu_id = v[i].vcpu_id;
		r->state = v[i].state;
		r->updates = v[i].updates;
		r->stale = f->stale;
		r->torn = v[i].torn;
		stats_vcpu_times_at(&v[i], have_now, now, r->t);
		r->age_ms = have_now ? (now > v[i].entry ? (double)(now - v[i].entry) / 1e6 : 0) : -1;
		p = find_prev(t, r);
		r->ready_source = stats_ready_source_loaded(f);
		if (r->ready_source && !v[i].ready_torn) {
			r->ready_count = v[i].ready_count;
			r->ready_max_ns = v[i].ready_max_ns;
			memcpy(r->ready_buckets, v[i].ready_buckets, sizeof(r->ready_buckets));
		} else if (r->ready_source && p) {
			/* a torn read of the histogram: as if it had not changed */
			r->ready_count = p->ready_count;
			r->ready_max_ns = p->ready_max_ns;
			memcpy(r->ready_buckets, p->ready_buckets, sizeof(r->ready_buckets));
		}
		shares(r, p, (double)(t->wall - t->prev_wall) / 1e9);
		span = ready_span(r, p, d);
		if (span) {
			vl->ready_count += span;
			for (b = 0; b < XRS_STATS_READY_BUCKETS; b++)
				vl->ready_buckets[b] += d[b];
			if (r->ready_max_ns > vl->ready_max_ns)
				vl->ready_max_ns = r->ready_max_ns;
		}
		for (k = 0; k < XRS_RUNSTATE_COUNT; k++)
			vl->pct[k] += r->pct[k];
		vl->vcpus++;
	}
	for (k = 0; k < XRS_RUNSTATE_COUNT && vl->vcpus; k++)
		vl->pct[k] /= vl->vcpus;
	vl->ready_shown = vl->ready_count != 0;
	vl->ready_p99_ns = stats_ready_buckets_quantile_ns(vl->ready_buckets, vl->ready_count,
							   vl->ready_max_ns, 0.99);
}

static enum sort_key sort_by;

/* Highest first; a vCPU with no ready wait to show below one of 0. */
static double sort_value(const struct row *r)
{
	if (sort_by == SORT_READY)
		return r->ready_shown ? (double)r->ready_p99_ns : -1;
	return r->pct[sort_by - SORT_RUNNING];
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->vm, y->vm);

	if (sort_by != SORT_NAME) {
		double dx = sort_value(x), dy = sort_value(y);

		if (dx != dy)
			return dx < dy ? 1 : -1;
	}
	if (c)
		return c;
	return x->vcpu_id < y->vcpu_id ? -1 : x->vcpu_id > y->vcpu_id;
}

static void sample(struct top *t)
{
	static char names[MAX_VMS][XRS_STATS_NAME_MAX];
	int n, i;

	memcpy(t->prev, t->rows, t->nrows * sizeof(t->rows[0]));
	t->nprev = t->nrows;
	t->prev_wall = t->wall;
	t->wall = mono_ns();
	t->nrows = 0;
	t->nvms = 0;
	t->error[0] = '\0';
	if (t->only) {
		sample_vm(t, t->only);
	} else {
		n = stats_list(names, MAX_VMS);
		if (n < 0)
			snprintf(t->error, sizeof(t->error), "%s: %s", stats_dir(), strerror(-n));
		for (i = 0; i < n; i++)
			sample_vm(t, names[i]);
	}
	unwatch_unseen(t);
	sort_by = t->sort;
	qsort(t->rows, t->nrows, sizeof(t->rows[0]), cmp_rows);
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
		sample(t);
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
		sample(t);
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
	if (t.only && !watch(&t, t.only))
		return fprintf(stderr, "xrs top: %s\n", t.error), 1;
	c = t.batch ? run_batch(&t) : run_interactive(&t);
	unwatch_all(&t);
	return c;
}
