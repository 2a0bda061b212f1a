// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl: per-cgroup OOM kill policy.  Module parameters, init and exit.
 *
 * Init order: hooks first, then sysfs, so that every file a user can see
 * works.  Exit order is the reverse: sysfs goes first, so that no store
 * runs while the hooks are detached; then the hooks, each detach waiting
 * for its running callbacks.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "oomctl.h"

bool oomctl_enabled = true;

static int enabled_param_set(const char *val, const struct kernel_param *kp)
{
	return oomctl_parse_bool(val, kp->arg);
}

static int enabled_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", *(bool *)kp->arg);
}

static const struct kernel_param_ops enabled_param_ops = {
	.set = enabled_param_set,
	.get = enabled_param_get,
};

/*
 * Parameters are set at load; /sys/module/oomctl/parameters/ shows the
 * current values read-only, and /sys/kernel/oomctl/ is where they change.
 */
module_param_cb(enabled, &enabled_param_ops, &oomctl_enabled, 0444);
MODULE_PARM_DESC(enabled, "Act on OOMs at all: 0 or 1 (default 1)");

static int __init oomctl_init(void)
{
	int ret;

	ret = oomctl_hooks_init();
	if (ret)
		return ret;
	ret = oomctl_sysfs_init();
	if (ret) {
		oomctl_hooks_exit();
		return ret;
	}
	pr_info("version %s loaded, %s\n", OOMCTL_VERSION,
		oomctl_is_enabled() ? "enabled" : "disabled");
	return 0;
}

static void __exit oomctl_exit(void)
{
	oomctl_sysfs_exit();
	oomctl_hooks_exit();
	pr_info("unloaded\n");
}

module_init(oomctl_init);
module_exit(oomctl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-cgroup OOM kill policy");
MODULE_AUTHOR("The oomctl developers");
MODULE_VERSION(OOMCTL_VERSION);
