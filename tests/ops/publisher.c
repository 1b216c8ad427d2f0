// SPDX-License-Identifier: MIT
/*
 * A published VM without KVM, for the exporter's tests and the fleet bench:
 * libxrs's user backend and its publish API, as a VMM would call them.
 *
 * usage: publisher NAME VCPUS [--dup-id]
 * Publishes NAME with VCPUS vCPUs (each entered and left a few times, so
 * the accounting holds something), says "published NAME" on stdout, and
 * stays until SIGTERM or SIGINT. --dup-id then writes, as a hostile user
 * with write access could, slot 1's vcpu_id over with slot 0's.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xrs/stats.h>
#include <xrs/xrs.h>

static int dup_id(const char *name)
{
	const char *d = getenv("XRS_RUN_DIR");
	char path[PATH_MAX];
	struct xrs_stats_vcpu *s0, *s1;
	char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.xrs", d && *d ? d : "/run/xrs", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	m = mmap(NULL, XRS_STATS_HEADER_SIZE + 2 * XRS_STATS_SLOT_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	s0 = (void *)(m + XRS_STATS_HEADER_SIZE);
	s1 = (void *)(m + XRS_STATS_HEADER_SIZE + XRS_STATS_SLOT_SIZE);
	s1->vcpu_id = s0->vcpu_id;
	return 0;
}

int main(int argc, char **argv)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	struct xrs_vcpu **v;
	struct xrs_vm *vm;
	sigset_t set;
	int i, j, n, r, sig;

	if (argc < 3 || (n = atoi(argv[2])) < 1 || n > XRS_STATS_MAX_VCPUS ||
	    (argc > 3 && strcmp(argv[3], "--dup-id")))
		return fprintf(stderr, "usage: publisher NAME VCPUS [--dup-id]\n"), 2;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	v = calloc((size_t)n, sizeof(*v));
	r = v ? xrs_vm_create(&p, &vm) : -12;
	if (!r)
		r = xrs_vm_publish(vm, argv[1]);
	for (i = 0; !r && i < n; i++) {
		r = xrs_vcpu_create(vm, (uint32_t)i, -1, &v[i]);
		if (!r)
			r = xrs_vcpu_bind_thread(v[i]);
		for (j = 0; !r && j < 3; j++) {
			xrs_vcpu_enter(v[i]);
			xrs_vcpu_exit(v[i]);
		}
	}
	if (!r && argc > 3 && n > 1 && dup_id(argv[1]))
		r = -1;
	if (r)
		return fprintf(stderr, "publisher: %s: %s\n", argv[1], xrs_strerror(r)), 1;
	printf("published %s\n", argv[1]);
	fflush(stdout);
	sigwait(&set, &sig);
	for (i = 0; i < n; i++)
		xrs_vcpu_destroy(v[i]);
	xrs_vm_destroy(vm);
	free(v);
	return 0;
}
