// SPDX-License-Identifier: GPL-2.0
/*
 * Readers and writers of /sys/kernel/oomctl/rules and events: what one
 * open file reads however small its reads and whatever other readers and
 * writers do meanwhile, and whose capability a write of rules needs (the
 * opener's).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T "/" CG_TEST
#define RULES OOMCTL_SYSFS "/rules"
#define EVENTS OOMCTL_SYSFS "/events"
/* More rules than a page of text: a reader needs several reads. */
#define NR_RULES 60
/* Renderings kept for readers in the middle of the rules file (sysfs.c). */
#define RULES_KEPT 4

static char want[1 << 16], got[1 << 16], now[1 << 16];

/* Rules long enough that their text is over a page. */
static int add_rules(int nr)
{
	char line[256];
	int i, ret;

	for (i = 0; i < nr; i++) {
		snprintf(line, sizeof(line), "%s-%03d policy=group\n",
			 T "/a-rather-long-cgroup-name-for-a-long-rules-file", i);
		ret = oomctl_write("rules", line);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Load the module with rules whose text is over a page, read it whole
 * into want[], and open the file: the fd.
 */
static int open_long_rules(struct __test_metadata *_metadata)
{
	int fd;

	ASSERT_EQ(0, oomctl_load(NULL));
	ASSERT_EQ(0, add_rules(NR_RULES));
	ASSERT_LT(4096, read_text(RULES, want, sizeof(want)));
	fd = open(RULES, O_RDONLY);
	ASSERT_LE(0, fd);
	return fd;
}

/* Read @fd to its end in reads of @chunk bytes into @buf: its length, or -errno. */
static ssize_t read_rest(int fd, char *buf, size_t size, size_t chunk, size_t len)
{
	ssize_t n;

	while ((n = read(fd, buf + len, chunk)) > 0) {
		len += n;
		if (len + chunk >= size)
			return -E2BIG;
	}
	if (n < 0)
		return -errno;
	buf[len] = '\0';
	return len;
}

/* In a child: open and close the file many times, keeping 16 open at once. */
static void open_many(const char *path)
{
	int fds[16], round, i;
	char c[16];
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		for (round = 0; round < 5; round++) {
			for (i = 0; i < 16; i++) {
				fds[i] = open(path, O_RDONLY);
				if (fds[i] < 0 || read(fds[i], c, sizeof(c)) < 0)
					_exit(1);
			}
			for (i = 0; i < 16; i++)
				close(fds[i]);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

FIXTURE(readers) {
};

FIXTURE_SETUP(readers)
{
	ASSERT_EQ(0, set_oom_score_adj(getpid(), -1000));
	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("m"));
	ASSERT_EQ(0, cg_write("m", "memory.max", "16M"));
}

FIXTURE_TEARDOWN(readers)
{
	EXPECT_EQ(0, cg_cleanup());
	if (oomctl_loaded())
		EXPECT_EQ(0, oomctl_unload());
}

/*
 * A reader paging through rules in small reads, while another process
 * opens and closes the file many times and the table changes, reads the
 * table as it was at its first read, whole and once.
 */
TEST_F(readers, rules_small_reads_see_one_table)
{
	int fd = open_long_rules(_metadata), i;
	ssize_t len = 0, n;

	for (i = 0; (n = read(fd, got + len, 100)) > 0; i++) {
		len += n;
		ASSERT_GT((ssize_t)sizeof(got) - 100, len);
		if (i % 5 == 4)
			open_many(RULES);
		/* Two changes, each read by another open file. */
		if (i == 10 || i == 30) {
			ASSERT_EQ(0, oomctl_write("rules", i == 10 ? T "/new policy=process"
							  : T "/new policy=subtree"));
			ASSERT_LT(0, read_text(RULES, now, sizeof(now)));
		}
	}
	ASSERT_EQ(0, n) TH_LOG("read: %s", strerror(errno));
	got[len] = '\0';
	close(fd);
	EXPECT_STREQ(want, got);
	/* The table did change, and a fresh open reads the change. */
	ASSERT_LT(0, read_text(RULES, now, sizeof(now)));
	EXPECT_NE(NULL, strstr(now, T "/new policy=subtree"));
}

/*
 * Renderings made after a reader's are kept up to RULES_KEPT - 1; then
 * the reader gets ESTALE, never a text spliced from two tables, and
 * reads the current table from offset 0.  A reader that had read all of
 * its rendering gets the end (0), not ESTALE.
 */
TEST_F(readers, rules_reader_left_behind_gets_estale)
{
	int fd = open_long_rules(_metadata), done, i;
	size_t whole = strlen(want);
	char line[128];
	ssize_t len;

	ASSERT_EQ(100, read(fd, got, 100));
	/* Another reader has read all of its rendering but for the end. */
	done = open(RULES, O_RDONLY);
	ASSERT_LE(0, done);
	ASSERT_EQ(4096, read(done, now, 4096));
	ASSERT_EQ((ssize_t)(whole - 4096), read(done, now, 4096));

	/* Changes that nobody reads make no rendering. */
	for (i = 0; i < 2 * RULES_KEPT; i++) {
		snprintf(line, sizeof(line), T "/unread policy=group bias=%d", i);
		ASSERT_EQ(0, oomctl_write("rules", line));
	}
	for (i = 0; i < RULES_KEPT; i++) {
		snprintf(line, sizeof(line), T "/read policy=group bias=%d", i);
		ASSERT_EQ(0, oomctl_write("rules", line));
		ASSERT_LT(0, read_text(RULES, now, sizeof(now)));
		if (i < RULES_KEPT - 1) {
			/* Still the table of the first read. */
			ASSERT_EQ(100, read(fd, got + 100 * (i + 1), 100));
			got[100 * (i + 2)] = '\0';
			ASSERT_EQ(0, strncmp(want, got, 100 * (i + 2)));
		}
	}
	EXPECT_EQ(-1, read(fd, got, 100));
	EXPECT_EQ(ESTALE, errno);
	/* The end of a rendering pushed out is still the end. */
	EXPECT_EQ(0, read(done, got, 100));
	close(done);
	/* From offset 0, the same open file reads the table as it is now. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	len = read_rest(fd, got, sizeof(got), 4096, 0);
	EXPECT_LT(0, len);
	EXPECT_STREQ(now, got);
	close(fd);
}

static int set_cap_sys_admin(bool on)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cap[2];
	unsigned int bit = 1U << (CAP_SYS_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, cap))
		return -1;
	if (on)
		cap[CAP_SYS_ADMIN / 32].effective |= bit;
	else
		cap[CAP_SYS_ADMIN / 32].effective &= ~bit;
	return syscall(SYS_capset, &hdr, cap);
}

/*
 * In a child: open rules for writing with CAP_SYS_ADMIN in effect or
 * not, then write with it or not.  The write's result: 0 or -errno.
 */
static int write_as(struct __test_metadata *_metadata, bool opener, bool writer,
		    const char *text)
{
	int status, fd, pipefd[2], ret = -EIO;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ssize_t n;

		if (set_cap_sys_admin(opener))
			_exit(1);
		fd = open(RULES, O_WRONLY);
		if (fd < 0 || set_cap_sys_admin(writer))
			_exit(2);
		n = write(fd, text, strlen(text));
		ret = n < 0 ? -errno : 0;
		if (write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ((ssize_t)sizeof(ret), read(pipefd[0], &ret, sizeof(ret)));
	close(pipefd[0]);
	return ret;
}

/* An fd opened without CAP_SYS_ADMIN cannot write rules, whoever writes. */
TEST_F(readers, rules_write_needs_the_openers_cap)
{
	char buf[256];

	ASSERT_EQ(0, oomctl_load(NULL));
	EXPECT_EQ(-EPERM, write_as(_metadata, false, true, T "/m policy=group"));
	ASSERT_LE(0, oomctl_read("rules", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	/* Opened with it: the fd may be written after it is dropped. */
	EXPECT_EQ(0, write_as(_metadata, true, false, T "/m policy=group"));
	ASSERT_LE(0, oomctl_read("rules", buf, sizeof(buf)));
	EXPECT_STREQ(T "/m policy=group bias=0 # active\n", buf);
}

/* One memcg OOM in m; its victim the hog. */
static void oom_in_m(struct __test_metadata *_metadata)
{
	pid_t hog = spawn_hog("m", 0);

	ASSERT_LT(0, hog);
	ASSERT_EQ(SIGKILL, child_end(hog, 60000));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * events: small reads give the same text as big ones; each read of a
 * page-sized buffer ends at the end of a line; an open file that read
 * to the end is woken by poll() and reads the events recorded since; from
 * offset 0, all of them.
 */
TEST_F(readers, events_cursor_per_open_file)
{
	struct pollfd pfd;
	ssize_t len, n;
	int fd;

	ASSERT_EQ(0, oomctl_load(NULL));
	oom_in_m(_metadata);
	oom_in_m(_metadata);
	ASSERT_LT(0, read_text(EVENTS, want, sizeof(want)));
	ASSERT_EQ(2, count_lines(want));

	fd = open(EVENTS, O_RDONLY);
	ASSERT_LE(0, fd);
	len = read_rest(fd, got, sizeof(got), 7, 0);
	EXPECT_STREQ(want, got);

	/* Woken by poll(), the same open file reads on: only the new event. */
	pfd.fd = fd;
	pfd.events = POLLPRI | POLLERR;
	oom_in_m(_metadata);
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	n = read_rest(fd, got, sizeof(got), 4096, len);
	ASSERT_LT(len, n);
	EXPECT_EQ(1, count_lines(got + len));
	EXPECT_STREQ("3", event_field(got + len, "seq", now, sizeof(now)));
	EXPECT_EQ(0, strncmp(want, got, len));

	/* From offset 0: every event, in reads that end at a line's end. */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	len = 0;
	while ((n = read(fd, got + len, 700)) > 0) {
		len += n;
		ASSERT_EQ('\n', got[len - 1]);
	}
	got[len] = '\0';
	EXPECT_EQ(3, count_lines(got));
	ASSERT_LT(0, read_text(EVENTS, now, sizeof(now)));
	EXPECT_STREQ(now, got);
	close(fd);
}

/*
 * A reader in the middle of a line whose event is overwritten gets that
 * line ended, then the oldest event still kept: never a line made of two
 * events.
 */
TEST_F(readers, events_overwritten_under_a_reader)
{
	ssize_t len;
	char *nl, seq[16];
	int fd, i;

	ASSERT_EQ(0, oomctl_load("events_max=2"));
	oom_in_m(_metadata);
	fd = open(EVENTS, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(20, read(fd, got, 20));
	for (i = 0; i < 3; i++)
		oom_in_m(_metadata);
	len = read_rest(fd, got, sizeof(got), 4096, 20);
	close(fd);
	nl = strchr(got, '\n');
	ASSERT_NE(NULL, nl);
	EXPECT_EQ(got + 20, nl);	/* the cut line ends where it was cut */
	EXPECT_EQ(3, count_lines(got));
	EXPECT_STREQ("3", event_field(nl + 1, "seq", seq, sizeof(seq)));
	EXPECT_EQ(len, (ssize_t)strlen(got));
}

/*
 * A line of the events file from one OOM in m: whole, and one event's.
 * A copy of a slot being written (zeroed, then filled, by the OOM path)
 * would show a zero pid, another domain or a cut line.
 */
static bool line_of_m(const char *line, unsigned long long *seq)
{
	char val[64];
	unsigned long long s;

	if (strncmp(line, "seq=", 4) || !strstr(line, " kind=memcg domain=" T "/m ") ||
	    atoi(event_field(line, "victim_pid", val, sizeof(val))) <= 0 ||
	    !strstr(line, " hooks=ok"))
		return false;
	s = strtoull(line + 4, NULL, 10);
	if (s <= *seq)
		return false;
	*seq = s;
	return true;
}

/* Read the events file whole, again and again, until @stop_fd ends: bad lines. */
static int check_events_until(int stop_fd)
{
	static char text[1 << 16];
	unsigned long long seq;
	int passes = 0, bad = 0;
	char c, *line, *save;

	while (read(stop_fd, &c, 1) < 0 && errno == EAGAIN) {
		if (read_text(EVENTS, text, sizeof(text)) < 0)
			return 100;
		seq = 0;
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			bad += !line_of_m(line, &seq);
		passes++;
	}
	return passes ? bad > 99 ? 99 : bad : 101;
}

/*
 * A reader looping on the events file while OOMs overwrite a small ring
 * copies each slot without the lock and checks the slot's sequence
 * (events.c): every line it gets is one whole event, in order.
 */
TEST_F(readers, events_read_during_ooms)
{
	int stop[2], status, i;
	pid_t reader;

	ASSERT_EQ(0, oomctl_load("events_max=4"));
	oom_in_m(_metadata);
	ASSERT_EQ(0, pipe(stop));
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		_exit(check_events_until(stop[0]));
	}
	close(stop[0]);
	for (i = 0; i < 12; i++)
		oom_in_m(_metadata);
	close(stop[1]);
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("bad lines (100: no file, 101: no pass)");
	EXPECT_LE(13, oomctl_stat("memcg_kills"));
}

TEST_HARNESS_MAIN
