# The operator view against a real published VM (tests/ops/run): directly
# where this host's KVM runs 64-bit guests, else in the sandbox.

.PHONY: test-ops ops-deps
ops-deps:
	@sh scripts/setup tmux prometheus librsvg2-bin python3 jq curl
test-ops: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe | ops-deps
	@sh tests/ops/where $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
