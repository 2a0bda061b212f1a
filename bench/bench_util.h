/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the oomctl benchmarks (the bench_ programs), which run inside the test
 * VM: clocks, ftrace, cgroups, spawning into a cgroup with clone3(), the
 * module, statistics and markdown tables.  File and module helpers come
 * from selftests/oomctl_util.c, linked in.
 *
 * Benchmarks print figures; they never assert timings.  A program exits 1
 * only when it could not produce a figure it was asked for (a setup step
 * failed, a hog was not killed, the wrong kill mechanism was used).
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oomctl_util.h"

#define BENCH_CG	"/sys/fs/cgroup/oomctl-bench"
#define TRACEFS		"/sys/kernel/tracing"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* A figure that could not be measured: NaN, printed "n/a". */
#define NO_FIGURE	NAN

/* CLOCK_MONOTONIC in nanoseconds: the clock ftrace's "mono" uses. */
long long now_ns(void);
void sleep_us(long us);

/* Print an error and remember that this program failed. */
void bench_fail(const char *fmt, ...);
int bench_status(void);

/* ftrace: mount tracefs, trace_clock mono, the given event enabled. */
int trace_setup(void);
int trace_enable(const char *event, bool on);	/* "oom/mark_victim" */
int trace_add_kprobe(const char *def);		/* "p:name symbol" */
int trace_clear(void);
/*
 * The first @event line in the trace buffer at or after @after_ns: its
 * time in ns (0 if none); *pid gets its pid= field when not NULL.
 */
long long trace_first(const char *event, long long after_ns, long *pid);
/* The @nth (from 0) @event line at or after @after_ns, 0 if none. */
long long trace_nth(const char *event, long long after_ns, int nth);

/* Cgroups: absolute paths. */
int cg_mkdir(const char *path);
int cg_set(const char *cg, const char *file, const char *text);
long cg_get(const char *cg, const char *file);	/* first number, -1 on error */
bool cg_populated(const char *cg);
int cg_kill_remove(const char *cg);		/* kill, wait, rmdir, recursively */

/*
 * clone3(CLONE_INTO_CGROUP) with fork semantics: 0 in the child, which
 * starts in @cg_fd's cgroup; the child's pid in the parent; -errno.
 */
pid_t fork_into(int cg_fd);
/*
 * A child in @cg_fd's cgroup that shares the caller's mm (CLONE_VM), has
 * its own oom_score_adj (copied now), and only ever sleeps in pause()
 * without touching memory: it needs no stack of its own.
 */
pid_t clone_sleeper_into(int cg_fd);
int self_oom_score_adj(int adj);
/* Map and touch @bytes of anonymous memory, or _exit(113): in children. */
void bench_touch(unsigned long bytes);

/* The module. */
int bench_load(const char *params);	/* retries while the last unload settles */
int bench_unload(void);
/* Write rules, one a line, a page at most per write(). */
int bench_write_rules(const char *text);
/* The same, then wait until every rule is active. */
int bench_rules(const char *text);

/* /proc/meminfo field, in kB, -1 if absent. */
long meminfo_kb(const char *key);

/* Statistics over n doubles (sorted in place). */
double median(double *v, int n);
double minimum(const double *v, int n);
double maximum(const double *v, int n);

/* A figure or "n/a", into buf. */
const char *fmt_fig(char *buf, size_t size, const char *fmt, double v);

/* Options every benchmark takes: --smoke, --rounds N, --sizes A,B,C. */
struct bench_opts {
	bool smoke;
	int rounds;
	int nsizes;
	long sizes[8];
};

int bench_parse(int argc, char **argv, struct bench_opts *o, int rounds,
		const long *sizes, int nsizes, const long *smoke_sizes,
		int smoke_nsizes);

#endif /* BENCH_UTIL_H */
