// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include "tests/common/fake-ioctl.h"

int fake_ioctl_fd = -1;
bool (*fake_ioctl_owns)(int fd);

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fake_ioctl_owns ? fake_ioctl_owns(fd) : fd >= 0 && fd == fake_ioctl_fd)
		return fake_ioctl(fd, req, arg);
	return __real_ioctl(fd, req, arg);
}
