// SPDX-License-Identifier: GPL-2.0
/*
 * The rule table's interface: grammar, read-back, delete and replace,
 * binding to cgroups that come and go, limits, insmod parameters, and
 * every invalid input with its errno and an unchanged table.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T "/" CG_TEST

static void read_rules(struct __test_metadata *_metadata, char *buf, size_t size)
{
	ASSERT_LE(0, oomctl_read("rules", buf, size));
}

FIXTURE(rules) {
};

FIXTURE_SETUP(rules)
{
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("a"));
	ASSERT_EQ(0, oomctl_load(NULL));
}

FIXTURE_TEARDOWN(rules)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

TEST_F(rules, empty_at_load)
{
	char buf[256], dp[32];

	read_rules(_metadata, buf, sizeof(buf));
	EXPECT_STREQ("", buf);
	ASSERT_LT(0, oomctl_read("default_policy", dp, sizeof(dp)));
	EXPECT_STREQ("kernel\n", dp);
}

TEST_F(rules, add_replace_delete)
{
	char buf[1024];

	ASSERT_EQ(0, oomctl_write("rules", T "/a policy=group\n"));
	ASSERT_EQ(0, oomctl_write("rules", T "/missing policy=subtree"));
	read_rules(_metadata, buf, sizeof(buf));
	EXPECT_STREQ(T "/a policy=group bias=0 # active\n"
		     T "/missing policy=subtree bias=0 # inactive\n", buf);

	/* Replace keeps the position; keys left out take their defaults. */
	ASSERT_EQ(0, oomctl_write("rules", T "/a"));
	read_rules(_metadata, buf, sizeof(buf));
	EXPECT_STREQ(T "/a policy=kernel bias=0 # active\n"
		     T "/missing policy=subtree bias=0 # inactive\n", buf);

	ASSERT_EQ(0, oomctl_write("rules", "-" T "/a\n"));
	read_rules(_metadata, buf, sizeof(buf));
	EXPECT_STREQ(T "/missing policy=subtree bias=0 # inactive\n", buf);
	EXPECT_EQ(-ENOENT, oomctl_write("rules", "-" T "/a\n"));
}

/* What a read prints, written back, is the same table. */
TEST_F(rules, read_back_round_trip)
{
	char first[1024], second[1024];

	ASSERT_EQ(0, oomctl_write("rules", T "/a policy=process bias=-1000\n"
				  T "/a/b bias=250 policy=group # comment\n"
				  "\n  " T "/c\tpolicy=subtree\n"
				  T "/d kill=kernel policy=process\n"));
	read_rules(_metadata, first, sizeof(first));
	ASSERT_EQ(0, oomctl_unload());
	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, oomctl_write("rules", first));
	read_rules(_metadata, second, sizeof(second));
	EXPECT_STREQ(first, second);
	EXPECT_STREQ(T "/a policy=process bias=-1000 kill=quiet # active\n"
		     T "/a/b policy=group bias=250 # inactive\n"
		     T "/c policy=subtree bias=0 # inactive\n"
		     T "/d policy=process bias=0 kill=kernel # inactive\n", second);
}

TEST_F(rules, cgroup_removed_and_recreated)
{
	ASSERT_EQ(0, cg_create("svc.slice"));
	ASSERT_EQ(0, oomctl_write("rules", T "/svc.slice policy=group"));
	EXPECT_TRUE(rules_become(T "/svc.slice policy=group bias=0 # active\n"));
	ASSERT_EQ(0, rmdir(cg_path("svc.slice", NULL)));
	EXPECT_TRUE(rules_become(T "/svc.slice policy=group bias=0 # inactive\n"));
	ASSERT_EQ(0, cg_create("svc.slice"));
	EXPECT_TRUE(rules_become(T "/svc.slice policy=group bias=0 # active\n"));
}

/* A cgroup that no rule names leaves every binding as it is. */
TEST_F(rules, unrelated_cgroups_change_nothing)
{
	char before[1024], after[1024];

	ASSERT_EQ(0, oomctl_write("rules", T "/a policy=group\n"
				  T "/x policy=subtree\n"));
	read_rules(_metadata, before, sizeof(before));
	EXPECT_STREQ(T "/a policy=group bias=0 # active\n"
		     T "/x policy=subtree bias=0 # inactive\n", before);
	ASSERT_EQ(0, cg_create("a/y"));
	ASSERT_EQ(0, cg_create("y"));
	ASSERT_EQ(0, rmdir(cg_path("a/y", NULL)));
	ASSERT_EQ(0, rmdir(cg_path("y", NULL)));
	ASSERT_EQ(0, cg_create("x"));
	EXPECT_TRUE(rules_become(T "/a policy=group bias=0 # active\n"
				 T "/x policy=subtree bias=0 # active\n"));
	ASSERT_EQ(0, rmdir(cg_path("x", NULL)));
	EXPECT_TRUE(rules_become(T "/a policy=group bias=0 # active\n"
				 T "/x policy=subtree bias=0 # inactive\n"));
	read_rules(_metadata, after, sizeof(after));
	EXPECT_STREQ(before, after);
}

/*
 * A rule's cgroup created and removed in a quick loop: more changes than
 * the bind worker queues (it then re-resolves every rule), and the
 * binding ends up right.
 */
TEST_F(rules, churn_ends_bound_right)
{
	int i;

	ASSERT_EQ(0, oomctl_write("rules", T "/x policy=group\n"));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, cg_create("x"));
		ASSERT_EQ(0, rmdir(cg_path("x", NULL)));
	}
	ASSERT_EQ(0, cg_create("x"));
	EXPECT_TRUE(rules_become(T "/x policy=group bias=0 # active\n"));
	ASSERT_EQ(0, rmdir(cg_path("x", NULL)));
	EXPECT_TRUE(rules_become(T "/x policy=group bias=0 # inactive\n"));
}

/* The rule bound to a recreated cgroup acts on it. */
TEST_F(rules, recreated_cgroup_obeys_rule)
{
	pid_t hog, sleeper;

	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, oomctl_write("rules", T "/job policy=group"));
	ASSERT_EQ(0, cg_create("job"));
	ASSERT_TRUE(rules_become(T "/job policy=group bias=0 # active\n"));
	ASSERT_EQ(0, cg_write("job", "memory.max", "16M"));
	sleeper = spawn_sleeper("job", 0);
	hog = spawn_hog("job", 0);
	ASSERT_EQ(SIGKILL, child_end(hog, 50000));
	EXPECT_EQ(SIGKILL, child_end(sleeper, 5000));
	EXPECT_EQ(1, oomctl_stat("decisions_group"));
}

TEST(table_full)
{
	char buf[1024];

	ASSERT_EQ(0, oomctl_load("max_rules=2"));
	ASSERT_EQ(0, oomctl_write("rules", T "/a policy=group\n" T "/b policy=group\n"));
	EXPECT_EQ(-ENOSPC, oomctl_write("rules", T "/c policy=group\n"));
	/* Replacing an existing rule needs no room. */
	EXPECT_EQ(0, oomctl_write("rules", T "/b policy=process\n"));
	/* All or nothing: a delete and two adds do not fit either. */
	EXPECT_EQ(-ENOSPC, oomctl_write("rules", "-" T "/a\n" T "/c\n" T "/d\n"));
	read_rules(_metadata, buf, sizeof(buf));
	EXPECT_STREQ(T "/a policy=group bias=0 # inactive\n"
		     T "/b policy=process bias=0 kill=quiet # inactive\n", buf);
	EXPECT_EQ(0, oomctl_unload());
}

TEST(insmod_parameters)
{
	char buf[1024];

	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("a"));
	snprintf(buf, sizeof(buf), "%s rules=\"%s;%s\"",
		 "default_policy=process dry_run=1 max_rules=8",
		 T "/a policy=group", T "/b policy=subtree");
	ASSERT_EQ(0, oomctl_load(buf));
	read_rules(_metadata, buf, sizeof(buf));
	EXPECT_STREQ(T "/a policy=group bias=0 # active\n"
		     T "/b policy=subtree bias=0 # inactive\n", buf);
	ASSERT_LT(0, oomctl_read("default_policy", buf, sizeof(buf)));
	EXPECT_STREQ("process\n", buf);
	ASSERT_LT(0, oomctl_read("dry_run", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	ASSERT_LT(0, read_text("/sys/module/oomctl/parameters/max_rules", buf,
			       sizeof(buf)));
	EXPECT_STREQ("8\n", buf);
	EXPECT_EQ(0, oomctl_unload());
	EXPECT_EQ(0, cg_cleanup());
}

TEST(insmod_invalid_parameters)
{
	static const char * const bad[] = {
		"default_policy=subtree", "default_policy=bogus", "dry_run=2",
		"max_rules=0", "max_rules=65537", "max_rules=x",
		"rules=\"/a policy=bogus\"", "rules=\"relative policy=group\"",
		"rules=\"/a policy=group;/a/../b\"", "world_readable=2",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char param[32];

		snprintf(param, sizeof(param), "%.*s", (int)strcspn(bad[i], "="),
			 bad[i]);
		TH_LOG("insmod oomctl.ko %s", bad[i]);
		ASSERT_EQ(0, dmesg_clear());
		EXPECT_EQ(-EINVAL, oomctl_load(bad[i]));
		/* Nothing registered: no sysfs directory, no module. */
		EXPECT_FALSE(oomctl_loaded());
		if (oomctl_loaded())	/* leave nothing for the next test */
			EXPECT_EQ(0, oomctl_unload());
		EXPECT_NE(0, access("/sys/module/oomctl", F_OK));
		/* The kernel log names the parameter and says why. */
		/* -22 where the kernel has no CONFIG_SYMBOLIC_ERRNAME. */
		EXPECT_TRUE(strcmp(param, "rules") ?
			    dmesg_has("invalid for parameter", param) :
			    dmesg_has("oomctl: rules=\"", "refused (-EINVAL)") ||
			    dmesg_has("oomctl: rules=\"", "refused (-22)"));
	}
}

struct bad_write {
	const char *text;
	int err;
};

static const struct bad_write bad_writes[] = {
	{ "a policy=group", -EINVAL },			/* not absolute */
	{ "/ policy=group", -EINVAL },			/* the root */
	{ T "/ policy=group", -EINVAL },		/* trailing slash */
	{ T "//a policy=group", -EINVAL },		/* empty component */
	{ T "/../a policy=group", -EINVAL },
	{ T "/./a policy=group", -EINVAL },
	{ T "/a\x1b[1m policy=group", -EINVAL },	/* a control character */
	{ T "/a policy=bogus", -EINVAL },		/* unknown policy */
	{ T "/a policy=", -EINVAL },
	{ T "/a policy", -EINVAL },
	{ T "/a colour=red", -EINVAL },			/* unknown key */
	{ T "/a policy=group policy=process", -EINVAL },	/* duplicate key */
	{ "-" T "/a policy=group", -EINVAL },		/* keys on a delete */
	{ "-" T "/nothing", -ENOENT },			/* no such rule */
	{ T "/ok policy=group\n" T "/b policy=bad", -EINVAL },	/* all or nothing */
	{ T "/ok policy=group\n-" T "/nothing", -ENOENT },
	{ T "/a bias=1001", -EINVAL },			/* bias out of range */
	{ T "/a bias=-1001", -EINVAL },
	{ T "/a bias=abc", -EINVAL },
	{ T "/a bias=", -EINVAL },
	{ T "/a bias=10x", -EINVAL },
	{ T "/a bias=1 bias=2", -EINVAL },		/* duplicate key */
	{ T "/a policy=process kill=loud", -EINVAL },	/* unknown kill */
	{ T "/a policy=process kill=", -EINVAL },
	{ T "/a policy=process kill=quiet kill=kernel", -EINVAL },
	{ T "/a policy=group kill=kernel", -EINVAL },	/* kill= is for process */
	{ T "/a kill=quiet", -EINVAL },			/* policy=kernel */
};

TEST_F(rules, invalid_writes_change_nothing)
{
	char before[1024], after[1024];
	unsigned int i;

	ASSERT_EQ(0, oomctl_write("rules", T "/a policy=group\n"));
	read_rules(_metadata, before, sizeof(before));
	for (i = 0; i < ARRAY_SIZE(bad_writes); i++) {
		TH_LOG("write '%s'", bad_writes[i].text);
		EXPECT_EQ(bad_writes[i].err, oomctl_write("rules", bad_writes[i].text));
		read_rules(_metadata, after, sizeof(after));
		EXPECT_STREQ(before, after);
	}
}

TEST_F(rules, invalid_lengths_and_bytes)
{
	char before[1024], after[1024], *big;
	int fd;

	ASSERT_EQ(0, oomctl_write("rules", T "/a policy=group\n"));
	read_rules(_metadata, before, sizeof(before));

	/* A path of 1024 bytes is one too many; 1023 is fine. */
	big = malloc(8192);
	ASSERT_NE(NULL, big);
	memset(big, 'x', 8191);
	big[0] = '-';
	big[1] = '/';
	big[1025] = '\0';
	EXPECT_EQ(-EINVAL, oomctl_write("rules", big + 1));
	big[1024] = '\0';
	EXPECT_EQ(0, oomctl_write("rules", big + 1));
	EXPECT_EQ(0, oomctl_write("rules", big));	/* and delete it */

	/* A page or more in one write would be split by sysfs: refused. */
	memset(big, 'x', 8191);
	big[0] = '/';
	big[8191] = '\0';
	EXPECT_EQ(-E2BIG, oomctl_write("rules", big));
	big[4096] = '\0';
	EXPECT_EQ(-E2BIG, oomctl_write("rules", big));
	free(big);

	/* An embedded NUL. */
	fd = open(OOMCTL_SYSFS "/rules", O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, T "/b\0 policy=group", 22));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	read_rules(_metadata, after, sizeof(after));
	EXPECT_STREQ(before, after);
}

TEST_F(rules, invalid_switch_writes)
{
	static const char * const bad_policy[] = { "subtree", "bogus", "\n", "group process" };
	char buf[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_policy); i++)
		EXPECT_EQ(-EINVAL, oomctl_write("default_policy", bad_policy[i]));
	ASSERT_LT(0, oomctl_read("default_policy", buf, sizeof(buf)));
	EXPECT_STREQ("kernel\n", buf);
	EXPECT_EQ(-EINVAL, oomctl_write("dry_run", "2"));
	EXPECT_EQ(-EINVAL, oomctl_write("dry_run", "yes"));
	ASSERT_LT(0, oomctl_read("dry_run", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
}

TEST_F(rules, unprivileged_writes_refused)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[256];

		if (setgid(1000) || setuid(1000))
			_exit(10);
		/* Root's by default (world_readable=0). */
		if (oomctl_read("rules", buf, sizeof(buf)) != -EACCES)
			_exit(11);
		if (oomctl_write("rules", T "/a policy=group") != -EACCES ||
		    oomctl_write("default_policy", "process") != -EACCES ||
		    oomctl_write("dry_run", "1") != -EACCES)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
