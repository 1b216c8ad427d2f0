// SPDX-License-Identifier: MIT
/* Samples of a running VM, as a table (xl vcpu-list style) or JSON lines. */
#include <inttypes.h>
#include <string.h>
#include "tools.h"

static const char *const state_names[] = { "running", "runnable", "blocked", "offline" };

const char *workload_name(uint32_t wl)
{
	switch (wl) {
	case G_WL_SPIN: return "spin";
	case G_WL_EXITS: return "exits";
	case G_WL_IDLE: return "idle";
	default: return "mixed";
	}
}

const char *backend_name(enum xrs_backend b)
{
	return b == XRS_BACKEND_KERNEL ? "kernel" : b == XRS_BACKEND_USER ? "user" : "auto";
}

/* The upper edge of the bucket holding percentile @pct of the guest's area ages. */
static uint64_t age_percentile(const struct g_report *r, uint64_t total, double pct)
{
	uint64_t want = (uint64_t)((double)total * pct / 100.0 + 0.5), seen = 0;
	uint32_t b;

	if (!want)
		want = 1;
	for (b = 0; b < G_AGE_BUCKETS; b++) {
		seen += r->age_hist[b];
		if (seen >= want)
			return b + 1 < G_AGE_BUCKETS ? g_age_bucket_top(b) : r->age_max_ns;
	}
	return 0;
}

static void take_ages(struct vcpu_sample *o, const struct g_report *r)
{
	uint64_t total = 0;
	uint32_t b;

	for (b = 0; b < G_AGE_BUCKETS; b++)
		total += r->age_hist[b];
	o->age_max = r->age_max_ns;
	o->age_p50 = total ? age_percentile(r, total, 50) : 0;
	o->age_p99 = total ? age_percentile(r, total, 99) : 0;
	if (o->age_p50 > o->age_max)
		o->age_p50 = o->age_max;
	if (o->age_p99 > o->age_max)
		o->age_p99 = o->age_max;
}

void sample_take(struct vmm *m, struct sample *s, bool final)
{
	uint32_t i;

	s->final = final;
	for (i = 0; i < s->nr; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];
		struct vcpu_sample *o = &s->v[i];
		struct xrs_vcpu_stats st;
		struct kvm_xen_vcpu_attr d = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
		struct g_report rep;

		memset(o, 0, sizeof(*o));
		o->id = i;
		if (v->xrs && !final && !xrs_vcpu_get_stats(v->xrs, &st)) {
			/* Lock-free: never makes a vCPU thread wait. */
			o->accounted = true;
			o->state = st.state;
			memcpy(o->time, st.time, sizeof(o->time));
		} else if (v->xrs && !xrs_vcpu_get_attr(v->xrs, &d)) {
			o->accounted = true;
			o->state = (uint32_t)d.u.runstate.state;
			memcpy(o->time, &d.u.runstate.time_running, sizeof(o->time));
		}
		/* libxrs's own counters (user backend); KVM keeps no such figure */
		if (v->xrs && !xrs_vcpu_get_stats(v->xrs, &st)) {
			o->have_unbooked = true;
			o->run_delay_unbooked = st.steal_unbooked_ns;
		}
		pthread_mutex_lock(&v->lock);
		rep = v->last_report;
		pthread_mutex_unlock(&v->lock);
		o->checks = rep.checks + rep.remote_checks;
		o->remote_checks = rep.remote_checks;
		o->violations = atomic_load(&v->guest_violations);
		o->witness_steal = rep.steal_ns;
		o->host_checks = atomic_load(&v->host_checks);
		o->host_violations = atomic_load(&v->host_violations);
		o->view_checks = atomic_load(&v->view_checks);
		o->view_diffs = atomic_load(&v->view_diffs);
		o->exits = atomic_load(&v->exits);
		o->hypercalls = atomic_load(&v->hypercalls);
		o->kicks = atomic_load(&v->kicks);
		if (final) {
			take_ages(o, &rep);
			o->run_delay = v->rd_end_ns - v->rd_start_ns;
			o->run_delay_start = v->rd_start_ns;
			o->failed = v->error;
			snprintf(o->error, sizeof(o->error), "%s", v->errmsg);
		}
	}
}

static double sec(uint64_t ns)
{
	return (double)ns / 1e9;
}

static double steal_pct(const struct vcpu_sample *v)
{
	uint64_t online = v->time[0] + v->time[1] + v->time[2];

	return online ? 100.0 * (double)v->time[1] / (double)online : 0.0;
}

void sample_print_table(FILE *f, const struct sample *s, const struct vmm_config *cfg)
{
	uint64_t hc = 0, hv = 0, gv = 0, vc = 0, vd = 0;
	uint32_t i;

	fprintf(f, "%s %.1f s%s\n", s->name, s->t, s->final ? ", final" : "");
	fprintf(f, "%5s %-9s %9s %9s %9s %9s %7s %10s\n", "VCPU", "STATE", "RUNNING",
		"RUNNABLE", "BLOCKED", "OFFLINE", "STEAL%", "CHECKS");
	for (i = 0; i < s->nr; i++) {
		const struct vcpu_sample *v = &s->v[i];

		if (!v->accounted) {
			fprintf(f, "%5u %-9s %9s %9s %9s %9s %7s %10" PRIu64 "\n", v->id, "-",
				"-", "-", "-", "-", "-", v->checks);
			continue;
		}
		fprintf(f, "%5u %-9s %9.2f %9.2f %9.2f %9.2f %7.1f %10" PRIu64 "%s\n", v->id,
			v->state < 4 ? state_names[v->state] : "?", sec(v->time[0]),
			sec(v->time[1]), sec(v->time[2]), sec(v->time[3]), steal_pct(v),
			v->checks, v->violations ? " FAILED" : "");
		hc += v->host_checks;
		hv += v->host_violations;
		vc += v->view_checks;
		vd += v->view_diffs;
		gv += v->violations;
	}
	if (!s->final || !cfg->runstate)
		return;
	/* libxrs's area equals GET DATA at a report; KVM's may only lag it */
	fprintf(f, "guest checks: %" PRIu64 " violations; guest view %s host GET DATA at %" PRIu64
		" reports, %" PRIu64 " not; host checks: %" PRIu64 ", %" PRIu64 " failed\n", gv,
		cfg->backend == XRS_BACKEND_KERNEL ? "<=" : "==", vc, vd, hc, hv);
}

/* A JSON string: names and error texts may hold anything, guest bytes included. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void sample_print_json(FILE *f, const struct sample *s, const struct vmm_config *cfg)
{
	uint32_t i;

	fputs("{\"name\":", f);
	json_str(f, s->name);
	fprintf(f, ",\"t\":%.3f,\"final\":%s,\"guest_bits\":%d,"
		"\"workload\":\"%s\",\"backend\":\"%s\",\"update_flag\":%s,\"vcpus\":[",
		s->t, s->final ? "true" : "false", cfg->bits,
		workload_name(cfg->workload), cfg->runstate ? backend_name(cfg->backend) : "none",
		cfg->update_flag ? "true" : "false");
	for (i = 0; i < s->nr; i++) {
		const struct vcpu_sample *v = &s->v[i];

		fprintf(f, "%s{\"id\":%u", i ? "," : "", v->id);
		if (v->accounted)
			fprintf(f, ",\"state\":\"%s\",\"running_ns\":%" PRIu64 ",\"runnable_ns\":%" PRIu64
				",\"blocked_ns\":%" PRIu64 ",\"offline_ns\":%" PRIu64 ",\"steal_pct\":%.2f",
				v->state < 4 ? state_names[v->state] : "?", v->time[0], v->time[1],
				v->time[2], v->time[3], steal_pct(v));
		fprintf(f, ",\"checks\":%" PRIu64 ",\"violations\":%" PRIu64
			",\"host_checks\":%" PRIu64 ",\"host_violations\":%" PRIu64
			",\"view_checks\":%" PRIu64 ",\"view_diffs\":%" PRIu64
			",\"exits\":%" PRIu64 ",\"hypercalls\":%" PRIu64 ",\"kicks\":%" PRIu64,
			v->checks, v->violations, v->host_checks, v->host_violations,
			v->view_checks, v->view_diffs, v->exits, v->hypercalls, v->kicks);
		if (cfg->witness)
			fprintf(f, ",\"witness_steal_ns\":%" PRIu64, v->witness_steal);
		if (s->final) {
			if (v->have_unbooked)
				fprintf(f, ",\"run_delay_unbooked_ns\":%" PRIu64, v->run_delay_unbooked);
			fprintf(f, ",\"run_delay_ns\":%" PRIu64 ",\"run_delay_at_start_ns\":%" PRIu64
				",\"area_age_p50_ns\":%" PRIu64
				",\"area_age_p99_ns\":%" PRIu64 ",\"area_age_max_ns\":%" PRIu64
				",\"error\":", v->run_delay, v->run_delay_start,
				v->age_p50, v->age_p99, v->age_max);
			if (v->failed)
				json_str(f, v->error);
			else
				fputs("null", f);
		}
		fputc('}', f);
	}
	fputc(']', f);
	if (s->final && s->have_cpu)
		fprintf(f, ",\"vmm_cpu\":{\"user_s\":%.3f,\"sys_s\":%.3f,\"guest_s\":%.3f}",
			s->cpu_user, s->cpu_sys, s->cpu_guest);
	fputs("}\n", f);
	fflush(f);
}
