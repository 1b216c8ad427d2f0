/* SPDX-License-Identifier: MIT */
/*
 * A published VM's name: a plain file name under the run directory, never a
 * path. libxrs refuses others at xrs_vm_publish, the tools on the command
 * line, with the same rule.
 */
#ifndef XRS_UTIL_STATS_NAME_H
#define XRS_UTIL_STATS_NAME_H

#include <stdbool.h>
#include <string.h>
#include <xrs/stats.h>

#define STATS_NAME_RULE "1-63 of A-Z a-z 0-9 . _ -, not starting with . or -"

static inline bool stats_name_valid(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strnlen(name, XRS_STATS_NAME_MAX);
	if (n == 0 || n >= XRS_STATS_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

#endif /* XRS_UTIL_STATS_NAME_H */
