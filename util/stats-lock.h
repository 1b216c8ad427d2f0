/* SPDX-License-Identifier: MIT */
/*
 * Liveness of a published stats file is a lock, shared by libxrs and the
 * tools (docs/stats-format.md): open-file-description write locks, which
 * the kernel drops when their holder exits, however it exits.
 *
 *   byte 1  the VMM's: held for as long as it publishes (with byte 0)
 *   byte 0  the remover's: whoever holds it may unlink the file, if the
 *           name still names it; a VMM holds it too, so no one else does
 *
 * A remover that finds byte 0 taken asks about byte 1: taken means a live
 * VMM (give up at once), free means another remover (the file is on its
 * way out: wait for it to go).
 */
#ifndef XRS_UTIL_STATS_LOCK_H
#define XRS_UTIL_STATS_LOCK_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>

static inline int stats_lock_range(int fd, short cmd_type, int cmd, off_t start, off_t len)
{
	struct flock l = { .l_type = cmd_type, .l_whence = SEEK_SET, .l_start = start,
			   .l_len = len };

	if (fcntl(fd, cmd, &l))
		return -errno;
	return cmd == F_OFD_GETLK ? l.l_type != F_UNLCK : 0;
}

/* The VMM's, before its file gets its name: 0 or -errno. */
static inline int stats_lock_vmm(int fd)
{
	return stats_lock_range(fd, F_WRLCK, F_OFD_SETLK, 0, 2);
}

/* The right to remove: 0, or -EAGAIN (or -EACCES) while someone holds it. */
static inline int stats_lock_remover(int fd)
{
	return stats_lock_range(fd, F_WRLCK, F_OFD_SETLK, 0, 1);
}

/* Does a VMM hold the file? A question: it takes nothing (any fd will do). */
static inline bool stats_vmm_holds(int fd)
{
	return stats_lock_range(fd, F_WRLCK, F_OFD_GETLK, 1, 1) == 1;
}

#endif /* XRS_UTIL_STATS_LOCK_H */
