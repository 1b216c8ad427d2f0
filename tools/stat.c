// SPDX-License-Identifier: MIT
/*
 * xrs stat NAME: one published VM's vCPUs as `xl vcpu-list` shows a domain's,
 * with the runstate times as KVM's GET RUNSTATE_DATA would return them (as
 * of each vCPU's last update, AGE ago).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "tools/commands.h"
#include "tools/options.h"
#include "tools/print.h"
#include "tools/share.h"
#include "tools/stats-ready.h"
#include "tools/statsfile.h"

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: xrs stat NAME [--json]\n\n"
		"Each vCPU of the published VM NAME (xrs list): state, the four runstate\n"
		"times as of its last update, steal %%, the update's age, update and\n"
		"guest-area write counts.\n\n"
		"  --json    one JSON object (docs/stats-format.md)\n");
	return status;
}

static void age_str(char *buf, size_t len, bool have_now, uint64_t now, const struct stats_vcpu *v)
{
	if (!have_now)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", now > v->entry ? (double)(now - v->entry) / 1e6 : 0.0);
}

static void print_table(const struct stats_file *f, const struct stats_vcpu *v, int n,
			bool have_now, uint64_t now)
{
	int i;

	printf("%s: pid %d, %s backend, %d vCPUs, up %.1f s%s%s\n", f->name, f->h.pid,
	       backend_name((enum xrs_backend)f->h.backend), n, stats_uptime(f),
	       f->stale ? ", STALE: " : "", f->stale ? f->stale_why : "");
	printf("preempt_source: %s\n", f->h.preempt_source);
	printf("%5s %-9s %11s %11s %11s %11s %7s %8s %10s %10s %10s %10s %10s\n", "VCPU",
	       "STATE", "RUNNING(s)", "RUNNABLE(s)", "BLOCKED(s)", "OFFLINE(s)", "STEAL%",
	       "AGE(ms)", "UPDATES", "WRITES", "READY50ms", "READY99ms", "READYMAXms");
	for (i = 0; i < n; i++) {
		char age[32];

		age_str(age, sizeof(age), have_now, now, &v[i]);
		printf("%5u %-9s %11.3f %11.3f %11.3f %11.3f %7.1f %8s %10" PRIu64 " %10" PRIu64
		       " %10.3f %10.3f %10.3f%s\n", v[i].vcpu_id, stats_state_name(v[i].state),
		       (double)v[i].time[0] / 1e9, (double)v[i].time[1] / 1e9,
		       (double)v[i].time[2] / 1e9, (double)v[i].time[3] / 1e9,
		       steal_pct(v[i].time), age, v[i].updates, v[i].area_writes,
		       (double)stats_ready_quantile_ns(&v[i], 0.5) / 1e6,
		       (double)stats_ready_quantile_ns(&v[i], 0.99) / 1e6,
		       (double)v[i].ready_max_ns / 1e6,
		       v[i].torn ? "  (torn: its writer stopped mid-update)" : "");
	}
}

/* The vCPU's object continues: its ready histogram, then the object ends. */
static void print_ready_json(const struct stats_vcpu *v)
{
	int b;

	printf(",\"ready\":{\"count\":%" PRIu64 ",\"sum_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64
	       ",\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64 ",\"torn\":%s,\"buckets\":[",
	       v->ready_count, v->ready_sum_ns, v->ready_max_ns,
	       stats_ready_quantile_ns(v, 0.5), stats_ready_quantile_ns(v, 0.99),
	       v->ready_torn ? "true" : "false");
	for (b = 0; b < XRS_STATS_READY_BUCKETS; b++)
		printf("%s%" PRIu64, b ? "," : "", v->ready_buckets[b]);
	printf("]}}");
}

static void print_json(const struct stats_file *f, const struct stats_vcpu *v, int n,
		       bool have_now, uint64_t now)
{
	int i;

	printf("{\"name\":");
	json_str(stdout, f->name);
	printf(",\"pid\":%d,\"backend\":\"%s\",\"uptime_s\":%.3f,\"stale\":%s", f->h.pid,
	       backend_name((enum xrs_backend)f->h.backend), stats_uptime(f),
	       f->stale ? "true" : "false");
	if (f->stale) {
		printf(",\"stale_why\":");
		json_str(stdout, f->stale_why);
	}
	printf(",\"preempt_source\":");
	json_str(stdout, f->h.preempt_source);
	printf(",\"steal_interval_ns\":%" PRIu64 ",\"vcpus\":[",
	       f->live.steal_interval_ns);
	for (i = 0; i < n; i++) {
		printf("%s{\"id\":%u,\"state\":\"%s\",\"state_entry_time\":%" PRIu64
		       ",\"running_ns\":%" PRIu64 ",\"runnable_ns\":%" PRIu64
		       ",\"blocked_ns\":%" PRIu64 ",\"offline_ns\":%" PRIu64 ",\"steal_pct\":%.3f",
		       i ? "," : "", v[i].vcpu_id, stats_state_name(v[i].state), v[i].entry,
		       v[i].time[0], v[i].time[1], v[i].time[2], v[i].time[3],
		       steal_pct(v[i].time));
		if (have_now)
			printf(",\"age_ns\":%" PRIu64, now > v[i].entry ? now - v[i].entry : 0);
		else
			printf(",\"age_ns\":null");
		printf(",\"enters\":%" PRIu64 ",\"updates\":%" PRIu64 ",\"area_writes\":%" PRIu64
		       ",\"area_skips\":%" PRIu64 ",\"steal_samples\":%" PRIu64
		       ",\"steal_unbooked_ns\":%" PRIu64 ",\"in_guest\":%s,\"torn\":%s",
		       v[i].enters, v[i].updates, v[i].area_writes, v[i].area_skips,
		       v[i].steal_samples, v[i].steal_unbooked, v[i].in_guest ? "true" : "false",
		       v[i].torn ? "true" : "false");
		print_ready_json(&v[i]);
	}
	printf("]}\n");
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	static struct stats_vcpu v[XRS_STATS_MAX_VCPUS];
	struct stats_file f;
	char err[STATS_ERR_MAX];
	bool json = false, have_now;
	uint64_t now = 0;
	struct opts o;
	int c, n;

	opts_init(&o, "stat", argc, argv, "", opts);
	while ((c = opts_next(&o)) != -1) {
		if (c == OPTS_BAD)
			return OPTS_STATUS;
		if (c == 'j')
			json = true;
		else if (c == 'h')
			return usage(stdout, 0);
	}
	if (opts_operands(&o, 1, 1, "NAME") || opts_run_dir("stat"))
		return OPTS_STATUS;
	if (stats_open(argv[optind], &f, err, sizeof(err))) {
		fprintf(stderr, "xrs stat: %s\n", err);
		return 1;
	}
	n = stats_read_vcpus(&f, v, XRS_STATS_MAX_VCPUS, err, sizeof(err));
	have_now = stats_guest_now(&f, &now);
	if (n < 0) {
		fprintf(stderr, "xrs stat: %s\n", err);
		stats_close(&f);
		return 1;
	}
	if (json)
		print_json(&f, v, n, have_now, now);
	else
		print_table(&f, v, n, have_now, now);
	stats_close(&f);
	return 0;
}
