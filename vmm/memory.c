// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vmm/memory.h"

static void *map_anon(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int mem_init(struct guest_mem *gm, struct kvm_vm *vm, uint64_t size, struct vmm_err *e)
{
	struct mem_region *ram = &gm->region[0];
	int r;

	memset(gm, 0, sizeof(*gm));
	gm->kvm = vm;
	gm->memfd = memfd_create("xrs-guest-ram", MFD_CLOEXEC);
	if (gm->memfd < 0 || ftruncate(gm->memfd, (off_t)size) < 0) {
		r = err_set(e, -errno, "guest RAM (memfd of %llu bytes): %s",
			    (unsigned long long)size, strerror(errno));
		goto err;
	}
	ram->hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, gm->memfd, 0);
	if (ram->hva == MAP_FAILED) {
		ram->hva = NULL;
		r = err_set(e, -errno, "mmap of %llu bytes of RAM: %s",
			    (unsigned long long)size, strerror(errno));
		goto err;
	}
	ram->name = "RAM";
	ram->type = MEM_RAM;
	ram->size = size;
	gm->nr = 1;
	r = kvm_vm_set_memslot(vm, 0, 0, size, ram->hva, e);
	if (r)
		goto err;
	return 0;
err:
	mem_fini(gm);
	return r;
}

void mem_fini(struct guest_mem *gm)
{
	unsigned int i;

	for (i = 0; i < gm->nr; i++)
		munmap(gm->region[i].hva, gm->region[i].size);
	if (gm->memfd > 0)
		close(gm->memfd);
	gm->nr = 0;
	gm->memfd = -1;
}

int mem_add_private(struct guest_mem *gm, const char *name, uint64_t gpa, uint64_t size,
		    bool in_kvm, struct vmm_err *e)
{
	struct mem_region *m;
	unsigned int i;
	int r;

	if (gm->nr == MEM_MAX_REGIONS || !size || (gpa | size) & (MEM_PAGE - 1) ||
	    gpa + size < gpa)
		return err_set(e, -EINVAL, "%s: no room for a region of %llu bytes at %#llx", name,
			       (unsigned long long)size, (unsigned long long)gpa);
	for (i = 0; i < gm->nr; i++)
		if (gpa < gm->region[i].gpa + gm->region[i].size && gm->region[i].gpa < gpa + size)
			return err_set(e, -EEXIST, "%s overlaps %s", name, gm->region[i].name);
	m = &gm->region[gm->nr];
	*m = (struct mem_region){ .name = name, .type = MEM_PRIVATE, .gpa = gpa, .size = size };
	m->hva = map_anon(size);
	if (!m->hva)
		return err_set(e, -ENOMEM, "%s: mmap of %llu bytes: %s", name,
			       (unsigned long long)size, strerror(errno));
	if (in_kvm) {
		r = kvm_vm_set_memslot(gm->kvm, gm->nr, gpa, size, m->hva, e);
		if (r) {
			munmap(m->hva, size);
			return r;
		}
	}
	gm->nr++;
	return 0;
}

void *mem_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct mem_region *ram = &gm->region[0];

	if (!gm->nr || gpa >= ram->size || len > ram->size - gpa)
		return NULL;
	return ram->hva + gpa;
}

const struct mem_region *mem_ram_region(const struct guest_mem *gm)
{
	return &gm->region[0];
}

const struct mem_region *mem_region_at(const struct guest_mem *gm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < gm->nr; i++)
		if (gpa >= gm->region[i].gpa && gpa - gm->region[i].gpa < gm->region[i].size)
			return &gm->region[i];
	return NULL;
}

static bool in_private(const struct guest_mem *gm, const uint8_t *page)
{
	unsigned int i;

	for (i = 0; i < gm->nr; i++) {
		const struct mem_region *m = &gm->region[i];

		if (m->type == MEM_PRIVATE && page >= m->hva && page < m->hva + m->size)
			return true;
	}
	return false;
}

int mem_note_moved(struct guest_mem *gm, uint64_t gpa, int fd, uint64_t offset)
{
	unsigned int n = atomic_load_explicit(&gm->nr_moved, memory_order_relaxed);

	if (n == MEM_MAX_MOVED)
		return -ENOSPC;
	gm->moved[n] = (struct mem_moved){ .gpa = gpa, .fd = fd, .offset = offset };
	atomic_store_explicit(&gm->nr_moved, n + 1, memory_order_release);
	return 0;
}

int mem_map_ram_page(struct guest_mem *gm, uint8_t *page, uint64_t ram_gpa)
{
	unsigned int i, n = atomic_load_explicit(&gm->nr_moved, memory_order_acquire);
	uint64_t off = ram_gpa;
	int fd = gm->memfd;

	if ((uintptr_t)page & (MEM_PAGE - 1) || ram_gpa & (MEM_PAGE - 1) ||
	    !in_private(gm, page) || !mem_ram(gm, ram_gpa, MEM_PAGE))
		return -EINVAL;
	/* A moved page's memfd copy is stale: the guest's RAM shows the move's. */
	for (i = 0; i < n; i++)
		if (gm->moved[i].gpa == ram_gpa) {
			fd = gm->moved[i].fd;
			off = gm->moved[i].offset;
		}
	if (mmap(page, MEM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)off) == MAP_FAILED)
		return -errno;
	return 0;
}
