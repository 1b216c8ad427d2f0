# The operator view against a real published VM (tests/ops/run): directly
# where this host's KVM runs 64-bit guests, else in the sandbox. What xrs
# top and export need is installed first; a make of its own then builds
# xrs with them (a build installs nothing).

.PHONY: test-ops test-ops-run ops-deps
ops-deps:
	@sh scripts/setup tmux prometheus librsvg2-bin python3 jq curl $(TOOLS_DEBS)
test-ops: ops-deps
	@$(MAKE) --no-print-directory test-ops-run
test-ops-run: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
	@sh tests/ops/where $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
