/* SPDX-License-Identifier: MIT */
/*
 * libxrs: Xen vCPU runstate accounting for KVM VMMs, in user space.
 *
 * The calls mirror KVM's Xen runstate interface one to one:
 *   xrs_vm_set_attr / xrs_vm_get_attr     KVM_XEN_HVM_SET_ATTR / GET_ATTR
 *   xrs_vcpu_set_attr / xrs_vcpu_get_attr KVM_XEN_VCPU_SET_ATTR / GET_ATTR
 *   xrs_check_extension                   KVM_CHECK_EXTENSION
 * with the same structs, the same semantics and the same errnos (returned
 * negated). On a host whose KVM reports KVM_XEN_HVM_CONFIG_RUNSTATE the calls
 * pass through to the kernel; elsewhere libxrs does the accounting and writes
 * the guest's vcpu_runstate_info itself, driven by two hooks the VMM calls
 * around KVM_RUN.
 *
 * Every int function returns 0 or a negative errno unless its comment says
 * otherwise. Nothing here prints or exits.
 */
#ifndef XRS_XRS_H
#define XRS_XRS_H

#include <stdint.h>
#include <xrs/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The API this header describes; xrs_version() says which library is loaded.
 * The major version is the shared library's soname (libxrs.so.1); within it
 * the ABI only grows. Public structs never change size: a struct that must
 * grow gets a new symbol version (XRS_1.1, ...) for the calls that take it,
 * and programs built against an older header keep the old layout.
 */
#define XRS_VERSION_MAJOR	1
#define XRS_VERSION_MINOR	1
#define XRS_VERSION_PATCH	0
#define XRS_VERSION_NUMBER(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
#define XRS_VERSION \
	XRS_VERSION_NUMBER(XRS_VERSION_MAJOR, XRS_VERSION_MINOR, XRS_VERSION_PATCH)

/* The loaded library's version, as XRS_VERSION_NUMBER packs it (not an errno). */
unsigned int xrs_version(void);

struct xrs_vm;
struct xrs_vcpu;

/* Guest clock: kvmclock nanoseconds (Xen system time). */
struct xrs_clock_ops {
	uint64_t (*now_ns)(void *opaque);
};

/* Cumulative run delay (ns) of the vCPU's host thread. */
struct xrs_steal_ops {
	uint64_t (*run_delay_ns)(void *opaque, const struct xrs_vcpu *vcpu);
};

/* Cumulative time (ns) the vCPU spent halted inside KVM_RUN (since 1.1). */
struct xrs_halt_ops {
	uint64_t (*halted_ns)(void *opaque, const struct xrs_vcpu *vcpu);
};

enum xrs_backend {
	XRS_BACKEND_AUTO,	/* kernel if KVM reports RUNSTATE, else user */
	XRS_BACKEND_USER,	/* libxrs accounting, any host */
	XRS_BACKEND_KERNEL,	/* KVM's own (CONFIG_KVM_XEN) */
};

struct xrs_vm_params {
	int vm_fd;				/* KVM VM fd, or -1: no KVM */
	enum xrs_backend backend;
	const struct xrs_clock_ops *clock;	/* NULL: kvmclock of vm_fd (read
						 * without an ioctl; measured again
						 * by SET CURRENT/DATA/ADJUST, so
						 * they follow KVM_SET_CLOCK),
						 * CLOCK_MONOTONIC without one */
	void *clock_opaque;
	const struct xrs_steal_ops *steal;	/* NULL: schedstat run_delay of
						 * the bound thread */
	void *steal_opaque;
};

/*
 * Create a VM context. Errors: -EINVAL (bad params), -EOPNOTSUPP (KERNEL
 * asked for but KVM lacks KVM_XEN_HVM_CONFIG_RUNSTATE), -ENOMEM, or the
 * errno of KVM_GET_CLOCK on vm_fd when the default clock is used.
 */
int  xrs_vm_create(const struct xrs_vm_params *p, struct xrs_vm **vmp);
/* Destroys the VM and any vCPUs still attached to it. */
void xrs_vm_destroy(struct xrs_vm *vm);

/*
 * KVM_CHECK_EXTENSION. For KVM_CAP_XEN_HVM the user backend reports the
 * KVM_XEN_HVM_CONFIG_* flags libxrs implements (RUNSTATE and
 * RUNSTATE_UPDATE_FLAG, or 0 when no steal source is available). Returns the
 * capability value (>= 0), or a negative errno.
 */
int  xrs_check_extension(struct xrs_vm *vm, long cap);

/*
 * Tell libxrs where guest memory [gpa, gpa + size) lives in this process.
 * The only memory libxrs ever writes is inside these regions. As for KVM
 * memslots, gpa and size are multiples of 4096: -EINVAL otherwise, and for
 * size 0, a NULL hva or a range that wraps; -EEXIST if it overlaps a region
 * already mapped. Regions stay mapped for the life of the VM.
 */
int  xrs_vm_map_memory(struct xrs_vm *vm, uint64_t gpa, uint64_t size, void *hva);

/* KVM_XEN_HVM_SET_ATTR / GET_ATTR: LONG_MODE and RUNSTATE_UPDATE_FLAG. */
int  xrs_vm_set_attr(struct xrs_vm *vm, const struct kvm_xen_hvm_attr *attr);
int  xrs_vm_get_attr(struct xrs_vm *vm, struct kvm_xen_hvm_attr *attr);

/*
 * Create vCPU vcpu_id (< 4096, at most 1024 per VM, like KVM). vcpu_fd may
 * be -1 on the user backend; the kernel backend needs it (-EBADF).
 * -EEXIST if the id is taken.
 */
int  xrs_vcpu_create(struct xrs_vm *vm, uint32_t vcpu_id, int vcpu_fd,
		     struct xrs_vcpu **vcpup);
void xrs_vcpu_destroy(struct xrs_vcpu *vcpu);

/*
 * KVM_XEN_VCPU_SET_ATTR / GET_ATTR, runstate types ADDR, CURRENT, DATA and
 * ADJUST. May be called from any thread; calls on one VM are serialized.
 * With the default kvmclock, SET CURRENT, DATA and ADJUST measure it once
 * (one KVM_GET_CLOCK) and return that ioctl's error, changing nothing, if it
 * fails; no other call makes an ioctl on the user backend.
 */
int  xrs_vcpu_set_attr(struct xrs_vcpu *vcpu, const struct kvm_xen_vcpu_attr *attr);
int  xrs_vcpu_get_attr(struct xrs_vcpu *vcpu, struct kvm_xen_vcpu_attr *attr);

/*
 * VMM hooks, called on the vCPU's own thread.
 *
 * bind_thread: this thread runs the vCPU from now on; steal is taken from its
 * run delay whichever thread later makes a call.
 * enter: before every KVM_RUN; plays KVM's vcpu_load: the vCPU becomes
 * running and steal is carved out of the time it spent running.
 * exit: after KVM_RUN returns. Neither takes a VM-wide lock.
 */
int  xrs_vcpu_bind_thread(struct xrs_vcpu *vcpu);
void xrs_vcpu_enter(struct xrs_vcpu *vcpu);
void xrs_vcpu_exit(struct xrs_vcpu *vcpu);

/* A static description of a (negative or positive) errno; never NULL. */
const char *xrs_strerror(int err);

/* ---- Beyond KVM's interface ------------------------------------------ */

/*
 * How often enter() takes a steal sample while a vCPU stays running.
 *
 * KVM books running->running on every KVM_RUN. Reading the run delay costs a
 * syscall, so with the default (schedstat) steal source libxrs does that
 * update only once this much guest time has passed since the last one
 * (default 1 ms); in between, enter() makes no syscall and leaves the guest
 * area as it is, as KVM does for a guest that does not exit. Totals are the
 * same: the one update books the whole interval and carves all of its steal.
 * Any attribute call, and any state other than running, makes the next
 * enter() update at once. 0 updates on every enter, exactly like KVM; that is
 * the default with an injected steal source.
 */
int  xrs_vm_set_steal_interval(struct xrs_vm *vm, uint64_t interval_ns);

/*
 * Publish the VM's accounting for operators: `xrs list`, `xrs stat`, `xrs
 * top`, `xrs export` and `xrs timeline` read it from outside the process,
 * and so can any tool (<xrs/stats.h>, docs/stats-format.md). The file is
 * $XRS_RUN_DIR/NAME.xrs (default /run/xrs/; directory 0750, file 0640 of
 * the directory's group), mapped shared; the publish step of each vCPU
 * writes its record there, so readers cost the vCPUs nothing and can never
 * stall them. The VM holds a lock on it for its life; it goes away with
 * xrs_vm_destroy; a file no VMM holds (its VMM died) is stale and replaced.
 *
 * Call once, before the first xrs_vcpu_create. @name: 1 to 63 of
 * [A-Za-z0-9._-], not starting with '.' or '-'. Errors: -EINVAL (name),
 * -EBUSY (vCPUs exist, or published already), -EEXIST (a running VMM
 * publishes that name, or something not a regular file is there),
 * -EPERM (the directory is not owned by this user or root, or is writable
 * by its group or others), -EOPNOTSUPP (kernel backend: read KVM's
 * attributes there), or the errno of making the directory or the file.
 */
int  xrs_vm_publish(struct xrs_vm *vm, const char *name);

/*
 * Halted time, booked blocked (since 1.1, symbol version XRS_1.1).
 *
 * A guest that idles with HLT under KVM's in-kernel LAPIC halts inside
 * KVM_RUN: KVM's own runstate, and libxrs 1.0, book that time running. Xen
 * books a halted vCPU blocked, and so does libxrs when it has a halt source:
 * at each update the halted time the source gained is carved out of the
 * running time into blocked, then steal out of what is left into runnable
 * (the area, RUNSTATE_DATA, xrs_vcpu_get_stats and the stats file all show
 * it). KVM's halt wait lasts until the woken vCPU runs again, so a wake-up's
 * wait for a CPU is in both counters: it is booked blocked, as the guest
 * counts it idle, and the run delay steal cannot take is unbooked. Halted time gained while the vCPU is booked anything but
 * running (the VMM's own SCHEDOP_block or HLT exit, offline) is not booked:
 * the vCPU is not in KVM_RUN then, so nothing is booked twice. A sample that
 * goes back is the new base, as for steal.
 *
 * The default (XRS_HALT_KVM_STATS) is KVM's binary statistics of the vcpu_fd
 * given to xrs_vcpu_create (KVM_GET_STATS_FD, Linux >= 5.14), found by name:
 * halt_wait_ns plus halt_poll_success_ns and halt_poll_fail_ns. Poll time
 * counts as halted: the guest executed HLT and sees that time as idle; only
 * the host CPU it burns is not idle (the process's CPU time says that). It is
 * read with the run delay, so also once per steal interval.
 *
 * Call before the first xrs_vcpu_create. @src XRS_HALT_OPS takes @ops and
 * @opaque (both NULL otherwise). Errors: -EINVAL (bad arguments), -EBUSY
 * (vCPUs exist), -EOPNOTSUPP (kernel backend: KVM writes the area itself and
 * books halted time running).
 */
enum xrs_halt_source {
	XRS_HALT_KVM_STATS,	/* default: KVM's binary stats of each vCPU fd */
	XRS_HALT_NONE,		/* halted time is running, as KVM and libxrs 1.0 book it */
	XRS_HALT_OPS,		/* an injected source */
};
int  xrs_vm_set_halt_source(struct xrs_vm *vm, enum xrs_halt_source src,
			    const struct xrs_halt_ops *ops, void *opaque);

/*
 * Whether this vCPU's halted time is booked blocked (since 1.1): *status is
 * 0 if it is, else why not, as a negative errno for xrs_strerror:
 * -EOPNOTSUPP the kernel backend, -ECANCELED XRS_HALT_NONE, -EBADF no vcpu_fd
 * given, -ENOTTY KVM gives no binary stats (Linux < 5.14), -ENOENT they have
 * no halt_wait_ns, or the errno of reading them. Without a source the
 * accounting is exactly as in 1.0. Returns 0, or -EINVAL.
 */
int  xrs_vcpu_get_halt_status(const struct xrs_vcpu *vcpu, int *status);

/*
 * Where the default steal source reads a vCPU thread's run delay (since
 * 1.1): "bpf" when libxrs loaded its sched_switch program at xrs_vm_create
 * (a load from a map, no syscall per sample; root or CAP_BPF+CAP_PERFMON,
 * kernel BTF), else "none (why)" and the thread's schedstat as in 1.0:
 * e.g. "none (not permitted (needs root or CAP_BPF+CAP_PERFMON))",
 * "none (XRS_PREEMPT_SOURCE=none)" (the environment turns it off),
 * "none (steal source injected)", "none (not built with BPF)". Copied into
 * @buf, cut to @len. Returns 0, or -EINVAL.
 */
int  xrs_vm_get_preempt_source(const struct xrs_vm *vm, char *buf, uint32_t len);

/*
 * A preempted vCPU reads runnable (since 1.1; docs/preempt-source.md). With
 * the preemption source loaded, the program can write a vCPU's runstate
 * area at the instant its thread is switched out inside KVM_RUN (runnable)
 * and back in (running), as KVM's preempt notifier does: what Linux's
 * vcpu_is_preempted() reads. It can only write memory of its map, so the
 * guest page(s) holding the area must move there: the VMM's part, as it
 * owns guest memory and its vCPUs.
 *
 * After each SET RUNSTATE_ADDR that succeeds, outside libxrs's locks, on
 * the thread that called it, libxrs calls @move with the guest pages to
 * move (the area's page and, where it is guest memory, the next one) and
 * the pages to put there: @fd from @offset, npages * 4096 bytes. The VMM
 * copies its pages' contents there and maps them over its own mapping of
 * those guest pages (mmap MAP_SHARED | MAP_FIXED, read-write), with no vCPU
 * in guest code and no other libxrs call meanwhile (a guest write between
 * the copy and the map would be lost). 0, or -errno: then the area stays
 * where it is and is not flipped, as where the source is not loaded. Pages once
 * moved stay moved; an area set again in a page moved before uses it. A
 * process has pages for 256 moves over its life: the map's pages of a
 * destroyed VM are not reused (the VMM may still map them).
 * xrs_vm_move_area_pages does the copy and the map for RAM the VMM mmapped
 * and gave to xrs_vm_map_memory; a VMM calls it from @move once its vCPUs
 * are held.
 *
 * Set before the first SET RUNSTATE_ADDR. -EINVAL (no move), -EOPNOTSUPP
 * (kernel backend: KVM writes the area itself).
 */
struct xrs_area_pages {
	uint64_t gpa;			/* the first guest page, page-aligned */
	uint32_t npages;		/* 1 or 2 */
	int fd;				/* what to map there, from offset */
	uint64_t offset;
};

struct xrs_area_mover {
	int (*move)(void *opaque, struct xrs_vm *vm, const struct xrs_area_pages *p);
};

int  xrs_vm_set_area_mover(struct xrs_vm *vm, const struct xrs_area_mover *mover,
			   void *opaque);
/*
 * Copy @p's guest pages into @p's fd, then map it over them at the host
 * addresses given to xrs_vm_map_memory. 0, -EINVAL (bad @p), -EFAULT (a
 * page that is not guest memory), or mmap's errno: before any page moved,
 * or, if mapping the second page failed, with the first one moved (its
 * contents are kept either way).
 */
int  xrs_vm_move_area_pages(struct xrs_vm *vm, const struct xrs_area_pages *p);

/* The guest clock libxrs uses when the VMM injects none. */
enum xrs_default_clock {
	XRS_DEFAULT_CLOCK_INJECTED = 0,		/* the VMM's clock_ops */
	XRS_DEFAULT_CLOCK_KVMCLOCK = 1,		/* kvmclock derived from vm_fd */
	XRS_DEFAULT_CLOCK_MONOTONIC = 2,	/* CLOCK_MONOTONIC (no vm_fd) */
};

struct xrs_vm_info {
	enum xrs_backend backend;	/* USER or KERNEL, never AUTO */
	int steal_available;		/* runstate attrs work */
	int default_clock;		/* an enum xrs_default_clock; int, as
					 * released in 1.0 */
	uint64_t steal_interval_ns;
};
int  xrs_vm_get_info(const struct xrs_vm *vm, struct xrs_vm_info *info);

/*
 * A consistent snapshot of one vCPU's accounting, read without any lock the
 * vCPU thread could wait on (a sequence counter; retries while an update is
 * in flight). For monitors and exporters. User backend only (-EOPNOTSUPP on
 * the kernel backend: use xrs_vcpu_get_attr there).
 */
struct xrs_vcpu_stats {
	uint32_t vcpu_id;
	uint32_t state;
	uint64_t state_entry_time;
	uint64_t time[XRS_RUNSTATE_COUNT];
	uint64_t enters;		/* xrs_vcpu_enter calls */
	uint64_t updates;		/* accounting updates (all causes) */
	uint64_t area_writes;		/* guest-area writes completed */
	uint64_t area_skips;		/* writes skipped: area not mapped */
	uint64_t steal_samples;		/* run-delay reads */
	int in_guest;			/* between enter and exit */
	/*
	 * 4 bytes of implicit padding follow (the next field is 8-aligned).
	 * The layout is frozen with XRS_1.0: no field ever takes them, since a
	 * caller built against 1.0 leaves them as its stack had them.
	 */
	/*
	 * Run delay of the vCPU's thread that updates saw but, by KVM's rule, did
	 * not book as runnable: accrued while blocked or offline (a woken vCPU's
	 * wait for a CPU), beyond the interval, or while the clock was behind.
	 * runnable + this = the thread's run delay over the same updates.
	 */
	uint64_t steal_unbooked_ns;
	/*
	 * Time the run-delay reads took (the default schedstat source; 0 with an
	 * injected one), with the halt source's reads made beside them.
	 */
	uint64_t steal_sample_ns;
};
int  xrs_vcpu_get_stats(const struct xrs_vcpu *vcpu, struct xrs_vcpu_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* XRS_XRS_H */
