// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl sees real OOMs: a memcg OOM and a global OOM each move its
 * counters by what the kernel itself counted, and nothing moves while
 * oomctl is disabled.
 */
#include <signal.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

FIXTURE(oom) {
};

FIXTURE_SETUP(oom)
{
	/* Only the hogs and sleepers we start are candidates. */
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_setup());
}

FIXTURE_TEARDOWN(oom)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

/* A hog beside a sleeper in a cgroup limited to 16M. */
static void memcg_oom(struct __test_metadata *_metadata, long *oom_kills)
{
	pid_t hog, sleeper;

	ASSERT_EQ(0, cg_create("limited"));
	ASSERT_EQ(0, cg_write("limited", "memory.max", "16M"));
	sleeper = spawn_sleeper("limited", 0);
	ASSERT_LT(0, sleeper);
	hog = spawn_hog("limited", 0);
	ASSERT_LT(0, hog);

	ASSERT_EQ(SIGKILL, child_end(hog, 60000));
	EXPECT_TRUE(child_alive(sleeper));
	*oom_kills = cg_event("limited", "oom_kill");
}

TEST_F(oom, memcg_oom_counts_victims)
{
	long global0 = oomctl_stat("global_ooms");
	long victims0 = oomctl_stat("victims");
	long kills;

	memcg_oom(_metadata, &kills);
	ASSERT_LE(1, kills);
	EXPECT_EQ(kills, oomctl_stat("victims") - victims0);
	/* A memcg OOM is not a global one. */
	EXPECT_EQ(global0, oomctl_stat("global_ooms"));
}

TEST_F(oom, disabled_counts_nothing)
{
	long kills;

	ASSERT_EQ(0, oomctl_write("enabled", "0"));
	memcg_oom(_metadata, &kills);
	ASSERT_LE(1, kills);
	EXPECT_EQ(0, oomctl_stat("victims"));
	EXPECT_EQ(0, oomctl_stat("global_ooms"));
}

/* No limit anywhere: the hog fills the (small) VM. */
TEST_F(oom, global_oom_counts)
{
	long global0 = oomctl_stat("global_ooms");
	long victims0 = oomctl_stat("victims");
	long vm_kills0 = proc_vmstat("oom_kill");
	pid_t hog, sleeper;

	ASSERT_EQ(0, cg_create("unlimited"));
	sleeper = spawn_sleeper("unlimited", 0);
	ASSERT_LT(0, sleeper);
	hog = spawn_hog("unlimited", 0);
	ASSERT_LT(0, hog);

	ASSERT_EQ(SIGKILL, child_end(hog, 110000));
	EXPECT_TRUE(child_alive(sleeper));
	EXPECT_LE(1, oomctl_stat("global_ooms") - global0);
	ASSERT_LE(1, oomctl_stat("victims") - victims0);
	EXPECT_EQ(proc_vmstat("oom_kill") - vm_kills0,
		  oomctl_stat("victims") - victims0);
}

TEST_HARNESS_MAIN
