#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The installed Debian package under a real systemd, across real reboots:
# run by scripts/package-vm in the systemd test bed (scripts/sd-run
# --image bookworm-dkms --reboots 2), as root, from /oomctl/ext, which
# holds oomctl-dkms_VERSION_all.deb (scripts/deb) and DKMS's binary
# tarball of the module for the running kernel (dkms mktarball
# --binaries-only, made on the host: nothing is compiled in the VM).
# Output in KTAP; the plan is printed by the first boot, the results
# come from three boots, told apart by a state file on the disk, which
# the reboots keep:
#
#   boot 1  apt install the .deb (its postinst: dkms add; no headers, so
#           no build), dkms remove of that (nothing built yet), dkms
#           ldtarball (the binaries and the source again) + dkms install
#           for the running kernel; write /etc/oomctl.d/50-test.conf;
#           reboot
#   boot 2  the module was loaded at boot (systemd-modules-load) from
#           DKMS's directory, oomctl.service is active and the rule table
#           and the switches are what the file says; the udev rule
#           (the image's udevd does no coldplug, so it sees the new
#           uevents only): modprobe -r + modprobe with oomctl.service
#           masked loads a fresh module and nothing else, then unmasked
#           the module's add uevent restarts the unit, which applies the
#           file again; add a broken file (a bad line 3); reboot
#   boot 3  the boot completed (multi-user.target active) with
#           oomctl.service the only failed unit, FILE:LINE in its
#           journal, the module loaded with the table and switches of a
#           fresh load (nothing half-applied); apt purge removes the
#           module, the units, /usr/lib/oomctl.d and the program, and
#           leaves the admin's files in /etc/oomctl.d
export SYSTEMD_COLORS=0 SYSTEMD_PAGER= TERM=dumb
state=/var/lib/oomctl-bed/package-state
kver=$(uname -r)
deb=$(ls /oomctl/ext/oomctl-dkms_*_all.deb 2>/dev/null | head -n 1)
tarball=$(ls /oomctl/ext/oomctl-*.dkms.tar.gz 2>/dev/null | head -n 1)
version=${deb##*/oomctl-dkms_}
version=${version%_all.deb}
sys=/sys/kernel/oomctl
conf=/etc/oomctl.d/50-test.conf
broken=/etc/oomctl.d/60-broken.conf
app=/user.slice/user-1000.slice/user@1000.service/app.slice

diag() { echo "# $*"; }

# check N NAME: ok or not ok by the failures counted since the last one;
# the failed cases of every boot are noted on the disk for the exit status.
fails=0
check() {
	if [ "$fails" = 0 ]; then
		echo "ok $1 $2"
	else
		echo "not ok $1 $2 # $fails checks failed"
		echo "$2" >> "$state.failed"
	fi
	fails=0
}
# expect WHAT COMMAND...: one assertion, its failure explained.
expect() {
	what=$1
	shift
	t=$(date +%s)
	if ! "$@" > /tmp/expect.out 2>&1; then
		diag "FAIL: $what"
		sed 's/^/#   /' /tmp/expect.out | tail -n 15
		fails=$((fails + 1))
	fi
	t=$(($(date +%s) - t))
	[ "$t" -lt 3 ] || diag "  ($what: $t s)"
}
is() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }
# wait_for SECONDS COMMAND...: until the command succeeds, at most that long.
wait_for() {
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

no_job() { [ -z "$(systemctl list-jobs --no-legend oomctl.service)" ]; }

# table: the rule table without the state comments, sorted.
table() { sed 's/ *#.*//' "$sys/rules" 2>/dev/null | sort; }
switches() { echo "enabled=$(cat $sys/enabled) dry_run=$(cat $sys/dry_run) default_policy=$(cat $sys/default_policy)"; }

reboot_now() {	# NEXT-STATE
	echo "$1" > "$state"
	sync
	diag "rebooting (boot $(($1 + 1)) of 3)"
	systemctl reboot
	# systemd stops this unit, and this script with it.
	exec sleep 600
}

mkdir -p "${state%/*}"
phase=$(cat "$state" 2>/dev/null || echo 0)
case $phase in
0)
	echo "TAP version 13"
	echo "1..10"
	diag "systemd $(systemctl --version | sed -n 's/^systemd \([0-9]*\).*/\1/p'), kernel $kver, dkms $(dpkg-query -W -f='${Version}' dkms)"
	t0=$(date +%s)
	expect "the .deb and the tarball are there" test -f "$deb" -a -f "$tarball"
	# The bed's disk has no kernel package: the kernel comes from the
	# host.  DKMS installs only into a kernel's existing module directory.
	mkdir -p "/lib/modules/$kver"
	expect "apt install $deb" apt-get install -y --no-install-recommends "$deb"
	expect "oomctl-dkms installed" sh -c "dpkg-query -W -f='\${Status}' oomctl-dkms | grep -qx 'install ok installed'"
	expect "the source is in /usr/src/oomctl-$version" test -f "/usr/src/oomctl-$version/dkms.conf"
	expect "dkms status: added" sh -c "dkms status oomctl | grep -q 'oomctl/$version: added'"
	expect "oomctl.service enabled" is "$(systemctl is-enabled oomctl.service)" enabled
	expect "oomctl.service not started by the installation" is "$(systemctl is-active oomctl.service)" inactive
	check 1 "package-install"

	# The package's postinst added the source; ldtarball adds it again
	# with the binaries (and refuses an added one): un-add it first.
	expect "dkms remove (the added source only)" dkms remove -m oomctl -v "$version" --all
	expect "dkms ldtarball" dkms ldtarball "$tarball"
	expect "dkms install -k $kver" dkms install -m oomctl -v "$version" -k "$kver"
	expect "oomctl.ko in updates/dkms" sh -c "ls /lib/modules/$kver/updates/dkms/oomctl.ko*"
	# What "dkms status" reads to say "installed" (it takes 12 s under TCG).
	expect "DKMS's tree: built and installed for $kver" test -f \
		"/var/lib/dkms/oomctl/$version/$kver/x86_64/module/oomctl.ko" -a -L "/var/lib/dkms/oomctl/kernel-$kver-x86_64"
	expect "modprobe finds it" sh -c "modinfo -F version oomctl | grep -qx '$version'"
	expect "not loaded yet" test ! -d /sys/module/oomctl
	check 2 "package-dkms-binary"
	diag "boot 1: $(($(date +%s) - t0)) s"

	cat > "$conf" <<-EOF
	# written by package.sh
	/test.slice policy=group
	$app   policy=process bias=-100   # the terminals
	/system.slice/web.service policy=subtree bias=+20

	dry_run = 1
	default_policy=group
	EOF
	reboot_now 1
	;;
1)
	t0=$(date +%s)
	expect "oomctl loaded" test -d /sys/module/oomctl -a -d "$sys"
	expect "loaded from DKMS's directory" sh -c "modinfo -n oomctl | grep -q '^/lib/modules/$kver/updates/dkms/oomctl.ko'"
	expect "loaded by systemd-modules-load" sh -c \
		"journalctl -b -t systemd-modules-load | grep -q \"Inserted module 'oomctl'\""
	check 3 "package-boot-loaded"

	want_table=$(printf '%s\n' \
		"/system.slice/web.service policy=subtree bias=20" \
		"/test.slice policy=group bias=0" \
		"$app policy=process bias=-100 kill=quiet" | sort)
	want_switches="enabled=1 dry_run=1 default_policy=group"
	# udevd may have seen systemd-modules-load's load, and its rule
	# restarted the unit: that done first (both applies give the same).
	expect "systemd-udevd active" is "$(systemctl is-active systemd-udevd.service)" active
	expect "udevadm settle" udevadm settle --timeout=30
	expect "no job left for oomctl.service" wait_for 30 no_job
	expect "oomctl.service active" is "$(systemctl is-active oomctl.service)" active
	expect "the rule table equals the file" is "$(table)" "$want_table"
	expect "the switches equal the file" is "$(switches)" "$want_switches"
	journalctl -b -u oomctl.service | grep oomctl-apply | sed 's/^/#   /'
	check 4 "package-boot-applied"

	# The udev rule, for a module loaded by hand (the image's udevd does
	# no coldplug, but it sees these new uevents).  Masked, the unit
	# cannot be restarted: the rule's systemctl fails, and the load is
	# not harmed (a fresh module, the unit untouched).
	invocation=$(systemctl show -P InvocationID oomctl.service)
	expect "systemctl mask --runtime oomctl.service" systemctl mask --runtime oomctl.service
	cursor=$(journalctl -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
	expect "modprobe -r oomctl" modprobe -r oomctl
	expect "unloaded: no $sys" test ! -e "$sys"
	expect "modprobe oomctl (masked)" modprobe oomctl
	expect "udevadm settle: the uevent handled" udevadm settle --timeout=30
	# (By its text: the worker's entries may lack _SYSTEMD_UNIT.)
	expect "the rule ran: its systemctl's failure in the journal" wait_for 10 sh -c \
		"journalctl --after-cursor='$cursor' | grep -q \"restart oomctl.service' failed with exit code 1\""
	expect "oomctl loaded" test -d "$sys"
	expect "a fresh load: an empty table" is "$(table)" ""
	expect "a fresh load: the parameters' switches" is "$(switches)" "enabled=1 dry_run=0 default_policy=kernel"
	expect "oomctl.service not restarted" is "$(systemctl show -P InvocationID oomctl.service)" "$invocation"
	expect "no job for it" no_job
	expect "systemctl unmask --runtime oomctl.service" systemctl unmask --runtime oomctl.service
	check 5 "package-udev-masked"

	# Unmasked: rmmod (the table goes with the module) and modprobe by
	# hand; the add uevent restarts oomctl.service, which applies the
	# file to the fresh module.
	cursor=$(journalctl -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
	expect "modprobe -r oomctl" modprobe -r oomctl
	expect "unloaded: no $sys" test ! -e "$sys"
	t1=$(date +%s)
	expect "modprobe oomctl" modprobe oomctl
	applied() {
		[ "$(table)" = "$want_table" ] && [ "$(switches)" = "$want_switches" ] &&
			no_job &&
			journalctl -u oomctl.service --after-cursor="$cursor" | grep -q 'oomctl-apply: applied 3 rule'
	}
	wait_for 60 applied
	diag "  (modprobe to applied: $(($(date +%s) - t1)) s)"
	expect "the rule table equals the file again" is "$(table)" "$want_table"
	expect "the switches equal the file again" is "$(switches)" "$want_switches"
	expect "oomctl.service active" is "$(systemctl is-active oomctl.service)" active
	expect "oomctl.service restarted (a new invocation)" \
		test "$(systemctl show -P InvocationID oomctl.service)" != "$invocation"
	journalctl -u oomctl.service --after-cursor="$cursor" > /tmp/restart.log
	expect "its journal: stopped, started again, applied" sh -c \
		"grep -q 'Stopped ' /tmp/restart.log && grep -q 'Starting ' /tmp/restart.log &&
		 grep -q 'oomctl-apply: applied 3 rule' /tmp/restart.log"
	sed 's/^/#   /' /tmp/restart.log
	check 6 "package-udev-modprobe-applies"
	diag "boot 2: $(($(date +%s) - t0)) s"

	cat > "$broken" <<-EOF
	/other.slice policy=group
	# the next line is wrong
	/bad.slice policy=bogus
	EOF
	reboot_now 2
	;;
2)
	t0=$(date +%s)
	expect "multi-user.target reached" is "$(systemctl is-active multi-user.target)" active
	expect "oomctl.service is the only failed unit" is \
		"$(systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | tr '\n' ' ')" "oomctl.service "
	check 7 "package-broken-boot-completes"

	expect "oomctl.service failed" is "$(systemctl is-active oomctl.service)" failed
	expect "FILE:LINE in its journal" sh -c \
		"journalctl -b -u oomctl.service | grep -q \"$broken:3: unknown policy 'bogus'\""
	journalctl -b -u oomctl.service | grep oomctl-apply | sed 's/^/#   /'
	expect "oomctl loaded" test -d "$sys"
	expect "nothing applied: an empty table" is "$(table)" ""
	expect "nothing applied: the switches of a fresh load" is "$(switches)" "enabled=1 dry_run=0 default_policy=kernel"
	check 8 "package-broken-nothing-applied"

	md5=$(md5sum "$conf" "$broken")
	expect "apt purge" apt-get purge -y oomctl-dkms
	expect "oomctl-dkms gone" sh -c "! dpkg-query -W -f='\${Status}' oomctl-dkms 2>/dev/null | grep -q installed"
	expect "no oomctl.ko left" is "$(find /lib/modules -name 'oomctl.ko*')" ""
	expect "nothing left in DKMS's tree" test ! -e /var/lib/dkms/oomctl
	expect "no source left" sh -c "! ls -d /usr/src/oomctl-* 2>/dev/null"
	for f in /lib/systemd/system/oomctl.service /usr/lib/systemd/system/oomctl.service \
		/lib/udev/rules.d/60-oomctl.rules /usr/lib/udev/rules.d/60-oomctl.rules \
		/usr/lib/modules-load.d/oomctl.conf /usr/sbin/oomctl-apply /usr/lib/oomctl.d; do
		expect "$f removed" test ! -e "$f"
	done
	expect "systemd forgot oomctl.service (the postrm's daemon-reload)" \
		is "$(systemctl show -P LoadState oomctl.service)" not-found
	check 9 "package-purge-removes"

	expect "the admin's files stay" is "$(md5sum "$conf" "$broken" 2>&1)" "$md5"
	check 10 "package-purge-keeps-etc"
	diag "boot 3: $(($(date +%s) - t0)) s"
	;;
*)
	echo "not ok 0 package: unexpected state '$phase'"
	;;
esac
# Only the last boot ends the VM, with the status of all three.
! [ -s "$state.failed" ]
