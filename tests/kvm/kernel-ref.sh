#!/bin/sh
# The differential run against KVM's own runstate code: directly where this
# host's /dev/kvm runs our guests and has CONFIG_KVM_XEN, otherwise in the
# sandbox, whose Debian 6.12 kernel has it.
# usage: tests/kvm/kernel-ref.sh PROBE KERNEL-REF [CASE-FILTER]
probe=$1
ref=$2
shift 2
if "$probe" >/dev/null 2>&1; then
	"$ref" "$@"
	rc=$?
	[ $rc = 77 ] || exit $rc
	reason="this host's KVM has no CONFIG_KVM_XEN"
else
	reason=$("$probe" 2>&1)
fi
if why=$(scripts/kvm-sandbox --check 2>&1); then
	echo "kernel-ref: running in sandbox ($reason)"
	exec scripts/kvm-sandbox -t 900 -f "$ref" -- "$ref" "$@"
fi
# Neither here nor in a sandbox: a missing capability skips, with the reason.
echo "kernel-ref: skipped: no KVM with CONFIG_KVM_XEN here ($reason) and no sandbox ($why)"
exit 0
