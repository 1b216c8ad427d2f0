/* SPDX-License-Identifier: MIT */
/*
 * The default halt source: the time a vCPU spent halted inside KVM_RUN, from
 * KVM's binary statistics of its vCPU fd (KVM_GET_STATS_FD, Linux >= 5.14).
 * The statistics are found by name in the descriptors, never by offset:
 * halt_wait_ns (blocked in halt, until the vCPU runs again) plus, where KVM
 * has them, halt_poll_success_ns and halt_poll_fail_ns (halt-polling before
 * the wait, or instead of it). The guest executed HLT for all three: Xen
 * books that time blocked, and the guest's own idle time contains it.
 */
#ifndef XRS_HALT_H
#define XRS_HALT_H

#include <stdint.h>

#define HALT_NR_STATS	3

struct halt_kvm {
	int fd;				/* the stats fd, or -1 */
	uint32_t span_off;		/* file offset of the lowest counter read */
	uint32_t span_len;		/* bytes from there to the end of the highest */
	uint32_t nr;			/* counters found (halt_wait_ns first) */
	uint32_t at[HALT_NR_STATS];	/* each counter's offset in the span */
};

/* The largest span read with one pread; wider layouts take a pread per counter. */
#define HALT_SPAN_MAX	256u

/* The default source's "no sample": an update books no halt from it. */
#define HALT_NONE	UINT64_MAX

/*
 * Take @stats_fd (a KVM binary stats fd; owned from now on, closed on error)
 * and find the halt counters in it. 0, -ENOENT (no halt_wait_ns counting
 * nanoseconds), -EINVAL (a header or descriptor out of bounds) or the errno
 * of reading it. @h->fd is -1 on error.
 */
int halt_kvm_parse(struct halt_kvm *h, int stats_fd);
/* KVM_GET_STATS_FD on @vcpu_fd, then halt_kvm_parse: 0 or -errno (-ENOTTY: no stats). */
int halt_kvm_open(struct halt_kvm *h, int vcpu_fd);
/* The sum of the counters, ns, or HALT_NONE if the read failed. */
uint64_t halt_kvm_read(const struct halt_kvm *h);
void halt_kvm_close(struct halt_kvm *h);

#endif /* XRS_HALT_H */
