// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <xrs/xrs.h>

/* What each errno means coming from libxrs (the same as from KVM). */
static const struct {
	int err;
	const char *text;
} texts[] = {
	{ 0, "success" },
	{ EINVAL, "invalid argument" },
	{ EFAULT, "guest address not in mapped guest memory" },
	{ ENOENT, "no such attribute, or runstate area not set" },
	{ EOPNOTSUPP, "not supported (no steal source, or KVM lacks the capability)" },
	{ EEXIST, "already exists (overlapping memory or duplicate vCPU id)" },
	{ ENOMEM, "out of memory" },
	{ EBADF, "bad file descriptor" },
	{ EPERM, "operation not permitted" },
	{ EACCES, "permission denied" },
	{ ENODEV, "no such device" },
	{ ENXIO, "no such device or address" },
	{ EBUSY, "device or resource busy" },
	{ EAGAIN, "try again" },
	{ EINTR, "interrupted" },
	{ ENOSYS, "function not implemented" },
	{ E2BIG, "argument list too long" },
	{ ERANGE, "result out of range" },
	{ ENOTTY, "inappropriate ioctl for device" },
	{ ECANCELED, "turned off" },
};

const char *xrs_strerror(int err)
{
	long e = err < 0 ? -(long)err : err;
	size_t i;


	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if ((long)texts[i].err == e)
			return texts[i].text;
	return "unknown error";
}
