// SPDX-License-Identifier: MIT
/*
 * A user program in the Linux guest that makes Xen hypercalls itself, with
 * VMCALL/VMMCALL from user mode (CPL 3), as any unprivileged process could.
 * Xen answers them -EPERM; so must xrs, and none of them may act: had the
 * shutdown been obeyed the VM would end here, had shared_info or a vcpu_info
 * moved the guest would soon crash. Prints one line for the test to read.
 * Built static, into the test's initramfs (tests/linux/run).
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define XEN_EPERM	1

static int amd;

static long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = 0;
	long ret;

	if (amd)
		__asm__ __volatile__("vmmcall"
				     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				     : "a"(nr) : "memory");
	else
		__asm__ __volatile__("vmcall"
				     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				     : "a"(nr) : "memory");
	return ret;
}

int main(void)
{
	unsigned int a, b, c, d;
	uint32_t reason = 0, port = 1;
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } xatp = { .gpfn = 0x100 };
	struct { uint16_t domid, pad; uint32_t index; uint64_t value; } param = {
		.value = 2ull << 56 | 0x30,
	};
	struct { uint64_t mfn; uint32_t offset, rsvd; } vinfo = { .mfn = 0x100 };
	uint64_t area = (uint64_t)(uintptr_t)&vinfo;
	char msg[] = "hostile\n";
	const struct {
		const char *what;
		unsigned long nr, a1, a2, a3;
	} calls[] = {
		{ "sched_op(shutdown)", 29, 2, (unsigned long)&reason, 0 },
		{ "memory_op(add_to_physmap shared_info)", 12, 7, (unsigned long)&xatp, 0 },
		{ "hvm_op(set_param callback)", 34, 0, (unsigned long)&param, 0 },
		{ "event_channel_op(close)", 32, 3, (unsigned long)&port, 0 },
		{ "vcpu_op(register_vcpu_info)", 24, 10, 0, (unsigned long)&vinfo },
		{ "vcpu_op(register_runstate_memory_area)", 24, 5, 0, (unsigned long)&area },
		{ "vcpu_op(down)", 24, 2, 1, 0 },
		{ "vm_assist(runstate_update_flag)", 21, 1, 5, 0 },
		{ "console_io(write)", 18, 0, sizeof(msg) - 1, (unsigned long)msg },
		{ "xen_version", 17, 0, 0, 0 },
		{ "set_timer_op", 15, 1, 0, 0 },
	};
	unsigned int i, n = sizeof(calls) / sizeof(calls[0]), eperm = 0;

	__cpuid(0, a, b, c, d);
	amd = b == 0x68747541;		/* "Auth"enticAMD */
	for (i = 0; i < n; i++) {
		long r = hypercall(calls[i].nr, calls[i].a1, calls[i].a2, calls[i].a3);

		if (r == -XEN_EPERM)
			eperm++;
		else
			printf("linux-guest: hostile: %s from user mode returned %ld\n",
			       calls[i].what, r);
	}
	printf("linux-guest: hostile: %u hypercalls from user mode, %u got -EPERM\n", n, eperm);
	return eperm == n ? 0 : 1;
}
