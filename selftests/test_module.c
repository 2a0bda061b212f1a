// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl module life cycle and its switches: load and unload, insmod
 * parameters, the sysfs files and their modes, invalid and unprivileged
 * writes, unprivileged reads of rules and events.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
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

static mode_t file_mode(const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), OOMCTL_SYSFS "/%s", file);
	if (stat(path, &st))
		return 0;
	return st.st_mode & 07777;
}

/*
 * Become uid and gid 1000, as a user's process is: setuid() from root
 * drops every capability.  0, or -1 if that failed or a capability is
 * left.
 */
static int become_user(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (setgid(1000) || setuid(1000))
		return -1;
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	if (data[0].effective || data[1].effective ||
	    data[0].permitted || data[1].permitted)
		return -1;
	return 0;
}

/*
 * What uid 1000 gets from reading @file (0 or -errno), and whether it
 * can write it (-EACCES expected), as one exit code of a child:
 * 0 read and refused write, 1 -EACCES on read, anything else a failure.
 */
static int user_access(const char *file)
{
	char buf[4096];
	int status, ret;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become_user())
			_exit(100);
		if (oomctl_write(file, "/x policy=group\n") != -EACCES)
			_exit(101);
		ret = oomctl_read(file, buf, sizeof(buf));
		_exit(ret >= 0 ? 0 : ret == -EACCES ? 1 : 102);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * world_readable=: rules and events are root's (0600, 0400) unless it is
 * 1, when they are readable by everyone (0644, 0444) and still written
 * by root only.
 */
TEST(param_world_readable)
{
	static const char * const params[] = { NULL, "world_readable=0",
					       "world_readable=1" };
	char buf[16];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		bool wide = i == 2;

		TH_LOG("insmod oomctl.ko %s", params[i] ?: "");
		ASSERT_EQ(0, oomctl_load(params[i]));
		/* EXPECT, not ASSERT: the module is to be unloaded below. */
		if (read_text("/sys/module/oomctl/parameters/world_readable",
			      buf, sizeof(buf)) < 0)
			strcpy(buf, "(no file)");
		EXPECT_STREQ(wide ? "1\n" : "0\n", buf);
		EXPECT_EQ(wide ? 0644U : 0600U, file_mode("rules"));
		EXPECT_EQ(wide ? 0444U : 0400U, file_mode("events"));
		/* Root reads both either way. */
		EXPECT_LE(0, oomctl_read("rules", buf, sizeof(buf)));
		EXPECT_LE(0, oomctl_read("events", buf, sizeof(buf)));
		/* A user reads them only if world_readable=1, writes never. */
		EXPECT_EQ(wide ? 0 : 1, user_access("rules"));
		EXPECT_EQ(wide ? 0 : 1, user_access("events"));
		ASSERT_EQ(0, oomctl_unload());
	}
}

TEST(param_world_readable_invalid)
{
	static const char * const bad[] = { "world_readable=2", "world_readable=foo",
					    "world_readable=-1", "world_readable=+1",
					    "world_readable=true", "world_readable=" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("insmod oomctl.ko %s", bad[i]);
		EXPECT_EQ(-EINVAL, oomctl_load(bad[i]));
		EXPECT_FALSE(oomctl_loaded());
		if (oomctl_loaded())	/* leave nothing for the next test */
			EXPECT_EQ(0, oomctl_unload());
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

/* Every file of the interface, stats/ included, relative to OOMCTL_SYSFS. */
static const char * const all_files[] = {
	"version", "enabled", "dry_run", "default_policy", "rules", "events",
	"stats/global_ooms", "stats/victims", "stats/global_kills",
	"stats/memcg_kills", "stats/decisions_kernel", "stats/decisions_process",
	"stats/decisions_group", "stats/decisions_subtree", "stats/dry_run",
	"stats/group_kills", "stats/fallback_kills", "stats/fallback_tasks",
	"stats/fallback_dropped", "stats/tasks_killed", "stats/sysrq_kills",
	"stats/bias_applied", "stats/events_dropped", "stats/quiet_kills",
	"stats/quiet_declined", "stats/quiet_lingering", "stats/hooks_missed",
	"stats/victims_undecided",
	"stats/early_kills", "stats/early_armed",
};

/* The early kill's directory: all root-writable. */
static const char * const early_files[] = {
	"early/enabled", "early/available_percent", "early/available_mib",
	"early/reclaim_percent",
};

/* Entries in a directory, "." and ".." aside. */
static int dir_entries(const char *path)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		n += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dir);
	return n;
}

TEST_F(oomctl, files_and_modes)
{
	char version[32], modversion[32];
	unsigned int i;

	/*
	 * The switches are root-writable; rules is root's (read and write),
	 * events root-readable (world_readable=0); the rest is read-only.
	 */
	for (i = 0; i < ARRAY_SIZE(all_files); i++) {
		mode_t want = i >= 1 && i <= 3 ? 0644 : i == 4 ? 0600 :
			      i == 5 ? 0400 : 0444, mode;

		mode = file_mode(all_files[i]);
		EXPECT_EQ(want, mode)
			TH_LOG("%s: mode %o", all_files[i] ?: "?", mode);
	}
	for (i = 0; i < ARRAY_SIZE(early_files); i++)
		EXPECT_EQ(0644U, file_mode(early_files[i]));
	/* And there is nothing else: stats/ and early/ are directories of their own. */
	EXPECT_EQ(8, dir_entries(OOMCTL_SYSFS));
	EXPECT_EQ((int)ARRAY_SIZE(early_files), dir_entries(OOMCTL_SYSFS "/early"));
	EXPECT_EQ((int)ARRAY_SIZE(all_files) - 6, dir_entries(OOMCTL_SYSFS "/stats"));
	EXPECT_EQ(0444U, file_mode("../../module/oomctl/parameters/enabled"));
	EXPECT_EQ(0444U, file_mode("../../module/oomctl/parameters/world_readable"));

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
					    "\n", "1\n\n", "+1", "01", "true" };
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

/*
 * uid 1000 without capabilities may read every file but rules and events
 * (they tell of other users' processes and cgroups), and write none.
 */
TEST_F(oomctl, unprivileged_write_refused)
{
	static const char * const writes[] = { "0", "1", "group", "/x policy=group\n" };
	char buf[256], before[4][256];
	unsigned int i, j;
	int status, ret;
	pid_t pid;

	for (i = 0; i < 4; i++)
		ASSERT_LE(0, oomctl_read(all_files[1 + i], before[i], sizeof(before[i])));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (become_user())
			_exit(100);
		for (i = 0; i < ARRAY_SIZE(all_files); i++) {
			ret = oomctl_read(all_files[i], buf, sizeof(buf));
			if ((ret < 0 ? ret : 0) != (i == 4 || i == 5 ? -EACCES : 0))
				_exit(1 + i);
			for (j = 0; j < ARRAY_SIZE(writes); j++) {
				if (oomctl_write(all_files[i], writes[j]) != -EACCES)
					_exit(50 + i);
			}
		}
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		unsigned int f = WEXITSTATUS(status);

		TH_LOG("%s: %s", f >= 50 ? "written" : "wrong read result",
		       f < 100 ? all_files[f >= 50 ? f - 50 : f - 1] : "setuid");
	}
	/* Nothing changed. */
	for (i = 0; i < 4; i++) {
		ASSERT_LE(0, oomctl_read(all_files[1 + i], buf, sizeof(buf)));
		EXPECT_STREQ(before[i], buf);
	}
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &hdr, data);
}

/* Root without CAP_SYS_ADMIN passes the file mode, and is refused anyway. */
TEST_F(oomctl, no_cap_sys_admin_write_refused)
{
	static const char * const files[] = { "enabled", "dry_run",
					       "default_policy", "rules" };
	static const char * const values[] = { "0", "1", "process",
						"/x policy=group" };
	char buf[64];
	unsigned int i;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (drop_cap_sys_admin())
			_exit(10);
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			if (oomctl_write(files[i], values[i]) != -EPERM)
				_exit(11 + i);
		}
		if (oomctl_read("rules", buf, sizeof(buf)) < 0)
			_exit(20);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_LE(0, oomctl_read("rules", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	ASSERT_LT(0, oomctl_read("default_policy", buf, sizeof(buf)));
	EXPECT_STREQ("kernel\n", buf);
}

TEST_HARNESS_MAIN
