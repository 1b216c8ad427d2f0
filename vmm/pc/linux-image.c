// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vmm/pc/layout.h"
#include "vmm/pc/linux-image.h"
#include "util/msg.h"

#define PAGE			4096ull
#define MiB			(1ull << 20)
#define INITRD_ADDR_MAX_OLD	0x37ffffffull	/* before protocol 2.03 set the field */
#define PATH_SHOWN		"%.120s"	/* a long path leaves room for the reason */

/* Sizes from files and headers are any u64: saturate rather than wrap. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* MiB as people read them: "16" when whole, "55.9" when not. */
static const char *mib(char *buf, size_t n, uint64_t bytes)
{
	if (bytes % MiB)
		snprintf(buf, n, "%.1f", (double)bytes / (double)MiB);
	else
		snprintf(buf, n, "%llu", (unsigned long long)(bytes / MiB));
	return buf;
}

static unsigned long long mib_up(uint64_t bytes)
{
	return (unsigned long long)(bytes / MiB + (bytes % MiB != 0));
}

/* One past the highest byte the kernel lets an initrd use. */
static uint64_t initrd_limit(const struct bzimage *bz)
{
	return (bz->initrd_addr_max ? bz->initrd_addr_max : INITRD_ADDR_MAX_OLD) + 1ull;
}

uint64_t linux_image_ram_needed(const struct linux_image *li)
{
	uint64_t end = add_sat(bzimage_run_start(&li->bz, KB_KERNEL), li->bz.init_size);

	if (!li->initrd_size)
		return end;
	/* the initrd's start is page-aligned down from the top, so above a page boundary */
	return add_sat(add_sat(end, PAGE - 1) & ~(PAGE - 1), li->initrd_size);
}

static int check_mem(uint64_t ram_size, char *why, size_t len)
{
	char m[24];

	if (ram_size > KB_RAM_MAX)
		return msg_ret(why, len, -E2BIG, "--mem %s: at most %llu MiB",
			       mib(m, sizeof(m), ram_size), KB_RAM_MAX >> 20);
	return 0;
}

static int place_initrd(struct linux_image *li, char *why, size_t len)
{
	uint64_t limit = initrd_limit(&li->bz), top = li->ram_size < limit ? li->ram_size : limit;
	uint64_t need = linux_image_ram_needed(li), cap = limit < KB_RAM_MAX ? limit : KB_RAM_MAX;
	char a[24], b[24], c[24];

	if (li->initrd_size <= top && ((top - li->initrd_size) & ~(PAGE - 1)) >= li->run_end) {
		li->initrd_at = (top - li->initrd_size) & ~(PAGE - 1);
		return 0;
	}
	if (need <= cap)
		return msg_ret(why, len, -E2BIG, "--initrd: an initrd of %s MiB above the kernel's "
			       "%s MiB needs %llu MiB of RAM; --mem gives %s", mib(a, sizeof(a), li->initrd_size),
			       mib(b, sizeof(b), li->run_end), mib_up(need),
			       mib(c, sizeof(c), li->ram_size));
	return msg_ret(why, len, -E2BIG, "--initrd: an initrd of %s MiB does not fit between "
		       "the kernel's end at %s MiB and %s MiB, the highest it may reach here",
		       mib(a, sizeof(a), li->initrd_size), mib(b, sizeof(b), li->run_end),
		       mib(c, sizeof(c), cap));
}

int linux_image_plan(struct linux_image *li, char *why, size_t len)
{
	const struct bzimage *bz = &li->bz;
	size_t cl = li->cmdline ? strlen(li->cmdline) : 0;
	uint64_t cl_max = bz->cmdline_size < KB_CMDLINE_MAX - 1 ? bz->cmdline_size
							       : KB_CMDLINE_MAX - 1;
	char a[24], b[24], c[24];
	int r = check_mem(li->ram_size, why, len);

	if (r)
		return r;
	if (cl > cl_max)
		return msg_ret(why, len, -EINVAL, "--cmdline: %zu bytes; this kernel takes at most %llu",
			       cl, (unsigned long long)cl_max);
	li->run_start = bzimage_run_start(bz, KB_KERNEL);
	li->run_end = add_sat(li->run_start, bz->init_size);
	/* only a kernel that cannot relocate runs there, over the zero page and page tables */
	if (li->run_start < KB_KERNEL)
		return msg_ret(why, len, -EINVAL, "the kernel runs at %#llx, below 1 MiB, and "
			       "cannot be moved", (unsigned long long)li->run_start);
	/* init_size covers the loaded kernel too (bzimage_parse), so run_end is its end */
	if (li->run_end > li->ram_size)
		return msg_ret(why, len, -E2BIG, "the kernel needs %llu MiB of RAM (it runs at %s MiB "
			       "and needs %s MiB from there); --mem gives %s", mib_up(li->run_end),
			       mib(a, sizeof(a), li->run_start), mib(b, sizeof(b), bz->init_size),
			       mib(c, sizeof(c), li->ram_size));
	li->initrd_at = 0;
	return li->initrd_size ? place_initrd(li, why, len) : 0;
}

/*
 * @path as what @opt names, open without waiting for a writer (a FIFO) and
 * without reading, and its size if it is a regular file of at most @max
 * bytes: 0, or -errno with the reason in @why.
 */
static int open_file(const char *opt, const char *path, uint64_t max, int *fd, size_t *size,
		     char *why, size_t len)
{
	struct stat st;
	char a[24], b[24];
	int r;

	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0 || fstat(*fd, &st)) {
		r = -errno;
		return msg_ret(why, len, r, "%s " PATH_SHOWN ": %s", opt, path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return msg_ret(why, len, -EINVAL, "%s " PATH_SHOWN ": not a regular file", opt, path);
	if ((uint64_t)st.st_size > max)
		return msg_ret(why, len, -E2BIG, "%s " PATH_SHOWN ": %s MiB, more than all of RAM "
			       "(--mem %s)", opt, path, mib(a, sizeof(a), (uint64_t)st.st_size),
			       mib(b, sizeof(b), max));
	*size = (size_t)st.st_size;
	return 0;
}

static int read_file(const char *opt, const char *path, int fd, size_t size, uint8_t **data,
		     char *why, size_t len)
{
	size_t got = 0;
	ssize_t n;
	char a[24];
	int r;

	*data = malloc(size ? size : 1);
	if (!*data)
		return msg_ret(why, len, -ENOMEM, "%s " PATH_SHOWN ": no memory for its %s MiB",
			       opt, path, mib(a, sizeof(a), size));
	while (got < size) {
		n = read(fd, *data + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			return msg_ret(why, len, r, "%s " PATH_SHOWN ": %s", opt, path, strerror(-r));
		}
		if (!n)
			return msg_ret(why, len, -EIO, "%s " PATH_SHOWN ": ended after %zu of its %zu "
				       "bytes (changed while read?)", opt, path, got, size);
		got += (size_t)n;
	}
	return 0;
}

static int load_kernel(struct linux_image *li, const char *path, char *why, size_t len)
{
	char reason[160];
	int fd = -1, r;

	r = open_file("--kernel", path, li->ram_size, &fd, &li->kernel_file_size, why, len);
	if (!r)
		r = read_file("--kernel", path, fd, li->kernel_file_size, &li->kernel_data, why, len);
	if (!r && (r = bzimage_parse(li->kernel_data, li->kernel_file_size, &li->bz, reason,
				     sizeof(reason))))
		msg_ret(why, len, r, "--kernel " PATH_SHOWN ": %s", path, reason);
	if (fd >= 0)
		close(fd);
	return r;
}

int linux_image_load(struct linux_image *li, const char *kernel, const char *initrd,
		     const char *cmdline, uint64_t ram_size, char *why, size_t len)
{
	int fd = -1, r;

	memset(li, 0, sizeof(*li));
	li->cmdline = cmdline;
	li->ram_size = ram_size;
	r = check_mem(ram_size, why, len);
	if (!r)
		r = load_kernel(li, kernel, why, len);
	if (!r && initrd) {
		r = open_file("--initrd", initrd, ram_size, &fd, &li->initrd_size, why, len);
		/* with no size, the kernel would take it for no initrd at all */
		if (!r && !li->initrd_size)
			r = msg_ret(why, len, -EINVAL, "--initrd " PATH_SHOWN ": empty", initrd);
	}
	if (!r)
		r = linux_image_plan(li, why, len);
	if (!r && initrd)
		r = read_file("--initrd", initrd, fd, li->initrd_size, &li->initrd, why, len);
	if (fd >= 0)
		close(fd);
	if (r)
		linux_image_free(li);
	return r;
}

void linux_image_free(struct linux_image *li)
{
	free(li->kernel_data);
	free(li->initrd);
	memset(li, 0, sizeof(*li));
}
