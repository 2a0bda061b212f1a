// SPDX-License-Identifier: GPL-2.0
/*
 * bench_groupkill: how long a whole cgroup takes to die after an OOM
 * decision, for four ways of killing it.
 *
 *   bench_groupkill [--smoke] [--rounds R] [--sizes N1,N2,...]
 *
 * A cgroup holds N sleepers (each touches TOUCH_KB of anonymous memory)
 * and a hog that allocates until the cgroup's memory.max (the sleepers'
 * charge plus HOG_MB) is hit.  The OOM killer picks the hog; the whole
 * cgroup should then die.  The variants:
 *
 *   (a) kernel     memory.oom.group=1, module not loaded
 *   (b) group      module loaded, rule "<cg> policy=group",
 *                  memory.oom.group=0: the kernel's group kill, chosen
 *                  through oomctl's kretprobe
 *   (c) fallback   the same rule on a leaf without a memory controller of
 *                  its own (its parent has memory.max and does not enable
 *                  +memory below): oomctl's fallback killer (kill.c);
 *                  the events file must say mechanism=fallback
 *   (d) userspace  module not loaded, memory.oom.group=0, a daemon
 *                  poll()s memory.events (POLLPRI) and writes 1 to
 *                  cgroup.kill when oom_kill rises, as oomd-style
 *                  daemons do
 *
 * Time zero is the first mark_victim event of the round in the ftrace
 * buffer (trace_clock mono, the CLOCK_MONOTONIC this program reads).  Two
 * figures: until cgroup.events says "populated 0" (cgroup.procs empty),
 * and until memory.current is below a tenth of memory.max (after
 * memory.events counted the OOM kill).  Each round runs the four variants
 * in turn, each round starting with the next one, so that drift and
 * order effects hit them alike; a first round warms up and is not
 * counted, and so is a small round (WARMUP_N sleepers) after each module
 * load or unload: under TCG, the code patching of a load or unload
 * makes the next OOM markedly slower.  Medians over the rounds are printed with
 * the ratio of each variant to (a).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define TOUCH_KB	256
#define HOG_MB		32
#define SMOKE_HOG_MB	16
#define ROUND_TIMEOUT_NS	(60LL * 1000000000)
#define POLL_US		200
/* Sleepers in the uncounted round after each module load or unload. */
#define WARMUP_N	10

#define CG_GROUP	BENCH_CG "/gk"		/* (a), (b), (d) */
#define CG_PARENT	BENCH_CG "/gkp"		/* (c): memory.max, no +memory below */
#define CG_LEAF		CG_PARENT "/leaf"	/* (c): the tasks */
#define RULES		"/oomctl-bench/gk policy=group\n" \
			"/oomctl-bench/gkp/leaf policy=group\n"

/* run_round()'s error messages, too long to fit next to their arguments. */
#define ERR_NOT_DEAD	"%s, N=%ld: the cgroup did not die within %llds (populated=%d, memory.current=%ld)"
#define ERR_MECHANISM	"%s, N=%ld: events file says mechanism=%s, not %s: figure invalid"

enum variant { V_KERNEL, V_GROUP, V_FALLBACK, V_USER, NR_VARIANTS };

static const char * const variant_names[NR_VARIANTS] = {
	[V_KERNEL] = "(a) kernel memory.oom.group",
	[V_GROUP] = "(b) oomctl policy=group",
	[V_FALLBACK] = "(c) oomctl fallback killer",
	[V_USER] = "(d) userspace cgroup.kill daemon",
};

/*
 * Run order within a round: unloaded variants, then loaded ones.  The
 * environment variable BENCH_GK_ORDER (a permutation of "adbc") changes
 * it, to look for order effects.
 */
static enum variant order[NR_VARIANTS] = { V_KERNEL, V_USER, V_GROUP, V_FALLBACK };

static int set_order(const char *s)
{
	int i;

	if (!s)
		return 0;
	if (strlen(s) != NR_VARIANTS)
		return -1;
	for (i = 0; i < NR_VARIANTS; i++) {
		if (s[i] < 'a' || s[i] > 'd' || strchr(s + i + 1, s[i]))
			return -1;
		order[i] = s[i] == 'a' ? V_KERNEL : s[i] == 'b' ? V_GROUP :
			   s[i] == 'c' ? V_FALLBACK : V_USER;
	}
	return 0;
}

static int hog_mb = HOG_MB;

static void sleeper(int ready_fd)
{
	char c = 1;

	if (self_oom_score_adj(0))
		_exit(111);
	bench_touch(TOUCH_KB * 1024UL);
	if (write(ready_fd, &c, 1) != 1)
		_exit(112);
	for (;;)
		pause();
}

static void hog(void)
{
	if (self_oom_score_adj(0))
		_exit(111);
	for (;;)
		bench_touch(1 << 20);
}

/* (d): wait for oom_kill to rise in @cg's memory.events, then kill @cg. */
static void daemon_main(const char *cg, int ready_fd)
{
	char path[512], buf[1024], c = 1;
	long base, now;
	int fd;

	snprintf(path, sizeof(path), "%s/memory.events", cg);
	base = keyed_value(path, "oom_kill");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || base < 0 || read(fd, buf, sizeof(buf)) < 0)
		_exit(111);
	if (write(ready_fd, &c, 1) != 1)
		_exit(112);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLPRI };

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			_exit(113);
		now = keyed_value(path, "oom_kill");
		if (now > base) {
			cg_set(cg, "cgroup.kill", "1");
			_exit(0);
		}
		lseek(fd, 0, SEEK_SET);
		if (read(fd, buf, sizeof(buf)) < 0)
			_exit(114);
	}
}

static int read_bytes(int fd, long n)
{
	char buf[256];
	ssize_t r;

	while (n > 0) {
		r = read(fd, buf, n < (long)sizeof(buf) ? n : (long)sizeof(buf));
		if (r <= 0)
			return -1;
		n -= r;
	}
	return 0;
}

/* The mechanism= of the newest line of the events file, into @mech. */
static int last_mechanism(char *mech, size_t size)
{
	static char buf[1 << 20];
	char *line, *m;

	if (oomctl_read("events", buf, sizeof(buf)) <= 0)
		return -1;
	line = buf + strlen(buf);
	if (line > buf && line[-1] == '\n')
		*--line = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	m = strstr(line, " mechanism=");
	if (!m)
		return -1;
	snprintf(mech, size, "%.*s", (int)strcspn(m + 11, "\n "), m + 11);
	return 0;
}

struct figures {
	double empty_ms, mem_ms;
};

/* One round of one variant with @n sleepers; 0 and @f filled, or -1. */
static int run_round(enum variant v, long n, struct figures *f)
{
	const char *task_cg = v == V_FALLBACK ? CG_LEAF : CG_GROUP;
	const char *mem_cg = v == V_FALLBACK ? CG_PARENT : CG_GROUP;
	long long t0, t, t_dec, t_empty = 0, t_mem = 0;
	long i, cur, max, kills, victim = -1;
	char events[512];
	pid_t hog_pid, daemon = 0;
	int pipefd[2], cg_fd, ret = -1;
	bool armed = false;
	char val[32], mech[32] = "?";

	if (v != V_FALLBACK && cg_set(CG_GROUP, "memory.oom.group", v == V_KERNEL ? "1" : "0"))
		return bench_fail("%s: cannot set memory.oom.group", variant_names[v]), -1;
	if (cg_set(mem_cg, "memory.max", "max"))
		return bench_fail("cannot reset memory.max"), -1;
	cg_fd = open(task_cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0 || pipe(pipefd))
		return bench_fail("cannot open %s", task_cg), -1;

	if (v == V_USER) {
		daemon = fork();
		if (!daemon)
			daemon_main(CG_GROUP, pipefd[1]);
		if (daemon < 0 || read_bytes(pipefd[0], 1)) {
			bench_fail("the userspace killer did not start");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		pid_t pid = fork_into(cg_fd);

		if (pid == 0)
			sleeper(pipefd[1]);
		if (pid < 0) {
			bench_fail("clone3 into %s: %s", task_cg, strerror(-pid));
			goto out;
		}
	}
	if (read_bytes(pipefd[0], n)) {
		bench_fail("sleepers did not start");
		goto out;
	}
	cur = cg_get(mem_cg, "memory.current");
	max = cur + hog_mb * 1048576L;
	snprintf(val, sizeof(val), "%ld", max);
	if (cg_set(mem_cg, "memory.max", val)) {
		bench_fail("cannot set memory.max");
		goto out;
	}

	snprintf(events, sizeof(events), "%s/memory.events", mem_cg);
	kills = keyed_value(events, "oom_kill");
	trace_clear();
	t0 = now_ns();
	hog_pid = fork_into(cg_fd);
	if (hog_pid == 0)
		hog();
	if (hog_pid < 0) {
		bench_fail("cannot start the hog");
		goto out;
	}
	for (;;) {
		t = now_ns();
		if (!t_empty && !cg_populated(task_cg))
			t_empty = t;
		cur = cg_get(mem_cg, "memory.current");
		/* Below the threshold counts once the OOM kill happened. */
		if (!armed && keyed_value(events, "oom_kill") > kills)
			armed = true;
		if (!t_mem && armed && cur >= 0 && cur < max / 10)
			t_mem = t;
		if (t_empty && t_mem)
			break;
		if (t - t0 > ROUND_TIMEOUT_NS) {
			bench_fail(ERR_NOT_DEAD, variant_names[v], n, ROUND_TIMEOUT_NS / 1000000000,
				   cg_populated(task_cg), cur);
			goto out;
		}
		sleep_us(POLL_US);
	}
	t_dec = trace_first("mark_victim", t0, &victim);
	if (!t_dec) {
		bench_fail("%s, N=%ld: no mark_victim event in the trace", variant_names[v], n);
		goto out;
	}
	if (victim != hog_pid) {
		bench_fail("%s, N=%ld: the OOM victim was %ld, not the hog %d",
			   variant_names[v], n, victim, hog_pid);
		goto out;
	}
	if (v == V_GROUP || v == V_FALLBACK) {
		const char *want = v == V_GROUP ? "kernel" : "fallback";

		if (last_mechanism(mech, sizeof(mech)) || strcmp(mech, want)) {
			bench_fail(ERR_MECHANISM, variant_names[v], n, mech, want);
			goto out;
		}
	}
	f->empty_ms = (t_empty - t_dec) / 1e6;
	f->mem_ms = (t_mem - t_dec) / 1e6;
	ret = 0;
out:
	if (daemon > 0)
		kill(daemon, SIGKILL);
	cg_set(task_cg, "cgroup.kill", "1");
	for (i = 0; i < 3000 && cg_populated(task_cg); i++)
		sleep_us(10000);
	close(cg_fd);
	close(pipefd[0]);
	close(pipefd[1]);
	return ret;
}

static int setup(void)
{
	int ret;

	cg_kill_remove(BENCH_CG);
	ret = cg_mkdir(BENCH_CG) ?: cg_set(BENCH_CG, "cgroup.subtree_control", "+memory +pids") ?:
	      cg_mkdir(CG_GROUP) ?: cg_mkdir(CG_PARENT) ?: cg_mkdir(CG_LEAF);
	if (ret)
		return ret;
	/* The fallback case: the leaf has no memory controller. */
	if (access(CG_LEAF "/memory.current", F_OK) == 0)
		return -EINVAL;
	return 0;
}

/*
 * Load the module with the rules, or unload it, if not done yet: 1 if
 * the state changed, 0 if not, -errno.
 */
static int set_module(bool load, bool *loaded)
{
	int ret;

	if (load == *loaded)
		return 0;
	ret = load ? bench_load(NULL) ?: bench_rules(RULES) : bench_unload();
	if (ret) {
		bench_fail("cannot %s the module: %s", load ? "load" : "unload", strerror(-ret));
		return ret;
	}
	*loaded = load;
	return 1;
}

static double ratio(double v, double base)
{
	return v / base;
}

int main(int argc, char **argv)
{
	static const long sizes[] = { 10, 100, 1000 }, smoke_sizes[] = { 10 };
	struct bench_opts o;
	bool loaded = false;
	int s, r, i, ret;

	if (bench_parse(argc, argv, &o, 10, sizes, 3, smoke_sizes, 1) ||
	    set_order(getenv("BENCH_GK_ORDER")))
		return 2;
	if (o.smoke)
		hog_mb = SMOKE_HOG_MB;
	signal(SIGCHLD, SIG_IGN);	/* children are reaped as they die */
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
	ret = trace_setup() ?: trace_enable("oom/mark_victim", true);
	if (ret) {
		bench_fail("cannot set up ftrace (mark_victim): %s", strerror(-ret));
		return 1;
	}

	printf("### Group kill: OOM decision to cgroup empty\n\n");
	printf("Time 0: the first mark_victim (ftrace, trace_clock mono). ");
	printf("Sleepers touch %d KiB each; ", TOUCH_KB);
	printf("memory.max = their charge + %d MiB for the hog; ", hog_mb);
	printf("\"memory\" = memory.current below a tenth of memory.max. ");
	printf("Medians of %d round(s), ms.\n\n", o.rounds);
	printf("| N | variant | rounds ok | to procs empty, ms | ratio to (a) |");
	printf(" to memory freed, ms | ratio to (a) |\n");
	printf("|---|---------|-----------|--------------------|--------------|");
	printf("---------------------|--------------|\n");

	for (s = 0; s < o.nsizes; s++) {
		long n = o.sizes[s];
		double empty[NR_VARIANTS][64], mem[NR_VARIANTS][64];
		double med_empty[NR_VARIANTS], med_mem[NR_VARIANTS];
		int ok[NR_VARIANTS] = { 0 };

		/* Round -1, at the first size only, warms up and is not counted. */
		for (r = s ? 0 : -1; r < o.rounds && r < 64; r++) {
			/* Each round starts with another variant. */
			for (i = 0; i < NR_VARIANTS; i++) {
				enum variant v = order[(r + 1 + i) % NR_VARIANTS];
				struct figures f = { NO_FIGURE, NO_FIGURE };

				ret = set_module(v == V_GROUP || v == V_FALLBACK, &loaded);
				if (ret < 0)
					return 1;
				/* A load or unload slows what runs next: warm up. */
				if (ret > 0)
					run_round(v, WARMUP_N, &f);
				if (!run_round(v, n, &f) && r >= 0) {
					empty[v][ok[v]] = f.empty_ms;
					mem[v][ok[v]++] = f.mem_ms;
				}
			}
		}
		if (set_module(false, &loaded))
			return 1;
		for (i = 0; i < NR_VARIANTS; i++) {
			med_empty[i] = median(empty[i], ok[i]);
			med_mem[i] = median(mem[i], ok[i]);
		}
		for (i = 0; i < NR_VARIANTS; i++) {
			char a[32], b[32], c[32], d[32];

			if (ok[i] < o.rounds)
				bench_fail("N=%ld %s: only %d of %d rounds gave figures",
					   n, variant_names[i], ok[i], o.rounds);
			printf("| %ld | %s | %d/%d | %s | %s | %s | %s |\n", n, variant_names[i],
			       ok[i], o.rounds,
			       fmt_fig(a, sizeof(a), "%.2f", med_empty[i]),
			       fmt_fig(b, sizeof(b), "%.2f",
				       ratio(med_empty[i], med_empty[V_KERNEL])),
			       fmt_fig(c, sizeof(c), "%.2f", med_mem[i]),
			       fmt_fig(d, sizeof(d), "%.2f", ratio(med_mem[i], med_mem[V_KERNEL])));
		}
	}
	printf("\n");
	trace_enable("oom/mark_victim", false);
	cg_kill_remove(BENCH_CG);
	return bench_status();
}
