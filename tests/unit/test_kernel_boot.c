// SPDX-License-Identifier: MIT
/*
 * Booting a Linux bzImage and the PC pieces it needs (vmm/pc/): the boot
 * protocol's checks, before any KVM, and its layout, the 16550A as Linux's
 * 8250 driver probes and drives it, the MP tables.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/unit/harness.h"
#include "util/le.h"
#include "vmm/pc/bzimage.h"
#include "vmm/pc/linux-boot.h"
#include "vmm/pc/linux-boot.h"
#include "vmm/pc/linux-image.h"
#include "vmm/pc/mptable.h"
#include "vmm/pc/uart.h"

#define MiB		(1ull << 20)
#define IMG_SIZE	(8 * 4096)
#define DEBIAN_INIT_SIZE 0x37ef000u	/* Debian's 6.12.118: 55.9 MiB */

/*
 * A bzImage as a 2.15 kernel's: 3 setup sectors, then a "kernel" of 0x5a;
 * relocatable, 2 MiB aligned, at least at 16 MiB (Debian's build).
 */
static uint8_t *fake_bzimage(void)
{
	uint8_t *img = calloc(1, IMG_SIZE);

	assert_non_null(img);
	img[BZ_SETUP_SECTS] = 3;
	put_le16(img + BZ_BOOT_FLAG, 0xaa55);
	img[BZ_JUMP] = 0xeb;
	img[BZ_JUMP + 1] = 0x6a;		/* the header ends at 0x26c */
	memcpy(img + BZ_HEADER, "HdrS", 4);
	put_le16(img + BZ_VERSION, 0x020f);
	img[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	put_le32(img + BZ_INITRD_ADDR_MAX, 0x7fffffff);
	put_le32(img + BZ_KERNEL_ALIGNMENT, 2 * MiB);
	img[BZ_RELOCATABLE] = 1;
	put_le16(img + BZ_XLOADFLAGS, BZ_XLF_KERNEL_64);
	put_le32(img + BZ_CMDLINE_SIZE, 2047);
	put_le64(img + BZ_PREF_ADDRESS, 16 * MiB);
	put_le32(img + BZ_INIT_SIZE, 4 * MiB);
	memset(img + 4 * 512, 0x5a, IMG_SIZE - 4 * 512);
	return img;
}

/* linux_image_plan() on @img as if read, with an initrd of @initrd_size. */
static int plan(struct linux_image *li, const uint8_t *img, uint64_t ram_size,
		size_t initrd_size, const char *cmdline, char *why, size_t len)
{
	memset(li, 0, sizeof(*li));
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &li->bz, why, len), 0);
	li->initrd_size = initrd_size;
	li->cmdline = cmdline;
	li->ram_size = ram_size;
	return linux_image_plan(li, why, len);
}

static void a_bzimage_with_a_64_bit_entry_is_accepted(void **state)
{
	uint8_t *img = fake_bzimage();
	struct bzimage bz;
	char why[128];

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, why, sizeof(why)), 0);
	assert_int_equal(bz.version, 0x020f);
	assert_int_equal(bz.setup_size, 4 * 512);
	assert_int_equal(bz.header_end, 0x26c);
	assert_ptr_equal(bz.kernel, img + 4 * 512);
	assert_int_equal(bz.kernel_size, IMG_SIZE - 4 * 512);
	assert_int_equal(bz.init_size, 4 * MiB);
	assert_int_equal(bz.cmdline_size, 2047);
	assert_int_equal(bz.kernel_alignment, 2 * MiB);
	assert_int_equal(bz.pref_address, 16 * MiB);
	assert_true(bz.relocatable);
	free(img);
}

static void what_is_not_a_64_bit_bzimage_is_refused_with_the_reason(void **state)
{
	static const struct {
		unsigned int off;
		uint8_t val;
		const char *why;
	} cases[] = {
		{ BZ_BOOT_FLAG, 0, "not a bzImage" },
		{ BZ_HEADER, 'X', "not a bzImage" },
		{ BZ_VERSION, 0x0b, "2.12 or later" },		/* 2.11 */
		{ BZ_XLOADFLAGS, 0, "no 64-bit entry" },
		{ BZ_LOADFLAGS, 0, "zImage" },
		{ BZ_SETUP_SECTS, 200, "setup of" },		/* past the end */
		{ BZ_KERNEL_ALIGNMENT, 3, "power of two" },	/* 0x200003 */
	};
	struct bzimage bz;
	char why[128];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *img = fake_bzimage();

		img[cases[i].off] = cases[i].val;
		assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, cases[i].why));
		free(img);
	}
	assert_int_equal(bzimage_parse((const uint8_t *)"\177ELF", 4, &bz, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "too small"));
}

/* ---- where the kernel runs, and what RAM it needs ---- */

static void a_kernel_runs_at_pref_address_and_needs_init_size_from_there(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	assert_int_equal(plan(&li, img, 64 * MiB, 0, "", why, sizeof(why)), 0);
	assert_int_equal(li.run_start, 16 * MiB);
	assert_int_equal(li.run_end, 20 * MiB);
	assert_int_equal(linux_image_ram_needed(&li), 20 * MiB);
	free(img);
}

static void without_a_higher_pref_address_it_runs_at_1_mib_aligned_up(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	put_le64(img + BZ_PREF_ADDRESS, 1 * MiB);
	assert_int_equal(plan(&li, img, 64 * MiB, 0, "", why, sizeof(why)), 0);
	assert_int_equal(li.run_start, 2 * MiB);
	put_le32(img + BZ_KERNEL_ALIGNMENT, 32 * MiB);	/* above pref_address: the alignment wins */
	put_le64(img + BZ_PREF_ADDRESS, 16 * MiB);
	assert_int_equal(plan(&li, img, 64 * MiB, 0, "", why, sizeof(why)), 0);
	assert_int_equal(li.run_start, 32 * MiB);
	assert_int_equal(li.run_end, 36 * MiB);
	free(img);
}

static void a_kernel_that_cannot_relocate_runs_at_pref_address(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	img[BZ_RELOCATABLE] = 0;
	put_le32(img + BZ_KERNEL_ALIGNMENT, 0);		/* unused then */
	put_le64(img + BZ_PREF_ADDRESS, 3 * MiB);
	assert_int_equal(plan(&li, img, 64 * MiB, 0, "", why, sizeof(why)), 0);
	assert_int_equal(li.run_start, 3 * MiB);
	assert_int_equal(li.run_end, 7 * MiB);
	free(img);
}

static void a_kernel_that_cannot_relocate_and_runs_below_1_mib_is_refused(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	img[BZ_RELOCATABLE] = 0;
	put_le64(img + BZ_PREF_ADDRESS, 0x10000);
	assert_int_equal(plan(&li, img, 64 * MiB, 0, "", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "below 1 MiB"));
	free(img);
}

static void too_little_ram_for_the_run_window_is_refused_naming_the_need(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	put_le32(img + BZ_INIT_SIZE, DEBIAN_INIT_SIZE);
	assert_int_equal(plan(&li, img, 64 * MiB, 0, "", why, sizeof(why)), -E2BIG);
	assert_string_equal(why, "the kernel needs 72 MiB of RAM (it runs at 16 MiB and needs "
			    "55.9 MiB from there); --mem gives 64");
	/* what triple-faulted before: enough from 1 MiB, not from 16 */
	assert_int_equal(plan(&li, img, 71 * MiB, 0, "", why, sizeof(why)), -E2BIG);
	assert_int_equal(plan(&li, img, 72 * MiB, 0, "", why, sizeof(why)), 0);
	free(img);
}

static void more_than_3_gib_of_ram_is_refused(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	assert_int_equal(plan(&li, img, KB_RAM_MAX + MiB, 0, "", why, sizeof(why)), -E2BIG);
	assert_string_equal(why, "--mem 3073: at most 3072 MiB");
	assert_int_equal(plan(&li, img, KB_RAM_MAX, 0, "", why, sizeof(why)), 0);
	free(img);
}

/* ---- the initrd ---- */

static void an_initrd_is_placed_above_the_run_window(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	/* at the top: 1 MiB + init_size (5 MiB) would have put it in the window */
	assert_int_equal(plan(&li, img, 24 * MiB, 4 * MiB, "", why, sizeof(why)), 0);
	assert_int_equal(li.initrd_at, 20 * MiB);
	assert_true(li.initrd_at >= li.run_end);
	assert_int_equal(linux_image_ram_needed(&li), 24 * MiB);
	free(img);
}

static void an_initrd_is_page_aligned_below_initrd_addr_max(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	put_le32(img + BZ_INITRD_ADDR_MAX, 48 * MiB - 1);
	assert_int_equal(plan(&li, img, 64 * MiB, 10000, "", why, sizeof(why)), 0);
	assert_int_equal(li.initrd_at, (48 * MiB - 10000) & ~4095ull);
	free(img);
}

static void an_initrd_that_would_overlap_the_window_is_refused(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	assert_int_equal(plan(&li, img, 24 * MiB, 4 * MiB + 1, "", why, sizeof(why)), -E2BIG);
	assert_string_equal(why, "--initrd: an initrd of 4.0 MiB above the kernel's 20 MiB "
			    "needs 25 MiB of RAM; --mem gives 24");
	free(img);
}

static void an_initrd_that_cannot_fit_below_initrd_addr_max_is_refused(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256];

	(void)state;
	put_le32(img + BZ_INITRD_ADDR_MAX, 32 * MiB - 1);
	assert_int_equal(plan(&li, img, 64 * MiB, 16 * MiB, "", why, sizeof(why)), -E2BIG);
	assert_string_equal(why, "--initrd: an initrd of 16 MiB does not fit between the kernel's "
			    "end at 20 MiB and 32 MiB, the highest it may reach here");
	free(img);
}

/* ---- the command line ---- */

static void a_command_line_longer_than_the_kernel_takes_is_refused(void **state)
{
	uint8_t *img = fake_bzimage();
	char why[256], cl[2049];
	struct linux_image li;

	(void)state;
	memset(cl, 'x', 2047);
	cl[2047] = '\0';
	assert_int_equal(plan(&li, img, 64 * MiB, 0, cl, why, sizeof(why)), 0);
	cl[2047] = 'x';
	cl[2048] = '\0';
	assert_int_equal(plan(&li, img, 64 * MiB, 0, cl, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "--cmdline: 2048 bytes; this kernel takes at most 2047");
	free(img);
}

static void a_command_line_must_fit_where_the_vmm_puts_it(void **state)
{
	uint8_t *img = fake_bzimage();
	struct linux_image li;
	char why[256], *cl = malloc(KB_CMDLINE_MAX + 1);

	(void)state;
	assert_non_null(cl);
	put_le32(img + BZ_CMDLINE_SIZE, 0x7fffffff);
	memset(cl, 'x', KB_CMDLINE_MAX);
	cl[KB_CMDLINE_MAX] = '\0';			/* no room for its NUL */
	assert_int_equal(plan(&li, img, 64 * MiB, 0, cl, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "at most 65535"));
	cl[KB_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(plan(&li, img, 64 * MiB, 0, cl, why, sizeof(why)), 0);
	free(cl);
	free(img);
}

/* ---- the layout ---- */

static void the_layout_follows_the_boot_protocol(void **state)
{
	uint64_t ram_size = 64 * MiB;
	uint8_t *ram = calloc(1, ram_size), *bp, *img = fake_bzimage();
	uint8_t initrd[10000];
	struct linux_image li;
	struct kernel_boot kb;
	char why[256];

	(void)state;
	assert_non_null(ram);
	memset(initrd, 0x77, sizeof(initrd));
	assert_int_equal(plan(&li, img, ram_size, sizeof(initrd), "console=ttyS0", why,
			      sizeof(why)), 0);
	li.initrd = initrd;
	linux_boot_layout(ram, &li, &kb);
	assert_int_equal(kb.entry, KB_KERNEL + 0x200);
	assert_int_equal(kb.boot_params, KB_BOOT_PARAMS);
	assert_memory_equal(ram + KB_KERNEL, li.bz.kernel, li.bz.kernel_size);
	/* the initrd at the top of RAM, page-aligned */
	assert_int_equal(kb.initrd, (ram_size - sizeof(initrd)) & ~4095ull);
	assert_int_equal(kb.initrd_size, sizeof(initrd));
	assert_memory_equal(ram + kb.initrd, initrd, sizeof(initrd));
	bp = ram + KB_BOOT_PARAMS;
	assert_memory_equal(bp + BZ_HEADER, "HdrS", 4);
	/* head_64.S aligns its run address with the zero page's copy */
	assert_int_equal(get_le32(bp + BZ_KERNEL_ALIGNMENT), 2 * MiB);
	assert_int_equal(bp[BZ_TYPE_OF_LOADER], 0xff);
	assert_int_equal(bp[BZ_LOADFLAGS] & (BZ_LOADED_HIGH | BZ_CAN_USE_HEAP),
			 BZ_LOADED_HIGH | BZ_CAN_USE_HEAP);
	assert_int_equal(get_le32(bp + BZ_CMD_LINE_PTR), KB_CMDLINE);
	assert_string_equal((char *)ram + KB_CMDLINE, "console=ttyS0");
	assert_int_equal(get_le32(bp + BZ_RAMDISK_IMAGE), kb.initrd);
	assert_int_equal(get_le32(bp + BZ_RAMDISK_SIZE), sizeof(initrd));
	/* e820: low RAM, the BIOS hole, the rest */
	assert_int_equal(bp[0x1e8], 3);
	assert_int_equal(get_le64(bp + 0x2d0 + 20 * 2), KB_KERNEL);
	assert_int_equal(get_le64(bp + 0x2d0 + 20 * 2 + 8), ram_size - KB_KERNEL);
	assert_int_equal(get_le32(bp + 0x2d0 + 20 * 1 + 16), E820_RESERVED);
	/* identity map: the 2 MiB page holding the kernel maps to itself */
	assert_int_equal(get_le64(ram + KB_PD) & ~0xfffull, 0);
	assert_int_equal(get_le64(ram + KB_PD + 8 * 2047), (2047ull << 21) | 0x83);
	free(ram);
	free(img);
}

/* ---- the files ---- */

struct files {
	char dir[64];
	char kernel[96], initrd[96], other[96];
};

static int files_setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));
	uint8_t *img = fake_bzimage(), initrd[10000];
	int fd;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/xrs-kernel-boot-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->kernel, sizeof(f->kernel), "%s/bzImage", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd", f->dir);
	snprintf(f->other, sizeof(f->other), "%s/other", f->dir);
	fd = open(f->kernel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, IMG_SIZE), IMG_SIZE);
	close(fd);
	memset(initrd, 0x77, sizeof(initrd));
	fd = open(f->initrd, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, initrd, sizeof(initrd)), sizeof(initrd));
	close(fd);
	free(img);
	*state = f;
	return 0;
}

static int files_teardown(void **state)
{
	struct files *f = *state;

	unlink(f->kernel);
	unlink(f->initrd);
	rmdir(f->other);
	unlink(f->other);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* @path as a sparse file of @size bytes: reading it would take a while. */
static void sparse_file(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static void a_kernel_and_an_initrd_are_read_and_placed(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];
	uint8_t *img = fake_bzimage();

	assert_int_equal(linux_image_load(&li, f->kernel, f->initrd, "quiet", 64 * MiB, why,
					  sizeof(why)), 0);
	assert_int_equal(li.kernel_file_size, IMG_SIZE);
	assert_memory_equal(li.kernel_data, img, IMG_SIZE);
	assert_ptr_equal(li.bz.data, li.kernel_data);
	assert_int_equal(li.initrd_size, 10000);
	assert_int_equal(li.initrd[9999], 0x77);
	assert_int_equal(li.run_end, 20 * MiB);
	assert_int_equal(li.initrd_at, (64 * MiB - 10000) & ~4095ull);
	assert_string_equal(li.cmdline, "quiet");
	linux_image_free(&li);
	assert_null(li.kernel_data);
	assert_int_equal(linux_image_load(&li, f->kernel, NULL, "", 64 * MiB, why, sizeof(why)),
			 0);
	assert_null(li.initrd);
	assert_int_equal(li.initrd_at, 0);
	linux_image_free(&li);
	free(img);
}

static void a_missing_file_is_refused_as_open_says(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	assert_int_equal(linux_image_load(&li, f->kernel, f->other, "", 64 * MiB, why,
					  sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "--initrd "));
	assert_non_null(strstr(why, f->other));
	assert_non_null(strstr(why, "No such file"));
	assert_null(li.kernel_data);		/* a refused image holds nothing */
}

static void a_fifo_is_refused_without_blocking(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	assert_int_equal(mkfifo(f->other, 0600), 0);
	alarm(10);			/* a wait for a writer that never comes ends the test */
	assert_int_equal(linux_image_load(&li, f->other, NULL, "", 64 * MiB, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(linux_image_load(&li, f->kernel, f->other, "", 64 * MiB, why,
					  sizeof(why)), -EINVAL);
	alarm(0);
	assert_non_null(strstr(why, "--initrd "));
	assert_non_null(strstr(why, ": not a regular file"));
}

static void a_directory_is_not_a_regular_file(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	assert_int_equal(linux_image_load(&li, f->dir, NULL, "", 64 * MiB, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "--kernel "));
	assert_non_null(strstr(why, f->dir));
	assert_non_null(strstr(why, ": not a regular file"));
}

static void a_file_that_is_not_a_bzimage_is_refused_naming_it(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	assert_int_equal(linux_image_load(&li, f->initrd, NULL, "", 64 * MiB, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "--kernel "));
	assert_non_null(strstr(why, f->initrd));
	assert_non_null(strstr(why, "not a bzImage"));
}

static void an_initrd_bigger_than_ram_is_refused_before_reading_it(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	/* read, a terabyte of holes would take minutes or fail for memory */
	sparse_file(f->other, 1ll << 40);
	assert_int_equal(linux_image_load(&li, f->kernel, f->other, "", 64 * MiB, why,
					  sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "--initrd "));
	assert_non_null(strstr(why, ": 1048576 MiB, more than all of RAM (--mem 64)"));
}

static void a_kernel_bigger_than_ram_is_refused_before_reading_it(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	sparse_file(f->other, 1ll << 40);
	assert_int_equal(linux_image_load(&li, f->other, NULL, "", 64 * MiB, why, sizeof(why)),
			 -E2BIG);
	assert_non_null(strstr(why, "--kernel "));
	assert_non_null(strstr(why, "more than all of RAM"));
}

static void an_initrd_too_big_for_the_ram_above_the_window_is_refused(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	/* less than RAM, more than is left above the kernel's window */
	sparse_file(f->other, 50 * MiB);
	assert_int_equal(linux_image_load(&li, f->kernel, f->other, "", 64 * MiB, why,
					  sizeof(why)), -E2BIG);
	assert_string_equal(why, "--initrd: an initrd of 50 MiB above the kernel's 20 MiB "
			    "needs 70 MiB of RAM; --mem gives 64");
	assert_null(li.initrd);
}

static void an_empty_initrd_is_refused(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	sparse_file(f->other, 0);
	assert_int_equal(linux_image_load(&li, f->kernel, f->other, "", 64 * MiB, why,
					  sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, ": empty"));
}

static void too_much_ram_is_refused_before_opening_anything(void **state)
{
	struct files *f = *state;
	struct linux_image li;
	char why[256];

	assert_int_equal(linux_image_load(&li, f->other, f->other, "", 4096 * MiB, why,
					  sizeof(why)), -E2BIG);
	assert_string_equal(why, "--mem 4096: at most 3072 MiB");
}

/* ---- the UART ---- */

struct serial {
	char out[64];
	size_t n;
	bool level;
	unsigned int edges;
};

static void out(void *o, uint8_t b)
{
	struct serial *s = o;

	if (s->n < sizeof(s->out) - 1)
		s->out[s->n++] = (char)b;
}

static void irq(void *o, bool level)
{
	struct serial *s = o;

	s->level = level;
	s->edges++;
}

static void the_uart_passes_the_8250_probe_as_a_16550a(void **state)
{
	struct serial s = { 0 };
	struct uart u;

	(void)state;
	uart_init(&u, out, irq, &s);
	/* IER scratch test */
	uart_write(&u, 1, 0);
	assert_int_equal(uart_read(&u, 1) & 0x0f, 0);
	uart_write(&u, 1, 0x0f);
	assert_int_equal(uart_read(&u, 1) & 0x0f, 0x0f);
	uart_write(&u, 1, 0);
	/* loopback: OUT2|RTS come back as DCD|CTS */
	uart_write(&u, 4, 0x10 | 0x0a);
	assert_int_equal(uart_read(&u, 6) & 0xf0, 0x90);
	uart_write(&u, 0, 'L');			/* looped back, not sent */
	uart_write(&u, 4, 0);
	/* FIFOs: a 16550A */
	uart_write(&u, 2, 0x01);
	assert_int_equal(uart_read(&u, 2) >> 6, 3);
	/* the divisor latch */
	uart_write(&u, 3, 0x80);
	uart_write(&u, 0, 1);
	uart_write(&u, 1, 0);
	assert_int_equal(uart_read(&u, 0), 1);
	uart_write(&u, 3, 0x03);
	assert_int_equal(uart_read(&u, 5) & 0x60, 0x60);	/* THRE, TEMT */
	assert_int_equal(s.n, 0);		/* nothing sent: the probe's byte looped back */
	assert_false(s.level);			/* IER back to 0: the line is low */
}

static void the_uart_sends_at_once_and_interrupts_for_the_next_byte(void **state)
{
	struct serial s = { 0 };
	struct uart u;

	(void)state;
	uart_init(&u, out, irq, &s);
	uart_write(&u, 0, 'h');
	uart_write(&u, 0, 'i');
	assert_string_equal(s.out, "hi");
	assert_false(s.level);			/* THRI off: no interrupt */
	uart_write(&u, 1, 0x02);		/* THRI on, transmitter empty */
	assert_true(s.level);
	assert_int_equal(uart_read(&u, 2) & 0x0f, 0x02);	/* IIR: THRE, acknowledged */
	assert_false(s.level);
	assert_int_equal(uart_read(&u, 2) & 0x0f, 0x01);	/* none pending */
	uart_write(&u, 0, '!');
	assert_true(s.level);			/* empty again */
	uart_write(&u, 1, 0);
	assert_false(s.level);
	assert_string_equal(s.out, "hi!");
}

/* ---- MP tables ---- */

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void the_mp_tables_list_every_vcpu_and_check_out(void **state)
{
	uint8_t buf[4096];
	const uint8_t *hdr = buf + 16, *e;
	unsigned int i, cpus = 0, ints = 0, n;

	(void)state;
	assert_int_equal(mptable_write(buf, 0xf0000, 4), 0);
	assert_memory_equal(buf, "_MP_", 4);
	assert_int_equal(get_le32(buf + 4), 0xf0010);
	assert_int_equal(sum(buf, 16), 0);
	assert_memory_equal(hdr, "PCMP", 4);
	assert_int_equal(sum(hdr, hdr[4] | hdr[5] << 8), 0);
	assert_int_equal(get_le32(hdr + 36), MPTABLE_LAPIC_ADDR);
	n = hdr[34] | hdr[35] << 8;
	for (i = 0, e = hdr + 44; i < n; i++) {
		if (e[0] == 0) {
			assert_int_equal(e[1], cpus);		/* LAPIC id = vCPU id */
			assert_int_equal(e[3] & 2, cpus == 0 ? 2 : 0);
			cpus++;
			e += 20;
			continue;
		}
		if (e[0] == 2)
			assert_int_equal(e[1], 4);		/* the I/O APIC after them */
		if (e[0] == 3) {
			assert_int_equal(e[5], e[7]);		/* ISA IRQ n on pin n */
			ints++;
		}
		e += 8;
	}
	assert_int_equal(cpus, 4);
	assert_int_equal(ints, 15);
	assert_int_equal((size_t)(e - buf), mptable_size(4));
	assert_int_equal(mptable_write(buf, 0xf0000, 0), -EINVAL);
	assert_int_equal(mptable_write(buf, 0xf0000, 255), -EINVAL);
}

#define FILES(t) cmocka_unit_test_setup_teardown(t, files_setup, files_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_bzimage_with_a_64_bit_entry_is_accepted),
		cmocka_unit_test(what_is_not_a_64_bit_bzimage_is_refused_with_the_reason),
		cmocka_unit_test(a_kernel_runs_at_pref_address_and_needs_init_size_from_there),
		cmocka_unit_test(without_a_higher_pref_address_it_runs_at_1_mib_aligned_up),
		cmocka_unit_test(a_kernel_that_cannot_relocate_runs_at_pref_address),
		cmocka_unit_test(a_kernel_that_cannot_relocate_and_runs_below_1_mib_is_refused),
		cmocka_unit_test(too_little_ram_for_the_run_window_is_refused_naming_the_need),
		cmocka_unit_test(more_than_3_gib_of_ram_is_refused),
		cmocka_unit_test(an_initrd_is_placed_above_the_run_window),
		cmocka_unit_test(an_initrd_is_page_aligned_below_initrd_addr_max),
		cmocka_unit_test(an_initrd_that_would_overlap_the_window_is_refused),
		cmocka_unit_test(an_initrd_that_cannot_fit_below_initrd_addr_max_is_refused),
		cmocka_unit_test(a_command_line_longer_than_the_kernel_takes_is_refused),
		cmocka_unit_test(a_command_line_must_fit_where_the_vmm_puts_it),
		cmocka_unit_test(the_layout_follows_the_boot_protocol),
		FILES(a_kernel_and_an_initrd_are_read_and_placed),
		FILES(a_missing_file_is_refused_as_open_says),
		FILES(a_fifo_is_refused_without_blocking),
		FILES(a_directory_is_not_a_regular_file),
		FILES(a_file_that_is_not_a_bzimage_is_refused_naming_it),
		FILES(an_initrd_bigger_than_ram_is_refused_before_reading_it),
		FILES(a_kernel_bigger_than_ram_is_refused_before_reading_it),
		FILES(an_initrd_too_big_for_the_ram_above_the_window_is_refused),
		FILES(an_empty_initrd_is_refused),
		FILES(too_much_ram_is_refused_before_opening_anything),
		cmocka_unit_test(the_uart_passes_the_8250_probe_as_a_16550a),
		cmocka_unit_test(the_uart_sends_at_once_and_interrupts_for_the_next_byte),
		cmocka_unit_test(the_mp_tables_list_every_vcpu_and_check_out),
	};

	return cmocka_run_group_tests_name("kernel_boot", tests, NULL, NULL);
}
