// SPDX-License-Identifier: GPL-2.0
/*
 * bench_evread: what a reader of the events file costs the OOM path.
 *
 *   bench_evread [--smoke] [--rounds R] [--sizes N1,N2,...]
 *
 * The module is loaded with events_max=N and the ring is filled with N
 * decisions (sysrq OOMs, each killing a sleeper, then two memcg OOMs in
 * a small domain, the warm-up).  Then, each round, one more memcg OOM in
 * the domain is timed under each of:
 *
 *   no reader       nothing else runs
 *   version reader  another process reads /sys/kernel/oomctl/version in
 *                   a loop (open, read(4096) to the end, close), as fast
 *                   as it can: the same CPU load, without the ring
 *   events reader   the same, reading the events file, as any user may
 *                   with world_readable=1
 *
 * The OOM path takes the lock that guards the ring (when out_of_memory()
 * begins, when the decision is recorded, for each task the kernel
 * marks), so a reader that holds it long shows here.  The hog that hits
 * the limit (and so runs out_of_memory()) is pinned to CPU 0, the readers
 * and the rest of this program to CPU 1, so that what they share is the
 * lock, not a CPU.
 *
 * Which baseline.  The target (1.05) is read against no reader,
 * but what it asks is that a reader of the events file not stall the OOM
 * path, as the reader that formatted the whole ring with IRQs off did.
 * Against no reader, the figure also holds what any busy second CPU
 * costs: under TCG each vCPU is a host thread, the host's cores are
 * shared with other VMs, and on 6.1 a reader looping on any sysfs file
 * slows the OOM on the other vCPU about twofold, the version reader as
 * much as the events reader (measured: 2.3 against no reader, 1.08
 * against the version reader).  That is no cost of oomctl's, and on
 * hardware where a CPU runs by itself it would not be there.  The
 * version reader has the same loop of open/read/close on a sysfs file of
 * the module, without the ring: the ratio to it ("vers") is what the
 * events file itself costs the OOM path, and the fair reading of the
 * target.  Both ratios are printed.  Since readers copy the ring under a
 * seqlock (events.c), the OOM path waits for a reader only when a
 * reader's copy of a slot raced with its change.
 *
 * The time of out_of_memory() is taken from a kprobe-event pair in ftrace
 * (entry and return).  The variants alternate, each round starting with
 * the next one.  A reader that holds the lock now and then delays only
 * the OOMs that come at such a moment, so the mean and the longest are
 * printed beside the median, with the ratios to "no reader" and to
 * "version reader", and the reader's passes over the whole file per
 * second.  vm.oom_dump_tasks is 0 while this runs, so that the kernel's
 * OOM report (its task list) weighs less in the figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define CG_DOM		BENCH_CG "/evread"
#define DOM_MAX		"4M"
#define HOG_BYTES	(64UL << 20)
#define EVENTS		OOMCTL_SYSFS "/events"
#define OOM_TIMEOUT_NS	(60LL * 1000000000)
#define MAX_ROUNDS	64

enum { NO_READER, BUSY, READER, NR_VARIANTS };

static const char * const variant_names[NR_VARIANTS] = {
	[NO_READER] = "no reader",
	[BUSY] = "version reader",
	[READER] = "events reader",
};

/* Passes over the whole file, counted by the reader. */
static long *reader_passes;	/* shared with the reader: __atomic */

/* Run on @cpu only, if there is more than one. */
static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void reader(const char *path)
{
	static char buf[4096];
	int fd;

	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(111);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		__atomic_fetch_add(reader_passes, 1, __ATOMIC_RELAXED);
	}
}

/*
 * One memcg OOM in the domain, its victim a fresh hog: out_of_memory()'s
 * time in ms, or NO_FIGURE.
 */
static double timed_oom(int dom_fd)
{
	long long t0 = now_ns(), start, end;
	long victim = -1;
	int status;
	pid_t hog, w;

	trace_clear();
	hog = fork_into(dom_fd);
	if (hog == 0) {
		pin(0);		/* a CPU of its own; the rest run on 1 */
		if (self_oom_score_adj(0))
			_exit(111);
		bench_touch(HOG_BYTES);
		_exit(112);	/* not killed */
	}
	if (hog < 0)
		return bench_fail("cannot start the hog: %s", strerror(-hog)), NO_FIGURE;
	while ((w = waitpid(hog, &status, WNOHANG)) == 0) {
		if (now_ns() - t0 > OOM_TIMEOUT_NS) {
			kill(hog, SIGKILL);
			waitpid(hog, &status, 0);
			return bench_fail("the hog was not killed within %llds",
					  OOM_TIMEOUT_NS / 1000000000), NO_FIGURE;
		}
		sleep_us(500);
	}
	if (w != hog || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return bench_fail("the hog was not OOM-killed (status %#x)", status), NO_FIGURE;
	if (!trace_first("mark_victim", t0, &victim) || victim != hog)
		return bench_fail("the OOM victim was %ld, not the hog %d", victim, hog), NO_FIGURE;
	start = trace_first("evr_start", t0, NULL);
	end = start ? trace_first("evr_end", start, NULL) : 0;
	if (!start || !end)
		return bench_fail("no evr_start/evr_end kprobe events"), NO_FIGURE;
	return (end - start) / 1e6;
}

/* ftrace kprobe events on out_of_memory() entry and return. */
static int trace_probes(void)
{
	return trace_setup() ?: trace_add_kprobe("p:evr_start out_of_memory") ?:
	       trace_add_kprobe("r:evr_end out_of_memory") ?:
	       trace_enable("kprobes/evr_start", true) ?: trace_enable("kprobes/evr_end", true) ?:
	       trace_enable("oom/mark_victim", true);
}

static int count_lines(const char *path)
{
	static char buf[4096];
	int fd, n = 0;
	ssize_t len, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < len; i++)
			n += buf[i] == '\n';
	}
	close(fd);
	return n;
}

/*
 * One sysrq OOM (echo f > /proc/sysrq-trigger) with a fresh sleeper as
 * its only candidate: a decision in the ring, quicker to come by than a
 * memcg OOM (no reclaim retries first).  0, or -1.
 */
static int sysrq_oom(void)
{
	long long t0 = now_ns();
	int status;
	pid_t p, w;

	p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	if (p < 0 || set_oom_score_adj(p, 1000) ||
	    write_text("/proc/sysrq-trigger", "f")) {
		if (p > 0)
			kill(p, SIGKILL);
		return bench_fail("cannot start a sysrq OOM"), -1;
	}
	while ((w = waitpid(p, &status, WNOHANG)) == 0) {
		if (now_ns() - t0 > OOM_TIMEOUT_NS) {
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
			return bench_fail("a sysrq OOM did not kill its sleeper"), -1;
		}
		sleep_us(200);
	}
	return 0;
}

/* Load the module with a ring of @n and fill it: 0, or -1. */
static int fill_ring(long n, int dom_fd)
{
	char params[64];
	long long t0;
	long i;
	int ret;

	snprintf(params, sizeof(params), "events_max=%ld", n);
	ret = bench_unload() ?: bench_load(params);
	if (ret)
		return bench_fail("cannot load the module with %s: %s", params,
				  strerror(-ret)), -1;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (sysrq_oom())
			return -1;
	}
	/* The last decisions like the timed ones, and a warm-up. */
	for (i = 0; i < 2; i++) {
		if (isnan(timed_oom(dom_fd)))
			return -1;
	}
	if (count_lines(EVENTS) != n)
		return bench_fail("%d events in the file, not %ld",
				  count_lines(EVENTS), n), -1;
	fprintf(stderr, "events_max=%ld: ring filled in %.1f s\n", n, (now_ns() - t0) / 1e9);
	return 0;
}

/* One timed OOM with or without the reader; *rate: its passes per second. */
static double one_round(int variant, int dom_fd, double *rate)
{
	long long t0;
	pid_t r = 0;
	long passes;
	double ms;

	__atomic_store_n(reader_passes, 0, __ATOMIC_RELAXED);
	if (variant != NO_READER) {
		r = fork();
		if (r == 0)
			reader(variant == READER ? EVENTS : OOMCTL_SYSFS "/version");
		if (r < 0)
			return bench_fail("cannot start the reader"), NO_FIGURE;
		sleep_us(200000);	/* let it get going */
	}
	t0 = now_ns();
	passes = __atomic_load_n(reader_passes, __ATOMIC_RELAXED);
	ms = timed_oom(dom_fd);
	if (r > 0) {
		*rate = (__atomic_load_n(reader_passes, __ATOMIC_RELAXED) - passes) /
			((now_ns() - t0) / 1e9);
		kill(r, SIGKILL);
		waitpid(r, NULL, 0);
	}
	return ms;
}

static int setup(void)
{
	cg_kill_remove(BENCH_CG);
	return cg_mkdir(BENCH_CG) ?: cg_set(BENCH_CG, "cgroup.subtree_control", "+memory +pids") ?:
	       cg_mkdir(CG_DOM) ?: cg_set(CG_DOM, "memory.max", DOM_MAX) ?:
	       cg_set(CG_DOM, "memory.oom.group", "0");
}

static double mean(const double *v, int n)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return n ? sum / n : NO_FIGURE;
}

static void print_table(long n, int rounds, double t[][MAX_ROUNDS],
			double rate[][MAX_ROUNDS], const int *ok)
{
	double med[NR_VARIANTS], avg[NR_VARIANTS], max[NR_VARIANTS];
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32];
	int v;

	for (v = 0; v < NR_VARIANTS; v++) {
		avg[v] = mean(t[v], ok[v]);
		max[v] = maximum(t[v], ok[v]);
		med[v] = median(t[v], ok[v]);
	}
	for (v = 0; v < NR_VARIANTS; v++) {
		if (ok[v] < rounds)
			bench_fail("N=%ld: only %d of %d rounds gave figures", n, ok[v], rounds);
		printf("| %ld | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s |\n", n,
		       variant_names[v], ok[v], rounds,
		       fmt_fig(a, sizeof(a), "%.3f", med[v]),
		       fmt_fig(b, sizeof(b), "%.3f", avg[v]),
		       fmt_fig(c, sizeof(c), "%.2f", med[v] / med[NO_READER]),
		       fmt_fig(d, sizeof(d), "%.2f", avg[v] / avg[NO_READER]),
		       fmt_fig(h, sizeof(h), "%.2f", med[v] / med[BUSY]),
		       fmt_fig(e, sizeof(e), "%.2f", avg[v] / avg[BUSY]),
		       fmt_fig(f, sizeof(f), "%.3f", max[v]),
		       v == NO_READER ? "-" :
		       fmt_fig(g, sizeof(g), "%.0f", median(rate[v], ok[v])));
	}
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 4096 }, smoke_sizes[] = { 16 };
	static double t[NR_VARIANTS][MAX_ROUNDS], rate[NR_VARIANTS][MAX_ROUNDS];
	char dump_tasks[16] = "1";
	struct bench_opts o;
	int s, r, i, v, ret, dom_fd;

	if (bench_parse(argc, argv, &o, 20, sizes, 1, smoke_sizes, 1))
		return 2;
	if (o.rounds > MAX_ROUNDS)
		o.rounds = MAX_ROUNDS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pin(1);
	reader_passes = mmap(NULL, sizeof(*reader_passes), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reader_passes == MAP_FAILED || self_oom_score_adj(-1000) || bench_unload()) {
		bench_fail("cannot set up: shared page, oom_score_adj or module unload");
		return 1;
	}
	ret = setup();
	dom_fd = ret ? -1 : open(CG_DOM, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dom_fd < 0) {
		bench_fail("cannot create the cgroups: %s", strerror(ret ? -ret : errno));
		return 1;
	}
	ret = trace_probes();
	if (ret) {
		bench_fail("cannot set up ftrace kprobe events on out_of_memory: %s",
			   strerror(-ret));
		return 1;
	}
	read_text("/proc/sys/vm/oom_dump_tasks", dump_tasks, sizeof(dump_tasks));
	write_text("/proc/sys/vm/oom_dump_tasks", "0");

	puts("### A reader of the events file and the OOM path: out_of_memory() time\n");
	printf("ftrace kprobe-event pair on out_of_memory (entry/return), ");
	printf("trace_clock mono; memcg OOM in a %s domain (hog pinned to CPU 0), ", DOM_MAX);
	printf("the ring full (events_max=N); %d round(s), out_of_memory() in ms; ", o.rounds);
	printf("readers loop open/read(4096)/close on CPU 1. Times in ms; ratios to no reader ");
	printf("(none) and to the version reader (vers: the fair baseline, see the source); ");
	printf("/s: the reader's passes over ");
	printf("the whole file per second.\n\n");
	printf("| N | reader | n | median | mean | med/none | mean/none ");
	puts("| med/vers | mean/vers | max | /s |");
	puts("|---|---|---|---|---|---|---|---|---|---|---|");

	for (s = 0; s < o.nsizes; s++) {
		int ok[NR_VARIANTS] = { 0 };
		long n = o.sizes[s];

		if (fill_ring(n, dom_fd))
			break;
		for (r = 0; r < o.rounds; r++) {
			/* Each round starts with another variant. */
			for (i = 0; i < NR_VARIANTS; i++) {
				double ms, rt = NO_FIGURE;

				v = (r + i) % NR_VARIANTS;
				ms = one_round(v, dom_fd, &rt);
				if (isnan(ms))
					continue;
				t[v][ok[v]] = ms;
				rate[v][ok[v]++] = rt;
			}
		}
		print_table(n, o.rounds, t, rate, ok);
	}
	printf("\n");
	write_text("/proc/sys/vm/oom_dump_tasks", dump_tasks);
	trace_setup();
	close(dom_fd);
	bench_unload();
	cg_kill_remove(BENCH_CG);
	return bench_status();
}
