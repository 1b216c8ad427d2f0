/* SPDX-License-Identifier: MIT */
#ifndef XRS_TEST_VIEWS_H
#define XRS_TEST_VIEWS_H

#include <stdint.h>
#include "guest/guest-abi.h"
#include "vmm/vmm.h"

struct views {
	uint32_t steps[8];	/* syncs seen per vCPU */
	uint32_t bad;
	char why[200];
};

/* vmm_config.on_ucall for G_PROG_AREA_VIEWS; opaque: struct views. */
int views_on_sync(struct vmm *m, struct vmm_vcpu *v, struct g_ucall *uc, void *opaque);

#endif
