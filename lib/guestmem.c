// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/guestmem.h"

void gm_init(struct guestmem *gm)
{
	atomic_init(&gm->cur, NULL);
}

void gm_fini(struct guestmem *gm)
{
	struct gm_table *t = atomic_load_explicit(&gm->cur, memory_order_relaxed);

	while (t) {
		struct gm_table *older = t->older;

		free(t);
		t = older;
	}
	atomic_store_explicit(&gm->cur, NULL, memory_order_relaxed);
}

static int overlaps(const struct gm_region *r, uint64_t gpa, uint64_t size)
{
	return gpa < r->gpa + r->size && r->gpa < gpa + size;
}

int gm_map(struct guestmem *gm, uint64_t gpa, uint64_t size, void *hva)
{
	struct gm_table *old = atomic_load_explicit(&gm->cur, memory_order_relaxed);
	unsigned int n = old ? old->n : 0, i, at;
	struct gm_table *t;

	/*
	 * Like KVM_SET_USER_MEMORY_REGION: whole pages, and a range may not wrap
	 * (end at 2^64 included). Whole pages make "the rest of the area's page"
	 * either all guest memory or none, as it is for KVM's page caches.
	 */
	if (!size || !hva || (gpa | size) & (XRS_PAGE_SIZE - 1) || gpa + size < gpa ||
	    (uintptr_t)hva + size < (uintptr_t)hva)
		return -EINVAL;

	for (i = 0, at = n; i < n; i++) {
		if (overlaps(&old->r[i], gpa, size))
			return -EEXIST;
		if (at == n && gpa < old->r[i].gpa)
			at = i;
	}

	t = malloc(sizeof(*t) + (n + 1) * sizeof(t->r[0]));
	if (!t)
		return -ENOMEM;
	t->older = old;
	t->n = n + 1;
	if (old) {
		memcpy(t->r, old->r, at * sizeof(t->r[0]));
		memcpy(t->r + at + 1, old->r + at, (n - at) * sizeof(t->r[0]));
	}
	t->r[at] = (struct gm_region){ .gpa = gpa, .size = size, .hva = hva };
	atomic_store_explicit(&gm->cur, t, memory_order_release);
	return 0;
}

uint8_t *gm_resolve(const struct guestmem *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_table *t = atomic_load_explicit(&gm->cur, memory_order_acquire);
	unsigned int lo = 0, hi;

	if (!t || !len)
		return NULL;

	/* Last region starting at or below gpa. */
	hi = t->n;
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (t->r[mid].gpa <= gpa)
			lo = mid;
		else
			hi = mid;
	}

	const struct gm_region *r = &t->r[lo];
	uint64_t off = gpa - r->gpa;

	if (gpa < r->gpa || off >= r->size || len > r->size - off)
		return NULL;
	return r->hva + off;
}
