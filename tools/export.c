// SPDX-License-Identifier: MIT
/*
 * xrs export: every published VM as Prometheus metrics, in the text
 * exposition format: over HTTP (/metrics, libmicrohttpd) or as a file for
 * node_exporter's textfile collector. A VM that goes away disappears from
 * the next scrape.
 * The metrics themselves: tools/metrics.c.
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
#include "tools/metrics.h"
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
