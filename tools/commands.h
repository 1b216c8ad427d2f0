/* SPDX-License-Identifier: MIT */
/*
 * The xrs subcommands, as main.c's table calls them: each takes its own
 * argv (argv[0] is its name) and returns the exit status.
 */
#ifndef XRS_TOOLS_COMMANDS_H
#define XRS_TOOLS_COMMANDS_H

int cmd_run(int argc, char **argv);		/* run.c: a VM on the VMM */

/* The operator view of published VMs: they read stats files, never the VMM. */
int cmd_list(int argc, char **argv);		/* list.c */
int cmd_stat(int argc, char **argv);		/* stat.c */
int cmd_top(int argc, char **argv);		/* top.c */
int cmd_export(int argc, char **argv);		/* export.c */
int cmd_timeline(int argc, char **argv);	/* timeline.c */

#endif
