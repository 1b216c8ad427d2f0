/* SPDX-License-Identifier: MIT */
/*
 * One vCPU's host thread: libxrs's enter/exit around every KVM_RUN, the
 * exits dispatched to whoever answers them (the board, the Xen layer, the
 * test guests' ucalls), and what others ask of it between two runs. Its
 * state is struct vmm_vcpu (vm.h); kicks are vm.h's too.
 */
#ifndef XRS_VMM_VCPU_H
#define XRS_VMM_VCPU_H

/* The thread's body (pthread_create), for a struct vmm_vcpu. */
void *vcpu_thread(void *arg);

#endif
