/* SPDX-License-Identifier: MIT */
/*
 * Every xrs command's options, parsed and refused one way: a bad option is
 * exit status 2 and exactly one line on stderr,
 *
 *	xrs COMMAND: WHAT: PROBLEM
 *
 * WHAT the option as given (--interval, -d), or the operand; a value is
 * quoted after the problem: xrs top: -d: not a number: "x". Numbers are
 * checked for their form, their unit and their range here, once.
 */
#ifndef XRS_TOOLS_OPTIONS_H
#define XRS_TOOLS_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#define OPTS_BAD	(-2)	/* opts_next: refused, and said why */
#define OPTS_STATUS	2	/* the exit status of a bad option */

struct opts {
	const char *cmd;		/* "top": every message starts "xrs top: " */
	int argc;
	char **argv;
	char shortopts[32];		/* ':' (missing values told apart), then the caller's */
	const struct option *longopts;
	const char *arg;		/* the value of the option opts_next returned */
	char name[48];			/* that option as named: "--interval" or "-d" */
};

/* Start parsing @argv (argv[0] is the command) for command @cmd. */
void opts_init(struct opts *o, const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/*
 * The next option's val (its value in o->arg), -1 after the last, or
 * OPTS_BAD for an unknown option or a missing value, already said.
 */
int opts_next(struct opts *o);

/*
 * After the options: between @min and @max operands, the first named
 * @name in the message if missing. 0, or OPTS_STATUS after saying why.
 * The operands are o->argv[optind..o->argc - 1].
 */
int opts_operands(const struct opts *o, int min, int max, const char *name);

/* Say "xrs CMD: WHAT: TEXT" (@what shown safely); returns OPTS_STATUS. */
int opts_fail(const char *cmd, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The current option's value refused: "xrs CMD: OPT: @problem: "VALUE"",
 * and " (@hint)" if @hint is not NULL. Returns OPTS_STATUS.
 */
int opts_bad_value(const struct opts *o, const char *problem, const char *hint);

/*
 * The current option's value as a whole number from @min to @max, or as a
 * time in seconds (a plain number, or one with the unit s or ms) from
 * @min to @max s: 0, or OPTS_STATUS after saying why (not a number, not a
 * whole number or time, out of range).
 */
int opts_count(const struct opts *o, uint64_t min, uint64_t max, uint64_t *out);
int opts_seconds(const struct opts *o, double min, double max, double *out);

/*
 * The run directory ($XRS_RUN_DIR, util/run-dir.h), given to every command
 * as an option is: 0 if it is to be trusted or does not exist (yet), else
 * OPTS_STATUS after saying which directory and why, in one line.
 */
int opts_run_dir(const char *cmd);

/* The current option's value as one of @names: its index, or -1 after saying why. */
int opts_choice(const struct opts *o, const char *const *names, size_t n);

#endif
