# An unmodified Debian Linux kernel as the guest of `xrs run --kernel`
# (tests/linux/run): in the sandbox, or on a host KVM that runs ordinary
# guests. Its operator case uses xrs top and export: what they need is
# installed first, then a make of its own builds xrs with them.

.PHONY: test-linux-guest test-linux-guest-run test-linux-guest-large
test-linux-guest: tools-deps
	@$(MAKE) --no-print-directory test-linux-guest-run
test-linux-guest-run: $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe
	@sh tests/linux/run $(XRS_BIN) $(BUILD)/tests/kvm/kvm-probe

# Boots alone with 8, 16 and 32 vCPUs: slow under the sandbox's TCG, so
# outside make test's CI run (docs/linux-guest.md has the times).
test-linux-guest-large: tools-deps
	@XRS_LINUX_BOOTS="8 16 32" XRS_LINUX_BOOTS_ONLY=1 XRS_LINUX_SECONDS=900 \
		$(MAKE) --no-print-directory test-linux-guest-run
