// SPDX-License-Identifier: MIT
/* The preemption source where libxrs is built without BPF (WITH_BPF=0). */
#include <stdio.h>
#include "lib/preempt.h"

int preempt_map_get(struct preempt_map **m, char *why, size_t len)
{
	(void)m;
	snprintf(why, len, "not built with BPF");
	return -EOPNOTSUPP;
}

void preempt_map_put(struct preempt_map *m)
{
	(void)m;
}

int preempt_map_add(struct preempt_map *m, pid_t tid, uint64_t run_delay, uint64_t pcount,
		    uint32_t *slot)
{
	(void)m, (void)tid, (void)run_delay, (void)pcount, (void)slot;
	return -EOPNOTSUPP;
}

void preempt_map_remove(struct preempt_map *m, pid_t tid, uint32_t slot)
{
	(void)m, (void)tid, (void)slot;
}

struct preempt_slot *preempt_map_slot(struct preempt_map *m, uint32_t slot)
{
	(void)m, (void)slot;
	return NULL;
}

int preempt_area_alloc(struct preempt_map *m, uint32_t *idx, void **pages)
{
	(void)m, (void)idx, (void)pages;
	return -EOPNOTSUPP;
}

void preempt_area_free(struct preempt_map *m, uint32_t idx)
{
	(void)m, (void)idx;
}

void preempt_area_restore(struct preempt_map *m, struct preempt_slot *s)
{
	(void)m, (void)s;
}

int preempt_area_fd(struct preempt_map *m)
{
	(void)m;
	return -EOPNOTSUPP;
}
