// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "util/schedstat.h"

int64_t schedstat_parse(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < n && s[i] != ' ')
		i++;
	if (++i >= n || s[i] < '0' || s[i] > '9')
		return -1;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (uint64_t)(s[i++] - '0');
	return (int64_t)(v & INT64_MAX);
}

int schedstat_open(pid_t tid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid ? (int)tid : gettid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int64_t schedstat_run_delay(int fd)
{
	char buf[96];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	return n > 0 ? schedstat_parse(buf, (size_t)n) : -1;
}

int64_t run_delay_of(pid_t tid)
{
	int fd = schedstat_open(tid);
	int64_t rd;

	if (fd < 0)
		return -1;
	rd = schedstat_run_delay(fd);
	close(fd);
	return rd;
}
