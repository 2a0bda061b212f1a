// SPDX-License-Identifier: GPL-2.0
/*
 * Victim-selection bias: which cgroup pays.  Two hogs in sibling cgroups,
 * A holding more than B, then a third allocation makes the parent OOM.
 * Without a rule A dies; a bias on A or B turns it round; -1000 means
 * last resort, not immune.  /proc/<pid>/oom_score shows the bias.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T "/" CG_TEST

struct hogs {
	pid_t a, b, trigger;
};

/* Does @cg hold at least @mb MiB? */
static bool holds(const char *cg, unsigned long mb)
{
	unsigned long cur;

	return !read_ulong(cg_path(cg, "memory.current"), &cur) && cur >> 20 >= mb;
}

/* Wait until @cg holds at least @mb MiB. */
static bool filled(const char *cg, unsigned long mb)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (holds(cg, mb))
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * A holds 16M, B 7M, then a trigger asks for 6M more under a 28M limit.
 * A bias of 500 is worth 14M here (half the limit): enough to turn A and
 * B round either way.
 */
static void two_hogs(struct __test_metadata *_metadata, struct hogs *h)
{
	ASSERT_EQ(0, cg_write("p", "memory.max", "28M"));
	h->a = spawn_hog("p/a", 16);
	ASSERT_TRUE(filled("p/a", 15));
	h->b = spawn_hog("p/b", 7);
	ASSERT_TRUE(filled("p/b", 6));
	h->trigger = spawn_hog("p/c", 6);
	ASSERT_LT(0, h->trigger);
}

/* The victim of the first decision in the event record, or -1. */
static pid_t first_victim(void)
{
	char events[4096], val[16];
	pid_t pid;

	if (oomctl_read("events", events, sizeof(events)) < 0 ||
	    strcmp(event_field(events, "seq", val, sizeof(val)), "1"))
		return -1;
	pid = atoi(event_field(events, "victim_pid", val, sizeof(val)));
	return pid > 0 ? pid : -1;
}

/*
 * The bias decides the first OOM kill: @dies must be its victim.  That
 * kill is normally all: the trigger gets its memory and everybody else
 * lives.  On a loaded host a second OOM kill can follow, though: the
 * kernel's exit_mmap() sets MMF_OOM_SKIP on the victim before its pages
 * are uncharged, and a charge retried in that window starts another OOM.
 * That is the kernel's race, not oomctl's decision, so who else lives is
 * asserted only when there was one kill.
 */
static void expect_victim(struct __test_metadata *_metadata, struct hogs *h,
			  bool a_dies)
{
	pid_t dies = a_dies ? h->a : h->b, lives = a_dies ? h->b : h->a;
	int i;

	EXPECT_EQ(SIGKILL, child_end(dies, 60000));
	EXPECT_EQ(dies, first_victim());
	/* The trigger is done (6M) or dead: no OOM can come after that. */
	for (i = 0; i < 3000 && !holds("p/c", 6) && child_alive(h->trigger); i++)
		usleep(10000);
	if (cg_event("p", "oom_kill") > 1) {
		TH_LOG("a second OOM kill (victim exit race): not asserting who else lives");
		return;
	}
	EXPECT_EQ(1, cg_event("p", "oom_kill"));
	EXPECT_TRUE(holds("p/c", 6));
	EXPECT_TRUE(child_alive(lives));
	EXPECT_TRUE(child_alive(h->trigger));
}

FIXTURE(bias) {
	struct hogs h;
};

/* The test cgroup, with p below it and p's children a, b and c. */
static void make_cgroups(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("p"));
	ASSERT_EQ(0, cg_write("p", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("p/a"));
	ASSERT_EQ(0, cg_create("p/b"));
	ASSERT_EQ(0, cg_create("p/c"));
}

FIXTURE_SETUP(bias)
{
	make_cgroups(_metadata);
	ASSERT_EQ(0, oomctl_load(NULL));
}

FIXTURE_TEARDOWN(bias)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

TEST_F(bias, larger_dies_without_rule)
{
	two_hogs(_metadata, &self->h);
	expect_victim(_metadata, &self->h, true);
	EXPECT_EQ(0, oomctl_stat("bias_applied"));
}

TEST_F(bias, negative_bias_protects_a)
{
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=-500"));
	two_hogs(_metadata, &self->h);
	expect_victim(_metadata, &self->h, false);
	EXPECT_LE(1, oomctl_stat("bias_applied"));
}

TEST_F(bias, positive_bias_prefers_b)
{
	ASSERT_EQ(0, oomctl_rule("p/b", "bias=500"));
	two_hogs(_metadata, &self->h);
	expect_victim(_metadata, &self->h, false);
}

/* The nearest rule's bias applies: a rule on a/ with bias 0 hides p/'s. */
TEST_F(bias, nearest_rule_bias_wins)
{
	ASSERT_EQ(0, oomctl_rule("p", "bias=-500"));
	ASSERT_EQ(0, oomctl_rule("p/b", "bias=0"));
	two_hogs(_metadata, &self->h);
	expect_victim(_metadata, &self->h, false);
}

TEST_F(bias, dry_run_applies_no_bias)
{
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=-1000"));
	ASSERT_EQ(0, oomctl_write("dry_run", "1"));
	two_hogs(_metadata, &self->h);
	expect_victim(_metadata, &self->h, true);
	EXPECT_EQ(0, oomctl_stat("bias_applied"));
}

/*
 * Last resort, not immune: A is biased by -1000 and the only other hog is
 * unkillable; a global OOM still kills A, and the VM lives on.
 */
TEST_F(bias, last_resort_still_dies)
{
	pid_t a, b;

	ASSERT_EQ(0, oomctl_rule("p/a", "bias=-1000"));
	b = spawn_hog("p/b", 16);
	ASSERT_LT(0, b);
	ASSERT_TRUE(filled("p/b", 15));
	ASSERT_EQ(0, set_oom_score_adj(b, -1000));
	a = spawn_hog("p/a", 0);
	ASSERT_LT(0, a);
	EXPECT_EQ(SIGKILL, child_end(a, 110000));
	EXPECT_TRUE(child_alive(b));
	EXPECT_LE(1, oomctl_stat("global_kills"));
	kill(b, SIGKILL);
}

static long proc_oom_score(pid_t pid)
{
	char path[64];
	unsigned long val;

	snprintf(path, sizeof(path), "/proc/%d/oom_score", pid);
	return read_ulong(path, &val) ? -1 : (long)val;
}

/*
 * What a bias adds to /proc/PID/oom_score: oom_badness() adds
 * bias * (totalpages / 1000) pages, as for oom_score_adj, and the file
 * shows (1000 + badness * 1000 / totalpages) * 2 / 3.  The truncated
 * totalpages / 1000 makes it a bit less than bias * 2 / 3: 2.2 % less
 * with 45999 pages, next to nothing with 45001.
 */
static long bias_points(long bias)
{
	long kb = sysconf(_SC_PAGESIZE) / 1024, pages;

	pages = (keyed_value("/proc/meminfo", "MemTotal:") +
		 keyed_value("/proc/meminfo", "SwapTotal:")) / kb;
	return bias * (pages / 1000) * 1000 / pages * 2 / 3;
}

/* The score once the hog has stopped growing. */
static long stable_oom_score(pid_t pid)
{
	long score = proc_oom_score(pid), prev;
	int i;

	for (i = 0; i < 50; i++) {
		usleep(100000);
		prev = score;
		score = proc_oom_score(pid);
		if (score == prev)
			break;
	}
	return score;
}

/* A hog of @mb MiB in p/a with its memory in place, and its score. */
static void scored_hog(struct __test_metadata *_metadata, unsigned long mb,
		       pid_t *a, long *base)
{
	*a = spawn_hog("p/a", mb);
	ASSERT_LT(0, *a);
	ASSERT_TRUE(filled("p/a", mb - 1));
	*base = stable_oom_score(*a);
	ASSERT_LE(0, *base);
}

TEST_F(bias, oom_score_shows_bias)
{
	long base, biased, lowest;
	pid_t a;

	scored_hog(_metadata, 16, &a, &base);

	/*
	 * A bias counts like oom_score_adj: +500 is about +333 on the proc
	 * scale (see bias_points()); the hog's own pages
	 * move the score by a few points too.
	 */
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=500"));
	biased = proc_oom_score(a);
	EXPECT_LE(base + bias_points(500) - 7, biased);
	EXPECT_GE(base + bias_points(500) + 7, biased);
	EXPECT_LE(1, oomctl_stat("bias_applied"));

	/* totalpages / 1000 is truncated, as for oom_score_adj: a bit less. */
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=-1000"));
	lowest = proc_oom_score(a);
	EXPECT_LE(base + bias_points(-1000) - 10, lowest);
	EXPECT_GE(base + bias_points(-1000) + 10, lowest);

	/*
	 * oom_score_adj and bias add up to -1000 at most, as oom_score_adj
	 * alone does: -500 more changes nothing, and the score stays above 0.
	 */
	ASSERT_EQ(0, set_oom_score_adj(a, -500));
	EXPECT_EQ(lowest, proc_oom_score(a));
	ASSERT_EQ(0, set_oom_score_adj(a, 0));

	/* Deleting the rule brings the score back. */
	ASSERT_EQ(0, oomctl_write("rules", "-" T "/p/a"));
	EXPECT_LE(base - 4, proc_oom_score(a));
	EXPECT_GE(base + 4, proc_oom_score(a));
	kill(a, SIGKILL);
}

/*
 * oom_score_adj plus bias is held in -1000..1000, the range of
 * oom_score_adj: /proc/<pid>/oom_score stays in 0..2000, which userspace
 * relies on.  A 32M hog, so that its own share of memory would take a
 * sum past 1000 above 2000.
 */
TEST_F(bias, oom_score_stays_in_range)
{
	long base, small, top, bottom;
	pid_t a;

	scored_hog(_metadata, 32, &a, &base);

	/* Far from the limits a bias moves the score as ever: 30 is +20. */
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=30"));
	small = proc_oom_score(a);
	EXPECT_LE(base + 17, small);
	EXPECT_GE(base + 21, small);

	/* oom_score_adj 1000 alone, then under bias=1000: no higher. */
	ASSERT_EQ(0, oomctl_write("rules", "-" T "/p/a"));
	ASSERT_EQ(0, set_oom_score_adj(a, 1000));
	top = proc_oom_score(a);
	EXPECT_GE(2000, top);
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=1000"));
	EXPECT_GE(2000, proc_oom_score(a));
	EXPECT_EQ(top, proc_oom_score(a));
	/* 500 and 1000 make 1000 too. */
	ASSERT_EQ(0, set_oom_score_adj(a, 500));
	EXPECT_EQ(top, proc_oom_score(a));

	/* oom_score_adj -999 under bias=-1000 is at -1000, as 0 is: not below 0. */
	ASSERT_EQ(0, set_oom_score_adj(a, 0));
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=-1000"));
	bottom = proc_oom_score(a);
	ASSERT_EQ(0, set_oom_score_adj(a, -999));
	EXPECT_LE(0, proc_oom_score(a));
	EXPECT_EQ(bottom, proc_oom_score(a));
	kill(a, SIGKILL);
}

/*
 * oom_badness()'s line in tracefs' enabled_functions, into @line ("" if
 * it has none): each hook on its ftrace call site shows there by its
 * handler (badness_redirect, fprobe_handler, or kprobe_ftrace_handler for
 * the kretprobe).  -1 if the list cannot be read.
 */
static int badness_line(char *line, size_t size)
{
	static char list[65536];
	const char *p;

	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (read_text("/sys/kernel/tracing/enabled_functions", list, sizeof(list)) < 0)
		return -1;
	p = strncmp(list, "oom_badness ", 12) ? strstr(list, "\noom_badness ") : list;
	if (p && *p == '\n')
		p++;
	snprintf(line, size, "%.*s", p ? (int)strcspn(p, "\n") : 0, p ? p : "");
	return 0;
}

/*
 * Is oom_badness() hooked at all?  In enabled_functions, or, for a
 * kretprobe that is not on ftrace, in debugfs' kprobes/list.
 */
static int badness_probed(void)
{
	char list[65536], line[512];

	mkdir("/sys/kernel/debug", 0755);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (read_text("/sys/kernel/debug/kprobes/list", list, sizeof(list)) < 0 ||
	    badness_line(line, sizeof(line)))
		return -1;
	return line[0] || strstr(list, " oom_badness+0x");
}

/* oom_badness() runs for every task an OOM scans: probed only for a bias. */
TEST_F(bias, probe_only_while_a_rule_has_bias)
{
	int i, probed = 1;

	ASSERT_LE(0, badness_probed()) TH_LOG("no kprobes/list or enabled_functions");
	EXPECT_EQ(0, badness_probed());
	ASSERT_EQ(0, oomctl_rule("p/a", "policy=group"));
	EXPECT_EQ(0, badness_probed());
	ASSERT_EQ(0, oomctl_rule("p/b", "bias=10"));
	EXPECT_EQ(1, badness_probed());
	/* Detached a second or two after the last biased rule went. */
	ASSERT_EQ(0, oomctl_write("rules", "-" T "/p/b"));
	for (i = 0; i < 50 && probed == 1; i++) {
		usleep(100000);
		probed = badness_probed();
	}
	EXPECT_EQ(0, probed);
	/* A bias on a cgroup that does not exist yet is no reason either. */
	ASSERT_EQ(0, oomctl_rule("p/none", "bias=10"));
	EXPECT_EQ(0, badness_probed());
}

/*
 * While the probe is attached for a rule elsewhere, a task no biased rule
 * covers keeps the kernel's score: the probe's entry finds no bias and
 * leaves the return alone.  A bias on its parent then reaches it.
 */
TEST_F(bias, unbiased_task_keeps_its_score)
{
	long base;
	pid_t a;

	scored_hog(_metadata, 16, &a, &base);

	ASSERT_EQ(0, oomctl_rule("p/b", "bias=1000"));
	ASSERT_EQ(0, oomctl_rule("p/a", "policy=group"));
	EXPECT_EQ(1, badness_probed());
	EXPECT_LE(base - 4, proc_oom_score(a));
	EXPECT_GE(base + 4, proc_oom_score(a));
	EXPECT_EQ(0, oomctl_stat("bias_applied"));

	/* The nearest rule (on p/a, no bias) still wins over one on p. */
	ASSERT_EQ(0, oomctl_rule("p", "bias=-500"));
	EXPECT_LE(base - 4, proc_oom_score(a));
	EXPECT_GE(base + 4, proc_oom_score(a));
	ASSERT_EQ(0, oomctl_write("rules", "-" T "/p/a"));
	EXPECT_LE(base + bias_points(-500) - 7, proc_oom_score(a));
	EXPECT_GE(base + bias_points(-500) + 7, proc_oom_score(a));
	EXPECT_LE(1, oomctl_stat("bias_applied"));
	kill(a, SIGKILL);
}

/* Is @pid's score what @bias makes of @base (+-7)? */
static bool score_biased(pid_t pid, long base, long bias)
{
	long score = proc_oom_score(pid), want = base + bias_points(bias);

	return score >= want - 7 && score <= want + 7;
}

/* Move @pid to @cg. */
static int move_to(const char *cg, pid_t pid)
{
	char text[16];

	snprintf(text, sizeof(text), "%d", pid);
	return cg_write(cg, "cgroup.procs", text);
}

/* Wait until the rules file shows @line (bound or unbound by the worker). */
static bool rule_shows(const char *line)
{
	char buf[4096];
	int i;

	for (i = 0; i < 40; i++) {
		if (oomctl_read("rules", buf, sizeof(buf)) >= 0 && strstr(buf, line))
			return true;
		usleep(100000);
	}
	return false;
}

/*
 * Each CPU caches the bias of the cgroups it scored, keyed by cgroup id
 * and the rule table's generation (rules.c).  With every read on one CPU,
 * a second read of a score is the cache's answer: it must follow a task
 * moved to another cgroup (same table), a rule added above or changed, a
 * cgroup created under a biased one (same table), and a cgroup removed
 * and created again under its rule's path (a new id).
 */
TEST_F(bias, cached_bias_follows_changes)
{
	cpu_set_t cpu0;
	long base;
	pid_t a;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu0), &cpu0));
	scored_hog(_metadata, 16, &a, &base);

	ASSERT_EQ(0, oomctl_rule("p/a", "bias=500"));
	EXPECT_TRUE(score_biased(a, base, 500));
	EXPECT_TRUE(score_biased(a, base, 500));
	/* Another cgroup, the same table: p/b has no rule. */
	ASSERT_EQ(0, move_to("p/b", a));
	EXPECT_TRUE(score_biased(a, base, 0));
	EXPECT_TRUE(score_biased(a, base, 0));
	/* A rule added above p/b, then changed. */
	ASSERT_EQ(0, oomctl_rule("p", "bias=-500"));
	EXPECT_TRUE(score_biased(a, base, -500));
	ASSERT_EQ(0, oomctl_rule("p", "bias=250"));
	EXPECT_TRUE(score_biased(a, base, 250));
	EXPECT_TRUE(score_biased(a, base, 250));
	ASSERT_EQ(0, oomctl_rule("p", "bias=-500"));
	EXPECT_TRUE(score_biased(a, base, -500));
	/* A cgroup created now (no rule names it: the same table) inherits. */
	ASSERT_EQ(0, cg_create("p/e"));
	ASSERT_EQ(0, move_to("p/e", a));
	EXPECT_TRUE(score_biased(a, base, -500));
	/* The rule on p/a still holds for p/a. */
	ASSERT_EQ(0, move_to("p/a", a));
	EXPECT_TRUE(score_biased(a, base, 500));

	/* A rule whose cgroup is removed and made again: bound to the new one. */
	ASSERT_EQ(0, oomctl_rule("p/d", "bias=250"));
	ASSERT_EQ(0, cg_create("p/d"));
	ASSERT_TRUE(rule_shows(T "/p/d policy=kernel bias=250 # active"));
	ASSERT_EQ(0, move_to("p/d", a));
	EXPECT_TRUE(score_biased(a, base, 250));
	ASSERT_EQ(0, move_to("p/b", a));
	EXPECT_TRUE(score_biased(a, base, -500));
	ASSERT_EQ(0, rmdir(cg_path("p/d", NULL)));
	ASSERT_TRUE(rule_shows(T "/p/d policy=kernel bias=250 # inactive"));
	ASSERT_EQ(0, cg_create("p/d"));
	ASSERT_TRUE(rule_shows(T "/p/d policy=kernel bias=250 # active"));
	ASSERT_EQ(0, move_to("p/d", a));
	EXPECT_TRUE(score_biased(a, base, 250));
	EXPECT_TRUE(score_biased(a, base, 250));
	kill(a, SIGKILL);
}

/*
 * Each hook oom_badness() can get, forced with bias_hook=: the same bias
 * reaches /proc/<pid>/oom_score and turns the same OOM round.  "auto", in
 * every test above, takes the cheapest; the others are what a kernel
 * without it, or a CPU with IBT (no redirect there), gets.  A hook this
 * build lacks is refused at load with EINVAL: 6.1, 7.x and the debug
 * kernel have no fprobe with pt_regs.  Each hook shows in tracefs'
 * enabled_functions by its handler.
 */
FIXTURE(hook) {
	struct hogs h;
};

FIXTURE_VARIANT(hook) {
	const char *name;
	const char *handler;
};

FIXTURE_VARIANT_ADD(hook, ftrace) {
	.name = "ftrace",
	.handler = "badness_redirect",
};

FIXTURE_VARIANT_ADD(hook, fprobe) {
	.name = "fprobe",
	.handler = "fprobe_handler",
};

FIXTURE_VARIANT_ADD(hook, kretprobe) {
	.name = "kretprobe",
	.handler = "kprobe_ftrace_handler",
};

/* With IBT enabled the redirect cannot attach: nothing to test there. */
static bool cpu_has_ibt(void)
{
	static char info[1 << 16];

	return read_text("/proc/cpuinfo", info, sizeof(info)) > 0 &&
	       strstr(info, " ibt");
}

FIXTURE_SETUP(hook)
{
	make_cgroups(_metadata);
}

FIXTURE_TEARDOWN(hook)
{
	EXPECT_EQ(0, cg_cleanup());
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
}

/* Is oom_badness() hooked by @handler? */
static bool hooked_by(const char *handler)
{
	char line[512];

	return !badness_line(line, sizeof(line)) && strstr(line, handler);
}

TEST_F(hook, bias_applied_by_each_hook)
{
	char params[64], val[32];
	long base;
	int ret;
	pid_t a;

	/* Here, not in the setup: this harness runs the test after its SKIP. */
	if (!strcmp(variant->name, "ftrace") && cpu_has_ibt())
		SKIP(return, "IBT is enabled: no redirect");
	snprintf(params, sizeof(params), "bias_hook=%s", variant->name);
	ret = oomctl_load(params);
	if (ret == -EINVAL && strcmp(variant->name, "kretprobe"))
		SKIP(return, "this build has no %s hook", variant->name);
	ASSERT_EQ(0, ret);
	ASSERT_LT(0, read_text("/sys/module/oomctl/parameters/bias_hook", val, sizeof(val)));
	ASSERT_STREQ(variant->name, strtok(val, "\n"));

	scored_hog(_metadata, 16, &a, &base);
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=500"));
	EXPECT_TRUE(hooked_by(variant->handler));
	EXPECT_TRUE(score_biased(a, base, 500));
	kill(a, SIGKILL);
	EXPECT_EQ(SIGKILL, child_end(a, 10000));

	/* A and B as in negative_bias_protects_a: B dies. */
	ASSERT_EQ(0, oomctl_rule("p/a", "bias=-500"));
	two_hogs(_metadata, &self->h);
	expect_victim(_metadata, &self->h, false);
	EXPECT_LE(1, oomctl_stat("bias_applied"));
	EXPECT_EQ(0, oomctl_stat("hooks_missed"));
}

/* A name that is no hook is refused, and nothing is loaded. */
TEST(bias_hook_unknown_refused)
{
	ASSERT_FALSE(oomctl_loaded());
	EXPECT_EQ(-EINVAL, oomctl_load("bias_hook=kprobe"));
	EXPECT_EQ(-EINVAL, oomctl_load("bias_hook="));
	EXPECT_FALSE(oomctl_loaded());
}

TEST_HARNESS_MAIN
