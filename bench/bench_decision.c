// SPDX-License-Identifier: GPL-2.0
/*
 * bench_decision: what the module adds to the OOM killer's own work.
 *
 *   bench_decision [--smoke] [--rounds R] [--sizes K1,K2,...]
 *
 * A memory cgroup (the OOM domain, memory.max HOG_MB) holds K sleepers
 * and, each round, a hog that allocates until the limit; the OOM killer
 * scores all K+1 tasks (oom_badness(), which the module probes to apply
 * rule biases) and kills the hog.  The sleepers are processes that share
 * one small mm with a helper outside the domain (clone3 with CLONE_VM,
 * no stack of their own), so that 10000 of them fit a small VM; their
 * badness is that mm's small RSS.
 *
 * The time of out_of_memory() is taken from a kprobe-event pair in ftrace
 * (p:oom_start and r:oom_end on out_of_memory), for:
 *
 *   unloaded   the module not loaded
 *   R rules    the module loaded with R rules, each with a bias: one on
 *              the domain (policy=process bias=100, which keeps the
 *              kernel's choice), R-1 on other, empty cgroups
 *
 * Variants alternate within each round (the module is loaded and
 * unloaded between them), each round starting with the next one; the
 * first OOM for each K, and the first after each module load or unload
 * (under TCG the code patching makes the next OOM slower), are warm-ups,
 * not counted.  Medians over the rounds and the ratio to
 * "unloaded" are printed, and beside it what the module adds per scanned
 * task: the difference of the medians, and of the minimums, divided by the
 * K+1 tasks (sleepers and hog) that oom_badness() scores, in ns.
 *
 * The OOM's time is noisy under TCG on a shared host, so each variant
 * also times oom_badness() alone, through /proc/<pid>/oom_score (pread at
 * offset 0 shows the file again): the fastest of three passes of
 * SCORE_READS reads of a sleeper's, which the domain's rule biases, and
 * of the mother's, which no rule covers (the probe is attached, its entry
 * handler finds no bias and declines the return).  The difference between
 * the fastest rounds of a variant and of "not loaded" is the probe's cost
 * per call, for a biased and for an unbiased task.  Which hook the module
 * chose (the ftrace redirect, fprobe or kretprobe) is read from tracefs'
 * enabled_functions.  BENCH_BIAS_HOOK=ftrace|fprobe|kretprobe loads the
 * module with that bias_hook, to compare the hooks in one VM boot.
 *
 * The console log level is the caller's business: the OOM report that
 * out_of_memory() prints is inside the measured time (run-bench keeps it
 * off the serial console).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_util.h"

#define HOG_MB		32
#define SMOKE_HOG_MB	16
#define CG_DOM		BENCH_CG "/dom"
#define CG_OTHER	BENCH_CG "/other"
#define MAX_RULES	256
#define OOM_TIMEOUT_NS	(60LL * 1000000000)
#define SCORE_READS	10000
#define SMOKE_SCORE_READS	200

static const int rule_counts[] = { -1, 0, 1, 100, 256 };	/* -1: unloaded */
#define NR_VARIANTS	((int)ARRAY_SIZE(rule_counts))

static int hog_mb = HOG_MB;
static int score_reads = SCORE_READS;
static const char *probe;	/* the first time rules were written */

static void hog(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long off;
	char *p;

	if (self_oom_score_adj(0))
		_exit(111);
	for (;;) {
		p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(113);
		for (off = 0; off < 1 << 20; off += page)
			p[off] = 1;
	}
}

/* Outside the domain: clone @k sleepers into it, then wait to be killed. */
static void mother(long k, int ready_fd)
{
	char c = 1;
	long i;
	int fd;

	fd = open(CG_DOM, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Before any clone: the sleepers copy it, and nothing shares our mm yet. */
	if (fd < 0 || self_oom_score_adj(0))
		_exit(111);
	for (i = 0; i < k; i++) {
		if (clone_sleeper_into(fd) < 0)
			_exit(112);
	}
	if (write(ready_fd, &c, 1) != 1)
		_exit(113);
	for (;;)
		pause();
}

static char *rules_text(int nr)
{
	static char text[MAX_RULES * 80];
	size_t len = 0;
	int i;

	text[0] = '\0';
	if (nr <= 0)
		return text;
	for (i = 0; i < nr - 1; i++)
		len += snprintf(text + len, sizeof(text) - len,
				"/oomctl-bench/other/o%d policy=process bias=-100\n", i);
	snprintf(text + len, sizeof(text) - len, "/oomctl-bench/dom policy=process bias=100\n");
	return text;
}

/*
 * Which probe the module put on oom_badness(), from tracefs' list of
 * functions with ftrace hooks (both kinds go through ftrace here).
 */
static const char *probe_kind(void)
{
	static char list[65536];
	char *line;

	if (read_text(TRACEFS "/enabled_functions", list, sizeof(list)) < 0)
		return "unknown (no enabled_functions)";
	line = strstr(list, "oom_badness ");
	if (!line)
		return "none";
	line[strcspn(line, "\n")] = '\0';
	if (strstr(line, "badness_redirect"))
		return "ftrace redirect";
	if (strstr(line, "fprobe"))
		return "fprobe";
	if (strstr(line, "kprobe"))
		return "kretprobe";
	return line;
}

/* BENCH_BIAS_HOOK=H: load with bias_hook=H (default: the module's auto). */
static char hook_param[64];

static int set_module(int nr)
{
	int ret = bench_unload();

	if (ret || nr < 0)
		return ret;
	ret = bench_load(hook_param);
	if (!ret && nr > 0)
		ret = bench_rules(rules_text(nr));
	if (!ret && nr > 0 && !probe)
		probe = probe_kind();
	return ret;
}

/* One OOM in the domain: out_of_memory()'s time in ms, or NO_FIGURE. */
static double one_oom(long k)
{
	long long t0, start, end;
	long victim = -1;
	pid_t hog_pid;
	int fd;

	fd = open(CG_DOM, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return bench_fail("cannot open %s", CG_DOM), NO_FIGURE;
	trace_clear();
	t0 = now_ns();
	hog_pid = fork_into(fd);
	if (hog_pid == 0)
		hog();
	close(fd);
	if (hog_pid < 0)
		return bench_fail("cannot start the hog: %s", strerror(-hog_pid)), NO_FIGURE;
	while (kill(hog_pid, 0) == 0) {
		if (now_ns() - t0 > OOM_TIMEOUT_NS) {
			kill(hog_pid, SIGKILL);
			return bench_fail("K=%ld: the hog was not killed within %llds",
					  k, OOM_TIMEOUT_NS / 1000000000), NO_FIGURE;
		}
		sleep_us(1000);
	}
	if (trace_first("mark_victim", t0, &victim) == 0 || victim != hog_pid)
		return bench_fail("K=%ld: the OOM victim was %ld, not the hog %d",
				  k, victim, hog_pid), NO_FIGURE;
	start = trace_first("oom_start", t0, NULL);
	end = start ? trace_first("oom_end", start, NULL) : 0;
	if (!start || !end)
		return bench_fail("K=%ld: no oom_start/oom_end kprobe events", k), NO_FIGURE;
	return (end - start) / 1e6;
}

/*
 * ns per read of /proc/<pid>/oom_score, one oom_badness() call each: the
 * fastest of three passes of score_reads reads.
 */
static double score_read_ns(long pid)
{
	long long t0, best = -1;
	char path[64], buf[32];
	int fd, i, pass;

	snprintf(path, sizeof(path), "/proc/%ld/oom_score", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bench_fail("cannot open %s", path), NO_FIGURE;
	for (pass = 0; pass < 3; pass++) {
		t0 = now_ns();
		for (i = 0; i < score_reads; i++) {
			if (pread(fd, buf, sizeof(buf), 0) <= 0) {
				close(fd);
				return bench_fail("cannot read %s", path), NO_FIGURE;
			}
		}
		t0 = now_ns() - t0;
		if (best < 0 || t0 < best)
			best = t0;
	}
	close(fd);
	return (double)best / score_reads;
}

static int setup(void)
{
	char path[256];
	int i, ret;

	cg_kill_remove(BENCH_CG);
	ret = cg_mkdir(BENCH_CG) ?: cg_set(BENCH_CG, "cgroup.subtree_control", "+memory +pids") ?:
	      cg_mkdir(CG_DOM) ?: cg_mkdir(CG_OTHER);
	if (ret)
		return ret;
	for (i = 0; i < MAX_RULES - 1; i++) {
		snprintf(path, sizeof(path), CG_OTHER "/o%d", i);
		ret = cg_mkdir(path);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "%d", hog_mb << 20);
	/* 10000 sleepers need more than a small VM's default limits. */
	write_text("/proc/sys/kernel/threads-max", "100000");
	write_text("/proc/sys/kernel/pid_max", "131072");
	return cg_set(CG_DOM, "memory.max", path) ?: cg_set(CG_DOM, "memory.oom.group", "0");
}

static void variant_name(char *buf, size_t size, int nr)
{
	if (nr < 0)
		snprintf(buf, size, "not loaded");
	else
		snprintf(buf, size, "loaded, %d rule%s", nr, nr == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 100, 1000, 10000 }, smoke_sizes[] = { 100 };
	struct bench_opts o;
	int s, r, v, i, ret, pipefd[2];

	if (bench_parse(argc, argv, &o, 10, sizes, 3, smoke_sizes, 1))
		return 2;
	if (o.smoke) {
		hog_mb = SMOKE_HOG_MB;
		score_reads = SMOKE_SCORE_READS;
	}
	if (getenv("BENCH_BIAS_HOOK"))
		snprintf(hook_param, sizeof(hook_param), "bias_hook=%s",
			 getenv("BENCH_BIAS_HOOK"));
	signal(SIGCHLD, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (self_oom_score_adj(-1000) || bench_unload() || pipe(pipefd)) {
		bench_fail("cannot set up: oom_score_adj, module unload or pipe");
		return 1;
	}
	ret = setup();
	if (ret) {
		bench_fail("cannot create the cgroups: %s", strerror(-ret));
		return 1;
	}
	ret = trace_setup() ?: trace_add_kprobe("p:oom_start out_of_memory") ?:
	      trace_add_kprobe("r:oom_end out_of_memory") ?:
	      trace_enable("kprobes/oom_start", true) ?: trace_enable("kprobes/oom_end", true) ?:
	      trace_enable("oom/mark_victim", true);
	if (ret) {
		bench_fail("cannot set up ftrace kprobe events on out_of_memory: %s",
			   strerror(-ret));
		return 1;
	}

	puts("### OOM decision overhead: out_of_memory() time with K other tasks in the domain\n");
	printf("ftrace kprobe-event pair on out_of_memory (entry/return), trace_clock mono; ");
	printf("memory.max %d MiB; medians of %d round(s), ms. ", hog_mb, o.rounds);
	printf("Rules: one on the domain (policy=process bias=100), ");
	printf("the rest on other cgroups (bias=-100). ");
	printf("Per scanned task: (median - not loaded's) / (K + 1), ns, ");
	printf("and the same by minimum. oom_badness() probe per call: ");
	printf("the fastest round's (of 3 passes each) time of %d reads of /proc/<pid>/oom_score ",
	       score_reads);
	printf("minus not loaded's, ns, for a task the domain's rule biases and for one ");
	printf("no rule covers.\n\n");
	printf("| K | module | rounds ok | out_of_memory(), ms | min, ms | ratio to not loaded |");
	printf(" per scanned task, ns: median / min |");
	printf(" probe per call, ns: biased / unbiased task |\n");
	printf("|---|--------|-----------|---------------------|---------|");
	printf("---------------------|-----------------------------------|");
	printf("--------------------------------------------|\n");

	for (s = 0; s < o.nsizes; s++) {
		long k = o.sizes[s];
		double t[NR_VARIANTS][64], med[NR_VARIANTS];
		double rd[NR_VARIANTS][2][64], rmin[NR_VARIANTS][2];
		int ok[NR_VARIANTS] = { 0 }, rok[NR_VARIANTS] = { 0 };
		long sleeper;
		long long t0 = now_ns();
		pid_t m;

		m = fork();
		if (m == 0)
			mother(k, pipefd[1]);
		{
			char c;

			if (m < 0 || read(pipefd[0], &c, 1) != 1) {
				bench_fail("K=%ld: the sleepers did not start", k);
				return 1;
			}
		}
		if (cg_get(CG_DOM, "pids.current") != k) {
			bench_fail("K=%ld: %ld tasks in the domain", k,
				   cg_get(CG_DOM, "pids.current"));
			return 1;
		}
		fprintf(stderr, "K=%ld: sleepers started in %.1f s\n", k, (now_ns() - t0) / 1e9);
		sleeper = cg_get(CG_DOM, "cgroup.procs");

		/* A first OOM is slower (cold caches): not counted. */
		if (set_module(-1) || isnan(one_oom(k)))
			return 1;
		for (r = 0; r < o.rounds && r < 64; r++) {
			/* Each round starts with another variant. */
			for (i = 0; i < NR_VARIANTS; i++) {
				double ms;

				v = (r + i) % NR_VARIANTS;
				ret = set_module(rule_counts[v]);
				if (ret) {
					bench_fail("cannot %s the module: %s",
						   rule_counts[v] < 0 ? "unload" : "load",
						   strerror(-ret));
					return 1;
				}
				/* A load or unload slows what runs next: warm up. */
				if (isnan(one_oom(k)))
					continue;
				ms = one_oom(k);
				if (ms >= 0)
					t[v][ok[v]++] = ms;
				rd[v][0][rok[v]] = score_read_ns(sleeper);
				rd[v][1][rok[v]] = score_read_ns(m);
				if (!isnan(rd[v][0][rok[v]]) && !isnan(rd[v][1][rok[v]]))
					rok[v]++;
			}
		}
		bench_unload();
		for (v = 0; v < NR_VARIANTS; v++) {
			med[v] = median(t[v], ok[v]);
			/* Fastest of the rounds: other VMs on the host only slow reads. */
			rmin[v][0] = minimum(rd[v][0], rok[v]);
			rmin[v][1] = minimum(rd[v][1], rok[v]);
		}
		for (v = 0; v < NR_VARIANTS; v++) {
			char name[32], a[32], b[32], c[32], d[48], e[32], f[32];

			if (ok[v] < o.rounds)
				bench_fail("K=%ld: only %d of %d rounds gave figures",
					   k, ok[v], o.rounds);
			variant_name(name, sizeof(name), rule_counts[v]);
			/* ms to ns, over the K sleepers and the hog: by median / by minimum. */
			if (v)
				snprintf(d, sizeof(d), "%.0f / %.0f",
					 (med[v] - med[0]) * 1e6 / (k + 1),
					 (minimum(t[v], ok[v]) - minimum(t[0], ok[0])) *
					 1e6 / (k + 1));
			else
				snprintf(d, sizeof(d), "-");
			fmt_fig(e, sizeof(e), "%.0f", rmin[v][0] - rmin[0][0]);
			fmt_fig(f, sizeof(f), "%.0f", rmin[v][1] - rmin[0][1]);
			printf("| %ld | %s | %d/%d | %s | %s | %s | %s | %s / %s |\n", k, name,
			       ok[v], o.rounds, fmt_fig(a, sizeof(a), "%.3f", med[v]),
			       fmt_fig(b, sizeof(b), "%.3f", minimum(t[v], ok[v])),
			       fmt_fig(c, sizeof(c), "%.3f", med[v] / med[0]), d,
			       v ? e : "-", v ? f : "-");
		}
		cg_set(CG_DOM, "cgroup.kill", "1");
		while (cg_populated(CG_DOM))
			sleep_us(10000);
		kill(m, SIGKILL);
	}
	printf("\noom_badness() probe with biased rules: %s.\n\n", probe ?: "not seen");
	trace_setup();
	cg_kill_remove(BENCH_CG);
	return bench_status();
}
