/* SPDX-License-Identifier: MIT */
/*
 * The VMM's one error channel. A setup call fills the caller's struct
 * vmm_err and returns its code; at run time vmm_fail (vmm.h) records a
 * vCPU's failure into the same kind of struct, from any thread.
 */
#ifndef XRS_VMM_ERROR_H
#define XRS_VMM_ERROR_H

#include <stdarg.h>

struct vmm_err {
	int code;		/* 0, or -errno */
	char msg[256];		/* what failed, for a person */
};

/* Record @code and a message in @e (if not NULL); returns @code. */
int err_set(struct vmm_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int err_vset(struct vmm_err *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
