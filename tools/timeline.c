// SPDX-License-Identifier: MIT
/*
 * xrs timeline NAME: watch a published VM for S seconds and draw each
 * vCPU's runstate over that time as an SVG: one lane per vCPU, coloured by
 * state, with a time axis and a legend.
 *
 * The states are exact, not sampled: every transition comes from the
 * vCPU's ring in the stats file, which is read often enough not to lose any
 * (the picture says if some were: a ring can be outrun by a vCPU changing
 * state faster than ring_size per poll). Steal is not a state change: like
 * KVM, libxrs books it at an update as runnable time just before the
 * update. The runnable time each poll finds booked is drawn that way, red
 * inside the running lane, ending at the last update; updates between two
 * polls (2 ms) are merged into one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tools/commands.h"
#include "tools/options.h"
#include "tools/statsfile.h"
#include "util/hosttime.h"

#define POLL_NS		2000000ull	/* 2 ms: a ring holds 512 transitions */
#define MAX_LANES	XRS_STATS_MAX_VCPUS
#define CHUNK		256

static const char *const colours[] = {
	"#2ca02c",	/* running: green */
	"#d62728",	/* runnable (steal): red */
	"#1f77b4",	/* blocked: blue */
	"#9e9e9e",	/* offline: grey */
};
#define UNKNOWN_COLOUR	"#f2f2f2"

struct steal {
	uint64_t end, ns;			/* booked at @end, for the @ns before it */
};

struct lane {
	uint32_t slot, vcpu_id;
	uint64_t from;				/* next ring index to read */
	uint64_t lost;
	struct xrs_stats_transition *t;		/* first: the state at the start */
	size_t n, cap;
	uint64_t runnable;			/* booked runnable time at the last poll */
	struct steal *st;
	size_t nst, capst;
};

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: xrs timeline NAME [--seconds S] -o FILE.svg\n\n"
		"Watch the published VM NAME for S seconds (2) and draw each vCPU's\n"
		"runstate over that time: one lane per vCPU, green running, red runnable\n"
		"(steal), blue blocked, grey offline.\n");
	return status;
}

/* Room for one more of @size bytes in *@p, which holds @n of @*cap. */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;

	if (n < *cap)
		return 0;
	q = realloc(*p, (*cap ? *cap * 2 : CHUNK) * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = *cap ? *cap * 2 : CHUNK;
	return 0;
}

static int push(struct lane *l, uint64_t time, uint32_t state)
{
	if (l->n && l->t[l->n - 1].state == state)
		return 0;			/* the same state again: nothing to draw */
	if (grow((void **)&l->t, &l->cap, l->n, sizeof(*l->t)))
		return -ENOMEM;
	l->t[l->n++] = (struct xrs_stats_transition){ .time = time, .state = state };
	return 0;
}

static int push_steal(struct lane *l, uint64_t end, uint64_t ns)
{
	if (grow((void **)&l->st, &l->capst, l->nst, sizeof(*l->st)))
		return -ENOMEM;
	l->st[l->nst++] = (struct steal){ .end = end, .ns = ns };
	return 0;
}

/* Runnable time booked since the last poll, as KVM books steal. */
static int poll_steal(struct stats_file *f, struct lane *lanes, unsigned int n)
{
	static struct stats_vcpu v[MAX_LANES];
	char err[STATS_ERR_MAX];
	unsigned int i, j;
	int got = stats_read_vcpus(f, v, MAX_LANES, err, sizeof(err));

	if (got < 0)
		return got;
	for (i = 0; i < (unsigned int)got; i++) {
		for (j = 0; j < n && (lanes[j].slot != v[i].slot ||
				      lanes[j].vcpu_id != v[i].vcpu_id); j++)
			;
		if (j == n || v[i].torn)
			continue;
		if (v[i].time[XRS_RUNSTATE_RUNNABLE] > lanes[j].runnable &&
		    push_steal(&lanes[j], v[i].entry,
			       v[i].time[XRS_RUNSTATE_RUNNABLE] - lanes[j].runnable))
			return -ENOMEM;
		lanes[j].runnable = v[i].time[XRS_RUNSTATE_RUNNABLE];
	}
	return 0;
}

static int poll_rings(struct stats_file *f, struct lane *lanes, unsigned int n, uint64_t t0)
{
	static struct xrs_stats_transition buf[XRS_STATS_RING_SIZE];
	unsigned int i;
	int k, got;

	for (i = 0; i < n; i++) {
		got = stats_read_ring(f, lanes[i].slot, &lanes[i].from, buf, XRS_STATS_RING_SIZE,
				      &lanes[i].lost);
		if (got < 0)
			return got;
		/* a change just before t0 (read after the snapshot) starts the lane */
		for (k = 0; k < got; k++)
			if (push(&lanes[i], buf[k].time < t0 ? t0 : buf[k].time, buf[k].state))
				return -ENOMEM;
	}
	return 0;
}

/* A round step for about 8 ticks over @span ns: 1, 2 or 5 times a power of 10. */
static uint64_t tick_step(uint64_t span)
{
	uint64_t step = 1;

	while (step * 50 < span)
		step *= 10;
	return step * 5 < span / 4 ? step * 5 : step * 2 < span / 4 ? step * 2 : step;
}

static void svg(FILE *o, const struct stats_file *f, struct lane *lanes, unsigned int n,
		uint64_t t0, uint64_t t1)
{
	static const char *const names[] = { "running", "runnable (steal)", "blocked", "offline" };
	const double left = 70, width = 900, top = 50;
	double lane_h = n <= 8 ? 28 : n <= 16 ? 18 : n <= 32 ? 11 : 7, gap = n <= 32 ? 3 : 1;
	double height = top + n * (lane_h + gap) + 70, x0, x1;
	uint64_t span = t1 > t0 ? t1 - t0 : 1, step, lost = 0, tk;
	unsigned int i;
	size_t k;

	for (i = 0; i < n; i++)
		lost += lanes[i].lost;
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		left + width + 30, height, left + width + 30, height);
	fprintf(o, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(o, "<text x=\"%.0f\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s: vCPU "
		"runstates over %.3f s</text>\n", left, f->name, (double)span / 1e9);
	fprintf(o, "<text x=\"%.0f\" y=\"40\" fill=\"#555\">pid %d, %u vCPUs; states from the "
		"transition rings of %s, steal where updates booked it%s</text>\n", left, f->h.pid,
		n, f->path, lost ? " (some transitions were lost)" : "");
	for (i = 0; i < n; i++) {
		double y = top + i * (lane_h + gap);
		const struct lane *l = &lanes[i];

		fprintf(o, "<g class=\"lane\" data-vcpu=\"%u\">\n", l->vcpu_id);
		fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" "
			"dominant-baseline=\"middle\" font-size=\"%.0f\">vCPU %u</text>\n",
			left - 6, y + lane_h / 2, lane_h < 12 ? lane_h : 12, l->vcpu_id);
		fprintf(o, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"%s\"/>\n",
			left, y, width, lane_h, UNKNOWN_COLOUR);
		for (k = 0; k < l->n; k++) {
			uint64_t a = l->t[k].time < t0 ? t0 : l->t[k].time;
			uint64_t b = k + 1 < l->n ? l->t[k + 1].time : t1;

			if (b <= a || l->t[k].state >= XRS_RUNSTATE_COUNT)
				continue;
			x0 = left + width * (double)(a - t0) / (double)span;
			x1 = left + width * (double)(b - t0) / (double)span;
			fprintf(o, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
				"fill=\"%s\"/>\n", x0, y, x1 - x0 < 0.3 ? 0.3 : x1 - x0, lane_h,
				colours[l->t[k].state]);
		}
		for (k = 0; k < l->nst; k++) {
			uint64_t b = l->st[k].end > t1 ? t1 : l->st[k].end;
			uint64_t a = l->st[k].end - l->st[k].ns;

			if (a < t0)
				a = t0;
			if (b <= a)
				continue;
			x0 = left + width * (double)(a - t0) / (double)span;
			x1 = left + width * (double)(b - t0) / (double)span;
			fprintf(o, "<rect class=\"steal\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
				"height=\"%.1f\" fill=\"%s\"/>\n", x0, y, x1 - x0 < 0.3 ? 0.3 : x1 - x0,
				lane_h, colours[XRS_RUNSTATE_RUNNABLE]);
		}
		fprintf(o, "</g>\n");
	}
	/* the time axis */
	{
		double y = floor(top + n * (lane_h + gap) + 4) + 0.5;	/* a crisp 1 px line */

		fprintf(o, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"black\"/>\n",
			left, y, left + width, y);
		step = tick_step(span);
		for (tk = 0; tk <= span; tk += step) {
			double x = left + width * (double)tk / (double)span;

			fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"black\"/>\n", x, y, x, y + 5);
			if (step >= 1000000000ull)
				fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f s</text>\n",
					x, y + 18, (double)tk / 1e9);
			else
				fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f ms</text>\n",
					x, y + 18, (double)tk / 1e6);
		}
		/* the legend */
		for (i = 0; i < XRS_RUNSTATE_COUNT; i++) {
			double lx = left + i * 170;

			fprintf(o, "<rect x=\"%.0f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>"
				"<text x=\"%.0f\" y=\"%.1f\">%s</text>\n", lx, y + 30, colours[i],
				lx + 20, y + 42, names[i]);
		}
	}
	fprintf(o, "</svg>\n");
}

static int compare_lanes(const void *a, const void *b)
{
	const struct lane *x = a, *y = b;

	return x->vcpu_id < y->vcpu_id ? -1 : x->vcpu_id > y->vcpu_id;
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, 0, 's' }, { "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	static struct stats_vcpu v[MAX_LANES];
	static struct lane lanes[MAX_LANES];
	struct stats_file f;
	char err[STATS_ERR_MAX];
	const char *out = NULL;
	double seconds = 2;
	uint64_t t0, t1, end_wall, lost = 0;
	unsigned int n, i;
	bool have_now;
	struct opts op;
	FILE *o;
	int c, r;

	opts_init(&op, "timeline", argc, argv, "o:", opts);
	while ((c = opts_next(&op)) != -1) {
		switch (c) {
		case 's':
			if (opts_seconds(&op, 0.01, 3600, &seconds))
				return OPTS_STATUS;
			break;
		case 'o':
			out = op.arg;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return OPTS_STATUS;
		}
	}
	if (opts_operands(&op, 1, 1, "NAME") || opts_run_dir("timeline"))
		return OPTS_STATUS;
	if (!out)
		return opts_fail("timeline", "-o", "missing (xrs help timeline)");
	if (stats_open(argv[optind], &f, err, sizeof(err)))
		return fprintf(stderr, "xrs timeline: %s\n", err), 1;
	r = stats_read_vcpus(&f, v, MAX_LANES, err, sizeof(err));
	have_now = stats_guest_now(&f, &t0);
	if (r <= 0 || !have_now) {
		fprintf(stderr, "xrs timeline: %s\n", r < 0 ? err : r == 0 ? "the VM has no vCPUs" :
			"this VM's clock cannot be read from outside (an injected clock)");
		stats_close(&f);
		return 1;
	}
	n = (unsigned int)r;
	/* Each lane starts in the state its vCPU is in now; the rings say the rest. */
	for (i = 0; i < n; i++) {
		lanes[i] = (struct lane){ .slot = v[i].slot, .vcpu_id = v[i].vcpu_id,
					  .from = v[i].ring_head,
					  .runnable = v[i].time[XRS_RUNSTATE_RUNNABLE] };
		if (push(&lanes[i], t0, v[i].state))
			return fprintf(stderr, "xrs timeline: out of memory\n"), 1;
	}
	end_wall = mono_ns() + (uint64_t)(seconds * 1e9);
	do {
		struct timespec ts = { 0, (long)POLL_NS };

		nanosleep(&ts, NULL);
		r = poll_rings(&f, lanes, n, t0);
		if (!r)
			r = poll_steal(&f, lanes, n);
		if (r) {
			fprintf(stderr, "xrs timeline: %s: %s\n", f.path, strerror(-r));
			stats_close(&f);
			return 1;
		}
		if (stats_refresh(&f) || f.live.closed)
			break;			/* the VM ended: draw what there is */
	} while (mono_ns() < end_wall);
	stats_guest_now(&f, &t1);

	qsort(lanes, n, sizeof(lanes[0]), compare_lanes);
	o = !strcmp(out, "-") ? stdout : fopen(out, "w");
	if (!o) {
		fprintf(stderr, "xrs timeline: %s: %s\n", out, strerror(errno));
		stats_close(&f);
		return 1;
	}
	svg(o, &f, lanes, n, t0, t1);
	if (o != stdout && fclose(o)) {
		fprintf(stderr, "xrs timeline: %s: %s\n", out, strerror(errno));
		stats_close(&f);
		return 1;
	}
	for (i = 0; i < n; i++) {
		lost += lanes[i].lost;
		free(lanes[i].t);
		free(lanes[i].st);
	}
	fprintf(stderr, "xrs timeline: %u vCPUs, %.3f s%s\n", n, (double)(t1 - t0) / 1e9,
		lost ? ", some transitions lost (the rings were outrun)" : "");
	stats_close(&f);
	return 0;
}
