#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (scripts/demo puts it there): load oomctl, start a
# memory hog beside a "shell" in a cgroup limited to 64M, and show what
# the kernel and oomctl recorded about the OOM that follows.
say() { printf '\n### %s\n' "$*"; }
cg=/sys/fs/cgroup/demo

say "insmod oomctl.ko"
insmod /oomctl/oomctl.ko || exit 1
dmesg | grep 'oomctl:' | tail -n 1

say "a cgroup with memory.max=64M holding a shell-like sleeper and a hog"
mkdir $cg
echo 64M > $cg/memory.max
sh -c 'echo $$ > /sys/fs/cgroup/demo/cgroup.procs; exec sleep 1000' &
shell=$!
sh -c 'echo $$ > /sys/fs/cgroup/demo/cgroup.procs; exec oomctl-hog' &
hog=$!
echo "shell pid $shell, hog pid $hog"
wait $hog
echo "hog ended with status $? (137 = SIGKILL)"

say "what the kernel recorded"
dmesg | grep -E 'Killed process|oom-kill:' | tail -n 2
grep -E 'oom_kill|oom_group_kill' $cg/memory.events

say "what oomctl recorded"
for f in /sys/kernel/oomctl/stats/*; do
	echo "stats/${f##*/}: $(cat "$f")"
done

say "summary"
if kill -0 $shell 2>/dev/null; then s=alive; else s=dead; fi
echo "hog killed, shell $s, oomctl saw $(cat /sys/kernel/oomctl/stats/victims) victim(s)"
kill $shell
rmmod oomctl
