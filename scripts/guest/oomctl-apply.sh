# SPDX-License-Identifier: GPL-2.0
#
# oomctl-apply against the real module, in a VM (scripts/apply-test
# --vm K runs it): apply, idempotence, a bad line and too many rules
# leaving the table as it was, a change longer than one write, the early
# kill's switches and early_high_ms=, --check touching nothing.  Run by busybox sh in /ext, with bash-static and
# oomctl-apply beside it.  Exit status: the number of failed checks.
A="./bash-static ./oomctl-apply --root /ext/root"
R=/sys/kernel/oomctl/rules
fail=0
is() {	# WHAT EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: '$3', not '$2'"; fail=$((fail + 1)); fi
}
insmod /oomctl/oomctl.ko || exit 100
mkdir -p /sys/fs/cgroup/a /sys/fs/cgroup/b root/etc/oomctl.d root/usr/lib/oomctl.d
echo "/manual policy=group" > $R
printf '/a policy=group\n/b policy=process bias=-5 kill=kernel\ndry_run=1\n' > root/usr/lib/oomctl.d/10-base.conf
printf '/c policy=subtree # not there yet\ndefault_policy=process\n' > root/etc/oomctl.d/20-admin.conf
want=$(printf '/a policy=group bias=0 # active\n/b policy=process bias=-5 kill=kernel # active\n/c policy=subtree bias=0 # inactive')
$A; is "apply: exit 0" 0 $?
is "apply: the table equals the files" "$want" "$(cat $R)"
is "apply: switches" "1 process" "$(cat /sys/kernel/oomctl/dry_run) $(cat /sys/kernel/oomctl/default_policy)"
$A; is "apply again: exit 0" 0 $?
is "apply again: the same table" "$want" "$(cat $R)"
printf '/a policy=process\n/d policy=group bias=2000\n' > root/etc/oomctl.d/30-bad.conf
$A 2>err; is "a bad line: exit 1" 1 $?
grep -q "30-bad.conf:2: bias '2000' is outside" err; is "a bad line: FILE:LINE" 0 $?
is "a bad line: the table as it was" "$want" "$(cat $R)"
rm root/etc/oomctl.d/30-bad.conf
i=0; while [ $i -lt 300 ]; do echo "/r$i"; i=$((i + 1)); done > root/etc/oomctl.d/40-many.conf
$A 2>err; is "more than max_rules: exit 1" 1 $?
is "more than max_rules: the table as it was" "$want" "$(cat $R)"
rm root/etc/oomctl.d/40-many.conf
i=0; while [ $i -lt 200 ]; do echo "/system.slice/long-name-for-service-$i.service policy=group"; i=$((i + 1)); done \
	> root/etc/oomctl.d/50-long.conf
$A; is "a change of 14 KB: exit 0" 0 $?
is "a change of 14 KB: 203 rules" 203 "$(grep -c . $R)"
rm root/etc/oomctl.d/50-long.conf root/etc/oomctl.d/20-admin.conf
$A; is "201 rules deleted: exit 0" 0 $?
is "201 rules deleted: the table" "$(printf '/a policy=group bias=0 # active\n/b policy=process bias=-5 kill=kernel # active')" "$(cat $R)"
printf '/a policy=group early_high_ms=0250\nearly=1\nearly_available_percent=7\nearly_reclaim_percent=40\n' > root/etc/oomctl.d/60-early.conf
$A; is "early: exit 0" 0 $?
want=$(printf '/a policy=group bias=0 early_high_ms=250 # active\n/b policy=process bias=-5 kill=kernel # active')
is "early: early_high_ms= as the module renders it" "$want" "$(cat $R)"
is "early: its switches" "1 7 40" "$(cat /sys/kernel/oomctl/early/enabled) $(cat /sys/kernel/oomctl/early/available_percent) $(cat /sys/kernel/oomctl/early/reclaim_percent)"
$A > out; is "early again: exit 0" 0 $?
grep -q "(0 deleted, 0 added or changed)" out; is "early again: nothing to write" 0 $?
rm root/etc/oomctl.d/60-early.conf
echo 0 > /sys/kernel/oomctl/dry_run
$A --check; is "--check: exit 0" 0 $?
is "--check: no switch written" 0 "$(cat /sys/kernel/oomctl/dry_run)"
exit $fail
