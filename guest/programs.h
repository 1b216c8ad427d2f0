/* SPDX-License-Identifier: MIT */
/* The programs a test guest can run (bootinfo.program), each in its own file. */
#ifndef XRS_GUEST_PROGRAMS_H
#define XRS_GUEST_PROGRAMS_H

#include "guest/lib.h"

void prog_io_loop(struct gcpu *c);
void prog_hcall_page(struct gcpu *c);
void prog_workload(struct gcpu *c);
void prog_hostile(struct gcpu *c);
void prog_area_views(struct gcpu *c);

#endif
