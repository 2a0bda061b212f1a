// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl under load: an OOM storm with group, subtree and quiet process
 * kills whose counters must add up exactly; the module unloaded and
 * loaded again while OOMs keep coming, quiet kills among them; cgroups
 * with rules created and removed while OOMs happen; writers and readers
 * on the rules and switches while OOMs run.  vm-run fails the run on any
 * kernel splat these leave behind.
 *
 * Sizes scale with OOMCTL_SIZE_PCT (see oomctl_util.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T "/" CG_TEST

/* One memcg OOM: a sleeper in @sleeper_cg, a hog in @hog_cg.  Sleeper killed? */
static bool oom_round(const char *hog_cg, const char *sleeper_cg)
{
	pid_t hog, sleeper;
	bool killed;

	sleeper = spawn_sleeper(sleeper_cg, 0);
	hog = spawn_hog(hog_cg, 0);
	if (sleeper <= 0 || hog <= 0 || child_end(hog, 60000) != SIGKILL) {
		kill(sleeper, SIGKILL);
		child_end(sleeper, -1);
		return false;
	}
	killed = child_killed(sleeper);
	if (!killed) {
		kill(sleeper, SIGKILL);
		child_end(sleeper, -1);
	}
	return killed;
}

/* One memcg OOM under a process rule: the hog dies quietly, the sleeper lives. */
static bool quiet_round(const char *cg)
{
	pid_t hog, sleeper;
	bool ok;

	sleeper = spawn_sleeper(cg, 0);
	hog = spawn_hog(cg, 0);
	ok = sleeper > 0 && hog > 0 && child_end(hog, 60000) == SIGKILL &&
	     child_alive(sleeper);
	kill(hog, SIGKILL);
	child_end(hog, -1);
	kill(sleeper, SIGKILL);
	child_end(sleeper, -1);
	return ok;
}

FIXTURE(stress) {
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
}

FIXTURE_TEARDOWN(stress)
{
	EXPECT_EQ(0, cg_cleanup());
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
}

TEST_F_TIMEOUT(stress, oom_storm, 3600)
{
	long rounds = scaled(200), globals = scaled(200) / 100 + 1;
	long i, group = 0, subtree = 0, quiet = 0, killed = 0, lived = 0;
	pid_t sentinel;

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_create("a"));
	ASSERT_EQ(0, cg_write("a", "memory.max", "16M"));
	ASSERT_EQ(0, cg_create("b"));
	ASSERT_EQ(0, cg_write("b", "memory.max", "16M"));
	ASSERT_EQ(0, cg_write("b", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("b/x"));
	ASSERT_EQ(0, cg_create("b/y"));
	ASSERT_EQ(0, cg_create("g"));
	ASSERT_EQ(0, cg_write("g", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("g/h"));
	ASSERT_EQ(0, cg_create("g/k"));
	ASSERT_EQ(0, cg_create("q"));
	ASSERT_EQ(0, cg_write("q", "memory.max", "16M"));
	ASSERT_EQ(0, cg_create("s"));
	ASSERT_EQ(0, oomctl_rule("q", "policy=process"));
	ASSERT_EQ(0, oomctl_rule("a", "policy=group"));
	ASSERT_EQ(0, oomctl_rule("b", "policy=subtree"));
	ASSERT_EQ(0, oomctl_rule("g", "policy=subtree"));
	sentinel = spawn_sleeper("s", 0);
	ASSERT_LT(0, sentinel);

	/* group, subtree and quiet process kills, in turn. */
	for (i = 0; i < rounds; i++) {
		if (i % 3 == 1) {
			killed += oom_round("b/x", "b/y");
			subtree++;
		} else if (i % 3 == 2) {
			lived += quiet_round("q");
			quiet++;
		} else {
			killed += oom_round("a", "a");
			group++;
		}
	}
	for (i = 0; i < globals; i++)
		killed += oom_round("g/h", "g/k");

	TH_LOG("%ld memcg and %ld global OOMs", rounds, globals);
	EXPECT_EQ(group + subtree + globals, killed);
	EXPECT_EQ(quiet, lived);
	EXPECT_TRUE(child_alive(sentinel));
	EXPECT_EQ(rounds, oomctl_stat("memcg_kills"));
	EXPECT_EQ(group, oomctl_stat("decisions_group"));
	EXPECT_EQ(quiet, oomctl_stat("decisions_process"));
	EXPECT_EQ(quiet, oomctl_stat("quiet_kills"));
	EXPECT_EQ(0, oomctl_stat("quiet_declined"));
	EXPECT_EQ(0, cg_event("q", "oom_kill"));
	EXPECT_EQ(group, cg_event("a", "oom_group_kill"));
	EXPECT_EQ(subtree, cg_event("b", "oom_group_kill"));
	/* A global OOM may need more than one kill: at least one each. */
	EXPECT_LE(globals, oomctl_stat("global_kills"));
	EXPECT_LE(subtree + globals, oomctl_stat("decisions_subtree"));
	EXPECT_EQ(oomctl_stat("memcg_kills") + oomctl_stat("global_kills") +
		  oomctl_stat("sysrq_kills"),
		  oomctl_stat("decisions_kernel") + oomctl_stat("decisions_process") +
		  oomctl_stat("decisions_group") + oomctl_stat("decisions_subtree"));
	EXPECT_EQ(oomctl_stat("victims") + oomctl_stat("fallback_tasks"),
		  oomctl_stat("tasks_killed"));
	/* Every kill is in an event's count or in victims_undecided. */
	if (!oomctl_stat("events_dropped"))
		EXPECT_EQ(oomctl_stat("tasks_killed"),
			  events_sum("tasks_killed") + oomctl_stat("victims_undecided"));
	EXPECT_LE(2 * (group + subtree + globals) + quiet, oomctl_stat("victims"));
	kill(sentinel, SIGKILL);
}

/* OOMs in "f" (limited to 16M), one after another, until SIGTERM. */
static int firehose(void *arg)
{
	sigset_t term, pending;
	int rounds = 0;

	/* SIGTERM stays pending: the loop ends after a whole round. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	set_oom_score_adj(getpid(), -1000);
	while (!sigpending(&pending) && !sigismember(&pending, SIGTERM)) {
		oom_round("f", "f");
		rounds++;
	}
	return rounds > 0 ? 0 : 1;
}

static int retry(int (*fn)(const char *), const char *arg)
{
	int i, ret = -EAGAIN;

	for (i = 0; i < 200; i++) {
		ret = fn(arg);
		if (ret != -EBUSY && ret != -EAGAIN && ret != -EEXIST)
			break;
		usleep(10000);
	}
	return ret;
}

static int unload(const char *unused)
{
	return oomctl_unload();
}

TEST_F_TIMEOUT(stress, unload_under_fire, 3600)
{
	long cycles = scaled(100), i, fails = 0;
	char params[2][128];
	pid_t hose;

	ASSERT_EQ(0, cg_create("f"));
	ASSERT_EQ(0, cg_write("f", "memory.max", "16M"));
	/* Every other load kills quietly: unload lands amid both kinds of kill. */
	snprintf(params[0], sizeof(params[0]), "rules=\"%s policy=group\"", T "/f");
	snprintf(params[1], sizeof(params[1]), "rules=\"%s policy=process\"", T "/f");
	ASSERT_EQ(0, cg_create("workers"));
	hose = spawn_fn("workers", firehose, NULL);
	ASSERT_LT(0, hose);

	for (i = 0; i < cycles; i++) {
		fails += retry(oomctl_load, params[i % 2]) != 0;
		usleep(rand() % 50000);
		fails += retry(unload, NULL) != 0;
	}
	TH_LOG("%ld load/unload cycles", cycles);
	EXPECT_EQ(0, fails);

	/* No task is stuck: the firehose stops when asked, having seen OOMs. */
	kill(hose, SIGTERM);
	EXPECT_EQ(0, child_exit(hose, 60000));

	/* The kernel's own OOM handling works after the last unload. */
	ASSERT_FALSE(oomctl_loaded());
	EXPECT_FALSE(oom_round("f", "f"));
}

/* Rules whose cgroup comes and goes while OOMs happen in it. */
TEST_F_TIMEOUT(stress, cgroup_churn, 3600)
{
	long rounds = scaled(20), i;
	char want[256];

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_create("c"));
	ASSERT_EQ(0, cg_write("c", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, oomctl_rule("c/x", "policy=group"));
	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, cg_create("c/x"));
		ASSERT_EQ(0, cg_write("c/x", "memory.max", "16M"));
		oom_round("c/x", "c/x");
		ASSERT_EQ(0, rmdir(cg_path("c/x", NULL)));
	}
	/* Each OOM was decided by the rule, bound then or not yet. */
	EXPECT_EQ(rounds, oomctl_stat("decisions_group") + oomctl_stat("decisions_kernel"));

	/* The rule is inactive now, binds again, and then kills the group. */
	snprintf(want, sizeof(want), "%s policy=group bias=0 # inactive\n", T "/c/x");
	EXPECT_TRUE(rules_become(want));
	ASSERT_EQ(0, cg_create("c/x"));
	ASSERT_EQ(0, cg_write("c/x", "memory.max", "16M"));
	snprintf(want, sizeof(want), "%s policy=group bias=0 # active\n", T "/c/x");
	ASSERT_TRUE(rules_become(want));
	EXPECT_TRUE(oom_round("c/x", "c/x"));
}

/* Writers and readers on rules and switches while OOMs run. */
static int writer(void *arg)
{
	static const char * const policies[] = { "kernel", "process", "group", "subtree" };
	unsigned int seed = getpid();
	long ops = scaled(2000), i;
	char line[128];

	for (i = 0; i < ops; i++) {
		int path = rand_r(&seed) % 6, what = rand_r(&seed) % 10;

		if (what < 6)
			snprintf(line, sizeof(line), "%s/p%d policy=%s bias=%d\n", T, path,
				 policies[rand_r(&seed) % 4], rand_r(&seed) % 2001 - 1000);
		else if (what < 8)
			snprintf(line, sizeof(line), "-%s/p%d\n", T, path);
		else
			snprintf(line, sizeof(line), "%s/p%d policy=group\n%s/p%d bias=7\n",
				 T, path, T, (path + 1) % 6);
		oomctl_write("rules", line);
		if (what == 9)
			oomctl_write("dry_run", i % 2 ? "1" : "0");
	}
	oomctl_write("dry_run", "0");
	return 0;
}

static int reader(void *arg)
{
	long reads = scaled(2000), i;
	char buf[4096], *line, *save;

	for (i = 0; i < reads; i++) {
		if (oomctl_read("rules", buf, sizeof(buf)) < 0)
			return 1;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (!rule_line_valid(line)) {
				fprintf(stderr, "torn line: '%s'\n", line);
				return 2;
			}
		}
	}
	return 0;
}

TEST_F_TIMEOUT(stress, concurrent_writers_and_readers, 3600)
{
	int status[5], left = ARRAY_SIZE(status);
	char buf[4096], *line, *save;
	pid_t pids[5];
	unsigned int i;

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_create("p0"));
	ASSERT_EQ(0, cg_write("p0", "memory.max", "16M"));
	ASSERT_EQ(0, cg_create("workers"));
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		pids[i] = spawn_fn("workers", i < 3 ? writer : reader, NULL);
		ASSERT_LT(0, pids[i]);
		set_oom_score_adj(pids[i], -1000);
	}
	while (left) {
		oom_round("p0", "p0");
		for (i = 0; i < ARRAY_SIZE(pids); i++) {
			if (!pids[i])
				continue;
			status[i] = child_exit(pids[i], 0);
			if (status[i] != -1) {
				pids[i] = 0;
				left--;
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(status); i++)
		EXPECT_EQ(0, status[i]);

	/* What is left reads back as a valid table. */
	ASSERT_LE(0, oomctl_read("rules", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		EXPECT_TRUE(rule_line_valid(line));
	EXPECT_LE(1, oomctl_stat("memcg_kills"));
}

TEST_HARNESS_MAIN
