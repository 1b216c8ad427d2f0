/* SPDX-License-Identifier: MIT */
/*
 * The differential run's pieces: a world per backend (VM, two vCPUs, libxrs
 * over them), helpers the cases share, and the case table.
 */
#ifndef XRS_KERNEL_REF_H
#define XRS_KERNEL_REF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <xrs/xrs.h>
#include "guest/guest-abi.h"
#include "vmm/machine.h"

/* What a case did, as facts independent of the clock's exact values. */
struct facts {
	char s[600];
};

struct world {
	enum xrs_backend backend;
	struct machine mc;
	struct kvm_cpu cpu[2];
	struct xrs_vm *x;
	struct xrs_vcpu *v[2];
	bool long_mode;
};

struct rs {
	uint64_t state, entry, t[4];
};

struct ref_case {
	const char *name;
	void (*run)(enum xrs_backend b, struct facts *o);
	const char *spec;		/* the facts spec/runstate.md implies */
	const char *user_only;		/* why KVM cannot be made to do this */
	/* A kernel before fixed_major.fixed_minor lacks @fix and gives @old_kernel. */
	const char *old_kernel;
	int fixed_major, fixed_minor;
	const char *fix;
};

extern const struct ref_case ref_cases[];

struct kernel_version {
	int major, minor;
	char release[65];
};

void fact(struct facts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *errname(int r);

int world_open(struct world *w, enum xrs_backend backend);
void world_close(struct world *w);
uint64_t kclock(struct world *w);
int set_kclock(struct world *w, uint64_t ns);
uint64_t run_delay(void);
/* Guest RAM [gpa, gpa + len), or NULL. */
void *world_ram(struct world *w, uint64_t gpa, uint64_t len);
uint64_t wait_behind_a_hog(uint64_t ns);
int guest_sync(struct world *w);
void read_area(struct world *w, uint64_t gpa, struct rs *out);
int get_data(struct world *w, int vcpu, struct rs *out);
int get_addr(struct world *w, int vcpu, uint64_t *gpa);
int set_current(struct world *w, int vcpu, uint64_t state);
int set_data(struct world *w, int vcpu, const struct rs *d);
int set_adjust(struct world *w, int vcpu, const struct rs *d);
int set_addr(struct world *w, int vcpu, uint64_t gpa);
int set_hvm(struct world *w, uint16_t type, uint64_t value);
uint64_t sum(const struct rs *s);
bool rs_equal(const struct rs *a, const struct rs *b);
bool filled(struct world *w, uint64_t gpa, uint64_t len);
void fill(struct world *w, uint64_t gpa, uint64_t len);

/* The VMM's end-to-end runs (ref-e2e.c), as rows of the same table. */
#define REF_E2E(name) void name(enum xrs_backend b, struct facts *o);
REF_E2E(e2e_mixed_64) REF_E2E(e2e_mixed_32) REF_E2E(e2e_idle_64) REF_E2E(e2e_spin_64)
REF_E2E(e2e_exits_32) REF_E2E(e2e_views_64) REF_E2E(e2e_views_32) REF_E2E(e2e_hostile_64)
REF_E2E(e2e_hostile_32)

#define E2E_OK "clean, guest checks >0, violations 0, host checks failed 0"
#define REF_E2E_CASES							\
	{ .name = "e2e mixed, 3 vCPUs, 64-bit", .run = e2e_mixed_64,	\
	  .spec = E2E_OK "; views compared >0, "	\
	  "differed 0; entry=sum 3/3, running>0 3, blocked>0 3; offline>0 3" },	\
	{ .name = "e2e mixed, 3 vCPUs, 32-bit", .run = e2e_mixed_32,	\
	  .spec = E2E_OK "; views compared >0, "	\
	  "differed 0; entry=sum 3/3, running>0 3, blocked>0 3; offline>0 3" },	\
	{ .name = "e2e idle, 64-bit", .run = e2e_idle_64,	\
	  .spec = E2E_OK "; views compared >0, differed 0; "	\
	  "entry=sum 2/2, running>0 2, blocked>0 2" },				\
	{ .name = "e2e spin, 64-bit", .run = e2e_spin_64,	\
	  .spec = E2E_OK "; views compared >0, differed 0; "	\
	  "entry=sum 2/2, running>0 2, blocked>0 0" },				\
	{ .name = "e2e exits, 32-bit", .run = e2e_exits_32,	\
	  .spec = E2E_OK "; views compared >0, differed 0; "\
	  "entry=sum 2/2, running>0 2, blocked>0 0" },				\
	{ .name = "e2e area views, 64-bit", .run = e2e_views_64,	\
	  .spec = E2E_OK "; views compared >0, "	\
	  "differed 0; entry=sum 2/2, running>0 2, blocked>0 2; area steps 5+4, "	\
	  "bytes differed 0; done 2" },						\
	{ .name = "e2e area views, 32-bit", .run = e2e_views_32,	\
	  .spec = E2E_OK "; views compared >0, "	\
	  "differed 0; entry=sum 2/2, running>0 2, blocked>0 2; area steps 5+4, "	\
	  "bytes differed 0; done 2" },						\
	{ .name = "e2e hostile guest, 64-bit", .run = e2e_hostile_64,	\
	  .spec = E2E_OK "; views compared >0, "\
	  "differed 0; entry=sum 2/2, running>0 2, blocked>0 0; done 2" },	\
	{ .name = "e2e hostile guest, 32-bit", .run = e2e_hostile_32,	\
	  .spec = E2E_OK "; views compared >0, "\
	  "differed 0; entry=sum 2/2, running>0 2, blocked>0 0; done 2" },

#define REF_RAM		(4u << 20)
#define REF_P		0x300000ull	/* a page boundary no guest code touches */
#define REF_FILL	0xa5
#define MS		1000000ull

#endif
