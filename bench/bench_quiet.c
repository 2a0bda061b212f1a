// SPDX-License-Identifier: GPL-2.0
/*
 * bench_quiet: how long a large OOM victim takes to give its memory back
 * after oomctl's quiet kill, against the kernel's own kill of it.
 *
 *   bench_quiet [--smoke] [--rounds R] [--sizes MB1,MB2,...]
 *
 * A memory cgroup holds a victim that touches MB MiB of anonymous memory
 * (default 512, --smoke 32) and sleeps.  memory.max is then set to the
 * cgroup's charge plus HEADROOM (MB / 32, at least 4 MiB), and a trigger
 * starts in the cgroup that touches twice HEADROOM in 1 MiB pieces: it
 * hits memory.max, the OOM killer chooses the victim, and once the
 * victim's memory is gone the trigger completes its allocation and
 * sleeps.
 *
 * The trigger has oom_score_adj -1000: the victim is the only candidate.
 * exit_mmap() sets MMF_OOM_SKIP, which hides the victim from the OOM
 * killer, before tlb_finish_mmu() frees the last batch of its pages, and
 * with THP (Debian's default "always") that batch is nearly all of them;
 * a trigger that OOMs again in that window would be killed as well (seen
 * in 2 of 11 rounds).  Unkillable, it finds nobody to kill ("no killable
 * processes") and retries its fault.
 *
 * Both variants run with the module loaded (one load for the whole run);
 * only the rule on the cgroup is rewritten:
 *
 *   (a) kernel   rule "<cg> policy=process kill=kernel": the kernel's
 *                own kill of the victim alone (dump_header(),
 *                __oom_kill_process(), oom_kill counted)
 *   (b) quiet    rule "<cg> policy=process" (kill=quiet, the default):
 *                oomctl SIGKILLs the victim at task_will_free_mem(), the
 *                kernel marks it and queues the reaper (quiet.c)
 *
 * Each round checks that the variant did what it says, from the counters
 * before and after the round: (a) memory.events oom_kill rose by 1 and
 * stats/quiet_kills did not move; (b) oom_kill did not move and
 * quiet_kills rose by 1.  Also in both: the mark_victim event names the
 * victim, the victim died of SIGKILL and the trigger survived.  A round
 * that fails a check is an error (the program exits 1), not a figure.
 *
 * Time zero is the round's mark_victim event in the ftrace buffer
 * (trace_clock mono, the CLOCK_MONOTONIC this program reads): in both
 * variants it comes right after the victim's SIGKILL.  Two figures from
 * there: until memory.current is below the trigger's charge (2 x
 * HEADROOM) plus a tenth of MB, i.e. the victim's memory is freed; and
 * until waitpid() has reaped the victim.  A third figure starts at the
 * entry of out_of_memory() instead (a kprobe event): it includes what the
 * kernel does before its kill and the quiet kill skips (the OOM report,
 * ratelimited, which run-bench keeps off the serial console).
 *
 * Rounds alternate the variants, each round starting with the other one,
 * so that drift and order effects hit both alike; a first round warms up
 * and is not counted.  Medians over the rounds are printed with the ratio
 * of (b) to (a).  The victim must fit the VM beside the trigger with
 * FIT_MARGIN_MB to spare (MemAvailable): 512 MiB fits the 1 GiB VM of
 * scripts/bench; a larger one is refused, not shrunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define VICTIM_MB	512
#define SMOKE_VICTIM_MB	32
#define MIN_HEADROOM_MB	4
#define FIT_MARGIN_MB	64
#define MAX_ROUNDS	64
#define TOUCH_TIMEOUT_MS	120000
#define ROUND_TIMEOUT_NS	(60LL * 1000000000)
#define POLL_US		200

#define CG_Q		BENCH_CG "/q"
#define RULE_PATH	"/oomctl-bench/q"

/* run_round()'s error messages, too long to fit next to their arguments. */
#define ERR_NOT_FREED	"%s, %ld MiB: victim not freed and reaped within %llds (memory.current=%ld, reaped=%d)"
#define ERR_CHECK	"%s, %ld MiB: check FAILED: oom_kill rose by %ld and quiet_kills by %ld, want %d and %d"
#define ERR_FIT		"%ld MiB victim does not fit: MemAvailable %ld MiB < %ld MiB (victim, trigger, margin)"

enum variant { V_KERNEL, V_QUIET, NR_VARIANTS };

static const char * const variant_names[NR_VARIANTS] = {
	[V_KERNEL] = "(a) kernel kill (kill=kernel)",
	[V_QUIET] = "(b) oomctl quiet kill (kill=quiet)",
};

static const char * const rules[NR_VARIANTS] = {
	[V_KERNEL] = RULE_PATH " policy=process kill=kernel\n",
	[V_QUIET] = RULE_PATH " policy=process\n",
};

static long headroom_mb(long victim_mb)
{
	return victim_mb / 32 > MIN_HEADROOM_MB ? victim_mb / 32 : MIN_HEADROOM_MB;
}

static long trigger_mb(long victim_mb)
{
	return 2 * headroom_mb(victim_mb);
}

/* memory.current below this: the victim's memory is freed. */
static long freed_bytes(long victim_mb)
{
	return (trigger_mb(victim_mb) << 20) + (victim_mb << 20) / 10;
}

/* Touch @mb MiB in one mapping, say so on @ready_fd, sleep. */
static void victim_main(long mb, int ready_fd)
{
	char c = 1;

	if (self_oom_score_adj(0))
		_exit(111);
	bench_touch(mb << 20);
	if (write(ready_fd, &c, 1) != 1)
		_exit(112);
	for (;;)
		pause();
}

/* Touch @mb MiB a MiB at a time, say so on @done_fd, sleep; never chosen. */
static void trigger_main(long mb, int done_fd)
{
	char c = 1;
	long i;

	if (self_oom_score_adj(-1000))
		_exit(111);
	for (i = 0; i < mb; i++)
		bench_touch(1 << 20);
	if (write(done_fd, &c, 1) != 1)
		_exit(112);
	for (;;)
		pause();
}

/* One byte from @fd within @timeout_ms: 0, or -1. */
static int wait_byte(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long end = now_ns() + timeout_ms * 1000000LL;
	char c;
	int n;

	for (;;) {
		n = poll(&pfd, 1, (int)((end - now_ns()) / 1000000));
		if (n > 0)
			return read(fd, &c, 1) == 1 ? 0 : -1;
		if ((n < 0 && errno != EINTR) || now_ns() >= end)
			return -1;
	}
}

/* Kill what is left in the cgroup and reap @pids (0: none). */
static void cleanup(pid_t *pids, int n)
{
	int i;

	cg_set(CG_Q, "cgroup.kill", "1");
	for (i = 0; i < n; i++) {
		if (pids[i] > 0)
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
	}
	for (i = 0; i < 3000 && cg_populated(CG_Q); i++)
		sleep_us(10000);
}

struct figures {
	double mem_ms, reap_ms, oom_mem_ms;
};

/* One round of one variant with a @mb MiB victim; 0 and @f filled, or -1. */
static int run_round(enum variant v, long mb, struct figures *f)
{
	const char *name = variant_names[v];
	long long t0, t, t_mark, t_oom, t_mem = 0, t_reap = 0;
	long cur = -1, kills, quiet, dk, dq, marked = -1;
	char events[512], val[32];
	pid_t pids[2] = { 0, 0 };	/* victim, trigger */
	int pipefd[2], cg_fd, status = 0, ret = -1;
	int want_dk = v == V_KERNEL, want_dq = v == V_QUIET;
	pid_t victim;

	if (cg_set(CG_Q, "memory.max", "max"))
		return bench_fail("cannot reset memory.max"), -1;
	if (pipe(pipefd))
		return bench_fail("pipe: %s", strerror(errno)), -1;
	cg_fd = open(CG_Q, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		bench_fail("cannot open %s", CG_Q);
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}

	pids[0] = fork_into(cg_fd);
	if (pids[0] == 0)
		victim_main(mb, pipefd[1]);
	victim = pids[0];
	if (pids[0] < 0 || wait_byte(pipefd[0], TOUCH_TIMEOUT_MS)) {
		bench_fail("%s, %ld MiB: the victim did not start", name, mb);
		goto out;
	}
	cur = cg_get(CG_Q, "memory.current");
	snprintf(val, sizeof(val), "%ld", cur + (headroom_mb(mb) << 20));
	if (cur < 0 || cg_set(CG_Q, "memory.max", val)) {
		bench_fail("cannot set memory.max");
		goto out;
	}

	snprintf(events, sizeof(events), "%s/memory.events", CG_Q);
	kills = keyed_value(events, "oom_kill");
	quiet = oomctl_stat("quiet_kills");
	if (kills < 0 || quiet < 0) {
		bench_fail("cannot read oom_kill or stats/quiet_kills");
		goto out;
	}
	trace_clear();
	t0 = now_ns();
	pids[1] = fork_into(cg_fd);
	if (pids[1] == 0)
		trigger_main(trigger_mb(mb), pipefd[1]);
	if (pids[1] < 0) {
		bench_fail("cannot start the trigger");
		goto out;
	}
	for (;;) {
		t = now_ns();
		if (!t_mem) {
			cur = cg_get(CG_Q, "memory.current");
			if (cur >= 0 && cur < freed_bytes(mb))
				t_mem = t;
		}
		if (!t_reap && waitpid(pids[0], &status, WNOHANG) == pids[0]) {
			t_reap = t;
			pids[0] = 0;
		}
		if (t_mem && t_reap)
			break;
		if (t - t0 > ROUND_TIMEOUT_NS) {
			bench_fail(ERR_NOT_FREED, name, mb, ROUND_TIMEOUT_NS / 1000000000,
				   cur, !!t_reap);
			goto out;
		}
		sleep_us(POLL_US);
	}
	/* The trigger must get its memory and live on: no second kill. */
	if (wait_byte(pipefd[0], 30000) || waitpid(pids[1], NULL, WNOHANG)) {
		bench_fail("%s, %ld MiB: the trigger did not complete its allocation", name, mb);
		goto out;
	}
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		bench_fail("%s, %ld MiB: the victim ended with status %#x, not SIGKILL",
			   name, mb, status);
		goto out;
	}
	dk = keyed_value(events, "oom_kill") - kills;
	dq = oomctl_stat("quiet_kills") - quiet;
	if (dk != want_dk || dq != want_dq) {
		bench_fail(ERR_CHECK, name, mb, dk, dq, want_dk, want_dq);
		goto out;
	}
	t_mark = trace_first("mark_victim", t0, &marked);
	if (!t_mark || marked != victim) {
		bench_fail("%s, %ld MiB: mark_victim names %ld, not the victim %d",
			   name, mb, t_mark ? marked : -1L, victim);
		goto out;
	}
	t_oom = trace_first("oom_start", t0, NULL);
	ret = 0;
	f->mem_ms = (t_mem - t_mark) / 1e6;
	f->reap_ms = (t_reap - t_mark) / 1e6;
	f->oom_mem_ms = t_oom ? (t_mem - t_oom) / 1e6 : NO_FIGURE;
out:
	cleanup(pids, 2);
	close(cg_fd);
	close(pipefd[0]);
	close(pipefd[1]);
	return ret;
}

static int setup(void)
{
	cg_kill_remove(BENCH_CG);
	return cg_mkdir(BENCH_CG) ?: cg_set(BENCH_CG, "cgroup.subtree_control", "+memory +pids") ?:
	       cg_mkdir(CG_Q);
}

static double ratio(double v, double base)
{
	return v / base;
}

/* Rounds of both variants with a @mb MiB victim, then its table rows. */
static void run_size(long mb, int rounds, bool warm_up)
{
	double mem[NR_VARIANTS][MAX_ROUNDS], reap[NR_VARIANTS][MAX_ROUNDS];
	double oom_mem[NR_VARIANTS][MAX_ROUNDS];
	double med_mem[NR_VARIANTS], med_reap[NR_VARIANTS], med_oom[NR_VARIANTS];
	int ok[NR_VARIANTS] = { 0 };
	long need = mb + trigger_mb(mb) + FIT_MARGIN_MB;
	long avail = meminfo_kb("MemAvailable:") / 1024;
	int r, i, ret;

	if (avail < need) {
		bench_fail(ERR_FIT, mb, avail, need);
		return;
	}
	/* Round -1 warms up and is not counted. */
	for (r = warm_up ? -1 : 0; r < rounds && r < MAX_ROUNDS; r++) {
		/* Each round starts with the other variant. */
		for (i = 0; i < NR_VARIANTS; i++) {
			enum variant v = (r + 1 + i) % NR_VARIANTS;
			struct figures f;

			ret = bench_rules(rules[v]);
			if (ret) {
				bench_fail("cannot write the rule for %s: %s", variant_names[v],
					   strerror(-ret));
				return;
			}
			if (!run_round(v, mb, &f) && r >= 0) {
				mem[v][ok[v]] = f.mem_ms;
				reap[v][ok[v]] = f.reap_ms;
				oom_mem[v][ok[v]++] = f.oom_mem_ms;
			}
		}
	}
	for (i = 0; i < NR_VARIANTS; i++) {
		med_mem[i] = median(mem[i], ok[i]);
		med_reap[i] = median(reap[i], ok[i]);
		med_oom[i] = median(oom_mem[i], ok[i]);
	}
	for (i = 0; i < NR_VARIANTS; i++) {
		char a[32], b[32], c[32], d[32], e[32], g[32];

		if (ok[i] < rounds)
			bench_fail("%ld MiB %s: only %d of %d rounds gave figures",
				   mb, variant_names[i], ok[i], rounds);
		printf("| %ld | %s | %d/%d | %s | %s | %s | %s | %s | %s |\n", mb,
		       variant_names[i], ok[i], rounds,
		       fmt_fig(a, sizeof(a), "%.1f", med_mem[i]),
		       fmt_fig(b, sizeof(b), "%.2f", ratio(med_mem[i], med_mem[V_KERNEL])),
		       fmt_fig(c, sizeof(c), "%.1f", med_reap[i]),
		       fmt_fig(d, sizeof(d), "%.2f", ratio(med_reap[i], med_reap[V_KERNEL])),
		       fmt_fig(e, sizeof(e), "%.1f", med_oom[i]),
		       fmt_fig(g, sizeof(g), "%.2f", ratio(med_oom[i], med_oom[V_KERNEL])));
	}
}

int main(int argc, char **argv)
{
	static const long sizes[] = { VICTIM_MB }, smoke_sizes[] = { SMOKE_VICTIM_MB };
	struct bench_opts o;
	int s, ret;

	if (bench_parse(argc, argv, &o, 10, sizes, 1, smoke_sizes, 1))
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (self_oom_score_adj(-1000) || bench_unload()) {
		bench_fail("cannot set up: oom_score_adj or module unload");
		return 1;
	}
	ret = setup();
	if (ret) {
		bench_fail("cannot create the cgroups: %s", strerror(-ret));
		return 1;
	}
	ret = trace_setup() ?: trace_add_kprobe("p:oom_start out_of_memory") ?:
	      trace_enable("kprobes/oom_start", true) ?: trace_enable("oom/mark_victim", true);
	if (ret) {
		bench_fail("cannot set up ftrace (out_of_memory kprobe, mark_victim): %s",
			   strerror(-ret));
		return 1;
	}
	ret = bench_load(NULL);
	if (ret) {
		bench_fail("cannot load the module: %s", strerror(-ret));
		return 1;
	}

	printf("### Quiet kill: OOM to memory freed, oomctl's quiet kill vs the kernel's kill\n\n");
	printf("Time 0: the round's mark_victim (ftrace, trace_clock mono), or the entry of ");
	printf("out_of_memory() (kprobe event) where said. A victim of MB MiB, ");
	printf("memory.max = its charge + max(MB/32, %d) MiB, a trigger of twice that; ",
	       MIN_HEADROOM_MB);
	printf("\"memory freed\" = memory.current below the trigger's charge + MB/10; ");
	printf("\"reaped\" = waitpid() returned the victim. Module loaded throughout, ");
	printf("rule policy=process with kill=kernel (a) or kill=quiet (b). ");
	printf("Medians of %d round(s), ms.\n\n", o.rounds);
	printf("| MB | variant | rounds ok | to memory freed, ms | ratio to (a) |");
	printf(" to reaped, ms | ratio to (a) |");
	printf(" out_of_memory() to memory freed, ms | ratio to (a) |\n");
	printf("|----|---------|-----------|---------------------|--------------|");
	printf("---------------|--------------|");
	printf("-------------------------------------|--------------|\n");
	for (s = 0; s < o.nsizes; s++)
		run_size(o.sizes[s], o.rounds, s == 0);
	printf("\n");

	ret = bench_unload();
	if (ret)
		bench_fail("cannot unload the module: %s", strerror(-ret));
	trace_enable("oom/mark_victim", false);
	trace_enable("kprobes/oom_start", false);
	cg_kill_remove(BENCH_CG);
	return bench_status();
}
