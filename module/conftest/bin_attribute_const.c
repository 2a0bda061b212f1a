// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: do sysfs' binary attributes take a const struct
 * bin_attribute (its read(), write() and a group's is_bin_visible() and
 * bin_attrs), as in 7.x, rather than a mutable one, as in 6.1 and 6.12?
 * Compiles only with the former (-Werror=incompatible-pointer-types).
 */
#include <linux/sysfs.h>

static ssize_t conftest_read(struct file *file, struct kobject *kobj,
			     const struct bin_attribute *attr, char *buf,
			     loff_t off, size_t count)
{
	return 0;
}

static umode_t conftest_visible(struct kobject *kobj,
				const struct bin_attribute *attr, int n)
{
	return 0;
}

static const struct bin_attribute conftest_attr = { .read = conftest_read };
static const struct bin_attribute *conftest_attrs[] = { &conftest_attr, NULL };

static const struct attribute_group conftest_group = {
	.bin_attrs = conftest_attrs,
	.is_bin_visible = conftest_visible,
};

const struct attribute_group *conftest_bin_attribute_const(void);
const struct attribute_group *conftest_bin_attribute_const(void)
{
	return &conftest_group;
}
