// SPDX-License-Identifier: GPL-2.0
/*
 * The decision taken for each OOM kill.
 *
 * The kernel's oom_kill_process() asks mem_cgroup_get_oom_group() which
 * memory cgroup, if any, to kill together with the victim it chose, and
 * then kills it itself: every member gets SIGKILL, access to memory
 * reserves and the OOM reaper, and the memcg's memory.events counts an
 * oom_group_kill.  oomctl_decide() runs on that function's return (a
 * kretprobe, hooks.c) and replaces its answer according to the rule
 * nearest above the victim:
 *
 *   kernel   keep the kernel's answer (memory.oom.group decides)
 *   process  no group: only the victim dies
 *   group    the memcg of the victim's own cgroup
 *   subtree  the memcg of the rule's cgroup
 *
 * The killed set never reaches outside the OOM domain: for a memcg OOM a
 * target above the memcg that hit its limit is narrowed to that memcg.
 * The root cgroup is never group-killed (the kernel forbids it too).
 * When the target cgroup has no memory controller of its own there is no
 * memcg to hand back; the victim then dies alone now and the fallback
 * killer (kill.c) kills the rest of the cgroup from a worker.
 *
 * Context: atomic (kretprobe handler, preemption off), oom_lock held, in
 * the task that hit the OOM.  Nothing here sleeps or allocates.
 */
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/memcontrol.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "oomctl.h"

bool oomctl_dry_run;
enum oomctl_policy oomctl_default_policy = OOMCTL_POLICY_KERNEL;

static const char * const policy_names[NR_OOMCTL_POLICIES] = {
	[OOMCTL_POLICY_KERNEL] = "kernel",
	[OOMCTL_POLICY_PROCESS] = "process",
	[OOMCTL_POLICY_GROUP] = "group",
	[OOMCTL_POLICY_SUBTREE] = "subtree",
};

static const enum oomctl_stat policy_stats[NR_OOMCTL_POLICIES] = {
	[OOMCTL_POLICY_KERNEL] = OOMCTL_STAT_DECISIONS_KERNEL,
	[OOMCTL_POLICY_PROCESS] = OOMCTL_STAT_DECISIONS_PROCESS,
	[OOMCTL_POLICY_GROUP] = OOMCTL_STAT_DECISIONS_GROUP,
	[OOMCTL_POLICY_SUBTREE] = OOMCTL_STAT_DECISIONS_SUBTREE,
};

const char *oomctl_policy_name(enum oomctl_policy policy)
{
	return policy_names[policy];
}

/**
 * oomctl_parse_policy - policy name to value
 * @name: "kernel", "process", "group" or "subtree", optionally followed by
 *        a newline (sysfs writes)
 * @policy: the result; untouched on error
 *
 * Return: 0, or -EINVAL for any other string.
 */
int oomctl_parse_policy(const char *name, enum oomctl_policy *policy)
{
	int i = sysfs_match_string(policy_names, name);

	if (i < 0)
		return -EINVAL;
	*policy = i;
	return 0;
}

/* What was decided, for the dmesg line. */
struct decision {
	enum oomctl_policy policy;
	const char *rule;		/* rule path, or NULL for default_policy */
	struct cgroup *target;		/* cgroup to kill with the victim, or NULL */
	bool fallback;			/* target has no memcg of its own */
	bool narrowed;			/* target narrowed to the OOM domain */
};

/* The memcg a cgroup owns, or NULL if the memory controller is off there. */
static struct mem_cgroup *own_memcg(struct cgroup *cgrp)
{
	struct cgroup_subsys_state *css;

	css = rcu_dereference(cgrp->subsys[memory_cgrp_id]);
	return css ? mem_cgroup_from_css(css) : NULL;
}

/*
 * The cgroup whose tasks die with the victim, or NULL if the victim dies
 * alone.  @leaf is the victim's cgroup, @domain the OOM domain's.
 */
static struct cgroup *pick_target(struct decision *d, struct cgroup *leaf,
				  struct cgroup *rule_cgrp, struct cgroup *domain)
{
	struct cgroup *target;

	switch (d->policy) {
	case OOMCTL_POLICY_GROUP:
		target = leaf;
		break;
	case OOMCTL_POLICY_SUBTREE:
		if (!rule_cgrp)
			return NULL;
		target = rule_cgrp;
		break;
	default:
		return NULL;
	}
	/* Both are ancestors of the victim: one contains the other. */
	if (domain && target != domain && !cgroup_is_descendant(target, domain)) {
		target = domain;
		d->narrowed = true;
	}
	/* Never the root cgroup: that would be every task of the system. */
	return cgroup_parent(target) ? target : NULL;
}

static void report(const struct decision *d, struct task_struct *victim,
		   struct mem_cgroup *oom_domain)
{
	static const char fallback_note[] =
		" by the fallback killer (no memory controller there)";
	static DEFINE_SPINLOCK(buf_lock);	/* the buffer; IRQs may be on */
	static char target[256];
	unsigned long flags;

	spin_lock_irqsave(&buf_lock, flags);
	if (d->target)
		kernfs_path_from_node(d->target->kn, NULL, target, sizeof(target));
	pr_info_ratelimited("%s%s kill after %s OOM: victim %d (%s), %s%s%s%s (%s%s)\n",
			    oomctl_dry_run ? "dry run: would do " : "",
			    policy_names[d->policy],
			    oom_domain ? "memcg" : "global",
			    task_pid_nr(victim), victim->comm,
			    d->target ? "with cgroup " : "alone",
			    d->target ? target : "",
			    d->fallback ? fallback_note : "",
			    d->narrowed ? " (narrowed to the OOM domain)" : "",
			    d->rule ? "rule " : "default_policy",
			    d->rule ? d->rule : "");
	spin_unlock_irqrestore(&buf_lock, flags);
}

/**
 * oomctl_decide - choose what dies with the OOM victim
 * @victim: the task the OOM killer chose
 * @oom_domain: the memcg that hit its limit, or NULL for a global OOM
 * @kernel_group: what mem_cgroup_get_oom_group() returned (a reference
 *                held for the caller), or NULL
 *
 * Return: the memcg the kernel is to kill entirely, holding a reference
 * the kernel drops (it may be @kernel_group itself), or NULL.  Every
 * reference not returned is dropped here.
 */
struct mem_cgroup *oomctl_decide(struct task_struct *victim,
				 struct mem_cgroup *oom_domain,
				 struct mem_cgroup *kernel_group)
{
	struct decision d = { .policy = READ_ONCE(oomctl_default_policy) };
	struct mem_cgroup *result = kernel_group, *memcg = NULL;
	struct cgroup *leaf, *domain = NULL;
	struct oomctl_match match;

	oomctl_count(oom_domain ? OOMCTL_STAT_MEMCG_KILLS : OOMCTL_STAT_GLOBAL_KILLS);

	rcu_read_lock();
	leaf = task_dfl_cgroup(victim);
	if (oom_domain)
		domain = oom_domain->css.cgroup;
	if (oomctl_rules_lookup(leaf, &match)) {
		d.policy = match.policy;
		d.rule = match.path;
	}
	oomctl_count(policy_stats[d.policy]);

	d.target = pick_target(&d, leaf, d.rule ? match.cgrp : NULL, domain);
	if (d.target) {
		memcg = own_memcg(d.target);
		if (!memcg || !css_tryget(&memcg->css)) {
			memcg = NULL;
			d.fallback = true;
		}
	}

	if (READ_ONCE(oomctl_dry_run)) {
		oomctl_count(OOMCTL_STAT_DRY_RUN);
		if (memcg)
			css_put(&memcg->css);
	} else if (d.policy != OOMCTL_POLICY_KERNEL) {
		if (kernel_group)
			css_put(&kernel_group->css);
		result = memcg;
		if (d.fallback && !oomctl_fallback_queue(d.target))
			oomctl_count(OOMCTL_STAT_FALLBACK_DROPPED);
	}
	if (result)
		oomctl_count(OOMCTL_STAT_GROUP_KILLS);
	if (d.policy != OOMCTL_POLICY_KERNEL)
		report(&d, victim, oom_domain);
	rcu_read_unlock();
	return result;
}
