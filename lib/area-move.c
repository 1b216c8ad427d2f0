// SPDX-License-Identifier: MIT
/*
 * Runstate areas moved onto the preemption source's map pages
 * (docs/preempt-source.md), so that its program flips them where the guest
 * reads them. The VMM moves the pages (xrs_vm_set_area_mover); this file
 * picks them, asks for the move outside libxrs's locks, remembers which
 * guest page is on which element, and points each vCPU's slot at its area.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "lib/internal.h"

int xrs_vm_set_area_mover(struct xrs_vm *vm, const struct xrs_area_mover *mover, void *opaque)
{
	if (!vm || !mover || !mover->move)
		return -EINVAL;
	if (vm->backend != XRS_BACKEND_USER)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&vm->lock);
	vm->mover = *mover;
	vm->mover_opaque = opaque;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

/* Each page's host address, or -EFAULT; -EINVAL for a @p no move could have. */
static int pages_hva(struct xrs_vm *vm, const struct xrs_area_pages *p, uint8_t *hva[2])
{
	uint32_t i;

	if (!p || p->npages < 1 || p->npages > 2 || p->gpa % XRS_PAGE_SIZE || p->fd < 0 ||
	    p->offset % XRS_PAGE_SIZE)
		return -EINVAL;
	for (i = 0; i < p->npages; i++) {
		hva[i] = gm_resolve(&vm->mem, p->gpa + (uint64_t)i * XRS_PAGE_SIZE, XRS_PAGE_SIZE);
		if (!hva[i])
			return -EFAULT;
	}
	return 0;
}

int xrs_vm_move_area_pages(struct xrs_vm *vm, const struct xrs_area_pages *p)
{
	size_t len;
	uint8_t *hva[2], *dst;
	uint32_t i;
	int r;

	if (!vm)
		return -EINVAL;
	r = pages_hva(vm, p, hva);
	if (r)
		return r;
	/* The copy through a mapping of its own: it also proves fd and offset map. */
	len = (size_t)p->npages * XRS_PAGE_SIZE;
	dst = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, (off_t)p->offset);
	if (dst == MAP_FAILED)
		return -errno;
	for (i = 0; i < p->npages; i++)
		memcpy(dst + (size_t)i * XRS_PAGE_SIZE, hva[i], XRS_PAGE_SIZE);
	munmap(dst, len);
	/* Page by page: the two may be in different regions. */
	for (i = 0; i < p->npages; i++)
		if (mmap(hva[i], XRS_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 p->fd, (off_t)(p->offset + (uint64_t)i * XRS_PAGE_SIZE)) == MAP_FAILED)
			return -errno;
	return 0;
}

/* The element and page a guest page is on (or is moving to: @pending), or -1. VM lock held. */
static int moved_find(const struct xrs_vm *vm, uint64_t page, uint32_t *idx, bool *pending)
{
	unsigned int i;

	for (i = 0; i < vm->nmoved; i++)
		if (vm->moved[i].gpa == page) {
			*idx = vm->moved[i].idx;
			*pending = vm->moved[i].pending;
			return (int)vm->moved[i].page;
		}
	return -1;
}

static void moved_add(struct xrs_vm *vm, uint64_t page, uint32_t idx, uint32_t n)
{
	struct moved_page *m = &vm->moved[vm->nmoved++];

	m->gpa = page;
	m->idx = idx;
	m->page = n;
	m->pending = true;
}

/*
 * The move of element @idx's pages is over: done (@ok), or not. A move
 * that failed may have mapped a page before it did (mmap has no undo), so
 * its element is never handed out again: it only leaves the table, and an
 * area set there later asks for a move of its own. VM lock held.
 */
static void moved_settle(struct xrs_vm *vm, uint32_t idx, bool ok)
{
	unsigned int i, n = 0;

	for (i = 0; i < vm->nmoved; i++) {
		if (vm->moved[i].idx == idx) {
			if (!ok)
				continue;
			vm->moved[i].pending = false;
		}
		vm->moved[n++] = vm->moved[i];
	}
	vm->nmoved = n;
}

static bool area_crosses(uint64_t gpa)
{
	return (gpa & (XRS_PAGE_SIZE - 1)) + XRS_RUNSTATE_SIZE > XRS_PAGE_SIZE;
}

/*
 * Where the area at @gpa can live: an element whose first page is the
 * area's (and whose second is the next page, if the area may reach it),
 * found, or new with @p the pages to move first (@fresh). -EINPROGRESS:
 * its pages are moving now (whoever moves them points this vCPU too);
 * -EEXIST: a page it needs is on an element in another place. VM lock held.
 */
static int pick_element(struct xrs_vm *vm, uint64_t gpa, uint32_t *idx, bool *fresh,
			struct xrs_area_pages *p)
{
	uint64_t page = gpa & ~(uint64_t)(XRS_PAGE_SIZE - 1), next = page + XRS_PAGE_SIZE;
	bool next_ram = gm_resolve(&vm->mem, next, XRS_PAGE_SIZE) != NULL, pending, pend2;
	uint32_t other;
	void *pages;
	int at = moved_find(vm, page, idx, &pending), r;

	*fresh = false;
	if (at == 0 && (!area_crosses(gpa) ||
			(moved_find(vm, next, &other, &pend2) == 1 && other == *idx)))
		return pending ? -EINPROGRESS : 0;
	if (at >= 0 || (next_ram && moved_find(vm, next, &other, &pend2) >= 0))
		return -EEXIST;
	if (area_crosses(gpa) && !next_ram)
		return -EFAULT;
	if (vm->nmoved + 2 > XRS_MAX_MOVED_PAGES)
		return -ENOSPC;
	r = preempt_area_alloc(vm->preempt, idx, &pages);
	if (r)
		return r;
	*fresh = true;
	p->gpa = page;
	p->npages = next_ram ? 2 : 1;
	p->fd = preempt_area_fd(vm->preempt);
	p->offset = (uint64_t)*idx * PREEMPT_AREA_SIZE;
	return 0;
}

/* The layout's state_entry_time offset: where the program finds the flag. */
static uint32_t times_ofs(const struct xrs_vm *vm)
{
	return atomic_load_explicit(&vm->long_mode, memory_order_relaxed) ? 8 : 4;
}

/* Point @v's slot at its area on the map, or at none. Both locks held. */
void vcpu_area_point(struct xrs_vcpu *v)
{
	struct xrs_vm *vm = v->vm;

	if (!v->pslot)
		return;
	/* The old place first: the guest must not keep a runnable no one will end. */
	if (__atomic_load_n(&v->pslot->area_flipped, __ATOMIC_RELAXED))
		preempt_area_restore(vm->preempt, v->pslot);
	if (v->area_elem1 && v->area.active)
		preempt_area_point(v->pslot, v->area_elem1 - 1,
				   (uint32_t)(v->area.gpa & (XRS_PAGE_SIZE - 1)), times_ofs(vm),
				   atomic_load_explicit(&vm->update_flag, memory_order_relaxed));
	else
		preempt_area_point(v->pslot, ~0u, 0, 0, false);
}

void vm_area_repoint(struct xrs_vm *vm)
{
	struct xrs_vcpu *v;

	for (v = vm->vcpus; v; v = v->next) {
		spin_lock(&v->lock);
		vcpu_area_point(v);
		spin_unlock(&v->lock);
	}
}

/* Every vCPU whose area lies on the pages just moved (@p, element @idx) is pointed there. */
static void sweep(struct xrs_vm *vm, const struct xrs_area_pages *p, uint32_t idx)
{
	struct xrs_vcpu *u;
	uint64_t page;

	for (u = vm->vcpus; u; u = u->next) {
		spin_lock(&u->lock);
		page = u->area.gpa & ~(uint64_t)(XRS_PAGE_SIZE - 1);
		if (u->area.active && !u->area_elem1 && page == p->gpa &&
		    (!area_crosses(u->area.gpa) || p->npages == 2)) {
			u->area_elem1 = idx + 1;
			vcpu_area_point(u);
		}
		spin_unlock(&u->lock);
	}
}

/*
 * After SET RUNSTATE_ADDR of @gpa succeeded, no lock held: the area onto
 * the map if the VMM moves pages (its pages first, if not moved before),
 * and the slot pointed at it if the area is still there. The move is
 * asked for with no lock held: the VMM holds its vCPUs for it, and one of
 * them may be waiting for the VM lock in its own SET ADDR.
 */
void vcpu_area_place(struct xrs_vcpu *v, uint64_t gpa)
{
	struct xrs_vm *vm = v->vm;
	struct xrs_area_pages p;
	uint32_t idx = 0;
	bool fresh;
	int r;

	pthread_mutex_lock(&vm->lock);
	if (!vm->mover.move || !vm->preempt) {
		pthread_mutex_unlock(&vm->lock);
		return;
	}
	r = pick_element(vm, gpa, &idx, &fresh, &p);
	if (!r && fresh) {
		moved_add(vm, p.gpa, idx, 0);
		if (p.npages == 2)
			moved_add(vm, p.gpa + XRS_PAGE_SIZE, idx, 1);
		pthread_mutex_unlock(&vm->lock);
		r = vm->mover.move(vm->mover_opaque, vm, &p);
		pthread_mutex_lock(&vm->lock);
		moved_settle(vm, idx, !r);
		if (!r)
			sweep(vm, &p, idx);
	} else if (!r) {
		spin_lock(&v->lock);
		if (v->area.active && v->area.gpa == gpa) {
			v->area_elem1 = idx + 1;
			vcpu_area_point(v);
		}
		spin_unlock(&v->lock);
	}
	if (r != -EINPROGRESS)
		v->area_move_err = r;
	pthread_mutex_unlock(&vm->lock);
}
