// SPDX-License-Identifier: MIT
/* The accounting engine alone (lib/engine.c): spec §4's update rule and the
 * arithmetic checks of DATA and ADJUST, as pure functions. */
#include <string.h>
#include "lib/engine.h"
#include "tests/unit/harness.h"

enum { RUN = XRS_RUNSTATE_RUNNING, RBL = XRS_RUNSTATE_RUNNABLE,
       BLK = XRS_RUNSTATE_BLOCKED, OFF = XRS_RUNSTATE_OFFLINE };

static uint64_t sum(const struct rs_state *rs)
{
	return rs->times[0] + rs->times[1] + rs->times[2] + rs->times[3];
}

static void first_update_books_everything_since_zero_as_offline(void **state)
{
	struct rs_state rs = { 0 };

	(void)state;
	rs_update(&rs, BLK, 1000, 77);
	assert_int_equal(rs.times[OFF], 1000);
	assert_int_equal(rs.entry, 1000);
	assert_int_equal(rs.state, BLK);
	assert_int_equal(rs.last_steal, 77);
	assert_int_equal(rs.times[RBL], 0);
}

static void running_interval_is_split_into_steal_and_running(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 100 }, .state = RUN, .last_steal = 10 };

	(void)state;
	rs_update(&rs, RUN, 1100, 310);
	assert_int_equal(rs.times[RBL], 300);
	assert_int_equal(rs.times[RUN], 100 + 700);
	assert_int_equal(rs.entry, 1100);
	assert_int_equal(sum(&rs), rs.entry);
}

static void steal_outside_running_is_dropped_but_resampled(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 0, 0, 100 }, .state = BLK };

	(void)state;
	rs_update(&rs, RUN, 600, 400);
	assert_int_equal(rs.times[BLK], 600);
	assert_int_equal(rs.times[RBL], 0);
	assert_int_equal(rs.last_steal, 400);
}

static void steal_is_clamped_to_the_interval(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 100 }, .state = RUN };

	(void)state;
	rs_update(&rs, RUN, 150, 1000000);
	assert_int_equal(rs.times[RBL], 50);
	assert_int_equal(rs.times[RUN], 100);
	assert_int_equal(rs.last_steal, 1000000);
}

static void run_delay_not_booked_as_runnable_is_counted(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 100 }, .state = RUN };

	(void)state;
	rs_update(&rs, BLK, 150, 1000000);		/* clamped: 50 booked */
	assert_int_equal(rs.steal_unbooked, 1000000 - 50);
	rs_update(&rs, RUN, 200, 1000030);		/* while blocked: dropped */
	assert_int_equal(rs.steal_unbooked, 1000000 - 50 + 30);
	rs_update(&rs, RUN, 100, 1000040);		/* clock behind: dropped */
	assert_int_equal(rs.steal_unbooked, 1000000 - 50 + 30 + 10);
	assert_int_equal(rs.times[RBL], 50);
}

static void negative_steal_is_ignored(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 100 }, .state = RUN, .last_steal = 500 };

	(void)state;
	rs_update(&rs, RUN, 200, 400);
	assert_int_equal(rs.times[RUN], 200);
	assert_int_equal(rs.times[RBL], 0);
	assert_int_equal(rs.last_steal, 400);
}

static void backwards_clock_switches_state_and_books_nothing(void **state)
{
	struct rs_state rs = { .entry = 1000, .times = { 1000 }, .state = RUN };

	(void)state;
	rs_update(&rs, BLK, 400, 99);
	assert_int_equal(rs.entry, 1000);
	assert_int_equal(rs.times[RUN], 1000);
	assert_int_equal(rs.state, BLK);
	assert_int_equal(rs.last_steal, 99);
	rs_update(&rs, RUN, 1300, 99);
	assert_int_equal(rs.times[BLK], 300);
}

/* A xorshift PRNG: the same sequence on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void invariant_and_monotonic_times_hold_for_any_sequence(void **state)
{
	struct rs_state rs = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ull, now = 1000000, rd = 0;
	int i, j;

	(void)state;
	for (i = 0; i < 200000; i++) {
		struct rs_state before = rs;
		uint64_t r = rnd(&seed);

		/* Mostly forward, sometimes backwards, steal sometimes > delta. */
		now += (r % 8 == 0) ? -(r % 5000) : (r % 3000);
		rd += (r >> 20) % 4 == 0 ? (r >> 24) % 4000 : 0;
		if ((r >> 40) % 50 == 0)
			rd -= (r >> 44) % 100;
		rs_update(&rs, (uint32_t)((r >> 32) % 4), now, rd);
		assert_int_equal(sum(&rs), rs.entry);
		for (j = 0; j < 4; j++)
			assert_true(rs.times[j] >= before.times[j]);
		assert_true(rs.entry >= before.entry);
	}
}

static void data_sum_is_checked_modulo_2_64(void **state)
{
	struct rs_fields f = { .state = RUN, .entry = 5, .times = { UINT64_MAX, 6, 0, 0 } };

	(void)state;
	assert_int_equal(rs_check_data(&f, 10), 0);
	f.times[1] = 7;
	assert_int_equal(rs_check_data(&f, 10), -EINVAL);
}

static void data_in_the_future_is_einval(void **state)
{
	struct rs_fields f = { .state = RUN, .entry = 11, .times = { 11 } };

	(void)state;
	assert_int_equal(rs_check_data(&f, 10), -EINVAL);
	assert_int_equal(rs_check_data(&f, 11), 0);
}

static void data_sets_last_steal(void **state)
{
	struct rs_state rs = { 0 };
	struct rs_fields f = { .state = BLK, .entry = 3, .times = { 1, 1, 1 } };

	(void)state;
	rs_set_data(&rs, &f, 4242);
	assert_int_equal(rs.last_steal, 4242);
	assert_int_equal(rs.state, BLK);
	assert_int_equal(rs.entry, 3);
}

static void adjust_deltas_are_twos_complement(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 50, 50 } };
	struct rs_fields d = { .state = (uint64_t)-1, .entry = 0,
			       .times = { (uint64_t)-20, 20, 0, 0 } };

	(void)state;
	assert_int_equal(rs_adjust(&rs, &d, 100), 0);
	assert_int_equal(rs.times[0], 30);
	assert_int_equal(rs.times[1], 70);
	assert_int_equal(rs.entry, 100);
}

static void adjust_past_now_is_einval_and_changes_nothing(void **state)
{
	struct rs_state rs = { .entry = 100, .times = { 100 } }, before = rs;
	struct rs_fields d = { .state = (uint64_t)-1, .entry = 1, .times = { 1 } };

	(void)state;
	assert_int_equal(rs_adjust(&rs, &d, 100), -EINVAL);
	assert_memory_equal(&rs, &before, sizeof(rs));
	d.state = 4;
	d.entry = 0;
	d.times[0] = 0;
	assert_int_equal(rs_adjust(&rs, &d, 100), -EINVAL);
	assert_memory_equal(&rs, &before, sizeof(rs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_update_books_everything_since_zero_as_offline),
		cmocka_unit_test(running_interval_is_split_into_steal_and_running),
		cmocka_unit_test(steal_outside_running_is_dropped_but_resampled),
		cmocka_unit_test(steal_is_clamped_to_the_interval),
		cmocka_unit_test(run_delay_not_booked_as_runnable_is_counted),
		cmocka_unit_test(negative_steal_is_ignored),
		cmocka_unit_test(backwards_clock_switches_state_and_books_nothing),
		cmocka_unit_test(invariant_and_monotonic_times_hold_for_any_sequence),
		cmocka_unit_test(data_sum_is_checked_modulo_2_64),
		cmocka_unit_test(data_in_the_future_is_einval),
		cmocka_unit_test(data_sets_last_steal),
		cmocka_unit_test(adjust_deltas_are_twos_complement),
		cmocka_unit_test(adjust_past_now_is_einval_and_changes_nothing),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
