/* SPDX-License-Identifier: MIT */
/*
 * Fake KVM ioctls for tests linked with -Wl,--wrap=ioctl (and fake-ioctl.o):
 * every ioctl libxrs or the VMM makes on fd fake_ioctl_fd is answered by
 * the test's fake_ioctl(); all others go to the real ioctl.
 */
#ifndef XRS_TEST_FAKE_IOCTL_H
#define XRS_TEST_FAKE_IOCTL_H

extern int fake_ioctl_fd;

/* The test's answer: the ioctl's return value, with errno set as the kernel would. */
int fake_ioctl(unsigned long req, void *arg);

#endif
