// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <xrs/stats.h>
#include "tests/unit/harness.h"

static uint64_t fake_now(void *opaque)
{
	return ((struct fake *)opaque)->now;
}

static uint64_t fake_run_delay(void *opaque, const struct xrs_vcpu *vcpu)
{
	(void)vcpu;
	return ((struct fake *)opaque)->run_delay;
}

const struct xrs_clock_ops fake_clock_ops = { .now_ns = fake_now };
const struct xrs_steal_ops fake_steal_ops = { .run_delay_ns = fake_run_delay };

struct xrs_vm *default_vm(struct xrs_vcpu **v)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	struct xrs_vm *vm;

	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	assert_int_equal(xrs_vcpu_create(vm, 0, -1, v), 0);
	return vm;
}

void *guarded_alloc(size_t npages)
{
	uint8_t *base = mmap(NULL, (npages + 2) * PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(base != MAP_FAILED);
	assert_int_equal(mprotect(base, PAGE, PROT_NONE), 0);
	assert_int_equal(mprotect(base + (npages + 1) * PAGE, PAGE, PROT_NONE), 0);
	return base + PAGE;
}

void guarded_free(void *mem, size_t npages)
{
	munmap((uint8_t *)mem - PAGE, (npages + 2) * PAGE);
}

void tvm_init(struct tvm *t)
{
	struct xrs_vm_params p = {
		.vm_fd = -1,
		.backend = XRS_BACKEND_USER,
		.clock = &fake_clock_ops,
		.clock_opaque = &t->fake,
		.steal = &fake_steal_ops,
		.steal_opaque = &t->fake,
	};

	memset(t, 0, sizeof(*t));
	t->fake.now = T0_NS;
	assert_int_equal(xrs_vm_create(&p, &t->vm), 0);
	assert_int_equal(xrs_vcpu_create(t->vm, 0, -1, &t->vcpu), 0);
	t->mem = guarded_alloc(3);
	assert_int_equal(xrs_vm_map_memory(t->vm, SHINFO_GPA, 3 * PAGE, t->mem), 0);
}

void tvm_init_selftest(struct tvm *t)
{
	tvm_init(t);
	set_long_mode(t->vm, 1);
	set_update_flag(t->vm, 1);
	set_addr(t->vcpu, RUNSTATE_GPA);
	/* The host pokes state so the first entry is seen to overwrite it. */
	memset(tvm_hva(t, RUNSTATE_GPA), 0x5a, 1);
}

static struct tvm fixture;

int tvm_setup(void **state)
{
	tvm_init(&fixture);
	*state = &fixture;
	return 0;
}

int tvm_setup_64(void **state)
{
	tvm_setup(state);
	set_long_mode(fixture.vm, 1);
	return 0;
}

int tvm_setup_selftest(void **state)
{
	tvm_init_selftest(&fixture);
	*state = &fixture;
	return 0;
}

int tvm_teardown(void **state)
{
	tvm_fini(*state);
	return 0;
}

void tvm_fini(struct tvm *t)
{
	xrs_vm_destroy(t->vm);
	guarded_free(t->mem, 3);
}

uint8_t *tvm_hva(struct tvm *t, uint64_t gpa)
{
	assert_true(gpa >= SHINFO_GPA && gpa < SHINFO_GPA + 3 * PAGE);
	return t->mem + (gpa - SHINFO_GPA);
}

int __set_long_mode(struct xrs_vm *vm, int on)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };

	a.u.long_mode = (uint8_t)on;
	return xrs_vm_set_attr(vm, &a);
}

void set_long_mode(struct xrs_vm *vm, int on)
{
	TEST_ASSERT_OK(__set_long_mode(vm, on), "SET LONG_MODE=%d", on);
}

int __set_update_flag(struct xrs_vm *vm, int on)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };

	XRS_HVM_ATTR_UPDATE_FLAG(&a) = (uint8_t)on;
	return xrs_vm_set_attr(vm, &a);
}

void set_update_flag(struct xrs_vm *vm, int on)
{
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };

	TEST_ASSERT_OK(__set_update_flag(vm, on), "SET RUNSTATE_UPDATE_FLAG=%d", on);
	memset(&a.u, 0xff, sizeof(a.u));
	TEST_ASSERT_OK(xrs_vm_get_attr(vm, &a), "GET RUNSTATE_UPDATE_FLAG");
	assert_int_equal(XRS_HVM_ATTR_UPDATE_FLAG(&a), !!on);
}

int __set_addr(struct xrs_vcpu *v, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };

	a.u.gpa = gpa;
	return xrs_vcpu_set_attr(v, &a);
}

void set_addr(struct xrs_vcpu *v, uint64_t gpa)
{
	TEST_ASSERT_OK(__set_addr(v, gpa), "SET RUNSTATE_ADDR %#llx", (unsigned long long)gpa);
}

int __set_current(struct xrs_vcpu *v, uint64_t state)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT };

	a.u.runstate.state = state;
	return xrs_vcpu_set_attr(v, &a);
}

void set_current(struct xrs_vcpu *v, uint64_t state)
{
	TEST_ASSERT_OK(__set_current(v, state), "SET RUNSTATE_CURRENT %llu",
		       (unsigned long long)state);
}

int __get_data(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *out)
{
	memset(out, 0, sizeof(*out));
	out->type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA;
	return xrs_vcpu_get_attr(v, out);
}

void get_data(struct xrs_vcpu *v, struct kvm_xen_vcpu_attr *out)
{
	TEST_ASSERT_OK(__get_data(v, out), "GET RUNSTATE_DATA");
}

int vcpu_attr(struct xrs_vcpu *v, uint16_t type, uint64_t state, uint64_t entry,
	      uint64_t run, uint64_t runnable, uint64_t blocked, uint64_t offline)
{
	struct kvm_xen_vcpu_attr a = { .type = type };

	a.u.runstate.state = state;
	a.u.runstate.state_entry_time = entry;
	a.u.runstate.time_running = run;
	a.u.runstate.time_runnable = runnable;
	a.u.runstate.time_blocked = blocked;
	a.u.runstate.time_offline = offline;
	return xrs_vcpu_set_attr(v, &a);
}

void guest_enter_and_read(struct tvm *t, uint64_t gpa, bool long_mode, struct area_view *v)
{
	xrs_vcpu_enter(t->vcpu);
	area_decode(tvm_hva(t, gpa), long_mode, v);
	xrs_vcpu_exit(t->vcpu);
	/* The selftest's host check at every sync. */
	assert_int_equal(v->entry, view_sum(v));
}

/* A VM whose source is the map, or a skip that says why not. */
struct xrs_vm *bpf_vm_or_skip(struct xrs_vcpu **v)
{
	struct xrs_vm *vm = default_vm(v);
	char src[XRS_STATS_SOURCE_MAX];

	assert_int_equal(xrs_vm_get_preempt_source(vm, src, sizeof(src)), 0);
	if (strcmp(src, "bpf")) {
		print_message("preempt_source: %s: skipped\n", src);
		xrs_vm_destroy(vm);
		skip();
	}
	return vm;
}

int thread_schedstat(pid_t tid, uint64_t *rd, uint64_t *pcount)
{
	unsigned long long a, b, c;
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu %llu", &a, &b, &c);
	fclose(f);
	*rd = b;
	*pcount = c;
	return n == 3 ? 0 : -1;
}
