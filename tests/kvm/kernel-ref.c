// SPDX-License-Identifier: MIT
/*
 * The differential run: every conformance case of spec §10, and the VMM's
 * end-to-end runs, once on libxrs's user backend and once on KVM's own
 * runstate code (CONFIG_KVM_XEN, reached through libxrs's kernel backend),
 * on the same real KVM. Each run is reduced to facts that do not depend on
 * the clock's exact values (return values, errnos, states, invariants,
 * guest-area bytes, times by sum, order and bound); the user backend's facts
 * must be the spec's, and the kernel's must equal them unless the kernel
 * predates a fix (docs/kernel-differences.md), where the old behaviour is
 * what is expected of it.
 *
 * Exit status: 0 when every row is as expected, 1 when one is not, 77 when
 * this KVM has no KVM_XEN_HVM_CONFIG_RUNSTATE (run it in the sandbox).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "tests/kvm/kernel-ref.h"
#include "util/schedstat.h"

void fact(struct facts *o, const char *fmt, ...)
{
	size_t n = strlen(o->s);
	va_list ap;

	if (n && n < sizeof(o->s) - 2) {
		strcpy(o->s + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(o->s + n, sizeof(o->s) - n, fmt, ap);
	va_end(ap);
}

const char *errname(int r)
{
	static char buf[16];

	switch (r) {
	case 0: return "0";
	case -EINVAL: return "EINVAL";
	case -EFAULT: return "EFAULT";
	case -ENOENT: return "ENOENT";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "%d", r);
	return buf;
}

/* ---- one backend's world: a VM, two vCPUs, libxrs over them ------------- */

#define RAM	REF_RAM
#define FILL	REF_FILL

int world_open(struct world *w, enum xrs_backend backend)
{
	struct xrs_vm_params p = { .backend = backend };
	struct kvm_xen_hvm_attr ha = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };
	struct xrs_vm_info info;
	struct vmm_err e;
	int i, r;

	memset(w, 0, sizeof(*w));
	w->backend = backend;
	r = machine_open(&w->mc, GUEST_64, RAM, NULL, &e);
	/* KVM books running/runnable itself only with a Xen hypercall MSR set. */
	if (!r)
		r = machine_route_hypercalls(&w->mc, backend == XRS_BACKEND_KERNEL, &e);
	if (r)
		return fprintf(stderr, "kernel-ref: %s\n", e.msg), r;
	w->mc.boot->program = G_PROG_IO_LOOP;
	w->mc.boot->nr_vcpus = 2;
	w->mc.boot->arg[0] = 1ull << 62;	/* a TICK exit per KVM_RUN, for ever */
	for (i = 0; i < 2; i++)
		if ((r = machine_cpu_open(&w->mc, &w->cpu[i], (uint32_t)i, &e)))
			return fprintf(stderr, "kernel-ref: %s\n", e.msg), r;
	p.vm_fd = w->mc.kvm.fd;
	if ((r = xrs_vm_create(&p, &w->x)) || (r = xrs_vm_get_info(w->x, &info)))
		return fprintf(stderr, "kernel-ref: libxrs: %s\n", xrs_strerror(r)), r;
	if (info.backend != backend)
		return fprintf(stderr, "kernel-ref: libxrs chose another backend\n"), -EINVAL;
	if (backend == XRS_BACKEND_USER) {
		const struct mem_region *ram = mem_ram_region(&w->mc.mem);

		/* KVM updates at every KVM_RUN; so must the reference run. */
		if ((r = xrs_vm_map_memory(w->x, ram->gpa, ram->size, ram->hva)) ||
		    (r = xrs_vm_set_steal_interval(w->x, 0)))
			return fprintf(stderr, "kernel-ref: libxrs: %s\n", xrs_strerror(r)), r;
	}
	for (i = 0; i < 2; i++)
		if ((r = xrs_vcpu_create(w->x, (uint32_t)i, w->cpu[i].fd, &w->v[i])))
			return fprintf(stderr, "kernel-ref: libxrs: %s\n", xrs_strerror(r)), r;
	if ((r = xrs_vcpu_bind_thread(w->v[0])))
		return fprintf(stderr, "kernel-ref: bind: %s\n", xrs_strerror(r)), r;
	ha.u.long_mode = 1;
	w->long_mode = true;
	return xrs_vm_set_attr(w->x, &ha);
}

void *world_ram(struct world *w, uint64_t gpa, uint64_t len)
{
	return mem_ram(&w->mc.mem, gpa, len);
}

void world_close(struct world *w)
{
	int i;

	if (w->x)
		xrs_vm_destroy(w->x);
	for (i = 0; i < 2; i++)
		if (w->cpu[i].run)
			kvm_cpu_close(&w->cpu[i]);
	machine_close(&w->mc);
	memset(w, 0, sizeof(*w));
}

uint64_t kclock(struct world *w)
{
	uint64_t ns;

	return kvm_vm_get_clock(&w->mc.kvm, &ns) ? 0 : ns;
}

int set_kclock(struct world *w, uint64_t ns)
{
	return kvm_vm_set_clock(&w->mc.kvm, ns);
}

uint64_t run_delay(void)
{
	int64_t rd = run_delay_of(0);

	return rd > 0 ? (uint64_t)rd : 0;
}

/* The guest runs until its next exit: libxrs books at entry, KVM at vcpu_load. */
int guest_sync(struct world *w)
{
	int r;

	xrs_vcpu_enter(w->v[0]);
	r = kvm_cpu_run(&w->cpu[0]);
	xrs_vcpu_exit(w->v[0]);
	if (r)
		return r;
	if (w->cpu[0].run->exit_reason != KVM_EXIT_IO || w->cpu[0].run->io.port != G_PORT_TICK)
		return -EPROTO;
	return 0;
}

/* The area as the guest sees it, decoded with the current layout. */
void read_area(struct world *w, uint64_t gpa, struct rs *out)
{
	unsigned int ofs = w->long_mode ? 8 : 4;
	const uint8_t *a = world_ram(w, gpa, ofs + 40);
	uint32_t state;

	memset(out, 0, sizeof(*out));
	if (!a)
		return;
	memcpy(&state, a, 4);
	out->state = state;
	memcpy(&out->entry, a + ofs, 8);
	memcpy(out->t, a + ofs + 8, 32);
}

int get_data(struct world *w, int vcpu, struct rs *out)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
	int r = xrs_vcpu_get_attr(w->v[vcpu], &a);

	out->state = a.u.runstate.state;
	out->entry = a.u.runstate.state_entry_time;
	memcpy(out->t, &a.u.runstate.time_running, 32);
	return r;
}

static int set_rs(struct world *w, int vcpu, uint16_t type, const struct rs *in)
{
	struct kvm_xen_vcpu_attr a = { .type = type };

	a.u.runstate.state = in->state;
	a.u.runstate.state_entry_time = in->entry;
	memcpy(&a.u.runstate.time_running, in->t, 32);
	return xrs_vcpu_set_attr(w->v[vcpu], &a);
}

int set_current(struct world *w, int vcpu, uint64_t state)
{
	struct rs s = { .state = state };

	return set_rs(w, vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT, &s);
}

int set_data(struct world *w, int vcpu, const struct rs *d)
{
	return set_rs(w, vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, d);
}

int set_adjust(struct world *w, int vcpu, const struct rs *d)
{
	return set_rs(w, vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST, d);
}

int set_addr(struct world *w, int vcpu, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };

	a.u.gpa = gpa;
	return xrs_vcpu_set_attr(w->v[vcpu], &a);
}

int get_addr(struct world *w, int vcpu, uint64_t *gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	int r = xrs_vcpu_get_attr(w->v[vcpu], &a);

	*gpa = a.u.gpa;
	return r;
}

int set_hvm(struct world *w, uint16_t type, uint64_t value)
{
	struct kvm_xen_hvm_attr a = { .type = type };

	/* the same byte in both (XRS_HVM_ATTR_UPDATE_FLAG) */
	a.u.long_mode = !!value;
	if (type == KVM_XEN_ATTR_TYPE_LONG_MODE)
		w->long_mode = !!value;
	return xrs_vm_set_attr(w->x, &a);
}

uint64_t sum(const struct rs *s)
{
	return s->t[0] + s->t[1] + s->t[2] + s->t[3];
}

bool rs_equal(const struct rs *a, const struct rs *b)
{
	return a->state == b->state && a->entry == b->entry && !memcmp(a->t, b->t, sizeof(a->t));
}

bool filled(struct world *w, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = world_ram(w, gpa, len);
	uint64_t i;

	for (i = 0; p && i < len; i++)
		if (p[i] != FILL)
			return false;
	return p != NULL;
}

void fill(struct world *w, uint64_t gpa, uint64_t len)
{
	uint8_t *p = world_ram(w, gpa, len);

	if (p)
		memset(p, FILL, len);
}

/* ---- a thread that keeps a CPU busy, so waiting for it is run delay -------- */

static _Atomic bool hog_stop;

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *hog(void *arg)
{
	(void)arg;
	pin_self(0);
	while (!atomic_load_explicit(&hog_stop, memory_order_relaxed))
		;
	return NULL;
}

/* Wait on a runqueue, outside the guest, until run_delay grew by @ns. */
uint64_t wait_behind_a_hog(uint64_t ns)
{
	cpu_set_t old;
	pthread_t th;
	uint64_t rd0 = run_delay(), rd;

	pthread_getaffinity_np(pthread_self(), sizeof(old), &old);
	pin_self(0);
	atomic_store(&hog_stop, false);
	pthread_create(&th, NULL, hog, NULL);
	do
		sched_yield();
	while ((rd = run_delay()) - rd0 < ns);
	atomic_store(&hog_stop, true);
	pthread_join(th, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
	return rd - rd0;
}

/* ---- the table ------------------------------------------------------------- */

static struct kernel_version kernel_version(void)
{
	struct kernel_version v = { 0 };
	struct utsname u;

	if (uname(&u)) {
		snprintf(v.release, sizeof(v.release), "?");
		return v;
	}
	sscanf(u.release, "%d.%d", &v.major, &v.minor);
	snprintf(v.release, sizeof(v.release), "%s", u.release);
	return v;
}

static bool kernel_before(const struct kernel_version *v, int major, int minor)
{
	return v->major < major || (v->major == major && v->minor < minor);
}

static int kvm_has_xen_runstate(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), caps;

	if (fd < 0)
		return -errno;
	caps = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);
	close(fd);
	return caps > 0 && (caps & KVM_XEN_HVM_CONFIG_RUNSTATE) ? caps : 0;
}

static void print_cell(const char *s, int width)
{
	printf(" %-*.*s |", width, width, s);
}

/* Long facts wrap onto continuation lines under their own column. */
static void print_row(const char *name, const char *user, const char *kernel, const char *same)
{
	const int cw = 44, nw = 34;
	size_t ul = strlen(user), kl = strlen(kernel), off = 0;

	while (off == 0 || off < ul || off < kl) {
		printf("%-*.*s |", nw, nw, off ? "" : name);
		print_cell(off < ul ? user + off : "", cw);
		print_cell(off < kl ? kernel + off : "", cw);
		printf(" %s\n", off ? "" : same);
		off += (size_t)cw;
	}
}

int main(int argc, char **argv)
{
	struct kernel_version kv = kernel_version();
	const struct ref_case *c;
	unsigned int rows = 0, same = 0, expected = 0, bad = 0, na = 0;
	struct timespec t0, t1;
	int caps = kvm_has_xen_runstate();
	const char *only = argc > 1 ? argv[1] : NULL;

	if (caps <= 0) {
		printf("kernel-ref: skipped: this KVM (%s) has no KVM_XEN_HVM_CONFIG_RUNSTATE "
		       "(%s); the sandbox's Debian 6.12 has it\n", kv.release,
		       caps < 0 ? strerror(-caps) : "a kernel without CONFIG_KVM_XEN");
		return 77;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("kernel-ref: user backend (libxrs) against KVM's own runstate code, "
	       "Linux %s, KVM_CAP_XEN_HVM %#x\n", kv.release, caps);
	printf("%-34s | %-44s | %-44s | %s\n", "case", "user", "kernel", "same?");
	for (c = ref_cases; c->name; c++) {
		struct facts u = { "" }, k = { "" };
		const char *verdict;
		char why[200];
		bool as_spec, kernel_ok;

		if (only && !strstr(c->name, only))
			continue;
		rows++;
		if (c->user_only) {
			na++;
			print_row(c->name, "n/a", "n/a", "n/a: not comparable on KVM");
			printf("    %s\n", c->user_only);
			continue;
		}
		c->run(XRS_BACKEND_USER, &u);
		c->run(XRS_BACKEND_KERNEL, &k);
		as_spec = !strcmp(u.s, c->spec);
		if (c->old_kernel && kernel_before(&kv, c->fixed_major, c->fixed_minor)) {
			kernel_ok = !strcmp(k.s, c->old_kernel);
			snprintf(why, sizeof(why), "expected: %s < %d.%d lacks %s", kv.release,
				 c->fixed_major, c->fixed_minor, c->fix);
		} else {
			kernel_ok = !strcmp(k.s, c->spec);
			snprintf(why, sizeof(why), "NO");
		}
		if (!strcmp(u.s, k.s)) {
			verdict = as_spec ? "yes" : "yes, but not as spec";
			same += as_spec;
			bad += !as_spec;
		} else if (as_spec && kernel_ok && c->old_kernel) {
			verdict = why;
			expected++;
		} else {
			verdict = "NO";
			bad++;
		}
		print_row(c->name, u.s, strcmp(u.s, k.s) ? k.s : "same", verdict);
		if (!as_spec)
			printf("    spec: %s\n", c->spec);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("kernel-ref: %u cases: %u same, %u expected kernel-version differences, "
	       "%u user-only, %u unexplained (%.1f s)\n", rows, same, expected, na, bad,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return bad ? 1 : 0;
}
