// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl: per-cgroup OOM kill policy.  Module parameters, init and exit.
 *
 * Init order: the event ring, the fallback killer and the rule table
 * first, then the early kill and the hooks that use them, then sysfs, so
 * that every file a user can see works.  Exit is the reverse: the sysfs
 * files go first, so no store runs while the rest goes; then the early
 * kill (its probes, then its works: an early kill in progress finishes);
 * then the hooks, each detach waiting for its running callbacks; then
 * the fallback killer finishes what was queued and the event worker its
 * last report; then the rule table, after an RCU grace period, is freed;
 * the sysfs directory goes last.
 *
 * A failed init undoes the steps done, in reverse.  The hooks are live
 * before sysfs is set up, so an OOM during the load is handled, and its
 * event told by the event worker; that worker sees the sysfs directory
 * only once it is complete (sysfs.c), and is flushed before the event
 * ring goes.  Every error path can be taken on purpose with the fail_init
 * parameter.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "oomctl.h"

bool oomctl_enabled = true;

/*
 * Parameters are set at load and parsed as the files in /sys/kernel/oomctl/
 * parse them; /sys/module/oomctl/parameters/ shows the current values
 * read-only, and /sys/kernel/oomctl/ is where they change.
 */
static int bool_param_set(const char *val, const struct kernel_param *kp)
{
	return oomctl_parse_bool(val, kp->arg);
}

static int bool_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", *(bool *)kp->arg);
}

static const struct kernel_param_ops bool_param_ops = {
	.set = bool_param_set,
	.get = bool_param_get,
};

module_param_cb(enabled, &bool_param_ops, &oomctl_enabled, 0444);
MODULE_PARM_DESC(enabled, "Act on OOMs at all: 0 or 1 (default 1)");
module_param_cb(dry_run, &bool_param_ops, &oomctl_dry_run, 0444);
MODULE_PARM_DESC(dry_run, "Decide and record, change nothing: 0 or 1 (default 0)");
/* Load-time only: sets the modes of /sys/kernel/oomctl/{rules,events}. */
module_param_cb(world_readable, &bool_param_ops, &oomctl_world_readable, 0444);
MODULE_PARM_DESC(world_readable,
		 "Let everyone read the rules and events files: 0 or 1 (default 0, root only)");

static int policy_param_set(const char *val, const struct kernel_param *kp)
{
	return oomctl_parse_default_policy(val, kp->arg);
}

static int policy_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  oomctl_policy_name(*(enum oomctl_policy *)kp->arg));
}

static const struct kernel_param_ops policy_param_ops = {
	.set = policy_param_set,
	.get = policy_param_get,
};

module_param_cb(default_policy, &policy_param_ops, &oomctl_default_policy, 0444);
MODULE_PARM_DESC(default_policy,
		 "Policy where no rule matches: kernel, process or group (default kernel)");

static int max_rules_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 10, &n) || n < 1 || n > 65536)
		return -EINVAL;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops max_rules_ops = {
	.set = max_rules_set,
	.get = param_get_uint,
};

module_param_cb(max_rules, &max_rules_ops, &oomctl_max_rules, 0444);
MODULE_PARM_DESC(max_rules, "Size of the rule table: 1..65536 (default 256)");

static int events_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 10, &n) || n < 1 || n > 4096)
		return -EINVAL;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops events_max_ops = {
	.set = events_max_set,
	.get = param_get_uint,
};

module_param_cb(events_max, &events_max_ops, &oomctl_events_max, 0444);
MODULE_PARM_DESC(events_max, "Decisions kept in the events file: 1..4096 (default 64)");

/* Applied once at init; the table's current state is in /sys/kernel/oomctl/rules. */
static char *initial_rules;
module_param_named(rules, initial_rules, charp, 0);
MODULE_PARM_DESC(rules,
		 "Initial rules, separated by ';': \"/a policy=group;/b policy=process\"");

/*
 * fail_init=<step>[:<errno>]: a test knob.  The named init step fails with
 * -errno (default -ENOMEM) instead of running, so that a test can take
 * every error path of the init (test_init, on the debug kernel with
 * kmemleak too) and see that it unwinds all that came before it.
 *
 * Always built in, not only in debug builds, on purpose: the error paths
 * tested are those of the module users load, on the distro kernels, not
 * those of a build made for the test.  It is no footgun: it is read only
 * at load (mode 0: no file in /sys/module/oomctl/parameters/), it can do
 * nothing but make that load fail, the way a real failure of that step
 * would, and it says so in dmesg ("fail_init=... as asked").  An unknown
 * step or an errno outside 1..4095 is refused with -EINVAL.
 */
static const char * const init_step_names[NR_OOMCTL_INIT_STEPS] = {
	[OOMCTL_INIT_EVENTS] = "events",
	[OOMCTL_INIT_KILL] = "kill",
	[OOMCTL_INIT_RULES] = "rules",
	[OOMCTL_INIT_EARLY_WQ] = "early_wq",
	[OOMCTL_INIT_EARLY_TRACEPOINTS] = "early_tracepoints",
	[OOMCTL_INIT_TRACEPOINT] = "tracepoint",
	[OOMCTL_INIT_NOTIFIER] = "notifier",
	[OOMCTL_INIT_OOM_START] = "oom_start",
	[OOMCTL_INIT_CANARY] = "canary",
	[OOMCTL_INIT_BADNESS] = "badness",
	[OOMCTL_INIT_OOM_GROUP] = "oom_group",
	[OOMCTL_INIT_WILL_FREE_MEM] = "will_free_mem",
	[OOMCTL_INIT_OOM_KILL] = "oom_kill",
	[OOMCTL_INIT_SYSFS_DIR] = "sysfs_dir",
	[OOMCTL_INIT_SYSFS_FILES] = "sysfs_files",
};

/* Set at load only, before init runs; -1: no step fails. */
static int fail_init_step = -1;
static int fail_init_errno = ENOMEM;

static int fail_init_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strcspn(val, ":\n");
	int step, err = ENOMEM;
	char name[24];

	if (len >= sizeof(name))
		return -EINVAL;
	memcpy(name, val, len);
	name[len] = '\0';
	step = match_string(init_step_names, NR_OOMCTL_INIT_STEPS, name);
	if (step < 0)
		return -EINVAL;
	if (val[len] == ':' &&
	    (kstrtoint(val + len + 1, 10, &err) || err < 1 || err > MAX_ERRNO))
		return -EINVAL;
	fail_init_step = step;
	fail_init_errno = err;
	return 0;
}

static const struct kernel_param_ops fail_init_ops = {
	.set = fail_init_set,
};

module_param_cb(fail_init, &fail_init_ops, NULL, 0);
MODULE_PARM_DESC(fail_init,
		 "Test knob: make init step <step> fail with <errno>: \"<step>[:<errno>]\"");

/**
 * oomctl_fail_init - is this init step to fail? (the fail_init parameter)
 * @step: the step about to run
 *
 * Context: module init only.
 * Return: 0 to go on, or the -errno the step is to fail with.
 */
int oomctl_fail_init(enum oomctl_init_step step)
{
	if (step != fail_init_step)
		return 0;
	pr_err("fail_init=%s:%d: failing this init step, as asked\n",
	       init_step_names[step], fail_init_errno);
	return -fail_init_errno;
}

static int __init oomctl_init(void)
{
	int ret;

	ret = oomctl_fail_init(OOMCTL_INIT_EVENTS) ?: oomctl_events_init();
	if (ret)
		return ret;
	ret = oomctl_fail_init(OOMCTL_INIT_KILL) ?: oomctl_kill_init();
	if (ret)
		goto err_events;
	ret = oomctl_fail_init(OOMCTL_INIT_RULES) ?: oomctl_rules_init(initial_rules);
	if (ret)
		goto err_kill;
	ret = oomctl_early_init();
	if (ret)
		goto err_rules;
	ret = oomctl_hooks_init();
	if (ret)
		goto err_early;
	ret = oomctl_sysfs_init();
	if (ret)
		goto err_hooks;
	pr_info("version %s loaded, %s%s, default policy %s\n", OOMCTL_VERSION,
		oomctl_is_enabled() ? "enabled" : "disabled",
		oomctl_dry_run ? " (dry run)" : "",
		oomctl_policy_name(oomctl_default_policy));
	return 0;

err_hooks:
	oomctl_hooks_exit();
err_early:
	oomctl_early_exit();
err_rules:
	oomctl_rules_exit();
err_kill:
	oomctl_kill_exit();
err_events:
	oomctl_events_exit();
	return ret;
}

static void __exit oomctl_exit(void)
{
	oomctl_sysfs_remove();
	oomctl_early_exit();
	oomctl_hooks_exit();
	oomctl_kill_exit();
	oomctl_events_exit();
	oomctl_rules_exit();
	oomctl_sysfs_exit();
	pr_info("unloaded\n");
}

module_init(oomctl_init);
module_exit(oomctl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-cgroup OOM kill policy");
MODULE_AUTHOR("The oomctl developers");
MODULE_VERSION(OOMCTL_VERSION);
