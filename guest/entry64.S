/* SPDX-License-Identifier: MIT */
/* 64-bit guest entry: the VMM starts every vCPU here in long mode with
 * rdi = &bootinfo, rsi = vCPU id, rsp = the top of its stack. */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	call	guest_main
1:	cli
	hlt
	jmp	1b

/* #GP: count it and skip the 2-byte instruction that faulted (WRMSR). */
	.text
	.globl	gp_handler
gp_handler:
	addq	$8, %rsp		/* the error code */
	addq	$2, (%rsp)
	lock incl gp_faults(%rip)
	iretq

	.section .note.GNU-stack, "", @progbits
