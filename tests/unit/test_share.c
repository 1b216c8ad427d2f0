// SPDX-License-Identifier: MIT
/*
 * The one definition of steal % and the other runstate shares
 * (tools/share.h), which xrs run's table and JSON, xrs stat and xrs top all
 * show: a state's time over the time of all four states.
 */
#include <stdint.h>
#include "tests/unit/harness.h"
#include "tools/share.h"

static void steal_is_runnable_over_all_four_states(void **state)
{
	/* running, runnable, blocked, offline */
	const uint64_t t[XRS_RUNSTATE_COUNT] = { 500, 250, 0, 250 };

	(void)state;
	assert_float_equal(steal_pct(t), 25.0, 1e-9);
}

static void offline_time_is_not_steal(void **state)
{
	const uint64_t t[XRS_RUNSTATE_COUNT] = { 0, 0, 0, 1000 };

	(void)state;
	assert_float_equal(steal_pct(t), 0.0, 1e-9);
	assert_float_equal(runstate_share_pct(t, XRS_RUNSTATE_OFFLINE), 100.0, 1e-9);
}

static void the_four_shares_add_up_to_100(void **state)
{
	const uint64_t t[XRS_RUNSTATE_COUNT] = { 123456789, 98765, 4321, 17 };
	double sum = 0;
	int i;

	(void)state;
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		sum += runstate_share_pct(t, i);
	assert_float_equal(sum, 100.0, 1e-9);
}

static void a_span_of_no_time_has_no_steal(void **state)
{
	const uint64_t t[XRS_RUNSTATE_COUNT] = { 0, 0, 0, 0 };

	(void)state;
	assert_float_equal(steal_pct(t), 0.0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steal_is_runnable_over_all_four_states),
		cmocka_unit_test(offline_time_is_not_steal),
		cmocka_unit_test(the_four_shares_add_up_to_100),
		cmocka_unit_test(a_span_of_no_time_has_no_steal),
	};

	return cmocka_run_group_tests_name("share", tests, NULL, NULL);
}
