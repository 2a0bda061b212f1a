// SPDX-License-Identifier: GPL-2.0
/*
 * bench_thrash: a machine that thrashes before it runs out of memory, and
 * how long it takes whoever kills (the kernel, earlyoom, systemd-oomd,
 * oomctl's early kill) to end it.  Issue 12, item 4; scripts/bench thrash
 * runs it once per case in the systemd test bed and prints the cases side
 * by side.
 *
 *   bench_thrash [--smoke] [--case NAME] [--units] [--ws MIB] [--rate MIBS]
 *                [--headroom MIB] [--from-empty] [--cap S] [--dir DIR]
 *
 * Three processes, children of this one, no swap:
 *
 *   ws     the working set: mmaps a file of --ws MiB (default: a quarter
 *          of MemTotal) on a disk-backed file system (--dir, default
 *          /var/tmp) and reads one byte of every page in a loop.  Its pages
 *          must stay resident; once the hog has pushed them out, every pass
 *          refaults them from the disk: that is the thrashing.
 *   probe  sleeps 10 ms in a loop and records how late each sleep ends
 *          (the overshoot): the stall an interactive process sees.
 *   hog    takes at once all the free memory but --headroom MiB (default
 *          32: MemFree read just before it starts), then maps and touches
 *          anonymous memory at a steady --rate MiB/s (default 16) in 1 MiB
 *          pieces until it is killed.  A desktop's memory is in use before
 *          a build's linker or a browser's tab grows: the burst puts the
 *          machine there, a second or two before its reclaim begins, so
 *          that the time to kill is the killer's and not the time the hog
 *          takes to fill free memory, which is the same for every killer.
 *          --from-empty leaves out the burst (the benchmark before
 *          2026-11-29's change: its first reclaim came 15.7-16 s after the
 *          hog's start on 512 MiB, in every case).
 *
 * All three have oom_score_adj 0, so a killer could pick any of them; the
 * right victim is the hog, and the ws and the probe must live.  This
 * program itself has oom_score_adj -1000 (the VM's runners give it) and
 * locks its memory, so that it measures what happens without taking part.
 *
 * Time line: the ws and the probe start; once the ws has read its file
 * twice (the first pass maps it) and QUIET_S seconds more, BASE_S seconds
 * of baseline (the
 * probe's overshoot and the ws's pages read per second on a calm machine);
 * the hog starts; the run lasts until the hog has died plus SETTLE_S
 * seconds, or --cap seconds (default 180) after the hog's start, when this
 * program kills the hog itself and reports no kill.  Then the ws and the
 * probe are stopped.
 *
 * Figures (one key=value line, "thrash: ...", which scripts/bench-thrash
 * reads, and a markdown table):
 *
 *   ttk_ms       from the hog's first allocation to its death (waitpid,
 *                polled every POLL_MS)
 *   longest_ms   the probe's longest overshoot during the run
 *   total_ms     the sum of the overshoots longer than STALL_MS (a sleep
 *                that took more than twice its 10 ms) during the run
 *   stalls       how many sleeps those were, of sleeps
 *   base_longest_ms  the longest overshoot of the baseline: TCG's noise
 *   ws_speed     the ws's pages read per second during the run, relative
 *                to the baseline (1 = undisturbed)
 *   died         who died, with the signal: hog(sig9), ws(sig15), ...
 *   right        yes if the hog died (not stopped by this program) and the
 *                ws and the probe lived
 *   oom_kill, early, refaults   what /proc/vmstat's oom_kill and
 *                workingset_refault_file and oomctl's stats/early_kills
 *                (if loaded) moved by during the run
 *   reclaim_ms   from the hog's first allocation to the machine's first
 *                reclaim (pgscan_kswapd + pgscan_direct moved; looked at
 *                every 100 ms): when memory ran short, which the hog's
 *                rate alone decides; after_reclaim_ms from then to the
 *                hog's death, which is the killer's doing (no figure if
 *                the hog died before any reclaim, or was not killed)
 *
 * --units (the systemd bed) starts each child as the bed's desktop user
 * (uid 1000) in a transient scope of its user manager,
 * user@1000.service/app.slice/oomctl-thrash-ROLE.scope, where a desktop
 * runs its applications (systemd-run --user --scope execs the child in
 * place: its pid stays this program's child).  Scopes, because
 * systemd-oomd kills cgroups, not processes; the user's manager, because
 * that is what Debian's systemd-oomd package monitors (its drop-in sets
 * ManagedOOMMemoryPressure=kill on user@.service).
 *
 * --smoke proves the harness in seconds: a small ws (8 MiB), the hog fast
 * (64 MiB/s) and alone in a memory cgroup of SMOKE_MAX_MB, whose OOM the
 * kernel ends at once; short baseline and settling.  Its figures mean
 * nothing.  Exits 1 if the harness failed (a child could not start, no
 * figure); a wrong victim or no kill is a figure, not a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#define MIB		(1024UL * 1024)
#define SLEEP_NS	10000000LL	/* the probe's sleep */
#define STALL_NS	10000000LL	/* an overshoot counted in total_ms */
#define POLL_MS		10
#define RECLAIM_POLLS	10	/* /proc/vmstat every 100 ms */
#define BASE_S		3
#define WARM_S		60
#define QUIET_S		3
#define SETTLE_S	3
#define CAP_S		180
#define RATE_MIBS	16
#define HEADROOM_MIB	32
#define SMOKE_WS_MIB	8
#define SMOKE_RATE_MIBS	64
#define SMOKE_MAX_MB	32
#define SMOKE_CAP_S	20
#define STATE_PATH	"/run/oomctl-thrash.state"
#define USER_UID	"1000"	/* the bed's desktop user */
#define CG_SMOKE	BENCH_CG "/thrash"

enum role { PROBE, WS, HOG, NROLES };
static const char *const role_name[NROLES] = { "probe", "ws", "hog" };

/* Probe statistics of one phase. */
struct phase {
	long long longest_ns;
	long long total_ns;	/* overshoots > STALL_NS */
	long long sleeps;
	long long stalls;
};

/*
 * Shared by this program and its children through a file in /run (tmpfs):
 * children started by systemd-run are exec'd, so a MAP_SHARED anonymous
 * mapping would not reach them.  Each field has one writer.
 */
struct state {
	int phase;		/* controller: 0 none, 1 baseline, 2 run */
	struct phase ph[3];	/* probe */
	long long ws_pages;	/* ws: pages read, all phases */
	long long ws_passes;	/* ws: whole passes over the file */
	long long hog_start_ns;	/* hog: before its first allocation (the burst) */
	long long hog_mib;	/* hog: MiB touched */
};

/* Fields of the shared state, read and written by other processes. */
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static struct state *st;

static int map_state(bool create)
{
	int fd = open(STATE_PATH, O_RDWR | (create ? O_CREAT | O_TRUNC : 0), 0600);

	if (fd < 0)
		return -errno;
	/* The children run as the bed's user with --units. */
	if (create && (fchmod(fd, 0666) || ftruncate(fd, sizeof(*st)))) {
		close(fd);
		return -errno;
	}
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return st == MAP_FAILED ? -errno : 0;
}

static void sleep_until(long long t)
{
	struct timespec ts = { t / 1000000000LL, t % 1000000000LL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int run_probe(void)
{
	for (;;) {
		long long t0 = now_ns(), over;
		int p;

		sleep_until(t0 + SLEEP_NS);
		over = now_ns() - t0 - SLEEP_NS;
		p = LOAD(st->phase);
		if (p < 1 || p > 2)
			continue;
		st->ph[p].sleeps++;
		if (over > st->ph[p].longest_ns)
			st->ph[p].longest_ns = over;
		if (over > STALL_NS) {
			st->ph[p].total_ns += over;
			st->ph[p].stalls++;
		}
	}
	return 0;
}

static int run_ws(const char *file)
{
	long page = sysconf(_SC_PAGESIZE);
	const char *p;
	long long pages = 0;
	struct stat sb;
	unsigned int sum = 0;
	long i;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &sb))
		return 111;
	p = mmap(NULL, sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 112;
	for (;;) {
		for (i = 0; i < sb.st_size; i += page) {
			sum += LOAD(p[i]);
			STORE(st->ws_pages, ++pages);
		}
		STORE(st->ws_passes, LOAD(st->ws_passes) + 1);
	}
	return sum == 1;
}

/* ARG is "RATE:BURST", in MiB/s and MiB. */
static int run_hog(const char *arg)
{
	long long start = now_ns();
	long rate = 0, burst = 0, i;
	char *p;

	if (sscanf(arg, "%ld:%ld", &rate, &burst) != 2 || rate <= 0 || burst < 0)
		return 2;
	STORE(st->hog_start_ns, start);
	if (burst) {
		p = mmap(NULL, burst * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 113;
		memset(p, 0x5a, burst * MIB);
		STORE(st->hog_mib, burst);
		/* The steady growth starts after the burst. */
		start = now_ns();
	}
	for (i = 0; ; i++) {
		long long due = start + i * 1000000000LL / rate;

		if (now_ns() < due)
			sleep_until(due);
		p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			sleep_us(10000);
			i--;
			continue;
		}
		memset(p, 0x5a, MIB);
		STORE(st->hog_mib, burst + i + 1);
	}
	return 0;
}

/* The child side: --child ROLE ARG, after systemd-run's exec or fork. */
static int child_main(const char *role, const char *arg)
{
	if (map_state(false)) {
		perror("bench_thrash: " STATE_PATH);
		return 110;
	}
	if (!strcmp(role, "probe"))
		return run_probe();
	if (!strcmp(role, "ws"))
		return run_ws(arg);
	if (!strcmp(role, "hog"))
		return run_hog(arg);
	return 2;
}

struct child {
	pid_t pid;
	int status;		/* wait status, valid once dead */
	bool dead;
	long long died_ns;
};

static struct child kids[NROLES];
static char self[256];

/*
 * Start @r: in a transient scope with --units, in @cg_fd's cgroup if it is
 * not negative, else a plain fork.  Its oom_score_adj is 0.
 */
static int spawn(enum role r, const char *arg, bool units, int cg_fd)
{
	char unit[64];
	pid_t pid;

	fflush(NULL);
	pid = cg_fd >= 0 ? fork_into(cg_fd) : fork();
	if (pid < 0)
		return pid;
	if (pid == 0) {
		write_text("/proc/self/oom_score_adj", "0");
		if (units) {
			snprintf(unit, sizeof(unit), "oomctl-thrash-%s.scope", role_name[r]);
			execlp("setpriv", "setpriv", "--reuid=" USER_UID, "--regid=" USER_UID,
			       "--init-groups", "env", "HOME=/home/user", "USER=user",
			       "XDG_RUNTIME_DIR=/run/user/" USER_UID,
			       "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/" USER_UID "/bus",
			       "systemd-run", "--user", "--scope", "--quiet", "--collect",
			       "--unit", unit, "--", self, "--child", role_name[r], arg,
			       (char *)NULL);
			_exit(127);
		}
		_exit(child_main(role_name[r], arg));
	}
	kids[r] = (struct child){ .pid = pid };
	return 0;
}

static void reap(void)
{
	int status, r;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (r = 0; r < NROLES; r++) {
			if (kids[r].pid != pid || kids[r].dead)
				continue;
			kids[r].dead = true;
			kids[r].status = status;
			kids[r].died_ns = now_ns();
		}
	}
}

/* Pages the machine's reclaim has scanned since boot (kswapd's, direct). */
static long reclaim_scanned(void)
{
	return proc_vmstat("pgscan_kswapd") + proc_vmstat("pgscan_direct");
}

/* While the hog runs: when reclaim first scanned (0: not yet), from what. */
static long long reclaim_ns;
static long scanned0;

/*
 * Poll for deaths until @until_ns, or until the hog has died if @hog;
 * while the hog runs, look every RECLAIM_POLLS polls for the first reclaim.
 */
static void watch(long long until_ns, bool hog)
{
	unsigned int n = 0;

	while (now_ns() < until_ns) {
		reap();
		if (hog && kids[HOG].dead)
			return;
		if (hog && !reclaim_ns && !(n++ % RECLAIM_POLLS) &&
		    reclaim_scanned() > scanned0)
			reclaim_ns = now_ns();
		sleep_us(POLL_MS * 1000);
	}
}

static int make_ws_file(const char *path, long mib)
{
	char *buf = malloc(MIB);
	int fd, ret = 0;
	long i;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x11, MIB);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (i = 0; i < mib && !ret; i++)
		if (write(fd, buf, MIB) != (ssize_t)MIB)
			ret = -EIO;
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	free(buf);
	return ret;
}

static double ms(long long ns)
{
	return ns / 1e6;
}

int main(int argc, char **argv)
{
	const char *name = NULL, *dir = "/var/tmp";
	long ws_mib = 0, rate = 0, cap = 0, early0 = -1, early1 = -1;
	long headroom = HEADROOM_MIB, burst = 0;
	long oom0, oom1, rf0, rf1;
	long long t_base, t_run, t_end, ws_base, ws_run;
	bool smoke = false, units = false, capped = false, from_empty = false, right;
	char file[512], died[128] = "", arg[48], b1[32], b2[32], b3[32], b4[32];
	int cg_fd = -1, i, r;
	double ttk, speed, reclaim = NO_FIGURE, after = NO_FIGURE;
	ssize_t n;

	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child_main(argv[2], argv[3]);
	for (i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--smoke")) {
			smoke = true;
		} else if (!strcmp(argv[i], "--units")) {
			units = true;
		} else if (!strcmp(argv[i], "--case") && next) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--ws") && next) {
			ws_mib = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--rate") && next) {
			rate = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--headroom") && next) {
			headroom = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--from-empty")) {
			from_empty = true;
		} else if (!strcmp(argv[i], "--cap") && next) {
			cap = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--dir") && next) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--case NAME] [--units] [--ws MIB]\n",
				argv[0]);
			fprintf(stderr, "       [--rate MIBS] [--headroom MIB] [--from-empty]\n");
			fprintf(stderr, "       [--cap S] [--dir DIR]\n");
			return 2;
		}
	}
	if (!name)
		name = smoke ? "smoke" : "kernel";
	if (!ws_mib)
		ws_mib = smoke ? SMOKE_WS_MIB : meminfo_kb("MemTotal:") / 1024 / 4;
	if (!rate)
		rate = smoke ? SMOKE_RATE_MIBS : RATE_MIBS;
	if (!cap)
		cap = smoke ? SMOKE_CAP_S : CAP_S;
	/* The smoke run's hog is in a memcg of 32 MiB: no burst. */
	if (smoke) {
		dir = ".";
		from_empty = true;
	}
	if (ws_mib <= 0 || rate <= 0 || cap <= 0 || headroom < 0) {
		fprintf(stderr, "bench_thrash: --ws, --rate, --cap > 0, --headroom >= 0\n");
		return 2;
	}

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("bench_thrash: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	snprintf(file, sizeof(file), "%s/oomctl-thrash.ws", dir);
	mkdir("/run", 0755);
	if (map_state(true)) {
		perror("bench_thrash: " STATE_PATH);
		return 1;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		perror("bench_thrash: mlockall (going on unlocked)");
	if (make_ws_file(file, ws_mib)) {
		fprintf(stderr, "bench_thrash: cannot write %ld MiB to %s\n", ws_mib, file);
		return 1;
	}
	if (smoke) {
		char max[32];

		snprintf(max, sizeof(max), "%d", SMOKE_MAX_MB << 20);
		if (cg_mkdir(BENCH_CG) ||
		    cg_set(BENCH_CG, "cgroup.subtree_control", "+memory") ||
		    cg_mkdir(CG_SMOKE) || cg_set(CG_SMOKE, "memory.max", max)) {
			fprintf(stderr, "bench_thrash: cannot set up %s\n", CG_SMOKE);
			return 1;
		}
		cg_fd = open(CG_SMOKE, O_RDONLY | O_DIRECTORY);
		if (cg_fd < 0) {
			perror("bench_thrash: " CG_SMOKE);
			return 1;
		}
	}

	printf("Thrash, case %s: ws %ld MiB in %s, ", name, ws_mib, dir);
	if (from_empty)
		printf("hog from empty at %ld MiB/s,", rate);
	else
		printf("hog MemFree - %ld MiB at once then %ld MiB/s,", headroom, rate);
	printf(" cap %ld s,", cap);
	printf(" %s, MemTotal %ld MiB\n", units ? "children in scopes" : "children forked",
	       meminfo_kb("MemTotal:") / 1024);
	if (spawn(PROBE, "-", units, -1) || spawn(WS, file, units, -1)) {
		fprintf(stderr, "bench_thrash: cannot start the probe and the ws\n");
		return 1;
	}
	/*
	 * The ws's first pass maps every page (a minor fault each, slow under
	 * TCG): the baseline starts after its second.
	 */
	t_base = now_ns();
	while (LOAD(st->ws_passes) < 2 && now_ns() < t_base + WARM_S * 1000000000LL &&
	       !kids[WS].dead && !kids[PROBE].dead)
		watch(now_ns() + POLL_MS * 1000000LL, false);
	if (kids[WS].dead || kids[PROBE].dead) {
		fprintf(stderr, "bench_thrash: the ws or the probe ended at once\n");
		return 1;
	}
	if (LOAD(st->ws_passes) < 2) {
		fprintf(stderr, "bench_thrash: the ws did not read its file twice in %d s\n",
			WARM_S);
		return 1;
	}
	/* The user manager and the journal are busy after three new scopes. */
	watch(now_ns() + (smoke ? 0 : QUIET_S * 1000) * 1000000LL, false);
	STORE(st->phase, 1);
	t_base = now_ns();
	ws_base = LOAD(st->ws_pages);
	watch(t_base + (smoke ? 500 : BASE_S * 1000) * 1000000LL, false);

	oom0 = proc_vmstat("oom_kill");
	rf0 = proc_vmstat("workingset_refault_file");
	if (oomctl_loaded())
		early0 = oomctl_stat("early_kills");
	STORE(st->phase, 2);
	scanned0 = reclaim_scanned();
	t_run = now_ns();
	ws_base = LOAD(st->ws_pages) - ws_base;
	ws_run = LOAD(st->ws_pages);
	if (!from_empty) {
		burst = meminfo_kb("MemFree:") / 1024 - headroom;
		if (burst < 0)
			burst = 0;
		printf("# the hog's burst: %ld MiB (MemFree %ld MiB)\n", burst,
		       meminfo_kb("MemFree:") / 1024);
	}
	snprintf(arg, sizeof(arg), "%ld:%ld", rate, burst);
	if (spawn(HOG, arg, units, cg_fd)) {
		fprintf(stderr, "bench_thrash: cannot start the hog\n");
		return 1;
	}
	watch(t_run + cap * 1000000000LL, true);
	if (!kids[HOG].dead) {
		capped = true;
		kill(kids[HOG].pid, SIGKILL);
		waitpid(kids[HOG].pid, &kids[HOG].status, 0);
		kids[HOG].dead = true;
		kids[HOG].died_ns = now_ns();
	}
	watch(kids[HOG].died_ns + (smoke ? 500 : SETTLE_S * 1000) * 1000000LL, false);
	STORE(st->phase, 0);
	t_end = now_ns();
	ws_run = LOAD(st->ws_pages) - ws_run;
	oom1 = proc_vmstat("oom_kill");
	rf1 = proc_vmstat("workingset_refault_file");
	if (oomctl_loaded())
		early1 = oomctl_stat("early_kills");
	reap();

	/* Who died before the end of the run. */
	right = !capped;
	for (r = 0; r < NROLES; r++) {
		int sig;

		if (!kids[r].dead) {
			if (r == HOG)
				right = false;
			continue;
		}
		if (r == HOG && capped)
			continue;
		if (r != HOG)
			right = false;
		sig = WIFSIGNALED(kids[r].status) ? WTERMSIG(kids[r].status) : 0;
		snprintf(died + strlen(died), sizeof(died) - strlen(died), "%s%s(%s%d)",
			 *died ? "," : "", role_name[r], sig ? "sig" : "exit",
			 sig ? sig : WEXITSTATUS(kids[r].status));
	}
	for (r = 0; r < NROLES; r++) {
		if (kids[r].dead)
			continue;
		kill(kids[r].pid, SIGKILL);
		waitpid(kids[r].pid, NULL, 0);
	}
	unlink(file);
	if (cg_fd >= 0) {
		close(cg_fd);
		cg_kill_remove(CG_SMOKE);
	}

	ttk = st->hog_start_ns ? ms(kids[HOG].died_ns - st->hog_start_ns) : NO_FIGURE;
	if (reclaim_ns && st->hog_start_ns && !capped) {
		reclaim = ms(reclaim_ns - st->hog_start_ns);
		after = ms(kids[HOG].died_ns - reclaim_ns);
	}
	speed = ws_base > 0 ?
		((double)ws_run / (t_end - t_run)) / ((double)ws_base / (t_run - t_base)) :
		NO_FIGURE;
	/* One line for scripts/bench-thrash, in pieces, then a table. */
	printf("thrash: case=%s ttk_ms=%.0f capped=%s", name, ttk, capped ? "yes" : "no");
	printf(" longest_ms=%.0f total_ms=%.0f stalls=%lld sleeps=%lld",
	       ms(st->ph[2].longest_ns), ms(st->ph[2].total_ns), st->ph[2].stalls,
	       st->ph[2].sleeps);
	printf(" base_longest_ms=%.1f ws_speed=%.3f ws_base_pps=%.0f ws_run_pps=%.0f",
	       ms(st->ph[1].longest_ns), speed, ws_base * 1e9 / (t_run - t_base),
	       ws_run * 1e9 / (t_end - t_run));
	printf(" hog_mib=%lld died=%s right=%s", st->hog_mib, *died ? died : "none",
	       right ? "yes" : "no");
	printf(" oom_kill=%ld early=%ld refaults=%ld", oom1 - oom0,
	       early0 >= 0 && early1 >= 0 ? early1 - early0 : -1, rf1 - rf0);
	printf(" reclaim_ms=%.0f after_reclaim_ms=%.0f\n", reclaim, after);
	printf("\n| case | time to kill (ms) | longest stall (ms) | total stall (ms) |");
	printf(" baseline longest (ms) | hog MiB | died | right victim |\n");
	printf("|------|------|------|------|------|------|------|------|\n");
	printf("| %s | %s%s | %s | %s | %s | %lld | %s | %s |\n", name,
	       capped ? "> " : "", fmt_fig(b1, sizeof(b1), "%.0f", ttk),
	       fmt_fig(b2, sizeof(b2), "%.0f", ms(st->ph[2].longest_ns)),
	       fmt_fig(b3, sizeof(b3), "%.0f", ms(st->ph[2].total_ns)),
	       fmt_fig(b4, sizeof(b4), "%.1f", ms(st->ph[1].longest_ns)),
	       st->hog_mib, *died ? died : "none", right ? "yes" : "no");
	if (!st->ph[2].sleeps || !st->hog_start_ns) {
		fprintf(stderr, "bench_thrash: no figure: the probe or the hog never ran\n");
		return 1;
	}
	return 0;
}
