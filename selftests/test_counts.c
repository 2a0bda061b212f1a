// SPDX-License-Identifier: GPL-2.0
/*
 * Counters that add up: every kill stats/ counts is counted in the event
 * of the decision it belongs to, and every decision gets its own count.
 *
 *	app/		the OOM domain, memory.max=16M
 *	app/job/	the victims
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define OOM_MS		100000
/* The fallback killer works from a worker, after the OOM. */
#define FALLBACK_MS	5000
#define MB		(1024UL * 1024)

static char events[1 << 16];

/* The value of @key in the event with seq=@seq, "" if none. */
static const char *field_of(unsigned int seq, const char *key, char *buf,
			    size_t size)
{
	char tag[32];
	const char *p;

	buf[0] = '\0';
	if (oomctl_read("events", events, sizeof(events)) <= 0)
		return buf;
	snprintf(tag, sizeof(tag), "seq=%u ", seq);
	p = events;
	while (p && strncmp(p, tag, strlen(tag))) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (p)
		event_field(p, key, buf, size);
	return buf;
}

/* Touch @mb MiB of anonymous memory, a MiB at a time; 0 for ever. */
static void touch(unsigned long mb)
{
	unsigned long i;
	char *p;

	for (i = 0; !mb || i < mb; i++) {
		p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(112);
		memset(p, 1, MB);
	}
}

static bool pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE(counts) {
};

FIXTURE_SETUP(counts)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("app"));
	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("app/job"));
	ASSERT_EQ(0, oomctl_load(NULL));
}

FIXTURE_TEARDOWN(counts)
{
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

static void *grow(void *arg)
{
	touch(0);
	return NULL;
}

static void *wait_forever(void *arg)
{
	pause();
	return NULL;
}

/* One thread allocates, one sleeps, the leader has exited. */
static int leaderless(void *arg)
{
	pthread_t t[2];

	pthread_create(&t[0], NULL, wait_forever, NULL);
	pthread_create(&t[1], NULL, grow, NULL);
	pthread_exit(NULL);
}

/*
 * The kernel chooses the process's leader, which has no mm; its
 * __oom_kill_process() kills and marks a thread of the process instead.
 * That mark is the victim's: counted in stats/victims and in the event.
 */
TEST_F(counts, substituted_thread_in_event)
{
	char buf[64], pid[16];
	pid_t victim;

	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	victim = spawn_fn("app/job", leaderless, NULL);
	ASSERT_LT(0, victim);
	ASSERT_EQ(SIGKILL, child_end(victim, OOM_MS));
	EXPECT_EQ(1, oomctl_stat("memcg_kills"));
	EXPECT_EQ(1, oomctl_stat("victims"));
	EXPECT_EQ(1, oomctl_stat("tasks_killed"));
	EXPECT_EQ(0, oomctl_stat("victims_undecided"));
	snprintf(pid, sizeof(pid), "%d", victim);
	EXPECT_STREQ(pid, field_of(1, "victim_pid", buf, sizeof(buf)));
	EXPECT_STREQ("1", field_of(1, "tasks_killed", buf, sizeof(buf)));
	EXPECT_STREQ("", field_of(2, "seq", buf, sizeof(buf)));
}

struct holder {
	int ready[2];
	unsigned long mb;
};

/* Hold @mb MiB on CPU 1, say so, and wait to be killed. */
static int hold(void *arg)
{
	struct holder *h = arg;
	char c = 1;

	if (!pin_to(1))
		return 110;
	touch(h->mb);
	if (write(h->ready[1], &c, 1) != 1)
		return 111;
	pause();
	return 0;
}

/*
 * Allocate 12 MiB as a real-time task on CPU 0, out of the OOM killer's
 * reach.  Its OOMs queue the fallback killer's work on CPU 0, where a
 * normal worker cannot run before this task is done: both decisions are
 * queued before the first is carried out.
 */
static int rt_alloc(void *arg)
{
	struct sched_param sp = { .sched_priority = 50 };

	if (!pin_to(0) || set_oom_score_adj(getpid(), -1000) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp))
		return 110;
	touch(12);
	return 0;
}

/*
 * Two decisions on the same cgroup without a memcg of its own, the
 * second before the fallback killer has carried out the first: two
 * fallback kills, each reported to its own event, and the events' counts
 * add up to stats/tasks_killed.
 */
TEST_F(counts, fallback_decisions_each_counted)
{
	struct holder h1 = { .mb = 6 }, h2 = { .mb = 4 };
	pid_t v1, v2, sleeper, alloc;
	long n, seq, undecided, sum = 0;
	char c, buf[32], victim[64], told[96];
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, cg_write("app", "cgroup.subtree_control", "-memory"));
	ASSERT_EQ(0, oomctl_rule("app", "policy=group"));
	ASSERT_EQ(0, cg_write("app", "memory.max", "16M"));
	ASSERT_EQ(0, pipe(h1.ready));
	ASSERT_EQ(0, pipe(h2.ready));
	sleeper = spawn_sleeper("app/job", 0);
	v1 = spawn_fn("app/job", hold, &h1);
	ASSERT_EQ(1, read(h1.ready[0], &c, 1));
	v2 = spawn_fn("app/job", hold, &h2);
	ASSERT_EQ(1, read(h2.ready[0], &c, 1));
	ASSERT_LT(0, sleeper);

	alloc = spawn_fn("app/job", rt_alloc, NULL);
	ASSERT_LT(0, alloc);
	EXPECT_EQ(0, child_exit(alloc, OOM_MS));
	EXPECT_EQ(SIGKILL, child_end(v1, FALLBACK_MS));
	EXPECT_EQ(SIGKILL, child_end(v2, FALLBACK_MS));
	EXPECT_EQ(SIGKILL, child_end(sleeper, FALLBACK_MS));
	for (i = 0; i < 50 && oomctl_stat("fallback_kills") < 2; i++)
		usleep(100000);

	/*
	 * Usually two decisions (the holders), but the kernel may choose a
	 * further victim while one is exiting (see the admin guide's
	 * "a second kill right after the first"), or mark a task that is
	 * already exiting without a decision (victims_undecided, seen on
	 * a loaded host): count what happened.
	 */
	n = oomctl_stat("decisions_group");
	undecided = oomctl_stat("victims_undecided");
	EXPECT_LE(2, n);
	EXPECT_EQ(n, oomctl_stat("fallback_kills"));
	EXPECT_EQ(0, oomctl_stat("fallback_dropped"));
	EXPECT_EQ(n + undecided, oomctl_stat("victims"));
	for (seq = 1; seq <= n; seq++) {
		EXPECT_STREQ("fallback", field_of(seq, "mechanism", buf, sizeof(buf)));
		sum += atol(field_of(seq, "tasks_killed", buf, sizeof(buf)));
		/*
		 * Its dmesg line waits for the fallback killer's report, which
		 * came late here: it must tell the event's final count.
		 */
		snprintf(victim, sizeof(victim), "victim %s ",
			 field_of(seq, "victim_pid", buf, sizeof(buf)));
		field_of(seq, "tasks_killed", buf, sizeof(buf));
		snprintf(told, sizeof(told), ", %s task%s by the fallback killer",
			 buf, strcmp(buf, "1") ? "s" : "");
		EXPECT_TRUE(dmesg_has(victim, told))
			TH_LOG("no line with '%s' and '%s'", victim, told);
	}
	EXPECT_EQ(oomctl_stat("tasks_killed"), sum + undecided);
	EXPECT_EQ(oomctl_stat("victims") + oomctl_stat("fallback_tasks"),
		  oomctl_stat("tasks_killed"));
	/* The victims and the sleeper, each counted once. */
	EXPECT_EQ(3, sum);
}

TEST_HARNESS_MAIN
