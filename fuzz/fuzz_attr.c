// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: libxrs's attribute API and hooks driven as call
 * sequences, checked after every call against a model written from
 * spec/runstate.md (§4 update, §6 guest write, §7 attributes):
 *  - every call returns the errno the model does, and GET returns what it holds;
 *  - a failing call changes nothing;
 *  - guest memory equals the model's shadow copy byte for byte: the area is
 *    exactly what the spec writes, when it writes, and no other byte moves
 *    (guest memory also sits between PROT_NONE guard pages);
 *  - state_entry_time == the sum of the times after every call.
 * Any difference aborts, so libFuzzer saves the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xrs/xrs.h>
#include "fuzz/input.h"

#define PAGE		4096u
#define RAM_GPA		0x10000ull		/* RAM A: 3 pages; RAM B: the next one */
#define RAM_A_PAGES	3
#define RAM_PAGES	4
#define RAM_END		(RAM_GPA + RAM_PAGES * PAGE)
#define FILL		0xa5

#define BUG(...)							\
	do {								\
		fprintf(stderr, "fuzz_attr: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

/* ---- guest memory, its shadow, and the clock and steal the model owns ---- */

static uint8_t *ram_a, *ram_b;		/* between guard pages */
static uint8_t shadow[RAM_PAGES * PAGE];

static uint8_t *guarded(size_t pages)
{
	uint8_t *p = mmap(NULL, (pages + 2) * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + PAGE, pages * PAGE, PROT_READ | PROT_WRITE))
		BUG("no memory");
	return p + PAGE;
}

static uint8_t *ram_byte(uint64_t gpa)
{
	uint64_t off = gpa - RAM_GPA;

	return off < RAM_A_PAGES * PAGE ? ram_a + off : ram_b + (off - RAM_A_PAGES * PAGE);
}

struct model {
	bool long_mode, update_flag;
	bool active, page2;		/* area set; its second page cache set up */
	uint64_t gpa;
	uint64_t state, entry, times[4], last_steal;
	uint64_t now, rd;
};

static struct model M;

static uint64_t fake_now(void *opaque)
{
	(void)opaque;
	return M.now;
}

static uint64_t fake_rd(void *opaque, const struct xrs_vcpu *v)
{
	(void)opaque;
	(void)v;
	return M.rd;
}

static const struct xrs_clock_ops clock_ops = { .now_ns = fake_now };
static const struct xrs_steal_ops steal_ops = { .run_delay_ns = fake_rd };

/* ---- the model: spec §4 and §6 ------------------------------------------ */

static bool is_ram(uint64_t gpa, uint64_t len)
{
	return gpa >= RAM_GPA && gpa < RAM_END && len <= RAM_END - gpa;
}

static uint32_t layout_len(bool lm)
{
	return lm ? 48 : 44;
}

static uint32_t room(uint64_t gpa)
{
	return PAGE - (uint32_t)(gpa % PAGE);
}

static void model_write(bool atomic)
{
	const uint32_t len = layout_len(M.long_mode), ofs = M.long_mode ? 8 : 4;
	const bool split = len > room(M.gpa);
	uint8_t img[48];
	int32_t st = (int32_t)M.state;
	uint32_t i;

	if (!M.active)
		return;
	if (split && !M.page2) {
		/* Only a write that may map sets the second page up (§6). */
		if (atomic || !is_ram((M.gpa | (PAGE - 1)) + 1, PAGE))
			return;
		M.page2 = true;
	}
	for (i = 0; i < len; i++)
		img[i] = shadow[M.gpa - RAM_GPA + i];
	memcpy(img, &st, 4);
	if (M.long_mode && split)
		memset(img + 4, 0, 4);		/* padding zeroed only when split */
	memcpy(img + ofs, &M.entry, 8);		/* the flag, if on, is cleared at the end */
	memcpy(img + ofs + 8, M.times, 32);
	memcpy(shadow + (M.gpa - RAM_GPA), img, len);
}

static void model_update(uint64_t state)
{
	int64_t delta = (int64_t)(M.now - M.entry), steal = (int64_t)(M.rd - M.last_steal);
	uint64_t cur = M.entry ? M.state : XRS_RUNSTATE_OFFLINE;

	if (delta >= 0 && cur == XRS_RUNSTATE_RUNNING && steal > 0) {
		if (steal > delta)
			steal = delta;
		delta -= steal;
		M.times[XRS_RUNSTATE_RUNNABLE] += (uint64_t)steal;
	}
	if (delta >= 0) {
		M.times[cur] += (uint64_t)delta;
		M.entry = M.now;
	}
	M.state = state;
	M.last_steal = M.rd;
	model_write(state == XRS_RUNSTATE_RUNNABLE);
}

static uint64_t sum4(const uint64_t t[4])
{
	return t[0] + t[1] + t[2] + t[3];
}

/* ---- the checks after every call ------------------------------------------ */

static void check(struct xrs_vcpu *v, const char *op, int got, int want)
{
	struct kvm_xen_vcpu_attr d = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA };
	uint64_t gpa;
	int r;

	if (got != want)
		BUG("%s returned %d, the spec says %d", op, got, want);
	r = xrs_vcpu_get_attr(v, &d);
	if (r)
		BUG("GET DATA after %s: %d", op, r);
	if (d.u.runstate.state != M.state || d.u.runstate.state_entry_time != M.entry ||
	    memcmp(&d.u.runstate.time_running, M.times, sizeof(M.times)))
		BUG("after %s GET DATA differs from the model", op);
	if (d.u.runstate.state_entry_time != d.u.runstate.time_running +
	    d.u.runstate.time_runnable + d.u.runstate.time_blocked + d.u.runstate.time_offline)
		BUG("after %s state_entry_time != sum of times", op);
	if (!memcmp(ram_a, shadow, RAM_A_PAGES * PAGE) &&
	    !memcmp(ram_b, shadow + RAM_A_PAGES * PAGE, (RAM_PAGES - RAM_A_PAGES) * PAGE))
		return;
	for (gpa = RAM_GPA; gpa < RAM_END; gpa++)
		if (*ram_byte(gpa) != shadow[gpa - RAM_GPA])
			BUG("after %s guest byte %#llx is %#x, the spec says %#x (area %s at %#llx)",
			    op, (unsigned long long)gpa, *ram_byte(gpa), shadow[gpa - RAM_GPA],
			    M.active ? "set" : "unset", (unsigned long long)M.gpa);
}

/* ---- the input: a byte stream of operations -------------------------------- */

/* States worth trying: the four, the first invalid ones, and -1. */
static uint64_t pick_state(uint8_t b)
{
	static const uint64_t states[] = { 0, 1, 2, 3, 4, 5, (uint64_t)-1, (uint64_t)-2 };

	return states[b % 8];
}

/* Addresses around RAM's edges and every page boundary in it. */
static uint64_t pick_gpa(uint16_t v)
{
	if (v == 0xffff)
		return KVM_XEN_INVALID_GPA;
	return RAM_GPA - 64 + v % (RAM_PAGES * PAGE + 128);
}

static void set_attr(struct xrs_vcpu *v, uint16_t type, uint64_t state, uint64_t entry,
		     const uint64_t t[4], int want, const char *op)
{
	struct kvm_xen_vcpu_attr a = { .type = type };

	a.u.runstate.state = state;
	a.u.runstate.state_entry_time = entry;
	memcpy(&a.u.runstate.time_running, t, 32);
	check(v, op, xrs_vcpu_set_attr(v, &a), want);
}

static void op_addr(struct xrs_vcpu *v, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR };
	int want = 0;

	a.u.gpa = gpa;
	if (gpa == KVM_XEN_INVALID_GPA) {
		M.active = false;
	} else if (!is_ram(gpa, room(gpa)) ||
		   (layout_len(M.long_mode) > room(gpa) && !is_ram(gpa + room(gpa), PAGE))) {
		M.active = false;		/* KVM drops both caches on failure */
		want = -EFAULT;
	} else {
		M.active = true;
		M.gpa = gpa;
		M.page2 = layout_len(M.long_mode) > room(gpa);
		model_write(false);
	}
	check(v, "SET ADDR", xrs_vcpu_set_attr(v, &a), want);
}

static void op_current(struct xrs_vcpu *v, uint64_t state)
{
	const uint64_t zero[4] = { 0 };
	int want = 0;

	if (state > 3)
		want = -EINVAL;
	else
		model_update(state);
	set_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT, state, 0, zero, want, "SET CURRENT");
}

static void op_data(struct xrs_vcpu *v, struct input *in)
{
	uint64_t state = pick_state((uint8_t)take(in, 1)), t[4], entry;
	uint8_t how = (uint8_t)take(in, 1);
	int i, want = 0;

	for (i = 0; i < 4; i++)
		t[i] = take(in, 3);
	entry = sum4(t);
	if (how & 1)
		entry += (how >> 1) % 3;	/* maybe a wrong sum */
	if (how & 8)
		entry = 0, t[0] = t[1] = t[2] = t[3] = 0;	/* re-arm the fresh rule */
	if (state > 3 || entry != sum4(t) || M.now < entry) {
		want = -EINVAL;
	} else {
		M.state = state;
		M.entry = entry;
		memcpy(M.times, t, sizeof(t));
		M.last_steal = M.rd;		/* and no guest write */
	}
	set_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA, state, entry, t, want, "SET DATA");
}

static void op_adjust(struct xrs_vcpu *v, struct input *in)
{
	uint64_t state = pick_state((uint8_t)take(in, 1)), d[4], de;
	uint8_t how = (uint8_t)take(in, 1);
	int i, want = 0;

	for (i = 0; i < 4; i++)
		d[i] = (uint64_t)(int64_t)(int16_t)take(in, 2);	/* negative deltas too */
	de = sum4(d);
	if (how & 1)
		de += 1;
	if ((state > 3 && state != (uint64_t)-1) || de != sum4(d) || M.now < M.entry + de) {
		want = -EINVAL;
	} else {
		M.entry += de;
		for (i = 0; i < 4; i++)
			M.times[i] += d[i];
		if (state <= 3)
			model_update(state);
		else
			model_write(false);
	}
	set_attr(v, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST, state, de, d, want, "SET ADJUST");
}

static void op_get(struct xrs_vcpu *v, uint8_t which)
{
	struct kvm_xen_vcpu_attr a = { 0 };
	int r;

	switch (which % 4) {
	case 0:
		a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR;
		r = xrs_vcpu_get_attr(v, &a);
		check(v, "GET ADDR", r, M.active ? 0 : -ENOENT);
		if (!r && a.u.gpa != M.gpa)
			BUG("GET ADDR %#llx, set %#llx", (unsigned long long)a.u.gpa,
			    (unsigned long long)M.gpa);
		break;
	case 1:
		a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT;
		check(v, "GET CURRENT", xrs_vcpu_get_attr(v, &a), 0);
		if (a.u.runstate.state != M.state)
			BUG("GET CURRENT %llu, the model %llu", (unsigned long long)a.u.runstate.state,
			    (unsigned long long)M.state);
		break;
	case 2:
		a.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST;
		check(v, "GET ADJUST", xrs_vcpu_get_attr(v, &a), -EINVAL);
		break;
	default:
		a.type = 0x77;			/* not a runstate type */
		check(v, "SET unknown", xrs_vcpu_set_attr(v, &a), -ENOENT);
		check(v, "GET unknown", xrs_vcpu_get_attr(v, &a), -ENOENT);
	}
}

static void op_hvm(struct xrs_vm *vm, struct xrs_vcpu *v, uint8_t b)
{
	struct kvm_xen_hvm_attr a = { .type = b & 1 ? KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG :
						      KVM_XEN_ATTR_TYPE_LONG_MODE };

	a.u.long_mode = (uint8_t)(b >> 1);	/* any nonzero byte is true */
	if (b & 1)
		M.update_flag = a.u.long_mode != 0;
	else
		M.long_mode = a.u.long_mode != 0;	/* no rewrite of the area */
	check(v, "SET HVM attr", xrs_vm_set_attr(vm, &a), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xrs_vm_params p = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER,
		.clock = &clock_ops, .steal = &steal_ops,
	};
	struct input in = { data, size };
	struct xrs_vcpu *v;
	struct xrs_vm *vm;
	int ops = 0;

	if (!ram_a) {
		ram_a = guarded(RAM_A_PAGES);
		ram_b = guarded(RAM_PAGES - RAM_A_PAGES);
	}
	memset(ram_a, FILL, RAM_A_PAGES * PAGE);
	memset(ram_b, FILL, (RAM_PAGES - RAM_A_PAGES) * PAGE);
	memset(shadow, FILL, sizeof(shadow));
	memset(&M, 0, sizeof(M));
	M.now = 1000000000ull;
	if (xrs_vm_create(&p, &vm) || xrs_vcpu_create(vm, 0, -1, &v) ||
	    xrs_vm_map_memory(vm, RAM_GPA, RAM_A_PAGES * PAGE, ram_a) ||
	    xrs_vm_map_memory(vm, RAM_GPA + RAM_A_PAGES * PAGE, PAGE, ram_b))
		BUG("setup failed");

	while (in.n && ops++ < 200) {
		uint8_t op = (uint8_t)take(&in, 1);

		switch (op % 10) {
		case 0:
			op_addr(v, pick_gpa((uint16_t)take(&in, 2)));
			break;
		case 1:
			op_current(v, pick_state((uint8_t)take(&in, 1)));
			break;
		case 2:
			op_data(v, &in);
			break;
		case 3:
			op_adjust(v, &in);
			break;
		case 4:
			op_get(v, (uint8_t)take(&in, 1));
			break;
		case 5:
			op_hvm(vm, v, (uint8_t)take(&in, 1));
			break;
		case 6:
			xrs_vcpu_enter(v);	/* vcpu_load: an update to running */
			model_update(XRS_RUNSTATE_RUNNING);
			xrs_vcpu_exit(v);
			check(v, "enter", 0, 0);
			break;
		case 7:
			M.now += take(&in, 2) * 16;
			break;
		case 8:
			M.now -= take(&in, 2) * 64;	/* KVM_SET_CLOCK moved it back */
			break;
		default: {
			uint64_t d = take(&in, 2);

			if (d & 1)
				M.rd -= d >> 3;		/* an injected source that went back */
			else
				M.rd += d;
		}
		}
	}
	xrs_vm_destroy(vm);
	return 0;
}
