/* SPDX-License-Identifier: MIT */
/*
 * Reading published VMs' stats files (<xrs/stats.h>) from outside the VMM:
 * for xrs list, stat, top, export and timeline.
 *
 * The run directory is trusted only if owned by this user or root and
 * writable by no one else. A file is trusted only as far as it was
 * checked: a regular file owned by this user or root (its group, the run
 * directory's, may read it: see docs/operators.md), with the magic, the
 * version and the layout this reader knows, the size its header says, and,
 * opened by name, that name in its header. Records are
 * read under their sequence counters with a bounded number of tries (a VMM
 * that died mid-write leaves one odd forever); a file that shrinks under
 * the reader is an error, not a SIGBUS. Nothing here blocks on the VMM.
 *
 * A file is live while its VMM holds the lock it took on it (an OFD write
 * lock: the kernel drops it when the VMM exits, however it exits).
 */
#ifndef XRS_TOOLS_STATSFILE_H
#define XRS_TOOLS_STATSFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xrs/stats.h>

#define STATS_ERR_MAX	256

struct stats_file {
	char path[PATH_MAX];
	char name[XRS_STATS_NAME_MAX];
	const struct xrs_stats_header *map;	/* the whole file, read-only */
	size_t size;
	struct xrs_stats_header h;		/* the header as checked at open */
	struct {				/* the fields that change, as last read */
		uint32_t nr_vcpus, slot_limit, closed;
		int64_t clock_offset_ns;
		uint64_t steal_interval_ns;
	} live;
	int fd;					/* kept open: its lock says if it is live */
	dev_t dev;				/* the file opened, to tell it from */
	ino_t ino;				/* a later one of the same name */
	bool stale;				/* its VMM is gone, or it closed */
	char stale_why[96];
};

/* One vCPU's consistent snapshot. */
struct stats_vcpu {
	uint32_t slot, vcpu_id, state;		/* state: RUNSTATE_*, or 4+ if garbage */
	uint64_t entry, time[XRS_RUNSTATE_COUNT];
	uint64_t enters, updates, area_writes, area_skips, steal_samples, steal_unbooked;
	uint64_t ring_head;
	bool in_guest;
	bool torn;		/* no consistent read in the tries: a writer died mid-write */
	/* The CPU-ready histogram (struct xrs_stats_ready); all 0 without the source. */
	uint64_t ready_count, ready_sum_ns, ready_max_ns;
	uint64_t ready_buckets[XRS_STATS_READY_BUCKETS];
	bool ready_torn;
};

/* $XRS_RUN_DIR, or /run/xrs. */
const char *stats_dir(void);

/*
 * Is stats_dir() one to trust (owned by this user or root, writable by
 * neither group nor others)? 0, -ENOENT if it does not exist, or -errno
 * with a message in @err naming the problem.
 */
int stats_dir_check(char *err, size_t errlen);

/*
 * Open NAME's file in stats_dir() (or @path, if not NULL: for tests and the
 * fuzzer). 0, or -errno with a message in @err naming the problem.
 */
int stats_open(const char *name, struct stats_file *f, char *err, size_t errlen);
int stats_open_path(const char *path, struct stats_file *f, char *err, size_t errlen);
void stats_close(struct stats_file *f);

/*
 * Remove @f's file if no VMM holds it, and only if its name still names
 * that very file: 1 if removed, 0 if kept (@err says why), or -errno.
 */
int stats_prune(struct stats_file *f, char *err, size_t errlen);

/*
 * Does @f's name still name the very file @f opened (its dev and inode)?
 * 1 if so, 0 if another file took the name (a new VM of the same name),
 * -ENOENT if no file has it now, or -errno.
 */
int stats_still_named(const struct stats_file *f);

/* Read f->live again (and whether the file went stale): 0, or -EIO if it shrank. */
int stats_refresh(struct stats_file *f);

/* Read the vCPUs in use, up to @max: their number, or -errno (@err says why). */
int stats_read_vcpus(struct stats_file *f, struct stats_vcpu *out, unsigned int max,
		     char *err, size_t errlen);

/* The VM's guest time now, by the header's clock; false if it cannot be known. */
bool stats_guest_now(const struct stats_file *f, uint64_t *now);

/*
 * Transitions of slot @slot from index @from (ring_head counts them) up to
 * the newest, at most @max: how many were copied to @out, or -errno.
 * @from moves past what was copied; @lost counts the ones overwritten
 * before they could be read.
 */
int stats_read_ring(struct stats_file *f, uint32_t slot, uint64_t *from,
		    struct xrs_stats_transition *out, unsigned int max, uint64_t *lost);

/*
 * A vCPU's times as of guest time @now: its current state's time grows
 * until the next update books it (what KVM's next update would add). A
 * clock that cannot be read, or is behind the entry, adds nothing.
 */
void stats_vcpu_times_at(const struct stats_vcpu *v, bool have_now, uint64_t now,
			 uint64_t out[XRS_RUNSTATE_COUNT]);

/* "running", "runnable", "blocked", "offline" or "?" */
const char *stats_state_name(uint32_t state);

/* Seconds since the VMM published the file (its uptime as an operator sees it). */
double stats_uptime(const struct stats_file *f);

#endif /* XRS_TOOLS_STATSFILE_H */
