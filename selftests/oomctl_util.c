// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the oomctl selftests (see oomctl_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <regex.h>
#include <time.h>
#include <unistd.h>

#include "oomctl_util.h"

int oomctl_load(const char *params)
{
	int fd, ret = 0;

	fd = open(OOMCTL_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

int oomctl_unload(void)
{
	if (syscall(SYS_delete_module, "oomctl", O_NONBLOCK))
		return -errno;
	return 0;
}

bool oomctl_loaded(void)
{
	return access(OOMCTL_SYSFS, F_OK) == 0;
}

int read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0 && (size_t)n != len)
		return -EIO;
	return n < 0 ? n : 0;
}

int read_ulong(const char *path, unsigned long *val)
{
	char buf[64], *end;
	int ret;

	ret = read_text(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static const char *oomctl_file(const char *file)
{
	static char path[256];

	snprintf(path, sizeof(path), OOMCTL_SYSFS "/%s", file);
	return path;
}

int oomctl_read(const char *file, char *buf, size_t size)
{
	return read_text(oomctl_file(file), buf, size);
}

int oomctl_write(const char *file, const char *text)
{
	return write_text(oomctl_file(file), text);
}

long oomctl_stat(const char *name)
{
	char file[128];
	unsigned long val;

	snprintf(file, sizeof(file), "stats/%s", name);
	if (read_ulong(oomctl_file(file), &val))
		return -1;
	return val;
}

int oomctl_rule(const char *cg, const char *keys)
{
	char line[512];

	snprintf(line, sizeof(line), "/" CG_TEST "%s%s %s\n", *cg ? "/" : "",
		 cg, keys);
	return oomctl_write("rules", line);
}

static bool dmesg_has_now(const char *a, const char *b)
{
	static char log[1 << 20];
	char *line, *save;
	int len;

	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	if (len < 0)
		return false;
	log[len] = '\0';
	for (line = strtok_r(log, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, a) && (!b || strstr(line, b)))
			return true;
	}
	return false;
}

int dmesg_clear(void)
{
	return klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0) ? -errno : 0;
}

bool dmesg_has(const char *a, const char *b)
{
	int i;

	for (i = 0; i < 30; i++) {
		if (dmesg_has_now(a, b))
			return true;
		usleep(100000);
	}
	return false;
}

const char *event_field(const char *text, const char *key, char *buf, size_t size)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "%s=", key);
	/* A whole key: at the start of a line or after a blank. */
	for (p = strstr(text, pat); p && p != text && p[-1] != ' ' && p[-1] != '\n';
	     p = strstr(p + 1, pat))
		;
	if (!p) {
		buf[0] = '\0';
		return buf;
	}
	p += strlen(pat);
	n = strcspn(p, "\n ");
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

long events_sum(const char *key)
{
	char line[4096], val[32];
	long sum = 0;
	FILE *f;

	f = fopen(oomctl_file("events"), "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		sum += atol(event_field(line, key, val, sizeof(val)));
	if (ferror(f))
		sum = -1;
	fclose(f);
	return sum;
}

long keyed_value(const char *path, const char *key)
{
	char buf[8192], *line, *save;
	size_t klen = strlen(key);

	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			return strtol(line + klen + 1, NULL, 10);
	}
	return -1;
}

long proc_vmstat(const char *key)
{
	return keyed_value("/proc/vmstat", key);
}

const char *cg_path(const char *cg, const char *file)
{
	static char path[512];

	snprintf(path, sizeof(path), CG_ROOT "/" CG_TEST "%s%s%s%s",
		 *cg ? "/" : "", cg, file ? "/" : "", file ? file : "");
	return path;
}

int cg_create(const char *cg)
{
	if (mkdir(cg_path(cg, NULL), 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cg_write(const char *cg, const char *file, const char *text)
{
	return write_text(cg_path(cg, file), text);
}

long cg_event(const char *cg, const char *key)
{
	return keyed_value(cg_path(cg, "memory.events"), key);
}

long cg_stat(const char *cg, const char *key)
{
	return keyed_value(cg_path(cg, "memory.stat"), key);
}

int cg_setup(void)
{
	int ret;

	cg_cleanup();
	ret = cg_create("");
	if (ret)
		return ret;
	return cg_write("", "cgroup.subtree_control", "+memory +pids");
}

/* Kill everything in a subtree and remove it, deepest first. */
static int cg_remove(const char *dir)
{
	char path[1024], buf[64];
	struct dirent *de;
	DIR *d;
	int i;

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	write_text(path, "1");
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			cg_remove(path);
	}
	closedir(d);
	/* Killed tasks leave the cgroup when they have exited. */
	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	for (i = 0; i < 500; i++) {
		if (read_text(path, buf, sizeof(buf)) < 0 || strstr(buf, "populated 0"))
			break;
		usleep(10000);
	}
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

int cg_cleanup(void)
{
	return cg_remove(CG_ROOT "/" CG_TEST);
}

long scaled(long n)
{
	const char *pct = getenv("OOMCTL_SIZE_PCT");
	long v = pct ? n * atol(pct) / 100 : n;

	return v > 0 ? v : 1;
}

bool rules_become(const char *want)
{
	char buf[4096];
	int i;

	for (i = 0; i < 40; i++) {
		if (oomctl_read("rules", buf, sizeof(buf)) >= 0 && !strcmp(buf, want))
			return true;
		usleep(100000);
	}
	return false;
}

#define RULE_POLICY	"policy=(kernel|process|group|subtree)"
#define RULE_BIAS	"bias=-?[0-9]{1,4}"
#define RULE_KILL	"kill=(quiet|kernel)"
#define RULE_EARLY	"early_high_ms=[1-9][0-9]{0,5}"
#define RULE_STATE	"# (active|inactive)"

bool rule_line_valid(const char *line)
{
	static regex_t re;
	static bool ready;

	if (!ready) {
		if (regcomp(&re, "^(/[^/ #]+)+ " RULE_POLICY " " RULE_BIAS
			    "( " RULE_KILL ")?( " RULE_EARLY ")? " RULE_STATE "$",
			    REG_EXTENDED | REG_NOSUB))
			return false;
		ready = true;
	}
	return !regexec(&re, line, 0, NULL, 0);
}

int set_oom_score_adj(pid_t pid, int adj)
{
	char path[64], val[16];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	snprintf(val, sizeof(val), "%d", adj);
	return write_text(path, val);
}

/* In a new child: join @cg, take @adj, then run @argv or pause. */
static pid_t spawn(const char *cg, int adj, char *const argv[])
{
	char pid[16];
	pid_t child;

	child = fork();
	if (child)
		return child;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (cg_write(cg, "cgroup.procs", pid) || set_oom_score_adj(getpid(), adj))
		_exit(111);
	if (argv) {
		execvp(argv[0], argv);
		_exit(112);
	}
	for (;;)
		pause();
}

pid_t spawn_hog(const char *cg, unsigned long mb)
{
	return spawn_hog_rate(cg, mb, 0);
}

pid_t spawn_hog_burst(const char *cg, unsigned long mb, unsigned long mb_per_s,
		      unsigned long at_once)
{
	char size[32], rate[32], burst[32], *argv[5];

	snprintf(size, sizeof(size), "%lu", mb);
	snprintf(rate, sizeof(rate), "%lu", mb_per_s);
	snprintf(burst, sizeof(burst), "%lu", at_once);
	argv[0] = "oomctl-hog";
	argv[1] = size;
	argv[2] = rate;
	argv[3] = burst;
	argv[4] = NULL;
	return spawn(cg, 0, argv);
}

pid_t spawn_hog_rate(const char *cg, unsigned long mb, unsigned long mb_per_s)
{
	return spawn_hog_burst(cg, mb, mb_per_s, 0);
}

pid_t spawn_sleeper(const char *cg, int oom_score_adj)
{
	return spawn(cg, oom_score_adj, NULL);
}

pid_t spawn_fn(const char *cg, int (*fn)(void *arg), void *arg)
{
	char pid[16];
	pid_t child;

	child = fork();
	if (child)
		return child;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (cg_write(cg, "cgroup.procs", pid) || set_oom_score_adj(getpid(), 0))
		_exit(111);
	_exit(fn(arg));
}

/* Wait up to timeout_ms (forever if < 0) for @pid to end: its status. */
static bool wait_child(pid_t pid, int timeout_ms, int *status)
{
	int waited = 0;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, timeout_ms < 0 ? 0 : WNOHANG);
		if (ret == pid)
			return true;
		if (ret < 0 || waited >= timeout_ms)
			return false;
		usleep(10000);
		waited += 10;
	}
}

int child_exit(pid_t pid, int timeout_ms)
{
	int status;

	if (!wait_child(pid, timeout_ms, &status))
		return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int child_end(pid_t pid, int timeout_ms)
{
	int status;

	if (!wait_child(pid, timeout_ms, &status))
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

bool child_alive(pid_t pid)
{
	return child_end(pid, 0) == -1 && kill(pid, 0) == 0;
}

/* Is @pid dying: a zombie, exiting (PF_EXITING), or SIGKILL pending? */
static bool dying(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long flags, mask;
	char state;

	/* /proc/PID/stat: "pid (comm) state ... flags" (the 9th field). */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return true;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return false;
	if (state == 'Z' || state == 'X' || (flags & 0x4 /* PF_EXITING */))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return true;
	/* The thread's own pending set, then the process's. */
	for (p = buf; (p = strstr(p, "Pnd:\t")); p += 5) {
		mask = strtoul(p + 5, NULL, 16);
		if (mask & (1UL << (SIGKILL - 1)))
			return true;
	}
	return false;
}

bool child_killed(pid_t pid)
{
	/*
	 * The grace covers a child caught between taking its SIGKILL off
	 * the pending set and setting PF_EXITING.
	 */
	if (!dying(pid))
		return child_end(pid, 200) == SIGKILL;
	return child_end(pid, 5000) == SIGKILL;
}
