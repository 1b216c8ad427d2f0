// SPDX-License-Identifier: MIT
/* Samples of a running VM, as a table (xl vcpu-list style) or JSON lines. */
#include <inttypes.h>
#include <string.h>
#include "tools/output.h"
#include "tools/print.h"
#include "tools/share.h"

static const char *const state_names[] = { "running", "runnable", "blocked", "offline" };

const char *workload_name(enum vmm_workload wl)
{
	switch (wl) {
	case VMM_WL_SPIN: return "spin";
	case VMM_WL_EXITS: return "exits";
	case VMM_WL_IDLE: return "idle";
	default: return "mixed";
	}
}

static double sec(uint64_t ns)
{
	return (double)ns / 1e9;
}

void sample_print_table(FILE *f, const struct sample *s, const struct sample_vm *vm)
{
	uint64_t hc = 0, hv = 0, gv = 0, vc = 0, vd = 0;
	uint32_t i;

	fprintf(f, "%s %.1f s%s\n", s->name, s->t, s->final ? ", final" : "");
	fprintf(f, "%5s %-9s %9s %9s %9s %9s %7s %10s\n", "VCPU", "STATE", "RUNNING",
		"RUNNABLE", "BLOCKED", "OFFLINE", "STEAL%", "CHECKS");
	for (i = 0; i < s->nr; i++) {
		const struct vmm_vcpu_sample *v = &s->v[i];

		if (!v->accounted) {
			fprintf(f, "%5u %-9s %9s %9s %9s %9s %7s %10" PRIu64 "\n", v->id, "-",
				"-", "-", "-", "-", "-", v->checks);
			continue;
		}
		fprintf(f, "%5u %-9s %9.2f %9.2f %9.2f %9.2f %7.1f %10" PRIu64 "%s\n", v->id,
			v->state < 4 ? state_names[v->state] : "?", sec(v->time[0]),
			sec(v->time[1]), sec(v->time[2]), sec(v->time[3]), steal_pct(v->time),
			v->checks, v->violations ? " FAILED" : "");
		hc += v->host_checks;
		hv += v->host_violations;
		vc += v->view_checks;
		vd += v->view_diffs;
		gv += v->violations;
	}
	if (!s->final || !vm->runstate)
		return;
	/* libxrs's area equals GET DATA at a report; KVM's may only lag it */
	fprintf(f, "guest checks: %" PRIu64 " violations; guest view %s host GET DATA at %" PRIu64
		" reports, %" PRIu64 " not; host checks: %" PRIu64 ", %" PRIu64 " failed\n", gv,
		vm->backend == XRS_BACKEND_KERNEL ? "<=" : "==", vc, vd, hc, hv);
}

void sample_print_json(FILE *f, const struct sample *s, const struct sample_vm *vm)
{
	uint32_t i;

	fputs("{\"name\":", f);
	json_str(f, s->name);
	fprintf(f, ",\"t\":%.3f,\"final\":%s,\"guest_bits\":%d,"
		"\"workload\":\"%s\",\"backend\":\"%s\",\"update_flag\":%s,\"vcpus\":[",
		s->t, s->final ? "true" : "false", vm->bits,
		vm->linux_guest ? "linux" : workload_name(vm->workload), vm->runstate ? backend_name(vm->backend) : "none",
		vm->update_flag ? "true" : "false");
	for (i = 0; i < s->nr; i++) {
		const struct vmm_vcpu_sample *v = &s->v[i];

		fprintf(f, "%s{\"id\":%u", i ? "," : "", v->id);
		if (v->accounted)
			fprintf(f, ",\"state\":\"%s\",\"running_ns\":%" PRIu64 ",\"runnable_ns\":%" PRIu64
				",\"blocked_ns\":%" PRIu64 ",\"offline_ns\":%" PRIu64 ",\"steal_pct\":%.2f",
				v->state < 4 ? state_names[v->state] : "?", v->time[0], v->time[1],
				v->time[2], v->time[3], steal_pct(v->time));
		fprintf(f, ",\"checks\":%" PRIu64 ",\"violations\":%" PRIu64
			",\"host_checks\":%" PRIu64 ",\"host_violations\":%" PRIu64
			",\"view_checks\":%" PRIu64 ",\"view_diffs\":%" PRIu64
			",\"exits\":%" PRIu64 ",\"hypercalls\":%" PRIu64 ",\"kicks\":%" PRIu64,
			v->checks, v->violations, v->host_checks, v->host_violations,
			v->view_checks, v->view_diffs, v->exits, v->hypercalls, v->kicks);
		if (vm->witness)
			fprintf(f, ",\"witness_steal_ns\":%" PRIu64, v->witness_steal);
		if (s->final) {
			if (v->have_unbooked)
				fprintf(f, ",\"run_delay_unbooked_ns\":%" PRIu64 ",\"steal_samples\":%" PRIu64
					",\"steal_sample_ns\":%" PRIu64, v->run_delay_unbooked,
					v->steal_samples, v->steal_sample_ns);
			if (v->area_gpa != UINT64_MAX)
				fprintf(f, ",\"area_gpa\":%" PRIu64, v->area_gpa);
			else
				fputs(",\"area_gpa\":null", f);
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
