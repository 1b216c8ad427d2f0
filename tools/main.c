// SPDX-License-Identifier: MIT
/* xrs: one binary, subcommands dispatched from one table. */
#include <stdio.h>
#include <string.h>
#include <xrs/xrs.h>
#include "tools/commands.h"

/*
 * xrs top needs ncursesw and xrs export libmicrohttpd; the Makefile builds
 * each only where pkg-config finds its library. A command left out stays in
 * the table and says what it lacked, with status 2 as an unknown command.
 */
#ifndef XRS_WITH_TOP
#define XRS_WITH_TOP	1
#endif
#ifndef XRS_WITH_EXPORT
#define XRS_WITH_EXPORT	1
#endif
/* Off only in the build's proof that the reading tools link without the VMM. */
#ifndef XRS_WITH_RUN
#define XRS_WITH_RUN	1
#endif

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_not_built(int argc, char **argv);

#if XRS_WITH_RUN
#define CMD_RUN		cmd_run
#else
#define CMD_RUN		cmd_not_built
#endif
#if XRS_WITH_TOP
#define CMD_TOP		cmd_top
#else
#define CMD_TOP		cmd_not_built
#endif
#if XRS_WITH_EXPORT
#define CMD_EXPORT	cmd_export
#else
#define CMD_EXPORT	cmd_not_built
#endif

/* What a command left out lacked, and the Debian package that has it. */
static const struct optional {
	const char *name, *lib, *deb;
} optional[] = {
	{ "top", "ncursesw", "libncurses-dev" },
	{ "export", "libmicrohttpd", "libmicrohttpd-dev" },
};

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", CMD_RUN, "run a VM (Xen test guests, or Linux: --kernel) and its runstate table" },
	{ "list", cmd_list, "the published VMs (xrs run --publish, xrs_vm_publish)" },
	{ "stat", cmd_stat, "a published VM's vCPUs: state, runstate times, steal" },
	{ "top", CMD_TOP, "a live view of published VMs, like xentop" },
	{ "export", CMD_EXPORT, "Prometheus metrics of published VMs (HTTP or textfile)" },
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

static int cmd_not_built(int argc, char **argv)
{
	size_t i;

	(void)argc;
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (!strcmp(optional[i].name, argv[0]))
			break;
	if (i == sizeof(optional) / sizeof(optional[0]))	/* not in the table: a slip */
		fprintf(stderr, "xrs %s: not built\n", argv[0]);
	else
		fprintf(stderr, "xrs %s: not built: this xrs was built without %s "
			"(install %s and rebuild)\n", argv[0], optional[i].lib, optional[i].deb);
	return 2;
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
		printf("  %-8s %s%s\n", commands[i].name, commands[i].summary,
		       commands[i].fn == cmd_not_built ? " (not built)" : "");
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
