// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl module life cycle and its switches: load and unload, insmod
 * parameters, the sysfs files and their modes, invalid and unprivileged
 * writes.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

TEST(load_unload_twice)
{
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, oomctl_load(NULL));
		ASSERT_TRUE(oomctl_loaded());
		ASSERT_EQ(-EEXIST, oomctl_load(NULL));
		ASSERT_EQ(0, oomctl_unload());
		ASSERT_FALSE(oomctl_loaded());
	}
}

TEST(param_enabled)
{
	char buf[16];

	ASSERT_EQ(0, oomctl_load("enabled=0"));
	ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	/* The parameter file follows the run-time switch. */
	ASSERT_EQ(0, oomctl_write("enabled", "1"));
	ASSERT_LT(0, read_text("/sys/module/oomctl/parameters/enabled", buf,
			       sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	ASSERT_EQ(0, oomctl_unload());

	ASSERT_EQ(0, oomctl_load("enabled=1"));
	ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	ASSERT_EQ(0, oomctl_unload());
}

TEST(param_enabled_invalid)
{
	static const char * const bad[] = { "enabled=2", "enabled=foo", "enabled=-1",
					    "enabled=" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("insmod oomctl.ko %s", bad[i]);
		EXPECT_EQ(-EINVAL, oomctl_load(bad[i]));
		EXPECT_FALSE(oomctl_loaded());
	}
}

FIXTURE(oomctl) {
};

FIXTURE_SETUP(oomctl)
{
	ASSERT_EQ(0, oomctl_load(NULL));
}

FIXTURE_TEARDOWN(oomctl)
{
	EXPECT_EQ(0, oomctl_unload());
}

static mode_t file_mode(const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), OOMCTL_SYSFS "/%s", file);
	if (stat(path, &st))
		return 0;
	return st.st_mode & 07777;
}

TEST_F(oomctl, files_and_modes)
{
	char version[32], modversion[32];

	EXPECT_EQ(0444U, file_mode("version"));
	EXPECT_EQ(0644U, file_mode("enabled"));
	EXPECT_EQ(0444U, file_mode("stats/global_ooms"));
	EXPECT_EQ(0444U, file_mode("stats/victims"));
	EXPECT_EQ(0444U, file_mode("../../module/oomctl/parameters/enabled"));

	/* The sysfs version is the module's own. */
	ASSERT_LT(0, oomctl_read("version", version, sizeof(version)));
	ASSERT_LT(0, read_text("/sys/module/oomctl/version", modversion,
			       sizeof(modversion)));
	EXPECT_STREQ(modversion, version);

	/* Counters start at zero on every load. */
	EXPECT_EQ(0, oomctl_stat("global_ooms"));
	EXPECT_EQ(0, oomctl_stat("victims"));
}

TEST_F(oomctl, enabled_write)
{
	char buf[16];

	ASSERT_EQ(0, oomctl_write("enabled", "0\n"));
	ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	ASSERT_EQ(0, oomctl_write("enabled", "1"));
	ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
}

TEST_F(oomctl, enabled_invalid_write)
{
	static const char * const bad[] = { "2", "foo", "-1", "1 1", "0x1", "10",
					    "\n", "1\n\n" };
	unsigned int i;
	char buf[16];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("echo '%s' > enabled", bad[i]);
		EXPECT_EQ(-EINVAL, oomctl_write("enabled", bad[i]));
		ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
		EXPECT_STREQ("1\n", buf);
	}
	ASSERT_EQ(0, oomctl_write("enabled", "0"));
	EXPECT_EQ(-EINVAL, oomctl_write("enabled", "foo"));
	ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
}

/* uid 1000 may read everything and write nothing. */
TEST_F(oomctl, unprivileged_write_refused)
{
	int status;
	char buf[16];
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(10);
		if (oomctl_read("enabled", buf, sizeof(buf)) < 0)
			_exit(11);
		if (oomctl_stat("victims") < 0)
			_exit(12);
		if (oomctl_write("enabled", "0") != -EACCES)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_LT(0, oomctl_read("enabled", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
}

TEST_HARNESS_MAIN
