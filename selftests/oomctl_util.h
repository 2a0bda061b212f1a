/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the oomctl selftests: load and unload the module, read and
 * write sysfs and cgroup files, start hogs and sleepers in cgroups and see
 * how they ended.  Every function returns -errno on failure so that a test
 * can assert the exact error a write got.
 */
#ifndef OOMCTL_UTIL_H
#define OOMCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The harness gives a test 30 s by default.  On the debug kernel (KASAN
 * and lockdep under TCG) one OOM can take longer than that, so every test
 * gets ten minutes unless it says otherwise; the VM's own timeout
 * (scripts/vm-run --timeout) still catches a hang.  Include this header
 * after kselftest_harness.h.
 */
#ifdef TEST_TIMEOUT_DEFAULT
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600
#endif

#define OOMCTL_SYSFS	"/sys/kernel/oomctl"
#define OOMCTL_KO	"/oomctl/oomctl.ko"
#define CG_ROOT		"/sys/fs/cgroup"
/* The tests' own cgroup subtree; every cgroup path below is relative to it. */
#define CG_TEST		"oomctl-test"

/* Module */
int oomctl_load(const char *params);
int oomctl_unload(void);
bool oomctl_loaded(void);

/* Files: whole-file read, single write(2) */
int read_text(const char *path, char *buf, size_t size);
int write_text(const char *path, const char *text);
int read_ulong(const char *path, unsigned long *val);
/* /sys/kernel/oomctl/<file> */
int oomctl_read(const char *file, char *buf, size_t size);
int oomctl_write(const char *file, const char *text);
/* /sys/kernel/oomctl/stats/<name>, or -1 if it cannot be read */
long oomctl_stat(const char *name);
/* "key value" files: memory.events, /proc/vmstat; -1 if key is absent */
long keyed_value(const char *path, const char *key);
long proc_vmstat(const char *key);

/*
 * The value of @key in the first event line of @text that has it (the
 * events file's "key=value" fields), as a string in @buf; "" if none.
 */
const char *event_field(const char *text, const char *key, char *buf, size_t size);
/* @key's values summed over every event in the ring; -1 if unreadable. */
long events_sum(const char *key);

/* Add or replace the rule for CG_TEST/<cg> ("" for the test root). */
int oomctl_rule(const char *cg, const char *keys);
/*
 * Does the kernel log hold a line containing @a and @b (if not NULL)?
 * Waits up to 3 s for it: oomctl tells its decisions from a worker.
 */
bool dmesg_has(const char *a, const char *b);
/* Forget the kernel log so far (dmesg -C). */
int dmesg_clear(void);

/* Cgroups, as paths relative to CG_ROOT/CG_TEST ("" is the test root) */
const char *cg_path(const char *cg, const char *file);
int cg_setup(void);
int cg_create(const char *cg);
int cg_write(const char *cg, const char *file, const char *text);
long cg_event(const char *cg, const char *key);
/* A key of the cgroup's memory.stat, or -1. */
long cg_stat(const char *cg, const char *key);
int cg_cleanup(void);

/*
 * Scale a stress size by OOMCTL_SIZE_PCT (percent, default 100; make
 * check lowers it on the debug kernel, make check STRESS=n raises it).
 */
long scaled(long n);
/* Wait up to 4 s (bind_work runs after a cgroup change) for rules to read @want. */
bool rules_become(const char *want);
/* A valid line of the rules file? */
bool rule_line_valid(const char *line);

/* Processes */
pid_t spawn_hog(const char *cg, unsigned long mb);
/* The same, growing by at most @mb_per_s MiB a second (0: at once). */
pid_t spawn_hog_rate(const char *cg, unsigned long mb, unsigned long mb_per_s);
/* The same, but its first @at_once MiB at once. */
pid_t spawn_hog_burst(const char *cg, unsigned long mb, unsigned long mb_per_s,
		      unsigned long at_once);
pid_t spawn_sleeper(const char *cg, int oom_score_adj);
/* A child that runs @fn(@arg) in @cg with oom_score_adj 0, then exits. */
pid_t spawn_fn(const char *cg, int (*fn)(void *arg), void *arg);
/*
 * Wait up to timeout_ms for a child to end: its signal number, 0 for a
 * normal exit, -1 if still running then.
 */
int child_end(pid_t pid, int timeout_ms);
/*
 * Wait up to timeout_ms for a child to end: its exit code, 128 + signal
 * if killed, -1 if still running then.
 */
int child_exit(pid_t pid, int timeout_ms);
/* Still running? (A child that ended is reaped here.) */
bool child_alive(pid_t pid);
/*
 * Was a child killed by an OOM kill already carried out?  True if it
 * ended by SIGKILL, or is on its way there (SIGKILL pending, or exiting):
 * then it is reaped here.  Otherwise false after a short grace, where
 * child_end(pid, 5000) would wait out the five seconds.  Sound once the
 * OOM victim is reaped: one call of the OOM killer signals the victim and
 * then the rest of its memory.oom.group, and oomctl's group and subtree
 * kills are that call.  In a memcg OOM it runs in the task that charged,
 * the victim itself in these tests, which cannot exit before it returns;
 * the grace covers a global OOM's, which may run in another task.  Not
 * for kills sent later from a worker (the fallback killer, the early
 * kill).
 */
bool child_killed(pid_t pid);
int set_oom_score_adj(pid_t pid, int adj);

#endif /* OOMCTL_UTIL_H */
