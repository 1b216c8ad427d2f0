/* SPDX-License-Identifier: MIT */
/* The VMs published in the run directory, by name. */
#ifndef XRS_TOOLS_STATS_LIST_H
#define XRS_TOOLS_STATS_LIST_H

#include <xrs/stats.h>

/* The names of the files in stats_dir(), sorted: how many (up to @max), or -errno. */
int stats_list(char (*names)[XRS_STATS_NAME_MAX], unsigned int max);

#endif
