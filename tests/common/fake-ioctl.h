/* SPDX-License-Identifier: MIT */
/*
 * Fake KVM ioctls for programs linked with -Wl,--wrap=ioctl (and
 * fake-ioctl.o): every ioctl libxrs or the VMM makes on an fd the program
 * owns is answered by its fake_ioctl(); all others go to the real ioctl.
 */
#ifndef XRS_TEST_FAKE_IOCTL_H
#define XRS_TEST_FAKE_IOCTL_H

#include <stdbool.h>

/* The fd the fake answers for, by default the only one. */
extern int fake_ioctl_fd;
/* Or any the program says it owns (NULL: just fake_ioctl_fd). */
extern bool (*fake_ioctl_owns)(int fd);

/* The program's answer: the ioctl's return value, with errno set as the kernel would. */
int fake_ioctl(int fd, unsigned long req, void *arg);

#endif
