/* SPDX-License-Identifier: MIT */
/*
 * Keeping areas fresh: a guest that never exits has an area KVM would
 * leave stale until its thread is next scheduled. A thread kicks any vCPU
 * that stayed in KVM_RUN for refresh_ms, so its next entry books and
 * rewrites the area.
 */
#ifndef XRS_VMM_REFRESH_H
#define XRS_VMM_REFRESH_H

struct vmm;

/* pthread body; runs until the VM stops. */
void *refresh_thread(void *arg);

#endif
