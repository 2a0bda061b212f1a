// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/oomctl/: the runtime interface.
 *
 *   version         ro  module version
 *   enabled         rw  master switch, "0" or "1"
 *   dry_run         rw  "1": decide and record, change nothing
 *   default_policy  rw  policy where no rule matches: kernel, process, group
 *   rules           rw  the rule table (grammar in rules.c), root's only
 *   events          ro  the last decisions (events.c), pollable, root's only
 *   stats/          ro  counters (stats.c)
 *   early/          rw  the early kill's switch and thresholds (early.c)
 *
 * Writes are root-only by file mode, and need CAP_SYS_ADMIN besides.
 * For rules, whose write callback gets the file, it is the opener's
 * CAP_SYS_ADMIN that counts (file_ns_capable()), so that an fd opened
 * without it and handed to a privileged process writes nothing.  The
 * switches (enabled, dry_run, default_policy) are kobj_attributes, whose
 * store gets no file (sysfs_kf_write() passes only the kobject), so
 * there capable() checks the writer: the file mode (0644, root's) keeps
 * an fd for writing from anyone but uid 0 or a CAP_DAC_OVERRIDE holder,
 * and making the switches binary attributes only to reach the file would
 * misuse those (they are for pass-through data).  rules and events tell of
 * other users' cgroups and processes (pid, comm, RSS), which
 * dmesg_restrict hides from them: only root reads them (0600, 0400),
 * unless the world_readable module parameter opens them to everyone
 * (0644, 0444).  A store either takes the whole value or fails and
 * changes nothing; a value with a NUL byte in it is refused, not cut
 * short.  The parsers here are also used by the
 * module parameters, so a value means the same at insmod time and at run
 * time.  Stores run in process context and may sleep.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/user_namespace.h>

#include "conftest.h"
#include "oomctl.h"

/*
 * sysfs hands binary attributes over as const in 7.x, mutable in 6.1 and
 * 6.12 (module/conftest/bin_attribute_const.c tells which).
 */
#ifdef OOMCTL_HAVE_BIN_ATTRIBUTE_CONST
#define OOMCTL_BIN_CONST const
#else
#define OOMCTL_BIN_CONST
#endif

/**
 * oomctl_parse_bool - parse a switch value
 * @buf: "0" or "1", optionally followed by one newline
 * @res: where to store the result; untouched on error
 *
 * Stricter than kstrtobool(), which would read "foo" as false: a switch
 * takes exactly "0" or "1" ("+1", "01" and "true" are refused).
 *
 * Return: 0, or -EINVAL.
 */
int oomctl_parse_bool(const char *buf, bool *res)
{
	if (sysfs_streq(buf, "0"))
		*res = false;
	else if (sysfs_streq(buf, "1"))
		*res = true;
	else
		return -EINVAL;
	return 0;
}

/**
 * oomctl_parse_default_policy - parse a default_policy value
 * @buf: a policy name, optionally followed by a newline
 * @res: where to store the result; untouched on error
 *
 * "subtree" needs a rule's cgroup to name the subtree, so it is refused.
 *
 * Return: 0, or -EINVAL.
 */
int oomctl_parse_default_policy(const char *buf, enum oomctl_policy *res)
{
	enum oomctl_policy policy;

	if (oomctl_parse_policy(buf, &policy) || policy == OOMCTL_POLICY_SUBTREE)
		return -EINVAL;
	*res = policy;
	return 0;
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", OOMCTL_VERSION);
}

static ssize_t bool_show(bool *val, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(*val));
}

static ssize_t bool_store(bool *val, const char *buf, size_t count)
{
	bool v;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (strnlen(buf, count) != count)	/* an embedded NUL */
		return -EINVAL;
	ret = oomctl_parse_bool(buf, &v);
	if (ret)
		return ret;
	WRITE_ONCE(*val, v);
	return count;
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return bool_show(&oomctl_enabled, buf);
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	return bool_store(&oomctl_enabled, buf, count);
}

static ssize_t dry_run_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return bool_show(&oomctl_dry_run, buf);
}

static ssize_t dry_run_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	return bool_store(&oomctl_dry_run, buf, count);
}

static ssize_t default_policy_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  oomctl_policy_name(READ_ONCE(oomctl_default_policy)));
}

static ssize_t default_policy_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t count)
{
	enum oomctl_policy policy;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (strnlen(buf, count) != count)	/* an embedded NUL */
		return -EINVAL;
	ret = oomctl_parse_default_policy(buf, &policy);
	if (ret)
		return ret;
	WRITE_ONCE(oomctl_default_policy, policy);
	return count;
}

/*
 * rules and events are binary attributes, so that they can be longer than
 * a page; sysfs hands us one read() at a time, a page at most.  What a
 * reader needs between its reads lives in its kernfs open file, in
 * of->priv: sysfs leaves that to the attribute, kernfs zeroes it at open
 * and frees the open file at close, and of->mutex serializes the reads
 * and writes of one open file.  sysfs gives a binary attribute no release
 * callback, so of->priv holds a number, never memory that would need
 * freeing when a reader stops short: a reader costs nothing between its
 * reads, and any number of opens by any user disturb no other reader.
 *
 * events: of->priv is the reader's cursor in the ring (events.c); a read
 * formats only the lines it returns, a page's worth at most.
 *
 * rules: of->priv tells the rendering the reader is in (its generation and
 * length, below).  A read at offset 0 (or an open file's first read) takes
 * the table's current rendering; that open file's later reads continue in
 * it, so that however small its reads, a reader sees the table as it was
 * at its read at offset 0, whatever changes meanwhile.  Renderings are
 * shared: a read at offset 0 renders the table, and keeps the new text as
 * a new generation only if it differs from the newest kept (rendering
 * under rules_text_lock keeps them in order), so that while the table
 * stays as it is, reads and opens by any user push no rendering out.  The
 * last RULES_KEPT renderings are kept, until unload at most (RULES_KEPT
 * times max_rules lines at worst).  A reader whose rendering was pushed
 * out (RULES_KEPT newer ones were made since its read at offset 0) gets
 * -ESTALE, never a text spliced from two tables, and may read again from
 * offset 0; one that has read all of it gets the end (0) all the same.
 *
 * rules_text_lock protects rules_texts[] and rules_gen and is taken
 * before rules_mutex (rules.c).
 */
#define RULES_KEPT	4

struct rules_text {
	u64 gen;		/* 1, 2, ...; 0: an empty slot */
	size_t len;
	char *text;
};

static DEFINE_MUTEX(rules_text_lock);
/* Generation g, while kept, is in slot g % RULES_KEPT. */
static struct rules_text rules_texts[RULES_KEPT];	/* rules_text_lock */
static u64 rules_gen;			/* rules_text_lock; the newest kept */

static struct kernfs_open_file *oomctl_of(struct file *file)
{
	return ((struct seq_file *)file->private_data)->private;
}

/* Render the table now; *gen: the generation of that text. */
static int rules_take_current(u64 *gen)
{
	const struct rules_text *newest = &rules_texts[rules_gen % RULES_KEPT];
	struct rules_text *slot;
	size_t len;
	char *text;

	lockdep_assert_held(&rules_text_lock);
	text = oomctl_rules_render(&len);
	if (!text)
		return -ENOMEM;
	if (rules_gen && newest->len == len && !memcmp(newest->text, text, len)) {
		kvfree(text);	/* unchanged: share the newest */
	} else {
		slot = &rules_texts[++rules_gen % RULES_KEPT];
		kvfree(slot->text);
		*slot = (struct rules_text) {
			.gen = rules_gen, .len = len, .text = text,
		};
	}
	*gen = rules_gen;
	return 0;
}

/*
 * A reader's place in rules, kept in of->priv: the low 32 bits of the
 * generation it reads (enough to tell the RULES_KEPT kept apart, and to
 * find its slot, RULES_KEPT being a power of two) and the length of that
 * rendering, so that the read at its end returns 0 even when the
 * rendering has been pushed out meanwhile.  A rendering is far shorter
 * than 4 GiB (max_rules lines of at most a path and 80 bytes).
 */
#define RULES_GEN_BITS	32
static_assert(RULES_KEPT && !(RULES_KEPT & (RULES_KEPT - 1)));

static ssize_t rules_read(struct file *file, struct kobject *kobj,
			  OOMCTL_BIN_CONST struct bin_attribute *attr,
			  char *buf, loff_t off, size_t count)
{
	struct kernfs_open_file *of = oomctl_of(file);
	unsigned long place = (unsigned long)of->priv;
	const struct rules_text *t;
	ssize_t ret = 0;
	u64 gen;

	mutex_lock(&rules_text_lock);
	if (off == 0 || !place) {
		ret = rules_take_current(&gen);
		if (ret)
			goto out;
		place = (unsigned long)rules_texts[gen % RULES_KEPT].len << RULES_GEN_BITS |
			lower_32_bits(gen);
		of->priv = (void *)place;
	}
	if (off >= place >> RULES_GEN_BITS)
		goto out;		/* the end of its rendering */
	t = &rules_texts[lower_32_bits(place) % RULES_KEPT];
	if (!t->gen || lower_32_bits(t->gen) != lower_32_bits(place)) {
		ret = -ESTALE;		/* pushed out by later tables */
	} else {
		ret = min_t(size_t, count, t->len - off);
		memcpy(buf, t->text + off, ret);
	}
out:
	mutex_unlock(&rules_text_lock);
	return ret;
}

/*
 * The opener's capability, not the writer's: an fd opened without
 * CAP_SYS_ADMIN and handed to a privileged process (SCM_RIGHTS, a setuid
 * program's stdout) writes nothing.
 */
static ssize_t rules_write(struct file *file, struct kobject *kobj,
			   OOMCTL_BIN_CONST struct bin_attribute *attr,
			   char *buf, loff_t off, size_t count)
{
	int ret;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	ret = oomctl_rules_write(buf, count);
	return ret ? ret : count;
}

static ssize_t events_read(struct file *file, struct kobject *kobj,
			   OOMCTL_BIN_CONST struct bin_attribute *attr,
			   char *buf, loff_t off, size_t count)
{
	struct kernfs_open_file *of = oomctl_of(file);
	unsigned long cursor = off ? (unsigned long)of->priv : 0;
	ssize_t ret;

	ret = oomctl_events_read(&cursor, buf, count);
	if (ret >= 0)
		of->priv = (void *)cursor;
	return ret;
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute enabled_attr = __ATTR_RW_MODE(enabled, 0644);
static struct kobj_attribute dry_run_attr = __ATTR_RW_MODE(dry_run, 0644);
static struct kobj_attribute default_policy_attr =
	__ATTR_RW_MODE(default_policy, 0644);
static BIN_ATTR_ADMIN_RW(rules, 0);
static BIN_ATTR_ADMIN_RO(events, 0);

static struct attribute *oomctl_attrs[] = {
	&version_attr.attr,
	&enabled_attr.attr,
	&dry_run_attr.attr,
	&default_policy_attr.attr,
	NULL,
};

static OOMCTL_BIN_CONST struct bin_attribute *oomctl_bin_attrs[] = {
	&bin_attr_rules,
	&bin_attr_events,
	NULL,
};

/* Load-time only: the modes are set when the files are created. */
bool oomctl_world_readable;

static umode_t oomctl_bin_visible(struct kobject *kobj,
				  OOMCTL_BIN_CONST struct bin_attribute *attr, int n)
{
	return attr->attr.mode | (oomctl_world_readable ? 0044 : 0);
}

static const struct attribute_group oomctl_group = {
	.attrs = oomctl_attrs,
	.bin_attrs = oomctl_bin_attrs,
	.is_bin_visible = oomctl_bin_visible,
};

static const struct attribute_group *oomctl_groups[] = {
	&oomctl_group,
	&oomctl_stats_group,
	&oomctl_early_group,
	NULL,
};

/*
 * /sys/kernel/oomctl/, set once it is complete (all its files created)
 * and until exit.  The event worker, which may run as soon as the hooks
 * are live (before this directory is set up, and while a failed init
 * unwinds), reads it with smp_load_acquire(): it sees NULL or a complete
 * directory, never one being created or freed.  It is cleared only after
 * that worker has been flushed for good (oomctl_events_exit()).
 */
static struct kobject *oomctl_kobj;

int oomctl_sysfs_init(void)
{
	struct kobject *kobj;
	int ret;

	ret = oomctl_fail_init(OOMCTL_INIT_SYSFS_DIR);
	if (ret)
		return ret;
	kobj = kobject_create_and_add("oomctl", kernel_kobj);
	if (!kobj)
		return -ENOMEM;
	ret = oomctl_fail_init(OOMCTL_INIT_SYSFS_FILES) ?:
	      sysfs_create_groups(kobj, oomctl_groups);
	if (ret) {
		/* Never published: nobody else has seen it. */
		kobject_put(kobj);
		return ret;
	}
	/* Pairs with the acquire in oomctl_sysfs_notify_events(). */
	smp_store_release(&oomctl_kobj, kobj);
	return 0;
}

/*
 * Wake poll()/select() waiters on events.  Process context (the event
 * worker).  Before the directory is complete (an OOM while the module
 * loads, or a failed init telling its decisions on the way out) there is
 * nobody to wake.
 */
void oomctl_sysfs_notify_events(void)
{
	/* Pairs with the release in oomctl_sysfs_init(): a complete kobject. */
	struct kobject *kobj = smp_load_acquire(&oomctl_kobj);

	if (kobj)
		sysfs_notify(kobj, NULL, "events");
}

/*
 * Removing the files waits for every running show/store to finish
 * (kernfs active references), so nothing of ours runs from sysfs after
 * this returns.  The directory stays until oomctl_sysfs_exit(), so that
 * a late oomctl_sysfs_notify_events() finds no file, not a freed kobject.
 */
void oomctl_sysfs_remove(void)
{
	sysfs_remove_groups(oomctl_kobj, oomctl_groups);
}

void oomctl_sysfs_exit(void)
{
	unsigned int i;

	for (i = 0; i < RULES_KEPT; i++)
		kvfree(rules_texts[i].text);
	memset(rules_texts, 0, sizeof(rules_texts));
	rules_gen = 0;
	/* After oomctl_events_exit(): no reader of oomctl_kobj is left. */
	kobject_put(oomctl_kobj);
	WRITE_ONCE(oomctl_kobj, NULL);
}
