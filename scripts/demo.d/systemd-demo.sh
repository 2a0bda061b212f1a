#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the systemd test bed (scripts/demo boots it with
# scripts/sd-run).  The problem oomctl exists for, under a real systemd:
# a terminal is a scope under user@1000.service/app.slice; a compile in it
# runs out of memory.  First the kernel alone, then oomctl with a rule on
# app.slice.  The work is done by the acceptance test's own cases
# (selftests/systemd/scenarios.sh); this script tells the story around
# them.
export SYSTEMD_COLORS=0 SYSTEMD_PAGER= TERM=dumb
app=/user.slice/user-1000.slice/user@1000.service/app.slice
say() { printf '\n### %s\n' "$*"; }
# A case's "# " lines, the assertions' results, for a person.
show() { sed -n 's/^#   */    /p; s/^\(not ok .*\)/    FAILED: \1/p'; }
# What systemd logged about OOM kills in UNIT.
journal() {
	journalctl -b --no-pager -o cat | grep -F "$1" | grep -i oom | sed 's/^/    journal: /' |
		grep . || echo "    journal: nothing about an OOM kill in $1"
}

echo "systemd $(systemctl --version | sed -n 's/^systemd \([0-9]*\).*/\1/p') on Linux $(uname -r)," \
	"user@1000.service $(systemctl is-active user@1000.service)"
echo "DefaultOOMPolicy=$(systemctl show -P DefaultOOMPolicy)" \
	"(what a terminal's scope gets: OOMPolicy=stop stops the unit when the kernel reports an OOM kill in it)"

say "1. The kernel alone.  term-1.scope (MemoryMax=64M) holds a shell and a sleeper; the shell runs a hog"
scenarios.sh term-memcg-nomod | show
journal term-1.scope
echo "RESULT: without oomctl, systemd stopped the terminal's scope: the shell is gone with the compile"

say "2. insmod oomctl.ko and one rule for every terminal of the user:"
echo "    echo \"$app policy=process\" > /sys/kernel/oomctl/rules"
scenarios.sh term-memcg-process | show
journal term-3.scope
dmesg | grep 'oomctl: process kill' | tail -n 1 | sed 's/^/    dmesg: /'
echo "RESULT: with oomctl, only the compile died; the shell, the sleeper and the scope live on"

say "3. The opposite wish: a service whose processes must die together (rule policy=group, Restart=on-failure)"
scenarios.sh svc-restart-group | show
echo "RESULT: the whole service died together and systemd restarted it"

say "What oomctl recorded (/sys/kernel/oomctl/events, one line per decision)"
cat /sys/kernel/oomctl/events
grep -H . /sys/kernel/oomctl/stats/decisions_process /sys/kernel/oomctl/stats/quiet_kills \
	/sys/kernel/oomctl/stats/decisions_group | sed 's|/sys/kernel/oomctl/||'
