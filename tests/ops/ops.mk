# The operator view against a real published VM (tests/ops/run): directly
# where this host's KVM runs 64-bit guests, else in the sandbox. What xrs
# top and export need is installed first; a make of its own then builds
# xrs with them (a build installs nothing).

.PHONY: test-ops test-ops-run ops-deps
ops-deps:
	@sh scripts/setup tmux prometheus librsvg2-bin python3 jq curl $(TOOLS_DEBS)
test-ops: ops-deps
	@$(MAKE) --no-print-directory test-ops-run
test-ops-run: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe test-ops-local
	@sh tests/ops/where $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe

# The exporter and the stats files against hostile clients, files and users,
# and the shipped Prometheus rules: no KVM, so here, before the sandbox.
.PHONY: test-ops-local
OPS_PUBLISHER := $(BUILD)/tests/ops/publisher
$(OPS_PUBLISHER): $(BUILD)/tests/ops/publisher.o $(LIB)
	@printf "  %-8s %s\n" CC $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
test-ops-local: $(XRS_BIN) $(OPS_PUBLISHER)
	@bash tests/ops/export-local $(XRS_BIN) $(OPS_PUBLISHER)
