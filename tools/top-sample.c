// SPDX-License-Identifier: MIT
/*
 * xrs top's tick (tools/top.h): each stats file is opened once and kept
 * open from tick to tick; a tick only lists the directory and looks at each
 * name: a new name is opened, a name gone is closed, and a name that now
 * names another file (a new VM of the same name: another dev and inode) is
 * opened again. Shares and the ready p99 are of the span since the last
 * tick (tools/top.c's header says how).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/share.h"
#include "tools/stats-list.h"
#include "tools/stats-ready.h"
#include "tools/statsfile.h"
#include "tools/top.h"
#include "util/hosttime.h"

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
struct stats_file *top_watch(struct top *t, const char *name)
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

void top_unwatch_all(struct top *t)
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
	f = top_watch(t, name);
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

void top_sample(struct top *t)
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

