// SPDX-License-Identifier: GPL-2.0
/*
 * bench_footprint: the module's memory and load time, measured in the VM.
 *
 *   bench_footprint [--smoke] [--rounds R] [--sizes NR_RULES]
 *
 * Memory: /proc/meminfo's Slab + VmallocUsed + Percpu (kB), and the
 * module's size in /proc/modules, with the module not loaded and loaded
 * with the defaults, with max_rules=65536, and with events_max=4096; the
 * difference between the last two and the defaults, divided by the extra
 * slots, is the memory per rule slot and per event slot.  Then NR_RULES
 * rules (default 1000) on existing cgroups are written to a module loaded
 * with max_rules=65536: the growth per rule written.  Every figure is the
 * median of R loads.  Load time: finit_module() and delete_module()
 * around the defaults, median of R.
 *
 * meminfo moves with everything else the kernel does, so these are
 * estimates: the VM runs nothing else meanwhile, caches are dropped and
 * RCU given time to free before each reading.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define CG_RULES	BENCH_CG "/r"
#define BIG_RULES	65536
#define BIG_EVENTS	4096
#define DEF_RULES	256
#define DEF_EVENTS	64

/* Slab + VmallocUsed + Percpu, kB, once the kernel has settled. */
static long kernel_kb(void)
{
	sync();
	write_text("/proc/sys/vm/drop_caches", "3");
	sleep_us(300000);	/* kfree_rcu() and vfree's lazy purge */
	return meminfo_kb("Slab:") + meminfo_kb("VmallocUsed:") + meminfo_kb("Percpu:");
}

static long module_size(void)
{
	char buf[16384], *p;

	if (read_text("/proc/modules", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "oomctl ");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/* kB more than unloaded with @params, median of @rounds loads. */
static double loaded_kb(const char *params, int rounds, const char *rules, double *modsize)
{
	double d[64], m[64];
	long base;
	int r, ret;

	for (r = 0; r < rounds && r < 64; r++) {
		if (bench_unload())
			return NO_FIGURE;
		base = kernel_kb();
		ret = bench_load(params);
		if (!ret && rules)
			ret = bench_rules(rules);
		if (ret) {
			bench_fail("cannot load with %s%s: %s", params, rules ? " and rules" : "",
				   strerror(-ret));
			return NO_FIGURE;
		}
		d[r] = kernel_kb() - base;
		m[r] = module_size();
	}
	bench_unload();
	if (modsize)
		*modsize = median(m, r);
	return median(d, r);
}

static double ms_median(double *v, int n)
{
	return median(v, n);
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 1000 }, smoke_sizes[] = { 100 };
	double def, big_rules, big_events, with_rules, modsize, load[64], unload[64];
	char a[32], b[32], *rules;
	struct bench_opts o;
	long long t;
	long nr, i, len = 0;
	int r, ret;

	if (bench_parse(argc, argv, &o, 5, sizes, 1, smoke_sizes, 1))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	nr = o.sizes[0];
	if (bench_unload()) {
		bench_fail("cannot unload the module");
		return 1;
	}
	cg_kill_remove(BENCH_CG);
	if (cg_mkdir(BENCH_CG) || cg_mkdir(CG_RULES)) {
		bench_fail("cannot create the cgroups");
		return 1;
	}
	rules = malloc(nr * 64 + 1);
	if (!rules)
		return 1;
	for (i = 0; i < nr; i++) {
		char path[128];

		snprintf(path, sizeof(path), CG_RULES "/c%ld", i);
		if (cg_mkdir(path)) {
			bench_fail("cannot create %s", path);
			return 1;
		}
		len += sprintf(rules + len, "/oomctl-bench/r/c%ld policy=group bias=%ld\n",
			       i, i % 100);
	}

	def = loaded_kb("", o.rounds, NULL, &modsize);
	big_rules = loaded_kb("max_rules=65536", o.rounds, NULL, NULL);
	big_events = loaded_kb("events_max=4096", o.rounds, NULL, NULL);
	with_rules = loaded_kb("max_rules=65536", o.rounds, rules, NULL);

	for (r = 0; r < o.rounds && r < 64; r++) {
		t = now_ns();
		ret = bench_load(NULL);
		load[r] = (now_ns() - t) / 1e6;
		if (ret) {
			bench_fail("cannot load the module: %s", strerror(-ret));
			return 1;
		}
		sleep_us(100000);
		t = now_ns();
		ret = oomctl_unload();
		unload[r] = (now_ns() - t) / 1e6;
		if (ret && bench_unload()) {
			bench_fail("cannot unload the module: %s", strerror(-ret));
			return 1;
		}
	}

	printf("### Footprint in the VM\n\n");
	printf("Slab + VmallocUsed + Percpu from /proc/meminfo, loaded minus not loaded, kB; "
	       "medians of %d load(s). Estimates: meminfo moves with the rest of the kernel.\n\n",
	       o.rounds);
	printf("| what | figure |\n|------|--------|\n");
	printf("| module size in /proc/modules | %s bytes |\n",
	       fmt_fig(a, sizeof(a), "%.0f", modsize));
	printf("| loaded, defaults (max_rules=%d, events_max=%d) | %s kB |\n",
	       DEF_RULES, DEF_EVENTS, fmt_fig(a, sizeof(a), "%.0f", def));
	printf("| loaded, max_rules=%d | %s kB |\n", BIG_RULES,
	       fmt_fig(a, sizeof(a), "%.0f", big_rules));
	printf("| loaded, events_max=%d | %s kB |\n", BIG_EVENTS,
	       fmt_fig(a, sizeof(a), "%.0f", big_events));
	printf("| per rule slot (max_rules) | %s bytes |\n",
	       fmt_fig(a, sizeof(a), "%.1f",
		       (big_rules - def) * 1024 / (BIG_RULES - DEF_RULES)));
	printf("| per event slot (events_max) | %s bytes |\n",
	       fmt_fig(a, sizeof(a), "%.0f",
		       (big_events - def) * 1024 / (BIG_EVENTS - DEF_EVENTS)));
	printf("| per active rule written (%ld rules, max_rules=%d) | %s bytes |\n", nr, BIG_RULES,
	       fmt_fig(a, sizeof(a), "%.0f",
		       (with_rules - big_rules) * 1024 / nr));
	printf("| insmod (finit_module), ms | %s (min %s) |\n",
	       fmt_fig(a, sizeof(a), "%.1f", ms_median(load, r)),
	       fmt_fig(b, sizeof(b), "%.1f", minimum(load, r)));
	printf("| rmmod (delete_module), ms | %s (min %s) |\n",
	       fmt_fig(a, sizeof(a), "%.1f", ms_median(unload, r)),
	       fmt_fig(b, sizeof(b), "%.1f", minimum(unload, r)));
	printf("\n");
	cg_kill_remove(BENCH_CG);
	return bench_status();
}
