// SPDX-License-Identifier: GPL-2.0
/*
 * The quiet kill of policy=process: the victim dies, and neither
 * memory.events nor /proc/vmstat counts an oom_kill, so that a service
 * manager watching memory.events (systemd's OOMPolicy=) has nothing to act
 * on.  Each test asserts who died, who lived, the kernel's counters, and
 * oomctl's own counters and event.
 *
 *	app/		the rule's cgroup, memory.max=16M (memcg OOMs)
 *	app/job/	the victim and a sleeper
 *	hold/		helpers that must live (oom_score_adj -1000)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T	"/" CG_TEST
#define OOM_MS	100000
#define MB	(1024UL * 1024)

static char events[1 << 16];

/* The events file's line with seq=@seq (first line: 1), or "". */
static const char *event_line(unsigned int seq)
{
	char key[32];
	char *p;
	int len;

	len = oomctl_read("events", events, sizeof(events));
	if (len <= 0)
		return "";
	snprintf(key, sizeof(key), "seq=%u ", seq);
	p = strstr(events, key);
	if (!p || (p != events && p[-1] != '\n'))
		return "";
	*strchrnul(p, '\n') = '\0';
	return p;
}

/* Wait up to 8 s for event @seq's freed= to be known: its value. */
static const char *freed_of(unsigned int seq, char *buf, size_t size)
{
	int i;

	for (i = 0; i < 80; i++) {
		event_field(event_line(seq), "freed", buf, size);
		if (strcmp(buf, "-"))
			break;
		usleep(100000);
	}
	return buf;
}

/*
 * Touch @mb MiB of anonymous memory, a MiB at a time (one large mapping
 * would be refused by the overcommit heuristic); false if a mapping fails.
 */
static bool touch(unsigned long mb)
{
	unsigned long off;
	char *p;

	while (mb--) {
		p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return false;
		for (off = 0; off < MB; off += 4096)
			p[off] = 1;
	}
	return true;
}

/* Is @pid gone or a zombie?  (For tasks the test cannot wait for.) */
static bool task_dead(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *state;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return true;
	state = strrchr(buf, ')');
	return !state || state[2] == 'Z' || state[2] == 'X';
}

static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *state;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return '?';
	state = strrchr(buf, ')');
	return state ? state[2] : '?';
}

FIXTURE(quiet) {
	long vm_oom_kill;
};

FIXTURE_SETUP(quiet)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_create("app"));
	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("app/job"));
	ASSERT_EQ(0, cg_create("hold"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=process"));
	self->vm_oom_kill = proc_vmstat("oom_kill");
}

FIXTURE_TEARDOWN(quiet)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

/*
 * The victim alone dies; no oom_kill anywhere; the event says how.
 * @threads: the victim's threads that allocate.  Each may be marked a
 * victim by the kernel itself: a thread of a dying process that enters a
 * memcg OOM is marked without a decision where mem_cgroup_out_of_memory()
 * no longer skips dying tasks (7.x), and stats/victims counts every mark.
 */
static void expect_quiet(struct __test_metadata *_metadata, long vm_oom_kill,
			 pid_t victim, int threads)
{
	char buf[64], want[16];
	const char *ev;

	EXPECT_EQ(0, cg_event("app/job", "oom_kill"));
	EXPECT_EQ(0, cg_event("app", "oom_kill"));
	EXPECT_EQ(0, cg_event("app", "oom_group_kill"));
	EXPECT_EQ(vm_oom_kill, proc_vmstat("oom_kill"));
	EXPECT_EQ(1, oomctl_stat("quiet_kills"));
	EXPECT_EQ(0, oomctl_stat("quiet_declined"));
	EXPECT_EQ(1, oomctl_stat("decisions_process"));
	EXPECT_LE(1, oomctl_stat("victims"));
	EXPECT_GE(threads, oomctl_stat("victims"));
	ev = event_line(1);
	TH_LOG("%s", ev);
	snprintf(want, sizeof(want), "%d", victim);
	EXPECT_STREQ(want, event_field(ev, "victim_pid", buf, sizeof(buf)));
	EXPECT_STREQ("process", event_field(ev, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("quiet", event_field(ev, "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("yes", event_field(ev, "quiet", buf, sizeof(buf)));
	EXPECT_STREQ("1", event_field(ev, "tasks_killed", buf, sizeof(buf)));
	EXPECT_STREQ("", event_line(2));
}

TEST_F(quiet, memcg_oom_counts_no_kill)
{
	pid_t hog, sleeper;
	char buf[16];

	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	sleeper = spawn_sleeper("app/job", 0);
	hog = spawn_hog("app/job", 0);
	ASSERT_EQ(SIGKILL, child_end(hog, OOM_MS));
	EXPECT_TRUE(child_alive(sleeper));
	/*
	 * The kernel saw the OOM.  A new charge that fails before the
	 * victim's memory is uncharged (by the dying victim itself, say)
	 * counts a second one, in which the kernel kills nobody new: the
	 * victim is on its way out (one decision: expect_quiet()).
	 */
	EXPECT_LE(1, cg_event("app", "oom"));
	expect_quiet(_metadata, self->vm_oom_kill, hog, 1);
	EXPECT_TRUE(dmesg_has("process kill after memcg OOM in " T "/app",
			      "killed quietly (no oom_kill in memory.events)"));
	/* Recorded a few seconds after the kill: the victim has exited. */
	EXPECT_STREQ("yes", freed_of(1, buf, sizeof(buf)));
	EXPECT_EQ(0, oomctl_stat("quiet_lingering"));
}

/* memory.oom.group=1 (systemd's OOMPolicy=kill) changes nothing. */
TEST_F(quiet, oom_group_memcg_counts_no_kill)
{
	pid_t hog, sleeper;

	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	ASSERT_EQ(0, cg_write("app", "memory.oom.group", "1"));
	sleeper = spawn_sleeper("app/job", 0);
	hog = spawn_hog("app/job", 0);
	ASSERT_EQ(SIGKILL, child_end(hog, OOM_MS));
	EXPECT_TRUE(child_alive(sleeper));
	expect_quiet(_metadata, self->vm_oom_kill, hog, 1);
}

TEST_F(quiet, global_oom_counts_no_kill)
{
	pid_t hog, sleeper;

	sleeper = spawn_sleeper("app/job", 0);
	hog = spawn_hog("app/job", 0);
	ASSERT_EQ(SIGKILL, child_end(hog, OOM_MS));
	EXPECT_TRUE(child_alive(sleeper));
	/* Nothing else is a candidate: the hog is the one and only victim. */
	expect_quiet(_metadata, self->vm_oom_kill, hog, 1);
	EXPECT_EQ(1, oomctl_stat("global_kills"));
}

/* kill=kernel: the kernel's own kill, counted as without oomctl. */
TEST_F(quiet, kill_kernel_counts_the_kill)
{
	char buf[64];
	pid_t hog, sleeper;

	ASSERT_EQ(0, oomctl_rule("app", "policy=process kill=kernel"));
	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	sleeper = spawn_sleeper("app/job", 0);
	hog = spawn_hog("app/job", 0);
	ASSERT_EQ(SIGKILL, child_end(hog, OOM_MS));
	EXPECT_TRUE(child_alive(sleeper));
	EXPECT_EQ(1, cg_event("app", "oom_kill"));
	EXPECT_EQ(self->vm_oom_kill + 1, proc_vmstat("oom_kill"));
	EXPECT_EQ(0, oomctl_stat("quiet_kills"));
	EXPECT_STREQ("none", event_field(event_line(1), "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("no", event_field(event_line(1), "quiet", buf, sizeof(buf)));
}

/* A dry run kills nothing itself and says it would have been quiet. */
TEST_F(quiet, dry_run_leaves_the_kernel_kill)
{
	char buf[64];
	pid_t hog;

	ASSERT_EQ(0, oomctl_write("dry_run", "1"));
	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	hog = spawn_hog("app/job", 0);
	ASSERT_EQ(SIGKILL, child_end(hog, OOM_MS));
	EXPECT_EQ(1, cg_event("app", "oom_kill"));
	EXPECT_EQ(0, oomctl_stat("quiet_kills"));
	EXPECT_STREQ("quiet", event_field(event_line(1), "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("1", event_field(event_line(1), "dry_run", buf, sizeof(buf)));
}

/*
 * Every thread dies, even when the thread group's leader has already
 * exited (pthread_exit()) and the others do the allocating.
 */
static void *grow(void *arg)
{
	touch(1024);
	pause();
	return NULL;
}

static int leaderless(void *arg)
{
	pthread_t t[2];

	pthread_create(&t[0], NULL, grow, NULL);
	pthread_create(&t[1], NULL, grow, NULL);
	pthread_exit(NULL);
}

TEST_F(quiet, leaderless_threads_all_die)
{
	pid_t victim, sleeper;

	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	sleeper = spawn_sleeper("app/job", 0);
	victim = spawn_fn("app/job", leaderless, NULL);
	ASSERT_LT(0, victim);
	ASSERT_EQ(SIGKILL, child_end(victim, OOM_MS));
	EXPECT_TRUE(child_alive(sleeper));
	expect_quiet(_metadata, self->vm_oom_kill, victim, 2);
}

/*
 * A process sharing the victim's mm without being one of its threads
 * (clone(CLONE_VM)) dies with it, as with the kernel's own kill; else the
 * memory would stay.
 */
static int share_and_wait(void *arg)
{
	pause();
	return 0;
}

static int hog_with_sharer(void *arg)
{
	int *report = arg;
	char *stack = malloc(64 * 1024);
	pid_t sharer;

	/* CLONE_PARENT: the test is the sharer's parent and can wait for it. */
	sharer = clone(share_and_wait, stack + 64 * 1024,
		       CLONE_VM | CLONE_PARENT | SIGCHLD, NULL);
	if (sharer < 0 || write(report[1], &sharer, sizeof(sharer)) != sizeof(sharer))
		return 1;
	touch(1024);
	pause();
	return 0;
}

TEST_F(quiet, mm_sharer_dies_too)
{
	pid_t hog, sharer, sleeper;
	int report[2];

	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	ASSERT_EQ(0, pipe(report));
	sleeper = spawn_sleeper("app/job", 0);
	hog = spawn_fn("app/job", hog_with_sharer, report);
	ASSERT_LT(0, hog);
	ASSERT_EQ((ssize_t)sizeof(sharer), read(report[0], &sharer, sizeof(sharer)));
	EXPECT_EQ(SIGKILL, child_end(hog, OOM_MS));
	EXPECT_EQ(SIGKILL, child_end(sharer, 5000));
	EXPECT_TRUE(child_alive(sleeper));
	EXPECT_EQ(0, cg_event("app", "oom_kill"));
	EXPECT_EQ(1, oomctl_stat("quiet_kills"));
	close(report[0]);
	close(report[1]);
}

/*
 * The bound.  A victim with a thread stuck in uninterruptible sleep
 * cannot exit: here the thread waits for a pipe's mutex, which a helper
 * holds while its own write faults on a userfaultfd page that nobody
 * serves.  After the quiet kill the kernel waits for the victim, chooses
 * nobody else, and reaps its memory 2 s later (OOM_REAPER_DELAY).  The
 * next OOM in the same domain finds the quiet victim still there, and
 * oomctl leaves that kill to the kernel, counted in memory.events, so
 * that the service manager learns of it.
 */
static int pipefd[2];

static int hold_pipe(void *arg)
{
	struct uffdio_register reg = { };
	struct uffdio_api api = { .api = UFFD_API };
	long uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	char *page;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd < 0 || page == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api))
		return 1;
	reg.range.start = (unsigned long)page;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return 2;
	set_oom_score_adj(getpid(), -1000);
	/* Takes the pipe's mutex, then faults on @page and waits forever. */
	return write(pipefd[1], page, 4096) < 0 ? 3 : 4;
}

static void *write_pipe(void *arg)
{
	pid_t *tid = arg;

	*tid = gettid();
	/* Blocks on the pipe's mutex: uninterruptible, SIGKILL or not. */
	if (write(pipefd[1], "x", 1) < 0)
		return NULL;
	return NULL;
}

static int stuck_victim(void *arg)
{
	int *report = arg;
	pthread_t t;
	pid_t tid = 0;

	touch(10);
	pthread_create(&t, NULL, write_pipe, &tid);
	while (!tid)
		usleep(1000);
	if (write(report[1], &tid, sizeof(tid)) != sizeof(tid))
		return 1;
	pause();
	return 0;
}

TEST_F(quiet, stuck_victim_falls_back_to_kernel)
{
	pid_t holder, victim, tid, trigger;
	const char *ev;
	long t1, t2;
	int report[2], i;
	char buf[64], want[16];
	long uffd = syscall(__NR_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		SKIP(return, "no userfaultfd in this kernel: %s", strerror(errno));
	close(uffd);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, pipe(report));
	holder = spawn_fn("hold", hold_pipe, NULL);
	ASSERT_LT(0, holder);
	usleep(300000);
	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	victim = spawn_fn("app/job", stuck_victim, report);
	ASSERT_LT(0, victim);
	ASSERT_EQ((ssize_t)sizeof(tid), read(report[0], &tid, sizeof(tid)));
	for (i = 0; i < 100 && task_state(victim, tid) != 'D'; i++)
		usleep(20000);
	ASSERT_EQ('D', task_state(victim, tid));

	/* The trigger grows; the 10M victim is the bigger, chosen first. */
	trigger = spawn_hog("app/job", 0);
	ASSERT_EQ(SIGKILL, child_end(trigger, OOM_MS));
	EXPECT_FALSE(task_dead(victim, tid));	/* still stuck */

	ev = event_line(1);
	TH_LOG("%s", ev);
	snprintf(want, sizeof(want), "%d", victim);
	EXPECT_STREQ(want, event_field(ev, "victim_pid", buf, sizeof(buf)));
	EXPECT_STREQ("yes", event_field(ev, "quiet", buf, sizeof(buf)));
	t1 = atol(event_field(ev, "time_ns", buf, sizeof(buf)));
	ev = event_line(2);
	TH_LOG("%s", ev);
	snprintf(want, sizeof(want), "%d", trigger);
	EXPECT_STREQ(want, event_field(ev, "victim_pid", buf, sizeof(buf)));
	EXPECT_STREQ("none", event_field(ev, "mechanism", buf, sizeof(buf)));
	EXPECT_STREQ("stuck", event_field(ev, "quiet", buf, sizeof(buf)));
	t2 = atol(event_field(ev, "time_ns", buf, sizeof(buf)));
	/* No second victim before the reaper had its go at the first. */
	EXPECT_LE(1900000000L, t2 - t1);
	EXPECT_EQ(1, cg_event("app", "oom_kill"));
	EXPECT_EQ(1, oomctl_stat("quiet_kills"));
	EXPECT_EQ(1, oomctl_stat("quiet_declined"));
	EXPECT_TRUE(dmesg_has("process kill after memcg OOM in " T "/app",
			      "not quietly: an earlier quiet victim has not exited"));
	/* The record of the first kill: still there, its memory reaped. */
	EXPECT_STREQ("reaped", freed_of(1, buf, sizeof(buf)));
	EXPECT_EQ(1, oomctl_stat("quiet_lingering"));
	snprintf(buf, sizeof(buf), "quiet OOM victim %d has not exited", victim);
	EXPECT_TRUE(dmesg_has(buf, "its memory was reaped"));

	/* Let the helper go: the victim's thread gets the mutex and dies. */
	kill(holder, SIGKILL);
	EXPECT_EQ(SIGKILL, child_end(holder, 5000));
	EXPECT_EQ(SIGKILL, child_end(victim, 10000));
	close(report[0]);
	close(report[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
