/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oomctl: per-cgroup OOM kill policy.
 *
 * Declarations shared by the module's files.  Each concern lives in one
 * file:
 *   main.c   - module parameters, init and exit (the order of both)
 *   hooks.c  - the OOM notifier and the mark_victim tracepoint probe
 *   stats.c  - the counters behind /sys/kernel/oomctl/stats/
 *   sysfs.c  - /sys/kernel/oomctl/ and the value parsers shared with
 *              the module parameters
 */
#ifndef _OOMCTL_H
#define _OOMCTL_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/types.h>

#define OOMCTL_VERSION "0.1.0"

struct kobject;

/*
 * Master switch.  Written only in process context (sysfs store, module
 * parameter at load); the hooks read it with READ_ONCE() and need no
 * lock: a hook that saw the old value finishes the OOM it was in.
 */
extern bool oomctl_enabled;

static inline bool oomctl_is_enabled(void)
{
	return READ_ONCE(oomctl_enabled);
}

/*
 * Counters.  Incremented from the OOM path (atomic context, oom_lock
 * held), read from sysfs.  Each is an atomic_long_t, so neither side
 * takes a lock; see stats.c for what each one counts.
 */
enum oomctl_stat {
	OOMCTL_STAT_GLOBAL_OOMS,
	OOMCTL_STAT_VICTIMS,
	NR_OOMCTL_STATS,
};

extern atomic_long_t oomctl_stats[NR_OOMCTL_STATS];

static inline void oomctl_count(enum oomctl_stat item)
{
	atomic_long_inc(&oomctl_stats[item]);
}

/* stats.c */
extern const struct attribute_group oomctl_stats_group;

/* hooks.c */
int oomctl_hooks_init(void);
void oomctl_hooks_exit(void);

/* sysfs.c */
int oomctl_parse_bool(const char *buf, bool *res);
int oomctl_sysfs_init(void);
void oomctl_sysfs_exit(void);

#endif /* _OOMCTL_H */
