// SPDX-License-Identifier: GPL-2.0
/*
 * The early kill (issue 12): a growing hog is killed before the kernel's
 * OOM killer runs, by oomctl, recorded as kind=early; a working set that
 * thrashes has it killed sooner, by reclaim's low yield; nothing is killed
 * while early kill is off, nor for a page cache that reclaim drops (the
 * machine's, or a memcg's streaming through its memory.high), nor for a
 * file streamed once while memory is short, nor for a memcg thrashing
 * within its own limit; a rule's policy says what dies with the victim;
 * bad writes change nothing.
 *
 * The page-cache and working-set cases read /dev/ram0 (the VM started
 * with --kmod brd=rd_nr=1,rd_size=<KiB larger than the VM's RAM>): reading sectors
 * never written allocates no ram disk memory, only page cache, which is
 * clean and droppable.  Without /dev/ram0 they are skipped: a VM of
 * scripts/vm-run has no other file system whose page cache can be
 * dropped (its files live in tmpfs, which without swap cannot be).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define RAM_DISK	"/dev/ram0"

FIXTURE(early) {
};

FIXTURE_SETUP(early)
{
	/* Only the hogs, readers and sleepers we start are candidates. */
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, dmesg_clear());
}

FIXTURE_TEARDOWN(early)
{
	oomctl_write("early/enabled", "0");
	EXPECT_EQ(0, cg_cleanup());
	EXPECT_EQ(0, oomctl_unload());
}

/* The first event line with kind=early, copied into @line; false if none. */
static bool early_event(char *line, size_t size)
{
	static char events[16384];
	const char *p, *end;

	if (oomctl_read("events", events, sizeof(events)) < 0)
		return false;
	p = strstr(events, " kind=early ");
	if (!p)
		return false;
	while (p > events && p[-1] != '\n')
		p--;
	end = strchrnul(p, '\n');
	snprintf(line, size, "%.*s\n", (int)(end - p), p);
	return true;
}

/* Log every kind=early event line: what a failed count was made of. */
static void log_early_events(struct __test_metadata *_metadata)
{
	static char events[16384];
	char *line, *save = NULL;

	if (oomctl_read("events", events, sizeof(events)) < 0)
		return;
	for (line = strtok_r(events, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, " kind=early "))
			TH_LOG("%s", line);
}

/* No early kill happened; if one did, say which threshold and reading. */
static void expect_no_early_kill(struct __test_metadata *_metadata)
{
	char line[2048];

	EXPECT_EQ(0, oomctl_stat("early_kills"));
	if (early_event(line, sizeof(line)))
		TH_LOG("unexpected early kill: %s", line);
}

/* Wait for the one rule, on CG_TEST/svc, to be bound, with @keys as rendered. */
static bool svc_rule_active(const char *keys)
{
	char want[256];

	snprintf(want, sizeof(want), "/" CG_TEST "/svc %s # active\n", keys);
	return rules_become(want);
}

static long field_long(const char *line, const char *key)
{
	char buf[64];

	return atol(event_field(line, key, buf, sizeof(buf)));
}

/* Read @arg (a size in MiB, as a string) of the ram disk, 1 MiB at a time. */
static int stream_ram_disk(void *arg)
{
	long mb = atol(arg), i;
	static char buf[1 << 20];
	int fd = open(RAM_DISK, O_RDONLY);

	if (fd < 0)
		return 100;
	for (i = 0; i < mb; i++) {
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			if (lseek(fd, 0, SEEK_SET))
				return 101;
		}
	}
	close(fd);
	return 0;
}

static long mem_total_mb(void)
{
	return keyed_value("/proc/meminfo", "MemTotal:") / 1024;
}

/* A sleeper and a hog in CG_TEST/app, the hog growing @mb_per_s (0: at once). */
static void app_hog(struct __test_metadata *_metadata, unsigned long mb_per_s,
		    pid_t *hog, pid_t *sleeper)
{
	ASSERT_EQ(0, cg_create("app"));
	*sleeper = spawn_sleeper("app", 0);
	ASSERT_LT(0, *sleeper);
	*hog = spawn_hog_rate("app", 0, mb_per_s);
	ASSERT_LT(0, *hog);
}

static long mem_available_mb(void)
{
	return keyed_value("/proc/meminfo", "MemAvailable:") / 1024;
}

/*
 * A working set: map the first @arg MiB (a string) of the ram disk and
 * read a byte of each page, again and again, as a program runs its code.
 * Reclaim finds its pages mapped and referenced, and keeps them as long
 * as it finds anything else.
 */
static int working_set(void *arg)
{
	size_t len = (size_t)atol(arg) << 20, i;
	int fd = open(RAM_DISK, O_RDONLY);
	const char *p;

	if (fd < 0)
		return 100;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 101;
	for (;;) {
		/* An atomic load: one the compiler cannot leave out. */
		for (i = 0; i < len; i += 4096)
			__atomic_load_n(&p[i], __ATOMIC_RELAXED);
	}
}

/*
 * The whole machine runs low: the hog dies, nobody else, no kernel OOM.
 * The hog grows steadily (32 MiB/s), as the memory of a machine that
 * slides into thrashing does: one that takes all at once goes from the
 * threshold to the kernel's OOM within a poll and is the kernel's to kill
 * (seen on 7.2 under a slow TCG).
 */
TEST_F(early, hog_killed_before_the_oom)
{
	long vm_kills0 = proc_vmstat("oom_kill");
	long early0 = oomctl_stat("early_kills");
	char line[2048], buf[64];
	pid_t hog, sleeper;

	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	app_hog(_metadata, 32, &hog, &sleeper);

	ASSERT_EQ(SIGKILL, child_end(hog, 60000));
	EXPECT_TRUE(child_alive(sleeper));
	EXPECT_EQ(vm_kills0, proc_vmstat("oom_kill"));
	EXPECT_EQ(1, oomctl_stat("early_kills") - early0);
	EXPECT_EQ(0, cg_event("app", "oom_kill"));
	ASSERT_TRUE(early_event(line, sizeof(line)));
	EXPECT_EQ(hog, field_long(line, "victim_pid"));
	event_field(line, "threshold", buf, sizeof(buf));
	ASSERT_EQ(0, strncmp(buf, "available_kb:", 13));
	EXPECT_LT(field_long(line, "reading"), atol(buf + 13));
	EXPECT_STREQ("kernel", event_field(line, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("-", event_field(line, "target", buf, sizeof(buf)));
	EXPECT_TRUE(dmesg_has("early kernel kill", "MemAvailable"));
}

/* A memcg over memory.high: kill by the rule, leaf @job, the rest lives. */
static void high_hog(struct __test_metadata *_metadata, const char *policy,
		     bool job_sleeper_dies)
{
	long early0 = oomctl_stat("early_kills");
	pid_t hog, job_sleeper, other;
	char keys[64], line[2048], buf[256];

	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, cg_create("svc"));
	ASSERT_EQ(0, cg_write("svc", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_create("svc/job"));
	ASSERT_EQ(0, cg_create("svc/other"));
	ASSERT_EQ(0, cg_write("svc", "memory.high", "16M"));
	ASSERT_EQ(0, cg_write("svc", "memory.max", "96M"));
	snprintf(keys, sizeof(keys), "policy=%s early_high_ms=200", policy);
	ASSERT_EQ(0, oomctl_rule("svc", keys));
	snprintf(keys, sizeof(keys), "policy=%s bias=0%s early_high_ms=200", policy,
		 strcmp(policy, "process") ? "" : " kill=quiet");
	ASSERT_TRUE(svc_rule_active(keys));
	job_sleeper = spawn_sleeper("svc/job", 0);
	other = spawn_sleeper("svc/other", 0);
	ASSERT_LT(0, job_sleeper);
	ASSERT_LT(0, other);
	hog = spawn_hog("svc/job", 0);
	ASSERT_LT(0, hog);

	ASSERT_EQ(SIGKILL, child_end(hog, 60000));
	/* A sleeper still running ends -1 after the wait. */
	EXPECT_EQ(job_sleeper_dies ? SIGKILL : -1,
		  child_end(job_sleeper, job_sleeper_dies ? 5000 : 0));
	EXPECT_TRUE(child_alive(other));
	EXPECT_EQ(0, cg_event("svc", "oom_kill"));
	EXPECT_EQ(1, oomctl_stat("early_kills") - early0);
	if (oomctl_stat("early_kills") - early0 != 1)
		log_early_events(_metadata);
	ASSERT_TRUE(early_event(line, sizeof(line)));
	EXPECT_EQ(hog, field_long(line, "victim_pid"));
	EXPECT_STREQ("high_ms:200", event_field(line, "threshold", buf, sizeof(buf)));
	/* How long it was breached, in ms: at least the rule's, less than the wait. */
	EXPECT_LE(200, field_long(line, "reading"));
	EXPECT_GT(60000, field_long(line, "reading"));
	EXPECT_STREQ(policy, event_field(line, "policy", buf, sizeof(buf)));
	EXPECT_STREQ("/" CG_TEST "/svc", event_field(line, "domain", buf, sizeof(buf)));
	EXPECT_STREQ(job_sleeper_dies ? "/" CG_TEST "/svc/job" : "-",
		     event_field(line, "target", buf, sizeof(buf)));
	EXPECT_TRUE(dmesg_has("memory.high breached for", "rule /" CG_TEST "/svc"));
}

TEST_F(early, high_group_kills_the_leaf)
{
	high_hog(_metadata, "group", true);
}

TEST_F(early, high_process_kills_the_victim_only)
{
	high_hog(_metadata, "process", false);
}

/* Off (the default): the kernel's OOM killer kills the hog, oomctl does not. */
TEST_F(early, disabled_leaves_it_to_the_kernel)
{
	long vm_kills0 = proc_vmstat("oom_kill");
	pid_t hog, sleeper;

	app_hog(_metadata, 0, &hog, &sleeper);

	ASSERT_EQ(SIGKILL, child_end(hog, 110000));
	EXPECT_TRUE(child_alive(sleeper));
	EXPECT_LE(1, proc_vmstat("oom_kill") - vm_kills0);
	EXPECT_LE(1, oomctl_stat("global_kills"));
	expect_no_early_kill(_metadata);
	EXPECT_EQ(0, oomctl_stat("early_armed"));
}

/*
 * A hog that takes memory at full speed: the early kill or the kernel's
 * OOM killer gets it, whichever comes first (or both, in the same
 * instant), and nobody else dies.  The early kill must not choose again
 * while the kernel's victim still holds its memory: on 7.2 it once killed
 * the sleeper 0.2 s after the kernel had killed the hog.
 */
TEST_F(early, one_kill_when_the_kernel_comes_first)
{
	long vm_kills0 = proc_vmstat("oom_kill");
	long early0 = oomctl_stat("early_kills");
	long kernel, early;
	pid_t hog, sleeper;
	char line[2048];

	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	app_hog(_metadata, 0, &hog, &sleeper);

	ASSERT_EQ(SIGKILL, child_end(hog, 110000));
	/* Time for a second, wrong kill to come. */
	usleep(2000000);
	EXPECT_TRUE(child_alive(sleeper));
	kernel = proc_vmstat("oom_kill") - vm_kills0;
	early = oomctl_stat("early_kills") - early0;
	EXPECT_LE(1, kernel + early);
	/* Both may have chosen the hog at the same moment; nobody else. */
	EXPECT_GE(1, kernel);
	EXPECT_GE(1, early);
	if (early == 1) {
		ASSERT_TRUE(early_event(line, sizeof(line)));
		EXPECT_EQ(hog, field_long(line, "victim_pid"));
	}
}

/*
 * Page cache fills the machine, kswapd reclaims it (the early poll is
 * armed), yet MemAvailable, which counts it, stays high: no kill.
 */
TEST_F(early, no_kill_for_droppable_page_cache)
{
	long scan0 = proc_vmstat("pgscan_kswapd") + proc_vmstat("pgscan_direct");
	long armed0 = oomctl_stat("early_armed");
	char mb[24];
	pid_t reader, bystander;

	if (access(RAM_DISK, R_OK))
		SKIP(return, "no " RAM_DISK " (start the VM with --kmod brd=...)");
	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, cg_create("app"));
	/* A third of the RAM held by a process that would be the victim. */
	bystander = spawn_hog("app", mem_total_mb() / 3);
	ASSERT_LT(0, bystander);
	snprintf(mb, sizeof(mb), "%ld", mem_total_mb() * 2);
	reader = spawn_fn("app", stream_ram_disk, mb);
	ASSERT_LT(0, reader);

	EXPECT_EQ(0, child_exit(reader, 120000));
	EXPECT_TRUE(child_alive(bystander));
	/* Reclaim ran, and armed the early poll. */
	EXPECT_LT(scan0, proc_vmstat("pgscan_kswapd") + proc_vmstat("pgscan_direct"));
	EXPECT_LT(armed0, oomctl_stat("early_armed"));
	expect_no_early_kill(_metadata);
}

/*
 * A memcg streams page cache through its memory.high: it reclaims all
 * the time (memory.events high rises), and never stays above the limit.
 */
TEST_F(early, no_kill_for_a_memcg_that_reclaims)
{
	pid_t reader;

	if (access(RAM_DISK, R_OK))
		SKIP(return, "no " RAM_DISK " (start the VM with --kmod brd=...)");
	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, cg_create("svc"));
	ASSERT_EQ(0, cg_write("svc", "memory.high", "16M"));
	ASSERT_EQ(0, cg_write("svc", "memory.max", "24M"));
	ASSERT_EQ(0, oomctl_rule("svc", "policy=process early_high_ms=100"));
	ASSERT_TRUE(svc_rule_active("policy=process bias=0 kill=quiet early_high_ms=100"));
	reader = spawn_fn("svc", stream_ram_disk, "128");
	ASSERT_LT(0, reader);

	EXPECT_EQ(0, child_exit(reader, 120000));
	EXPECT_LT(10, cg_event("svc", "high"));
	EXPECT_EQ(0, cg_event("svc", "oom_kill"));
	expect_no_early_kill(_metadata);
}

/*
 * A working set of file pages thrashes: the hog is killed by the reclaim
 * threshold (reclaim scans the working set's pages and finds them in
 * use), with the MemAvailable threshold off, before the kernel's OOM;
 * the working set and a sleeper live.  (With both on, which comes first
 * depends on how often the working set gets to touch its pages: on a
 * host loaded with other VMs, reclaim has found them unused and evicted
 * them, and MemAvailable came first.)
 */
TEST_F(early, thrash_killed_by_reclaim)
{
	long vm_kills0 = proc_vmstat("oom_kill"), burst;
	char line[2048], buf[64], mb[24];
	pid_t hog, ws, sleeper;

	if (access(RAM_DISK, R_OK))
		SKIP(return, "no " RAM_DISK " (start the VM with --kmod brd=...)");
	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, oomctl_write("early/available_percent", "0"));
	ASSERT_EQ(0, cg_create("app"));
	sleeper = spawn_sleeper("app", 0);
	ASSERT_LT(0, sleeper);
	snprintf(mb, sizeof(mb), "%ld", mem_total_mb() / 4);
	ws = spawn_fn("app", working_set, mb);
	ASSERT_LT(0, ws);
	/* Its first pass reads the pages in: wait until they are resident. */
	while (keyed_value("/proc/meminfo", "Mapped:") / 1024 < mem_total_mb() / 4 &&
	       child_alive(ws))
		usleep(100000);
	ASSERT_TRUE(child_alive(ws));
	/*
	 * Not a candidate: its mapped quarter of the RAM counts in its
	 * badness, and a kill that came while the hog was still smaller
	 * (on the debug kernel's 103 MiB, whose free memory leaves the hog
	 * a small burst) took it once.  The case is about the threshold;
	 * the choice of the victim is test_bias's.
	 */
	ASSERT_EQ(0, set_oom_score_adj(ws, -1000));
	/* At once up to 16 MiB short of the free memory, then 8 MiB/s. */
	burst = keyed_value("/proc/meminfo", "MemFree:") / 1024 - 16;
	hog = spawn_hog_burst("app", 0, 8, burst > 0 ? burst : 0);
	ASSERT_LT(0, hog);

	ASSERT_EQ(SIGKILL, child_end(hog, 90000));
	EXPECT_TRUE(child_alive(ws));
	EXPECT_TRUE(child_alive(sleeper));
	EXPECT_EQ(vm_kills0, proc_vmstat("oom_kill"));
	EXPECT_EQ(1, oomctl_stat("early_kills"));
	ASSERT_TRUE(early_event(line, sizeof(line)));
	EXPECT_EQ(hog, field_long(line, "victim_pid"));
	event_field(line, "threshold", buf, sizeof(buf));
	ASSERT_STREQ("reclaim_pct:25", buf);
	EXPECT_GT(25, field_long(line, "reading"));
	EXPECT_TRUE(dmesg_has("early kernel kill", "reclaim freed"));
	kill(ws, SIGKILL);
	kill(sleeper, SIGKILL);
}

/*
 * Memory is short (MemAvailable at about 16 % of the RAM, a hog holding
 * the rest) and a file larger than the RAM is streamed once: reclaim
 * runs all along and frees what it scans, so the thrashing threshold
 * kills nothing.  The MemAvailable threshold, tested on its own above,
 * is off: from 16 %, the stream takes MemAvailable down to about 10 %
 * (11 MiB of the debug kernel's 103), and once below it.
 */
TEST_F(early, no_kill_for_a_stream_while_short)
{
	long scan0 = proc_vmstat("pgscan_kswapd") + proc_vmstat("pgscan_direct");
	long steal0 = proc_vmstat("pgsteal_kswapd") + proc_vmstat("pgsteal_direct");
	long armed0 = oomctl_stat("early_armed");
	long total = mem_total_mb(), hold, low = total, scanned, stolen;
	pid_t hog, reader;
	char mb[24];
	int status;

	if (access(RAM_DISK, R_OK))
		SKIP(return, "no " RAM_DISK " (start the VM with --kmod brd=...)");
	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, oomctl_write("early/available_percent", "0"));
	ASSERT_EQ(0, cg_create("app"));
	/* Leave MemAvailable at 16 % of the RAM. */
	hold = mem_available_mb() - total * 16 / 100;
	ASSERT_LT(0, hold);
	hog = spawn_hog("app", hold);
	ASSERT_LT(0, hog);
	while (mem_available_mb() > total * 18 / 100 && child_alive(hog))
		usleep(100000);
	snprintf(mb, sizeof(mb), "%ld", total * 3 / 2);
	reader = spawn_fn("app", stream_ram_disk, mb);
	ASSERT_LT(0, reader);
	while (waitpid(reader, &status, WNOHANG) == 0) {
		low = mem_available_mb() < low ? mem_available_mb() : low;
		usleep(100000);
	}
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));

	EXPECT_TRUE(child_alive(hog));
	/*
	 * Short indeed, and the machine reclaimed more than the RAM, freeing
	 * most of what it scanned: the poll ran, the yield stayed high.
	 */
	EXPECT_GT(total * 20 / 100, low);
	scanned = proc_vmstat("pgscan_kswapd") + proc_vmstat("pgscan_direct") - scan0;
	stolen = proc_vmstat("pgsteal_kswapd") + proc_vmstat("pgsteal_direct") - steal0;
	TH_LOG("MemAvailable low %ld MiB of %ld; reclaim scanned %ld pages, freed %ld %%",
	       low, total, scanned, scanned ? stolen * 100 / scanned : 0);
	EXPECT_LT(total * 256, scanned);
	EXPECT_LT(scanned / 2, stolen);
	EXPECT_LT(armed0, oomctl_stat("early_armed"));
	expect_no_early_kill(_metadata);
}

/*
 * A memcg thrashes within its memory.max (its own working set in use, a
 * hog growing to the limit), the machine has memory to spare: that is the
 * memcg's OOM to handle, not a reason for a system-wide early kill, even
 * on 7.x, whose reclaim counters count memcg reclaim too.  reclaim_percent
 * is 100, so that any yield would be low: only that the reclaim is the
 * memcg's keeps the machine's threshold from firing.  The memcg is a
 * quarter of the RAM, so that the machine itself need not reclaim (a
 * 64 MiB memcg in the debug kernel's 103 MiB made it, and that was
 * judged).
 */
TEST_F(early, no_kill_for_a_memcg_thrashing_within_its_limit)
{
	long early_armed0 = oomctl_stat("early_armed");
	/* A quarter of the RAM, a sixteenth for its working set. */
	long max_mb = mem_total_mb() / 4, ws_mb = max_mb / 4;
	char buf[24];
	pid_t hog, ws;

	if (access(RAM_DISK, R_OK))
		SKIP(return, "no " RAM_DISK " (start the VM with --kmod brd=...)");
	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, oomctl_write("early/reclaim_percent", "100"));
	ASSERT_EQ(0, cg_create("svc"));
	snprintf(buf, sizeof(buf), "%ldM", max_mb);
	ASSERT_EQ(0, cg_write("svc", "memory.max", buf));
	snprintf(buf, sizeof(buf), "%ld", ws_mb);
	ws = spawn_fn("svc", working_set, buf);
	ASSERT_LT(0, ws);
	while (cg_stat("svc", "file_mapped") < ws_mb << 20 && child_alive(ws))
		usleep(100000);
	ASSERT_TRUE(child_alive(ws));
	/*
	 * Not the kernel's to kill (set once the child has set its own 0):
	 * the memcg's OOM, or a second one while the hog's memory was being
	 * freed, took it too on 7.2 and the debug kernel.  The case is about
	 * the early kill.
	 */
	ASSERT_EQ(0, set_oom_score_adj(ws, -1000));
	/*
	 * Slowly once near the limit: seconds of the memcg's reclaim before
	 * its OOM.
	 */
	hog = spawn_hog_burst("svc", 0, 2, max_mb - ws_mb - 8);
	ASSERT_LT(0, hog);

	/* The memcg's OOM ends it: the kernel kills the hog. */
	ASSERT_EQ(SIGKILL, child_end(hog, 90000));
	EXPECT_TRUE(child_alive(ws));
	EXPECT_LE(1, cg_event("svc", "oom_kill"));
	/* The memcg reclaimed: more than the threshold's RAM / 64 pages. */
	EXPECT_LT(mem_total_mb() * 256 / 64, cg_stat("svc", "pgscan"));
	EXPECT_LT(early_armed0, oomctl_stat("early_armed"));
	expect_no_early_kill(_metadata);
	kill(ws, SIGKILL);
}

/* Every bad value is refused with -EINVAL and changes nothing. */
TEST_F(early, bad_writes_change_nothing)
{
	static const char * const bad_switch[] = { "2", "1x", "on", "-1", "1\n1" };
	static const char * const bad_percent[] = { "91", "-1", "x", "10%", " 5" };
	static const char * const bad_mib[] = { "1048577", "-5", "1M", "0x10" };
	static const char * const bad_reclaim[] = { "101", "-1", "2.5", "5 " };
	static const char * const bad_rules[] = {
		"early_high_ms=abc", "early_high_ms=-1", "early_high_ms=600001",
		"early_high_ms=", "early_high_ms=5 early_high_ms=6",
		"early_high_ms=0x10",
	};
	char before[4096], after[4096], buf[64];
	unsigned int i;

	ASSERT_EQ(0, oomctl_write("early/available_percent", "7"));
	ASSERT_EQ(0, oomctl_write("early/available_mib", "64"));
	ASSERT_EQ(0, oomctl_write("early/reclaim_percent", "40"));
	ASSERT_EQ(0, oomctl_rule("svc", "policy=group early_high_ms=500"));
	ASSERT_LT(0, oomctl_read("rules", before, sizeof(before)));
	EXPECT_NE(NULL, strstr(before, "/svc policy=group bias=0 early_high_ms=500 #"));

	for (i = 0; i < ARRAY_SIZE(bad_switch); i++)
		EXPECT_EQ(-EINVAL, oomctl_write("early/enabled", bad_switch[i]));
	for (i = 0; i < ARRAY_SIZE(bad_percent); i++)
		EXPECT_EQ(-EINVAL, oomctl_write("early/available_percent", bad_percent[i]));
	for (i = 0; i < ARRAY_SIZE(bad_mib); i++)
		EXPECT_EQ(-EINVAL, oomctl_write("early/available_mib", bad_mib[i]));
	for (i = 0; i < ARRAY_SIZE(bad_reclaim); i++)
		EXPECT_EQ(-EINVAL, oomctl_write("early/reclaim_percent", bad_reclaim[i]));
	for (i = 0; i < ARRAY_SIZE(bad_rules); i++)
		EXPECT_EQ(-EINVAL, oomctl_rule("svc", bad_rules[i]));

	ASSERT_LT(0, oomctl_read("early/enabled", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	ASSERT_LT(0, oomctl_read("early/available_percent", buf, sizeof(buf)));
	EXPECT_STREQ("7\n", buf);
	ASSERT_LT(0, oomctl_read("early/available_mib", buf, sizeof(buf)));
	EXPECT_STREQ("64\n", buf);
	ASSERT_LT(0, oomctl_read("early/reclaim_percent", buf, sizeof(buf)));
	EXPECT_STREQ("40\n", buf);
	ASSERT_LT(0, oomctl_read("rules", after, sizeof(after)));
	EXPECT_STREQ(before, after);
	/* Load-time parameters are parsed the same way. */
	EXPECT_EQ(0, oomctl_unload());
	EXPECT_EQ(-EINVAL, oomctl_load("early=2"));
	EXPECT_EQ(-EINVAL, oomctl_load("early_available_percent=91"));
	EXPECT_EQ(-EINVAL, oomctl_load("early_available_mib=x"));
	EXPECT_EQ(-EINVAL, oomctl_load("early_reclaim_percent=101"));
	ASSERT_EQ(0, oomctl_load("early=1 early_available_mib=32 early_reclaim_percent=0"));
	ASSERT_LT(0, oomctl_read("early/enabled", buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	ASSERT_LT(0, oomctl_read("early/available_mib", buf, sizeof(buf)));
	EXPECT_STREQ("32\n", buf);
	ASSERT_LT(0, oomctl_read("early/reclaim_percent", buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
}

/* Unload while the early poll runs and kills: nothing is left behind. */
TEST_F(early, unload_under_pressure)
{
	pid_t hog[3];
	unsigned int i;

	ASSERT_EQ(0, oomctl_write("early/enabled", "1"));
	ASSERT_EQ(0, cg_create("svc"));
	ASSERT_EQ(0, cg_write("svc", "memory.high", "8M"));
	ASSERT_EQ(0, cg_write("svc", "memory.max", "64M"));
	ASSERT_EQ(0, oomctl_rule("svc", "policy=group early_high_ms=1"));
	ASSERT_TRUE(svc_rule_active("policy=group bias=0 early_high_ms=1"));
	for (i = 0; i < ARRAY_SIZE(hog); i++) {
		hog[i] = spawn_hog("svc", 0);
		ASSERT_LT(0, hog[i]);
	}
	usleep(300000);
	ASSERT_EQ(0, oomctl_unload());
	ASSERT_EQ(0, oomctl_load(NULL));
	for (i = 0; i < ARRAY_SIZE(hog); i++) {
		kill(hog[i], SIGKILL);
		EXPECT_EQ(SIGKILL, child_end(hog[i], 10000));
	}
}

TEST_HARNESS_MAIN
