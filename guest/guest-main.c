// SPDX-License-Identifier: MIT
/* The guests' entry after entry64.S/entry32.S: run the program asked for. */
#include "guest/programs.h"

void guest_main(struct g_bootinfo *boot, uint32_t id);
void guest_main(struct g_bootinfo *boot, uint32_t id)
{
	static void (*const programs[])(struct gcpu *) = {
		[G_PROG_IO_LOOP] = prog_io_loop,
		[G_PROG_HCALL_PAGE] = prog_hcall_page,
		[G_PROG_WORKLOAD] = prog_workload,
		[G_PROG_HOSTILE] = prog_hostile,
		[G_PROG_AREA_VIEWS] = prog_area_views,
	};
	struct gcpu *c = gcpu_init(boot, id);

	GUEST_ASSERT(c, boot->program < sizeof(programs) / sizeof(programs[0]) &&
		     programs[boot->program]);
	programs[boot->program](c);
	ucall(c, G_UCALL_DONE, c->report.checks, c->report.violations, 0, 0);
}
