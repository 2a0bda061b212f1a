# SPDX-License-Identifier: GPL-2.0
#
# oomctl: per-cgroup OOM kill policy, as a loadable kernel module.
#
#   make demo      set up, build, boot a VM and show a policy at work
#   make check     set up, build for every kernel, run the suite in a VM each
#                  (STRESS=100: full stress and fuzz sizes; default 50)
#   make modules   build oomctl.ko for every target kernel (scripts/kernels)
#                  (or one: make modules KVER=trixie, or a full version)
#   make lint      checkpatch --strict and sparse on the module sources
#   make bench     run the benchmarks in a VM per kernel (scripts/bench;
#                  BENCH=--smoke for tiny sizes)
#   make deb       the oomctl-dkms Debian package, lintian-checked
#                  (scripts/deb: build/deb/oomctl-dkms_VERSION_all.deb)
#   make dkms-test dkms add/build/install/remove in a scratch DKMS tree
#                  for every target kernel, nothing loaded (scripts/dkms-test)
#   make apply-test oomctl-apply against a fake sysfs (scripts/apply-test)
#   make package-vm the .deb installed, rebooted with rules, purged, in the
#                  systemd bed on 6.1 (scripts/package-vm)
#   make setup     install what the above need (apt-get; as root)
#
# Everything that loads the module does so inside QEMU (scripts/vm-run),
# never on this machine.

KSFT := $(CURDIR)/.cache/linux-6.1/tools/testing/selftests

all: modules

setup:
	scripts/setup.sh

modules:
	@failed=; for k in $${KVER:-$$(scripts/kernels)}; do \
		scripts/build-module $$k || failed="$$failed $$k"; done; \
	[ -z "$$failed" ] || { echo "make modules: the build failed for$$failed" >&2; exit 1; }

# The programs that go into the VM beside the module (the benchmarks,
# built into build/bench, go in through scripts/bench's --add).
guest-programs: build/guest/vm-exit
	@$(MAKE) -s -C selftests O=$(CURDIR)/build/selftests KSFT=$(KSFT)
	@$(MAKE) -s -C bench O=$(CURDIR)/build/bench

build/guest/vm-exit: scripts/guest/vm-exit.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

lint:
	scripts/lint

# STRESS=<percent> scales the stress and fuzz tests (default 50, which keeps
# make check within 12 minutes on 2 cores; 100 is their full size).
check:
	OOMCTL_SIZE_PCT=$(or $(STRESS),50) scripts/check

demo:
	scripts/demo

bench:
	scripts/bench $(BENCH)

deb:
	scripts/deb --lintian

dkms-test:
	scripts/dkms-test

apply-test:
	scripts/apply-test

package-vm:
	scripts/package-vm

clean:
	rm -rf build

.PHONY: all setup modules guest-programs lint check demo bench deb dkms-test apply-test package-vm clean
