// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "tools/deadline.h"
#include "util/hosttime.h"

struct conn {
	struct conn *prev, *next;
	int fd;
	uint64_t since;			/* accepted, or last answered: CLOCK_MONOTONIC */
	bool cut;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn conns = { &conns, &conns, -1, 0, false };	/* under lock */

struct conn *conn_track(int fd)
{
	struct conn *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->fd = fd;
	k->since = clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_lock(&lock);
	k->next = conns.next;
	k->prev = &conns;
	conns.next->prev = k;
	conns.next = k;
	pthread_mutex_unlock(&lock);
	return k;
}

void conn_forget(struct conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&lock);
	k->prev->next = k->next;
	k->next->prev = k->prev;
	pthread_mutex_unlock(&lock);
	free(k);
}

void conn_answered(struct conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&lock);
	k->since = clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_unlock(&lock);
}

/* Under the lock: a tracked fd is still open (forget comes before close). */
void conn_cut_late(uint64_t deadline_ns)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	struct conn *k;

	pthread_mutex_lock(&lock);
	for (k = conns.next; k != &conns; k = k->next)
		if (!k->cut && now - k->since > deadline_ns) {
			shutdown(k->fd, SHUT_RDWR);
			k->cut = true;
		}
	pthread_mutex_unlock(&lock);
}
