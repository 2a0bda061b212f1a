// SPDX-License-Identifier: GPL-2.0
/*
 * Early kill: kill before the machine thrashes, not when reclaim has
 * failed.
 *
 * Thresholds.  System-wide: MemAvailable (si_mem_available(), which counts
 * free memory above the reserves plus the page cache and slab that reclaim
 * can free) below early/available_percent of RAM or below
 * early/available_mib, whichever is larger.  A large page cache that can
 * be dropped is therefore no pressure at all.  But the page cache it
 * counts includes a working set's file pages (executables, libraries,
 * mapped files), so a machine without swap starts to thrash while
 * MemAvailable still looks comfortable: reclaim finds nothing cold left,
 * and goes over the working set's pages again and again, finding them in
 * use.  Hence the thrashing threshold: the machine's own reclaim (kswapd
 * awake, or an allocation reclaiming directly) freed less than
 * early/reclaim_percent of the pages it scanned over RECLAIM_WINDOW, and
 * scanned at least RAM / RECLAIM_MIN_SCAN pages in it (judge_reclaim()
 * says why).
 *
 * Per rule: early_high_ms=T (rules.c) kills under the rule's cgroup when
 * its memory.high has been breached for T ms: usage more than HIGH_SLACK
 * above memory.high at every poll for that long.  A memcg whose reclaim
 * works is pulled back below memory.high on every return to user space
 * (the kernel lets it overshoot by a charge batch per CPU and by what one
 * system call charges); one that stays above it cannot reclaim and is
 * being throttled.  Raw usage near
 * memory.max is no signal (a memcg full of page cache sits there), and
 * what would make it one, the memcg's reclaimable file pages, is out of a
 * module's reach on 6.12 and later (memcg_page_state() and
 * lruvec_page_state() are neither inline nor exported).
 *
 * Cost.  Nothing runs on a hot path and nothing runs periodically while
 * memory is plentiful.  Pressure arms a short-period poll:
 *
 *  - the mm_vmscan_wakeup_kswapd tracepoint (free pages of a zone fell
 *    below its low watermark), mm_vmscan_direct_reclaim_begin (an
 *    allocation reclaims itself) and mm_vmscan_memcg_reclaim_begin (a memcg
 *    reclaims: over memory.high or at memory.max).  Their probes test one
 *    bit and, the first time, queue poll_work; they fire only when the
 *    kernel reclaims anyway.
 *  - idle_work, a deferrable timer once a second while early kill is on:
 *    it never wakes an idle CPU, and reads MemAvailable once.  It catches
 *    memory running low without reclaim (no page cache left to evict), and
 *    memcgs above memory.high.
 *
 * poll_work then looks every POLL_PERIOD while a reading is within twice
 * its threshold, and stops after CALM_POLLS comfortable looks in a row.
 * Both run on early_wq, WQ_MEM_RECLAIM | WQ_HIGHPRI: when the machine
 * thrashes, creating a kworker needs memory (a rescuer thread exists from
 * the start) and normal-priority workers queue behind the thrashing tasks;
 * the early kill is what ends the thrashing, so it must not wait for it.
 *
 * Victim.  As the OOM killer chooses (oom_badness() is not callable from
 * a module, so its formula is recomputed): RSS + swap entries + page
 * tables, plus oom_score_adj * totalpages / 1000, plus the rules' bias
 * (oomctl_bias_of()); never a task with oom_score_adj -1000, init or a
 * kernel thread, nor one already dying, in vfork() or reaped.  Within the
 * threshold's scope: every process for MemAvailable, the rule's subtree
 * for early_high_ms.  What dies with it follows the rule that matches the
 * victim, as for an OOM: process (and kernel: memory.oom.group is not
 * consulted) the victim alone, group its leaf cgroup, subtree the rule's
 * cgroup, narrowed to the threshold's scope.  The victim is killed by
 * oomctl's kill (quiet.c: SIGKILL to its thread group and to every other
 * process sharing its mm), the rest by the fallback killer (kill.c); the
 * kernel counts no oom_kill, so service managers do not escalate.  The
 * victim gets no memory reserves and no OOM reaper (neither is callable
 * from a module): it frees its memory as it exits, which a SIGKILLed task
 * does at its next return to user space or interruptible sleep.
 *
 * One episode, one kill: after a kill, nothing is judged until the
 * victim's memory has been freed, or for VICTIM_WAIT at most; and no
 * process is chosen while a victim of the kernel's OOM killer still has
 * its memory (choose()).
 *
 * Context: the probes run in the allocator (any context, IRQs possibly
 * off): they only test and set a bit and queue work, and the direct
 * reclaim's notes the time (direct_reclaim_at).  Everything else
 * runs in poll_work and idle_work, process context, which may sleep but
 * never allocate.  A work item never runs twice at once; the two may run
 * at once on two CPUs, so what both touch (watch[]) is under watch_lock,
 * and the kill and its state (victim_mm, calm) are poll_work's alone.
 */
#include <linux/cgroup.h>
#include <linux/jiffies.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/oom.h>
#include <linux/page_counter.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/swap.h>
#include <linux/sysfs.h>
#include <linux/tracepoint.h>
#include <linux/vmstat.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <trace/events/vmscan.h>

#include "conftest.h"
#include "oomctl.h"

#define POLL_PERIOD	(HZ / 20)	/* 50 ms while under pressure */
#define IDLE_PERIOD	HZ		/* deferrable: never wakes an idle CPU */
#define CALM_POLLS	20		/* a second of comfortable readings */
#define VICTIM_WAIT	(3 * HZ)	/* longest wait for a victim to exit */
#define RECLAIM_WINDOW	(HZ / 2)	/* reclaim is judged over 500 ms */
#define NR_SAMPLES	16		/* > RECLAIM_WINDOW / POLL_PERIOD + 1 */
/* ... once it scanned at least RAM / RECLAIM_MIN_SCAN pages in that time. */
#define RECLAIM_MIN_SCAN	64
/* memory.high counts as breached only this far above it: high / 16. */
#define HIGH_SLACK(high)	((high) >> 4)

/*
 * Settings: written in process context (sysfs stores, parameters at
 * load), read with READ_ONCE() by the works and the probes.
 */
bool oomctl_early_enabled;
static unsigned int available_percent = 10;	/* 0..90 */
static unsigned int available_mib;		/* 0: only the percentage */
static unsigned int reclaim_percent = 25;	/* 0..100; 0: off */

static struct workqueue_struct *early_wq;
static void early_poll(struct work_struct *work);
static void early_idle(struct work_struct *work);
static DECLARE_DELAYED_WORK(poll_work, early_poll);
static DECLARE_DEFERRABLE_WORK(idle_work, early_idle);

/* Bit 0: poll_work is queued or running; set by the probes, cleared by it. */
static unsigned long armed;

/* jiffies of the last direct reclaim's start; the probe's, read by the poll. */
static unsigned long direct_reclaim_at;

/* poll_work's own state. */
static unsigned int calm;			/* comfortable polls in a row */
static struct mm_struct *victim_mm;		/* the last victim's, mmgrab()bed */
static unsigned long victim_since;		/* jiffies of its kill */

/* The reclaim counters at the last polls, newest at sample_head - 1. */
struct reclaim_sample {
	unsigned long at;			/* jiffies */
	unsigned long scanned;			/* pages reclaim scanned */
	unsigned long reclaimed;		/* ... and freed */
};

static struct reclaim_sample samples[NR_SAMPLES];
static unsigned int sample_head, nr_samples;

/* The memcgs watched for early_high_ms, poll_work's and idle_work's. */
#define WATCH_MAX	32
struct high_watch {
	u64 cgid;
	unsigned int high_ms;
	bool breached;				/* at the last look */
	unsigned long since;			/* jiffies: the breach's start */
};

static struct high_watch watch[WATCH_MAX];
static unsigned int nr_watch;
static DEFINE_MUTEX(watch_lock);	/* watch[], nr_watch: between the works */

static bool early_on(void)
{
	return READ_ONCE(oomctl_early_enabled);
}

/* Start poll_work unless it runs already.  Any context. */
static void arm(void)
{
	if (!early_on() || test_bit(0, &armed) || test_and_set_bit(0, &armed))
		return;
	oomctl_count(OOMCTL_STAT_EARLY_ARMED);
	queue_delayed_work(early_wq, &poll_work, 0);
}

/* ---- the tracepoint probes (the allocator's context) ---- */

static void probe_wakeup_kswapd(void *data, int nid, int zid, int order,
				gfp_t gfp_flags)
{
	arm();
}

/* An allocation reclaims for the machine, not for a memcg: note when. */
static void direct_reclaim_begins(void)
{
	unsigned long now = jiffies;

	/* One store per jiffy at most: the line stays shared between CPUs. */
	if (READ_ONCE(direct_reclaim_at) != now)
		WRITE_ONCE(direct_reclaim_at, now);
	arm();
}

#ifdef OOMCTL_HAVE_VMSCAN_RECLAIM_MEMCG
/* 7.x: (gfp_flags, order, memcg) */
static void probe_direct_reclaim_begin(void *data, gfp_t gfp_flags, int order,
				       struct mem_cgroup *memcg)
{
	direct_reclaim_begins();
}

static void probe_memcg_reclaim_begin(void *data, gfp_t gfp_flags, int order,
				      struct mem_cgroup *memcg)
{
	arm();
}
#else
/* 6.1, 6.12: (order, gfp_flags) */
static void probe_direct_reclaim_begin(void *data, int order, gfp_t gfp_flags)
{
	direct_reclaim_begins();
}

static void probe_memcg_reclaim_begin(void *data, int order, gfp_t gfp_flags)
{
	arm();
}
#endif

static const char * const tp_names[] = {
	"mm_vmscan_wakeup_kswapd",
	"mm_vmscan_direct_reclaim_begin",
	"mm_vmscan_memcg_reclaim_begin",
};

static void * const tp_probes[] = {
	probe_wakeup_kswapd, probe_direct_reclaim_begin, probe_memcg_reclaim_begin,
};

static struct tracepoint *tps[ARRAY_SIZE(tp_names)];
static unsigned int nr_attached;

static void find_tps(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tp_names); i++) {
		if (!strcmp(tp->name, tp_names[i]))
			tps[i] = tp;
	}
}

static void detach(void)
{
	while (nr_attached) {
		nr_attached--;
		tracepoint_probe_unregister(tps[nr_attached],
					    tp_probes[nr_attached], NULL);
	}
	/* No CPU is inside a probe after this. */
	tracepoint_synchronize_unregister();
}

static int attach(void)
{
	int ret;

	/* A mismatch with this kernel's prototypes fails the build here. */
	check_trace_callback_type_mm_vmscan_wakeup_kswapd(probe_wakeup_kswapd);
	check_trace_callback_type_mm_vmscan_direct_reclaim_begin(probe_direct_reclaim_begin);
	check_trace_callback_type_mm_vmscan_memcg_reclaim_begin(probe_memcg_reclaim_begin);

	for_each_kernel_tracepoint(find_tps, NULL);
	for (; nr_attached < ARRAY_SIZE(tps); nr_attached++) {
		struct tracepoint *tp = tps[nr_attached];

		ret = tp ? tracepoint_probe_register(tp, tp_probes[nr_attached], NULL)
			 : -ENOENT;
		if (ret) {
			pr_err("cannot probe tracepoint %s: %pe\n",
			       tp_names[nr_attached], ERR_PTR(ret));
			detach();
			return ret;
		}
	}
	return 0;
}

/* ---- the victim (process context, under RCU) ---- */

/*
 * The kernel's oom_badness() for @p, recomputed: LONG_MIN for a task never
 * to be chosen.  @totalpages scales oom_score_adj: RAM (the kernel adds
 * swap, whose size a module cannot read), or the memcg's limit.
 */
static long badness(struct task_struct *p, unsigned long totalpages)
{
	struct task_struct *t;
	struct mm_struct *mm;
	long points, adj;
	int bias;

	if (p->flags & PF_KTHREAD || is_global_init(p) ||
	    READ_ONCE(p->signal->flags) & SIGNAL_GROUP_EXIT ||
	    READ_ONCE(p->signal->core_state))
		return LONG_MIN;
	adj = READ_ONCE(p->signal->oom_score_adj);
	if (adj == OOM_SCORE_ADJ_MIN)
		return LONG_MIN;
	for_each_thread(p, t) {
		task_lock(t);
		mm = t->mm;
		if (mm) {
			if (oomctl_mm_oom_skipped(mm) || in_vfork(t)) {
				task_unlock(t);
				return LONG_MIN;
			}
			points = get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) +
				 mm_pgtables_bytes(mm) / PAGE_SIZE;
			task_unlock(t);
			points += adj * (long)(totalpages / 1000);
			bias = oomctl_bias_of(p);
			return bias ? oomctl_bias_badness(points, bias, totalpages)
				    : points;
		}
		task_unlock(t);
	}
	return LONG_MIN;	/* every thread has let go of its mm */
}

/* The process to kill under @scope (NULL: anywhere), with a reference. */
static struct task_struct *choose(struct cgroup *scope, unsigned long totalpages)
{
	struct task_struct *p, *chosen = NULL;
	long points, best = LONG_MIN;

	rcu_read_lock();
	for_each_process(p) {
		if (scope && !cgroup_is_descendant(task_dfl_cgroup(p), scope))
			continue;
		/*
		 * A victim of the kernel's OOM killer whose memory is still to
		 * be freed: memory is on its way, judge again later, as
		 * oom_evaluate_task() aborts its scan.  Choosing among the
		 * others now would kill a second process for one shortage.
		 */
		if (tsk_is_oom_victim(p) &&
		    !oomctl_mm_oom_skipped(READ_ONCE(p->signal->oom_mm))) {
			chosen = NULL;
			break;
		}
		points = badness(p, totalpages);
		if (points == LONG_MIN || (chosen && points <= best))
			continue;
		chosen = p;
		best = points;
	}
	if (chosen)
		get_task_struct(chosen);
	rcu_read_unlock();
	return chosen;
}

/* The memcg a cgroup owns, or NULL: under RCU. */
static struct mem_cgroup *own_memcg(struct cgroup *cgrp)
{
	struct cgroup_subsys_state *css;

	css = rcu_dereference(cgrp->subsys[memory_cgrp_id]);
	return css ? mem_cgroup_from_css(css) : NULL;
}

/*
 * Is the last victim's memory still not freed, within VICTIM_WAIT?  A
 * task lets go of its mm before the mm's pages are freed (exit_mm(), then
 * mmput()): exit_mmap() sets MMF_OOM_SKIP once they are, and until then
 * MemAvailable still counts them as used.
 */
static bool victim_pending(void)
{
	if (!victim_mm)
		return false;
	if (time_before(jiffies, victim_since + VICTIM_WAIT) &&
	    !oomctl_mm_oom_skipped(victim_mm))
		return true;
	mmdrop(victim_mm);
	victim_mm = NULL;
	return false;
}

/* The cgroup that dies with @p under @policy, or NULL; under RCU. */
static struct cgroup *target_of(struct oomctl_event *ev, struct task_struct *p,
				const struct oomctl_match *match, struct cgroup *scope)
{
	struct cgroup *leaf = task_dfl_cgroup(p), *target;

	switch (ev->policy) {
	case OOMCTL_POLICY_GROUP:
		target = leaf;
		break;
	case OOMCTL_POLICY_SUBTREE:
		if (!match->path)
			return NULL;
		target = match->cgrp;
		break;
	default:
		return NULL;
	}
	if (scope && target != scope && !cgroup_is_descendant(target, scope)) {
		target = scope;
		ev->narrowed = true;
	}
	/* Never the root cgroup: that would be every task of the system. */
	return cgroup_parent(target) ? target : NULL;
}

/*
 * Kill the worst process under @scope (NULL: anywhere) for threshold
 * @what, @limit and the @reading that crossed it; record the decision.
 */
static void early_kill(struct cgroup *scope, enum oomctl_early_threshold what,
		       unsigned long limit, unsigned long reading,
		       unsigned long totalpages)
{
	struct mem_cgroup *domain = NULL;
	struct oomctl_match match = { };
	struct task_struct *p, *t;
	struct mm_struct *mm = NULL;
	enum oomctl_quiet killed = OOMCTL_QUIET_EXITING;
	struct oomctl_event *ev;
	struct cgroup *target;
	unsigned long flags, rss = 0;
	bool dry_run = READ_ONCE(oomctl_dry_run);
	u64 seq;

	p = choose(scope, totalpages);
	if (!p)
		return;
	rcu_read_lock();
	/* The thread with the mm, as oom_kill_process() looks at it. */
	for_each_thread(p, t) {
		task_lock(t);
		if (t->mm) {
			rss = get_mm_rss(t->mm) << (PAGE_SHIFT - 10);
			killed = dry_run ? OOMCTL_QUIET_YES : oomctl_quiet_kill(t);
			if (killed == OOMCTL_QUIET_YES) {
				mm = t->mm;
				mmgrab(mm);
			}
			task_unlock(t);
			break;
		}
		task_unlock(t);
	}
	if (killed != OOMCTL_QUIET_YES) {
		/* Exiting or pinned meanwhile: the next poll looks again. */
		rcu_read_unlock();
		put_task_struct(p);
		return;
	}
	if (scope)
		domain = own_memcg(scope);
	ev = oomctl_decision_start(p, OOMCTL_OOM_EARLY, domain, rss, &match, &flags);
	ev->early = what;
	ev->early_limit = limit;
	ev->early_reading = reading;
	target = target_of(ev, p, &match, scope);
	ev->quiet = OOMCTL_QUIET_YES;
	ev->mechanism = target ? OOMCTL_MECH_FALLBACK : OOMCTL_MECH_QUIET;
	oomctl_event_copy_path(ev->target, target);
	ev->tasks_killed = !dry_run;
	ev->fallback_pending = target && !dry_run;
	seq = ev->seq;
	oomctl_event_publish(ev, flags);
	if (dry_run) {
		oomctl_count(OOMCTL_STAT_DRY_RUN);
	} else {
		oomctl_count(OOMCTL_STAT_TASKS_KILLED);
		if (target && !oomctl_fallback_queue(target, seq, p)) {
			oomctl_count(OOMCTL_STAT_FALLBACK_DROPPED);
			oomctl_event_fallback_done(seq, 0);
		}
	}
	victim_mm = mm;
	victim_since = jiffies;
	rcu_read_unlock();
	put_task_struct(p);
}

/* ---- the thresholds (process context) ---- */

static unsigned long available_limit(void)
{
	unsigned long pct = totalram_pages() / 100 * READ_ONCE(available_percent);
	unsigned long mib = (unsigned long)READ_ONCE(available_mib) << (20 - PAGE_SHIFT);

	return max(pct, mib);
}

/* Judge MemAvailable; true while it is within twice its threshold. */
static bool judge_available(bool may_kill)
{
	unsigned long limit = available_limit();
	long avail = si_mem_available();

	if (!limit || avail >= (long)(2 * limit))
		return false;
	if (may_kill && avail < (long)limit)
		early_kill(NULL, OOMCTL_EARLY_AVAILABLE, limit << (PAGE_SHIFT - 10),
			   max(avail, 0L) << (PAGE_SHIFT - 10),
			   totalram_pages());
	return true;
}

/*
 * The pages the machine's reclaim (kswapd's and direct) has scanned and
 * freed since boot.  On 6.1 and 6.12 they are vm events, summed over
 * the CPUs here, and count global reclaim only; from 7.x on they are
 * node stats and count memcg reclaim too (reclaim_is_global() keeps a
 * memcg reclaiming alone out of the judgment).  poll_work's alone.
 */
static void reclaim_counts(unsigned long *scanned, unsigned long *reclaimed)
{
#ifdef OOMCTL_HAVE_VMSCAN_NODE_STATS
	*scanned = global_node_page_state(PGSCAN_KSWAPD) +
		   global_node_page_state(PGSCAN_DIRECT);
	*reclaimed = global_node_page_state(PGSTEAL_KSWAPD) +
		     global_node_page_state(PGSTEAL_DIRECT);
#else
	/* Off the stack: about 1 KiB.  all_vm_events() may sleep. */
	static unsigned long ev[NR_VM_EVENT_ITEMS];

	all_vm_events(ev);
	*scanned = ev[PGSCAN_KSWAPD] + ev[PGSCAN_DIRECT];
	*reclaimed = ev[PGSTEAL_KSWAPD] + ev[PGSTEAL_DIRECT];
#endif
}

/*
 * Sample the reclaim counters, and give what they moved by over the last
 * RECLAIM_WINDOW: false until the poll has looked that long.  *@moved:
 * whether reclaim scanned anything since the previous sample.
 */
static bool reclaim_window(unsigned long *scanned, unsigned long *reclaimed,
			   bool *moved)
{
	struct reclaim_sample now = { .at = jiffies }, *s;
	bool full = false;
	unsigned int i;

	reclaim_counts(&now.scanned, &now.reclaimed);
	*moved = nr_samples &&
		 now.scanned != samples[(sample_head - 1) % NR_SAMPLES].scanned;
	for (i = 1; i <= nr_samples; i++) {
		s = &samples[(sample_head - i) % NR_SAMPLES];
		if (now.at - s->at < RECLAIM_WINDOW)
			continue;
		*scanned = now.scanned - s->scanned;
		*reclaimed = now.reclaimed - s->reclaimed;
		full = true;
		break;
	}
	samples[sample_head % NR_SAMPLES] = now;
	sample_head++;
	nr_samples = min(nr_samples + 1, (unsigned int)NR_SAMPLES);
	return full;
}

/*
 * Is the machine itself reclaiming, not only a memcg at its limit:
 * kswapd awake on a node with memory, or a direct reclaim begun within
 * RECLAIM_WINDOW?  kswapd sleeps on kswapd_wait while its node is
 * balanced, and gives up after MAX_RECLAIM_RETRIES failed runs, which
 * leaves the allocations to reclaim directly: hence both.
 */
static bool reclaim_is_global(void)
{
	int nid;

	if (time_before(jiffies, READ_ONCE(direct_reclaim_at) + RECLAIM_WINDOW))
		return true;
	for_each_node_state(nid, N_MEMORY) {
		pg_data_t *pgdat = NODE_DATA(nid);

		/*
		 * Unlocked and unordered: a hint, as in wakeup_kswapd(); a
		 * kswapd about to sleep or to wake is seen at the next poll.
		 */
		if (READ_ONCE(pgdat->kswapd) && !waitqueue_active(&pgdat->kswapd_wait))
			return true;
	}
	return false;
}

/*
 * Judge reclaim's yield: the machine thrashes when its reclaim scans a
 * lot and frees little, below reclaim_percent of what it scanned over
 * RECLAIM_WINDOW, with at least RAM / RECLAIM_MIN_SCAN pages scanned.
 * Reclaim takes the coldest pages first; a page it scans and does not
 * free was found in use (referenced, mapped and accessed: a working
 * set's page), so a low yield means nothing cold is left and the pages
 * still freed are likely to be needed again soon: the freeze begins,
 * with MemAvailable still counting those pages as available.  A page
 * cache read once, or dropped, is freed as fast as it is scanned; a
 * memcg reclaiming within its limit does not count
 * (reclaim_is_global()).  True while reclaim scans, which keeps the
 * poll going.  A kill or a pending victim starts the window again.
 */
static bool judge_reclaim(bool may_kill)
{
	unsigned long pct = READ_ONCE(reclaim_percent), scanned, reclaimed;
	unsigned long total = totalram_pages();
	bool moved;

	if (!pct || victim_mm) {
		nr_samples = 0;
		return false;
	}
	if (!reclaim_window(&scanned, &reclaimed, &moved))
		return moved;
	if (scanned < total / RECLAIM_MIN_SCAN)
		return moved;
	if (!may_kill || (u64)reclaimed * 100 >= (u64)scanned * pct ||
	    !reclaim_is_global())
		return true;
	early_kill(NULL, OOMCTL_EARLY_RECLAIM, pct,
		   (u64)reclaimed * 100 / scanned, total);
	nr_samples = 0;
	return true;
}

/* Refresh watch[] from the rules with early_high_ms; watch_lock held. */
static void refresh_watch(void)
{
	/* Off the stack: a work's frame stays small (watch_lock). */
	static struct oomctl_early_rule rules[WATCH_MAX];
	static struct high_watch next[WATCH_MAX];
	unsigned int i, j, n;

	lockdep_assert_held(&watch_lock);
	n = oomctl_rules_early(rules, WATCH_MAX);
	for (i = 0; i < n; i++) {
		next[i] = (struct high_watch) {
			.cgid = rules[i].cgid, .high_ms = rules[i].high_ms,
		};
		/* A breach goes on being timed across a change of the table. */
		for (j = 0; j < nr_watch; j++) {
			if (watch[j].cgid == rules[i].cgid) {
				next[i].breached = watch[j].breached;
				next[i].since = watch[j].since;
			}
		}
	}
	memcpy(watch, next, n * sizeof(watch[0]));
	nr_watch = n;
}

/*
 * Judge the memcgs of the rules with early_high_ms; true while one of
 * them is above its memory.high.
 */
static bool judge_high(bool may_kill)
{
	unsigned long usage, high, ms, limit = 0;
	bool pressed = false, breached;
	struct mem_cgroup *memcg;
	struct cgroup *cgrp;
	unsigned int i;

	mutex_lock(&watch_lock);
	refresh_watch();
	for (i = 0; i < nr_watch; i++) {
		struct high_watch *w = &watch[i];

		cgrp = cgroup_get_from_id(w->cgid);
		if (IS_ERR(cgrp)) {
			w->breached = false;
			continue;
		}
		breached = false;
		rcu_read_lock();
		memcg = own_memcg(cgrp);
		if (memcg) {
			usage = page_counter_read(&memcg->memory);
			high = READ_ONCE(memcg->memory.high);
			limit = READ_ONCE(memcg->memory.max);
			breached = high < PAGE_COUNTER_MAX &&
				   usage > high + HIGH_SLACK(high);
		}
		rcu_read_unlock();
		if (!breached) {
			w->breached = false;
		} else {
			pressed = true;
			/*
			 * A flag of its own: any jiffies, 0 too, may start a
			 * breach, and a start ahead of jiffies would time it
			 * as ULONG_MAX.
			 */
			if (!w->breached) {
				w->breached = true;
				w->since = jiffies;
			}
			ms = jiffies_to_msecs(jiffies - w->since);
			if (may_kill && ms >= w->high_ms) {
				early_kill(cgrp, OOMCTL_EARLY_HIGH, w->high_ms, ms,
					   min(limit, totalram_pages()));
				w->breached = false;
				may_kill = false;	/* one kill per poll */
			}
		}
		cgroup_put(cgrp);
	}
	mutex_unlock(&watch_lock);
	return pressed;
}

/* ---- the works ---- */

static void early_poll(struct work_struct *work)
{
	bool may_kill, pressed;

	if (!early_on()) {
		calm = 0;
		nr_samples = 0;
		clear_bit(0, &armed);
		return;
	}
	may_kill = oomctl_is_enabled() && !victim_pending();
	pressed = judge_available(may_kill);
	pressed |= judge_reclaim(may_kill && !victim_mm);
	pressed |= judge_high(may_kill && !victim_mm);
	calm = pressed ? 0 : calm + 1;
	if (calm < CALM_POLLS) {
		queue_delayed_work(early_wq, &poll_work, POLL_PERIOD);
		return;
	}
	calm = 0;
	nr_samples = 0;
	/* A probe that saw the bit still set arms again when it next fires. */
	clear_bit(0, &armed);
}

static void early_idle(struct work_struct *work)
{
	if (!early_on())
		return;
	if (!test_bit(0, &armed) &&
	    (judge_available(false) || judge_high(false)))
		arm();
	queue_delayed_work(early_wq, &idle_work, IDLE_PERIOD);
}

/* ---- settings ---- */

/* early/enabled or the early parameter changed to @on.  Process context. */
static void early_switched(bool on)
{
	if (on && early_wq)
		mod_delayed_work(early_wq, &idle_work, 0);
}

static int parse_uint(const char *buf, unsigned int max, unsigned int *res)
{
	unsigned int v;

	if (kstrtouint(buf, 10, &v) || v > max)
		return -EINVAL;
	*res = v;
	return 0;
}

static int early_param_set(const char *val, const struct kernel_param *kp)
{
	return oomctl_parse_bool(val, &oomctl_early_enabled);
}

static int early_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(oomctl_early_enabled));
}

static const struct kernel_param_ops early_param_ops = {
	.set = early_param_set,
	.get = early_param_get,
};

module_param_cb(early, &early_param_ops, NULL, 0444);
MODULE_PARM_DESC(early, "Early kill, before the OOM: 0 or 1 (default 0)");

/* Parse an unsigned value up to @max into *@res (an unsigned int). */
static int store_uint(const char *buf, void *res, unsigned int max)
{
	unsigned int v;
	int ret = parse_uint(buf, max, &v);

	if (!ret)
		WRITE_ONCE(*(unsigned int *)res, v);
	return ret;
}

static int parse_percent(const char *buf, void *res)
{
	return store_uint(buf, res, 90);
}

static int parse_mib(const char *buf, void *res)
{
	return store_uint(buf, res, 1 << 20);
}

static int parse_reclaim(const char *buf, void *res)
{
	return store_uint(buf, res, 100);
}

/* A numeric parameter: its variable, parsed as its sysfs file is. */
struct early_uint {
	unsigned int *var;
	int (*parse)(const char *buf, void *res);
};

static int uint_param_set(const char *val, const struct kernel_param *kp)
{
	const struct early_uint *u = kp->arg;

	return u->parse(val, u->var);
}

static int uint_param_get(char *buf, const struct kernel_param *kp)
{
	const struct early_uint *u = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*u->var));
}

static const struct kernel_param_ops uint_param_ops = {
	.set = uint_param_set,
	.get = uint_param_get,
};

static struct early_uint percent_arg = { &available_percent, parse_percent };
static struct early_uint mib_arg = { &available_mib, parse_mib };
static struct early_uint reclaim_arg = { &reclaim_percent, parse_reclaim };

module_param_cb(early_available_percent, &uint_param_ops, &percent_arg, 0444);
MODULE_PARM_DESC(early_available_percent,
		 "Early kill below this MemAvailable, % of RAM: 0..90 (default 10)");
module_param_cb(early_available_mib, &uint_param_ops, &mib_arg, 0444);
MODULE_PARM_DESC(early_available_mib,
		 "Early kill below this MemAvailable, MiB: 0..1048576 (default 0)");
module_param_cb(early_reclaim_percent, &uint_param_ops, &reclaim_arg, 0444);
MODULE_PARM_DESC(early_reclaim_percent,
		 "Early kill when reclaim frees less than this % of what it scans: 0..100 (default 25)");

/* /sys/kernel/oomctl/early/: as the switches in sysfs.c. */
static ssize_t early_store(const char *buf, size_t count,
			   int (*parse)(const char *buf, void *res), void *res)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (strnlen(buf, count) != count)	/* an embedded NUL */
		return -EINVAL;
	return parse(buf, res) ?: count;
}

static int parse_switch(const char *buf, void *res)
{
	bool on;
	int ret = oomctl_parse_bool(buf, &on);

	if (ret)
		return ret;
	WRITE_ONCE(*(bool *)res, on);
	early_switched(on);
	return 0;
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(oomctl_early_enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	return early_store(buf, count, parse_switch, &oomctl_early_enabled);
}

/* A numeric file of early/: its early_uint, shown and stored by it. */
struct early_uint_attr {
	struct kobj_attribute attr;
	struct early_uint *u;
};

static ssize_t uint_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct early_uint *u = container_of(attr, struct early_uint_attr, attr)->u;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*u->var));
}

static ssize_t uint_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct early_uint *u = container_of(attr, struct early_uint_attr, attr)->u;

	return early_store(buf, count, u->parse, u->var);
}

static struct kobj_attribute enabled_attr = __ATTR_RW_MODE(enabled, 0644);
static struct early_uint_attr available_percent_attr = {
	.attr = __ATTR(available_percent, 0644, uint_show, uint_store),
	.u = &percent_arg,
};

static struct early_uint_attr available_mib_attr = {
	.attr = __ATTR(available_mib, 0644, uint_show, uint_store),
	.u = &mib_arg,
};

static struct early_uint_attr reclaim_percent_attr = {
	.attr = __ATTR(reclaim_percent, 0644, uint_show, uint_store),
	.u = &reclaim_arg,
};

static struct attribute *early_attrs[] = {
	&enabled_attr.attr,
	&available_percent_attr.attr.attr,
	&available_mib_attr.attr.attr,
	&reclaim_percent_attr.attr.attr,
	NULL,
};

const struct attribute_group oomctl_early_group = {
	.name = "early",
	.attrs = early_attrs,
};

/* ---- init and exit ---- */

int oomctl_early_init(void)
{
	int ret;

	ret = oomctl_fail_init(OOMCTL_INIT_EARLY_WQ);
	if (ret)
		return ret;
	direct_reclaim_at = jiffies - RECLAIM_WINDOW;	/* none seen yet */
	early_wq = alloc_workqueue("oomctl_early",
				   WQ_MEM_RECLAIM | WQ_HIGHPRI | OOMCTL_WQ_PERCPU, 0);
	if (!early_wq)
		return -ENOMEM;
	ret = oomctl_fail_init(OOMCTL_INIT_EARLY_TRACEPOINTS) ?: attach();
	if (ret) {
		destroy_workqueue(early_wq);
		early_wq = NULL;
		return ret;
	}
	early_switched(early_on());
	return 0;
}

/*
 * After sysfs is gone, before the fallback killer, the event ring and
 * the rule table, all of which an early kill uses: the probes first (no
 * new arming), then the works, each cancel waiting for a running one
 * (an early kill in progress finishes, its fallback kill queued).
 */
void oomctl_early_exit(void)
{
	detach();
	cancel_delayed_work_sync(&idle_work);
	cancel_delayed_work_sync(&poll_work);
	destroy_workqueue(early_wq);
	early_wq = NULL;
	if (victim_mm)
		mmdrop(victim_mm);
	victim_mm = NULL;
}
