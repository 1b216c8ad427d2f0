// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include "util/align.h"
#include "vmm/guest-boot.h"
#include "vmm/guest-image.h"

/* Page-table entry bits. */
enum {
	PTE_P = 1u << 0,
	PTE_RW = 1u << 1,
	PTE_PS = 1u << 7,
};

/* Long mode: PE MP ET NE WP AM PG; PAE OSFXSR OSXMMEXCPT; LME LMA. */
#define CR0_LONG	0x80050033ull
#define CR4_LONG	0x620ull
#define EFER_LONG	0x500ull
/* 32-bit protected mode with 4 MiB pages: PE ET PG; PSE. */
#define CR0_PROT32	0x80000011ull
#define CR4_PROT32	0x10ull

/* GDT selectors, matching build_gdt. */
enum {
	SEL_CODE = 0x08,
	SEL_DATA = 0x10,
};

uint64_t boot_ram_min(uint32_t nr_vcpus)
{
	return G_PERCPU + (uint64_t)nr_vcpus * G_PERCPU_SIZE;
}

uint64_t boot_ram_default(uint32_t nr_vcpus)
{
	return align_up(boot_ram_min(nr_vcpus), 2ull << 20);
}

struct g_bootinfo *boot_info(struct guest_mem *gm)
{
	return mem_ram(gm, G_BOOTINFO, sizeof(struct g_bootinfo));
}

static void put64(uint8_t *ram, uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

static void put32(uint8_t *ram, uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

/*
 * Identity map the first GiB with large pages, except the last large page,
 * which a 4 KiB table maps: identity too, but for G_WINDOW_VA's two pages.
 */
static void build_page_tables(uint8_t *ram, enum guest_width bits)
{
	uint64_t i;

	if (bits == GUEST_64) {
		const uint64_t pml4 = G_PAGETABLES, pdpt = pml4 + G_PAGE, pd = pdpt + G_PAGE;
		const uint64_t pt = pd + G_PAGE;

		put64(ram, pml4, pdpt | PTE_P | PTE_RW);
		put64(ram, pdpt, pd | PTE_P | PTE_RW);
		for (i = 0; i < 511; i++)
			put64(ram, pd + i * 8, (i << 21) | PTE_P | PTE_RW | PTE_PS);
		put64(ram, pd + 511 * 8, pt | PTE_P | PTE_RW);
		for (i = 0; i < 512; i++)
			put64(ram, pt + i * 8, (G_WINDOW_VA + (i << 12)) | PTE_P | PTE_RW);
		put64(ram, pt, G_WINDOW_PA0 | PTE_P | PTE_RW);
		put64(ram, pt + 8, G_WINDOW_PA1 | PTE_P | PTE_RW);
	} else {
		const uint64_t pd = G_PAGETABLES, pt = pd + G_PAGE;
		const uint64_t first = G_WINDOW_VA & ~0x3fffffull, win = (G_WINDOW_VA - first) >> 12;

		for (i = 0; i < 255; i++)
			put32(ram, pd + i * 4, (uint32_t)((i << 22) | PTE_P | PTE_RW | PTE_PS));
		put32(ram, pd + 255 * 4, (uint32_t)(pt | PTE_P | PTE_RW));
		for (i = 0; i < 1024; i++)
			put32(ram, pt + i * 4, (uint32_t)((first + (i << 12)) | PTE_P | PTE_RW));
		put32(ram, pt + win * 4, G_WINDOW_PA0 | PTE_P | PTE_RW);
		put32(ram, pt + (win + 1) * 4, G_WINDOW_PA1 | PTE_P | PTE_RW);
	}
}

/*
 * A GDT matching the segments boot_cpu loads, so that an IRET (from a
 * guest's exception handler) finds valid descriptors: code (64-bit or
 * 32-bit) and flat data.
 */
static void build_gdt(uint8_t *ram, enum guest_width bits)
{
	put64(ram, G_GDT, 0);
	put64(ram, G_GDT + SEL_CODE,
	      bits == GUEST_64 ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull);
	put64(ram, G_GDT + SEL_DATA, 0x00cf93000000ffffull);
}

int boot_load(struct guest_mem *gm, enum guest_width bits, struct vmm_err *e)
{
	const struct guest_image *img = bits == GUEST_64 ? &guest_image_64 : &guest_image_32;
	const struct mem_region *ram = mem_ram_region(gm);

	if (bits != GUEST_64 && bits != GUEST_32)
		return err_set(e, -EINVAL, "guest width %d (64 or 32)", bits);
	if (ram->size < G_IMAGE + G_IMAGE_MAX || ram->size > BOOT_RAM_MAX)
		return err_set(e, -EINVAL, "RAM of %llu bytes: the test guests need %u to %llu",
			       (unsigned long long)ram->size, G_IMAGE + G_IMAGE_MAX,
			       BOOT_RAM_MAX);
	if (img->size > G_IMAGE_MAX)
		return err_set(e, -E2BIG, "guest image of %zu bytes", img->size);
	memcpy(ram->hva + G_IMAGE, img->data, img->size);
	build_page_tables(ram->hva, bits);
	build_gdt(ram->hva, bits);
	*boot_info(gm) = (struct g_bootinfo){ .magic = G_BOOT_MAGIC };
	return 0;
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = code64 ? 0 : 1, .s = 1,
		.l = code64, .g = 1,
	};
}

int boot_cpu(struct kvm_cpu *c, enum guest_width bits, struct vmm_err *e)
{
	const bool lm = bits == GUEST_64;
	struct kvm_regs regs = { 0 };
	struct kvm_sregs sregs;
	int r;

	r = kvm_cpu_get_sregs(c, &sregs);
	if (r)
		return err_set(e, r, "KVM_GET_SREGS: %s", strerror(-r));
	flat_segment(&sregs.cs, SEL_CODE, 11, lm);
	flat_segment(&sregs.ds, SEL_DATA, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = lm ? CR0_LONG : CR0_PROT32;
	sregs.cr4 = lm ? CR4_LONG : CR4_PROT32;
	sregs.cr3 = G_PAGETABLES;
	sregs.efer = lm ? EFER_LONG : 0;
	sregs.gdt.base = G_GDT;
	sregs.gdt.limit = 3 * 8 - 1;
	r = kvm_cpu_set_sregs(c, &sregs);
	if (r)
		return err_set(e, r, "KVM_SET_SREGS: %s", strerror(-r));

	regs.rip = G_IMAGE;
	regs.rsp = G_PERCPU_STACK_TOP(c->id);
	regs.rflags = 0x2;
	if (lm) {
		regs.rdi = G_BOOTINFO;
		regs.rsi = c->id;
	} else {
		regs.rax = G_BOOTINFO;
		regs.rdx = c->id;
	}
	r = kvm_cpu_set_regs(c, &regs);
	return r ? err_set(e, r, "KVM_SET_REGS: %s", strerror(-r)) : 0;
}
