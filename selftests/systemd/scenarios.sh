#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# oomctl's acceptance test: OOM kills under a real systemd, run inside the
# systemd test bed (scripts/sd-run) as root, output in KTAP.
#
#   scenarios.sh [CASE...]      default: every case, in the order below
#   scenarios.sh -CASE...       every case but those
#
# Without the module (the bed reproduces the problem):
#   term-memcg-nomod    a terminal: scope term-N.scope under
#                       user@1000.service/app.slice, MemoryMax=64M, holding
#                       a shell and a sleeper; the shell runs a hog
#   term-global-nomod   the same, no limit: the VM runs out of memory
#   tmux-nomod          a tmux server in one scope, a pane's shell and its
#                       hog in another (MemoryMax=64M)
#   svc-kill-nomod      a system service, OOMPolicy=kill, MemoryMax=64M:
#                       main process (shell), sleeper, hog
#   svc-restart-nomod   a system service, OOMPolicy=continue,
#                       Restart=on-failure: only the hog dies, the service
#                       limps on
# With the module (insmod /oomctl/oomctl.ko once, before the first of these):
#   term-memcg-process, term-global-process, tmux-process  rule
#                       "<app.slice> policy=process": shell, sleeper and
#                       scope live, oom_kill not counted, mechanism=quiet
#   svc-kill-process    rule "<unit> policy=process" on the OOMPolicy=kill
#                       service: only the hog dies, the unit stays active
#   svc-restart-group   rule "<unit> policy=group": the whole unit dies
#                       together and Restart= brings it back
#   term-memcg-kernelkill  rule "<app.slice> policy=process kill=kernel":
#                       systemd sees the kill as without oomctl
#
# What a case expects of systemd can depend on its version; each case says
# what it reads (pids alive or dead, the unit's ActiveState and Result,
# memory.events oom_kill, oomctl's event line) in "# " lines.
export SYSTEMD_COLORS=0 SYSTEMD_PAGER= TERM=dumb
here=$(cd "$(dirname "$0")" && pwd)
work=/run/oomctl
app=/user.slice/user-1000.slice/user@1000.service/app.slice
cg=/sys/fs/cgroup
ko=/oomctl/oomctl.ko
sd_version=$(systemctl --version | sed -n 's/^systemd \([0-9]*\).*/\1/p')

all="term-memcg-nomod term-global-nomod tmux-nomod svc-kill-nomod svc-restart-nomod
term-memcg-process term-global-process tmux-process svc-kill-process
svc-restart-group term-memcg-kernelkill"
cases=${*:-$all}
# Only exclusions (-CASE): every case but those.
case "$cases" in
-*)
	cases=
	for c in $all; do
		case " $* " in *" -$c "*) ;; *) cases="$cases $c" ;; esac
	done
	;;
esac

# --- helpers ------------------------------------------------------------

diag() { echo "# $*"; }

# as_user CMD...: CMD as uid 1000, with the user manager's bus.
as_user() {
	setpriv --reuid=1000 --regid=1000 --init-groups \
		env HOME=/home/user USER=user XDG_RUNTIME_DIR=/run/user/1000 \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus "$@"
}
usystemctl() { as_user systemctl --user "$@"; }

# prop [--user] UNIT PROP: one property's value.
prop() {
	if [ "$1" = --user ]; then
		shift
		usystemctl show -P "$2" "$1" 2>/dev/null
	else
		systemctl show -P "$2" "$1" 2>/dev/null
	fi
}

# alive PID: "alive" or "dead" (a zombie is dead).
alive() {
	local st
	st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || st=
	case $st in ''|Z|X) echo dead ;; *) echo alive ;; esac
}

# events_count CGROUP-PATH KEY: a memory.events counter (- if no cgroup).
events_count() {
	awk -v k="$2" '$1 == k { print $2 }' "$cg$1/memory.events" 2>/dev/null || echo -
}

# wait_file FILE [SECONDS]
wait_file() {
	local i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -le $((${2:-30} * 10)) ] || return 1
		sleep 0.1
	done
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
	local n=$(($1 * 5))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

# expect WHAT GOT WANT: one assertion of the current case.
expect() {
	if [ "$2" = "$3" ]; then
		diag "  $1: $2"
	else
		diag "  FAIL $1: got '$2', want '$3'"
		fails=$((fails + 1))
	fi
}

# The user manager runs (lingering), and answers.
user_manager_up() {
	[ "$(systemctl is-active user@1000.service)" = active ] &&
		usystemctl is-system-running >/dev/null 2>&1
}
ensure_user_manager() {
	user_manager_up && return 0
	diag "user@1000.service is $(systemctl is-active user@1000.service): starting it"
	systemctl start user@1000.service
	wait_until 30 user_manager_up
}

# A case's directory, where its processes leave their pids.
newdir() {
	d=$work/$1
	rm -rf "$d"
	mkdir -p "$d"
	chmod 0777 "$d"
}

# adj_and_go: the shell's and the sleeper's oom_score_adj to 0 (the hog,
# forked by the shell after "go", inherits it), then start the hog.
adj_and_go() {
	wait_file "$d/shell.pid" && wait_file "$d/sleeper.pid" || {
		diag "  the workload did not start"
		fails=$((fails + 1))
		return 1
	}
	shell=$(cat "$d/shell.pid") sleeper=$(cat "$d/sleeper.pid")
	echo 0 > "/proc/$shell/oom_score_adj"
	echo 0 > "/proc/$sleeper/oom_score_adj"
	echo "oomctl-scenarios: $d: go" > /dev/kmsg
	touch "$d/go"
	wait_file "$d/hog.pid" 60 || { diag "  no hog"; fails=$((fails + 1)); return 1; }
	hog=$(cat "$d/hog.pid")
	diag "  shell $shell, sleeper $sleeper, hog $hog (oom_score_adj $(cat /proc/$hog/oom_score_adj 2>/dev/null))"
}

# hog_gone [SECONDS]: wait for the hog to be killed (and reaped, or a zombie).
hog_dead() { [ "$(alive "$hog")" = dead ]; }
# A global OOM comes only when reclaim finds nothing more to take: while
# the VM runs out of memory, every program started (or woken) meanwhile
# faults its pages back in and puts the OOM off, so the wait is one quiet
# process, not a polling loop.
hog_gone() {
	timeout "${1:-60}" tail --pid="$hog" -s 0.5 -f /dev/null
	hog_dead
}

# stopped [--user] UNIT: the unit is no longer active.
stopped() {
	if [ "$1" = --user ]; then
		[ "$(usystemctl is-active "$2")" != active ]
	else
		[ "$(systemctl is-active "$1")" != active ]
	fi
}

# settle: give systemd the time it takes to act on memory.events (it
# watches the file with inotify), so that "it did nothing" means something.
settle() { sleep 3; }

# event_of PID: oomctl's event line for a victim.
event_of() {
	grep " victim_pid=$1 " /sys/kernel/oomctl/events 2>/dev/null | tail -n 1
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# rule LINE: write a rule; rule_bound PATH: wait until it is not inactive.
rule() {
	echo "$1" > /sys/kernel/oomctl/rules || { diag "  rule '$1' refused"; fails=$((fails + 1)); }
}
bound() { grep -q "^$1 " /sys/kernel/oomctl/rules && ! grep "^$1 " /sys/kernel/oomctl/rules | grep -q inactive; }
rule_bound() { wait_until 10 bound "$1"; }
unrule() { echo "-$1" > /sys/kernel/oomctl/rules 2>/dev/null || true; }

module_ok=
need_module() {
	if [ -z "$module_ok" ]; then
		if [ ! -f "$ko" ]; then
			module_ok=missing
		elif lsmod | grep -q '^oomctl ' || insmod "$ko"; then
			module_ok=yes
			diag "oomctl loaded: $(cat /sys/kernel/oomctl/version 2>/dev/null)"
		else
			module_ok=failed
		fi
	fi
	[ "$module_ok" = yes ]
}

# --- workloads ----------------------------------------------------------

# start_term N [SCOPE-PROPERTY...]: a terminal, term-N.scope in app.slice.
# Its "terminal emulator" is a user service (termsrv-N.service) that
# starts the scope with systemd-run --user --scope, as a real terminal
# asks the user manager for a scope for each shell it starts.
start_term() {
	local n=$1 props=
	shift
	for p in "$@"; do props="$props -p $p"; done
	scope=term-$n.scope
	usystemctl reset-failed "$scope" "termsrv-$n.service" 2>/dev/null
	as_user systemd-run --user --quiet --collect --unit="termsrv-$n.service" \
		sh -c "systemd-run --user --quiet --scope --unit=$scope $props \
			$here/workload shell $d; sleep 100000"
}

stop_term() {
	usystemctl stop "termsrv-$1.service" "term-$1.scope" 2>/dev/null
	usystemctl reset-failed "termsrv-$1.service" "term-$1.scope" 2>/dev/null
	true
}

# The terminal's state, once the hog is dead: expect SHELL-STATE UNIT-STATE RESULT.
term_report() {
	diag "  $scope: ActiveState=$(prop --user $scope ActiveState) Result=$(prop --user $scope Result) OOMPolicy=$(prop --user $scope OOMPolicy)"
}

# --- cases --------------------------------------------------------------

# term CASE N MODE: the terminal case; MODE memcg or global.
# EXPECT: dies (the scope is stopped) or lives.
term_case() {
	local n=$1 mode=$2 expect=$3 before after props=
	newdir "term-$n"
	[ "$mode" = memcg ] && props=MemoryMax=64M
	before=$(events_count "$app" oom_kill)
	start_term "$n" $props
	adj_and_go || return
	# A global OOM takes 20-60 s under TCG (reclaim first), several
	# minutes on a host busy with other VMs.
	hog_gone "$([ "$mode" = global ] && echo 400 || echo 60)" ||
		{ diag "  the hog was not killed"; fails=$((fails + 1)); return; }
	if [ "$expect" = dies ]; then
		wait_until 20 stopped --user "$scope" || true
		sleep 0.5
	else
		settle
	fi
	after=$(events_count "$app" oom_kill)
	term_report
	expect "hog $hog" "$(alive "$hog")" dead
	if [ "$expect" = dies ]; then
		expect "shell $shell" "$(alive "$shell")" dead
		expect "sleeper $sleeper" "$(alive "$sleeper")" dead
		expect "$scope ActiveState" "$(prop --user $scope ActiveState)" "${dies_state:-failed}"
		expect "$scope Result" "$(prop --user $scope Result)" oom-kill
		expect "app.slice oom_kill delta" $((after - before)) 1
	else
		expect "shell $shell" "$(alive "$shell")" alive
		expect "the hog's status, as the shell saw it" "$(cat "$d/hog.status" 2>/dev/null)" 137
		expect "sleeper $sleeper" "$(alive "$sleeper")" alive
		expect "$scope ActiveState" "$(prop --user $scope ActiveState)" active
		expect "$scope Result" "$(prop --user $scope Result)" success
		expect "$scope memory.events oom_kill" "$(events_count "$app/$scope" oom_kill)" 0
		expect "app.slice oom_kill delta" $((after - before)) 0
	fi
	expect "user@1000.service ActiveState" "$(systemctl is-active user@1000.service)" active
}

case_term_memcg_nomod() { term_case 1 memcg dies; stop_term 1; }
case_term_global_nomod() { term_case 2 global dies; stop_term 2; }

# The tmux case: server scope tmuxsrv-N.scope, pane scope tmux-N.scope
# (MemoryMax=64M), started by one user service (the tmux server's
# launcher).
tmux_case() {
	local n=$1 expect=$2 server before after
	newdir "tmux-$n"
	scope=tmux-$n.scope
	before=$(events_count "$app" oom_kill)
	as_user systemd-run --user --quiet --collect --unit="tmuxlaunch-$n.service" \
		sh -c "systemd-run --user --quiet --scope --unit=tmuxsrv-$n.scope \
			$here/workload server $d & \
			systemd-run --user --quiet --scope --unit=$scope -p MemoryMax=64M \
			$here/workload shell $d & sleep 100000"
	wait_file "$d/server.pid" || { diag "  no tmux server"; fails=$((fails + 1)); return; }
	server=$(cat "$d/server.pid")
	echo 0 > "/proc/$server/oom_score_adj"
	adj_and_go || return
	hog_gone 60 || { diag "  the hog was not killed"; fails=$((fails + 1)); return; }
	if [ "$expect" = dies ]; then
		wait_until 20 stopped --user "$scope" || true
		sleep 0.5
	else
		settle
	fi
	after=$(events_count "$app" oom_kill)
	term_report
	diag "  tmuxsrv-$n.scope: ActiveState=$(prop --user tmuxsrv-$n.scope ActiveState) Result=$(prop --user tmuxsrv-$n.scope Result)"
	expect "hog $hog" "$(alive "$hog")" dead
	expect "server $server" "$(alive "$server")" alive
	expect "tmuxsrv-$n.scope ActiveState" "$(prop --user tmuxsrv-$n.scope ActiveState)" active
	if [ "$expect" = dies ]; then
		expect "pane shell $shell" "$(alive "$shell")" dead
		expect "$scope Result" "$(prop --user $scope Result)" oom-kill
		expect "app.slice oom_kill delta" $((after - before)) 1
	else
		expect "pane shell $shell" "$(alive "$shell")" alive
		expect "sleeper $sleeper" "$(alive "$sleeper")" alive
		expect "$scope ActiveState" "$(prop --user $scope ActiveState)" active
		expect "$scope Result" "$(prop --user $scope Result)" success
		expect "app.slice oom_kill delta" $((after - before)) 0
	fi
	usystemctl stop "tmuxlaunch-$n.service" "tmuxsrv-$n.scope" "$scope" 2>/dev/null
	usystemctl reset-failed "tmuxlaunch-$n.service" "tmuxsrv-$n.scope" "$scope" 2>/dev/null
}

case_tmux_nomod() { tmux_case 1 dies; }

# svc_start NAME PROPERTY...: a transient system service whose main process
# is a shell running a sleeper and then a hog.
svc_start() {
	local name=$1 props=
	shift
	for p in "$@"; do props="$props -p $p"; done
	systemctl reset-failed "$name.service" 2>/dev/null
	systemd-run --quiet --unit="$name.service" -p MemoryMax=64M \
		-p OOMScoreAdjust=0 $props "$here/workload" shell "$d"
}
svc_stop() {
	systemctl stop "$1.service" 2>/dev/null
	systemctl reset-failed "$1.service" 2>/dev/null
	true
}
svc_report() {
	diag "  $1.service: ActiveState=$(prop $1.service ActiveState) Result=$(prop $1.service Result) OOMPolicy=$(prop $1.service OOMPolicy) MainPID=$(prop $1.service MainPID) NRestarts=$(prop $1.service NRestarts) memory.oom.group=$(cat $cg/system.slice/$1.service/memory.oom.group 2>/dev/null)"
}

# OOMPolicy=kill: the kernel kills the whole unit (memory.oom.group=1),
# systemd marks it failed.
case_svc_kill_nomod() {
	newdir svc-kill-1
	svc_start svckill1 OOMPolicy=kill
	adj_and_go || return
	hog_gone 60 || { diag "  the hog was not killed"; fails=$((fails + 1)); }
	wait_until 20 stopped svckill1.service || true
	svc_report svckill1
	expect "hog $hog" "$(alive "$hog")" dead
	expect "main $shell" "$(alive "$shell")" dead
	expect "sleeper $sleeper" "$(alive "$sleeper")" dead
	expect "ActiveState" "$(prop svckill1.service ActiveState)" failed
	expect "Result" "$(prop svckill1.service Result)" oom-kill
	svc_stop svckill1
}

# OOMPolicy=continue, Restart=on-failure, no rule: only the hog dies, the
# service goes on half-killed (no restart).
case_svc_restart_nomod() {
	newdir svc-restart-1
	svc_start svcrestart1 OOMPolicy=continue Restart=on-failure
	adj_and_go || return
	local main
	main=$(prop svcrestart1.service MainPID)
	hog_gone 60 || { diag "  the hog was not killed"; fails=$((fails + 1)); }
	settle
	svc_report svcrestart1
	expect "hog $hog" "$(alive "$hog")" dead
	expect "main $shell" "$(alive "$shell")" alive
	expect "sleeper $sleeper" "$(alive "$sleeper")" alive
	expect "ActiveState" "$(prop svcrestart1.service ActiveState)" active
	expect "MainPID" "$(prop svcrestart1.service MainPID)" "$main"
	expect "NRestarts" "$(prop svcrestart1.service NRestarts)" 0
	svc_stop svcrestart1
}

# The event line of the hog, with the module.
expect_event() {
	local ev
	ev=$(event_of "$hog")
	diag "  event: ${ev:-none}"
	expect "event policy" "$(field "$ev" policy)" "$1"
	expect "event mechanism" "$(field "$ev" mechanism)" "$2"
}

case_term_memcg_process() {
	rule "$app policy=process"
	term_case 3 memcg lives
	expect_event process quiet
	stop_term 3
	unrule "$app"
}

case_term_global_process() {
	rule "$app policy=process"
	term_case 4 global lives
	expect_event process quiet
	stop_term 4
	unrule "$app"
}

case_tmux_process() {
	rule "$app policy=process"
	tmux_case 2 lives
	expect_event process quiet
	unrule "$app"
}

case_svc_kill_process() {
	local u=/system.slice/svckill2.service
	newdir svc-kill-2
	rule "$u policy=process"
	svc_start svckill2 OOMPolicy=kill
	rule_bound "$u" || diag "  rule not bound yet"
	adj_and_go || return
	hog_gone 60 || { diag "  the hog was not killed"; fails=$((fails + 1)); }
	settle
	svc_report svckill2
	expect "hog $hog" "$(alive "$hog")" dead
	expect "main $shell" "$(alive "$shell")" alive
	expect "sleeper $sleeper" "$(alive "$sleeper")" alive
	expect "ActiveState" "$(prop svckill2.service ActiveState)" active
	expect "memory.events oom_kill" "$(events_count $u oom_kill)" 0
	expect_event process quiet
	svc_stop svckill2
	unrule "$u"
}

restarted() {
	[ "$(systemctl show -P NRestarts "$1")" -ge 1 ] 2>/dev/null &&
		[ "$(systemctl is-active "$1")" = active ]
}

case_svc_restart_group() {
	local u=/system.slice/svcrestart2.service main
	newdir svc-restart-2
	rule "$u policy=group"
	svc_start svcrestart2 OOMPolicy=continue Restart=on-failure
	rule_bound "$u" || diag "  rule not bound yet"
	adj_and_go || return
	# The workload's shell is the main process.  (Asking systemd for
	# MainPID here raced with the kill: under a slow TCG the service had
	# already been restarted, and the new main was taken for the old.)
	main=$shell
	hog_gone 60 || { diag "  the hog was not killed"; fails=$((fails + 1)); }
	# Restart= starts a new main process, which writes a new shell.pid.
	wait_until 20 restarted svcrestart2.service || true
	svc_report svcrestart2
	expect "hog $hog" "$(alive "$hog")" dead
	expect "old main $shell" "$(alive "$shell")" dead
	expect "old sleeper $sleeper" "$(alive "$sleeper")" dead
	expect "ActiveState" "$(prop svcrestart2.service ActiveState)" active
	expect "NRestarts" "$(prop svcrestart2.service NRestarts)" 1
	local new
	new=$(prop svcrestart2.service MainPID)
	expect "new MainPID differs from $main" "$([ "$new" != "$main" ] && [ "$new" != 0 ] && echo yes)" yes
	expect_event group kernel
	svc_stop svcrestart2
	unrule "$u"
}

case_term_memcg_kernelkill() {
	rule "$app policy=process kill=kernel"
	term_case 5 memcg dies
	expect_event process none
	stop_term 5
	unrule "$app"
}

# --- main ---------------------------------------------------------------

echo "TAP version 13"
set -- $cases
echo "1..$#"
mkdir -p "$work"
chmod 0755 "$work"
diag "systemd $sd_version, kernel $(uname -r), $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo)"
wait_until 60 user_manager_up || diag "the user manager is not up: $(systemctl is-active user@1000.service)"
diag "user manager: $(prop user@1000.service OOMPolicy) OOMPolicy, oom_score_adj $(cat /proc/$(prop user@1000.service MainPID)/oom_score_adj); DefaultOOMPolicy=$(systemctl show -P DefaultOOMPolicy)"
i=0
for c in "$@"; do
	i=$((i + 1))
	fn=case_$(echo "$c" | tr - _)
	if ! command -v "$fn" >/dev/null; then
		echo "not ok $i $c # no such case"
		continue
	fi
	diag "$c"
	case $c in
	*-nomod) ;;
	*)
		if ! need_module; then
			if [ "$module_ok" = missing ]; then
				echo "ok $i $c # SKIP no $ko"
			else
				echo "not ok $i $c # insmod $ko failed"
			fi
			continue
		fi
		;;
	esac
	ensure_user_manager || diag "  the user manager did not come back"
	fails=0
	t0=$(date +%s.%N)
	"$fn"
	t=$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }')
	diag "$c: ${t} s"
	if [ "$fails" = 0 ]; then
		echo "ok $i $c"
	else
		echo "not ok $i $c # $fails checks failed"
	fi
done
