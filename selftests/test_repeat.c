// SPDX-License-Identifier: GPL-2.0
/*
 * OOMs in a row: many group kills with the counters adding up exactly,
 * and the module unloaded and loaded again between OOMs, the kernel's
 * own OOM handling working while it is gone.  vm-run fails the run on any
 * kernel warning these leave behind.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

/* Fifty, scaled by OOMCTL_SIZE_PCT (see oomctl_util.h). */
#define ROUNDS scaled(50)

/* A hog and a sleeper in @cg (limited to 16M): is the sleeper killed too? */
static bool oom_round(struct __test_metadata *_metadata, const char *cg)
{
	pid_t hog, sleeper;
	bool killed;

	sleeper = spawn_sleeper(cg, 0);
	hog = spawn_hog(cg, 0);
	if (sleeper <= 0 || hog <= 0 || child_end(hog, 60000) != SIGKILL)
		return false;
	killed = child_killed(sleeper);
	if (!killed)
		kill(sleeper, SIGKILL);
	child_end(sleeper, -1);
	return killed;
}

FIXTURE(repeat) {
};

FIXTURE_SETUP(repeat)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("job"));
	ASSERT_EQ(0, cg_write("job", "memory.max", "16M"));
}

FIXTURE_TEARDOWN(repeat)
{
	EXPECT_EQ(0, cg_cleanup());
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
}

TEST_F(repeat, group_kills_in_a_row)
{
	int i, sleepers_killed = 0;

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, oomctl_rule("job", "policy=group"));
	for (i = 0; i < ROUNDS; i++)
		sleepers_killed += oom_round(_metadata, "job");
	EXPECT_EQ(ROUNDS, sleepers_killed);
	EXPECT_EQ(ROUNDS, oomctl_stat("decisions_group"));
	EXPECT_EQ(ROUNDS, oomctl_stat("memcg_kills"));
	EXPECT_EQ(ROUNDS, oomctl_stat("group_kills"));
	EXPECT_EQ(ROUNDS, cg_event("job", "oom_group_kill"));
	EXPECT_EQ(2 * ROUNDS, oomctl_stat("victims"));
	EXPECT_EQ(2 * ROUNDS, oomctl_stat("tasks_killed"));
}

TEST_F(repeat, reload_between_ooms)
{
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, oomctl_load(NULL));
		ASSERT_EQ(0, oomctl_rule("job", "policy=group"));
		EXPECT_TRUE(oom_round(_metadata, "job"));
		EXPECT_EQ(1, oomctl_stat("decisions_group"));
		ASSERT_EQ(0, oomctl_unload());
		/* The kernel alone: the victim dies, its neighbour lives. */
		EXPECT_FALSE(oom_round(_metadata, "job"));
	}
	EXPECT_EQ(3, cg_event("job", "oom_group_kill"));
}

TEST_HARNESS_MAIN
