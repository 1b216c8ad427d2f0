// SPDX-License-Identifier: MIT
#include "guest/guest-runstate.h"
#include "guest/snapshot.h"

uint64_t rs_sum(const struct rs_view *v)
{
	return v->time[0] + v->time[1] + v->time[2] + v->time[3];
}

void rs_read(const volatile uint8_t *area, int long_mode, struct rs_view *v)
{
	unsigned int ofs = long_mode ? 8 : 4;
	uint8_t copy[48];

	snapshot_read(area, long_mode, 1, copy, &v->entry);
	v->state = (uint32_t)copy[0] | (uint32_t)copy[1] << 8 |
		   (uint32_t)copy[2] << 16 | (uint32_t)copy[3] << 24;
	memcpy(v->time, copy + ofs + 8, sizeof(v->time));
}

/* Register @area for this vCPU by virtual or physical address. */
long register_area(struct gcpu *c, volatile uint8_t *area, int by_gpa)
{
	uint64_t a = (uint64_t)(uintptr_t)area;	/* identity mapped: VA == PA */
	long r;

	r = hypercall(XEN_HC_vcpu_op, by_gpa ? VCPUOP_register_runstate_phys_area :
				      VCPUOP_register_runstate_memory_area,
		      c->id, (unsigned long)(uintptr_t)&a);
	if (!r) {
		c->rs = area;
		c->rs_ok = 1;
	}
	return r;
}

long register_area_of(uint32_t vcpu, uint64_t addr, int by_gpa)
{
	return hypercall(XEN_HC_vcpu_op, by_gpa ? VCPUOP_register_runstate_phys_area :
				      VCPUOP_register_runstate_memory_area,
			 vcpu, (unsigned long)(uintptr_t)&addr);
}

void violation(struct gcpu *c, const char *what)
{
	static const char prefix[] = "xrs guest: runstate check failed: ";

	if (c->report.violations++ < 3) {
		hypercall(XEN_HC_console_io, CONSOLEIO_write, sizeof(prefix) - 1,
			  (unsigned long)(uintptr_t)prefix);
		hypercall(XEN_HC_console_io, CONSOLEIO_write, strlen(what),
			  (unsigned long)(uintptr_t)what);
		hypercall(XEN_HC_console_io, CONSOLEIO_write, 1, (unsigned long)(uintptr_t)"\n");
	}
}

int rs_monotonic(const struct rs_view *now, const struct rs_view *before)
{
	int i;

	for (i = 0; i < 4; i++)
		if (now->time[i] < before->time[i])
			return 0;
	return now->entry >= before->entry;
}

/* Check this vCPU's own area; 0 if all holds. */
int check_own_area(struct gcpu *c)
{
	struct rs_view v;
	uint64_t now;
	int bad = 0;

	if (!c->rs)
		return 0;
	rs_read(c->rs, guest_long_mode(), &v);
	now = now_ns(c);
	c->report.checks++;
	if (v.entry != rs_sum(&v)) {
		violation(c, "own area: state_entry_time != sum of time[]");
		bad = 1;
	} else if (!rs_monotonic(&v, &c->last)) {
		violation(c, "own area: a time went backwards");
		bad = 1;
	} else if (v.entry > now) {
		violation(c, "own area: state_entry_time is in the future");
		bad = 1;
	} else if (v.state != RUNSTATE_running) {
		violation(c, "own area: not running while the vCPU reads it");
		bad = 1;
	} else {
		uint64_t age = now - v.entry;

		c->report.age_hist[g_age_bucket(age)]++;
		if (age > c->report.age_max_ns)
			c->report.age_max_ns = age;
	}
	c->last = v;
	return bad;
}

void report(struct gcpu *c)
{
	struct rs_view v = { 0 };

	if (c->rs)
		rs_read(c->rs, guest_long_mode(), &v);
	c->report.state = v.state;
	c->report.entry = v.entry;
	memcpy(c->report.time, v.time, sizeof(v.time));
	c->report.now = now_ns(c);
	c->report.steal_ns = c->steal.steal;
	ucall(c, G_UCALL_REPORT, (uint64_t)(uintptr_t)&c->report, 0, 0, 0);
}
