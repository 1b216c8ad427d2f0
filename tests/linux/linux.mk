# An unmodified Debian Linux kernel as the guest of `xrs run --kernel`
# (tests/linux/run): in the sandbox, or on a host KVM that runs ordinary guests.

.PHONY: test-linux-guest
test-linux-guest: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
	@sh tests/linux/run $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
