# Unit tests: cmocka, no KVM. Included by the top Makefile.

UNIT_DIR      := $(BUILD)/tests/unit
UNIT_SRC      := $(wildcard tests/unit/test_*.c)
UNIT_BIN      := $(UNIT_SRC:tests/unit/%.c=$(UNIT_DIR)/%)
# tests/common: what the unit and KVM suites share (checks, area readers).
TEST_COMMON_SRC := $(filter-out tests/common/fake-ioctl.c tests/common/fake-kvm.c, \
		     $(wildcard tests/common/*.c))
TEST_COMMON_OBJ := $(TEST_COMMON_SRC:%.c=$(BUILD)/%.o)
# Only for tests linked with -Wl,--wrap=ioctl.
FAKE_IOCTL_OBJ  := $(BUILD)/tests/common/fake-ioctl.o
# A whole fake KVM under the VMM: also -Wl,--wrap=mmap, and the VMM linked.
FAKE_KVM_OBJ    := $(BUILD)/tests/common/fake-kvm.o $(FAKE_IOCTL_OBJ)
UNIT_HARNESS  := $(UNIT_DIR)/harness.o $(TEST_COMMON_OBJ)
# Tests with threads: these also run under TSan (make check).
UNIT_THREADED := $(UNIT_DIR)/test_threads $(UNIT_DIR)/test_steal_schedstat \
		 $(UNIT_DIR)/test_vmm_errors $(UNIT_DIR)/test_tasks $(UNIT_DIR)/test_liveness \
		 $(UNIT_DIR)/test_preempt_math $(UNIT_DIR)/test_vcpu_hold

$(UNIT_DIR)/%: $(UNIT_DIR)/%.o $(UNIT_HARNESS) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The flag-protocol test links a copy of libxrs whose guest-area writer (inline
# in area.h, so in every file that writes) logs every store and barrier.
TRACE_OBJ := $(LIB_OBJ:$(BUILD)/%.o=$(UNIT_DIR)/trace/%.o)
$(UNIT_DIR)/trace/%.o: %.c
	@mkdir -p $(dir $@)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(CFLAGS) -DXRS_AREA_TRACE -c -o $@ $<
$(UNIT_DIR)/libxrs-trace.a: $(TRACE_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(UNIT_DIR)/test_flag_protocol: $(UNIT_DIR)/test_flag_protocol.o $(UNIT_HARNESS) \
				$(UNIT_DIR)/libxrs-trace.a
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The kvmclock test answers libxrs's ioctls itself: a fake KVM_GET_CLOCK.
$(UNIT_DIR)/test_kvmclock: LDFLAGS += -Wl,--wrap=ioctl -Wl,--wrap=clock_gettime
$(UNIT_DIR)/test_kvmclock: $(UNIT_DIR)/test_kvmclock.o $(FAKE_IOCTL_OBJ) $(UNIT_HARNESS) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The VMM's error channel, without KVM (a fake KVM_GET_CLOCK too).
$(UNIT_DIR)/test_vmm_errors: LDFLAGS += -Wl,--wrap=ioctl
$(UNIT_DIR)/test_vmm_errors: $(UNIT_DIR)/test_vmm_errors.o $(FAKE_IOCTL_OBJ) $(UNIT_HARNESS) \
			     $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The hypercall dispatcher's rules, on a VM vmm_create makes over the fake KVM
# (its ioctls and kvm_run, fuzz/fuzz_hypercall.c's too).
$(UNIT_DIR)/test_hypercall_rules: LDFLAGS += -Wl,--wrap=ioctl,--wrap=mmap
$(UNIT_DIR)/test_hypercall_rules: $(UNIT_DIR)/test_hypercall_rules.o $(FAKE_KVM_OBJ) \
				  $(UNIT_HARNESS) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# xrs run's area mover (vmm/xen/runstate.c), over the fake KVM.
$(UNIT_DIR)/test_area_mover: LDFLAGS += -Wl,--wrap=ioctl,--wrap=mmap
$(UNIT_DIR)/test_area_mover: $(UNIT_DIR)/test_area_mover.o $(FAKE_KVM_OBJ) \
			     $(UNIT_HARNESS) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Work for another vCPU's thread (vmm/task.c), on a VM assembled by hand.
$(UNIT_DIR)/test_tasks: $(UNIT_DIR)/test_tasks.o $(UNIT_DIR)/hand-vmm.o $(UNIT_HARNESS) \
			$(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Every vCPU held out of guest code (vmm/hold.c), stand-in vCPU threads.
$(UNIT_DIR)/test_vcpu_hold: $(UNIT_DIR)/test_vcpu_hold.o $(UNIT_DIR)/hand-vmm.o $(UNIT_HARNESS) \
			    $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The CLI test runs the xrs binary of this build.
$(UNIT_DIR)/test_cli.o: CFLAGS += -DXRS_BIN='"$(XRS_BIN)"'
$(UNIT_DIR)/test_cli: | $(XRS_BIN)

# Publishers against the tools' pruner (tools/statsfile.c), on threads.
$(UNIT_DIR)/test_liveness: $(UNIT_DIR)/test_liveness.o $(BUILD)/tools/statsfile.o \
			   $(UNIT_HARNESS) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

.PHONY: test-unit test-unit-threaded unit-deps
# cmocka, installed first where missing; order-only, so nothing rebuilds for it
unit-deps:
	@sh scripts/setup libcmocka-dev

$(UNIT_BIN:%=%.o) $(UNIT_THREADED:%=%.o): | unit-deps
# Every source its own name, every include by path from the top; no two
# modules of vmm/ depend on each other, however indirectly.
test-unit: $(UNIT_BIN)
	@sh scripts/include-paths
	@sh scripts/include-cycles vmm
	@sh tests/run-suite unit $(UNIT_BIN)

test-unit-threaded: $(UNIT_THREADED)
	@sh tests/run-suite unit-tsan $(UNIT_THREADED)

# The Linux boot protocol and the PC pieces: pure parts of the VMM.
$(UNIT_DIR)/test_kernel_boot: $(UNIT_DIR)/test_kernel_boot.o $(UNIT_HARNESS) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)
