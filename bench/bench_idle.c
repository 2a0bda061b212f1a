// SPDX-License-Identifier: GPL-2.0
/*
 * bench_idle: what the early kill costs an idle machine (issue 12, item 2).
 *
 *   bench_idle [--smoke] [--rounds R] [--sizes SECONDS]
 *
 * The VM sits idle for SECONDS (default 20; --smoke: 1) in each of three
 * states, taken in turn R times (default 3): the module not loaded, loaded
 * with early kill off (the default), and loaded with early=1.  For each
 * window, the CPU time /proc/stat counts as not idle (user, nice, system,
 * irq, softirq, steal: everything but idle and iowait), as a percentage
 * of one CPU; the table gives the median per state and the difference of
 * "early on" to "not loaded".  That difference is noise-bound (the idle
 * VM's own timers, TCG), so the early kill's own work is also measured
 * directly: the workqueue_execute_start/end tracepoints around its works
 * (functions early_idle and early_poll) give how often they ran and their
 * total run time, as a percentage of one CPU.  Target: below 0.1 %.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

enum state { NOT_LOADED, EARLY_OFF, EARLY_ON, NR_STATES };

static const char * const state_names[NR_STATES] = {
	"module not loaded", "loaded, early kill off", "loaded, early=1",
};

/* Jiffies (USER_HZ ticks) busy and in total, all CPUs, from /proc/stat. */
static int cpu_ticks(long long *busy, long long *total)
{
	long long v[10] = { 0 };
	char buf[512];
	int i;

	if (read_text("/proc/stat", buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "cpu %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
		   &v[9]) < 8)
		return -1;
	*total = 0;
	for (i = 0; i < 8; i++)		/* guest time is in user already */
		*total += v[i];
	*busy = *total - v[3] - v[4];	/* idle, iowait */
	return 0;
}

/* The early works' runs and total run time (ns) in the trace buffer. */
static int early_work_time(long *runs, long long *ns)
{
	static char buf[8 << 20];
	long long start[64] = { 0 };
	char *line, *save;
	int n, fd, cpu;
	size_t len = 0;

	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	*runs = 0;
	*ns = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *b = strchr(line, '['), *ev;
		double t;

		if (line[0] == '#' || !b || !strstr(line, "function early_"))
			continue;
		cpu = atoi(b + 1);
		if (cpu < 0 || cpu >= 64)
			continue;
		ev = strstr(line, ": workqueue_execute_");
		if (!ev)
			continue;
		/* The timestamp ends just before ": workqueue_...". */
		while (ev > b && ev[-1] != ' ')
			ev--;
		t = atof(ev);
		if (strstr(line, "workqueue_execute_start")) {
			start[cpu] = (long long)(t * 1e9);
		} else if (start[cpu]) {
			*ns += (long long)(t * 1e9) - start[cpu];
			(*runs)++;
			start[cpu] = 0;
		}
	}
	return 0;
}

static int enter_state(enum state s)
{
	if (bench_unload())
		return -1;
	switch (s) {
	case NOT_LOADED:
		return 0;
	case EARLY_OFF:
		return bench_load(NULL);
	default:
		return bench_load("early=1");
	}
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 20 }, smoke_sizes[] = { 1 };
	double busy[NR_STATES][64], diff[64], work_pct[64], runs_per_s[64];
	long long b0, t0, b1, t1, ns = 0;
	struct bench_opts o;
	char a[32], c[32];
	long seconds, runs = 0;
	int r, s, ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (bench_parse(argc, argv, &o, 3, sizes, 1, smoke_sizes, 1))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	seconds = o.sizes[0];
	if (trace_setup() || trace_enable("workqueue/workqueue_execute_start", true) ||
	    trace_enable("workqueue/workqueue_execute_end", true)) {
		bench_fail("cannot set up the workqueue tracepoints");
		return 1;
	}
	for (r = 0; r < o.rounds && r < 64; r++) {
		for (s = 0; s < NR_STATES; s++) {
			if (enter_state(s)) {
				bench_fail("cannot put the module in state: %s", state_names[s]);
				return 1;
			}
			sleep_us(500000);	/* let the load settle */
			trace_clear();
			if (cpu_ticks(&b0, &t0)) {
				bench_fail("cannot read /proc/stat");
				return 1;
			}
			sleep_us(seconds * 1000000);
			if (cpu_ticks(&b1, &t1) || t1 == t0) {
				bench_fail("cannot read /proc/stat");
				return 1;
			}
			/* Of all CPUs' ticks, as a percentage of one CPU. */
			busy[s][r] = 100.0 * ncpu * (b1 - b0) / (t1 - t0);
			if (s == EARLY_ON) {
				if (early_work_time(&runs, &ns)) {
					bench_fail("cannot read the trace");
					return 1;
				}
				/* The deferrable look may miss a 1 s smoke window. */
				if (!runs && !o.smoke)
					bench_fail("early kill's works did not run with early=1");
				work_pct[r] = 100.0 * ns / (seconds * 1e9);
				runs_per_s[r] = (double)runs / seconds;
			}
		}
	}
	bench_unload();
	trace_enable("workqueue/workqueue_execute_start", false);
	trace_enable("workqueue/workqueue_execute_end", false);

	printf("### Idle cost of the early kill\n\n");
	printf("The VM idle for %ld s per window, %d round(s) of the three states in turn; "
	       "CPU time not idle (/proc/stat), %% of one CPU, medians; "
	       "target for early=1: below 0.1 %% of one CPU.\n\n", seconds, r);
	/* Per-round differences first: median() sorts in place. */
	for (s = 0; s < r; s++)
		diff[s] = busy[EARLY_ON][s] - busy[NOT_LOADED][s];
	printf("| state | busy, %% of one CPU |\n|-------|------|\n");
	for (s = 0; s < NR_STATES; s++)
		printf("| %s | %s |\n", state_names[s],
		       fmt_fig(a, sizeof(a), "%.3f", median(busy[s], r)));
	printf("| early=1 minus not loaded (per round, median) | %s |\n",
	       fmt_fig(a, sizeof(a), "%+.3f", median(diff, r)));
	printf("| early=1: its own works (traced run time) | %s (%s runs/s) |\n",
	       fmt_fig(a, sizeof(a), "%.5f", median(work_pct, r)),
	       fmt_fig(c, sizeof(c), "%.2f", median(runs_per_s, r)));
	printf("\n");
	return bench_status();
}
