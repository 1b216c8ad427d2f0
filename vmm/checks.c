// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>
#include "guest/guest-abi.h"
#include "vmm/checks.h"
#include "vmm/vm.h"
#include "vmm/xen/runstate.h"

static void host_check(struct vmm_vcpu *v, bool ok)
{
	atomic_fetch_add(&v->check.host_checks, 1);
	if (!ok)
		atomic_fetch_add(&v->check.host_violations, 1);
}

static void view_of_data(const struct kvm_xen_vcpu_attr *d, uint64_t out[5])
{
	out[0] = d->u.runstate.state_entry_time;
	memcpy(&out[1], &d->u.runstate.time_running, 4 * sizeof(uint64_t));
}

/* a's fields, entry first, none ahead of b's */
static bool view_le(const uint64_t a[5], const uint64_t b[5])
{
	int i;

	for (i = 0; i < 5; i++)
		if (a[i] > b[i])
			return false;
	return true;
}

/*
 * Before re-entering after a kick: the guest may have read its area in the
 * stint the kick ended and report it only later, after updates it did not
 * see. Keep the area as it was then (libxrs writes it only at entries).
 */
static void reentry_after_kick(struct vmm_vcpu *v)
{
	struct kvm_xen_vcpu_attr d;

	if (v->check.view_base_valid || v->xen.rs.area_gpa == KVM_XEN_INVALID_GPA ||
	    runstate_get(&v->xen, &d))
		return;
	view_of_data(&d, v->check.view_base);
	v->check.view_base_valid = true;
}

static void guest_exit(struct vmm_vcpu *v)
{
	v->check.view_base_valid = false;	/* a new stint */
}

static void report(struct vmm_vcpu *v, const struct g_report *r)
{
	struct kvm_xen_vcpu_attr d;
	uint64_t guest[5], host[5];
	bool ok;

	if (v->xen.rs.area_gpa == KVM_XEN_INVALID_GPA || !r->entry || runstate_get(&v->xen, &d))
		return;
	guest[0] = r->entry;
	memcpy(&guest[1], r->time, sizeof(r->time));
	view_of_data(&d, host);
	if (v->vmm->xen.kernel_xen)
		ok = view_le(guest, host);
	else if (v->check.view_base_valid)
		ok = view_le(v->check.view_base, guest) && view_le(guest, host);
	else
		ok = !memcmp(guest, host, sizeof(guest));
	atomic_fetch_add(&v->check.view_checks, 1);
	host_check(v, ok);
	if (ok)
		return;
	atomic_fetch_add(&v->check.view_diffs, 1);
	vmm_fail(v, "guest view (entry %" PRIu64 ", times %" PRIu64 " %" PRIu64 " %" PRIu64
		 " %" PRIu64 ") %s GET DATA (entry %" PRIu64 ", times %" PRIu64 " %" PRIu64
		 " %" PRIu64 " %" PRIu64 ")",
		 guest[0], guest[1], guest[2], guest[3], guest[4],
		 v->vmm->xen.kernel_xen ? "is ahead of" :
		 v->check.view_base_valid ? "is not between the area before the kick and" :
		 "differs from", host[0], host[1], host[2], host[3], host[4]);
}

/* Where a wait begins: the entry time, and the time booked to @state so far. */
static void mark(struct vmm_vcpu *v, uint32_t state, uint64_t *entry, uint64_t *booked)
{
	struct kvm_xen_vcpu_attr d;

	*entry = 0;
	if (runstate_get(&v->xen, &d))
		return;
	*entry = d.u.runstate.state_entry_time;
	*booked = (&d.u.runstate.time_running)[state];
}

/* A wait that began at @entry and ended at @until was booked to @state, all of it. */
static void check_booked(struct vmm_vcpu *v, uint32_t state, uint64_t entry, uint64_t booked,
			 uint64_t until, _Atomic uint64_t *count, const char *what)
{
	struct kvm_xen_vcpu_attr d;
	uint64_t got;

	if (!entry || until <= entry || runstate_get(&v->xen, &d))
		return;
	got = (&d.u.runstate.time_running)[state] - booked;
	atomic_fetch_add(count, 1);
	host_check(v, got >= until - entry);
	if (got < until - entry)
		vmm_fail(v, "%s %" PRIu64 " ns, kept so %" PRIu64 " ns", what, got, until - entry);
}

static void block_begin(struct vmm_vcpu *v)
{
	mark(v, XRS_RUNSTATE_BLOCKED, &v->check.block_start, &v->check.block_blocked);
}

static void block_end(struct vmm_vcpu *v, uint64_t deadline, bool by_timer)
{
	if (by_timer)
		check_booked(v, XRS_RUNSTATE_BLOCKED, v->check.block_start,
			     v->check.block_blocked, deadline, &v->check.block_checks,
			     "blocked until its timer: booked");
}

static void offline_begin(struct vmm_vcpu *v)
{
	mark(v, XRS_RUNSTATE_OFFLINE, &v->check.off_start, &v->check.off_offline);
}

static void offline_end(struct vmm_vcpu *v, uint64_t up_at_ns)
{
	check_booked(v, XRS_RUNSTATE_OFFLINE, v->check.off_start, v->check.off_offline,
		     up_at_ns, &v->check.offline_checks, "down until VCPUOP_up: booked offline");
}

const struct vmm_hooks vmm_host_checks = {
	.block_begin = block_begin,
	.block_end = block_end,
	.offline_begin = offline_begin,
	.offline_end = offline_end,
	.report = report,
	.reentry_after_kick = reentry_after_kick,
	.guest_exit = guest_exit,
};
