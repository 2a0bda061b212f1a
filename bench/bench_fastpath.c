// SPDX-License-Identifier: GPL-2.0
/*
 * bench_fastpath: does the loaded module slow down a system that is not
 * out of memory?
 *
 *   bench_fastpath [--smoke] [--rounds PAIRS]
 *
 * Two workloads, run in a memory cgroup of their own (so that memcg
 * charging is on the path) for a fixed time each:
 *
 *   page faults  mmap MAP_MB of anonymous memory, touch every page,
 *                munmap, again: pages touched per second
 *   fork/exit    fork a child that exits at once, wait for it: forks per
 *                second
 *
 * Module states alternate A (not loaded), B (loaded, 256 rules: one on
 * the workload's cgroup, 255 on other cgroups), A, B, ... PAIRS times in
 * the same VM, after one warm-up run of each workload.  Printed:
 * medians, the ratio B/A, and the noise: the spread (max-min)/median of
 * the A runs and of the B runs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define MAP_MB		16
#define RUN_MS		1000
#define SMOKE_RUN_MS	200
#define CG_FP		BENCH_CG "/fp"
#define CG_OTHER	BENCH_CG "/other"
#define NR_RULES	256

static int run_ms = RUN_MS;

static double faults_per_s(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = MAP_MB << 20, off;
	long long t0 = now_ns(), t;
	unsigned long pages = 0;
	char *p;

	do {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NO_FIGURE;
		for (off = 0; off < len; off += page)
			p[off] = 1;
		munmap(p, len);
		pages += len / page;
		t = now_ns();
	} while (t - t0 < run_ms * 1000000LL);
	return pages / ((t - t0) / 1e9);
}

static double forks_per_s(void)
{
	long long t0 = now_ns(), t;
	unsigned long forks = 0;
	pid_t pid;

	do {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			return NO_FIGURE;
		forks++;
		t = now_ns();
	} while (t - t0 < run_ms * 1000000LL);
	return forks / ((t - t0) / 1e9);
}

static int setup(char *rules, size_t size)
{
	char path[256];
	size_t len = 0;
	int i, ret;

	cg_kill_remove(BENCH_CG);
	ret = cg_mkdir(BENCH_CG) ?: cg_set(BENCH_CG, "cgroup.subtree_control", "+memory +pids") ?:
	      cg_mkdir(CG_FP) ?: cg_mkdir(CG_OTHER);
	if (ret)
		return ret;
	for (i = 0; i < NR_RULES - 1; i++) {
		snprintf(path, sizeof(path), CG_OTHER "/o%d", i);
		ret = cg_mkdir(path);
		if (ret)
			return ret;
		len += snprintf(rules + len, size - len,
				"/oomctl-bench/other/o%d policy=process bias=-100\n", i);
	}
	snprintf(rules + len, size - len, "/oomctl-bench/fp policy=group bias=100\n");
	/* This process does the work, in the workload's cgroup. */
	return cg_set(CG_FP, "cgroup.procs", "0");
}

static double spread(double *v, int n)
{
	double m = median(v, n);

	return m > 0 ? (maximum(v, n) - minimum(v, n)) / m : NO_FIGURE;
}

int main(int argc, char **argv)
{
	static const long none[] = { 0 };
	static char rules[NR_RULES * 80];
	double pf[2][64], fk[2][64];
	struct bench_opts o;
	int r, b, ret, n[2] = { 0 };

	if (bench_parse(argc, argv, &o, 5, none, 1, none, 1))
		return 2;
	if (o.smoke)
		run_ms = SMOKE_RUN_MS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_unload()) {
		bench_fail("cannot unload the module");
		return 1;
	}
	ret = setup(rules, sizeof(rules));
	if (ret) {
		bench_fail("cannot create the cgroups: %s", strerror(-ret));
		return 1;
	}
	/* A first run is slower (cold caches, and TCG translating new code). */
	if (isnan(faults_per_s()) || isnan(forks_per_s())) {
		bench_fail("a workload failed: %s", strerror(errno));
		return 1;
	}
	for (r = 0; r < o.rounds && r < 64; r++) {
		for (b = 0; b < 2; b++) {
			ret = b ? bench_load(NULL) ?: bench_rules(rules) : bench_unload();
			if (ret) {
				bench_fail("cannot %s the module: %s", b ? "load" : "unload",
					   strerror(-ret));
				return 1;
			}
			pf[b][n[b]] = faults_per_s();
			fk[b][n[b]] = forks_per_s();
			if (isnan(pf[b][n[b]]) || isnan(fk[b][n[b]])) {
				bench_fail("a workload failed: %s", strerror(errno));
				return 1;
			}
			n[b]++;
		}
	}
	bench_unload();

	printf("### No-OOM fast path: module not loaded (A) vs loaded with %d rules (B)\n\n",
	       NR_RULES);
	printf("A/B alternated %d time(s) in one VM, %d ms per run; medians. ", o.rounds, run_ms);
	printf("Noise: (max-min)/median over the runs of one state.\n\n");
	printf("| workload | A: not loaded | B: 256 rules | ratio B/A | noise A | noise B |\n");
	printf("|----------|---------------|--------------|-----------|---------|---------|\n");
	{
		double ma = median(pf[0], n[0]), mb = median(pf[1], n[1]);

		printf("| page faults (%d MiB mmap/touch/munmap), pages/s | %.0f | %.0f | %.3f | ",
		       MAP_MB, ma, mb, mb / ma);
		printf("%.1f%% | %.1f%% |\n", 100 * spread(pf[0], n[0]), 100 * spread(pf[1], n[1]));
		ma = median(fk[0], n[0]);
		mb = median(fk[1], n[1]);
		printf("| fork/exit/wait, forks/s | %.0f | %.0f | %.3f | %.1f%% | %.1f%% |\n",
		       ma, mb, mb / ma, 100 * spread(fk[0], n[0]), 100 * spread(fk[1], n[1]));
	}
	printf("\n");
	cg_set("/sys/fs/cgroup", "cgroup.procs", "0");
	cg_kill_remove(BENCH_CG);
	return bench_status();
}
