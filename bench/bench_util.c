// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the oomctl benchmarks (see bench_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

static int failed;

long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("ERROR: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	failed = 1;
}

int bench_status(void)
{
	return failed;
}

/* ---- ftrace ---- */

static int trace_write(const char *file, const char *text, int flags)
{
	char path[256];
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	n = len ? write(fd, text, len) : 0;
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

int trace_setup(void)
{
	int ret;

	if (access(TRACEFS "/trace", F_OK) &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	trace_write("tracing_on", "0", 0);
	trace_write("events/enable", "0", 0);
	trace_write("kprobe_events", "", O_TRUNC);
	ret = trace_write("trace_clock", "mono", 0);
	if (ret)
		return ret;
	trace_write("buffer_size_kb", "4096", 0);
	trace_clear();
	return trace_write("tracing_on", "1", 0);
}

int trace_enable(const char *event, bool on)
{
	char file[256];

	snprintf(file, sizeof(file), "events/%s/enable", event);
	return trace_write(file, on ? "1" : "0", 0);
}

int trace_add_kprobe(const char *def)
{
	return trace_write("kprobe_events", def, O_APPEND);
}

int trace_clear(void)
{
	return trace_write("trace", "", O_TRUNC);
}

/* The whole trace buffer as text (static, grows as needed). */
static char *trace_text(void)
{
	static char *buf;
	static size_t size;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len + 65536 > size) {
			size = size ? 2 * size : 1 << 20;
			buf = realloc(buf, size);
			if (!buf) {
				close(fd);
				return NULL;
			}
		}
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* "   12345.678901: name:" before @at: the time in ns, or -1. */
static long long stamp_before(const char *line, const char *at)
{
	const char *p = at, *dot;
	long long sec = 0, frac = 0;
	int digits = 0;

	if (p == line || p[-1] != ':')
		return -1;
	p--;
	while (p > line && p[-1] != ' ')
		p--;
	dot = strchr(p, '.');
	if (!dot || dot > at)
		return -1;
	sec = strtoll(p, NULL, 10);
	for (dot++; *dot >= '0' && *dot <= '9'; dot++, digits++)
		frac = frac * 10 + (*dot - '0');
	for (; digits < 9; digits++)
		frac *= 10;
	return sec * 1000000000 + frac;
}

static long long trace_find(const char *event, long long after_ns, int nth, long *pid)
{
	char key[128], *text, *line, *save, *at, *p;
	long long t;

	snprintf(key, sizeof(key), " %s: ", event);
	text = trace_text();
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		at = strstr(line, key);
		if (!at)
			continue;
		t = stamp_before(line, at);
		if (t < after_ns)
			continue;
		if (nth-- > 0)
			continue;
		if (pid) {
			p = strstr(at, "pid=");
			*pid = p ? strtol(p + 4, NULL, 10) : -1;
		}
		return t;
	}
	return 0;
}

long long trace_first(const char *event, long long after_ns, long *pid)
{
	return trace_find(event, after_ns, 0, pid);
}

long long trace_nth(const char *event, long long after_ns, int nth)
{
	return trace_find(event, after_ns, nth, NULL);
}

/* ---- cgroups ---- */

int cg_mkdir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cg_set(const char *cg, const char *file, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_text(path, text);
}

long cg_get(const char *cg, const char *file)
{
	char path[512], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

bool cg_populated(const char *cg)
{
	char path[512], buf[128];

	snprintf(path, sizeof(path), "%s/cgroup.events", cg);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return false;
	return !strstr(buf, "populated 0");
}

int cg_kill_remove(const char *cg)
{
	char path[1024];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int i;

	cg_set(cg, "cgroup.kill", "1");
	d = opendir(cg);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cg, de->d_name);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			cg_kill_remove(path);
	}
	closedir(d);
	for (i = 0; i < 3000 && cg_populated(cg); i++)
		sleep_us(10000);
	if (rmdir(cg) && errno != ENOENT)
		return -errno;
	return 0;
}

void bench_touch(unsigned long bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long off;
	char *p;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(113);
	for (off = 0; off < bytes; off += page)
		p[off] = 1;
}

pid_t fork_into(int cg_fd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = cg_fd,
	};
	long ret;

	ret = syscall(SYS_clone3, &args, sizeof(args));
	return ret < 0 ? -errno : ret;
}

pid_t clone_sleeper_into(int cg_fd)
{
	struct clone_args args = {
		.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = cg_fd,
	};
	long ret;

	/*
	 * The child returns from clone3 on the parent's stack pointer, in
	 * the parent's memory: it must not touch either, so it loops on
	 * pause() in registers only and never returns to C.
	 */
	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n"
		     "2:\tmov %[pause], %%eax\n\t"
		     "syscall\n\t"
		     "jmp 2b\n"
		     "1:"
		     : "=a"(ret)
		     : "0"((long)SYS_clone3), "D"(&args), "S"(sizeof(args)),
		       [pause] "i"(SYS_pause)
		     : "rcx", "r11", "memory");
	return ret;
}

int self_oom_score_adj(int adj)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", adj);
	return write_text("/proc/self/oom_score_adj", val);
}

/* ---- the module ---- */

int bench_load(const char *params)
{
	int i, ret = -EEXIST;

	for (i = 0; i < 100; i++) {
		ret = oomctl_load(params);
		if (ret != -EEXIST && ret != -EBUSY)
			return ret;
		sleep_us(50000);
	}
	return ret;
}

int bench_unload(void)
{
	int i, ret = 0;

	for (i = 0; i < 100; i++) {
		ret = oomctl_unload();
		if (!ret || ret == -ENOENT)
			return 0;
		if (ret != -EAGAIN && ret != -EBUSY)
			return ret;
		sleep_us(50000);
	}
	return ret;
}

int bench_write_rules(const char *text)
{
	const char *p = text, *end, *nl;
	char chunk[4096];
	int ret;

	while (*p) {
		/* Whole lines, at most a page per write(). */
		end = p;
		while (*end) {
			nl = strchr(end, '\n');
			nl = nl ? nl + 1 : end + strlen(end);
			if (nl - p >= (long)sizeof(chunk))
				break;
			end = nl;
		}
		if (end == p)
			return -E2BIG;
		memcpy(chunk, p, end - p);
		chunk[end - p] = '\0';
		ret = oomctl_write("rules", chunk);
		if (ret)
			return ret;
		p = end;
	}
	return 0;
}

int bench_rules(const char *text)
{
	static char buf[1 << 20];
	int ret, i;

	ret = bench_write_rules(text);
	if (ret)
		return ret;
	for (i = 0; i < 50; i++) {
		if (oomctl_read("rules", buf, sizeof(buf)) >= 0 && !strstr(buf, "# inactive"))
			return 0;
		sleep_us(100000);
	}
	return -ETIMEDOUT;
}

long meminfo_kb(const char *key)
{
	return keyed_value("/proc/meminfo", key);
}

/* ---- statistics and output ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, int n)
{
	if (n <= 0)
		return NO_FIGURE;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double minimum(const double *v, int n)
{
	double m = n > 0 ? v[0] : NO_FIGURE;
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double maximum(const double *v, int n)
{
	double m = n > 0 ? v[0] : NO_FIGURE;
	int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

const char *fmt_fig(char *buf, size_t size, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, fmt, v);
	return buf;
}

static int parse_sizes(const char *s, long *sizes, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		sizes[n++] = strtol(s, &end, 10);
		if (end == s)
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

int bench_parse(int argc, char **argv, struct bench_opts *o, int rounds,
		const long *sizes, int nsizes, const long *smoke_sizes,
		int smoke_nsizes)
{
	int i, n = -1, r = -1;
	long given[8];

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			o->smoke = true;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			r = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			n = parse_sizes(argv[++i], given, 8);
			if (n <= 0)
				return -1;
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--rounds N] [--sizes A,B,...]\n",
				argv[0]);
			return -1;
		}
	}
	o->rounds = r > 0 ? r : o->smoke ? 1 : rounds;
	if (n > 0) {
		o->nsizes = n;
		memcpy(o->sizes, given, n * sizeof(long));
	} else if (o->smoke) {
		o->nsizes = smoke_nsizes;
		memcpy(o->sizes, smoke_sizes, smoke_nsizes * sizeof(long));
	} else {
		o->nsizes = nsizes;
		memcpy(o->sizes, sizes, nsizes * sizeof(long));
	}
	return 0;
}
