// SPDX-License-Identifier: MIT
/*
 * Every published VM as Prometheus metrics in the text exposition format,
 * for xrs export's /metrics and its textfile.
 *
 * The runstate counters are the times as of each vCPU's last update, never
 * extrapolated: an update may move running time to runnable (steal), and a
 * counter must never go down. xrs_vcpu_area_age_seconds says how old they are.
 *
 * The CPU-ready histogram is a Prometheus histogram only for the VMs whose
 * preemption source is loaded: without one its zeros would say the vCPUs
 * never waited, when nothing was measured; xrs_vm_preempt_source_loaded
 * says which VMs have it.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/metrics.h"
#include "tools/print.h"
#include "tools/stats-list.h"
#include "tools/stats-ready.h"
#include "tools/statsfile.h"

#define MAX_VMS		1024

static void help_type(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct vm_snap {
	struct stats_file f;
	struct stats_vcpu *v;
	int n;
	bool have_now;
	uint64_t now;
};

/* A per-vCPU counter family: the u64 at @off of each struct stats_vcpu. */
static void vcpu_counter(FILE *out, const struct vm_snap *vms, int nvms, const char *name,
			 const char *help, size_t off)
{
	int i, j;

	help_type(out, name, "counter", help);
	for (i = 0; i < nvms; i++)
		for (j = 0; j < vms[i].n; j++)
			fprintf(out, "%s{vm=\"%s\",vcpu=\"%u\"} %" PRIu64 "\n", name, vms[i].f.name,
				vms[i].v[j].vcpu_id,
				*(const uint64_t *)((const char *)&vms[i].v[j] + off));
}

/*
 * Each vCPU's ready waits, cumulative from the file's log2 buckets (le is
 * a bucket's exclusive upper bound: one ns off Prometheus's inclusive le).
 * _count is the +Inf bucket, as the format wants, whatever the file's
 * count says; a histogram read torn is left out of this scrape.
 */
static void vcpu_ready_histogram(FILE *out, const struct vm_snap *vms, int nvms)
{
	static const char name[] = "xrs_vcpu_ready_wait_seconds";
	const struct stats_vcpu *v;
	uint64_t cum;
	char le[32];
	int i, j, b;

	help_type(out, name, "histogram",
		  "CPU-ready waits of the vCPU: episodes in which its thread, inside KVM_RUN, "
		  "was preempted and waited for a host CPU (VMs with a preemption source only).");
	for (i = 0; i < nvms; i++) {
		if (!stats_ready_source_loaded(&vms[i].f))
			continue;
		for (j = 0; j < vms[i].n; j++) {
			v = &vms[i].v[j];
			if (v->ready_torn)
				continue;
			cum = 0;
			for (b = 0; b < XRS_STATS_READY_BUCKETS; b++) {
				/* A hostile file's counts must not wrap into a falling series. */
				cum = cum + v->ready_buckets[b] < cum ? UINT64_MAX :
								       cum + v->ready_buckets[b];
				if (b == XRS_STATS_READY_BUCKETS - 1)
					snprintf(le, sizeof(le), "+Inf");
				else
					snprintf(le, sizeof(le), "%.7g",
						 (double)stats_ready_upper_ns((unsigned int)b) / 1e9);
				fprintf(out, "%s_bucket{vm=\"%s\",vcpu=\"%u\",le=\"%s\"} %" PRIu64 "\n",
					name, vms[i].f.name, v->vcpu_id, le, cum);
			}
			fprintf(out, "%s_sum{vm=\"%s\",vcpu=\"%u\"} %.9f\n", name, vms[i].f.name,
				v->vcpu_id, (double)v->ready_sum_ns / 1e9);
			fprintf(out, "%s_count{vm=\"%s\",vcpu=\"%u\"} %" PRIu64 "\n", name,
				vms[i].f.name, v->vcpu_id, cum);
		}
	}
}

static int cmp_vcpu(const void *a, const void *b)
{
	const struct stats_vcpu *x = a, *y = b;

	if (x->vcpu_id != y->vcpu_id)
		return x->vcpu_id < y->vcpu_id ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/*
 * One series per vCPU id, in id order: a hostile file, or a vCPU that moved
 * slots while it was read, may show one id twice, and a duplicate series
 * makes a scraper reject the whole scrape. The lowest slot stays.
 */
static int dedup_vcpus(struct stats_vcpu *v, int n)
{
	int i, m = 0;

	qsort(v, (size_t)n, sizeof(*v), cmp_vcpu);
	for (i = 0; i < n; i++)
		if (!m || v[m - 1].vcpu_id != v[i].vcpu_id)
			v[m++] = v[i];
	return m;
}

/* Each metric family once, all its series together, as the format wants. */
static void write_metrics(FILE *out)
{
	static char names[MAX_VMS][XRS_STATS_NAME_MAX];
	static const char *const states[] = { "running", "runnable", "blocked", "offline" };
	struct vm_snap *vms;
	char err[STATS_ERR_MAX];
	int nnames, nvms = 0, i, j, k, errors = 0;
	unsigned int lim;

	nnames = stats_list(names, MAX_VMS);
	vms = calloc(nnames > 0 ? (size_t)nnames : 1, sizeof(*vms));
	for (i = 0; vms && i < nnames; i++) {
		struct vm_snap *s = &vms[nvms];

		if (stats_open(names[i], &s->f, err, sizeof(err))) {
			errors++;
			continue;
		}
		/* the slots ever used, not all 1024: a fleet's scrape is mostly this */
		lim = s->f.live.slot_limit ? s->f.live.slot_limit : 1;
		s->v = calloc(lim, sizeof(*s->v));
		s->n = s->v ? stats_read_vcpus(&s->f, s->v, lim, err, sizeof(err)) : -1;
		s->have_now = stats_guest_now(&s->f, &s->now);
		if (s->n > 0)
			s->n = dedup_vcpus(s->v, s->n);
		if (s->n < 0) {
			errors++;
			free(s->v);
			stats_close(&s->f);
			continue;
		}
		nvms++;
	}

	help_type(out, "xrs_vm_info", "gauge", "A published VM: always 1, with its VMM's pid and backend.");
	for (i = 0; i < nvms; i++)
		fprintf(out, "xrs_vm_info{vm=\"%s\",pid=\"%d\",backend=\"%s\"} 1\n", vms[i].f.name,
			vms[i].f.h.pid, backend_name((enum xrs_backend)vms[i].f.h.backend));
	help_type(out, "xrs_vm_vcpus", "gauge", "vCPUs of the VM.");
	for (i = 0; i < nvms; i++)
		fprintf(out, "xrs_vm_vcpus{vm=\"%s\"} %d\n", vms[i].f.name, vms[i].n);
	help_type(out, "xrs_vm_start_time_seconds", "gauge",
		  "When the VM was published, in seconds since the Unix epoch.");
	for (i = 0; i < nvms; i++)
		fprintf(out, "xrs_vm_start_time_seconds{vm=\"%s\"} %.3f\n", vms[i].f.name,
			(double)vms[i].f.h.created_unix_ns / 1e9);
	help_type(out, "xrs_vm_stale", "gauge",
		  "1 if the VM's VMM is gone and its file was left behind (xrs list --prune).");
	for (i = 0; i < nvms; i++)
		fprintf(out, "xrs_vm_stale{vm=\"%s\"} %d\n", vms[i].f.name, vms[i].f.stale);
	help_type(out, "xrs_vm_preempt_source_loaded", "gauge",
		  "1 if the VM's preemption source is loaded and its vCPUs have "
		  "xrs_vcpu_ready_wait_seconds, 0 if not (xrs stat says why).");
	for (i = 0; i < nvms; i++)
		fprintf(out, "xrs_vm_preempt_source_loaded{vm=\"%s\"} %d\n", vms[i].f.name,
			stats_ready_source_loaded(&vms[i].f));

	help_type(out, "xrs_vcpu_runstate_seconds_total", "counter",
		  "Time the vCPU spent in each Xen runstate, in guest (kvmclock) seconds, as of "
		  "its last update; runnable is steal.");
	for (i = 0; i < nvms; i++)
		for (j = 0; j < vms[i].n; j++)
			for (k = 0; k < XRS_RUNSTATE_COUNT; k++)
				fprintf(out, "xrs_vcpu_runstate_seconds_total{vm=\"%s\",vcpu=\"%u\","
					"state=\"%s\"} %.9f\n", vms[i].f.name, vms[i].v[j].vcpu_id,
					states[k], (double)vms[i].v[j].time[k] / 1e9);
	help_type(out, "xrs_vcpu_state", "gauge",
		  "The vCPU's current Xen runstate: 1 for the state it is in, 0 for the others.");
	for (i = 0; i < nvms; i++)
		for (j = 0; j < vms[i].n; j++)
			for (k = 0; k < XRS_RUNSTATE_COUNT; k++)
				fprintf(out, "xrs_vcpu_state{vm=\"%s\",vcpu=\"%u\",state=\"%s\"} %d\n",
					vms[i].f.name, vms[i].v[j].vcpu_id, states[k],
					vms[i].v[j].state == (uint32_t)k);
	help_type(out, "xrs_vcpu_area_age_seconds", "gauge",
		  "Guest time since the vCPU's last runstate update (absent if the VM's clock "
		  "cannot be read from outside).");
	for (i = 0; i < nvms; i++)
		for (j = 0; j < vms[i].n && vms[i].have_now; j++)
			fprintf(out, "xrs_vcpu_area_age_seconds{vm=\"%s\",vcpu=\"%u\"} %.6f\n",
				vms[i].f.name, vms[i].v[j].vcpu_id,
				vms[i].now > vms[i].v[j].entry ?
				(double)(vms[i].now - vms[i].v[j].entry) / 1e9 : 0.0);
	vcpu_counter(out, vms, nvms, "xrs_vcpu_updates_total",
		     "Runstate accounting updates of the vCPU.",
		     offsetof(struct stats_vcpu, updates));
	vcpu_counter(out, vms, nvms, "xrs_vcpu_area_writes_total",
		     "Writes of the vCPU's runstate area into guest memory.",
		     offsetof(struct stats_vcpu, area_writes));
	vcpu_ready_histogram(out, vms, nvms);
	help_type(out, "xrs_export_unreadable_files", "gauge",
		  "Files in the run directory this scrape could not read (xrs list says why).");
	fprintf(out, "xrs_export_unreadable_files %d\n", errors + (vms ? 0 : nnames));

	for (i = 0; i < nvms; i++) {
		free(vms[i].v);
		stats_close(&vms[i].f);
	}
	free(vms);
}

char *metrics_text(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	write_metrics(f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

