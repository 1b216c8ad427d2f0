// SPDX-License-Identifier: MIT
/* xrs: one binary, subcommands dispatched from one table. */
#include <stdio.h>
#include <string.h>
#include <xrs/xrs.h>
#include "tools.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run a VM of Xen test guests and show its runstate table" },
	{ "list", cmd_list, "the published VMs (xrs run --publish, xrs_vm_publish)" },
	{ "stat", cmd_stat, "a published VM's vCPUs: state, runstate times, steal" },
	{ "top", cmd_top, "a live view of published VMs, like xentop" },
	{ "export", cmd_export, "Prometheus metrics of published VMs (HTTP or textfile)" },
	{ "timeline", cmd_timeline, "an SVG timeline of a published VM's vCPU states" },
	{ "help", cmd_help, "this list, or `xrs help COMMAND`" },
	{ "version", cmd_version, "print the version" },
};

static const struct command *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && find(argv[1]) && strcmp(argv[1], "help") && strcmp(argv[1], "version")) {
		char *help[] = { argv[1], (char *)"--help", NULL };

		return find(argv[1])->fn(2, help);
	}
	printf("usage: xrs COMMAND [OPTIONS]\n\n"
	       "Xen vCPU runstate accounting for KVM, in user space.\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].summary);
	return 0;
}

/* The header xrs was built with, and the library it runs with: they must agree. */
static int cmd_version(int argc, char **argv)
{
	unsigned int lib = xrs_version();

	(void)argc;
	(void)argv;
	printf("xrs %d.%d.%d (libxrs %u.%u.%u)\n", XRS_VERSION_MAJOR, XRS_VERSION_MINOR,
	       XRS_VERSION_PATCH, lib >> 16, (lib >> 8) & 0xff, lib & 0xff);
	if (lib != XRS_VERSION) {
		fprintf(stderr, "xrs: built for libxrs %d.%d.%d but runs with %u.%u.%u\n",
			XRS_VERSION_MAJOR, XRS_VERSION_MINOR, XRS_VERSION_PATCH,
			lib >> 16, (lib >> 8) & 0xff, lib & 0xff);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2)
		return cmd_help(argc, argv), 2;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "xrs: unknown command '%s' (xrs help lists them)\n", argv[1]);
		return 2;
	}
	return c->fn(argc - 1, argv + 1);
}
