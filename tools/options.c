// SPDX-License-Identifier: MIT
/* One options parser and one way of refusing, for every xrs command. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/options.h"
#include "util/run-dir.h"

/* @s on one line, whatever it holds: control bytes as \xHH. */
static void put_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
}

int opts_fail(const char *cmd, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xrs %s: ", cmd);
	put_safe(what);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return OPTS_STATUS;
}

int opts_bad_value(const struct opts *o, const char *problem, const char *hint)
{
	fprintf(stderr, "xrs %s: ", o->cmd);
	put_safe(o->name);
	fprintf(stderr, ": %s: \"", problem);
	put_safe(o->arg ? o->arg : "");
	fprintf(stderr, "\"%s%s%s\n", hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	return OPTS_STATUS;
}

void opts_init(struct opts *o, const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->argc = argc;
	o->argv = argv;
	o->longopts = longopts;
	snprintf(o->shortopts, sizeof(o->shortopts), ":%s", shortopts ? shortopts : "");
	opterr = 0;
	optind = 1;
}

/* The option at argv[optind - 1] as it was written, without any "=value". */
static void name_as_given(struct opts *o)
{
	const char *s = o->argv[optind - 1];

	snprintf(o->name, sizeof(o->name), "%.*s", (int)strcspn(s, "="), s);
}

int opts_next(struct opts *o)
{
	const char *prev;
	int idx = -1, c;

	c = getopt_long(o->argc, o->argv, o->shortopts, o->longopts, &idx);
	o->arg = optarg;
	if (c == -1)
		return -1;
	if (c != '?' && c != ':') {
		if (idx >= 0)
			snprintf(o->name, sizeof(o->name), "--%s", o->longopts[idx].name);
		else
			snprintf(o->name, sizeof(o->name), "-%c", c);
		return c;
	}
	/*
	 * Named as written: a long option by its argument (getopt has moved
	 * past it), a short one by its letter, wherever it sat in a cluster.
	 */
	prev = optind > 1 && optind - 1 < o->argc ? o->argv[optind - 1] : "";
	if (!strncmp(prev, "--", 2) && (c == ':' || !optopt || strchr(prev, '=')))
		name_as_given(o);
	else
		snprintf(o->name, sizeof(o->name), "-%c", optopt > 0 && optopt < 128 ? optopt : '?');
	if (c == ':')
		opts_fail(o->cmd, o->name, "needs a value");
	else if (optopt && strchr(prev, '=') && !strncmp(prev, "--", 2))
		opts_fail(o->cmd, o->name, "takes no value");
	else
		opts_fail(o->cmd, o->name, "unknown option (xrs help %s)", o->cmd);
	return OPTS_BAD;
}

int opts_operands(const struct opts *o, int min, int max, const char *name)
{
	int n = o->argc - optind;

	if (n < min)
		return opts_fail(o->cmd, name, "missing (xrs help %s)", o->cmd);
	if (n > max)
		return opts_fail(o->cmd, o->argv[optind + max], "unexpected argument");
	return 0;
}

/* A number, all of @s: strtod's, finite, with what follows it in *@unit. */
static bool number(const char *s, double *v, const char **unit)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v))
		return false;
	*unit = end;
	return true;
}

int opts_count(const struct opts *o, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = o->arg ? o->arg : "", *unit, *p;
	char range[64];
	unsigned long long v;
	double d;

	snprintf(range, sizeof(range), "%llu to %llu", (unsigned long long)min,
		 (unsigned long long)max);
	if (!number(s, &d, &unit) || *unit)
		return opts_bad_value(o, "not a number", NULL);
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (*p && d < 0 && d == floor(d))	/* -3 */
		return opts_bad_value(o, "out of range", range);
	if (*p)		/* a sign, a point, an exponent: a number, not a count */
		return opts_bad_value(o, "not a whole number", NULL);
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno || v < min || v > max)
		return opts_bad_value(o, "out of range", range);
	*out = v;
	return 0;
}

int opts_seconds(const struct opts *o, double min, double max, double *out)
{
	const char *s = o->arg ? o->arg : "", *unit;
	char range[64];
	double v;

	snprintf(range, sizeof(range), "%g to %g s", min, max);
	if (!number(s, &v, &unit)) {
		return opts_bad_value(o, "not a number", NULL);
	} else if (!strcmp(unit, "ms")) {
		v /= 1e3;
	} else if (*unit && strcmp(unit, "s")) {
		/* "1.5.2" is no number at all; "2h" is one in a unit we do not take */
		return opts_bad_value(o, isalpha((unsigned char)*unit) ?
				      "not a time in s or ms" : "not a number", NULL);
	}
	if (errno || !(v >= min && v <= max))
		return opts_bad_value(o, "out of range", range);
	*out = v;
	return 0;
}

int opts_run_dir(const char *cmd)
{
	char why[PATH_MAX + 128];
	struct stat st;
	int r = run_dir_check(run_dir(), &st, why, sizeof(why));

	if (!r || r == -ENOENT)
		return 0;
	fprintf(stderr, "xrs %s: ", cmd);
	put_safe(why);
	fputc('\n', stderr);
	return OPTS_STATUS;
}

int opts_choice(const struct opts *o, const char *const *names, size_t n)
{
	char list[160] = "not ";
	size_t i, len;

	for (i = 0; i < n; i++)
		if (o->arg && !strcmp(o->arg, names[i]))
			return (int)i;
	for (i = 0; i < n; i++) {
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", names[i],
			 i + 2 < n ? ", " : i + 2 == n ? " or " : "");
	}
	opts_bad_value(o, list, NULL);
	return -1;
}
