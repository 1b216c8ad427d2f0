#!/bin/sh
# The differential run against KVM's own runstate code: directly where this
# host's /dev/kvm runs our 64- and 32-bit guests and has CONFIG_KVM_XEN,
# otherwise in the sandbox, whose Debian 6.12 kernel has it. Says where.
# usage: tests/kvm/kernel-ref.sh PROBE KERNEL-REF [CASE-FILTER]
probe=$1
ref=$2
shift 2
caps=$("$probe" --caps 2>/dev/null)
missing=""
for c in 64 32 xen; do
	case " $caps " in *" $c "*) ;; *) missing="$missing $c" ;; esac
done
if [ -z "$missing" ]; then
	echo "kernel-ref: running on direct /dev/kvm"
	exec "$ref" "$@"
fi
reason="this host's KVM lacks:$missing"
if why=$(scripts/kvm-sandbox --check 2>&1); then
	echo "kernel-ref: running in sandbox ($reason)"
	exec scripts/kvm-sandbox -t 900 -f "$ref" -- "$ref" "$@"
fi
# Neither here nor in a sandbox: a missing capability skips, with the reason.
echo "kernel-ref: skipped: no KVM with CONFIG_KVM_XEN here ($reason) and no sandbox ($why)"
exit 0
