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
 * A process policy's victim is normally killed earlier and quietly, so
 * that no oom_kill is counted (quiet.c): oomctl_before_kill() runs at the
 * entry of oom_kill_process(), and the kernel then finds the victim
 * dying and never calls mem_cgroup_get_oom_group().  With kill=kernel, or
 * where a quiet kill cannot work, the kernel kills the victim alone as
 * above, and the event says why.
 *
 * The killed set never reaches outside the OOM domain: for a memcg OOM a
 * target above the memcg that hit its limit is narrowed to that memcg.
 * The root cgroup is never group-killed (the kernel forbids it too).
 * When the target cgroup has no memory controller of its own there is no
 * memcg to hand back; the victim then dies alone now and the fallback
 * killer (kill.c) kills the rest of the cgroup from a worker.
 *
 * Every decision is recorded in the event ring (events.c), which also
 * tells it in dmesg.  The bias of the matching rule is applied to the
 * victim-selection score by oomctl_bias_badness().
 *
 * Context: atomic (kprobe handlers, preemption off), oom_lock held, in
 * the task that hit the OOM.  Nothing here sleeps or allocates.
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
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

static const char * const kill_names[NR_OOMCTL_KILLS] = {
	[OOMCTL_KILL_QUIET] = "quiet",
	[OOMCTL_KILL_KERNEL] = "kernel",
};

static const enum oomctl_stat kind_stats[] = {
	[OOMCTL_OOM_GLOBAL] = OOMCTL_STAT_GLOBAL_KILLS,
	[OOMCTL_OOM_SYSRQ] = OOMCTL_STAT_SYSRQ_KILLS,
	[OOMCTL_OOM_MEMCG] = OOMCTL_STAT_MEMCG_KILLS,
	[OOMCTL_OOM_EARLY] = OOMCTL_STAT_EARLY_KILLS,
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

const char *oomctl_kill_name(enum oomctl_kill kill)
{
	return kill_names[kill];
}

/**
 * oomctl_parse_kill - the value of a rule's kill= key
 * @name: "quiet" or "kernel"
 * @kill: the result; untouched on error
 *
 * Return: 0, or -EINVAL for any other string.
 */
int oomctl_parse_kill(const char *name, enum oomctl_kill *kill)
{
	int i = match_string(kill_names, NR_OOMCTL_KILLS, name);

	if (i < 0)
		return -EINVAL;
	*kill = i;
	return 0;
}

/*
 * A quiet kill in the current oom_kill_process() call: prepared at its
 * entry (oomctl_before_kill()), carried out when the kernel checks the
 * victim (oomctl_victim_check()), counted at its return
 * (oomctl_after_kill()).  oomctl_decide() is reached only if the kernel
 * did not find the victim dying after all, and then tells why.  Under
 * oom_lock, like the kills themselves.
 */
struct pending_quiet {
	const struct task_struct *killer;	/* compared only */
	const struct task_struct *victim;	/* compared only */
	struct mem_cgroup *oom_domain;		/* the kernel holds it */
	enum oomctl_quiet quiet;		/* YES while still to do */
	unsigned long rss;			/* at the entry, in kB */
	bool killed;
	u64 seq;				/* the quiet kill's event */
};

static struct pending_quiet pending;

/*
 * The task running the current global OOM, if that OOM came from sysrq-f.
 * Written and read under oom_lock (the out_of_memory() probe, then
 * oomctl_decide() in the same task); only compared, never dereferenced.
 */
static const struct task_struct *sysrq_oom_task;

/**
 * oomctl_note_oom_start - out_of_memory() begins in the current task
 * @sysrq: it is a sysrq-f OOM (order -1)
 */
void oomctl_note_oom_start(bool sysrq)
{
	WRITE_ONCE(sysrq_oom_task, sysrq ? current : NULL);
	pending = (struct pending_quiet) { };
}

/* The memcg a cgroup owns, or NULL if the memory controller is off there. */
static struct mem_cgroup *own_memcg(struct cgroup *cgrp)
{
	struct cgroup_subsys_state *css;

	css = rcu_dereference(cgrp->subsys[memory_cgrp_id]);
	return css ? mem_cgroup_from_css(css) : NULL;
}

/*
 * The cgroup whose tasks die with the victim, or NULL if the victim dies
 * alone.  @leaf is the victim's cgroup, @rule_cgrp the matching rule's (or
 * NULL), @domain the OOM domain's (NULL for a global OOM).
 */
static struct cgroup *pick_target(struct oomctl_event *ev, struct cgroup *leaf,
				  struct cgroup *rule_cgrp, struct cgroup *domain)
{
	struct cgroup *target;

	switch (ev->policy) {
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
	/*
	 * The victim may have been moved out of the OOM domain since it was
	 * chosen (mem_cgroup_get_oom_group() checks the same): a group kill
	 * there could reach outside the domain, so it dies alone.
	 */
	if (domain && !cgroup_is_descendant(leaf, domain))
		return NULL;
	/* Both are ancestors of the victim: one contains the other. */
	if (domain && target != domain && !cgroup_is_descendant(target, domain)) {
		target = domain;
		ev->narrowed = true;
	}
	/* Never the root cgroup: that would be every task of the system. */
	return cgroup_parent(target) ? target : NULL;
}

/* The RSS of @task's process: a leader that has exited has none of its own. */
static unsigned long rss_kb(struct task_struct *task)
{
	unsigned long pages = 0;
	struct task_struct *t;

	for_each_thread(task, t) {
		task_lock(t);
		if (t->mm) {
			pages = get_mm_rss(t->mm);
			task_unlock(t);
			break;
		}
		task_unlock(t);
	}
	return pages << (PAGE_SHIFT - 10);
}

/* The kind of the OOM the current task runs, @oom_domain its domain or NULL. */
static enum oomctl_oom_kind oom_kind(struct mem_cgroup *oom_domain)
{
	if (oom_domain)
		return OOMCTL_OOM_MEMCG;
	if (READ_ONCE(sysrq_oom_task) == current)
		return OOMCTL_OOM_SYSRQ;
	return OOMCTL_OOM_GLOBAL;
}

/*
 * Take an event slot for a decision about @victim and fill in what every
 * decision records: the OOM (of @kind, in @oom_domain: NULL for a global
 * OOM, or a memcg OOM whose domain is not known), the victim and the rule
 * that matched (in @match; its fields are valid under the caller's RCU
 * read lock).  If oomctl's probes @missed the kill, the kernel's policy
 * is what applied, whatever the rule says.  Counts the OOM kind and the
 * policy.  Returns with event_lock held: the caller fills in the outcome
 * and commits.
 */
static struct oomctl_event *decision_start(struct task_struct *victim,
					   enum oomctl_oom_kind kind,
					   struct mem_cgroup *oom_domain,
					   unsigned long rss, bool missed,
					   struct oomctl_match *match,
					   unsigned long *flags)
{
	struct cgroup *leaf = task_dfl_cgroup(victim);
	struct oomctl_event *ev;

	ev = oomctl_event_start(flags);
	ev->victim_pid = task_tgid_nr(victim);
	ev->victim_rss_kb = rss;
	ev->dry_run = READ_ONCE(oomctl_dry_run);
	memcpy(ev->victim_comm, victim->comm, sizeof(ev->victim_comm));
	ev->victim_comm[sizeof(ev->victim_comm) - 1] = '\0';
	ev->kind = kind;
	oomctl_count(kind_stats[ev->kind]);

	if (oomctl_rules_lookup(leaf, match)) {
		ev->policy = match->policy;
		ev->bias = match->bias;
		strscpy(ev->rule, match->path, sizeof(ev->rule));
	} else {
		ev->policy = READ_ONCE(oomctl_default_policy);
		match->kill = OOMCTL_KILL_QUIET;
		strscpy(ev->rule, "-", sizeof(ev->rule));
	}
	if (missed) {
		ev->policy = OOMCTL_POLICY_KERNEL;
		ev->hooks_missed = true;
		oomctl_count(OOMCTL_STAT_HOOKS_MISSED);
	}
	oomctl_count(policy_stats[ev->policy]);

	oomctl_event_copy_path(ev->victim_cgroup, leaf);
	if (oom_domain)
		oomctl_event_copy_path(ev->domain, oom_domain->css.cgroup);
	else
		strscpy(ev->domain, kind == OOMCTL_OOM_MEMCG ? "-" : "/",
			sizeof(ev->domain));
	return ev;
}

/**
 * oomctl_decision_start - begin the record of an early kill (early.c)
 * @victim: the process killed
 * @kind: OOMCTL_OOM_EARLY
 * @oom_domain: the memcg of the threshold's scope, or NULL: system-wide
 * @rss: the victim's RSS in kB
 * @match: filled in with the rule that matches @victim, if one does
 * @flags: IRQ state, for oomctl_event_publish()
 *
 * As for an OOM kill's decision: fills in the victim, the rule and its
 * policy, and counts the kind and the policy.  Context: under RCU; returns
 * with event_lock held.
 */
struct oomctl_event *oomctl_decision_start(struct task_struct *victim,
					   enum oomctl_oom_kind kind,
					   struct mem_cgroup *oom_domain,
					   unsigned long rss,
					   struct oomctl_match *match,
					   unsigned long *flags)
{
	return decision_start(victim, kind, oom_domain, rss, false, match, flags);
}

/* The policy and kill= that apply to @victim: under RCU. */
static enum oomctl_policy policy_of(struct task_struct *victim,
				    enum oomctl_kill *kill)
{
	struct oomctl_match match;

	if (oomctl_rules_lookup(task_dfl_cgroup(victim), &match)) {
		*kill = match.kill;
		return match.policy;
	}
	*kill = OOMCTL_KILL_QUIET;
	return READ_ONCE(oomctl_default_policy);
}

/**
 * oomctl_before_kill - oom_kill_process() is about to kill a victim
 * @victimp: the task the OOM killer chose (&oom_control.chosen)
 * @oom_domain: the memcg that hit its limit, or NULL for a global OOM
 *
 * Where a process policy with kill=quiet applies, prepare a quiet kill
 * (quiet.c, which may have a live thread stand in for an exited leader in
 * *@victimp), to be made by oomctl_victim_check().  Otherwise, or if the
 * quiet kill cannot be, the decision is oomctl_decide()'s, which is told
 * why.
 *
 * Return: true if oomctl_after_kill() is to be called when
 * oom_kill_process() returns.
 */
bool oomctl_before_kill(struct task_struct **victimp, struct mem_cgroup *oom_domain)
{
	struct cgroup *domain = oom_domain ? oom_domain->css.cgroup : NULL;
	enum oomctl_quiet quiet;
	enum oomctl_kill kill;

	pending = (struct pending_quiet) { };
	if (READ_ONCE(oomctl_dry_run))
		return false;
	rcu_read_lock();
	if (policy_of(*victimp, &kill) != OOMCTL_POLICY_PROCESS ||
	    kill != OOMCTL_KILL_QUIET) {
		rcu_read_unlock();
		return false;
	}
	quiet = oomctl_quiet_prepare(victimp, domain);
	pending = (struct pending_quiet) {
		.killer = current,
		.victim = *victimp,
		.oom_domain = oom_domain,
		.quiet = quiet,
		.rss = rss_kb(*victimp),
	};
	rcu_read_unlock();
	return quiet == OOMCTL_QUIET_YES;
}

/**
 * oomctl_victim_check - the kernel asks whether @task is dying already
 * @task: task_will_free_mem()'s argument
 *
 * If @task is the victim of a prepared quiet kill, kill it now (quiet.c),
 * and record the decision.
 *
 * Context: the entry of task_will_free_mem(): from oom_kill_process()
 * with task_lock(@task) held, or from out_of_memory() for current.
 */
void oomctl_victim_check(struct task_struct *task)
{
	struct oomctl_match match = { };
	struct oomctl_event *ev;
	unsigned long flags;

	if (pending.killer != current || pending.victim != task ||
	    pending.quiet != OOMCTL_QUIET_YES || pending.killed)
		return;
	rcu_read_lock();
	pending.quiet = oomctl_quiet_kill(task);
	if (pending.quiet == OOMCTL_QUIET_YES) {
		pending.killed = true;
		ev = decision_start(task, oom_kind(pending.oom_domain),
				    pending.oom_domain, pending.rss, false,
				    &match, &flags);
		ev->mechanism = OOMCTL_MECH_QUIET;
		ev->quiet = OOMCTL_QUIET_YES;
		strscpy(ev->target, "-", sizeof(ev->target));
		pending.seq = ev->seq;
		/* The kernel marks the victim next: counted in this event. */
		oomctl_event_commit(ev, task, flags);
		oomctl_quiet_follow(task, pending.seq);
	}
	rcu_read_unlock();
}

/**
 * oomctl_after_kill - oom_kill_process() returned after a quiet kill
 * @victim: as oomctl_before_kill() left it in oom_control; compared only
 */
void oomctl_after_kill(const struct task_struct *victim)
{
	/* Unless oomctl_decide() found that the kernel killed it after all. */
	if (pending.killer == current && pending.victim == victim &&
	    pending.killed)
		oomctl_count(OOMCTL_STAT_QUIET_KILLS);
	pending = (struct pending_quiet) { };
}

/**
 * oomctl_decide - choose what dies with the OOM victim, and record it
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
	struct mem_cgroup *result = kernel_group, *memcg = NULL;
	enum oomctl_quiet quiet = OOMCTL_QUIET_NO;
	struct cgroup *leaf, *domain = NULL, *target;
	struct oomctl_match match = { };
	struct oomctl_event *ev;
	bool fallback = false;
	unsigned long flags;
	bool dry_run;
	u64 seq;

	if (pending.killer == current && pending.victim == victim) {
		/* YES here: prepared, but the kernel's check never came. */
		quiet = pending.quiet == OOMCTL_QUIET_YES ? OOMCTL_QUIET_UNSEEN :
							    pending.quiet;
		seq = pending.killed ? pending.seq : 0;
		pending = (struct pending_quiet) { };
		oomctl_count(OOMCTL_STAT_QUIET_DECLINED);
		if (seq) {
			/* Killed quietly, but the kernel kills it its own way. */
			oomctl_event_quiet_raced(seq);
			if (kernel_group)
				css_put(&kernel_group->css);
			return NULL;
		}
	}

	rcu_read_lock();
	ev = decision_start(victim, oom_kind(oom_domain), oom_domain,
			    rss_kb(victim), false, &match, &flags);
	ev->quiet = quiet;
	dry_run = ev->dry_run;
	leaf = task_dfl_cgroup(victim);
	if (oom_domain)
		domain = oom_domain->css.cgroup;

	target = pick_target(ev, leaf, match.path ? match.cgrp : NULL, domain);
	if (target) {
		memcg = own_memcg(target);
		if (!memcg) {
			fallback = true;
		} else if (!css_tryget_online(&memcg->css)) {
			/* Being removed: no task is left there but the victim. */
			memcg = NULL;
			target = NULL;
		}
	}

	/* The event tells what oomctl does, or in a dry run would do. */
	if (ev->policy == OOMCTL_POLICY_KERNEL && kernel_group)
		target = kernel_group->css.cgroup;
	if (target)
		ev->mechanism = fallback ? OOMCTL_MECH_FALLBACK : OOMCTL_MECH_KERNEL;
	else if (dry_run && ev->policy == OOMCTL_POLICY_PROCESS &&
		 match.kill == OOMCTL_KILL_QUIET)
		ev->mechanism = OOMCTL_MECH_QUIET;
	oomctl_event_copy_path(ev->target, target);

	if (dry_run) {
		oomctl_count(OOMCTL_STAT_DRY_RUN);
		if (memcg)
			css_put(&memcg->css);
	} else if (ev->policy != OOMCTL_POLICY_KERNEL) {
		if (kernel_group)
			css_put(&kernel_group->css);
		result = memcg;
	}
	/* What the kernel will really kill: its marks are counted in the event. */
	if (result) {
		oomctl_count(OOMCTL_STAT_GROUP_KILLS);
		ev->target_cgid = cgroup_id(result->css.cgroup);
	}
	seq = ev->seq;
	ev->fallback_pending = fallback && !dry_run;
	oomctl_event_commit(ev, victim, flags);

	if (fallback && !dry_run && !oomctl_fallback_queue(target, seq, victim)) {
		oomctl_count(OOMCTL_STAT_FALLBACK_DROPPED);
		oomctl_event_fallback_done(seq, 0);
	}
	rcu_read_unlock();
	return result;
}

/*
 * The memcg the kernel kills whole with @victim (memory.oom.group), as far
 * as it can be told without the OOM domain: the highest ancestor of the
 * victim's memcg, below the root, that has it set.  Under RCU.
 */
static struct mem_cgroup *kernel_oom_group(struct task_struct *victim)
{
	struct mem_cgroup *memcg, *group = NULL;

	for (memcg = mem_cgroup_from_task(victim); memcg && memcg->css.parent;
	     memcg = parent_mem_cgroup(memcg)) {
		if (READ_ONCE(memcg->oom_group))
			group = memcg;
	}
	return group;
}

/**
 * oomctl_record_missed - record a kill oomctl's probes did not see
 * @victim: the task the kernel marked, outside any recorded decision
 * @global: the OOM notifier saw a global OOM in this task
 *
 * The kernel killed @victim its own way, memory.oom.group and all; no
 * rule was applied.  The event says so (hooks=missed, policy=kernel, and
 * the rule that should have applied), so that the record and the
 * counters add up.  Its target is the kernel's own group kill, so that
 * its members are counted in the event.  A memcg OOM's domain is not
 * known ("-").
 *
 * Context: the mark_victim tracepoint (atomic, oom_lock held).
 */
void oomctl_record_missed(struct task_struct *victim, bool global)
{
	struct oomctl_match match = { };
	struct mem_cgroup *group;
	struct oomctl_event *ev;
	unsigned long flags, rss;
	struct mm_struct *mm;

	/*
	 * Not rss_kb(): the caller may hold task_lock(victim).  The mm the
	 * kernel has just marked as the OOM's is pinned (mmgrab()).
	 */
	mm = READ_ONCE(victim->signal->oom_mm);
	rss = mm ? get_mm_rss(mm) << (PAGE_SHIFT - 10) : 0;
	rcu_read_lock();
	ev = decision_start(victim, global ? oom_kind(NULL) : OOMCTL_OOM_MEMCG,
			    NULL, rss, true, &match, &flags);
	group = kernel_oom_group(victim);
	if (group) {
		ev->mechanism = OOMCTL_MECH_KERNEL;
		ev->target_cgid = cgroup_id(group->css.cgroup);
	}
	oomctl_event_copy_path(ev->target, group ? group->css.cgroup : NULL);
	ev->tasks_killed = 1;
	oomctl_event_commit(ev, victim, flags);
	rcu_read_unlock();
}

/**
 * oomctl_bias_of - the bias oom_badness()'s score of a task gets
 * @p: the task about to be scored
 *
 * The bias adds to the task's oom_score_adj, and the sum is held in
 * -1000..1000 as oom_score_adj itself is: a bias past that range would
 * take /proc/<pid>/oom_score out of the 0..2000 that userspace relies on.
 * So the bias returned is what brings oom_score_adj, as read here at the
 * entry of oom_badness(), to the clamped sum: 0 if it is at that end
 * already.  oom_score_adj -1000 means never, and no bias changes that.
 *
 * Context: oom_badness()'s callers: the OOM killer (atomic, under RCU,
 * oom_lock held) and /proc/<pid>/oom_score reads.
 * Return: the bias to add, in oom_score_adj units; 0 if none (no rule, a
 * rule without a bias, a dry run, or nothing left to add).
 */
int oomctl_bias_of(struct task_struct *p)
{
	int adj, bias;

	if (READ_ONCE(oomctl_dry_run))
		return 0;
	rcu_read_lock();
	bias = oomctl_rules_bias(task_dfl_cgroup(p));
	rcu_read_unlock();
	if (!bias)
		return 0;
	adj = READ_ONCE(p->signal->oom_score_adj);
	if (adj == OOM_SCORE_ADJ_MIN)
		return 0;
	return clamp(adj + bias, OOM_SCORE_ADJ_MIN, OOM_SCORE_ADJ_MAX) - adj;
}

/**
 * oomctl_bias_badness - apply a bias to a badness score
 * @points: what oom_badness() returned; LONG_MIN (never to be killed) is kept
 * @bias: from oomctl_bias_of(), not 0
 * @totalpages: oom_badness()'s second argument
 *
 * The bias counts like oom_score_adj: bias * (totalpages / 1000) is added,
 * so the score is the kernel's for oom_score_adj plus bias, held in
 * -1000..1000.  The result is kept at -totalpages or above, which is where
 * oom_score_adj -1000 would put it were it not "never": a task biased to
 * -1000 is chosen last, but still chosen rather than none (a global OOM
 * with no candidate panics), and /proc/<pid>/oom_score does not wrap
 * below 0.  With the clamp that floor is reached only if oom_score_adj
 * was written between oomctl_bias_of() and the kernel's own read of it.
 *
 * Context: as oomctl_bias_of().
 */
long oomctl_bias_badness(long points, int bias, unsigned long totalpages)
{
	if (points == LONG_MIN)
		return points;
	oomctl_count(OOMCTL_STAT_BIAS_APPLIED);
	points += bias * (long)(totalpages / 1000);
	return max(points, -(long)totalpages);
}
