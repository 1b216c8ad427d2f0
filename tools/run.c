// SPDX-License-Identifier: MIT
/* xrs run: a VM's life, and its runstate table. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tools/commands.h"
#include "tools/output.h"
#include "tools/proc-cpu.h"
#include "tools/run-opts.h"
#include "util/hosttime.h"
#include "vmm/checks.h"
#include "vmm/migrate.h"
#include "vmm/status.h"
#include "vmm/vmm.h"

static double mono_s(void)
{
	return (double)mono_ns() / 1e9;
}

static void print_sample(struct run_opts *o, struct sample *s)
{
	const struct sample_vm vm = {
		.bits = o->cfg.bits, .workload = o->cfg.workload, .backend = o->cfg.backend,
		.linux_guest = o->kernel != NULL,
		.runstate = o->cfg.runstate, .update_flag = o->cfg.update_flag,
		.witness = o->cfg.witness,
	};

	if (o->json)
		sample_print_json(stdout, s, &vm);
	else
		sample_print_table(stdout, s, &vm);
	fflush(stdout);
}

static void sample_take(struct vmm *m, struct sample *s, bool final)
{
	uint32_t i;

	s->final = final;
	for (i = 0; i < s->nr; i++)
		vmm_sample_vcpu(m, i, final, &s->v[i]);
}

/* Sample every --interval until @end (seconds since @start), or the VM stops. */
static void run_until(struct run_opts *o, struct vmm *m, struct sample *s, double start,
		      double end, double *next)
{
	while (!vmm_failed(m) && !vmm_stopping(m)) {
		double now = mono_s();

		if (now >= start + end)
			return;
		if (now >= *next) {
			s->t = now - start;
			sample_take(m, s, false);
			print_sample(o, s);
			/* samples a pause took the time of (a save and restore) are not made up */
			do
				*next += o->interval;
			while (*next <= now);
		}
		/* a quarter of the way to what comes next, at most 0.1 s: the end comes too */
		usleep((useconds_t)(1e6 * fmax(0, fmin(((*next < start + end ? *next : start + end) -
							now) / 4, 0.1))) + 1000);
	}
}

/*
 * --save-restore-at: pause the VM, save it, and go on in a new one restored
 * from the snapshot (the old one is gone by then, as after a migration).
 */
static int save_and_restore(struct run_opts *o, struct vmm **mp, double t)
{
	struct vmm_snapshot *snap;
	struct vmm_err err;
	struct vmm *m = *mp;
	uint64_t gap;
	int r;

	r = vmm_pause(m, 10);
	if (r) {
		vmm_failure(m, &err);
		fprintf(stderr, "xrs run: pausing: %s\n", err.msg);
		return r;
	}
	r = vmm_save(m, &snap, &err);
	if (r) {
		fprintf(stderr, "xrs run: save: %s\n", err.msg);
		return r;
	}
	vmm_destroy(m);
	*mp = NULL;
	r = vmm_create(&o->cfg, &m, &err);
	if (!r && o->restore_ahead)
		r = vmm_clock_ahead(m, snap->clock_ns + 3600 * NSEC_PER_SEC, &err);
	if (!r)
		r = vmm_restore(m, snap, &err);
	gap = mono_ns() - snap->saved_mono_ns;
	if (!r)
		r = vmm_start(m, &err);
	if (r) {
		fprintf(stderr, "xrs run: restore: %s\n", err.msg);
		vmm_destroy(m);
	} else {
		*mp = m;
		if (o->json)
			printf("{\"name\":\"%s\",\"event\":\"restored\",\"t\":%.3f,"
			       "\"saved_clock_ns\":%llu,\"gap_ns\":%llu,\"clock_before\":\"%s\"}\n",
			       o->name, t, (unsigned long long)snap->clock_ns,
			       (unsigned long long)gap, o->restore_ahead ? "ahead" : "behind");
		else
			printf("%s: saved at %.2f s (guest clock %.3f s), restored into a new VM "
			       "%.1f ms later (its clock was %s)\n", o->name, t,
			       (double)snap->clock_ns / 1e9, (double)gap / 1e6,
			       o->restore_ahead ? "an hour ahead" : "behind");
		fflush(stdout);
	}
	vmm_snapshot_free(snap);
	return r;
}

static const char *end_name(enum vmm_end end)
{
	switch (end) {
	case VMM_END_POWEROFF: return "powered off";
	case VMM_END_REBOOT: return "rebooted";
	case VMM_END_CRASH: return "panicked";
	case VMM_END_TRIPLE_FAULT: return "triple-faulted";
	default: return "timed out";
	}
}

/* Whether libxrs books the guest's HLT blocked (KVM's halt stats), said once. */
static const char *idle_booked(struct vmm *m)
{
	static char why[96];
	int st = -ENODEV;

	if (vmm_halt_status(m, &st) || st == -EOPNOTSUPP)
		return "";
	if (!st)
		return ", idle (HLT) booked blocked";
	snprintf(why, sizeof(why), ", idle (HLT) booked running (no halt stats: %s)",
		 xrs_strerror(st));
	return why;
}

/*
 * How a Linux guest's run ended, on stderr beside its console: 0 if it
 * ended it itself by powering off or rebooting, else 1.
 */
static int report_linux_end(struct run_opts *o, struct vmm *m, const struct sample *s)
{
	uint64_t first = vmm_first_output_ns(m), hypercalls = 0;
	double first_s = first ? (double)first / 1e9 - o->started : 0;
	char why[256];
	enum vmm_end end = vmm_how_ended(m, why, sizeof(why));
	bool own_end = end == VMM_END_REBOOT || end == VMM_END_POWEROFF;
	struct vmm_err failure;
	uint32_t i;

	if (vmm_failed(m)) {
		vmm_failure(m, &failure);
		fprintf(stderr, "xrs run: the Linux guest failed after %.1f s: %s\n", s->t,
			failure.msg);
	} else {
		fprintf(stderr, "xrs run: the Linux guest %s after %.1f s (first output at %.1f s)"
			"%s%s\n", end_name(end), s->t, first_s, own_end ? "" : ": ",
			own_end ? "" : end ? why : "still running at the end of --seconds");
	}
	for (i = 0; i < s->nr; i++) {
		uint64_t rip;
		uint32_t cpl, mp;

		hypercalls += s->v[i].hypercalls;
		/* a guest that did not end: where it stands, to tell a hang */
		if (end == VMM_END_NONE && !vmm_vcpu_where(m, i, &rip, &cpl, &mp))
			fprintf(stderr, "xrs run: vCPU %u at rip %#llx, cpl %u, mp_state %u, %llu "
				"exits\n", i, (unsigned long long)rip, cpl, mp,
				(unsigned long long)s->v[i].exits);
	}
	if (o->cfg.runstate)
		fprintf(stderr, "xrs run: Xen HVM guest, %s accounting%s, %llu hypercalls to the VMM\n",
			o->cfg.backend == XRS_BACKEND_KERNEL ? "KVM's" : "libxrs's",
			idle_booked(m), (unsigned long long)hypercalls);
	return !vmm_failed(m) && own_end ? 0 : 1;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {
		.cfg = { .nr_vcpus = 4, .bits = GUEST_64, .program = VMM_PROG_WORKLOAD,
			 .workload = VMM_WL_MIXED, .update_flag = true, .runstate = true,
			 .backend = XRS_BACKEND_USER, .refresh_ms = 10,
			 .hooks = &vmm_host_checks },
		.seconds = 5, .name = "xrs",
	};
	struct sample s = { 0 };
	struct vmm *m;
	struct vmm_err err;
	struct proc_cpu cpu0, cpu1;
	double start, next;
	uint32_t i;
	int r, status = 0;

	r = run_parse(argc, argv, &o);
	if (r)
		return r;
	r = vmm_create(&o.cfg, &m, &err);
	if (r) {
		fprintf(stderr, "xrs run: %s\n", err.msg);
		linux_image_free(&o.image);
		return 1;
	}
	o.cfg.backend = vmm_backend(m);
	s.name = o.name;
	s.nr = vmm_nr_vcpus(m);
	s.v = calloc(s.nr, sizeof(*s.v));
	if (!s.v) {
		vmm_destroy(m);
		fprintf(stderr, "xrs run: out of memory\n");
		return 1;
	}
	if (!o.json && o.kernel)
		printf("%s: %u vCPUs, Linux (%s), %llu MiB, %s\n", o.name, o.cfg.nr_vcpus, o.kernel,
		       (unsigned long long)o.cfg.ram_mib, !o.cfg.runstate ? "a plain PC" :
		       o.cfg.backend == XRS_BACKEND_KERNEL ? "Xen HVM, KVM's own accounting" :
		       "Xen HVM, libxrs accounting");
	else if (!o.json)
		printf("%s: %u vCPUs, %d-bit guests, workload %s, %.1f s, update flag %s, %s\n",
		       o.name, o.cfg.nr_vcpus, o.cfg.bits, workload_name(o.cfg.workload), o.seconds,
		       o.cfg.update_flag ? "on" : "off",
		       !o.cfg.runstate ? "no accounting" :
		       o.cfg.backend == XRS_BACKEND_KERNEL ? "KVM's own accounting" :
		       "libxrs accounting");
	if (!o.json) {
		char src[96];

		/* Where steal comes from: the BPF map, or why not (one line). */
		if (!vmm_preempt_source(m, src, sizeof(src))) {
			printf("preempt_source: %s\n", src);
			/* Whether the guest reads runnable while its vCPU thread waits. */
			printf("preempt_areas: %s\n", vmm_moves_areas(m) ?
			       "moved onto the map, flipped at preemption" :
			       "not moved (XRS_MOVE_AREAS=1 moves them: experimental)");
		}
	}

	s.have_cpu = !proc_cpu_read(&cpu0);
	r = vmm_start(m, &err);
	if (r) {
		fprintf(stderr, "xrs run: %s\n", err.msg);
		status = 1;
	}
	start = o.started = mono_s();
	next = o.interval > 0 ? start + o.interval : start + o.seconds;
	if (!r && o.save_at) {
		run_until(&o, m, &s, start, o.save_at, &next);
		if (!vmm_failed(m) && !vmm_stopping(m) &&
		    save_and_restore(&o, &m, mono_s() - start)) {
			free(s.v);
			if (m)
				vmm_destroy(m);
			return 1;
		}
	}
	if (!r)
		run_until(&o, m, &s, start, o.seconds, &next);
	vmm_stop(m);
	if (vmm_join(m, 10))
		status = 1;
	s.t = mono_s() - start;
	sample_take(m, &s, true);
	if (s.have_cpu && !proc_cpu_read(&cpu1)) {
		s.cpu_user = cpu1.user - cpu0.user;
		s.cpu_sys = cpu1.sys - cpu0.sys;
		s.cpu_guest = cpu1.guest - cpu0.guest;
	} else {
		s.have_cpu = false;
	}
	print_sample(&o, &s);
	fflush(stdout);
	if (o.publish && o.linger)	/* the final numbers, still readable outside */
		nanosleep(&(struct timespec){ .tv_sec = (time_t)o.linger,
			  .tv_nsec = (long)((o.linger - (double)(time_t)o.linger) * 1e9) }, NULL);
	for (i = 0; i < s.nr; i++) {
		if (s.v[i].failed)
			fprintf(stderr, "xrs run: vCPU %u: %s\n", i, s.v[i].error);
		if (s.v[i].violations || s.v[i].host_violations || s.v[i].failed)
			status = 1;
	}
	if (o.kernel && report_linux_end(&o, m, &s))
		status = 1;
	free(s.v);
	vmm_destroy(m);
	linux_image_free(&o.image);
	return status;
}
