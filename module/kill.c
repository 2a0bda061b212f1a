// SPDX-License-Identifier: GPL-2.0
/*
 * The fallback killer: kill every task of a cgroup that has no memory
 * controller of its own, where the kernel's group kill (which works on a
 * memcg) cannot be used.
 *
 * The OOM path only queues the cgroup's id, in a fixed ring (no
 * allocation), one entry per decision, never merged: two decisions on
 * the same cgroup are two kills, each reported to its own event and
 * counted in stats/fallback_kills, so that fallback_kills +
 * fallback_dropped is the number of fallback decisions outside dry runs.
 * The kills are made in the order of the decisions; a later one finds
 * the processes an earlier one killed dying and skips them, and spares
 * its own victim.  kill_work, on a WQ_MEM_RECLAIM workqueue so that it runs
 * even when no new worker can be created, does the killing: every
 * process under the cgroup, except kernel threads, init, tasks with
 * oom_score_adj -1000, processes already dying and the victim (the kernel
 * kills it, and may not have yet when kill_work runs), gets SIGKILL, sent
 * to the whole thread group as the kernel's own kill sends it.  Unlike the
 * kernel's group kill, these tasks get no memory reserves and no OOM
 * reaper: they free their memory as they exit.
 *
 * pending_lock protects the ring; it is taken from the OOM path (atomic)
 * and from kill_work, so with IRQs off.
 */
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/oom.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "oomctl.h"

#define PENDING_MAX 16

struct pending_kill {
	u64 cgid;		/* the cgroup to kill */
	u64 seq;		/* the event to report the kills to */
	pid_t victim;		/* tgid of the kernel's victim, spared */
};

static DEFINE_SPINLOCK(pending_lock);
static struct pending_kill pending[PENDING_MAX];	/* pending_lock */
static unsigned int first_pending;			/* pending_lock */
static unsigned int nr_pending;				/* pending_lock */

static struct workqueue_struct *kill_wq;
static void kill_pending(struct work_struct *work);
static DECLARE_WORK(kill_work, kill_pending);

/**
 * oomctl_fallback_queue - have every task under @cgrp killed soon
 * @cgrp: the cgroup, valid under the caller's RCU read lock
 * @seq: the event the kills are reported to
 * @victim: the task the kernel kills itself
 *
 * Context: any, including the OOM path.  Does not sleep or allocate.
 * Return: false if the queue was full (the kill is dropped).
 */
bool oomctl_fallback_queue(struct cgroup *cgrp, u64 seq,
			   struct task_struct *victim)
{
	unsigned long flags;
	bool queued = false;

	spin_lock_irqsave(&pending_lock, flags);
	if (nr_pending < PENDING_MAX) {
		pending[(first_pending + nr_pending++) % PENDING_MAX] =
			(struct pending_kill) {
				.cgid = cgroup_id(cgrp), .seq = seq,
				.victim = task_tgid_nr(victim),
			};
		queued = true;
	}
	spin_unlock_irqrestore(&pending_lock, flags);
	if (queued)
		queue_work(kill_wq, &kill_work);
	return queued;
}

/*
 * Has process @p a thread under @target that is not exiting?  The thread
 * group leader alone does not tell: for_each_process() visits it even
 * after it has exited while other threads run (pthread_exit() in main), and
 * an exited leader stays behind in its cgroup when the process is moved.
 * A process whose every thread is exiting (a zombie, say) has none: it
 * needs no kill and is not counted.  Under RCU.
 */
static bool live_thread_under(struct task_struct *p, struct cgroup *target)
{
	struct task_struct *t;

	for_each_thread(p, t) {
		if (!(READ_ONCE(t->flags) & PF_EXITING) &&
		    cgroup_is_descendant(task_dfl_cgroup(t), target))
			return true;
	}
	return false;
}

static unsigned int kill_cgroup(struct cgroup *target, pid_t victim)
{
	struct task_struct *p;
	unsigned int killed = 0;

	rcu_read_lock();
	for_each_process(p) {
		/* A group exit in progress: the kernel would drop a SIGKILL. */
		if (p->flags & PF_KTHREAD || is_global_init(p) ||
		    p->signal->oom_score_adj == OOM_SCORE_ADJ_MIN ||
		    READ_ONCE(p->signal->flags) & SIGNAL_GROUP_EXIT ||
		    task_tgid_nr(p) == victim)
			continue;
		if (!live_thread_under(p, target))
			continue;
		/*
		 * The whole thread group (PIDTYPE_TGID), as the kernel's own
		 * kill: a signal to an exited leader alone would be dropped.
		 */
		if (!kill_pid(task_tgid(p), SIGKILL, 1))
			killed++;
	}
	rcu_read_unlock();
	return killed;
}

static void kill_pending(struct work_struct *work)
{
	unsigned long flags;
	struct pending_kill job;
	struct cgroup *cgrp;
	unsigned int killed;

	for (;;) {
		spin_lock_irqsave(&pending_lock, flags);
		if (!nr_pending) {
			spin_unlock_irqrestore(&pending_lock, flags);
			return;
		}
		job = pending[first_pending];
		first_pending = (first_pending + 1) % PENDING_MAX;
		nr_pending--;
		spin_unlock_irqrestore(&pending_lock, flags);

		/* Removed meanwhile: nobody left to kill, a kill of none. */
		killed = 0;
		cgrp = cgroup_get_from_id(job.cgid);
		if (!IS_ERR(cgrp)) {
			killed = kill_cgroup(cgrp, job.victim);
			cgroup_put(cgrp);
		}
		oomctl_count(OOMCTL_STAT_FALLBACK_KILLS);
		oomctl_count_n(OOMCTL_STAT_FALLBACK_TASKS, killed);
		oomctl_count_n(OOMCTL_STAT_TASKS_KILLED, killed);
		oomctl_event_fallback_done(job.seq, killed);
	}
}

int oomctl_kill_init(void)
{
	kill_wq = alloc_workqueue("oomctl_kill", WQ_MEM_RECLAIM | OOMCTL_WQ_PERCPU, 0);
	return kill_wq ? 0 : -ENOMEM;
}

/* After the hooks are gone: no new kill can be queued; finish the queued ones. */
void oomctl_kill_exit(void)
{
	destroy_workqueue(kill_wq);
}
