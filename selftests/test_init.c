// SPDX-License-Identifier: GPL-2.0
/*
 * A failed load leaves nothing behind.  The fail_init test knob makes each
 * init step fail in turn (with a biased rule loaded, so that the
 * oom_badness() probe is attached too); each time insmod must fail with
 * the errno asked for, and leave no /sys/kernel/oomctl, no module and no
 * probe on the kernel's OOM functions; a normal load must work after it.
 * On the debug kernel the run ends with a kmemleak scan (scripts/check).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define KPROBES_LIST "/sys/kernel/debug/kprobes/list"
/* An fprobe or the ftrace redirect (bias_hook) is in ftrace's list only. */
#define FTRACE_LIST "/sys/kernel/tracing/enabled_functions"

/* Every step of fail_init, in the order init takes them. */
static const char * const steps[] = {
	"events", "kill", "rules", "early_wq", "early_tracepoints",
	"tracepoint", "notifier", "oom_start",
	"canary", "badness", "oom_group", "will_free_mem", "oom_kill",
	"sysfs_dir", "sysfs_files",
};

/* The functions oomctl probes; none may stay probed after a failed load. */
static const char * const probed[] = {
	"out_of_memory", "oomctl_probe_canary", "oom_badness",
	"mem_cgroup_get_oom_group", "task_will_free_mem", "oom_kill_process",
};

static char list[1 << 17];

/*
 * Every probed function: the kprobes list, then ftrace's where the kernel
 * has ftrace (fprobes and the bias's ftrace redirect are only there).
 */
static int read_probed(void)
{
	int n = read_text(KPROBES_LIST, list, sizeof(list) / 2);

	if (n < 0)
		return -1;
	if (!access(FTRACE_LIST, F_OK) &&
	    read_text(FTRACE_LIST, list + n, sizeof(list) - n) < 0)
		return -1;
	return 0;
}

/* The probed function of ours found in the lists, or NULL. */
static const char *probe_left(struct __test_metadata *_metadata)
{
	unsigned int i;

	ASSERT_EQ(0, read_probed());
	for (i = 0; i < ARRAY_SIZE(probed); i++) {
		if (strstr(list, probed[i]))
			return probed[i];
	}
	return NULL;
}

FIXTURE(init) {
	char rules[128];
};

FIXTURE_SETUP(init)
{
	if (access(KPROBES_LIST, R_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(FTRACE_LIST, R_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (access(KPROBES_LIST, R_OK))
		SKIP(return, "no %s", KPROBES_LIST);
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("biased"));
	snprintf(self->rules, sizeof(self->rules),
		 "rules=\"/%s/biased policy=process bias=100\"", CG_TEST);
	ASSERT_FALSE(oomctl_loaded());
}

FIXTURE_TEARDOWN(init)
{
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
	EXPECT_EQ(0, cg_cleanup());
}

TEST_F(init, every_step_fails_cleanly)
{
	char params[256], want[64];
	const char *left;
	unsigned int i;
	int err;

	/* Probed while loaded: the list does show our probes. */
	ASSERT_EQ(0, oomctl_load(self->rules));
	ASSERT_EQ(0, read_probed());
	for (i = 0; i < ARRAY_SIZE(probed); i++) {
		if (!strstr(list, probed[i]))
			TH_LOG("%s not probed", probed[i]);
		EXPECT_NE(NULL, strstr(list, probed[i]));
	}
	ASSERT_EQ(0, oomctl_unload());
	EXPECT_EQ(NULL, probe_left(_metadata));

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		/* A different errno for each step: it must be the one asked for. */
		err = 100 + i;
		/* early=1: the early kill's idle look is queued, then unwound. */
		snprintf(params, sizeof(params), "%s early=1 fail_init=%s:%d",
			 self->rules, steps[i], err);
		TH_LOG("insmod oomctl.ko %s", params);
		ASSERT_EQ(0, dmesg_clear());
		EXPECT_EQ(-err, oomctl_load(params));
		EXPECT_FALSE(oomctl_loaded());
		EXPECT_NE(0, access("/sys/module/oomctl", F_OK));
		left = probe_left(_metadata);
		if (left)
			TH_LOG("%s still probed after %s failed", left, steps[i]);
		EXPECT_EQ(NULL, left);
		snprintf(want, sizeof(want), "fail_init=%s:%d", steps[i], err);
		EXPECT_TRUE(dmesg_has(want, "as asked"));
		if (oomctl_loaded())
			ASSERT_EQ(0, oomctl_unload());
	}

	/* Without the knob, the same load works. */
	ASSERT_EQ(0, oomctl_load(self->rules));
	EXPECT_TRUE(oomctl_loaded());
	EXPECT_LE(0, oomctl_stat("hooks_missed"));
	ASSERT_EQ(0, oomctl_unload());
}

TEST_F(init, default_errno_and_bad_values)
{
	static const char * const bad[] = {
		"fail_init=", "fail_init=nosuchstep", "fail_init=events:0",
		"fail_init=events:4096", "fail_init=events:-12",
		"fail_init=events:x", "fail_init=sysfs_filesx",
	};
	unsigned int i;

	EXPECT_EQ(-ENOMEM, oomctl_load("fail_init=sysfs_files"));
	EXPECT_FALSE(oomctl_loaded());
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("insmod oomctl.ko %s", bad[i]);
		EXPECT_EQ(-EINVAL, oomctl_load(bad[i]));
		EXPECT_FALSE(oomctl_loaded());
	}
	/* Not shown among the parameters: it is read at load only. */
	ASSERT_EQ(0, oomctl_load(NULL));
	EXPECT_NE(0, access("/sys/module/oomctl/parameters/fail_init", F_OK));
	ASSERT_EQ(0, oomctl_unload());
}

TEST_HARNESS_MAIN
