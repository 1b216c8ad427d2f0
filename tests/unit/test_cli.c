// SPDX-License-Identifier: MIT
/*
 * xrs's command line: every bad option or value is one line on stderr that
 * names the command and it, and exit status 2, before any VM exists (no
 * KVM needed). The same for every command, and for a run directory the
 * tools and libxrs refuse.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/harness.h"


struct result {
	int status;
	char err[512];
	char out[4096];
};

static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
}

static void run(const char *const argv[], struct result *r)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2], st;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	assert_int_equal(posix_spawn(&pid, XRS_BIN, &fa, NULL, (char *const *)argv, environ), 0);
	close(out[1]);
	close(err[1]);
	read_all(err[0], r->err, sizeof(r->err));
	read_all(out[0], r->out, sizeof(r->out));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	close(out[0]);
	close(err[0]);
	posix_spawn_file_actions_destroy(&fa);
}

/* xrs run OPT [VALUE]: status 2, one line naming @names. */
static void rejects(const char *opt, const char *value, const char *names)
{
	const char *argv[] = { "xrs", "run", opt, value, NULL };
	struct result r;

	run(argv, &r);
	if (r.status != 2 || !strstr(r.err, names) || strchr(r.err, '\n') != r.err + strlen(r.err) - 1)
		fail_msg("xrs run %s %s: status %d, stderr '%s'", opt, value ? value : "",
			 r.status, r.err);
}

static void each_bad_value_is_named_with_status_2(void **state)
{
	(void)state;
	rejects("--vcpus", "0", "--vcpus");
	rejects("--vcpus", "1025", "--vcpus");
	rejects("--vcpus", "x", "--vcpus");
	rejects("--vcpus", "-3", "--vcpus");
	rejects("--vcpus", "", "--vcpus");
	rejects("--guest", "16", "--guest");
	rejects("--workload", "busy", "--workload");
	rejects("--seconds", "0", "--seconds");
	rejects("--seconds", "1e9", "--seconds");
	rejects("--seconds", "soon", "--seconds");
	rejects("--mem", "0", "--mem");
	rejects("--mem", "4096", "--mem");
	rejects("--mem", "1", "--mem");			/* too little for 4 vCPUs */
	rejects("--update-flag", "yes", "--update-flag");
	rejects("--pin", "", "--pin");
	rejects("--pin", "a", "--pin");
	rejects("--pin", "9999", "--pin");
	rejects("--pin", "1-0", "--pin");
	rejects("--pin", "0-", "--pin");
	rejects("--pin", "0;1", "--pin");
	rejects("--interval", "-1", "--interval");
	rejects("--interval", "0.001", "--interval");
	rejects("--name", "", "--name");
	rejects("--backend", "hyperv", "--backend");
	rejects("--refresh-ms", "99999999", "--refresh-ms");
	rejects("--refresh-ms", "ten", "--refresh-ms");
	rejects("--running", "0", "--running");
	rejects("--running", "5", "--running");		/* more than the 4 vCPUs */
	rejects("--running", "all", "--running");
	rejects("--save-restore-at", "0", "--save-restore-at");
	rejects("--save-restore-at", "never", "--save-restore-at");
	rejects("--save-restore-at", "5", "--save-restore-at");	/* not before the end (5 s) */
	rejects("--restore-clock", "sideways", "--restore-clock");
}

static void unknown_options_and_missing_values_are_named(void **state)
{
	(void)state;
	rejects("--frobnicate", NULL, "--frobnicate");
	rejects("--vcpus", NULL, "--vcpus");
	rejects("--seconds", NULL, "--seconds");
	rejects("stray", NULL, "stray");
}

/* Whether this xrs has @cmd (top and export need optional libraries). */
static bool built(const char *cmd)
{
	const char *argv[] = { "xrs", "help", NULL };
	const char *p, *eol;
	char line[64];
	struct result r;

	run(argv, &r);
	snprintf(line, sizeof(line), "\n  %-8s ", cmd);
	p = strstr(r.out, line);
	if (!p)
		return false;
	eol = strchr(p + 1, '\n');
	return !eol || eol - p < 13 || strncmp(eol - 12, " (not built)", 12);
}

/* @argv: status 2 and stderr exactly @line and its newline. */
static void refused_with(const char *const argv[], const char *line)
{
	struct result r;
	char want[512];

	if (!built(argv[1]))
		return;
	run(argv, &r);
	snprintf(want, sizeof(want), "%s\n", line);
	if (r.status != 2 || strcmp(r.err, want))
		fail_msg("xrs %s %s: status %d, stderr '%s', not 2 and '%s'", argv[1],
			 argv[2] ? argv[2] : "", r.status, r.err, line);
}

/* @argv: status 2 and one line on stderr that starts with @start. */
static void refused_starting(const char *const argv[], const char *start)
{
	struct result r;

	if (!built(argv[1]))
		return;
	run(argv, &r);
	if (r.status != 2 || strncmp(r.err, start, strlen(start)) ||
	    strchr(r.err, '\n') != r.err + strlen(r.err) - 1)
		fail_msg("xrs %s %s: status %d, stderr '%s', not 2 and one line '%s...'",
			 argv[1], argv[2] ? argv[2] : "", r.status, r.err, start);
}

#define ARGV(...)	((const char *const[]){ "xrs", __VA_ARGS__, NULL })

static void every_command_names_an_unknown_option_in_one_line_with_status_2(void **state)
{
	(void)state;
	refused_with(ARGV("run", "--frob"), "xrs run: --frob: unknown option (xrs help run)");
	refused_with(ARGV("list", "--frob"), "xrs list: --frob: unknown option (xrs help list)");
	refused_with(ARGV("stat", "--frob", "vm"),
		     "xrs stat: --frob: unknown option (xrs help stat)");
	refused_with(ARGV("top", "--frob"), "xrs top: --frob: unknown option (xrs help top)");
	refused_with(ARGV("top", "-x"), "xrs top: -x: unknown option (xrs help top)");
	refused_with(ARGV("export", "--frob=1"),
		     "xrs export: --frob: unknown option (xrs help export)");
	refused_with(ARGV("timeline", "--frob", "vm"),
		     "xrs timeline: --frob: unknown option (xrs help timeline)");
}

static void every_command_names_a_missing_value_in_one_line_with_status_2(void **state)
{
	(void)state;
	refused_with(ARGV("run", "--vcpus"), "xrs run: --vcpus: needs a value");
	refused_with(ARGV("top", "-d"), "xrs top: -d: needs a value");
	refused_with(ARGV("top", "-n"), "xrs top: -n: needs a value");
	refused_with(ARGV("export", "--textfile", "/", "--interval"),
		     "xrs export: --interval: needs a value");
	refused_with(ARGV("export", "--listen"), "xrs export: --listen: needs a value");
	refused_with(ARGV("timeline", "vm", "--seconds"),
		     "xrs timeline: --seconds: needs a value");
	refused_with(ARGV("timeline", "vm", "-o"), "xrs timeline: -o: needs a value");
}

/* Operands and options a command cannot go without, or cannot take. */
static void every_command_names_a_missing_or_stray_argument_in_one_line(void **state)
{
	(void)state;
	refused_with(ARGV("list", "vm"), "xrs list: vm: unexpected argument");
	refused_with(ARGV("stat"), "xrs stat: NAME: missing (xrs help stat)");
	refused_with(ARGV("stat", "--json"), "xrs stat: NAME: missing (xrs help stat)");
	refused_with(ARGV("stat", "a", "b"), "xrs stat: b: unexpected argument");
	refused_with(ARGV("top", "a", "b"), "xrs top: b: unexpected argument");
	refused_with(ARGV("export"),
		     "xrs export: --listen or --textfile: missing (xrs help export)");
	refused_with(ARGV("timeline", "-o", "x.svg"),
		     "xrs timeline: NAME: missing (xrs help timeline)");
	refused_with(ARGV("timeline", "vm"), "xrs timeline: -o: missing (xrs help timeline)");
}

static void every_command_names_a_bad_number_in_one_line_with_status_2(void **state)
{
	(void)state;
	refused_with(ARGV("run", "--vcpus", "x"), "xrs run: --vcpus: not a number: \"x\"");
	refused_with(ARGV("run", "--seconds", "soon"), "xrs run: --seconds: not a number: \"soon\"");
	refused_with(ARGV("top", "-d", "x"), "xrs top: -d: not a number: \"x\"");
	refused_with(ARGV("top", "-n", "1.5"), "xrs top: -n: not a whole number: \"1.5\"");
	refused_with(ARGV("export", "--textfile", "/", "--interval", "x"),
		     "xrs export: --interval: not a number: \"x\"");
	refused_with(ARGV("timeline", "vm", "-o", "x.svg", "--seconds", "x"),
		     "xrs timeline: --seconds: not a number: \"x\"");
	/* out of range, or in a unit the option does not take */
	refused_starting(ARGV("run", "--vcpus", "0"), "xrs run: --vcpus: out of range: \"0\"");
	refused_starting(ARGV("top", "-d", "0.01"), "xrs top: -d: out of range: \"0.01\"");
	refused_starting(ARGV("top", "-d", "2h"), "xrs top: -d: not a time in s or ms: \"2h\"");
	refused_starting(ARGV("timeline", "vm", "-o", "x.svg", "--seconds", "1e9"),
			 "xrs timeline: --seconds: out of range: \"1e9\"");
}

/* Every command that reads or publishes in the run directory. */
static const char *const *const run_dir_commands[] = {
	ARGV("list"), ARGV("stat", "vm"), ARGV("top", "-b", "-n", "1"),
	ARGV("top", "-b", "-n", "1", "vm"), ARGV("export", "--textfile", "/tmp"),
	ARGV("timeline", "vm", "-o", "/dev/null"), ARGV("run", "--publish", "--name", "vm"),
	NULL,
};

/* Each of them: status 2 and "xrs CMD: @why" alone on stderr. */
static void each_refuses_the_run_dir(const char *why)
{
	const char *const *cmd;
	char line[700];
	size_t i;

	for (i = 0; (cmd = run_dir_commands[i]); i++) {
		snprintf(line, sizeof(line), "xrs %s: %s", cmd[1], why);
		refused_with(cmd, line);
	}
}

/* A run directory the tools and libxrs refuse: named, and why, in one line. */
static void every_command_refuses_an_untrusted_run_dir_in_one_line_with_status_2(void **state)
{
	char dir[] = "/tmp/xrs-cli-XXXXXX", why[600];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0757), 0);
	setenv("XRS_RUN_DIR", dir, 1);
	snprintf(why, sizeof(why), "%s: writable by others (mode 0757): anyone could replace "
		 "its files; not trusted", dir);
	each_refuses_the_run_dir(why);
	/* another user's directory, when we may make one */
	if (!geteuid()) {
		assert_int_equal(chmod(dir, 0750), 0);
		assert_int_equal(chown(dir, 65534, 65534), 0);
		snprintf(why, sizeof(why), "%s: owned by uid 65534, neither you nor root: not "
			 "trusted", dir);
		each_refuses_the_run_dir(why);
	}
	unsetenv("XRS_RUN_DIR");
	assert_int_equal(rmdir(dir), 0);
}

/* The hooks-off baseline measures libxrs set up but idle: there must be one. */
static void no_run_hooks_without_the_runstate_is_refused(void **state)
{
	(void)state;
	rejects("--no-run-hooks", "--no-runstate", "--no-run-hooks");
	rejects("--no-runstate", "--no-run-hooks", "--no-run-hooks");
}

static void unknown_command_is_status_2(void **state)
{
	const char *argv[] = { "xrs", "frob", NULL };
	struct result r;

	(void)state;
	run(argv, &r);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "frob"));
}

static void help_and_version_answer(void **state)
{
	const char *help[] = { "xrs", "help", NULL };
	const char *run_help[] = { "xrs", "run", "--help", NULL };
	const char *version[] = { "xrs", "version", NULL };
	struct result r;

	(void)state;
	run(help, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "run"));
	run(run_help, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "--update-flag"));
	run(version, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "xrs 1.1.0 (libxrs 1.1.0)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_bad_value_is_named_with_status_2),
		cmocka_unit_test(unknown_options_and_missing_values_are_named),
		cmocka_unit_test(no_run_hooks_without_the_runstate_is_refused),
		cmocka_unit_test(every_command_names_an_unknown_option_in_one_line_with_status_2),
		cmocka_unit_test(every_command_names_a_missing_value_in_one_line_with_status_2),
		cmocka_unit_test(every_command_names_a_missing_or_stray_argument_in_one_line),
		cmocka_unit_test(every_command_names_a_bad_number_in_one_line_with_status_2),
		cmocka_unit_test(every_command_refuses_an_untrusted_run_dir_in_one_line_with_status_2),
		cmocka_unit_test(unknown_command_is_status_2),
		cmocka_unit_test(help_and_version_answer),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
