/* SPDX-License-Identifier: MIT */
/*
 * The run directory published VMs' files live in, and the one rule for
 * trusting it, for libxrs (which publishes there) and the tools (which
 * read there, and check it for xrs run --publish before any VM is made):
 * owned by this user or root, writable by neither group nor others.
 * Whoever could write it could block a name or remove a live VM's file.
 */
#ifndef XRS_UTIL_RUN_DIR_H
#define XRS_UTIL_RUN_DIR_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/msg.h"

#define RUN_DIR_DEFAULT	"/run/xrs"

/* $XRS_RUN_DIR, or /run/xrs. */
static inline const char *run_dir(void)
{
	const char *d = getenv("XRS_RUN_DIR");

	return d && *d ? d : RUN_DIR_DEFAULT;
}

/*
 * Is @dir one to trust? 0 (and its stat in *@st), or -errno with a
 * message in @why that names the directory and the problem: -ENOENT if
 * it does not exist, -ENOTDIR, or -EPERM for the owner or the mode.
 */
static inline int run_dir_check(const char *dir, struct stat *st, char *why, size_t len)
{
	if (stat(dir, st))
		return msg_ret(why, len, -errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st->st_mode))
		return msg_ret(why, len, -ENOTDIR, "%s: not a directory", dir);
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return msg_ret(why, len, -EPERM, "%s: owned by uid %u, neither you nor root: "
			       "not trusted", dir, (unsigned int)st->st_uid);
	if (st->st_mode & 022)
		return msg_ret(why, len, -EPERM, "%s: writable by %s (mode %04o): anyone could "
			       "replace its files; not trusted", dir,
			       st->st_mode & 002 ? "others" : "its group",
			       (unsigned int)(st->st_mode & 07777));
	return 0;
}

#endif
