/* SPDX-License-Identifier: MIT */
/*
 * Messages from the built-in guests (port G_PORT_UCALL): periodic reports
 * of their view of their own area, "done", and failed guest asserts, which
 * carry the condition's text, file and line, as the KVM selftests' ucall
 * does. A test's hook sees every message too.
 */
#ifndef XRS_VMM_UCALL_H
#define XRS_VMM_UCALL_H

#include <stdint.h>

struct vmm_vcpu;

void ucall_handle(struct vmm_vcpu *v, uint64_t gpa);

#endif
