// SPDX-License-Identifier: MIT
/* The API's edges: capabilities, unknown attributes, argument errors, backends. */
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/unit/harness.h"

static void xen_hvm_cap_reports_runstate_and_update_flag_only(void **state)
{
	struct tvm *t = *state;

	assert_int_equal(xrs_check_extension(t->vm, KVM_CAP_XEN_HVM),
			 KVM_XEN_HVM_CONFIG_RUNSTATE | KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG);
	assert_int_equal(xrs_check_extension(t->vm, KVM_CAP_NR_VCPUS), 0);
	assert_int_equal(xrs_check_extension(NULL, KVM_CAP_XEN_HVM), -EINVAL);
}

static void unknown_vcpu_attr_types_are_enoent(void **state)
{
	struct tvm *t = *state;
	static const uint16_t types[] = { 0, 1, 6, 7, 8, 9, 0x100, 0xffff };
	struct kvm_xen_vcpu_attr a;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.type = types[i];
		assert_int_equal(xrs_vcpu_set_attr(t->vcpu, &a), -ENOENT);
		assert_int_equal(xrs_vcpu_get_attr(t->vcpu, &a), -ENOENT);
	}
}

static void unknown_hvm_attr_types_are_enoent(void **state)
{
	struct tvm *t = *state;
	static const uint16_t types[] = { 1, 2, 3, 4, 6, 7, 8, 0xffff };
	struct kvm_xen_hvm_attr a;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.type = types[i];
		assert_int_equal(xrs_vm_set_attr(t->vm, &a), -ENOENT);
		assert_int_equal(xrs_vm_get_attr(t->vm, &a), -ENOENT);
	}
}

static void hvm_flags_read_back_as_booleans(void **state)
{
	struct tvm *t = *state;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE };

	assert_int_equal(xrs_vm_get_attr(t->vm, &a), 0);
	assert_int_equal(a.u.long_mode, 0);		/* default off */
	a.u.long_mode = 7;
	assert_int_equal(xrs_vm_set_attr(t->vm, &a), 0);
	a.u.long_mode = 0xcc;
	assert_int_equal(xrs_vm_get_attr(t->vm, &a), 0);
	assert_int_equal(a.u.long_mode, 1);

	a.type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG;
	assert_int_equal(xrs_vm_get_attr(t->vm, &a), 0);
	assert_int_equal(XRS_HVM_ATTR_UPDATE_FLAG(&a), 0);	/* default off */
	XRS_HVM_ATTR_UPDATE_FLAG(&a) = 0x40;
	assert_int_equal(xrs_vm_set_attr(t->vm, &a), 0);
	assert_int_equal(xrs_vm_get_attr(t->vm, &a), 0);
	assert_int_equal(XRS_HVM_ATTR_UPDATE_FLAG(&a), 1);
}

static void vcpu_ids_follow_kvm_limits(void **state)
{
	struct tvm *t = *state;
	struct xrs_vcpu *v;

	assert_int_equal(xrs_vcpu_create(t->vm, 0, -1, &v), -EEXIST);
	assert_int_equal(xrs_vcpu_create(t->vm, 4096, -1, &v), -EINVAL);
	assert_int_equal(xrs_vcpu_create(t->vm, 4095, -1, &v), 0);
	xrs_vcpu_destroy(v);
	assert_int_equal(xrs_vcpu_create(t->vm, 4095, -1, &v), 0);	/* id free again */
}

static void at_most_1024_vcpus(void **state)
{
	struct tvm *t = *state;
	struct xrs_vcpu *v;
	uint32_t id;

	for (id = 1; id < 1024; id++)
		assert_int_equal(xrs_vcpu_create(t->vm, id, -1, &v), 0);
	assert_int_equal(xrs_vcpu_create(t->vm, 2000, -1, &v), -EINVAL);
	/* xrs_vm_destroy (teardown) destroys them all. */
}

static void kernel_backend_without_kvm_is_eopnotsupp(void **state)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_KERNEL };
	struct xrs_vm *vm = NULL;

	(void)state;
	assert_int_equal(xrs_vm_create(&p, &vm), -EOPNOTSUPP);
	assert_null(vm);
}

static void auto_backend_without_kvm_is_the_user_one_with_monotonic_time(void **state)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_AUTO };
	struct xrs_vm_info info;
	struct xrs_vm *vm;

	(void)state;
	assert_int_equal(xrs_vm_create(&p, &vm), 0);
	assert_int_equal(xrs_vm_get_info(vm, &info), 0);
	assert_int_equal(info.backend, XRS_BACKEND_USER);
	assert_int_equal(info.default_clock, 2);
	assert_int_equal(info.steal_interval_ns, 1000000);
	xrs_vm_destroy(vm);
}

static void bad_arguments_are_errors_not_crashes(void **state)
{
	struct tvm *t = *state;
	struct xrs_vm_params p = { .vm_fd = -1 };
	static const struct xrs_steal_ops no_fn = { 0 };
	struct xrs_vm *vm;
	struct xrs_vcpu *v;

	assert_int_equal(xrs_vm_create(NULL, &vm), -EINVAL);
	assert_int_equal(xrs_vm_create(&p, NULL), -EINVAL);
	p.backend = (enum xrs_backend)9;
	assert_int_equal(xrs_vm_create(&p, &vm), -EINVAL);
	p.backend = XRS_BACKEND_USER;
	p.steal = &no_fn;
	assert_int_equal(xrs_vm_create(&p, &vm), -EINVAL);
	assert_int_equal(xrs_vcpu_create(NULL, 1, -1, &v), -EINVAL);
	assert_int_equal(xrs_vcpu_set_attr(t->vcpu, NULL), -EFAULT);
	assert_int_equal(xrs_vcpu_get_attr(NULL, NULL), -EINVAL);
	assert_int_equal(xrs_vm_set_attr(t->vm, NULL), -EFAULT);
	assert_int_equal(xrs_vm_map_memory(NULL, 0, 1, &p), -EINVAL);
	assert_int_equal(xrs_vcpu_bind_thread(NULL), -EINVAL);
	xrs_vm_destroy(NULL);
	xrs_vcpu_destroy(NULL);
}

static void strerror_describes_every_errno_libxrs_returns(void **state)
{
	(void)state;
	assert_string_equal(xrs_strerror(-EINVAL), "invalid argument");
	assert_string_equal(xrs_strerror(EINVAL), "invalid argument");
	assert_string_not_equal(xrs_strerror(-EFAULT), "unknown error");
	assert_string_not_equal(xrs_strerror(-ENOENT), "unknown error");
	assert_string_not_equal(xrs_strerror(-EOPNOTSUPP), "unknown error");
	assert_string_not_equal(xrs_strerror(-EEXIST), "unknown error");
	assert_string_equal(xrs_strerror(-123456), "unknown error");
	assert_string_equal(xrs_strerror(-2147483647 - 1), "unknown error");
}

/*
 * Without a run-delay source (no CONFIG_SCHED_INFO) KVM reports no RUNSTATE
 * and every runstate attribute is EOPNOTSUPP. Reproduced by hiding /proc
 * from a child in its own mount namespace.
 */
static int child_without_schedstat(void)
{
	struct xrs_vm_params p = { .vm_fd = -1, .backend = XRS_BACKEND_USER };
	struct kvm_xen_vcpu_attr va = { 0 };
	struct kvm_xen_hvm_attr ha = { .type = KVM_XEN_ATTR_TYPE_RUNSTATE_UPDATE_FLAG };
	struct xrs_vm *vm;
	struct xrs_vcpu *v;
	uint16_t type;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/proc", "tmpfs", 0, NULL))
		return 77;
	if (xrs_vm_create(&p, &vm) || xrs_vcpu_create(vm, 0, -1, &v))
		return 10;
	if (xrs_check_extension(vm, KVM_CAP_XEN_HVM) != 0)
		return 11;
	for (type = 2; type <= 5; type++) {
		va.type = type;
		if (xrs_vcpu_set_attr(v, &va) != -EOPNOTSUPP ||
		    xrs_vcpu_get_attr(v, &va) != -EOPNOTSUPP)
			return 12;
	}
	if (xrs_vm_set_attr(vm, &ha) != -EOPNOTSUPP || xrs_vm_get_attr(vm, &ha) != -EOPNOTSUPP)
		return 13;
	ha.type = KVM_XEN_ATTR_TYPE_LONG_MODE;
	if (xrs_vm_set_attr(vm, &ha))
		return 14;
	if (xrs_vcpu_bind_thread(v) >= 0)
		return 15;
	xrs_vm_destroy(vm);
	return 0;
}

static void without_a_steal_source_runstate_attrs_are_eopnotsupp(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_without_schedstat());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("needs root to hide /proc in a mount namespace\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void the_library_is_the_version_of_its_header(void **state)
{
	(void)state;
	assert_int_equal(xrs_version(), XRS_VERSION);
	assert_int_equal(XRS_VERSION, XRS_VERSION_NUMBER(XRS_VERSION_MAJOR, XRS_VERSION_MINOR,
							  XRS_VERSION_PATCH));
}

#define T(f) cmocka_unit_test_setup_teardown(f, tvm_setup, tvm_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(xen_hvm_cap_reports_runstate_and_update_flag_only),
		T(unknown_vcpu_attr_types_are_enoent),
		T(unknown_hvm_attr_types_are_enoent),
		T(hvm_flags_read_back_as_booleans),
		T(vcpu_ids_follow_kvm_limits),
		T(at_most_1024_vcpus),
		T(bad_arguments_are_errors_not_crashes),
		cmocka_unit_test(kernel_backend_without_kvm_is_eopnotsupp),
		cmocka_unit_test(auto_backend_without_kvm_is_the_user_one_with_monotonic_time),
		cmocka_unit_test(strerror_describes_every_errno_libxrs_returns),
		cmocka_unit_test(the_library_is_the_version_of_its_header),
		cmocka_unit_test(without_a_steal_source_runstate_attrs_are_eopnotsupp),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
