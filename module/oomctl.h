/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomctl: per-cgroup OOM kill policy.
 *
 * Declarations shared by the module's files.  Each concern lives in one
 * file:
 *   main.c    - module parameters, init and exit (the order of both)
 *   hooks.c   - the OOM notifier, the mark_victim tracepoint probe, the
 *               kretprobes on mem_cgroup_get_oom_group() and
 *               oom_kill_process() and the kprobes on out_of_memory() and
 *               task_will_free_mem()
 *   badness.c - the hook on oom_badness() that applies the rules' biases
 *   policy.c  - policy names, the switches, and the decision taken for
 *               each OOM kill
 *   rules.c   - the rule table: grammar, storage, binding paths to
 *               cgroups, and the lock-free lookup used by the OOM path
 *   quiet.c   - the quiet kill: a process policy's victim killed without
 *               the oom_kill count that service managers act on
 *   kill.c    - the fallback killer, for cgroups without a memcg of their own
 *   early.c   - the early kill: thresholds, the poll armed by pressure, the
 *               victim chosen and killed before the OOM
 *   events.c  - the decision record (events file) and the dmesg lines
 *   stats.c   - the counters behind /sys/kernel/oomctl/stats/
 *   sysfs.c   - /sys/kernel/oomctl/ and the switch parsers shared with
 *               the module parameters
 */
#ifndef _OOMCTL_H
#define _OOMCTL_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "conftest.h"

#define OOMCTL_VERSION "0.4.0"

/*
 * The flag for alloc_workqueue() that keeps a workqueue per-CPU, as every
 * oomctl workqueue is: 7.x wants it said (WQ_PERCPU, and warns where a
 * workqueue says neither that nor WQ_UNBOUND); 6.12.y has the flag (a
 * stable backport) and per-CPU is its default anyway; 6.1 has no such
 * flag (module/conftest/wq_percpu.c).
 */
#ifdef OOMCTL_HAVE_WQ_PERCPU
#define OOMCTL_WQ_PERCPU	WQ_PERCPU
#else
#define OOMCTL_WQ_PERCPU	0
#endif

struct attribute_group;
struct cgroup;
struct mem_cgroup;
struct mm_struct;
struct task_struct;

/*
 * What dies with the victim the OOM killer chose.  Order matters only for
 * the names table in policy.c.
 */
enum oomctl_policy {
	OOMCTL_POLICY_KERNEL,	/* no override: memory.oom.group decides */
	OOMCTL_POLICY_PROCESS,	/* only the victim (and tasks sharing its mm) */
	OOMCTL_POLICY_GROUP,	/* every task of the victim's own cgroup */
	OOMCTL_POLICY_SUBTREE,	/* every task under the rule's cgroup */
	NR_OOMCTL_POLICIES,
};

/*
 * How the victim of a process policy is killed: the rule's kill= key
 * (quiet.c says why it matters).  The order matters only for the names
 * table in policy.c.
 */
enum oomctl_kill {
	OOMCTL_KILL_QUIET,	/* by oomctl: no oom_kill in memory.events */
	OOMCTL_KILL_KERNEL,	/* by the kernel's own kill, which counts it */
	NR_OOMCTL_KILLS,
};

/*
 * Whether a victim was killed quietly and, where a quiet kill was asked
 * for but the kernel's own kill was used, why (the events file's quiet=).
 */
enum oomctl_quiet {
	OOMCTL_QUIET_NO,	/* not asked for: another policy, or kill=kernel */
	OOMCTL_QUIET_YES,	/* killed quietly */
	OOMCTL_QUIET_EXITING,	/* the victim was past the point of a clean kill */
	OOMCTL_QUIET_COREDUMP,	/* it (or a process sharing its mm) dumps core */
	OOMCTL_QUIET_PINNED,	/* its mm is shared with init or a kernel thread */
	OOMCTL_QUIET_STUCK,	/* an earlier quiet victim outlived the OOM reaper */
	OOMCTL_QUIET_RACED,	/* killed, yet the kernel did not find it dying */
	OOMCTL_QUIET_UNSEEN,	/* the kernel did not check it where expected */
	NR_OOMCTL_QUIET,
};

/* What became of a quiet victim, QUIET_BOUND after its kill (events' freed=). */
enum oomctl_freed {
	OOMCTL_FREED_UNKNOWN,	/* not a quiet kill, or not looked at yet */
	OOMCTL_FREED_YES,	/* it exited */
	OOMCTL_FREED_REAPED,	/* still there; the OOM reaper freed its memory */
	OOMCTL_FREED_NO,	/* still there, memory and all */
	NR_OOMCTL_FREED,
};

/*
 * Switches.  Written only in process context (sysfs stores, module
 * parameters at load); the hooks read them with READ_ONCE() and need no
 * lock: a hook that saw the old value finishes the OOM it was in with it.
 */
extern bool oomctl_enabled;
extern bool oomctl_dry_run;
extern enum oomctl_policy oomctl_default_policy;

static inline bool oomctl_is_enabled(void)
{
	return READ_ONCE(oomctl_enabled);
}

/*
 * Counters.  Incremented from the OOM path (atomic context) and from the
 * fallback worker, read from sysfs.  Each is an atomic_long_t, so neither
 * side takes a lock; sysfs-doc/sysfs-kernel-oomctl-stats says what each
 * counts and how they add up.
 */
enum oomctl_stat {
	OOMCTL_STAT_GLOBAL_OOMS,
	OOMCTL_STAT_VICTIMS,
	OOMCTL_STAT_GLOBAL_KILLS,
	OOMCTL_STAT_MEMCG_KILLS,
	OOMCTL_STAT_DECISIONS_KERNEL,
	OOMCTL_STAT_DECISIONS_PROCESS,
	OOMCTL_STAT_DECISIONS_GROUP,
	OOMCTL_STAT_DECISIONS_SUBTREE,
	OOMCTL_STAT_DRY_RUN,
	OOMCTL_STAT_GROUP_KILLS,
	OOMCTL_STAT_FALLBACK_KILLS,
	OOMCTL_STAT_FALLBACK_TASKS,
	OOMCTL_STAT_FALLBACK_DROPPED,
	OOMCTL_STAT_TASKS_KILLED,
	OOMCTL_STAT_SYSRQ_KILLS,
	OOMCTL_STAT_BIAS_APPLIED,
	OOMCTL_STAT_EVENTS_DROPPED,
	OOMCTL_STAT_QUIET_KILLS,
	OOMCTL_STAT_QUIET_DECLINED,
	OOMCTL_STAT_QUIET_LINGERING,
	OOMCTL_STAT_HOOKS_MISSED,
	OOMCTL_STAT_VICTIMS_UNDECIDED,
	OOMCTL_STAT_EARLY_KILLS,
	OOMCTL_STAT_EARLY_ARMED,
	NR_OOMCTL_STATS,
};

extern atomic_long_t oomctl_stats[NR_OOMCTL_STATS];

static inline void oomctl_count(enum oomctl_stat item)
{
	atomic_long_inc(&oomctl_stats[item]);
}

static inline void oomctl_count_n(enum oomctl_stat item, long n)
{
	atomic_long_add(n, &oomctl_stats[item]);
}

/* stats.c */
extern const struct attribute_group oomctl_stats_group;

/* policy.c */
const char *oomctl_policy_name(enum oomctl_policy policy);
int oomctl_parse_policy(const char *name, enum oomctl_policy *policy);
const char *oomctl_kill_name(enum oomctl_kill kill);
int oomctl_parse_kill(const char *name, enum oomctl_kill *kill);
bool oomctl_before_kill(struct task_struct **victimp, struct mem_cgroup *oom_domain);
void oomctl_victim_check(struct task_struct *task);
void oomctl_after_kill(const struct task_struct *victim);
struct mem_cgroup *oomctl_decide(struct task_struct *victim,
				 struct mem_cgroup *oom_domain,
				 struct mem_cgroup *kernel_group);
int oomctl_bias_of(struct task_struct *p);
long oomctl_bias_badness(long points, int bias, unsigned long totalpages);
void oomctl_note_oom_start(bool sysrq);
void oomctl_record_missed(struct task_struct *victim, bool global);

/* rules.c */
enum oomctl_oom_kind {
	OOMCTL_OOM_GLOBAL,
	OOMCTL_OOM_SYSRQ,
	OOMCTL_OOM_MEMCG,
	OOMCTL_OOM_EARLY,	/* no OOM: an early kill (early.c) */
};

/* The threshold an early kill crossed (events' threshold=). */
enum oomctl_early_threshold {
	OOMCTL_EARLY_NONE,	/* not an early kill */
	OOMCTL_EARLY_AVAILABLE,	/* MemAvailable, in kB */
	OOMCTL_EARLY_HIGH,	/* memory.high breached, for so many ms */
	OOMCTL_EARLY_RECLAIM,	/* % of the pages reclaim scanned it freed */
};

/* How the tasks that die with the victim are killed. */
enum oomctl_mechanism {
	OOMCTL_MECH_NONE,	/* the victim dies alone */
	OOMCTL_MECH_KERNEL,	/* the kernel's group kill of a memcg */
	OOMCTL_MECH_FALLBACK,	/* oomctl's fallback killer (kill.c) */
	OOMCTL_MECH_QUIET,	/* the victim alone, by oomctl's quiet kill */
};

/* Room for a cgroup path in an event; longer paths are cut short. */
#define OOMCTL_EVENT_PATH	256

/* One decision, as recorded in the ring (events.c). */
struct oomctl_event {
	u64 seq;			/* 1, 2, ...: gaps show overwritten events */
	u64 time_ns;			/* boot time */
	enum oomctl_oom_kind kind;
	enum oomctl_policy policy;
	enum oomctl_mechanism mechanism;
	enum oomctl_quiet quiet;
	enum oomctl_freed freed;
	int bias;			/* of the matching rule */
	bool dry_run;
	bool narrowed;			/* target narrowed to the OOM domain */
	bool hooks_missed;		/* oomctl's probes missed this kill */
	bool fallback_pending;		/* the fallback killer has not reported */
	enum oomctl_early_threshold early;	/* an early kill's threshold */
	unsigned long early_limit;	/* its value (kB, ms or %) */
	unsigned long early_reading;	/* the reading that crossed it */
	pid_t victim_pid;		/* its process (thread group) */
	unsigned int tasks_killed;
	unsigned long victim_rss_kb;
	u64 target_cgid;		/* the group the kernel kills, or 0 */
	char victim_comm[TASK_COMM_LEN];
	char domain[OOMCTL_EVENT_PATH];
	char victim_cgroup[OOMCTL_EVENT_PATH];
	char target[OOMCTL_EVENT_PATH];	/* "-": the victim alone */
	char rule[OOMCTL_EVENT_PATH];	/* "-": default_policy */
};

/* Victim-selection bias, in oom_score_adj units. */
#define OOMCTL_BIAS_MIN	-1000
#define OOMCTL_BIAS_MAX	1000

struct oomctl_match {
	struct cgroup *cgrp;		/* the rule's cgroup, valid under RCU */
	enum oomctl_policy policy;
	enum oomctl_kill kill;		/* for OOMCTL_POLICY_PROCESS */
	int bias;
	const char *path;		/* valid under RCU */
};

/* A bound rule with early_high_ms (rules.c), as early.c watches it. */
struct oomctl_early_rule {
	u64 cgid;
	unsigned int high_ms;
};

extern unsigned int oomctl_max_rules;
bool oomctl_rules_lookup(struct cgroup *cgrp, struct oomctl_match *match);
int oomctl_rules_bias(struct cgroup *cgrp);
int oomctl_rules_write(const char *buf, size_t len);
char *oomctl_rules_render(size_t *len);
int oomctl_rules_init(const char *initial);
void oomctl_rules_exit(void);
unsigned int oomctl_rules_early(struct oomctl_early_rule *out, unsigned int max);

/* events.c */
extern unsigned int oomctl_events_max;
struct oomctl_event *oomctl_event_start(unsigned long *flags);
void oomctl_event_commit(struct oomctl_event *ev, struct task_struct *victim,
			 unsigned long flags);
void oomctl_event_publish(struct oomctl_event *ev, unsigned long flags);
void oomctl_event_copy_path(char *dst, struct cgroup *cgrp);
bool oomctl_event_victim(struct task_struct *task, bool hooks_missed);
void oomctl_event_oom_start(void);
void oomctl_event_sanitize(char *s);
void oomctl_event_fallback_done(u64 seq, unsigned int n);
void oomctl_event_quiet_raced(u64 seq);
void oomctl_event_freed(u64 seq, enum oomctl_freed freed);
ssize_t oomctl_events_read(unsigned long *cursor, char *buf, size_t count);
int oomctl_events_init(void);
void oomctl_events_exit(void);

/* quiet.c */
enum oomctl_quiet oomctl_quiet_prepare(struct task_struct **victimp,
				       struct cgroup *domain);
enum oomctl_quiet oomctl_quiet_kill(struct task_struct *victim);
void oomctl_quiet_follow(struct task_struct *victim, u64 seq);
void oomctl_quiet_exit(void);
bool oomctl_mm_oom_skipped(const struct mm_struct *mm);

/* kill.c */
bool oomctl_fallback_queue(struct cgroup *cgrp, u64 seq,
			   struct task_struct *victim);
int oomctl_kill_init(void);
void oomctl_kill_exit(void);

/* early.c (and policy.c: an early kill's decision record) */
struct oomctl_event *oomctl_decision_start(struct task_struct *victim,
					   enum oomctl_oom_kind kind,
					   struct mem_cgroup *oom_domain,
					   unsigned long rss,
					   struct oomctl_match *match,
					   unsigned long *flags);
extern bool oomctl_early_enabled;
extern const struct attribute_group oomctl_early_group;
int oomctl_early_init(void);
void oomctl_early_exit(void);

/* main.c: the init steps a test can make fail (the fail_init parameter) */
enum oomctl_init_step {
	OOMCTL_INIT_EVENTS,
	OOMCTL_INIT_KILL,
	OOMCTL_INIT_RULES,
	OOMCTL_INIT_EARLY_WQ,
	OOMCTL_INIT_EARLY_TRACEPOINTS,
	OOMCTL_INIT_TRACEPOINT,
	OOMCTL_INIT_NOTIFIER,
	OOMCTL_INIT_OOM_START,
	OOMCTL_INIT_CANARY,
	OOMCTL_INIT_BADNESS,
	OOMCTL_INIT_OOM_GROUP,
	OOMCTL_INIT_WILL_FREE_MEM,
	OOMCTL_INIT_OOM_KILL,
	OOMCTL_INIT_SYSFS_DIR,
	OOMCTL_INIT_SYSFS_FILES,
	NR_OOMCTL_INIT_STEPS,
};

int oomctl_fail_init(enum oomctl_init_step step);

/* hooks.c */
int oomctl_hooks_init(void);
void oomctl_hooks_exit(void);

/* badness.c */
int oomctl_badness_open(void);
void oomctl_badness_close(void);
void oomctl_badness_want(bool want);
unsigned long oomctl_badness_nmissed(void);

/* sysfs.c */
extern bool oomctl_world_readable;	/* rules and events 0644, 0444 */
int oomctl_parse_bool(const char *buf, bool *res);
int oomctl_parse_default_policy(const char *buf, enum oomctl_policy *res);
int oomctl_sysfs_init(void);
void oomctl_sysfs_notify_events(void);
void oomctl_sysfs_remove(void);
void oomctl_sysfs_exit(void);

#endif /* _OOMCTL_H */
