# The KVM suite: tests on a real KVM, run directly where /dev/kvm runs our
# guests, otherwise inside the sandbox (scripts/kvm-sandbox).

KVM_DIR     := $(BUILD)/tests/kvm
KVM_SRC     := $(wildcard tests/kvm/test_*.c)
KVM_BIN     := $(KVM_SRC:tests/kvm/%.c=$(KVM_DIR)/%)
KVM_HARNESS := $(KVM_DIR)/kvmtest.o

$(KVM_DIR)/%: $(KVM_DIR)/%.o $(KVM_HARNESS) $(KVM_DIR)/views.o $(TEST_COMMON_OBJ) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

$(KVM_DIR)/kvm-probe: $(KVM_DIR)/kvm-probe.o $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(KVM_BIN:%=%.o) $(KVM_HARNESS): | unit-deps

.PHONY: test-kvm
test-kvm: $(KVM_BIN) $(KVM_DIR)/kvm-probe
	@sh tests/kvm/run $(KVM_DIR)/kvm-probe $(KVM_BIN)

# The differential run against KVM's own runstate code (CONFIG_KVM_XEN):
# directly where this host's KVM has it, otherwise in the sandbox.
REF_OBJ := $(addprefix $(KVM_DIR)/,kernel-ref.o ref-cases.o ref-e2e.o views.o)

$(KVM_DIR)/kernel-ref: $(REF_OBJ) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: test-kernel-ref
test-kernel-ref: $(KVM_DIR)/kernel-ref $(KVM_DIR)/kvm-probe
	@sh tests/kvm/kernel-ref.sh $(KVM_DIR)/kvm-probe $(KVM_DIR)/kernel-ref
