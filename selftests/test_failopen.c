// SPDX-License-Identifier: GPL-2.0
/*
 * Failing open is not silent.  With kprobes disarmed for the whole system
 * (/sys/kernel/debug/kprobes/enabled 0) no rule can apply: a memcg OOM
 * under a policy=process rule, in a cgroup with memory.oom.group=1, is the
 * kernel's group kill.  That kill must be counted in stats/hooks_missed,
 * recorded with hooks=missed (policy=kernel, the rule that did not apply,
 * the kernel's group as target, both tasks), and warned about once in
 * dmesg, not once per kill.  With kprobes armed again the rule applies
 * and nothing more is counted as missed.
 *
 * A kretprobe running out of instances (nmissed) is not provoked here:
 * the OOM killer's calls are serialized by oom_lock, so the probes'
 * instances cannot all be in use at once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define KPROBES_ENABLED "/sys/kernel/debug/kprobes/enabled"
#define WARNING "OOM kill not seen by oomctl's probes"

static char text[1 << 18];

/* Can kprobes be disarmed and armed here?  Mounts debugfs if need be. */
static bool kprobes_switch(void)
{
	if (access(KPROBES_ENABLED, W_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	return access(KPROBES_ENABLED, W_OK) == 0;
}

/* Lines of the kernel log holding @s. */
static int dmesg_count(const char *s)
{
	static char log[1 << 20];
	const char *p;
	int len, n = 0;

	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	if (len < 0)
		return -1;
	log[len] = '\0';
	for (p = strstr(log, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

/* The last line of the events file, or "". */
static const char *last_event(void)
{
	char *nl;
	int len;

	len = oomctl_read("events", text, sizeof(text));
	if (len <= 0)
		return "";
	text[len - 1] = '\0';
	nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

/*
 * One memcg OOM in "app" (16M, memory.oom.group=1): a sleeper and a hog.
 * Returns whether the sleeper died with the hog; *pids gets both.
 */
static bool oom_once(struct __test_metadata *_metadata, pid_t *pids)
{
	pid_t hog, sleeper;
	bool sleeper_died;

	sleeper = spawn_sleeper("app", 0);
	hog = spawn_hog("app", 0);
	if (pids) {
		pids[0] = hog;
		pids[1] = sleeper;
	}
	EXPECT_EQ(SIGKILL, child_end(hog, 60000));
	sleeper_died = child_killed(sleeper);
	if (!sleeper_died) {
		kill(sleeper, SIGKILL);
		child_end(sleeper, -1);
	}
	return sleeper_died;
}

/* The seq of the last event, 0 if none. */
static long last_seq(void)
{
	char buf[32];

	return atol(event_field(last_event(), "seq", buf, sizeof(buf)));
}

/*
 * The events after @after, each line cut out of text[] in turn: *line is
 * the next one, or NULL at the end.
 */
static const char *next_event(long after, char **pos)
{
	char buf[32], *line, *nl;

	while (**pos) {
		line = *pos;
		nl = strchr(line, '\n');
		if (nl) {
			*nl = '\0';
			*pos = nl + 1;
		} else {
			*pos = line + strlen(line);
		}
		if (atol(event_field(line, "seq", buf, sizeof(buf))) > after)
			return line;
	}
	return NULL;
}

FIXTURE(failopen) {
};

FIXTURE_SETUP(failopen)
{
	if (!kprobes_switch())
		SKIP(return, "no %s", KPROBES_ENABLED);
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("app"));
	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	ASSERT_EQ(0, cg_write("app", "memory.oom.group", "1"));
	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, oomctl_rule("app", "policy=process"));
	ASSERT_EQ(0, dmesg_clear());
}

FIXTURE_TEARDOWN(failopen)
{
	write_text(KPROBES_ENABLED, "1");
	EXPECT_EQ(0, cg_cleanup());
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
}

TEST_F(failopen, disarmed_kprobes_counted_marked_warned_once)
{
	char buf[256], want[256], *pos;
	long victims, missed, seq;
	pid_t pids[2];
	const char *ev;
	int i, n;

	snprintf(want, sizeof(want), "/%s/app", CG_TEST);

	/* Armed: the rule applies, the sleeper lives, nothing is missed. */
	EXPECT_FALSE(oom_once(_metadata, NULL));
	EXPECT_EQ(0, oomctl_stat("hooks_missed"));
	EXPECT_STREQ("ok", event_field(last_event(), "hooks", buf, sizeof(buf)));

	ASSERT_EQ(0, write_text(KPROBES_ENABLED, "0"));
	for (i = 1; i <= 2; i++) {
		victims = oomctl_stat("victims");
		missed = oomctl_stat("hooks_missed");
		seq = last_seq();
		/* The kernel's group kill: the sleeper dies too. */
		EXPECT_TRUE(oom_once(_metadata, pids));
		/* Its event first, the group's two tasks in it. */
		ASSERT_LT(0, oomctl_read("events", text, sizeof(text)));
		pos = text;
		ev = next_event(seq, &pos);
		ASSERT_NE(NULL, ev);
		TH_LOG("%s", ev);
		EXPECT_STREQ("missed", event_field(ev, "hooks", buf, sizeof(buf)));
		EXPECT_STREQ("kernel", event_field(ev, "policy", buf, sizeof(buf)));
		EXPECT_STREQ("memcg", event_field(ev, "kind", buf, sizeof(buf)));
		EXPECT_STREQ(want, event_field(ev, "rule", buf, sizeof(buf)));
		EXPECT_STREQ(want, event_field(ev, "target", buf, sizeof(buf)));
		EXPECT_STREQ("kernel", event_field(ev, "mechanism", buf, sizeof(buf)));
		EXPECT_STREQ("2", event_field(ev, "tasks_killed", buf, sizeof(buf)));
		/*
		 * Then nothing, but where the kernel marks a dying member's
		 * thread again when it allocates (7.x: a memcg OOM no longer
		 * leaves a dying task alone): a mark of its own, which
		 * nothing but the tracepoint saw either, recorded as such.
		 */
		n = 1;
		while ((ev = next_event(seq, &pos))) {
			TH_LOG("and %s", ev);
			EXPECT_STREQ("missed", event_field(ev, "hooks", buf, sizeof(buf)));
			EXPECT_STREQ("1", event_field(ev, "tasks_killed", buf, sizeof(buf)));
			event_field(ev, "victim_pid", buf, sizeof(buf));
			EXPECT_TRUE(atol(buf) == pids[0] || atol(buf) == pids[1]);
			n++;
		}
		EXPECT_EQ(missed + n, oomctl_stat("hooks_missed"));
		EXPECT_EQ(victims + 1 + n, oomctl_stat("victims"));
		EXPECT_TRUE(dmesg_has("probes missed it: kernel kill", want));
	}
	/* One warning for the two kills, naming the cause. */
	EXPECT_EQ(1, dmesg_count(WARNING));
	EXPECT_EQ(1, dmesg_count("kprobes are disarmed"));

	/* Armed again: the rule applies again, nothing more missed. */
	ASSERT_EQ(0, write_text(KPROBES_ENABLED, "1"));
	missed = oomctl_stat("hooks_missed");
	EXPECT_FALSE(oom_once(_metadata, NULL));
	EXPECT_EQ(missed, oomctl_stat("hooks_missed"));
	EXPECT_STREQ("ok", event_field(last_event(), "hooks", buf, sizeof(buf)));
	EXPECT_STREQ("process", event_field(last_event(), "policy", buf, sizeof(buf)));
}

TEST(disarmed_at_load_warns)
{
	if (!kprobes_switch())
		SKIP(return, "no %s", KPROBES_ENABLED);
	ASSERT_EQ(0, dmesg_clear());
	ASSERT_EQ(0, write_text(KPROBES_ENABLED, "0"));
	EXPECT_EQ(0, oomctl_load(NULL));
	write_text(KPROBES_ENABLED, "1");
	EXPECT_TRUE(dmesg_has("kprobes are disarmed", "no rule applies"));
	EXPECT_EQ(0, oomctl_unload());
}

TEST_HARNESS_MAIN
