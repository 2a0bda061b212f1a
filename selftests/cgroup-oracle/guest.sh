#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cgroup oracle's VM side (scripts/cgroup-oracle boots the VM with
# brd and ext4 loaded and this directory, with the kernel's own
# test_memcontrol and test_kill, in /ext):
#
#   sh guest.sh [POLICY...]
#
# Runs both programs without oomctl, then with oomctl loaded and no
# rules; any test of test_memcontrol whose result differs between the two
# runs once more each way (retry1-nomod, retry1-module), and a second
# time (retry2-*) if the first retry gave the same two results again
# (test_memcg_min, _low and _sock are flaky without any module); then,
# for each POLICY, only the OOM tests of test_memcontrol with
# default_policy=POLICY.  Each program's output is framed by
#   ## oracle: begin RUN PROGRAM
#   ## oracle: end RUN PROGRAM status S seconds T
# for the host to compare.  What the tests need, found the hard way:
# a disk-backed file system as working directory (on tmpfs or the
# initramfs, reading a file's hole maps the zero page and nothing is
# charged: ext4 on a brd RAM disk), lo up with /etc/hosts for
# test_memcg_sock, oom_score_adj 0 (the VM's plumbing runs at -1000).
oom_tests="test_memcg_oom_events test_memcg_oom_group_leaf_events \
test_memcg_oom_group_parent_events test_memcg_oom_group_score_events"
bin=$(pwd)

mke2fs -b 4096 /dev/ram0 > /dev/null || exit 1
mkdir -p /mnt/disk
mount -t ext4 -o discard /dev/ram0 /mnt/disk || exit 1
ip link set lo up
mkdir -p /etc
echo "127.0.0.1 localhost" > /etc/hosts
echo "hosts: files" > /etc/nsswitch.conf
cd /mnt/disk || exit 1

# run RUN PROGRAM: one program, framed; its output also in /tmp/RUN.PROGRAM.
run() {
	t0=$(date +%s)
	echo "## oracle: begin $1 $2"
	{
		sh -c "echo 0 > /proc/self/oom_score_adj; exec $bin/$2" < /dev/null 2>&1
		echo $? > /tmp/status
	} | tee "/tmp/$1.$2"
	echo "## oracle: end $1 $2 status $(cat /tmp/status) seconds $(($(date +%s) - t0))"
}
# results FILE: "TEST RESULT" for each test a program reported.
results() {
	awk '/^(not )?ok [0-9]+ / { for (i = 3; i <= NF; i++) if ($i ~ /^test_/) break
		print $i, (/^not ok/ ? "fail" : (/# SKIP/ ? "skip" : "pass")) }' "$1"
}

run nomod test_memcontrol
run nomod test_kill
insmod /oomctl/oomctl.ko || { echo "## oracle: insmod failed"; exit 1; }
run module test_memcontrol
run module test_kill

# A difference in test_memcontrol is retried both ways, up to twice, as
# long as each retry gives the very same two results again.
results /tmp/nomod.test_memcontrol > /tmp/a
results /tmp/module.test_memcontrol > /tmp/b
differ=$(awk 'FNR == NR { r[$1] = $2; next } r[$1] != $2 { printf "%s ", $1 }' /tmp/a /tmp/b)
for round in 1 2; do
	[ -n "$differ" ] || break
	rmmod oomctl || { echo "## oracle: rmmod failed"; exit 1; }
	CGROUP_ORACLE_TESTS=$differ run "retry$round-nomod" test_memcontrol
	insmod /oomctl/oomctl.ko || { echo "## oracle: insmod failed"; exit 1; }
	CGROUP_ORACLE_TESTS=$differ run "retry$round-module" test_memcontrol
	results "/tmp/retry$round-nomod.test_memcontrol" > /tmp/c
	results "/tmp/retry$round-module.test_memcontrol" > /tmp/d
	differ=$(awk 'FILENAME == ARGV[1] { a[$1] = $2 } FILENAME == ARGV[2] { b[$1] = $2 }
		FILENAME == ARGV[3] { c[$1] = $2 } FILENAME == ARGV[4] { d[$1] = $2 }
		END { for (t in a) if (a[t] != b[t] && c[t] == a[t] && d[t] == b[t]) printf "%s ", t }' \
		/tmp/a /tmp/b /tmp/c /tmp/d)
done

for p in "$@"; do
	echo "$p" > /sys/kernel/oomctl/default_policy || exit 1
	CGROUP_ORACLE_TESTS=$oom_tests run "policy-$p" test_memcontrol
done
echo kernel > /sys/kernel/oomctl/default_policy
echo "## oracle: stats"
grep . /sys/kernel/oomctl/stats/* | sed 's|.*/||'
rmmod oomctl || { echo "## oracle: rmmod failed"; exit 1; }
echo "## oracle: done"
