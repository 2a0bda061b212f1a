// SPDX-License-Identifier: GPL-2.0
/*
 * Kill granularity: for each policy, and for memcg and global OOMs, a hog
 * runs beside sleepers and the test asserts exactly who died, who lived,
 * and which counters moved.
 *
 * The tree, under the tests' own cgroup (memory enabled everywhere unless
 * a test says otherwise):
 *
 *	app/		the rule's cgroup; memory.max=16M for a memcg OOM
 *	app/job/	the hog and a sleeper (the victim's own cgroup)
 *	app/other/	a sleeper (sibling leaf under the rule)
 *	sib/leaf/	a sleeper (sibling subtree, outside the rule)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define OOM_TIMEOUT_MS	100000
/* The fallback killer works from a worker, after the OOM. */
#define FALLBACK_MS	5000

enum oom_kind { MEMCG_OOM, GLOBAL_OOM };

struct tree {
	pid_t hog, job, other, sib;
	long stats0[8];
};

static const char * const stat_names[] = {
	"decisions_kernel", "decisions_process", "decisions_group",
	"decisions_subtree", "group_kills", "victims", "memcg_kills",
	"global_kills",
};

static int make_tree(struct tree *t)
{
	unsigned int i;

	if (set_oom_score_adj(getpid(), -1000) || cg_setup() || oomctl_load(NULL) ||
	    cg_create("app") || cg_write("app", "cgroup.subtree_control", "+memory") ||
	    cg_create("app/job") || cg_create("app/other") || cg_create("sib") ||
	    cg_write("sib", "cgroup.subtree_control", "+memory") ||
	    cg_create("sib/leaf"))
		return -1;
	for (i = 0; i < ARRAY_SIZE(stat_names); i++)
		t->stats0[i] = oomctl_stat(stat_names[i]);
	return 0;
}

static long stat_delta(const struct tree *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stat_names); i++) {
		if (!strcmp(stat_names[i], name))
			return oomctl_stat(name) - t->stats0[i];
	}
	return -1;
}

/* Start the sleepers, then the hog, and wait for the hog's SIGKILL. */
static void run_oom(struct __test_metadata *_metadata, struct tree *t,
		    enum oom_kind kind)
{
	if (kind == MEMCG_OOM)
		ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	t->job = spawn_sleeper("app/job", 0);
	t->other = spawn_sleeper("app/other", 0);
	t->sib = spawn_sleeper("sib/leaf", 0);
	ASSERT_LT(0, t->job);
	ASSERT_LT(0, t->other);
	ASSERT_LT(0, t->sib);
	t->hog = spawn_hog("app/job", 0);
	ASSERT_LT(0, t->hog);
	ASSERT_EQ(SIGKILL, child_end(t->hog, OOM_TIMEOUT_MS));
}

/* SIGKILL if the sleeper must die, -1 (still running) if it must live. */
static int fate(pid_t pid, bool dies)
{
	return child_end(pid, dies ? FALLBACK_MS : 0);
}

/* Must the sleepers in app/job and app/other die?  sib/leaf always lives. */
static void expect_fates(struct __test_metadata *_metadata, struct tree *t,
			 bool job, bool other)
{
	EXPECT_EQ(job ? SIGKILL : -1, fate(t->job, job));
	EXPECT_EQ(other ? SIGKILL : -1, fate(t->other, other));
	EXPECT_TRUE(child_alive(t->sib));
}

/* Each policy, for a memcg and a global OOM, with the rule on app or app/job. */
FIXTURE(granularity) {
	struct tree t;
};

FIXTURE_VARIANT(granularity) {
	enum oom_kind kind;
	const char *rule_cg;
	const char *keys;
	const char *decision;
	bool job_dies, other_dies;
	long victims, group_kills;
};

FIXTURE_VARIANT_ADD(granularity, memcg_kernel) {
	MEMCG_OOM, "app", "policy=kernel", "decisions_kernel", false, false, 1, 0
};

FIXTURE_VARIANT_ADD(granularity, memcg_process) {
	MEMCG_OOM, "app", "policy=process", "decisions_process", false, false, 1, 0
};

FIXTURE_VARIANT_ADD(granularity, memcg_group) {
	MEMCG_OOM, "app", "policy=group", "decisions_group", true, false, 2, 1
};

FIXTURE_VARIANT_ADD(granularity, memcg_subtree) {
	MEMCG_OOM, "app", "policy=subtree", "decisions_subtree", true, true, 3, 1
};

FIXTURE_VARIANT_ADD(granularity, global_kernel) {
	GLOBAL_OOM, "app", "policy=kernel", "decisions_kernel", false, false, 1, 0
};

FIXTURE_VARIANT_ADD(granularity, global_process) {
	GLOBAL_OOM, "app", "policy=process", "decisions_process", false, false, 1, 0
};

FIXTURE_VARIANT_ADD(granularity, global_group) {
	GLOBAL_OOM, "app", "policy=group", "decisions_group", true, false, 2, 1
};

FIXTURE_VARIANT_ADD(granularity, global_subtree) {
	GLOBAL_OOM, "app", "policy=subtree", "decisions_subtree", true, true, 3, 1
};

/* Nested rules: app/job's own rule wins over app's (subtree). */
FIXTURE_VARIANT_ADD(granularity, nested_process_wins) {
	MEMCG_OOM, "app/job", "policy=process", "decisions_process", false, false, 1, 0
};

FIXTURE_VARIANT_ADD(granularity, nested_group_wins) {
	MEMCG_OOM, "app/job", "policy=group", "decisions_group", true, false, 2, 1
};

FIXTURE_SETUP(granularity)
{
	ASSERT_EQ(0, make_tree(&self->t));
	if (strcmp(variant->rule_cg, "app"))
		ASSERT_EQ(0, oomctl_rule("app", "policy=subtree"));
}

FIXTURE_TEARDOWN(granularity)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

TEST_F(granularity, kill_set)
{
	struct tree *t = &self->t;

	ASSERT_EQ(0, oomctl_rule(variant->rule_cg, variant->keys));
	run_oom(_metadata, t, variant->kind);
	expect_fates(_metadata, t, variant->job_dies, variant->other_dies);
	if (variant->kind == MEMCG_OOM) {
		EXPECT_EQ(1, stat_delta(t, variant->decision));
		EXPECT_EQ(1, stat_delta(t, "memcg_kills"));
		EXPECT_EQ(0, stat_delta(t, "global_kills"));
		EXPECT_EQ(variant->victims, stat_delta(t, "victims"));
		EXPECT_EQ(variant->group_kills, stat_delta(t, "group_kills"));
	} else {
		/* A global OOM may take a second kill elsewhere: at least ours. */
		EXPECT_LE(1, stat_delta(t, variant->decision));
		EXPECT_LE(1, stat_delta(t, "global_kills"));
		EXPECT_LE(variant->victims, stat_delta(t, "victims"));
		EXPECT_LE(variant->group_kills, stat_delta(t, "group_kills"));
	}
}

FIXTURE(policy) {
	struct tree t;
};

FIXTURE_SETUP(policy)
{
	ASSERT_EQ(0, make_tree(&self->t));
}

FIXTURE_TEARDOWN(policy)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

/* The kernel's own group kill, for comparison: memory.oom.group on app. */
TEST_F(policy, kernel_keeps_oom_group)
{
	ASSERT_EQ(0, cg_write("app", "memory.oom.group", "1"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, true);
	EXPECT_EQ(1, stat_delta(&self->t, "decisions_kernel"));
	EXPECT_EQ(1, stat_delta(&self->t, "group_kills"));
	EXPECT_EQ(1, cg_event("app", "oom_group_kill"));
}

TEST_F(policy, process_beats_oom_group)
{
	ASSERT_EQ(0, cg_write("app", "memory.oom.group", "1"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=process"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, false, false);
	EXPECT_EQ(0, cg_event("app", "oom_group_kill"));
	/* Killed quietly: nothing for a service manager to act on. */
	EXPECT_EQ(0, cg_event("app", "oom_kill"));
	EXPECT_EQ(1, stat_delta(&self->t, "decisions_process"));
	EXPECT_EQ(0, stat_delta(&self->t, "group_kills"));
	EXPECT_TRUE(dmesg_has("oomctl: process kill after memcg OOM in /oomctl-test/app:",
			      "1 task, killed quietly (no oom_kill in memory.events), rule"));
}

/* kill=kernel: the kernel's own kill of the victim alone, counted as ever. */
TEST_F(policy, process_kill_kernel_beats_oom_group)
{
	ASSERT_EQ(0, cg_write("app", "memory.oom.group", "1"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=process kill=kernel"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, false, false);
	EXPECT_EQ(0, cg_event("app", "oom_group_kill"));
	EXPECT_EQ(1, cg_event("app", "oom_kill"));
	EXPECT_EQ(1, stat_delta(&self->t, "decisions_process"));
	EXPECT_EQ(0, oomctl_stat("quiet_kills"));
	EXPECT_TRUE(dmesg_has("oomctl: process kill after memcg OOM in /oomctl-test/app:",
			      "), 1 task, rule /oomctl-test/app"));
}

/* group and subtree kill through the kernel's path: memory.events says so. */
TEST_F(policy, group_counts_in_memory_events)
{
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_EQ(1, cg_event("app/job", "oom_group_kill"));
	/* memory.events is hierarchical; .local says the parent was not the group. */
	EXPECT_EQ(0, keyed_value(cg_path("app", "memory.events.local"),
				 "oom_group_kill"));
	/* The kernel counts the first victim twice in oom_kill. */
	EXPECT_EQ(3, cg_event("app/job", "oom_kill"));
}

TEST_F(policy, unkillable_survives_group_kill)
{
	pid_t protected;

	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	protected = spawn_sleeper("app/job", -1000);
	ASSERT_LT(0, protected);
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_TRUE(child_alive(protected));
	kill(protected, SIGKILL);
}

/* A memcg OOM's kill never leaves the OOM domain. */
TEST_F(policy, subtree_narrowed_to_domain)
{
	char events[4096];

	ASSERT_EQ(0, oomctl_rule("", "policy=subtree"));
	ASSERT_EQ(0, cg_write("app/job", "memory.max", "16M"));
	run_oom(_metadata, &self->t, GLOBAL_OOM);	/* the job's limit hits first */
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_EQ(1, stat_delta(&self->t, "memcg_kills"));
	EXPECT_EQ(1, cg_event("app/job", "oom_group_kill"));
	EXPECT_TRUE(dmesg_has("subtree kill of /oomctl-test/app/job after memcg OOM",
			      "2 tasks (narrowed to the OOM domain), rule /oomctl-test"));
	ASSERT_LT(0, oomctl_read("events", events, sizeof(events)));
	EXPECT_NE(NULL, strstr(events, " target=/oomctl-test/app/job "));
	EXPECT_NE(NULL, strstr(events, " narrowed=1 quiet=no freed=- hooks=ok\n"));
}

/* No memory controller on the leaves: the fallback killer does the group. */
TEST_F(policy, fallback_without_memcg)
{
	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "-memory"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_EQ(1, oomctl_stat("fallback_kills"));
	EXPECT_EQ(1, oomctl_stat("fallback_tasks"));
	EXPECT_EQ(0, stat_delta(&self->t, "group_kills"));
	EXPECT_EQ(2, oomctl_stat("tasks_killed"));
	EXPECT_TRUE(dmesg_has("group kill of /oomctl-test/app/job after memcg OOM",
			      "2 tasks by the fallback killer (no memory controller there), rule"));
}

/* Wait until @pid's main thread has exited: its state is Z (zombie). */
static bool leader_exited(pid_t pid)
{
	char path[64], buf[512], *state;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 500; i++) {
		state = read_text(path, buf, sizeof(buf)) > 0 ? strrchr(buf, ')') : NULL;
		if (state && state[1] == ' ' && state[2] == 'Z')
			return true;
		usleep(10000);
	}
	return false;
}

static void *sleep_forever(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* A process whose main thread has gone (pthread_exit()) while two sleep on. */
static int leaderless_sleeper(void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, sleep_forever, NULL) ||
	    pthread_create(&t, NULL, sleep_forever, NULL))
		return 1;
	pthread_exit(NULL);
}

/*
 * The fallback killer kills such a process too: a SIGKILL to its exited
 * leader alone would be dropped, leaving it alive yet counted as killed.
 */
TEST_F(policy, fallback_kills_leaderless)
{
	pid_t leaderless;

	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "-memory"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	leaderless = spawn_fn("app/job", leaderless_sleeper, NULL);
	ASSERT_LT(0, leaderless);
	ASSERT_TRUE(leader_exited(leaderless));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_EQ(SIGKILL, child_end(leaderless, FALLBACK_MS));
	EXPECT_EQ(1, oomctl_stat("fallback_kills"));
	EXPECT_EQ(2, oomctl_stat("fallback_tasks"));
	EXPECT_EQ(3, oomctl_stat("tasks_killed"));
	EXPECT_TRUE(dmesg_has("group kill of /oomctl-test/app/job after memcg OOM",
			      "3 tasks by the fallback killer (no memory controller there), rule"));
	kill(leaderless, SIGKILL);
}

static int exit_at_once(void *arg)
{
	return 0;
}

/* A zombie (every thread exited) in the target needs no kill: not counted. */
TEST_F(policy, fallback_skips_zombie)
{
	char events[4096], val[16];
	pid_t zombie;

	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "-memory"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	zombie = spawn_fn("app/job", exit_at_once, NULL);
	ASSERT_LT(0, zombie);
	ASSERT_TRUE(leader_exited(zombie));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_EQ(1, oomctl_stat("fallback_kills"));
	EXPECT_EQ(1, oomctl_stat("fallback_tasks"));
	EXPECT_EQ(2, oomctl_stat("tasks_killed"));
	ASSERT_LT(0, oomctl_read("events", events, sizeof(events)));
	EXPECT_STREQ("2", event_field(events, "tasks_killed", val, sizeof(val)));
	/* Reaped only now: it exited by itself. */
	EXPECT_EQ(0, child_end(zombie, 0));
}

TEST_F(policy, dry_run_keeps_kernel_decision)
{
	ASSERT_EQ(0, oomctl_rule("app", "policy=subtree"));
	ASSERT_EQ(0, oomctl_write("dry_run", "1"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, false, false);
	EXPECT_EQ(1, stat_delta(&self->t, "decisions_subtree"));
	EXPECT_EQ(1, oomctl_stat("dry_run"));
	EXPECT_EQ(0, stat_delta(&self->t, "group_kills"));
	EXPECT_EQ(0, cg_event("app", "oom_group_kill"));
	EXPECT_TRUE(dmesg_has("dry run: would do subtree kill of /oomctl-test/app after memcg",
			      "1 task, rule /oomctl-test/app"));
}

TEST_F(policy, disabled_changes_nothing)
{
	ASSERT_EQ(0, oomctl_rule("app", "policy=subtree"));
	ASSERT_EQ(0, oomctl_write("enabled", "0"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, false, false);
	EXPECT_EQ(0, stat_delta(&self->t, "decisions_subtree"));
	EXPECT_EQ(0, stat_delta(&self->t, "memcg_kills"));
	EXPECT_EQ(0, stat_delta(&self->t, "victims"));
}

TEST_F(policy, default_policy_applies_without_rule)
{
	ASSERT_EQ(0, oomctl_write("default_policy", "group"));
	run_oom(_metadata, &self->t, MEMCG_OOM);
	expect_fates(_metadata, &self->t, true, false);
	EXPECT_EQ(1, stat_delta(&self->t, "decisions_group"));
	EXPECT_TRUE(dmesg_has("group kill of /oomctl-test/app/job after memcg OOM",
			      "2 tasks, default_policy"));
}

/*
 * The terminal case: a shell in a terminal's scope runs a compile that
 * runs out of memory.  The shell reports on a pipe when it has outlived
 * the compile and started another child.
 */
static int report_fd;

static int shell(void *arg)
{
	pid_t child;
	int status;

	child = fork();
	if (!child) {
		execlp("oomctl-hog", "oomctl-hog", NULL);
		_exit(112);
	}
	waitpid(child, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return 1;
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 2;
	if (write(report_fd, "y", 1) != 1)
		return 3;
	pause();
	return 0;
}

static void terminal(struct __test_metadata *_metadata, const char *policy,
		     bool shell_survives)
{
	char keys[64], c;
	int pipefd[2];
	pid_t sh;

	ASSERT_EQ(0, cg_create("term.scope"));
	ASSERT_EQ(0, cg_write("term.scope", "memory.max", "16M"));
	snprintf(keys, sizeof(keys), "policy=%s", policy);
	ASSERT_EQ(0, oomctl_rule("term.scope", keys));
	ASSERT_EQ(0, pipe(pipefd));
	report_fd = pipefd[1];
	sh = spawn_fn("term.scope", shell, NULL);
	ASSERT_LT(0, sh);
	close(pipefd[1]);
	if (shell_survives) {
		ASSERT_EQ(1, read(pipefd[0], &c, 1));
		EXPECT_TRUE(child_alive(sh));
		kill(sh, SIGKILL);
	} else {
		EXPECT_EQ(SIGKILL, child_end(sh, OOM_TIMEOUT_MS));
		EXPECT_EQ(0, read(pipefd[0], &c, 1));
	}
	close(pipefd[0]);
}

TEST_F(policy, terminal_process_keeps_shell)
{
	terminal(_metadata, "process", true);
}

TEST_F(policy, terminal_group_kills_shell)
{
	terminal(_metadata, "group", false);
}

TEST_HARNESS_MAIN
