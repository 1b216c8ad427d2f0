// SPDX-License-Identifier: MIT
/*
 * xrs export: every published VM as Prometheus metrics, in the text
 * exposition format: over HTTP (/metrics, libmicrohttpd) or as a file for
 * node_exporter's textfile collector. A VM that goes away disappears from
 * the next scrape.
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
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tools/commands.h"
#include "tools/deadline.h"
#include "tools/options.h"
#include "tools/print.h"
#include "tools/stats-list.h"
#include "tools/stats-ready.h"
#include "tools/statsfile.h"

#define MAX_VMS		1024
#define TEXTFILE_NAME	"xrs.prom"

/*
 * No one client may take /metrics away: a few connections per address,
 * a bound on all of them, and each request done within a deadline from
 * its connection's accept or its last answer, however slowly its bytes
 * trickle in (MHD's own timeout only counts idle time).
 */
#define CONN_LIMIT		128
#define CONN_PER_IP		8
#define CONN_IDLE_S		5u
#define REQUEST_DEADLINE_NS	(5 * 1000000000ull)
#define CONN_MEMORY		(32 * 1024)

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: xrs export --listen ADDRESS:PORT\n"
		"       xrs export --textfile DIR [--interval SECONDS]\n\n"
		"Every VM published in %s as Prometheus metrics:\n"
		"  --listen ADDRESS:PORT  serve them at http://ADDRESS:PORT/metrics until\n"
		"                         SIGINT or SIGTERM (IPv4; port 0 picks a free one\n"
		"                         and says which); e.g. 127.0.0.1:9477\n"
		"  --textfile DIR         write DIR/" TEXTFILE_NAME " (atomically) for\n"
		"                         node_exporter's textfile collector; once, or\n"
		"  --interval SECONDS     every SECONDS until SIGINT or SIGTERM\n",
		stats_dir());
	return status;
}

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

static char *metrics_text(size_t *len)
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

/* MHD calls this from its thread, and CLOSED before it closes the socket. */
static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode what)
{
	const union MHD_ConnectionInfo *info;

	(void)cls;
	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*ctx = info ? conn_track(info->connect_fd) : NULL;
	} else if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
		conn_forget(*ctx);
		*ctx = NULL;
	}
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	static const char not_found[] = "xrs export: the metrics are at /metrics\n";
	const union MHD_ConnectionInfo *info;
	struct MHD_Response *resp;
	enum MHD_Result r;
	unsigned int code = MHD_HTTP_OK;
	size_t len;
	char *body;

	(void)cls, (void)version, (void)upload, (void)state;
	if (*upload_size)
		return MHD_NO;			/* GET carries no body */
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	} else if (strcmp(url, "/metrics")) {
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)not_found,
						       MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_NOT_FOUND;
	} else {
		body = metrics_text(&len);
		if (!body)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, "Content-Type",
					"text/plain; version=0.0.4; charset=utf-8");
	}
	if (!resp)
		return MHD_NO;
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	conn_answered(info ? info->socket_context : NULL);
	r = MHD_queue_response(c, code, resp);
	MHD_destroy_response(resp);
	return r;
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	unsigned long port;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host,
			 &sa->sin_addr) == 1 ? 0 : -1;
}

static int wait_for_signal(double interval)
{
	sigset_t set;
	struct timespec ts = { (time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9) };
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sig = interval > 0 ? sigtimedwait(&set, NULL, &ts) : sigwaitinfo(&set, NULL);
	return sig > 0;				/* true: asked to stop */
}

static int serve(const struct sockaddr_in *sa)
{
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	char addr[INET_ADDRSTRLEN];

	/* epoll where there is one: a thousand waiting sockets cost nothing */
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
			     ntohs(sa->sin_port), NULL, NULL, answer, NULL,
			     MHD_OPTION_SOCK_ADDR, sa,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, CONN_IDLE_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "xrs export: cannot listen on %s:%u (in use? not an address "
			"of this host?)\n", inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof(addr)),
			ntohs(sa->sin_port));
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("xrs export: serving http://%s:%u/metrics\n",
	       inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof(addr)),
	       info ? info->port : ntohs(sa->sin_port));
	fflush(stdout);
	while (!wait_for_signal(0.25))
		conn_cut_late(REQUEST_DEADLINE_NS);
	MHD_stop_daemon(d);
	return 0;
}

static int write_textfile(const char *dir)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len;
	char *body = metrics_text(&len);
	bool made;
	FILE *f;
	int fd;

	if (!body)
		return fprintf(stderr, "xrs export: out of memory\n"), 1;
	snprintf(path, sizeof(path), "%s/" TEXTFILE_NAME, dir);
	snprintf(tmp, sizeof(tmp), "%s/." TEXTFILE_NAME ".XXXXXX", dir);
	/*
	 * node_exporter must never read half a file: write aside, then rename.
	 * Aside is a new file of an unguessable name (O_EXCL): never one
	 * another user put there for us to write through.
	 */
	fd = mkostemp(tmp, O_CLOEXEC);
	made = fd >= 0;
	if (fd >= 0 && fchmod(fd, 0644)) {
		close(fd);
		fd = -1;
	}
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || fwrite(body, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "xrs export: %s: %s\n", f ? path : tmp, strerror(errno));
		if (fd >= 0 && !f)
			close(fd);
		if (made)
			unlink(tmp);
		free(body);
		return 1;
	}
	free(body);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, 0, 'l' }, { "textfile", required_argument, 0, 't' },
		{ "interval", required_argument, 0, 'i' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *listen = NULL, *dir = NULL;
	struct sockaddr_in sa;
	double interval = 0;
	sigset_t set;
	struct stat st;
	struct opts o;
	int c, r;

	opts_init(&o, "export", argc, argv, "", opts);
	while ((c = opts_next(&o)) != -1) {
		switch (c) {
		case 'l':
			listen = o.arg;
			if (parse_listen(listen, &sa))
				return opts_bad_value(&o, "not IPV4-ADDRESS:PORT", NULL);
			break;
		case 't':
			dir = o.arg;
			if (stat(dir, &st) || !S_ISDIR(st.st_mode))
				return opts_bad_value(&o, "not a directory", NULL);
			break;
		case 'i':
			if (opts_seconds(&o, 0.1, 86400, &interval))
				return OPTS_STATUS;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return OPTS_STATUS;
		}
	}
	if (opts_operands(&o, 0, 0, NULL))
		return OPTS_STATUS;
	if (!listen && !dir)
		return opts_fail("export", "--listen or --textfile", "missing (xrs help export)");
	if (listen && dir)
		return opts_fail("export", "--textfile", "not with --listen: one or the other");
	if (listen && interval)
		return opts_fail("export", "--interval", "goes with --textfile, not --listen");

	if (opts_run_dir("export"))
		return OPTS_STATUS;
	/* The signals that stop us are waited for, never delivered. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (listen)
		return serve(&sa);
	do {
		r = write_textfile(dir);
	} while (!r && interval && !wait_for_signal(interval));
	return r;
}
