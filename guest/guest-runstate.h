/* SPDX-License-Identifier: MIT */
/*
 * What the programs share about runstate areas: registering one, reading
 * one as Linux does, checking the own area's invariants, and reporting the
 * view to the host.
 */
#ifndef XRS_GUEST_RUNSTATE_H
#define XRS_GUEST_RUNSTATE_H

#include "guest/lib.h"

/* Linux's xen_get_runstate_snapshot, for either layout. */
void rs_read(const volatile uint8_t *area, int long_mode, struct rs_view *v);
uint64_t rs_sum(const struct rs_view *v);
/* No time and not the entry went backwards from @before to @now. */
int rs_monotonic(const struct rs_view *now, const struct rs_view *before);
/* Register @area for this vCPU by virtual (identity) or physical address. */
long register_area(struct gcpu *c, volatile uint8_t *area, int by_gpa);
/* The same for another vCPU, by raw address; ~0 unregisters by GPA, 0 by VA. */
long register_area_of(uint32_t vcpu, uint64_t addr, int by_gpa);
/* Check this vCPU's own area; 0 if all holds, else a violation is counted. */
int check_own_area(struct gcpu *c);
/* Count a violation, and say it on the Xen console (the first few). */
void violation(struct gcpu *c, const char *what);
/* Send the host this vCPU's view of its area and its counters. */
void report(struct gcpu *c);

#endif
