// SPDX-License-Identifier: GPL-2.0
/*
 * The decision record: /sys/kernel/oomctl/events wakes a poll() waiter,
 * names the victim, its cgroup and the policy applied, numbers decisions
 * consecutively, counts what an overflow drops; and after a scripted
 * series of OOMs every counter holds exactly the expected total.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T "/" CG_TEST

static char events[1 << 18];

/* The events file, and its last line (or "" if none). */
static const char *read_events(const char **last)
{
	char *nl;
	int len;

	len = oomctl_read("events", events, sizeof(events));
	if (len <= 0) {
		events[0] = '\0';
		*last = events;
		return events;
	}
	events[len - 1] = '\0';		/* the final newline */
	nl = strrchr(events, '\n');
	*last = nl ? nl + 1 : events;
	return events;
}

/* One memcg OOM in @cg (limited to 16M): a hog and a sleeper. */
static pid_t oom_once(struct __test_metadata *_metadata, const char *cg)
{
	pid_t hog, sleeper;

	sleeper = spawn_sleeper(cg, 0);
	hog = spawn_hog(cg, 0);
	EXPECT_EQ(SIGKILL, child_end(hog, 60000));
	kill(sleeper, SIGKILL);
	child_end(sleeper, -1);
	return hog;
}

FIXTURE(events) {
};

FIXTURE_SETUP(events)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("app"));
	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("app/job"));
	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
}

FIXTURE_TEARDOWN(events)
{
	EXPECT_EQ(0, cg_cleanup());
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
}

TEST_F(events, poll_wakes_and_line_is_right)
{
	struct pollfd pfd;
	const char *last;
	pid_t hog, sleeper;
	char buf[512], want[32];

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group bias=-10"));
	pfd.fd = open(OOMCTL_SYSFS "/events", O_RDONLY);
	ASSERT_LE(0, pfd.fd);
	ASSERT_EQ(0, read(pfd.fd, buf, sizeof(buf)));	/* empty; arms poll */
	pfd.events = POLLPRI | POLLERR;

	sleeper = spawn_sleeper("app/job", 0);
	hog = spawn_hog("app/job", 0);
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	EXPECT_TRUE(pfd.revents & (POLLPRI | POLLERR));
	close(pfd.fd);
	EXPECT_EQ(SIGKILL, child_end(hog, 60000));
	EXPECT_EQ(SIGKILL, child_end(sleeper, 5000));

	read_events(&last);
	TH_LOG("%s", last);
	snprintf(want, sizeof(want), "%d", hog);
	EXPECT_STREQ("1", event_field(last, "seq", buf, sizeof(buf)));
	EXPECT_STREQ("memcg", event_field(last, "kind", buf, sizeof(buf)));
	EXPECT_STREQ(T "/app", event_field(last, "domain", buf, sizeof(buf)));
	EXPECT_STREQ(want, event_field(last, "victim_pid", buf, sizeof(buf)));
	EXPECT_STREQ("oomctl-hog", event_field(last, "victim_comm", buf, sizeof(buf)));
	EXPECT_STREQ(T "/app/job", event_field(last, "victim_cgroup", buf, sizeof(buf)));
	EXPECT_LT(10000, atol(event_field(last, "victim_rss_kb", buf, sizeof(buf))));
	EXPECT_STREQ(T "/app", event_field(last, "rule", buf, sizeof(buf)));
	EXPECT_STREQ("group", event_field(last, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("-10", event_field(last, "bias", buf, sizeof(buf)));
	EXPECT_STREQ(T "/app/job", event_field(last, "target", buf, sizeof(buf)));
	EXPECT_STREQ("kernel", event_field(last, "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("2", event_field(last, "tasks_killed", buf, sizeof(buf)));
	EXPECT_STREQ("0", event_field(last, "dry_run", buf, sizeof(buf)));
	EXPECT_STREQ("0", event_field(last, "narrowed", buf, sizeof(buf)));
	EXPECT_STREQ("no", event_field(last, "quiet", buf, sizeof(buf)));
	EXPECT_LT(0, atoll(event_field(last, "time_ns", buf, sizeof(buf))));
}

TEST_F(events, fallback_and_process_lines)
{
	const char *last;
	char buf[256];

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "-memory"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	oom_once(_metadata, "app/job");
	EXPECT_TRUE(dmesg_has("group kill of " T "/app/job after memcg", "by the fallback killer"));
	read_events(&last);
	EXPECT_STREQ("fallback", event_field(last, "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ(T "/app/job", event_field(last, "target", buf, sizeof(buf)));
	EXPECT_STREQ("2", event_field(last, "tasks_killed", buf, sizeof(buf)));

	ASSERT_EQ(0, oomctl_rule("app", "policy=process"));
	oom_once(_metadata, "app/job");
	read_events(&last);
	EXPECT_STREQ("2", event_field(last, "seq", buf, sizeof(buf)));
	EXPECT_STREQ("quiet", event_field(last, "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("yes", event_field(last, "quiet", buf, sizeof(buf)));
	EXPECT_STREQ("-", event_field(last, "target", buf, sizeof(buf)));
	EXPECT_STREQ("1", event_field(last, "tasks_killed", buf, sizeof(buf)));

	ASSERT_EQ(0, oomctl_rule("app", "policy=process kill=kernel"));
	oom_once(_metadata, "app/job");
	read_events(&last);
	EXPECT_STREQ("3", event_field(last, "seq", buf, sizeof(buf)));
	EXPECT_STREQ("none", event_field(last, "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("no", event_field(last, "quiet", buf, sizeof(buf)));
	EXPECT_STREQ("1", event_field(last, "tasks_killed", buf, sizeof(buf)));
}

/* N + 4 decisions in a ring of N: the oldest 4 are dropped, and counted. */
TEST_F(events, overflow_counts_dropped)
{
	const char *text, *last, *p;
	char buf[64];
	int i, lines = 0;

	ASSERT_EQ(0, oomctl_load("events_max=3"));
	for (i = 0; i < 7; i++)
		oom_once(_metadata, "app/job");
	EXPECT_EQ(4, oomctl_stat("events_dropped"));
	text = read_events(&last);
	for (p = text; *p; p++)
		lines += *p == '\n';
	EXPECT_EQ(2, lines);			/* 3 lines, the last one cut */
	EXPECT_STREQ("5", event_field(text, "seq", buf, sizeof(buf)));
	EXPECT_STREQ("7", event_field(last, "seq", buf, sizeof(buf)));
}

/* A scripted series; every counter is checked against the exact total. */
TEST_F(events, counters_add_up)
{
	static const struct { const char *name; long want; } totals[] = {
		{ "memcg_kills", 4 }, { "sysrq_kills", 1 }, { "global_kills", 0 },
		{ "decisions_kernel", 1 }, { "decisions_process", 1 },
		{ "decisions_group", 2 }, { "decisions_subtree", 1 },
		{ "dry_run", 1 }, { "group_kills", 2 },
		{ "victims", 1 + 1 + 2 + 2 + 1 }, { "tasks_killed", 7 },
		{ "fallback_kills", 0 }, { "events_dropped", 0 },
		{ "quiet_kills", 1 }, { "quiet_declined", 0 },
		{ "quiet_lingering", 0 }, { "hooks_missed", 0 },
		{ "victims_undecided", 0 },
	};
	const char *last;
	char buf[64];
	unsigned int i;
	pid_t hog;

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, oomctl_rule("app", "policy=process"));
	oom_once(_metadata, "app/job");			/* process: 1 victim */
	ASSERT_EQ(0, oomctl_rule("app", "policy=subtree"));
	ASSERT_EQ(0, oomctl_write("dry_run", "1"));
	oom_once(_metadata, "app/job");			/* dry subtree: 1 */
	ASSERT_EQ(0, oomctl_write("dry_run", "0"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	oom_once(_metadata, "app/job");			/* group: 2 */
	oom_once(_metadata, "app/job");			/* group: 2 */

	/* sysrq-f kills the biggest task: a 20M hog, with no rule above it. */
	ASSERT_EQ(0, cg_create("big"));
	hog = spawn_hog("big", 20);
	usleep(500000);
	ASSERT_EQ(0, write_text("/proc/sysrq-trigger", "f"));
	EXPECT_EQ(SIGKILL, child_end(hog, 10000));	/* kernel: 1 */
	EXPECT_TRUE(dmesg_has("kernel kill after sysrq OOM", "1 task, default_policy"));

	for (i = 0; i < ARRAY_SIZE(totals); i++) {
		TH_LOG("stats/%s", totals[i].name);
		EXPECT_EQ(totals[i].want, oomctl_stat(totals[i].name));
	}
	read_events(&last);
	EXPECT_STREQ("sysrq", event_field(last, "kind", buf, sizeof(buf)));
	EXPECT_STREQ("5", event_field(last, "seq", buf, sizeof(buf)));
}

TEST_HARNESS_MAIN
