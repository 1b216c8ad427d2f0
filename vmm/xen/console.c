// SPDX-License-Identifier: MIT
#include <stdio.h>
#include "vmm/xen/console.h"
#include "vmm/xen/hcall.h"
#include "vmm/xen/xen-vm.h"

/* A guest's console line is at most this long in one call, as in Xen. */
#define CONSOLE_MAX	4096

long console_io(struct hcall *h)
{
	FILE *out = h->v->vm->console ? h->v->vm->console : stderr;
	uint64_t count = hcall_arg(h, 1), p = hcall_arg(h, 2), n;
	char buf[256];

	switch (hcall_arg(h, 0)) {
	case CONSOLEIO_read:
		return 0;		/* nothing to read */
	case CONSOLEIO_write:
		break;
	default:
		return -XEN_EINVAL;
	}
	if (count > CONSOLE_MAX)
		return -XEN_EINVAL;
	for (; count; count -= n, p += n) {
		n = count < sizeof(buf) ? count : sizeof(buf);
		if (hcall_read(h, p, buf, n))
			return -XEN_EFAULT;
		fprintf(out, "%.*s", (int)n, buf);
	}
	return 0;
}
