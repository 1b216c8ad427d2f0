// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include "fake-ioctl.h"

int fake_ioctl_fd = -1;

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd >= 0 && fd == fake_ioctl_fd)
		return fake_ioctl(req, arg);
	return __real_ioctl(fd, req, arg);
}
