/* SPDX-License-Identifier: MIT */
/*
 * Guest memory, typed as kvmtool types it: RAM, which the guest owns and
 * names by address, and VMM-private regions (the runstate windows), which
 * only the VMM and its libxrs write. Every address a guest names is
 * resolved through mem_ram(): a guest can never point the VMM at a private
 * region, a hole, or past RAM.
 */
#ifndef XRS_VMM_MEMORY_H
#define XRS_VMM_MEMORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "vmm/error.h"
#include "vmm/kvm.h"

#define MEM_PAGE	4096u
#define MEM_MAX_REGIONS	4
#define MEM_MAX_MOVED	512	/* libxrs moves 256 areas a process, 2 pages each */

enum mem_type {
	MEM_RAM,
	MEM_PRIVATE,
};

struct mem_region {
	const char *name;
	enum mem_type type;
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guest_mem {
	struct kvm_vm *kvm;
	int memfd;			/* backs RAM, so a RAM page can be mapped twice */
	struct mem_region region[MEM_MAX_REGIONS];	/* [0] is RAM */
	unsigned int nr;
	/*
	 * RAM pages mapped over by another fd (the runstate areas' pages on
	 * the preemption source's map): appended one writer at a time, each
	 * entry whole before the count that shows it.
	 */
	struct mem_moved {
		uint64_t gpa;
		int fd;
		uint64_t offset;
	} moved[MEM_MAX_MOVED];
	atomic_uint nr_moved;
};

/* RAM of @size bytes at GPA 0, in KVM's memory map: 0 or -errno. */
int mem_init(struct guest_mem *gm, struct kvm_vm *vm, uint64_t size, struct vmm_err *e);
void mem_fini(struct guest_mem *gm);

/*
 * A VMM-private region: zeroed, read-write host memory at @gpa, also in
 * KVM's memory map if @in_kvm (for KVM's own Xen code to write through).
 * Set up once, at VM creation; never unmapped before mem_fini.
 */
int mem_add_private(struct guest_mem *gm, const char *name, uint64_t gpa, uint64_t size,
		    bool in_kvm, struct vmm_err *e);

/* The host address of [gpa, gpa + len) if all of it is RAM, else NULL. */
void *mem_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
const struct mem_region *mem_ram_region(const struct guest_mem *gm);
/* The region holding @gpa, or NULL (a hole). */
const struct mem_region *mem_region_at(const struct guest_mem *gm, uint64_t gpa);

/*
 * Make @page (a page-aligned host address inside a private region) show the
 * RAM page at @ram_gpa: the same memory, mapped twice. 0 or -errno.
 */
int mem_map_ram_page(struct guest_mem *gm, uint8_t *page, uint64_t ram_gpa);

/*
 * RAM page @gpa now shows @fd from @offset (mapped over it there): what
 * mem_map_ram_page maps for it from now on. One caller at a time. 0, or
 * -ENOSPC. A page shown twice before the note keeps the memfd's there.
 */
int mem_note_moved(struct guest_mem *gm, uint64_t gpa, int fd, uint64_t offset);

#endif
