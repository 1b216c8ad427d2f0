# Fuzzing (clang's libFuzzer, ASan+UBSan): make fuzz [FUZZ_SECONDS=N].
# Built in build/fuzz with SAN=fuzz; seeds in fuzz/corpus/<target>/, the
# growing corpus in build/fuzz-corpus/, crashes in build/fuzz-artifacts/.

FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_TARGETS := $(FUZZ_DIR)/fuzz_attr $(FUZZ_DIR)/fuzz_hypercall $(FUZZ_DIR)/fuzz_statsfile
FUZZ_SECONDS ?= 30

$(FUZZ_DIR)/fuzz_attr: $(FUZZ_DIR)/fuzz_attr.o $(LIB)
	@printf "  %-8s %s\n" LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The hypercall target runs the VMM over the fake KVM: its ioctls and kvm_run.
$(FUZZ_DIR)/fuzz_hypercall: LDFLAGS += -Wl,--wrap=ioctl,--wrap=mmap
$(FUZZ_DIR)/fuzz_hypercall: $(FUZZ_DIR)/fuzz_hypercall.o $(FAKE_KVM_OBJ) $(VMM_LIB) $(LIB)
	@printf "  %-8s %s\n" LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The stats-file reader of the operator tools, on files nobody checked.
$(FUZZ_DIR)/fuzz_statsfile: $(FUZZ_DIR)/fuzz_statsfile.o $(BUILD)/tools/statsfile.o $(LIB)
	@printf "  %-8s %s\n" LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: fuzz fuzz-build fuzz-run fuzz-deps fuzz-reader fuzz-reader-run
fuzz-deps:
	@sh scripts/setup clang libclang-rt-14-dev
fuzz: | fuzz-deps
	$(MAKE) CC=clang SAN=fuzz BUILD=build/fuzz fuzz-run
fuzz-build: $(FUZZ_TARGETS)
fuzz-run: $(FUZZ_TARGETS)
	@sh scripts/fuzz-run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make check runs the reader's target for FUZZ_SECONDS too.
fuzz-reader: | fuzz-deps
	$(MAKE) CC=clang SAN=fuzz BUILD=build/fuzz fuzz-reader-run
fuzz-reader-run: $(FUZZ_DIR)/fuzz_statsfile
	@sh scripts/fuzz-run $(FUZZ_SECONDS) $^
