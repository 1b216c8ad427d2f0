/* SPDX-License-Identifier: MIT */
/* 32-bit guest entry: protected mode with paging, eax = &bootinfo,
 * edx = vCPU id, esp = the top of its stack. */
	.code32
	.section .text.entry, "ax"
	.globl _start
_start:
	pushl	%edx
	pushl	%eax
	call	guest_main
1:	cli
	hlt
	jmp	1b

/* #GP: count it and skip the 2-byte instruction that faulted (WRMSR). */
	.text
	.globl	gp_handler
gp_handler:
	addl	$4, %esp		/* the error code */
	addl	$2, (%esp)
	lock incl gp_faults
	iret

	.section .note.GNU-stack, "", @progbits
