// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/oomctl/: the runtime interface.
 *
 *   version         ro  module version
 *   enabled         rw  master switch, "0" or "1"
 *   stats/          ro  counters (stats.c)
 *
 * Writes are root-only by file mode.  A store either takes the whole value
 * or fails with -EINVAL and changes nothing.  The parsers here are also
 * used by the module parameters, so a value means the same at insmod time
 * and at run time.
 */
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

#include "oomctl.h"

/**
 * oomctl_parse_bool - parse a switch value
 * @buf: "0" or "1", optionally followed by one newline
 * @res: where to store the result; untouched on error
 *
 * Stricter than kstrtobool(), which would read "foo" as false: a switch
 * takes exactly 0 or 1.
 *
 * Return: 0, or -EINVAL.
 */
int oomctl_parse_bool(const char *buf, bool *res)
{
	unsigned int val;

	if (kstrtouint(buf, 10, &val) || val > 1)
		return -EINVAL;
	*res = val;
	return 0;
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", OOMCTL_VERSION);
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", oomctl_is_enabled());
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	bool val;
	int ret;

	ret = oomctl_parse_bool(buf, &val);
	if (ret)
		return ret;
	WRITE_ONCE(oomctl_enabled, val);
	return count;
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute enabled_attr = __ATTR_RW_MODE(enabled, 0644);

static struct attribute *oomctl_attrs[] = {
	&version_attr.attr,
	&enabled_attr.attr,
	NULL,
};

static const struct attribute_group oomctl_group = {
	.attrs = oomctl_attrs,
};

static const struct attribute_group *oomctl_groups[] = {
	&oomctl_group,
	&oomctl_stats_group,
	NULL,
};

static struct kobject *oomctl_kobj;

int oomctl_sysfs_init(void)
{
	int ret;

	oomctl_kobj = kobject_create_and_add("oomctl", kernel_kobj);
	if (!oomctl_kobj)
		return -ENOMEM;
	ret = sysfs_create_groups(oomctl_kobj, oomctl_groups);
	if (ret) {
		kobject_put(oomctl_kobj);
		return ret;
	}
	return 0;
}

/*
 * Removing the files waits for every running show/store to finish
 * (kernfs active references), so nothing of ours runs from sysfs after
 * this returns.
 */
void oomctl_sysfs_exit(void)
{
	sysfs_remove_groups(oomctl_kobj, oomctl_groups);
	kobject_put(oomctl_kobj);
}
