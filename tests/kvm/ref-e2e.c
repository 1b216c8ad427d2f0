// SPDX-License-Identifier: MIT
/*
 * The VMM's end-to-end runs for the differential table: the same guests,
 * workloads and hooks as tests/kvm/test_xen_vmm.c under `xrs run`'s VMM,
 * on either backend, reduced to facts.
 */
#include <string.h>
#include <time.h>
#include "kernel-ref.h"
#include "vmm.h"
#include "views.h"

struct e2e {
	uint32_t program, workload, vcpus;
	int bits;
	double seconds;			/* 0: until the guests are done */
};

static void e2e_run(enum xrs_backend b, struct facts *o, const struct e2e *e)
{
	struct views w = { 0 };
	struct vmm_config cfg = {
		.nr_vcpus = e->vcpus, .bits = e->bits, .program = e->program,
		.workload = e->workload, .update_flag = true, .runstate = true, .backend = b,
		.refresh_ms = 10,
	};
	struct timespec ts = { (time_t)e->seconds,
			       (long)((e->seconds - (double)(time_t)e->seconds) * 1e9) };
	uint64_t gv = 0, hv = 0, vc = 0, vd = 0, checks = 0;
	unsigned int sums = 0, ran = 0, blocked = 0, offline = 0, done = 0, errors = 0;
	struct vmm *m;
	char err[256];
	uint32_t i;

	if (e->program == G_PROG_AREA_VIEWS) {
		cfg.on_ucall = views_on_sync;
		cfg.opaque = &w;
	}
	if (vmm_create(&cfg, &m, err, sizeof(err))) {
		fact(o, "vmm_create: %s", err);
		return;
	}
	if (vmm_start(m)) {
		fact(o, "vmm_start: %s", m->err);
		vmm_destroy(m);
		return;
	}
	if (e->seconds > 0) {
		nanosleep(&ts, NULL);
		vmm_stop(m);
	}
	if (vmm_join(m, 120))
		fact(o, "vCPUs did not stop");
	for (i = 0; i < m->nr_vcpus; i++) {
		struct vmm_vcpu *v = &m->vcpus[i];
		struct kvm_xen_vcpu_attr d = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };

		errors += v->error;
		done += v->done;
		gv += atomic_load(&v->guest_violations);
		hv += atomic_load(&v->host_violations);
		vc += atomic_load(&v->view_checks);
		vd += atomic_load(&v->view_diffs);
		checks += v->last_report.checks;
		if (xrs_vcpu_get_attr(v->xrs, &d))
			continue;
		sums += d.u.runstate.state_entry_time == d.u.runstate.time_running +
			d.u.runstate.time_runnable + d.u.runstate.time_blocked +
			d.u.runstate.time_offline;
		ran += d.u.runstate.time_running > 0;
		blocked += d.u.runstate.time_blocked > 0;
		offline += d.u.runstate.time_offline > 0;
	}
	fact(o, "%s, guest checks %s, violations %llu, host checks failed %llu",
	     errors || atomic_load(&m->failed) ? "FAILED" : "clean", checks ? ">0" : "0",
	     (unsigned long long)gv, (unsigned long long)hv);
	fact(o, "views compared %s, differed %llu", vc ? ">0" : "0", (unsigned long long)vd);
	fact(o, "entry=sum %u/%u, running>0 %u, blocked>0 %u", sums, m->nr_vcpus, ran, blocked);
	if (e->workload == G_WL_MIXED)
		fact(o, "offline>0 %u", offline);
	if (e->program == G_PROG_AREA_VIEWS)
		fact(o, "area steps %u+%u, bytes differed %u", w.steps[0], w.steps[1], w.bad);
	if (e->seconds <= 0)
		fact(o, "done %u", done);
	vmm_destroy(m);
}

#define E2E(fn, ...)							\
void fn(enum xrs_backend b, struct facts *o)				\
{									\
	static const struct e2e e = { __VA_ARGS__ };			\
	e2e_run(b, o, &e);						\
}

E2E(e2e_mixed_64, G_PROG_WORKLOAD, G_WL_MIXED, 3, 64, 1.5)
E2E(e2e_mixed_32, G_PROG_WORKLOAD, G_WL_MIXED, 3, 32, 1.5)
E2E(e2e_idle_64, G_PROG_WORKLOAD, G_WL_IDLE, 2, 64, 1.0)
E2E(e2e_spin_64, G_PROG_WORKLOAD, G_WL_SPIN, 2, 64, 1.0)
E2E(e2e_exits_32, G_PROG_WORKLOAD, G_WL_EXITS, 2, 32, 1.0)
E2E(e2e_views_64, G_PROG_AREA_VIEWS, 0, 2, 64, 0)
E2E(e2e_views_32, G_PROG_AREA_VIEWS, 0, 2, 32, 0)
E2E(e2e_hostile_64, G_PROG_HOSTILE, 0, 2, 64, 0)
E2E(e2e_hostile_32, G_PROG_HOSTILE, 0, 2, 32, 0)
