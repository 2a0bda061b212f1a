// SPDX-License-Identifier: GPL-2.0
/*
 * The quiet kill: the victim of a process policy dies without the OOM
 * being reported to service managers as a kill in its unit.
 *
 * Why.  The kernel's own kill, __oom_kill_process(), adds one to oom_kill
 * in memory.events of the victim's memcg and of every ancestor.  systemd
 * watches that file for each unit (unit_check_oom()) and, with
 * OOMPolicy=stop, its default for services and scopes, stops the whole
 * unit when oom_kill rises: the terminal's scope goes, shell and all,
 * although the kernel killed only the compiler.  Container runtimes read
 * the same counter to report a container as OOM-killed.
 *
 * How.  oom_kill_process() begins by asking task_will_free_mem(victim),
 * with task_lock(victim) held: a victim that is already dying is only
 * marked (mark_oom_victim(): memory reserves, the mark_victim tracepoint)
 * and handed to the OOM reaper (queue_oom_reaper()); there is no
 * dump_header(), no __oom_kill_process() and so no oom_kill count, in
 * memory.events or /proc/vmstat.  oomctl makes the victim dying just
 * then: a kprobe at the entry of task_will_free_mem() sends SIGKILL to the
 * victim's thread group, and to every other process sharing its mm as the
 * kernel's kill does, after the kernel chose its victim the usual way
 * (badness, oom_score_adj, the rules' bias).  The kernel holds the
 * victim's task_lock(), which exit_mm() needs to let go of the mm, so the
 * victim cannot lose its mm between the SIGKILL and the check.
 * Everything that frees the memory is the kernel's: the victim exits with
 * access to the reserves, and the reaper frees its anonymous memory
 * OOM_REAPER_DELAY (2 s) later if it has not exited by then.
 *
 * Where the kernel's check would fail all the same, oomctl sends nothing
 * and the kernel kills as it always does (the event says why): the
 * victim has no mm left, it or a process sharing its mm dumps core
 * (coredump_wait() can take long), or its mm is shared with init or a
 * kernel thread.  A chosen task that has exited while other threads of
 * its process run (a leader after pthread_exit()) has no mm: one of those
 * threads stands in for it, as in __oom_kill_process().
 *
 * Bound.  While a victim is marked and not yet reaped, the OOM killer
 * chooses nobody else (oom_evaluate_task() aborts the scan), after a
 * quiet kill as after the kernel's.  It chooses again once the victim has
 * exited or the reaper has done what it could (MMF_OOM_SKIP: 2 s of
 * OOM_REAPER_DELAY plus at most MAX_OOM_REAP_RETRIES tries HZ/10 apart,
 * about 3 s).  If a quiet victim inside the new OOM's domain has still not
 * exited by then, something keeps it (it sleeps uninterruptibly, say),
 * and oomctl stops being quiet there until it is gone: the next kill is
 * the kernel's own, counted, so that the service manager learns of it
 * and can act on the unit.
 *
 * Record.  QUIET_BOUND after each quiet kill, check_work tells the kill's
 * event whether the victim has exited (freed=yes), is still there with
 * its memory reaped (freed=reaped) or with its memory (freed=no), and
 * says so in dmesg unless it exited.
 *
 * For both, recent quiet victims are tracked, QUIET_TRACKED at most.
 *
 * Context: oomctl_quiet_prepare() at the entry of oom_kill_process(),
 * oomctl_quiet_kill() at the entry of task_will_free_mem() with
 * task_lock(victim) held (hooks.c): atomic, oom_lock held, under
 * rcu_read_lock().  Nothing here sleeps or allocates.
 */
#include <linux/cgroup.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "conftest.h"
#include "oomctl.h"

#define QUIET_TRACKED	8
/* The reaper's OOM_REAPER_DELAY and its retries, and some slack. */
#define QUIET_BOUND	(4 * HZ)

/*
 * Recent quiet victims: a reference to each one's thread group pid, the
 * event of its kill, and when check_work is to record what became of it.
 * An entry goes when its victim has let go of its memory, or, the oldest
 * first, when room is needed for a new one.  tracked_lock protects them;
 * it is taken in the OOM path (in oomctl_quiet_follow() under the victim's
 * task_lock()) and by check_work, never from an interrupt.
 */
struct quiet_victim {
	struct pid *pid;		/* NULL: a free slot */
	u64 seq;
	unsigned long due;		/* jiffies */
	bool recorded;			/* freed= told to its event */
};

static DEFINE_SPINLOCK(tracked_lock);
static struct quiet_victim tracked[QUIET_TRACKED];	/* tracked_lock */
static void check_victims(struct work_struct *work);
static DECLARE_DELAYED_WORK(check_work, check_victims);

/* Does some thread of @p still hold an mm?  Under RCU. */
static bool holds_mm(struct task_struct *p)
{
	struct task_struct *t;

	for_each_thread(p, t) {
		if (READ_ONCE(t->mm))
			return true;
	}
	return false;
}

/*
 * Has the OOM reaper done what it could with @mm (MMF_OOM_SKIP)?  The
 * flags became a bitmap with accessors in 7.x (module/conftest/).
 */
bool oomctl_mm_oom_skipped(const struct mm_struct *mm)
{
#ifdef OOMCTL_HAVE_MM_FLAGS_TEST
	return mm_flags_test(MMF_OOM_SKIP, mm);
#else
	return test_bit(MMF_OOM_SKIP, &mm->flags);
#endif
}

/* Has the OOM reaper done what it could with @p's memory? */
static bool reaped(struct task_struct *p)
{
	/* Set by mark_oom_victim(), kept as long as the signal struct. */
	struct mm_struct *mm = READ_ONCE(p->signal->oom_mm);

	return mm && oomctl_mm_oom_skipped(mm);
}

/* Called with tracked_lock held: forget a tracked victim. */
static void untrack(struct quiet_victim *v)
{
	put_pid(v->pid);
	v->pid = NULL;
}

/*
 * Forget the victims that have let go of their memory; return true if one
 * under @domain (NULL: anywhere) was reaped and still has not exited.
 * Under RCU.
 */
static bool victim_stuck(struct cgroup *domain)
{
	struct task_struct *p;
	bool stuck = false;
	unsigned int i;

	spin_lock(&tracked_lock);
	for (i = 0; i < QUIET_TRACKED; i++) {
		if (!tracked[i].pid)
			continue;
		p = pid_task(tracked[i].pid, PIDTYPE_TGID);
		if (!p || !holds_mm(p)) {
			if (tracked[i].recorded)
				untrack(&tracked[i]);
			continue;
		}
		if (reaped(p) && (!domain ||
				  cgroup_is_descendant(task_dfl_cgroup(p), domain)))
			stuck = true;
	}
	spin_unlock(&tracked_lock);
	return stuck;
}

/* As the kernel's process_shares_mm(): @p's threads use @mm.  Under RCU. */
static bool shares_mm(struct task_struct *p, const struct mm_struct *mm)
{
	struct task_struct *t;

	for_each_thread(p, t) {
		struct mm_struct *t_mm = READ_ONCE(t->mm);

		if (t_mm)
			return t_mm == mm;
	}
	return false;
}

/*
 * Can every process outside @victim's thread group that shares @mm die
 * and let it go?  If so, and @kill, kill them.  Compares @mm, never
 * dereferences it.
 */
static enum oomctl_quiet other_users(struct task_struct *victim,
				     const struct mm_struct *mm, bool kill)
{
	struct task_struct *p;

	for_each_process(p) {
		if (same_thread_group(p, victim) || !shares_mm(p, mm))
			continue;
		if (is_global_init(p) || (p->flags & PF_KTHREAD))
			return OOMCTL_QUIET_PINNED;
		if (READ_ONCE(p->signal->core_state))
			return OOMCTL_QUIET_COREDUMP;
		if (kill)
			kill_pid(task_tgid(p), SIGKILL, 1);
	}
	return OOMCTL_QUIET_YES;
}

/* A thread of @p that still has an mm (an exited leader has none); under RCU. */
static struct task_struct *thread_with_mm(struct task_struct *p)
{
	struct task_struct *t;

	for_each_thread(p, t) {
		if (READ_ONCE(t->mm))
			return t;
	}
	return NULL;
}

/**
 * oomctl_quiet_prepare - get ready to kill the victim quietly
 * @victimp: the task oom_kill_process() is about to kill (oc->chosen,
 *           whose reference the kernel drops)
 * @domain: the OOM domain's cgroup, or NULL for a global OOM
 *
 * If the chosen task has exited already while other threads of its
 * process run, one of those stands in for it: *@victimp is replaced and
 * the kernel's reference moved to it, so that the kernel looks at a task
 * with an mm.
 *
 * Context: the entry of oom_kill_process(); see the top of this file.
 * Return: OOMCTL_QUIET_YES if oomctl_quiet_kill() is to kill *@victimp
 * when the kernel checks it; otherwise why not.
 */
enum oomctl_quiet oomctl_quiet_prepare(struct task_struct **victimp,
				       struct cgroup *domain)
{
	struct task_struct *victim = *victimp, *t;

	if (victim_stuck(domain))
		return OOMCTL_QUIET_STUCK;
	if (!READ_ONCE(victim->mm)) {
		t = thread_with_mm(victim);
		if (!t)
			return OOMCTL_QUIET_EXITING;
		get_task_struct(t);
		put_task_struct(victim);
		*victimp = t;
	}
	return OOMCTL_QUIET_YES;
}

/**
 * oomctl_quiet_kill - make the victim dying just before the kernel checks
 * @victim: the task given to task_will_free_mem() by oom_kill_process(),
 *          after oomctl_quiet_prepare() said yes for it
 *
 * Context: the entry of task_will_free_mem(), task_lock(@victim) held;
 * see the top of this file.
 * Return: OOMCTL_QUIET_YES if @victim was killed and the kernel will find
 * it dying; otherwise why not, and then nothing was killed.
 */
enum oomctl_quiet oomctl_quiet_kill(struct task_struct *victim)
{
	struct mm_struct *mm = victim->mm;	/* task_lock() held */
	enum oomctl_quiet why;

	if (!mm || oomctl_mm_oom_skipped(mm))
		return OOMCTL_QUIET_EXITING;
	if (READ_ONCE(victim->signal->core_state))
		return OOMCTL_QUIET_COREDUMP;
	if (atomic_read(&mm->mm_users) > 1) {
		why = other_users(victim, mm, false);
		if (why != OOMCTL_QUIET_YES)
			return why;
		other_users(victim, mm, true);
	}

	/* PIDTYPE_TGID: a live thread takes it even if the leader has exited. */
	kill_pid(task_tgid(victim), SIGKILL, 1);
	/* What task_will_free_mem() tests next. */
	if (!(READ_ONCE(victim->signal->flags) & SIGNAL_GROUP_EXIT))
		return OOMCTL_QUIET_EXITING;
	return OOMCTL_QUIET_YES;
}

/**
 * oomctl_quiet_follow - track @victim, killed quietly
 * @victim: a task oomctl_quiet_kill() killed
 * @seq: the event of that kill
 *
 * From now on, @victim counts for the bound, and QUIET_BOUND from now its
 * fate is recorded in event @seq.  If QUIET_TRACKED victims are tracked
 * already, the oldest is forgotten.
 *
 * Context: the OOM path, as oomctl_quiet_kill().
 */
void oomctl_quiet_follow(struct task_struct *victim, u64 seq)
{
	struct quiet_victim *v = NULL, *oldest = &tracked[0];
	unsigned int i;

	spin_lock(&tracked_lock);
	for (i = 0; i < QUIET_TRACKED && !v; i++) {
		if (!tracked[i].pid)
			v = &tracked[i];
		else if (time_before(tracked[i].due, oldest->due))
			oldest = &tracked[i];
	}
	if (!v) {
		v = oldest;
		untrack(v);
	}
	*v = (struct quiet_victim) {
		.pid = get_pid(task_tgid(victim)),
		.seq = seq,
		.due = jiffies + QUIET_BOUND,
	};
	spin_unlock(&tracked_lock);
	queue_delayed_work(system_wq, &check_work, QUIET_BOUND);
}

/* Each victim whose time has come: what became of it, told to its event. */
static void check_victims(struct work_struct *work)
{
	struct {
		u64 seq;
		pid_t nr;
		enum oomctl_freed freed;
	} found[QUIET_TRACKED];
	unsigned int i, n = 0;
	unsigned long next = 0;
	struct task_struct *p;

	rcu_read_lock();
	spin_lock(&tracked_lock);
	for (i = 0; i < QUIET_TRACKED; i++) {
		struct quiet_victim *v = &tracked[i];

		if (!v->pid || v->recorded)
			continue;
		if (time_before(jiffies, v->due)) {
			if (!next || time_before(v->due, next))
				next = v->due;
			continue;
		}
		p = pid_task(v->pid, PIDTYPE_TGID);
		found[n].seq = v->seq;
		found[n].nr = pid_nr(v->pid);
		if (!p || !holds_mm(p))
			found[n].freed = OOMCTL_FREED_YES;
		else
			found[n].freed = reaped(p) ? OOMCTL_FREED_REAPED : OOMCTL_FREED_NO;
		v->recorded = true;
		/* One that lingers stays tracked: it counts for the bound. */
		if (found[n].freed == OOMCTL_FREED_YES)
			untrack(v);
		n++;
	}
	spin_unlock(&tracked_lock);
	rcu_read_unlock();

	for (i = 0; i < n; i++) {
		if (found[i].freed != OOMCTL_FREED_YES) {
			oomctl_count(OOMCTL_STAT_QUIET_LINGERING);
			pr_warn("quiet OOM victim %d has not exited %u s after its kill (event seq=%llu); its memory was %s\n",
				found[i].nr, QUIET_BOUND / HZ, found[i].seq,
				found[i].freed == OOMCTL_FREED_REAPED ? "reaped" : "not reaped");
		}
		oomctl_event_freed(found[i].seq, found[i].freed);
	}
	if (next)
		queue_delayed_work(system_wq, &check_work,
				   time_after(next, jiffies) ? next - jiffies : 0);
}

/* After the hooks are gone: drop the references still held. */
void oomctl_quiet_exit(void)
{
	unsigned int i;

	/* Nothing queues it any more; its last run may requeue it once. */
	cancel_delayed_work_sync(&check_work);
	for (i = 0; i < QUIET_TRACKED; i++)
		untrack(&tracked[i]);
}
