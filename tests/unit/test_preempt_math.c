// SPDX-License-Identifier: MIT
/*
 * The preemption source's arithmetic without BPF: the ready-wait buckets
 * (bpf/preempt.h, the very code the program runs), and the seqcount reader
 * (lib/preempt.h) against a fake map slot that a thread rewrites.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <xrs/stats.h>
#include "tests/unit/harness.h"
#include "util/hosttime.h"
#include "lib/preempt.h"

static void buckets_split_1us_to_10s_in_powers_of_two(void **state)
{
	unsigned int b;

	(void)state;
	assert_int_equal(preempt_bucket(0), 0);
	assert_int_equal(preempt_bucket(999), 0);
	assert_int_equal(preempt_bucket(1000), 1);		/* [1, 2) us */
	assert_int_equal(preempt_bucket(1999), 1);
	assert_int_equal(preempt_bucket(2000), 2);
	assert_int_equal(preempt_bucket(3999), 2);
	assert_int_equal(preempt_bucket(4000), 3);
	assert_int_equal(preempt_bucket(1023999), 10);	/* 1023 us: [512, 1024) */
	assert_int_equal(preempt_bucket(1024000), 11);
	assert_int_equal(preempt_bucket(8388607999ull), 23);
	assert_int_equal(preempt_bucket(8388608000ull), 24);	/* [8.39 s, 10 s) */
	assert_int_equal(preempt_bucket(9999999999ull), 24);
	assert_int_equal(preempt_bucket(10000000000ull), PREEMPT_BUCKETS - 1);
	assert_int_equal(preempt_bucket(~0ull), PREEMPT_BUCKETS - 1);
	assert_int_equal(PREEMPT_BUCKETS, XRS_STATS_READY_BUCKETS);
	/* Every bucket's upper bound is the next one's lower: no gap, no overlap. */
	for (b = 0; b + 1 < PREEMPT_BUCKETS; b++) {
		assert_int_equal(preempt_bucket(preempt_bucket_upper_ns(b) - 1), b);
		assert_int_equal(preempt_bucket(preempt_bucket_upper_ns(b)), b + 1);
	}
	assert_true(preempt_bucket_upper_ns(PREEMPT_BUCKETS - 1) == ~0ull);
}

/* The fake map: one slot, rewritten as the program does (seq odd, fields, seq even). */
static struct {
	struct preempt_slot slot;
	atomic_bool stop;
	atomic_ulong writes;
} fake;

static void fake_write(struct preempt_slot *s, uint64_t n)
{
	int i;

	__atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);
	/* Every field from n: a torn copy mixes two n. */
	__atomic_store_n(&s->run_delay, n * 1000, __ATOMIC_RELEASE);
	__atomic_store_n(&s->pcount, n, __ATOMIC_RELEASE);
	__atomic_store_n(&s->ready_count, n, __ATOMIC_RELEASE);
	__atomic_store_n(&s->ready_sum_ns, n * 7, __ATOMIC_RELEASE);
	__atomic_store_n(&s->ready_max_ns, n * 3, __ATOMIC_RELEASE);
	for (i = 0; i < PREEMPT_BUCKETS; i++)
		__atomic_store_n(&s->ready_buckets[i], n + (uint64_t)i, __ATOMIC_RELEASE);
	__atomic_fetch_add(&s->seq, 1, __ATOMIC_SEQ_CST);
}

static void *writer(void *arg)
{
	uint64_t n = 1;

	(void)arg;
	while (!atomic_load_explicit(&fake.stop, memory_order_relaxed)) {
		fake_write(&fake.slot, n++);
		atomic_fetch_add_explicit(&fake.writes, 1, memory_order_relaxed);
	}
	return NULL;
}

static void the_snapshot_reader_never_mixes_two_writes(void **state)
{
	struct preempt_snap snap;
	pthread_t th;
	uint64_t rd = 0, last = 0, deadline;
	unsigned long reads = 0, again = 0;
	int i;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake_write(&fake.slot, 0);
	assert_int_equal(pthread_create(&th, NULL, writer, NULL), 0);
	/* Until enough of both, or 10 s (two CPUs shared with others: either may wait). */
	for (deadline = mono_ns() + 10000000000ull;
	     (atomic_load(&fake.writes) < 100000 || reads < 10000) && mono_ns() < deadline;) {
		if (preempt_read(&fake.slot, &snap, 1000)) {
			again++;
			continue;
		}
		reads++;
		assert_true(snap.run_delay == snap.pcount * 1000);
		assert_true(snap.ready_count == snap.pcount);
		assert_true(snap.ready_sum_ns == snap.pcount * 7);
		assert_true(snap.ready_max_ns == snap.pcount * 3);
		for (i = 0; i < PREEMPT_BUCKETS; i++)
			assert_true(snap.ready_buckets[i] == snap.pcount + (uint64_t)i);
		assert_true(snap.pcount >= last);		/* never back */
		last = snap.pcount;
		/* A writer that never pauses may outrun 1000 tries: then nothing is given. */
		if (!preempt_read_delay(&fake.slot, &rd, 1000))
			assert_true(rd % 1000 == 0 && rd / 1000 >= last);
	}
	atomic_store(&fake.stop, true);
	pthread_join(th, NULL);
	print_message("%lu consistent snapshots, %lu gave up after 1000 tries, %lu writes\n",
		      reads, again, (unsigned long)atomic_load(&fake.writes));
	assert_true(reads > 0);
}

static void a_slot_left_odd_is_refused_not_waited_on(void **state)
{
	struct preempt_snap snap;
	uint64_t rd = 42;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.slot.seq = 3;
	assert_int_equal(preempt_read(&fake.slot, &snap, 10), -EAGAIN);
	assert_int_equal(preempt_read_delay(&fake.slot, &rd, 10), -EAGAIN);
	assert_int_equal(rd, 42);
	fake.slot.seq = 4;
	fake.slot.run_delay = 5;
	assert_int_equal(preempt_read_delay(&fake.slot, &rd, 1), 0);
	assert_int_equal(rd, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buckets_split_1us_to_10s_in_powers_of_two),
		cmocka_unit_test(the_snapshot_reader_never_mixes_two_writes),
		cmocka_unit_test(a_slot_left_odd_is_refused_not_waited_on),
	};

	return cmocka_run_group_tests_name("preempt_math", tests, NULL, NULL);
}
