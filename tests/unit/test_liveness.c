// SPDX-License-Identifier: MIT
/*
 * Liveness of a published file is the lock its VMM holds on it: racing
 * publishers and pruners (xrs list --prune, tools/statsfile.c) never both
 * win a name, and never remove a live VMM's file.
 * On tmpfs, as /run is: thousands of files made and removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xrs/stats.h>
#include "tests/unit/harness.h"
#include "tools/statsfile.h"

#define ROUNDS	10000		/* the count */

static char dir[64], path[PATH_MAX];

struct racer {
	pthread_barrier_t *go;
	struct xrs_vm *vm;		/* a publisher's; NULL: a pruner */
	int r;
	dev_t dev;
	ino_t ino;
};

static struct xrs_vm *new_vm(void)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	struct xrs_vm *vm;

	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	return vm;
}

static void *race(void *arg)
{
	struct racer *x = arg;
	struct stats_file f;
	char err[STATS_ERR_MAX];
	struct stat st;

	pthread_barrier_wait(x->go);
	if (x->vm) {
		x->r = xrs_vm_publish(x->vm, "race");
		/* what it published: the name must still be this file afterwards */
		if (!x->r && !stat(path, &st)) {
			x->dev = st.st_dev;
			x->ino = st.st_ino;
		}
	} else if (stats_open("race", &f, err, sizeof(err)) == 0) {
		x->r = f.stale ? stats_prune(&f, err, sizeof(err)) : 0;
		stats_close(&f);
	}
	return NULL;
}

/* The name's file as a crashed VMM leaves it: published, no lock held. */
static void leave_stale_file(void)
{
	struct xrs_vm *vm = new_vm();
	char side[PATH_MAX];

	snprintf(side, sizeof(side), "%s/side", dir);
	assert_int_equal(xrs_vm_publish(vm, "race"), 0);
	assert_int_equal(link(path, side), 0);
	xrs_vm_destroy(vm);			/* closes it and lets go of the lock */
	assert_int_equal(rename(side, path), 0);
}

static void racing_publishers_and_pruners_never_both_win_nor_lose_a_live_file(void **state)
{
	unsigned int round, winners, double_winners = 0, lost = 0, none = 0;
	pthread_barrier_t go;
	pthread_t th[4];
	struct racer x[4];
	struct stat st;
	int i;

	(void)state;
	strcpy(dir, "/dev/shm/xrs-test-liveness.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0750), 0);
	setenv("XRS_RUN_DIR", dir, 1);
	snprintf(path, sizeof(path), "%s/race.xrs", dir);
	pthread_barrier_init(&go, NULL, 4);
	for (round = 0; round < ROUNDS; round++) {
		if (round % 2)
			leave_stale_file();
		for (i = 0; i < 4; i++) {
			x[i] = (struct racer){ .go = &go, .vm = i < 2 ? new_vm() : NULL };
			assert_int_equal(pthread_create(&th[i], NULL, race, &x[i]), 0);
		}
		for (i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		winners = 0;
		for (i = 0; i < 2; i++) {
			if (x[i].r == 0) {
				winners++;
				if (stat(path, &st) || st.st_dev != x[i].dev || st.st_ino != x[i].ino)
					lost++;
			} else {
				assert_int_equal(x[i].r, -EEXIST);
			}
		}
		double_winners += winners > 1;
		none += winners == 0;
		for (i = 0; i < 2; i++)
			xrs_vm_destroy(x[i].vm);
		/* the winner's exit took its file with it; the loser's took nothing */
		if (access(path, F_OK) == 0) {
			lost++;
			assert_int_equal(unlink(path), 0);
		}
	}
	pthread_barrier_destroy(&go);
	print_message("%u rounds: %u double winners, %u live files lost, %u without a winner\n",
		      ROUNDS, double_winners, lost, none);
	assert_int_equal(double_winners, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(none, 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(racing_publishers_and_pruners_never_both_win_nor_lose_a_live_file),
	};

	return cmocka_run_group_tests_name("liveness", tests, NULL, NULL);
}
