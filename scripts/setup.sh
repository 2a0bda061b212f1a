#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what oomctl's build and tests need on a Debian bookworm machine
# (as root), and extract the few files we use from the kernel tree into
# .cache/ (git-ignored).  Idempotent: a second run installs nothing.
#
#   scripts/setup.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache

# The kernels scripts/kernels' table builds on the host (bookworm's two),
# through their meta-packages (the ABI number in the versioned names
# changes with every point release); the others come with their build
# roots, below.
mapfile -t host_kernels < <("$top/scripts/kernels" --table |
	awk '$4 == "host" { print "linux-image-" $3; print "linux-headers-" $3 }')
packages=(
	"${host_kernels[@]}"
	linux-source-6.1
	qemu-system-x86 busybox-static cpio gzip xz-utils
	build-essential bc bison flex libelf-dev libssl-dev kmod
	sparse perl
	mmdebstrap e2fsprogs debian-archive-keyring	# scripts/sd-image, scripts/build-root
	util-linux					# unshare, for scripts/build-root
	dkms dh-dkms debhelper lintian fakeroot		# scripts/dkms-test, make deb
	bash-static					# scripts/apply-test --vm
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

# From linux-source-6.1: the kselftest headers and checkpatch.  Nothing of
# the kernel tree is committed to this repository.
src=/usr/src/linux-source-6.1.tar.xz
stamp=$cache/linux-6.1/.extracted
if [ ! -f "$stamp" ] || [ "$src" -nt "$stamp" ]; then
	echo "setup: extracting kselftest headers and checkpatch from $src"
	rm -rf "$cache/linux-6.1"
	mkdir -p "$cache/linux-6.1"
	tar -xJf "$src" -C "$cache/linux-6.1" --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch "$stamp"
fi

# The build roots of the kernels the host's gcc cannot build (trixie's,
# sid's): made the first time (a few minutes each, mostly downloads and
# dpkg, so side by side; with progress), then followed to a new ABI when
# their suite's meta-packages move (looked up once a day).
pids=()
for suite in $("$top/scripts/kernels" --table | awk '$4 == "root" { print $2 }' | sort -u); do
	"$top/scripts/build-root" --refresh "$suite" >/dev/null &
	pids+=("$!")
done
for pid in ${pids[@]+"${pids[@]}"}; do
	wait "$pid" || { echo "setup: a build root failed (see above)" >&2; exit 1; }
done

for k in $("$top/scripts/kernels"); do
	echo "setup: kernel $k ready"
done
