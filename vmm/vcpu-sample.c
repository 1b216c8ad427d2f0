// SPDX-License-Identifier: MIT
#include <string.h>
#include "guest/guest-abi.h"
#include "vmm/vcpu-sample.h"
#include "vmm/vmm.h"
#include "vmm/xen/runstate.h"

/* The upper edge of the bucket holding percentile @pct of the guest's area ages. */
static uint64_t age_percentile(const struct g_report *r, uint64_t total, double pct)
{
	uint64_t want = (uint64_t)((double)total * pct / 100.0 + 0.5), seen = 0;
	uint32_t b;

	if (!want)
		want = 1;
	for (b = 0; b < G_AGE_BUCKETS; b++) {
		seen += r->age_hist[b];
		if (seen >= want)
			return b + 1 < G_AGE_BUCKETS ? g_age_bucket_top(b) : r->age_max_ns;
	}
	return 0;
}

static void take_ages(struct vmm_vcpu_sample *o, const struct g_report *r)
{
	uint64_t total = 0;
	uint32_t b;

	for (b = 0; b < G_AGE_BUCKETS; b++)
		total += r->age_hist[b];
	o->age_max = r->age_max_ns;
	o->age_p50 = total ? age_percentile(r, total, 50) : 0;
	o->age_p99 = total ? age_percentile(r, total, 99) : 0;
	if (o->age_p50 > o->age_max)
		o->age_p50 = o->age_max;
	if (o->age_p99 > o->age_max)
		o->age_p99 = o->age_max;
}

static void take_accounting(struct vmm_vcpu *v, bool final, struct vmm_vcpu_sample *o)
{
	struct kvm_xen_vcpu_attr d;
	struct xrs_vcpu_stats st;
	bool stats = v->xen.rs.xrs && !xrs_vcpu_get_stats(v->xen.rs.xrs, &st);

	if (stats) {
		o->have_unbooked = true;
		o->run_delay_unbooked = st.steal_unbooked_ns;
		o->steal_samples = st.steal_samples;
		o->steal_sample_ns = st.steal_sample_ns;
	}
	if (stats && !final) {
		o->accounted = true;
		o->state = st.state;
		memcpy(o->time, st.time, sizeof(o->time));
	} else if (!runstate_get(&v->xen, &d)) {
		o->accounted = true;
		o->state = (uint32_t)d.u.runstate.state;
		memcpy(o->time, &d.u.runstate.time_running, sizeof(o->time));
	}
}

void vmm_sample_vcpu(struct vmm *m, uint32_t i, bool final, struct vmm_vcpu_sample *o)
{
	struct vmm_vcpu *v = &m->vcpus[i];
	struct g_report rep;
	struct vmm_err err;

	memset(o, 0, sizeof(*o));
	o->id = i;
	take_accounting(v, final, o);
	pthread_mutex_lock(&v->lock);
	rep = *v->report;
	pthread_mutex_unlock(&v->lock);
	o->checks = rep.checks + rep.remote_checks;
	o->remote_checks = rep.remote_checks;
	o->violations = atomic_load(&v->guest_violations);
	o->witness_steal = rep.steal_ns;
	o->host_checks = atomic_load(&v->check.host_checks);
	o->host_violations = atomic_load(&v->check.host_violations);
	o->view_checks = atomic_load(&v->check.view_checks);
	o->view_diffs = atomic_load(&v->check.view_diffs);
	o->block_checks = atomic_load(&v->check.block_checks);
	o->offline_checks = atomic_load(&v->check.offline_checks);
	o->exits = atomic_load(&v->exits);
	o->hypercalls = atomic_load(&v->xen.hypercalls);
	o->kicks = atomic_load(&v->kicks);
	if (!final)
		return;
	take_ages(o, &rep);
	o->run_delay = v->rd_end_ns - v->rd_start_ns;
	o->run_delay_start = v->rd_start_ns;
	o->area_gpa = v->xen.rs.area_gpa;	/* KVM_XEN_INVALID_GPA is UINT64_MAX */
	o->failed = atomic_load(&v->failed);
	vmm_vcpu_failure(v, &err);
	memcpy(o->error, err.msg, sizeof(o->error));
}
