// SPDX-License-Identifier: MIT
/*
 * xrs_vm_publish: the stats file operators read (<xrs/stats.h>). Read here
 * the way any tool would: the raw format, mapped read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xrs/stats.h>
#include "tests/unit/harness.h"
#include "util/proc.h"

struct pvm {
	struct fake fake;
	struct xrs_vm *vm;
	char dir[64];
};

static void pvm_init(struct pvm *t)
{
	struct xrs_vm_params p = {
		.vm_fd = -1, .backend = XRS_BACKEND_USER,
		.clock = &fake_clock_ops, .clock_opaque = &t->fake,
		.steal = &fake_steal_ops, .steal_opaque = &t->fake,
	};

	t->fake = (struct fake){ .now = T0_NS };
	strcpy(t->dir, "/tmp/xrs-test-publish.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	strcat(t->dir, "/run");			/* libxrs makes it */
	setenv("XRS_RUN_DIR", t->dir, 1);
	assert_int_equal(xrs_vm_create(&p, &t->vm), 0);
}

static void pvm_fini(struct pvm *t)
{
	char cmd[128];

	xrs_vm_destroy(t->vm);
	snprintf(cmd, sizeof(cmd), "rm -rf %.*s", (int)(strlen(t->dir) - 4), t->dir);
	assert_int_equal(system(cmd), 0);
}

static void path_of(struct pvm *t, const char *name, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s.xrs", t->dir, name);
}

/* The whole file, as a reader maps it. */
static const struct xrs_stats_header *map_file(const char *path, size_t *size)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(m != MAP_FAILED);
	*size = (size_t)st.st_size;
	return m;
}

static const struct xrs_stats_vcpu *slot(const struct xrs_stats_header *h, unsigned int i)
{
	return (const void *)((const char *)h + h->header_size + (size_t)i * h->slot_size);
}

static const struct xrs_stats_transition *ring(const struct xrs_stats_header *h, unsigned int i)
{
	return (const void *)((const char *)slot(h, i) + XRS_STATS_RECORD_SIZE);
}

static void publish_creates_a_file_0640_in_a_directory_0750(void **state)
{
	struct pvm t;
	struct stat st;
	char path[PATH_MAX];
	const struct xrs_stats_header *h;
	size_t size;

	(void)state;
	pvm_init(&t);
	umask(0);			/* the modes must not depend on it */
	assert_int_equal(xrs_vm_publish(t.vm, "vm-1"), 0);
	umask(022);
	assert_int_equal(stat(t.dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	path_of(&t, "vm-1", path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	h = map_file(path, &size);
	assert_memory_equal(h->magic, XRS_STATS_MAGIC, 8);
	assert_int_equal(h->version, XRS_STATS_VERSION);
	assert_int_equal(h->file_size, size);
	assert_int_equal(h->pid, getpid());
	assert_int_equal(h->backend, XRS_BACKEND_USER);
	assert_int_equal(h->clock, XRS_STATS_CLOCK_INJECTED);
	assert_string_equal(h->name, "vm-1");
	assert_int_equal(h->nr_vcpus, 0);
	munmap((void *)h, size);
	pvm_fini(&t);
}

static void publish_rejects_names_that_are_not_plain_file_names(void **state)
{
	static const char *bad[] = {
		"", ".", "..", "../x", "a/b", "/abs", ".hidden", "-opt", "a b", "a\nb", "né",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	struct pvm t;
	unsigned int i;

	(void)state;
	pvm_init(&t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(xrs_vm_publish(t.vm, bad[i]), -EINVAL);
	assert_int_equal(xrs_vm_publish(t.vm, NULL), -EINVAL);
	assert_int_equal(access(t.dir, F_OK), -1);	/* nothing made */
	assert_int_equal(xrs_vm_publish(t.vm, "ok_name.1"), 0);
	pvm_fini(&t);
}

static void publish_after_a_vcpu_or_twice_is_ebusy(void **state)
{
	struct pvm t;
	struct xrs_vcpu *v;

	(void)state;
	pvm_init(&t);
	assert_int_equal(xrs_vm_publish(t.vm, "a"), 0);
	assert_int_equal(xrs_vm_publish(t.vm, "b"), -EBUSY);
	pvm_fini(&t);

	pvm_init(&t);
	assert_int_equal(xrs_vcpu_create(t.vm, 0, -1, &v), 0);
	assert_int_equal(xrs_vm_publish(t.vm, "a"), -EBUSY);
	pvm_fini(&t);
}

static void a_name_a_running_vmm_publishes_is_eexist(void **state)
{
	struct pvm t, u;

	(void)state;
	pvm_init(&t);
	assert_int_equal(xrs_vm_publish(t.vm, "same"), 0);
	pvm_init(&u);
	setenv("XRS_RUN_DIR", t.dir, 1);
	assert_int_equal(xrs_vm_publish(u.vm, "same"), -EEXIST);
	pvm_fini(&u);
	pvm_fini(&t);
}

static void a_stale_file_is_replaced(void **state)
{
	struct pvm t;
	char path[PATH_MAX];
	struct xrs_stats_header h = { .version = 1, .pid = getpid(), .pid_start_ticks = 1 };
	const struct xrs_stats_header *m;
	size_t size;
	int fd;

	(void)state;
	pvm_init(&t);
	assert_int_equal(mkdir(t.dir, 0750), 0);
	path_of(&t, "old", path);
	/* this pid, but not this process's start: a VMM that died, pid reused */
	memcpy(h.magic, XRS_STATS_MAGIC, 8);
	fd = open(path, O_CREAT | O_WRONLY, 0640);
	assert_int_equal(write(fd, &h, sizeof(h)), (ssize_t)sizeof(h));
	close(fd);
	assert_int_equal(xrs_vm_publish(t.vm, "old"), 0);
	m = map_file(path, &size);
	assert_int_not_equal(m->pid_start_ticks, 1);
	assert_int_equal(m->file_size, size);
	munmap((void *)m, size);
	pvm_fini(&t);
}

static void records_are_the_accounting_and_transitions_go_to_the_ring(void **state)
{
	struct pvm t;
	struct xrs_vcpu *v;
	struct xrs_vcpu_stats st;
	char path[PATH_MAX];
	const struct xrs_stats_header *h;
	const struct xrs_stats_vcpu *r;
	uint64_t t_runnable, t_running;
	size_t size;
	int i;

	(void)state;
	pvm_init(&t);
	assert_int_equal(xrs_vm_publish(t.vm, "acct"), 0);
	assert_int_equal(xrs_vcpu_create(t.vm, 7, -1, &v), 0);
	path_of(&t, "acct", path);
	h = map_file(path, &size);
	assert_int_equal(h->nr_vcpus, 1);
	assert_int_equal(h->slot_limit, 1);
	r = slot(h, 0);
	assert_int_equal(r->in_use, 1);
	assert_int_equal(r->vcpu_id, 7);

	t.fake.now += 1000;
	set_current(v, XRS_RUNSTATE_RUNNABLE);
	t_runnable = t.fake.now;
	t.fake.now += 5000;
	xrs_vcpu_enter(v);			/* runnable -> running */
	t_running = t.fake.now;
	xrs_vcpu_exit(v);
	t.fake.now += 2000;
	xrs_vcpu_enter(v);			/* running -> running: no transition */
	xrs_vcpu_exit(v);

	assert_int_equal(xrs_vcpu_get_stats(v, &st), 0);
	assert_int_equal(r->seq % 2, 0);
	assert_int_equal(r->state, st.state);
	assert_int_equal(r->state_entry_time, st.state_entry_time);
	for (i = 0; i < XRS_RUNSTATE_COUNT; i++)
		assert_int_equal(r->time[i], st.time[i]);
	assert_int_equal(r->enters, 2);
	assert_int_equal(r->updates, st.updates);
	assert_int_equal(r->ring_head, 2);
	assert_int_equal(ring(h, 0)[0].state, XRS_RUNSTATE_RUNNABLE);
	assert_int_equal(ring(h, 0)[0].time, t_runnable);
	assert_int_equal(ring(h, 0)[1].state, XRS_RUNSTATE_RUNNING);
	assert_int_equal(ring(h, 0)[1].time, t_running);
	munmap((void *)h, size);
	pvm_fini(&t);
}

static void the_ring_keeps_the_newest_transitions(void **state)
{
	struct pvm t;
	struct xrs_vcpu *v;
	char path[PATH_MAX];
	const struct xrs_stats_header *h;
	uint64_t n = XRS_STATS_RING_SIZE + 10, i, head;
	size_t size;

	(void)state;
	pvm_init(&t);
	assert_int_equal(xrs_vm_publish(t.vm, "wrap"), 0);
	assert_int_equal(xrs_vcpu_create(t.vm, 0, -1, &v), 0);
	for (i = 0; i < n; i++) {
		t.fake.now += 100;
		set_current(v, i % 2 ? XRS_RUNSTATE_RUNNING : XRS_RUNSTATE_BLOCKED);
	}
	path_of(&t, "wrap", path);
	h = map_file(path, &size);
	head = slot(h, 0)->ring_head;
	assert_int_equal(head, n);
	/* the newest is the last one set, the oldest kept is n - ring_size */
	assert_int_equal(ring(h, 0)[(head - 1) % h->ring_size].time, t.fake.now);
	assert_int_equal(ring(h, 0)[(head - h->ring_size) % h->ring_size].time,
			 t.fake.now - (h->ring_size - 1) * 100);
	munmap((void *)h, size);
	pvm_fini(&t);
}

static void a_destroyed_vcpu_frees_its_slot_and_the_vm_its_file(void **state)
{
	struct pvm t;
	struct xrs_vcpu *a, *b, *c;
	char path[PATH_MAX];
	const struct xrs_stats_header *h;
	size_t size;

	(void)state;
	pvm_init(&t);
	assert_int_equal(xrs_vm_publish(t.vm, "gone"), 0);
	assert_int_equal(xrs_vcpu_create(t.vm, 0, -1, &a), 0);
	assert_int_equal(xrs_vcpu_create(t.vm, 1, -1, &b), 0);
	path_of(&t, "gone", path);
	h = map_file(path, &size);
	assert_int_equal(h->nr_vcpus, 2);
	xrs_vcpu_destroy(a);
	assert_int_equal(h->nr_vcpus, 1);
	assert_int_equal(slot(h, 0)->in_use, 0);
	assert_int_equal(xrs_vcpu_create(t.vm, 2, -1, &c), 0);	/* takes slot 0 again */
	assert_int_equal(slot(h, 0)->in_use, 1);
	assert_int_equal(slot(h, 0)->vcpu_id, 2);
	assert_int_equal(slot(h, 0)->ring_head, 0);
	assert_int_equal(h->slot_limit, 2);
	xrs_vm_destroy(t.vm);
	t.vm = NULL;
	assert_int_equal(h->closed, 1);		/* the mapping outlives the name */
	assert_int_equal(access(path, F_OK), -1);
	munmap((void *)h, size);
	pvm_fini(&t);
}

/* A stale file as a dead VMM leaves it: a valid header, no one holding its lock. */
static void write_unheld_file(const char *path, pid_t pid, uint64_t ticks)
{
	struct xrs_stats_header h = { .version = 1, .pid = pid, .pid_start_ticks = ticks };
	int fd;

	memcpy(h.magic, XRS_STATS_MAGIC, 8);
	fd = open(path, O_CREAT | O_WRONLY, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, &h, sizeof(h)), (ssize_t)sizeof(h));
	close(fd);
}

static void a_file_no_one_holds_is_replaced_even_if_its_pid_runs(void **state)
{
	struct pvm t;
	char path[PATH_MAX];
	const struct xrs_stats_header *m;
	uint64_t ticks;
	size_t size;

	(void)state;
	pvm_init(&t);
	assert_int_equal(mkdir(t.dir, 0750), 0);
	path_of(&t, "held", path);
	/* a running process, pid and start both right, but no lock: liveness is the lock */
	assert_int_equal(proc_start_ticks(getppid(), &ticks), 0);
	write_unheld_file(path, getppid(), ticks);
	assert_int_equal(xrs_vm_publish(t.vm, "held"), 0);
	m = map_file(path, &size);
	assert_int_equal(m->pid, getpid());
	munmap((void *)m, size);
	pvm_fini(&t);
}

static void a_held_file_is_kept_even_if_its_pid_is_gone(void **state)
{
	struct pvm t, u;
	char path[PATH_MAX];
	int fd;

	(void)state;
	pvm_init(&t);
	assert_int_equal(xrs_vm_publish(t.vm, "live"), 0);
	path_of(&t, "live", path);
	/* a pid namespace or a reused pid: the header's pid means nothing here */
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, &(int32_t){ 0x7ffffff0 }, 4,
				offsetof(struct xrs_stats_header, pid)), 4);
	close(fd);
	pvm_init(&u);
	setenv("XRS_RUN_DIR", t.dir, 1);
	assert_int_equal(xrs_vm_publish(u.vm, "live"), -EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	pvm_fini(&u);
	pvm_fini(&t);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("xrs_vm_publish blocked on a FIFO");
}

static void a_fifo_at_the_name_is_eexist_and_does_not_block(void **state)
{
	struct pvm t;
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	pvm_init(&t);
	assert_int_equal(mkdir(t.dir, 0750), 0);
	path_of(&t, "fifo", path);
	assert_int_equal(mkfifo(path, 0640), 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	assert_int_equal(xrs_vm_publish(t.vm, "fifo"), -EEXIST);
	alarm(0);
	assert_int_equal(lstat(path, &st), 0);		/* not ours to remove */
	assert_true(S_ISFIFO(st.st_mode));
	pvm_fini(&t);
}

static void a_run_dir_others_could_write_or_another_user_owns_is_eperm(void **state)
{
	struct pvm t;

	(void)state;
	pvm_init(&t);
	assert_int_equal(mkdir(t.dir, 0750), 0);
	assert_int_equal(chmod(t.dir, 0770), 0);
	assert_int_equal(xrs_vm_publish(t.vm, "a"), -EPERM);
	assert_int_equal(chmod(t.dir, 0757), 0);
	assert_int_equal(xrs_vm_publish(t.vm, "a"), -EPERM);
	assert_int_equal(chmod(t.dir, 0750), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(t.dir, 65534, (gid_t)-1), 0);
		assert_int_equal(xrs_vm_publish(t.vm, "a"), -EPERM);
		assert_int_equal(chown(t.dir, 0, (gid_t)-1), 0);
	}
	assert_int_equal(xrs_vm_publish(t.vm, "a"), 0);
	pvm_fini(&t);
}

static void the_file_has_the_run_dirs_group(void **state)
{
	struct pvm t;
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();		/* giving the directory another group needs root */
	pvm_init(&t);
	assert_int_equal(mkdir(t.dir, 0750), 0);
	assert_int_equal(chown(t.dir, (uid_t)-1, 4242), 0);
	assert_int_equal(xrs_vm_publish(t.vm, "grp"), 0);
	path_of(&t, "grp", path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_gid, 4242);
	assert_int_equal(st.st_mode & 07777, 0640);
	pvm_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(publish_creates_a_file_0640_in_a_directory_0750),
		cmocka_unit_test(publish_rejects_names_that_are_not_plain_file_names),
		cmocka_unit_test(publish_after_a_vcpu_or_twice_is_ebusy),
		cmocka_unit_test(a_name_a_running_vmm_publishes_is_eexist),
		cmocka_unit_test(a_stale_file_is_replaced),
		cmocka_unit_test(records_are_the_accounting_and_transitions_go_to_the_ring),
		cmocka_unit_test(the_ring_keeps_the_newest_transitions),
		cmocka_unit_test(a_destroyed_vcpu_frees_its_slot_and_the_vm_its_file),
		cmocka_unit_test(a_file_no_one_holds_is_replaced_even_if_its_pid_runs),
		cmocka_unit_test(a_held_file_is_kept_even_if_its_pid_is_gone),
		cmocka_unit_test(a_fifo_at_the_name_is_eexist_and_does_not_block),
		cmocka_unit_test(a_run_dir_others_could_write_or_another_user_owns_is_eperm),
		cmocka_unit_test(the_file_has_the_run_dirs_group),
	};

	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
