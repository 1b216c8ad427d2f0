// SPDX-License-Identifier: MIT
/*
 * xrs's command line: every bad option or value is one line on stderr that
 * names it, and exit status 2, before any VM exists (no KVM needed).
 */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
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
		cmocka_unit_test(unknown_command_is_status_2),
		cmocka_unit_test(help_and_version_answer),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
