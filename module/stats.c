// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl counters, shown one file each under /sys/kernel/oomctl/stats/.
 *
 * All counters are monotonic from module load and only ever incremented.
 * They need no lock: each is an atomic_long_t, bumped from the OOM path
 * and read from sysfs.  What each counts, and how it relates to the
 * kernel's own memory.events and /proc/vmstat counters, is written in
 * sysfs-doc/sysfs-kernel-oomctl-stats.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "oomctl.h"

atomic_long_t oomctl_stats[NR_OOMCTL_STATS];

struct oomctl_stat_attr {
	struct kobj_attribute attr;
	enum oomctl_stat item;
};

static ssize_t stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct oomctl_stat_attr *sa =
		container_of(attr, struct oomctl_stat_attr, attr);

	return sysfs_emit(buf, "%lu\n",
			  (unsigned long)atomic_long_read(&oomctl_stats[sa->item]));
}

#define OOMCTL_STAT_ATTR(_name, _item)					\
	static struct oomctl_stat_attr stat_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, stat_show, NULL),		\
		.item = _item,						\
	}

OOMCTL_STAT_ATTR(global_ooms, OOMCTL_STAT_GLOBAL_OOMS);
OOMCTL_STAT_ATTR(victims, OOMCTL_STAT_VICTIMS);
OOMCTL_STAT_ATTR(global_kills, OOMCTL_STAT_GLOBAL_KILLS);
OOMCTL_STAT_ATTR(memcg_kills, OOMCTL_STAT_MEMCG_KILLS);
OOMCTL_STAT_ATTR(decisions_kernel, OOMCTL_STAT_DECISIONS_KERNEL);
OOMCTL_STAT_ATTR(decisions_process, OOMCTL_STAT_DECISIONS_PROCESS);
OOMCTL_STAT_ATTR(decisions_group, OOMCTL_STAT_DECISIONS_GROUP);
OOMCTL_STAT_ATTR(decisions_subtree, OOMCTL_STAT_DECISIONS_SUBTREE);
OOMCTL_STAT_ATTR(dry_run, OOMCTL_STAT_DRY_RUN);
OOMCTL_STAT_ATTR(group_kills, OOMCTL_STAT_GROUP_KILLS);
OOMCTL_STAT_ATTR(fallback_kills, OOMCTL_STAT_FALLBACK_KILLS);
OOMCTL_STAT_ATTR(fallback_tasks, OOMCTL_STAT_FALLBACK_TASKS);
OOMCTL_STAT_ATTR(fallback_dropped, OOMCTL_STAT_FALLBACK_DROPPED);
OOMCTL_STAT_ATTR(tasks_killed, OOMCTL_STAT_TASKS_KILLED);
OOMCTL_STAT_ATTR(sysrq_kills, OOMCTL_STAT_SYSRQ_KILLS);
OOMCTL_STAT_ATTR(bias_applied, OOMCTL_STAT_BIAS_APPLIED);
OOMCTL_STAT_ATTR(events_dropped, OOMCTL_STAT_EVENTS_DROPPED);
OOMCTL_STAT_ATTR(quiet_kills, OOMCTL_STAT_QUIET_KILLS);
OOMCTL_STAT_ATTR(quiet_declined, OOMCTL_STAT_QUIET_DECLINED);
OOMCTL_STAT_ATTR(quiet_lingering, OOMCTL_STAT_QUIET_LINGERING);
OOMCTL_STAT_ATTR(hooks_missed, OOMCTL_STAT_HOOKS_MISSED);
OOMCTL_STAT_ATTR(victims_undecided, OOMCTL_STAT_VICTIMS_UNDECIDED);
OOMCTL_STAT_ATTR(early_kills, OOMCTL_STAT_EARLY_KILLS);
OOMCTL_STAT_ATTR(early_armed, OOMCTL_STAT_EARLY_ARMED);

static struct attribute *stats_attrs[] = {
	&stat_attr_global_ooms.attr.attr,
	&stat_attr_victims.attr.attr,
	&stat_attr_global_kills.attr.attr,
	&stat_attr_memcg_kills.attr.attr,
	&stat_attr_decisions_kernel.attr.attr,
	&stat_attr_decisions_process.attr.attr,
	&stat_attr_decisions_group.attr.attr,
	&stat_attr_decisions_subtree.attr.attr,
	&stat_attr_dry_run.attr.attr,
	&stat_attr_group_kills.attr.attr,
	&stat_attr_fallback_kills.attr.attr,
	&stat_attr_fallback_tasks.attr.attr,
	&stat_attr_fallback_dropped.attr.attr,
	&stat_attr_tasks_killed.attr.attr,
	&stat_attr_sysrq_kills.attr.attr,
	&stat_attr_bias_applied.attr.attr,
	&stat_attr_events_dropped.attr.attr,
	&stat_attr_quiet_kills.attr.attr,
	&stat_attr_quiet_declined.attr.attr,
	&stat_attr_quiet_lingering.attr.attr,
	&stat_attr_hooks_missed.attr.attr,
	&stat_attr_victims_undecided.attr.attr,
	&stat_attr_early_kills.attr.attr,
	&stat_attr_early_armed.attr.attr,
	NULL,
};

const struct attribute_group oomctl_stats_group = {
	.name = "stats",
	.attrs = stats_attrs,
};
