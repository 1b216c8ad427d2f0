/* SPDX-License-Identifier: MIT */
/* The flat guest binaries, built from guest/ by the Makefile. */
	.section .rodata
	.balign 4096
guest64_start:
	.incbin GUEST64_BIN
guest64_end:
	.balign 4096
guest32_start:
	.incbin GUEST32_BIN
guest32_end:

	.section .data.rel.ro, "aw"
	.balign 8
	.globl guest_image_64
guest_image_64:
	.quad guest64_start
	.quad guest64_end - guest64_start
	.globl guest_image_32
guest_image_32:
	.quad guest32_start
	.quad guest32_end - guest32_start

	.section .note.GNU-stack, "", @progbits
