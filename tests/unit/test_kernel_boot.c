// SPDX-License-Identifier: MIT
/*
 * Booting a Linux bzImage (vmm/kernel/), the PC pieces it needs (vmm/pc/):
 * the boot protocol's checks and layout, the 16550A as Linux's 8250 driver
 * probes and drives it, the MP tables.
 */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "kernel/boot.h"
#include "kernel/bzimage.h"
#include "pc/mptable.h"
#include "pc/uart.h"
#include "util/le.h"

#define MiB		(1ull << 20)
#define IMG_SIZE	(8 * 4096)

/* A bzImage as a 2.15 kernel's: 3 setup sectors, then a "kernel" of 0x5a. */
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
	img[BZ_RELOCATABLE] = 1;
	put_le16(img + BZ_XLOADFLAGS, BZ_XLF_KERNEL_64);
	put_le32(img + BZ_CMDLINE_SIZE, 2047);
	put_le32(img + BZ_INIT_SIZE, 4 * MiB);
	memset(img + 4 * 512, 0x5a, IMG_SIZE - 4 * 512);
	return img;
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

static void the_layout_follows_the_boot_protocol(void **state)
{
	uint64_t ram_size = 64 * MiB;
	uint8_t *ram = calloc(1, ram_size), *bp, *img = fake_bzimage();
	uint8_t initrd[10000];
	struct bzimage bz;
	struct kernel_boot kb;
	char why[128];

	(void)state;
	assert_non_null(ram);
	memset(initrd, 0x77, sizeof(initrd));
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, why, sizeof(why)), 0);
	assert_int_equal(kernel_boot_layout(ram, ram_size, &bz, initrd, sizeof(initrd),
					    "console=ttyS0", &kb, why, sizeof(why)), 0);
	assert_int_equal(kb.entry, KB_KERNEL + 0x200);
	assert_int_equal(kb.boot_params, KB_BOOT_PARAMS);
	assert_memory_equal(ram + KB_KERNEL, bz.kernel, bz.kernel_size);
	/* the initrd at the top of RAM, page-aligned */
	assert_int_equal(kb.initrd, (ram_size - sizeof(initrd)) & ~4095ull);
	assert_memory_equal(ram + kb.initrd, initrd, sizeof(initrd));
	bp = ram + KB_BOOT_PARAMS;
	assert_memory_equal(bp + BZ_HEADER, "HdrS", 4);
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

static void too_little_ram_or_too_long_a_command_line_is_refused_untouched(void **state)
{
	uint8_t *ram = calloc(1, 8 * MiB), *img = fake_bzimage(), *zero = calloc(1, 8 * MiB);
	uint8_t initrd[4096] = { 0 };
	char why[128], *cl = malloc(4096);
	struct bzimage bz;
	struct kernel_boot kb;

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &bz, why, sizeof(why)), 0);
	put_le32(img + BZ_INIT_SIZE, 16 * MiB);		/* needs more than 8 MiB */
	bz.init_size = 16 * MiB;
	assert_int_equal(kernel_boot_layout(ram, 8 * MiB, &bz, NULL, 0, "", &kb, why,
					    sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "--mem"));
	bz.init_size = 4 * MiB;
	assert_int_equal(kernel_boot_layout(ram, 8 * MiB, &bz, initrd, 4 * MiB, "", &kb, why,
					    sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "initrd"));
	memset(cl, 'x', 4095);
	cl[4095] = '\0';
	assert_int_equal(kernel_boot_layout(ram, 8 * MiB, &bz, NULL, 0, cl, &kb, why,
					    sizeof(why)), -EINVAL);
	assert_memory_equal(ram, zero, 8 * MiB);
	free(cl);
	free(ram);
	free(zero);
	free(img);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_bzimage_with_a_64_bit_entry_is_accepted),
		cmocka_unit_test(what_is_not_a_64_bit_bzimage_is_refused_with_the_reason),
		cmocka_unit_test(the_layout_follows_the_boot_protocol),
		cmocka_unit_test(too_little_ram_or_too_long_a_command_line_is_refused_untouched),
		cmocka_unit_test(the_uart_passes_the_8250_probe_as_a_16550a),
		cmocka_unit_test(the_uart_sends_at_once_and_interrupts_for_the_next_byte),
		cmocka_unit_test(the_mp_tables_list_every_vcpu_and_check_out),
	};

	return cmocka_run_group_tests_name("kernel_boot", tests, NULL, NULL);
}
