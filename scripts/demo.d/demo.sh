#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (scripts/demo puts it there).  The terminal case: a
# shell in a terminal's scope (memory.max=64M, memory.oom.group=1) starts
# a "compile" that runs out of memory.  First the kernel alone decides,
# then oomctl with a rule "policy=process" on the scope.
say() { printf '\n### %s\n' "$*"; }
# vm-run starts us at oom_score_adj -1000; what we start is to be killable.
echo 0 > /proc/self/oom_score_adj
scope=/sys/fs/cgroup/term.scope

# The "shell": joins the scope, runs the compile, then starts another command.
shell='echo $$ > /sys/fs/cgroup/term.scope/cgroup.procs
oomctl-hog
echo "shell: the compile ended with status $?; the shell is still here"
exec sleep 1000'
results=

round() {
	mkdir $scope
	echo 64M > $scope/memory.max
	echo 1 > $scope/memory.oom.group
	# A rule binds to a new cgroup once the bind worker has run.
	if [ -e /sys/kernel/oomctl/rules ]; then
		while grep -q inactive /sys/kernel/oomctl/rules; do sleep 0.1; done
		cat /sys/kernel/oomctl/rules
	fi
	sh -c "$shell" &
	sh_pid=$!
	sleep 2
	if kill -0 $sh_pid 2>/dev/null; then
		r="the shell survived the OOM"
		kill $sh_pid
	else
		r="the shell was killed with the compile"
	fi
	echo "RESULT: $r"
	results="$results$1: $r
"
	grep -E 'oom_kill|oom_group_kill' $scope/memory.events | tr '\n' ' '
	echo
	sleep 0.2
	rmdir $scope
}

say "1. without oomctl: the kernel alone, with memory.oom.group=1 on the scope"
round "kernel alone"

say "2. insmod oomctl.ko and add a rule: policy=process for the scope"
insmod /oomctl/oomctl.ko || exit 1
echo "$scope policy=process" | sed 's|/sys/fs/cgroup||' > /sys/kernel/oomctl/rules
round "oomctl policy=process"

say "what oomctl recorded"
dmesg | grep 'oomctl:' | grep -v taint
grep -H . /sys/kernel/oomctl/stats/decisions_* /sys/kernel/oomctl/stats/victims |
	sed 's|/sys/kernel/oomctl/||'
say "the decision record (/sys/kernel/oomctl/events)"
cat /sys/kernel/oomctl/events

say "3. the opposite: policy=group on a service without memory.oom.group"
svc=/sys/fs/cgroup/web.service
mkdir $svc
echo 64M > $svc/memory.max
echo "/web.service policy=group" > /sys/kernel/oomctl/rules
sh -c "echo \$\$ > $svc/cgroup.procs; exec sleep 1000" &
worker=$!
sh -c "echo \$\$ > $svc/cgroup.procs; exec oomctl-hog" &
wait $!
sleep 0.5
if kill -0 $worker 2>/dev/null; then
	r="the service's other process lives on, half-killed"
else
	r="the whole service died together"
fi
echo "RESULT: $r"
results="${results}oomctl policy=group on a service: $r
"
dmesg | grep 'oomctl: group kill' | tail -n 1

say "summary"
printf '%s' "$results"
rmmod oomctl
