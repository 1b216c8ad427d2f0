// SPDX-License-Identifier: MIT
/*
 * The VMM's one error channel (vmm/error.h, vmm_fail): the first failure
 * of each vCPU and of the VM is kept, whichever threads report at once (as
 * vmm_join does for a vCPU whose own thread may be failing too), with no
 * data race (this suite also runs under TSan); and a clock that cannot be
 * read is an error, not time 0. No KVM: the VM is assembled by hand and
 * KVM_GET_CLOCK is answered by a fake (-Wl,--wrap=ioctl).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/common/fake-ioctl.h"
#include "tests/unit/harness.h"
#include "vmm/vmm.h"

/* This VM's clock cannot be read. */
int fake_ioctl(int fd, unsigned long req, void *arg)
{
	(void)fd;
	(void)req;
	(void)arg;
	errno = EIO;
	return -1;
}

#define NR_VCPUS	4
#define THREADS		8
#define ROUNDS		2000

static struct vmm *hand_made_vm(void)
{
	struct vmm *m = calloc(1, sizeof(*m));
	uint32_t i;

	assert_non_null(m);
	m->vcpus = calloc(NR_VCPUS, sizeof(*m->vcpus));
	assert_non_null(m->vcpus);
	m->nr_vcpus = NR_VCPUS;
	pthread_mutex_init(&m->fail_lock, NULL);
	for (i = 0; i < NR_VCPUS; i++) {
		m->vcpus[i].vmm = m;
		m->vcpus[i].id = i;
	}
	return m;
}

static void free_vm(struct vmm *m)
{
	pthread_mutex_destroy(&m->fail_lock);
	free(m->vcpus);
	free(m);
}

struct reporter {
	struct vmm *m;
	int id;
	struct vmm_err first[NR_VCPUS];	/* what it first saw kept for each vCPU */
};

static void *report_failures(void *arg)
{
	struct reporter *r = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		uint32_t k = (uint32_t)(i + r->id) % NR_VCPUS;
		struct vmm_vcpu *v = &r->m->vcpus[k];
		struct vmm_err seen;

		vmm_fail(v, "reporter %d round %d", r->id, i);
		vmm_vcpu_failure(v, &seen);	/* a reader racing the writers */
		CHECK(!strncmp(seen.msg, "reporter ", 9));
		if (!r->first[k].msg[0])
			r->first[k] = seen;
		CHECK(!strcmp(seen.msg, r->first[k].msg));	/* kept, never replaced */
	}
	return NULL;
}

static void failures_from_many_threads_keep_the_first_of_each(void **state)
{
	struct vmm *m = hand_made_vm();
	struct reporter r[THREADS];
	pthread_t th[THREADS];
	struct vmm_err e;
	uint32_t i;
	int t;

	(void)state;
	for (t = 0; t < THREADS; t++) {
		memset(&r[t], 0, sizeof(r[t]));
		r[t].m = m;
		r[t].id = t;
		assert_int_equal(pthread_create(&th[t], NULL, report_failures, &r[t]), 0);
	}
	for (t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(atomic_load(&check_failures), 0);
	assert_true(atomic_load(&m->failed));
	for (i = 0; i < NR_VCPUS; i++) {
		assert_true(atomic_load(&m->vcpus[i].failed));
		vmm_vcpu_failure(&m->vcpus[i], &e);
		assert_int_equal(e.code, -EIO);
		for (t = 0; t < THREADS; t++)		/* everyone saw the same one */
			assert_string_equal(e.msg, r[t].first[i].msg);
	}
	/* The VM's is one vCPU's first, naming it. */
	assert_int_equal(strncmp(m->failure.msg, "vCPU ", 5), 0);
	i = (uint32_t)atoi(m->failure.msg + 5);
	vmm_vcpu_failure(&m->vcpus[i], &e);
	assert_non_null(strstr(m->failure.msg, e.msg));
	free_vm(m);
}

static void a_clock_that_cannot_be_read_is_an_error_that_fails_the_vcpu(void **state)
{
	struct vmm *m = hand_made_vm();
	struct vmm_err e;
	uint64_t ns = 12345;

	(void)state;
	fake_ioctl_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	m->mc.kvm.fd = fake_ioctl_fd;
	assert_int_equal(vmm_clock(m, NULL, &ns), -EIO);	/* no vCPU: just the error */
	assert_false(atomic_load(&m->failed));
	assert_int_equal(vmm_clock(m, &m->vcpus[2], &ns), -EIO);
	assert_int_equal(ns, 12345);				/* never a time of 0 */
	assert_true(atomic_load(&m->vcpus[2].failed));
	vmm_vcpu_failure(&m->vcpus[2], &e);
	assert_string_equal(e.msg, "KVM_GET_CLOCK: Input/output error");
	close(fake_ioctl_fd);
	fake_ioctl_fd = -1;
	free_vm(m);
}

static void setup_errors_name_what_failed(void **state)
{
	const struct vmm_config bad_vcpus = { .nr_vcpus = 0, .bits = GUEST_64 };
	const struct vmm_config bad_ram = { .nr_vcpus = 8, .ram_mib = 2, .bits = GUEST_64 };
	struct vmm *m = NULL;
	struct vmm_err e;

	(void)state;
	assert_int_equal(vmm_create(&bad_vcpus, &m, &e), -EINVAL);
	assert_string_equal(e.msg, "0 vCPUs: 1 to 1024");
	assert_int_equal(vmm_create(&bad_ram, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "8 vCPUs need"));
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(failures_from_many_threads_keep_the_first_of_each),
		cmocka_unit_test(a_clock_that_cannot_be_read_is_an_error_that_fails_the_vcpu),
		cmocka_unit_test(setup_errors_name_what_failed),
	};

	return cmocka_run_group_tests_name("vmm_errors", tests, NULL, NULL);
}
