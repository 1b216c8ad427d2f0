// SPDX-License-Identifier: MIT
/*
 * The VMM's end-to-end runs for the differential table: the same guests,
 * workloads and hooks as tests/kvm/test_xen_vmm.c under `xrs run`'s VMM,
 * on either backend, reduced to facts.
 */
#include <string.h>
#include <time.h>
#include "tests/kvm/kernel-ref.h"
#include "tests/kvm/views.h"
#include "vmm/checks.h"
#include "vmm/vcpu-sample.h"
#include "vmm/vmm.h"
#include "vmm/xen/runstate.h"

struct e2e {
	enum vmm_program program;
	enum vmm_workload workload;
	uint32_t vcpus;
	enum guest_width bits;
	double seconds;			/* 0: until the guests are done */
};

static void e2e_run(enum xrs_backend b, struct facts *o, const struct e2e *e)
{
	struct views w = { 0 };
	struct vmm_config cfg = {
		.nr_vcpus = e->vcpus, .bits = e->bits, .program = e->program,
		.workload = e->workload, .update_flag = true, .runstate = true, .backend = b,
		.refresh_ms = 10, .hooks = &vmm_host_checks,
	};
	struct timespec ts = { (time_t)e->seconds,
			       (long)((e->seconds - (double)(time_t)e->seconds) * 1e9) };
	uint64_t gv = 0, hv = 0, vc = 0, vd = 0, checks = 0;
	unsigned int sums = 0, ran = 0, blocked = 0, offline = 0, done = 0, errors = 0;
	struct vmm *m;
	struct vmm_err err;
	uint32_t i;

	if (e->program == VMM_PROG_AREA_VIEWS) {
		cfg.on_ucall = views_on_sync;
		cfg.opaque = &w;
	}
	if (vmm_create(&cfg, &m, &err)) {
		fact(o, "vmm_create: %s", err.msg);
		return;
	}
	if (vmm_start(m, &err)) {
		fact(o, "vmm_start: %s", err.msg);
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
		struct kvm_xen_vcpu_attr d;
		struct vmm_vcpu_sample s;

		vmm_sample_vcpu(m, i, true, &s);
		errors += s.failed;
		done += atomic_load(&v->done);
		gv += s.violations;
		hv += s.host_violations;
		vc += s.view_checks;
		vd += s.view_diffs;
		checks += s.checks - s.remote_checks;
		if (runstate_get(&v->xen, &d))
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
	if (e->workload == VMM_WL_MIXED)
		fact(o, "offline>0 %u", offline);
	if (e->program == VMM_PROG_AREA_VIEWS)
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

E2E(e2e_mixed_64, VMM_PROG_WORKLOAD, VMM_WL_MIXED, 3, GUEST_64, 1.5)
E2E(e2e_mixed_32, VMM_PROG_WORKLOAD, VMM_WL_MIXED, 3, GUEST_32, 1.5)
E2E(e2e_idle_64, VMM_PROG_WORKLOAD, VMM_WL_IDLE, 2, GUEST_64, 1.0)
E2E(e2e_spin_64, VMM_PROG_WORKLOAD, VMM_WL_SPIN, 2, GUEST_64, 1.0)
E2E(e2e_exits_32, VMM_PROG_WORKLOAD, VMM_WL_EXITS, 2, GUEST_32, 1.0)
E2E(e2e_views_64, VMM_PROG_AREA_VIEWS, 0, 2, GUEST_64, 0)
E2E(e2e_views_32, VMM_PROG_AREA_VIEWS, 0, 2, GUEST_32, 0)
E2E(e2e_hostile_64, VMM_PROG_HOSTILE, 0, 2, GUEST_64, 0)
E2E(e2e_hostile_32, VMM_PROG_HOSTILE, 0, 2, GUEST_32, 0)
