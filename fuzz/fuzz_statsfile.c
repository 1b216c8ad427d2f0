// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the stats-file reader of xrs list/stat/top/export/
 * timeline (tools/statsfile.c) on files nobody checked.
 *
 * Input: one control byte, then the file's first page (the header) and
 * bytes for its first slots. The file is made at the size the header asks
 * for (when the control byte says so and it is sane) or at the input's
 * size, so both the checks and the reads behind them are reached. Then
 * everything a tool does with it: open, read the vCPUs, their times now,
 * every ring; and, when the control byte says so, the file is shrunk after
 * it was opened (the reader must report it, not fault). Any crash, hang or
 * sanitizer report is a bug.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/share.h"
#include "tools/statsfile.h"

#define MAX_FILE	(XRS_STATS_HEADER_SIZE + 4 * (size_t)XRS_STATS_MAX_VCPUS * XRS_STATS_SLOT_SIZE)

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stats_vcpu v[XRS_STATS_MAX_VCPUS];
	static struct xrs_stats_transition t[XRS_STATS_RING_SIZE];
	struct xrs_stats_header h = { 0 };
	struct stats_file f;
	char err[STATS_ERR_MAX];
	uint64_t now, times[XRS_RUNSTATE_COUNT], from, lost = 0;
	uint8_t ctl;
	int fd, n, i;

	if (size < 1)
		return 0;
	ctl = data[0];
	data++, size--;
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_statsfile.%d", (int)getpid());
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
	if ((ctl & 1) && h.file_size > size && h.file_size <= MAX_FILE &&
	    ftruncate(fd, (off_t)h.file_size))
		abort();

	if (stats_open_path(path, &f, err, sizeof(err)) == 0) {
		if (ctl & 2)		/* shrunk by its owner under the reader */
			if (ftruncate(fd, (off_t)((ctl >> 2) * 512)))
				abort();
		n = stats_read_vcpus(&f, v, XRS_STATS_MAX_VCPUS, err, sizeof(err));
		stats_guest_now(&f, &now);
		for (i = 0; i < n; i++) {
			stats_vcpu_times_at(&v[i], true, now, times);
			(void)steal_pct(times);
			(void)stats_state_name(v[i].state);
			from = ctl & 0x80 ? 0 : v[i].ring_head;
			stats_read_ring(&f, v[i].slot, &from, t, XRS_STATS_RING_SIZE, &lost);
		}
		stats_uptime(&f);
		stats_close(&f);
	}
	close(fd);
	unlink(path);
	return 0;
}
