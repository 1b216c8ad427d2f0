/* SPDX-License-Identifier: MIT */
/*
 * Assertions the suites share (cmocka's go first where they are used).
 *  - TEST_ASSERT_OK: the KVM selftests' second tier: a raw __op() returns
 *    0 or -errno; op() asserts with this, naming the operation and errno.
 *  - CHECK: for threads other than cmocka's (its asserts longjmp): counts
 *    failures, prints the first few; the main thread asserts the count.
 */
#ifndef XRS_TEST_CHECK_H
#define XRS_TEST_CHECK_H

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define TEST_ASSERT_OK(expr, fmt, ...)						\
	do {									\
		int _r = (expr);						\
		if (_r)								\
			fail_msg(fmt " failed: %s (errno %d)", ##__VA_ARGS__,	\
				 strerror(_r < 0 ? -_r : _r), _r < 0 ? -_r : _r);	\
	} while (0)

extern atomic_uint check_failures;

#define CHECK(cond)								\
	do {									\
		if (!(cond) && atomic_fetch_add(&check_failures, 1) < 10)	\
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
				__LINE__, #cond);				\
	} while (0)

#endif
