/* SPDX-License-Identifier: MIT */
/* A reason for a person, into the caller's buffer, and the error to return with it. */
#ifndef XRS_UTIL_MSG_H
#define XRS_UTIL_MSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int msg_ret(char *buf, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int msg_ret(char *buf, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return ret;
}

#endif
