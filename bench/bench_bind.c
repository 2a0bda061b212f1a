// SPDX-License-Identifier: GPL-2.0
/*
 * bench_bind: what do the rules cost every cgroup mkdir and rmdir on the
 * system?
 *
 *   bench_bind [--smoke] [--rounds N] [--sizes R1,R2,...]
 *
 * oomctl watches the cgroup_mkdir and cgroup_rmdir tracepoints to bind
 * rules to cgroups that come and go.  This measures a mkdir/rmdir pair
 * of a cgroup that no rule names (what systemd does for every scope and
 * service), in a cgroup with +memory +pids, PAIRS pairs a run, in these
 * states of the module:
 *
 *   not loaded      the baseline
 *   R rules         loaded with R rules (--sizes, default 0, 256, 65536;
 *                   max_rules=R where R > 256): half of min(R, 256) on
 *                   existing cgroups (active), the rest on paths that do
 *                   not exist (inactive, waiting for their cgroup)
 *
 * and, with 256 rules, a pair whose cgroup a rule names (the rule binds
 * and unbinds each time: the bind worker runs twice a pair).  The states
 * alternate within one VM run, N rounds (the baseline first in even
 * rounds, last in odd ones; R > 256 only in the last round, since
 * writing that many rules takes a while); the figures are medians in
 * microseconds per pair and their ratio to "not loaded".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"

#define PAIRS		500
#define SMOKE_PAIRS	50
#define CG_CHURN	BENCH_CG "/churn"
#define CG_ACT		BENCH_CG "/act"
#define NR_ACTIVE_MAX	128
#define MAX_SIZES	8
#define MAX_ROUNDS	32

static int pairs = PAIRS;

/* CPU time every CPU spent busy so far (/proc/stat), in microseconds. */
static double busy_us(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return NO_FIGURE;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 8)
		return NO_FIGURE;
	/* All but idle (3) and iowait (4); guest time is in user already. */
	for (i = 0; i < 8; i++)
		busy += i == 3 || i == 4 ? 0 : v[i];
	return busy * 1e6 / sysconf(_SC_CLK_TCK);
}

/*
 * One run of mkdir/rmdir pairs of the churned cgroup: wall-clock and
 * busy CPU (all CPUs: the bind worker included) microseconds per pair,
 * into wall[*n] and cpu[*n]; -1 if mkdir or rmdir failed.
 */
static int measure(double *wall, double *cpu, int *n)
{
	double c0 = busy_us();
	long long t0 = now_ns();
	int i;

	for (i = 0; i < pairs; i++) {
		if (mkdir(CG_CHURN, 0755) || rmdir(CG_CHURN))
			return -1;
	}
	wall[*n] = (now_ns() - t0) / 1e3 / pairs;
	cpu[(*n)++] = (busy_us() - c0) / pairs;
	return 0;
}

/* Load the module with @nr rules; *secs gets the time the writes took. */
static int load_with(long nr, double *secs)
{
	static char *text;
	static size_t size;
	char params[64] = "";
	long i, active = (nr < 256 ? nr : 256) / 2;
	size_t len = 0;
	long long t0;
	int ret;

	if (nr > 256)
		snprintf(params, sizeof(params), "max_rules=%ld", nr);
	ret = bench_load(params);
	if (ret)
		return ret;
	if (size < (size_t)nr * 40 + 1) {
		free(text);
		size = nr * 40 + 1;
		text = malloc(size);
		if (!text)
			return -ENOMEM;
	}
	text[0] = '\0';
	for (i = 0; i < nr; i++) {
		if (i < active)
			len += snprintf(text + len, size - len,
					"/oomctl-bench/act/a%ld policy=group\n", i);
		else
			len += snprintf(text + len, size - len, "/i/%ld\n", i);
	}
	t0 = now_ns();
	ret = bench_write_rules(text);
	*secs = (now_ns() - t0) / 1e9;
	return ret;
}

static int setup(void)
{
	char path[256];
	int i, ret;

	cg_kill_remove(BENCH_CG);
	ret = cg_mkdir(BENCH_CG) ?:
	      cg_set(BENCH_CG, "cgroup.subtree_control", "+memory +pids") ?:
	      cg_mkdir(CG_ACT);
	for (i = 0; !ret && i < NR_ACTIVE_MAX; i++) {
		snprintf(path, sizeof(path), CG_ACT "/a%d", i);
		ret = cg_mkdir(path);
	}
	return ret;
}

/* One line of the table: medians of @wall and @cpu, and ratios to the base. */
static void row(const char *name, double *wall, double *cpu, int n, double *bw,
		double *bc, int nb, const char *written)
{
	double w = n ? median(wall, n) : NO_FIGURE, c = n ? median(cpu, n) : NO_FIGURE;
	double w0 = median(bw, nb), c0 = median(bc, nb);
	double noise = n ? (maximum(wall, n) - minimum(wall, n)) / w : NO_FIGURE;
	char f[4][32];

	printf("| %s | %s | %s | %s | %s | ", name, fmt_fig(f[0], 32, "%.1f", w),
	       fmt_fig(f[1], 32, "%.3f", w / w0), fmt_fig(f[2], 32, "%.1f", c),
	       fmt_fig(f[3], 32, "%.3f", c / c0));
	printf("%s | %d | %s |\n",
	       fmt_fig(f[0], 32, "%.0f%%", 100 * noise), n, written);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 0, 256, 65536 };
	static const long smoke_sizes[] = { 0, 16, 256 };
	static double base[MAX_ROUNDS], loaded[MAX_SIZES][MAX_ROUNDS], named[MAX_ROUNDS];
	static double base_c[MAX_ROUNDS], loaded_c[MAX_SIZES][MAX_ROUNDS], named_c[MAX_ROUNDS];
	double write_s[MAX_SIZES] = { 0 }, secs;
	int n_loaded[MAX_SIZES] = { 0 }, n_base = 0, n_named = 0;
	int r, s, ret, last;
	struct bench_opts o;
	char buf[64], name[64];

	if (bench_parse(argc, argv, &o, 5, sizes, ARRAY_SIZE(sizes), smoke_sizes,
			ARRAY_SIZE(smoke_sizes)))
		return 2;
	if (o.smoke)
		pairs = SMOKE_PAIRS;
	if (o.rounds > MAX_ROUNDS)
		o.rounds = MAX_ROUNDS;
	qsort(o.sizes, o.nsizes, sizeof(o.sizes[0]), cmp_long);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_unload()) {
		bench_fail("cannot unload the module");
		return 1;
	}
	ret = setup();
	if (ret) {
		bench_fail("cannot create the cgroups: %s", strerror(-ret));
		return 1;
	}
	/* A first run is slower (cold caches, and TCG translating new code). */
	if (measure(base, base_c, &n_base)) {
		bench_fail("mkdir/rmdir failed: %s", strerror(errno));
		return 1;
	}
	n_base = 0;
	for (r = 0; r < o.rounds; r++) {
		last = r == o.rounds - 1;
		if (bench_unload()) {
			bench_fail("cannot unload the module");
			return 1;
		}
		/* The baseline first in even rounds, last in odd ones. */
		if (!(r & 1) && measure(base, base_c, &n_base))
			goto failed;
		for (s = 0; s < o.nsizes && s < MAX_SIZES; s++) {
			if (o.sizes[s] > 256 && !last)
				continue;
			ret = bench_unload() ?: load_with(o.sizes[s], &secs);
			if (ret) {
				bench_fail("cannot load the module with %ld rules: %s",
					   o.sizes[s], strerror(-ret));
				return 1;
			}
			if (o.sizes[s] > 256)
				write_s[s] = secs;
			if (measure(loaded[s], loaded_c[s], &n_loaded[s]))
				goto failed;
			if (o.sizes[s] != 256)
				continue;
			/* The churned cgroup named by a rule: bound, unbound. */
			ret = oomctl_write("rules", "-/i/255\n/oomctl-bench/churn policy=group\n");
			if (ret) {
				bench_fail("cannot add a rule: %s", strerror(-ret));
				return 1;
			}
			if (measure(named, named_c, &n_named))
				goto failed;
		}
		if ((r & 1) && (bench_unload() || measure(base, base_c, &n_base)))
			goto failed;
	}
	bench_unload();

	printf("### Rule binding: a cgroup mkdir/rmdir pair, ");
	printf("module not loaded vs loaded with rules\n\n");
	printf("%d pairs a run, %d round(s) in one VM ", pairs, o.rounds);
	printf("(more than 256 rules in the last round only); ");
	printf("medians, microseconds per pair; ratio to not loaded. ");
	printf("Rules: half of up to 256 on existing cgroups (active), the rest inactive.\n\n");
	printf("Busy CPU: all CPUs' non-idle time from /proc/stat over the run, ");
	printf("the bind worker's included. Noise: (max-min)/median of the wall times.\n\n");
	printf("| module | wall us per pair | ratio | busy CPU us per pair | ratio ");
	printf("| noise | runs | rules written in |\n");
	printf("|--------|------------------|-------|----------------------|-------");
	printf("|-------|------|------------------|\n");
	row("not loaded", base, base_c, n_base, base, base_c, n_base, "-");
	for (s = 0; s < o.nsizes && s < MAX_SIZES; s++) {
		snprintf(name, sizeof(name), "%ld rules", o.sizes[s]);
		if (write_s[s] > 0)
			snprintf(buf, sizeof(buf), "%.1f s", write_s[s]);
		row(name, loaded[s], loaded_c[s], n_loaded[s], base, base_c, n_base,
		    write_s[s] > 0 ? buf : "-");
	}
	if (n_named)
		row("256 rules, the cgroup named by one (binds and unbinds)", named, named_c,
		    n_named, base, base_c, n_base, "-");
	printf("\nTarget: 256 rules within 1.10 of not loaded.\n\n");
	cg_kill_remove(BENCH_CG);
	return bench_status();

failed:
	bench_fail("mkdir/rmdir failed: %s", strerror(errno));
	bench_unload();
	return 1;
}
