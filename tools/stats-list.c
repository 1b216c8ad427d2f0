// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xrs/stats.h>
#include "tools/stats-list.h"
#include "tools/statsfile.h"
#include "util/stats-name.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int stats_list(char (*names)[XRS_STATS_NAME_MAX], unsigned int max)
{
	size_t sl = strlen(XRS_STATS_FILE_SUFFIX);
	struct dirent *d;
	char why[STATS_ERR_MAX];
	unsigned int n = 0;
	DIR *dir;
	int r = stats_dir_check(why, sizeof(why));

	if (r)
		return r == -ENOENT ? 0 : r;
	dir = opendir(stats_dir());
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dir)) && n < max) {
		size_t l = strlen(d->d_name);

		if (l <= sl || strcmp(d->d_name + l - sl, XRS_STATS_FILE_SUFFIX) ||
		    l - sl >= XRS_STATS_NAME_MAX)
			continue;
		memcpy(names[n], d->d_name, l - sl);
		names[n][l - sl] = '\0';
		if (stats_name_valid(names[n]))
			n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return (int)n;
}
