// SPDX-License-Identifier: GPL-2.0
/*
 * The decision record: a ring of the last events_max decisions, shown by
 * /sys/kernel/oomctl/events, each also told in one dmesg line.
 *
 * The ring is allocated at load; recording never allocates.  A decision
 * takes the next slot (oomctl_event_start/commit, from the OOM path); the
 * tasks it killed are added as the kernel marks them (the mark_victim
 * probe, in the same OOM-killing task) and as the fallback killer reports
 * them.  When the ring is full the oldest event is overwritten and
 * counted in stats/events_dropped; sequence numbers show the gap.
 *
 * The dmesg line and the poll wake-up (sysfs_notify) may not come from
 * the atomic OOM path.  notify_work does both, on a WQ_MEM_RECLAIM
 * workqueue, NOTIFY_DELAY after the last change to any event, by which
 * time the kill it reports on is complete; in a storm of OOMs it waits
 * NOTIFY_MAX_WAIT at most.  An event whose kill is the fallback killer's
 * (kill.c, another worker, which may run later) is told, and the events
 * after it, once that has reported.  Events overwritten before the worker
 * got to them are not told in dmesg (stats/events_dropped counts them).
 *
 * event_lock, a seqlock, protects the ring, next_seq, the cur_* fields
 * and notify_first.  Its lock is taken from the OOM path and from
 * workers, so with IRQs off; a change to the ring or next_seq is a write
 * (write_seqlock_irqsave(), which also bumps the sequence), a change of
 * the other fields or a look at a slot is not (read_seqlock_excl_irqsave()).
 * Readers of the events file (oomctl_events_read()) copy one slot at a
 * time without the lock and check the sequence: the OOM path never waits
 * for them, unless a copy raced with a change, when the copy is made
 * again under the lock (one slot's memcpy).  Nobody formats or allocates
 * under it.
 */
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "oomctl.h"

#define NOTIFY_DELAY	(HZ / 20)
#define NOTIFY_MAX_WAIT	(HZ / 2)
/* The longest line of the events file: five paths, a comm and numbers. */
#define EVENT_LINE_MAX	(5 * OOMCTL_EVENT_PATH + 512)

/* Load-time parameter (main.c); fixed while the module is loaded. */
unsigned int oomctl_events_max = 64;

static DEFINE_SEQLOCK(event_lock);
static struct oomctl_event *ring;		/* events_max slots */
static u64 next_seq = 1;			/* event_lock */
/*
 * The decision whose kills are being counted, and who carries it out.
 * Set by oomctl_event_commit(), cleared when out_of_memory() next begins.
 */
static u64 cur_seq;				/* event_lock */
/*
 * The killer is compared by address and start time: with the probes
 * missing (kprobes disarmed, hooks.c) nothing clears it when the next
 * out_of_memory() begins, and a later task may have the address of the
 * killer that has since exited.
 */
static const struct task_struct *cur_killer;	/* event_lock; compared only */
static u64 cur_killer_start;			/* event_lock */
/*
 * The victim's process, by its signal_struct (shared by its threads): the
 * kernel's __oom_kill_process() kills and marks another thread of it when
 * the chosen task has no mm (a leader that has exited), and that mark is
 * the victim's.  The kernel holds a reference to the marked thread, so
 * the process (and this struct) outlives the marks.
 */
static const struct signal_struct *cur_victim;	/* event_lock; compared only */
/* jiffies of the oldest change notify_work has not told; 0: none. */
static unsigned long notify_first;		/* event_lock */

static struct workqueue_struct *events_wq;
static void notify_events(struct work_struct *work);
static DECLARE_DELAYED_WORK(notify_work, notify_events);
static u64 reported_seq;			/* notify_work only */

static const char * const kind_names[] = {
	[OOMCTL_OOM_GLOBAL] = "global",
	[OOMCTL_OOM_SYSRQ] = "sysrq",
	[OOMCTL_OOM_MEMCG] = "memcg",
	[OOMCTL_OOM_EARLY] = "early",
};

/*
 * An early kill's threshold (early.c): threshold=<name>:<limit> in the
 * event, and in the dmesg line "<what> <reading> <unit> below|at least
 * <limit> <limit_unit>".
 */
struct early_threshold {
	const char *name, *what, *unit, *limit_unit;
};

static const struct early_threshold early_thresholds[] = {
	[OOMCTL_EARLY_NONE] = { "-" },
	[OOMCTL_EARLY_AVAILABLE] = { "available_kb", "MemAvailable", "kB", "kB" },
	[OOMCTL_EARLY_HIGH] = { "high_ms", "memory.high breached for", "ms", "ms" },
	[OOMCTL_EARLY_RECLAIM] = { "reclaim_pct", "reclaim freed",
				   "% of the pages it scanned,", "%" },
};

static const char * const mechanism_names[] = {
	[OOMCTL_MECH_NONE] = "none",
	[OOMCTL_MECH_KERNEL] = "kernel",
	[OOMCTL_MECH_FALLBACK] = "fallback",
	[OOMCTL_MECH_QUIET] = "quiet",
};

/* The events file's quiet= values, and what the dmesg line says of them. */
static const char * const quiet_names[NR_OOMCTL_QUIET] = {
	[OOMCTL_QUIET_NO] = "no",
	[OOMCTL_QUIET_YES] = "yes",
	[OOMCTL_QUIET_EXITING] = "exiting",
	[OOMCTL_QUIET_COREDUMP] = "coredump",
	[OOMCTL_QUIET_PINNED] = "pinned",
	[OOMCTL_QUIET_STUCK] = "stuck",
	[OOMCTL_QUIET_RACED] = "raced",
	[OOMCTL_QUIET_UNSEEN] = "unseen",
};

static const char * const freed_names[NR_OOMCTL_FREED] = {
	[OOMCTL_FREED_UNKNOWN] = "-",
	[OOMCTL_FREED_YES] = "yes",
	[OOMCTL_FREED_REAPED] = "reaped",
	[OOMCTL_FREED_NO] = "no",
};

static const char * const quiet_why[NR_OOMCTL_QUIET] = {
	[OOMCTL_QUIET_NO] = "",
	[OOMCTL_QUIET_YES] = ", killed quietly (no oom_kill in memory.events)",
	[OOMCTL_QUIET_EXITING] = ", not quietly: the victim was exiting",
	[OOMCTL_QUIET_COREDUMP] = ", not quietly: a core dump is in progress",
	[OOMCTL_QUIET_PINNED] = ", not quietly: init or a kernel thread shares its mm",
	[OOMCTL_QUIET_STUCK] = ", not quietly: an earlier quiet victim has not exited",
	[OOMCTL_QUIET_RACED] = ", not quietly: not found dying after oomctl's SIGKILL",
	[OOMCTL_QUIET_UNSEEN] = ", not quietly: the kernel's check was not seen",
};

/**
 * oomctl_event_sanitize - make a string fit for an events file value
 * @s: the string, changed in place
 *
 * Values in the events file hold no blanks, '=' or ASCII control
 * characters: each such byte becomes '_'.
 */
void oomctl_event_sanitize(char *s)
{
	for (; *s; s++) {
		/* ASCII only: bytes of UTF-8 names are kept as they are. */
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '=')
			*s = '_';
	}
}

/*
 * Called with event_lock held after a change to the ring.  Returns true
 * while notify_work may still wait for things to settle (mod_delayed_work),
 * false once it has waited NOTIFY_MAX_WAIT (queue_delayed_work).
 */
static bool note_change(void)
{
	if (!notify_first)
		notify_first = jiffies | 1;
	return time_before(jiffies, notify_first + NOTIFY_MAX_WAIT);
}

static void schedule_notify(bool settle)
{
	if (settle)
		mod_delayed_work(events_wq, &notify_work, NOTIFY_DELAY);
	else
		queue_delayed_work(events_wq, &notify_work, NOTIFY_DELAY);
}

/**
 * oomctl_event_copy_path - a cgroup's path into an event field
 * @dst: a field of OOMCTL_EVENT_PATH bytes
 * @cgrp: the cgroup, or NULL for "-"
 *
 * Context: any; takes only kernfs_rename_lock (a spinlock).  A path longer
 * than the field is cut short.
 */
void oomctl_event_copy_path(char *dst, struct cgroup *cgrp)
{
	if (!cgrp || kernfs_path_from_node(cgrp->kn, NULL, dst, OOMCTL_EVENT_PATH) < 0)
		strscpy(dst, "-", OOMCTL_EVENT_PATH);
	oomctl_event_sanitize(dst);
}

/**
 * oomctl_event_start - take the next slot of the ring
 * @flags: IRQ state, to hand to oomctl_event_commit()
 *
 * Returns with event_lock held and the slot zeroed but for its sequence
 * number and time.  Context: any; does not sleep or allocate.
 */
struct oomctl_event *oomctl_event_start(unsigned long *flags)
	__acquires(&event_lock)
{
	struct oomctl_event *ev;

	write_seqlock_irqsave(&event_lock, *flags);
	ev = &ring[next_seq % oomctl_events_max];
	if (ev->seq)
		oomctl_count(OOMCTL_STAT_EVENTS_DROPPED);
	memset(ev, 0, sizeof(*ev));
	ev->seq = next_seq++;
	ev->time_ns = ktime_get_boottime_ns();
	return ev;
}

/**
 * oomctl_event_publish - publish a filled slot whose kills are all known
 * @ev: from oomctl_event_start()
 * @flags: from oomctl_event_start()
 *
 * For a decision no mark_victim follows (an early kill): the marks of an
 * OOM being handled meanwhile stay counted in that OOM's event.
 */
void oomctl_event_publish(struct oomctl_event *ev, unsigned long flags)
	__releases(&event_lock)
{
	bool settle = note_change();

	oomctl_event_sanitize(ev->victim_comm);
	oomctl_event_sanitize(ev->rule);
	write_sequnlock_irqrestore(&event_lock, flags);
	schedule_notify(settle);
}

/**
 * oomctl_event_commit - publish a filled slot
 * @ev: from oomctl_event_start()
 * @victim: the task the kernel is about to kill
 * @flags: from oomctl_event_start()
 *
 * From now on, tasks the current task marks as OOM victims (the victim,
 * then the members of the group kill) are counted in @ev.
 */
void oomctl_event_commit(struct oomctl_event *ev, struct task_struct *victim,
			 unsigned long flags)
	__releases(&event_lock)
{
	cur_seq = ev->seq;
	cur_killer = current;
	cur_killer_start = current->start_time;
	cur_victim = victim->signal;
	oomctl_event_publish(ev, flags);
}

/**
 * oomctl_event_oom_start - out_of_memory() begins in the current task
 *
 * Ends the counting of the previous decision's kills: the kernel marks
 * victims without a decision too (a task that is already exiting), and
 * those belong to no event.  Context: the out_of_memory() probe, under
 * oom_lock.
 */
void oomctl_event_oom_start(void)
{
	unsigned long flags;

	read_seqlock_excl_irqsave(&event_lock, flags);
	cur_seq = 0;
	cur_killer = NULL;
	cur_victim = NULL;
	read_sequnlock_excl_irqrestore(&event_lock, flags);
}

static bool task_under(struct task_struct *task, u64 cgid)
{
	struct cgroup *cgrp;
	bool found = false;

	rcu_read_lock();
	for (cgrp = task_dfl_cgroup(task); cgrp && !found; cgrp = cgroup_parent(cgrp))
		found = cgroup_id(cgrp) == cgid;
	rcu_read_unlock();
	return found;
}

/*
 * Called with event_lock held or in a seqlock read section: the slot of
 * @seq if it was not overwritten.
 */
static struct oomctl_event *event_of(u64 seq)
{
	struct oomctl_event *ev = &ring[seq % oomctl_events_max];

	return seq && ev->seq == seq ? ev : NULL;
}

/* As event_of(): the oldest event still in the ring. */
static u64 oldest_seq(void)
{
	return next_seq > oomctl_events_max ? next_seq - oomctl_events_max : 1;
}

/**
 * oomctl_event_victim - the kernel marked @task as an OOM victim
 * @task: the task
 * @hooks_missed: oomctl's probes missed (some of) this kill (hooks.c)
 *
 * Counted in the current decision's event when the task carrying that
 * decision out marks its victim (any thread of the victim's process) or
 * a member of the cgroup it kills; that event is then marked hooks=missed
 * if @hooks_missed, and counted in stats/hooks_missed the first time.
 * Context: the mark_victim tracepoint (atomic, oom_lock held).
 * Return: whether @task belongs to the current decision's event.
 */
bool oomctl_event_victim(struct task_struct *task, bool hooks_missed)
{
	struct oomctl_event *ev;
	unsigned long flags;
	bool settle = false;

	write_seqlock_irqsave(&event_lock, flags);
	ev = current == cur_killer && current->start_time == cur_killer_start ?
	     event_of(cur_seq) : NULL;
	if (ev && (task->signal == cur_victim ||
		   (ev->target_cgid && task_under(task, ev->target_cgid)))) {
		ev->tasks_killed++;
		if (hooks_missed && !ev->hooks_missed) {
			ev->hooks_missed = true;
			oomctl_count(OOMCTL_STAT_HOOKS_MISSED);
		}
		settle = note_change();
	} else {
		ev = NULL;
	}
	write_sequnlock_irqrestore(&event_lock, flags);
	if (ev)
		schedule_notify(settle);
	return !!ev;
}

/**
 * oomctl_event_quiet_raced - the kernel killed a quiet kill's victim itself
 * @seq: the quiet kill's event
 *
 * After oomctl's SIGKILL, task_will_free_mem() still did not find the
 * victim dying (quiet.c), so the kernel's own kill path ran.  Context: the
 * OOM path.
 */
void oomctl_event_quiet_raced(u64 seq)
{
	struct oomctl_event *ev;
	unsigned long flags;

	write_seqlock_irqsave(&event_lock, flags);
	ev = event_of(seq);
	if (ev) {
		ev->mechanism = OOMCTL_MECH_NONE;
		ev->quiet = OOMCTL_QUIET_RACED;
	}
	write_sequnlock_irqrestore(&event_lock, flags);
}

/**
 * oomctl_event_freed - what became of a quiet kill's victim
 * @seq: the quiet kill's event
 * @freed: what quiet.c found, QUIET_BOUND after the kill
 *
 * Context: process (quiet.c's check_work).
 */
void oomctl_event_freed(u64 seq, enum oomctl_freed freed)
{
	struct oomctl_event *ev;
	unsigned long flags;
	bool settle;

	write_seqlock_irqsave(&event_lock, flags);
	ev = event_of(seq);
	if (ev)
		ev->freed = freed;
	settle = note_change();
	write_sequnlock_irqrestore(&event_lock, flags);
	schedule_notify(settle);
}

/**
 * oomctl_event_fallback_done - the fallback killer killed @n tasks for @seq
 * @seq: the event's sequence number
 * @n: tasks killed (0 also for a kill that was dropped)
 *
 * The event can be told in dmesg from now on.
 */
void oomctl_event_fallback_done(u64 seq, unsigned int n)
{
	struct oomctl_event *ev;
	unsigned long flags;
	bool settle;

	write_seqlock_irqsave(&event_lock, flags);
	ev = event_of(seq);
	if (ev) {
		ev->tasks_killed += n;
		ev->fallback_pending = false;
	}
	settle = note_change();
	write_sequnlock_irqrestore(&event_lock, flags);
	schedule_notify(settle);
}

/* An early kill's threshold= and reading= values: "-" for the others. */
static void format_early(char *threshold, char *reading, size_t size,
			 const struct oomctl_event *ev)
{
	if (ev->early == OOMCTL_EARLY_NONE) {
		strscpy(threshold, "-", size);
		strscpy(reading, "-", size);
		return;
	}
	scnprintf(threshold, size, "%s:%lu", early_thresholds[ev->early].name, ev->early_limit);
	scnprintf(reading, size, "%lu", ev->early_reading);
}

static int format_event(char *buf, size_t size, const struct oomctl_event *ev)
{
	char threshold[40], reading[40];

	format_early(threshold, reading, sizeof(reading), ev);
	return scnprintf(buf, size,
			 "seq=%llu time_ns=%llu kind=%s domain=%s victim_pid=%d victim_comm=%s victim_cgroup=%s victim_rss_kb=%lu rule=%s policy=%s bias=%d target=%s mechanism=%s tasks_killed=%u dry_run=%d threshold=%s reading=%s narrowed=%d quiet=%s freed=%s hooks=%s\n",
			 ev->seq, ev->time_ns, kind_names[ev->kind], ev->domain,
			 ev->victim_pid, ev->victim_comm, ev->victim_cgroup,
			 ev->victim_rss_kb, ev->rule, oomctl_policy_name(ev->policy),
			 ev->bias, ev->target, mechanism_names[ev->mechanism],
			 ev->tasks_killed, ev->dry_run, threshold, reading,
			 ev->narrowed, quiet_names[ev->quiet], freed_names[ev->freed],
			 ev->hooks_missed ? "missed" : "ok");
}

/* An early kill's dmesg line: the threshold and the reading that crossed it. */
static void print_early(const struct oomctl_event *ev, bool target)
{
	const struct early_threshold *t = &early_thresholds[ev->early];
	bool high = ev->early == OOMCTL_EARLY_HIGH;

	pr_info_ratelimited("%searly %s kill%s%s%s%s: victim %d (%s), %s %lu %s %s %lu %s, %s%s\n",
			    ev->dry_run ? "dry run: would do " : "",
			    oomctl_policy_name(ev->policy),
			    target ? " of " : "", target ? ev->target : "",
			    high ? " in " : "", high ? ev->domain : "",
			    ev->victim_pid, ev->victim_comm,
			    t->what, ev->early_reading, t->unit,
			    high ? "at least" : "below", ev->early_limit,
			    t->limit_unit,
			    ev->rule[0] != '-' ? "rule " : "default_policy",
			    ev->rule[0] != '-' ? ev->rule : "");
}

/* The dmesg line: what happened and why, for a person. */
static void print_event(const struct oomctl_event *ev)
{
	bool target = strcmp(ev->target, "-");
	bool domain = ev->kind == OOMCTL_OOM_MEMCG;

	if (ev->kind == OOMCTL_OOM_EARLY) {
		print_early(ev, target);
		return;
	}

	pr_info_ratelimited("%s%s%s kill%s%s after %s OOM%s%s: victim %d (%s), %u task%s%s%s%s, %s%s\n",
			    ev->hooks_missed ? "probes missed it: " : "",
			    ev->dry_run ? "dry run: would do " : "",
			    oomctl_policy_name(ev->policy),
			    target ? " of " : "", target ? ev->target : "",
			    kind_names[ev->kind],
			    domain ? " in " : "", domain ? ev->domain : "",
			    ev->victim_pid, ev->victim_comm, ev->tasks_killed,
			    ev->tasks_killed == 1 ? "" : "s",
			    ev->mechanism == OOMCTL_MECH_FALLBACK ?
				" by the fallback killer (no memory controller there)" : "",
			    ev->narrowed ? " (narrowed to the OOM domain)" : "",
			    quiet_why[ev->quiet],
			    ev->rule[0] != '-' ? "rule " : "default_policy",
			    ev->rule[0] != '-' ? ev->rule : "");
}

static void notify_events(struct work_struct *work)
{
	static struct oomctl_event ev;	/* one notify_work runs at a time */
	unsigned long flags;
	u64 seq;

	read_seqlock_excl_irqsave(&event_lock, flags);
	notify_first = 0;
	read_sequnlock_excl_irqrestore(&event_lock, flags);
	for (;;) {
		read_seqlock_excl_irqsave(&event_lock, flags);
		/* Events overwritten before we got to them are not told. */
		seq = max(reported_seq + 1, oldest_seq());
		/*
		 * None left, or one whose fallback kill is still to come: its
		 * report queues this work again, and the events after it wait,
		 * so that dmesg tells them in order.
		 */
		if (seq >= next_seq || event_of(seq)->fallback_pending) {
			read_sequnlock_excl_irqrestore(&event_lock, flags);
			break;
		}
		reported_seq = seq;
		ev = *event_of(seq);
		read_sequnlock_excl_irqrestore(&event_lock, flags);
		print_event(&ev);
	}
	oomctl_sysfs_notify_events();
}

/*
 * A reader's place in the events file, kept per open file (sysfs.c keeps
 * it in the kernfs open file): the sequence number of the next event to
 * return, and how many bytes of that event's line it has returned.  A
 * line is shorter than 1 << CURSOR_LINE_BITS, and a sequence number
 * needs far fewer than the remaining bits of an unsigned long (the module
 * is built for x86_64 only).
 */
#define CURSOR_LINE_BITS	11
#define CURSOR_LINE_MASK	((1UL << CURSOR_LINE_BITS) - 1)
static_assert(CURSOR_LINE_MASK + 1 >= EVENT_LINE_MAX);
static_assert(sizeof(unsigned long) == 8);

/* One event copied out of the ring, and its line. */
struct event_line {
	struct oomctl_event ev;
	char text[EVENT_LINE_MAX];
};

/*
 * The ring's bounds, and a copy of the event of @seq, or of the oldest if
 * @seq was overwritten; false if there is no such event.  Called with
 * event_lock held or in a seqlock read section, where the values may be
 * torn, and are thrown away when the section is retried.
 */
static bool peek_event(u64 seq, struct oomctl_event *dst, u64 *oldest, u64 *end)
{
	const struct oomctl_event *ev;

	*oldest = oldest_seq();
	*end = next_seq;
	seq = max(seq, *oldest);
	ev = seq < *end ? event_of(seq) : NULL;
	if (ev)
		*dst = *ev;
	return !!ev;
}

/*
 * peek_event() for a reader: without the lock, and only if that copy
 * raced with a change of the ring, again under the lock.  The OOM path
 * never waits for a reader that did not race with it.
 */
static bool copy_event(u64 seq, struct oomctl_event *dst, u64 *oldest, u64 *end)
{
	unsigned long flags;
	unsigned int start;
	bool found;

	start = read_seqbegin(&event_lock);
	found = peek_event(seq, dst, oldest, end);
	if (!read_seqretry(&event_lock, start))
		return found;
	read_seqlock_excl_irqsave(&event_lock, flags);
	found = peek_event(seq, dst, oldest, end);
	read_sequnlock_excl_irqrestore(&event_lock, flags);
	return found;
}

/**
 * oomctl_events_read - the events file's next bytes for one reader
 * @cursor: the reader's place, 0 for the start (the oldest event kept)
 * @buf: where to put them
 * @count: room in @buf
 *
 * Copies the events from @cursor on, oldest first, one slot at a time,
 * without event_lock unless the copy raced with a change of the ring,
 * and formats each line with the lock dropped: the OOM path waits at most
 * for one slot's memcpy (after such a race), never for formatting, and one
 * read costs at most @count bytes' worth of events (a page), however
 * full the ring.  A read returns whole lines, each one consistent copy
 * of its event; the lines of one reader are its events in order, those
 * overwritten before the reader got to them left out (the sequence
 * numbers show the gap).  Only a @buf shorter than a line (at most
 * EVENT_LINE_MAX bytes) ends within one; the next read returns the rest
 * from a fresh copy of the event, in which tasks_killed= or freed= may
 * have changed (a line that got shorter than what was returned of it
 * just ends with its newline, and so does one whose event was
 * overwritten meanwhile).
 *
 * Context: process; may sleep (one small GFP_KERNEL allocation).
 * Return: bytes copied (0 at the newest event), or -ENOMEM.
 */
ssize_t oomctl_events_read(unsigned long *cursor, char *buf, size_t count)
{
	u64 seq = *cursor >> CURSOR_LINE_BITS;
	size_t skip = *cursor & CURSOR_LINE_MASK, done = 0, n;
	struct event_line *line;
	int len;

	line = kmalloc(sizeof(*line), GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	while (done < count) {
		u64 oldest, end;
		bool found;

		found = copy_event(seq, &line->ev, &oldest, &end);
		if (seq < oldest) {
			/* Overwritten before this reader got to it. */
			if (skip)
				buf[done++] = '\n';	/* end the line cut short */
			seq = oldest;
			skip = 0;
		}
		/* A slot is always found in a consistent view of the ring. */
		if (seq >= end || WARN_ON_ONCE(!found))
			break;

		len = format_event(line->text, sizeof(line->text), &line->ev);
		/* Whole lines, unless one is longer than @buf. */
		if (!skip && done && len > count - done)
			break;
		/* The line got shorter: end it, with its newline. */
		skip = min_t(size_t, skip, len - 1);
		n = min_t(size_t, len - skip, count - done);
		memcpy(buf + done, line->text + skip, n);
		done += n;
		skip += n;
		if (skip < len)
			break;		/* @buf is full within the line */
		skip = 0;
		seq++;
	}
	kfree(line);
	*cursor = (unsigned long)seq << CURSOR_LINE_BITS | skip;
	return done;
}

int oomctl_events_init(void)
{
	ring = kvcalloc(oomctl_events_max, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	events_wq = alloc_workqueue("oomctl_events", WQ_MEM_RECLAIM | OOMCTL_WQ_PERCPU, 0);
	if (!events_wq) {
		kvfree(ring);
		return -ENOMEM;
	}
	return 0;
}

/*
 * After the hooks and the fallback killer are gone, before the sysfs
 * directory is released: nothing queues notify_work any more, and the
 * last decisions are told in dmesg now.
 */
void oomctl_events_exit(void)
{
	flush_delayed_work(&notify_work);
	destroy_workqueue(events_wq);
	kvfree(ring);
}
