// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input on every writable file of /sys/kernel/oomctl: random
 * bytes, and valid writes with one defect put in (embedded NUL, no
 * trailing newline, overlong lines and writes, huge and negative numbers,
 * duplicate and unknown keys, "..", "." and "//" in paths, paths of
 * removed cgroups).  After every write, all writable files are read back:
 *
 *  - a write the generator knows to be valid must succeed, and the table
 *    must then hold what a model of it says;
 *  - a write with a defect must fail with the errno the ABI documents for
 *    it, and every file must read back exactly as before;
 *  - a random write may succeed or fail, but only with a documented
 *    errno; on failure nothing may change, on success the table must
 *    still be a valid set of lines.
 *
 * The generator is seeded and prints its seed; OOMCTL_FUZZ_SEED=<n>
 * repeats a run.  OOMCTL_SIZE_PCT scales the number of writes (100000).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#include "kselftest_harness.h"
#include "oomctl_util.h"

#define T		"/" CG_TEST
#define MAX_RULES	8		/* small, so that -ENOSPC is reached */
#define PAGE		4096
#define PATH_MAX_LEN	1023		/* longest path a rule may name */
#define ANY		1		/* "want" for random input */

static const char * const policies[] = { "kernel", "process", "group", "subtree" };

/* ---- a small reproducible generator (xorshift64*) ---- */

static __u64 rng_state;

static __u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return rnd() % n;
}

/* ---- the files, kept open; pread/pwrite at offset 0 ---- */

enum { F_RULES, F_ENABLED, F_DRY_RUN, F_DEFAULT_POLICY, NR_FILES };

static const char * const file_names[NR_FILES] = {
	"rules", "enabled", "dry_run", "default_policy",
};

struct state {
	char text[NR_FILES][PAGE * 4];
};

/* A model of the rule table: what valid writes must leave in it. */
struct model_rule {
	char path[PATH_MAX_LEN + 1];
	int policy;
	int bias;
};

struct model {
	unsigned int nr;
	struct model_rule rules[MAX_RULES];
};

struct input {
	unsigned int file;
	char buf[PAGE * 2];
	size_t len;
	int want;		/* 0, -errno, or ANY */
	struct model next;	/* the table after it, when want == 0 */
};

struct fuzz {
	int fd[NR_FILES];
	struct model model;
	struct state before, after;
	struct input in;
	unsigned long writes, ok, failed, by_errno[4];
};

static int read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		n = pread(fd, buf + len, size - 1 - len, len);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return 0;
}

static int read_state(struct fuzz *f, struct state *s)
{
	int i, ret;

	for (i = 0; i < NR_FILES; i++) {
		ret = read_all(f->fd[i], s->text[i], sizeof(s->text[i]));
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- the model ---- */

static int model_find(const struct model *m, const char *path)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (!strcmp(m->rules[i].path, path))
			return i;
	return -1;
}

/* Apply one line's op to @m, as the module does: 0 or -errno. */
static int model_apply(struct model *m, bool del, const char *path, int policy,
		       int bias)
{
	int i = model_find(m, path);

	if (del) {
		if (i < 0)
			return -ENOENT;
		memmove(&m->rules[i], &m->rules[i + 1],
			(m->nr - i - 1) * sizeof(m->rules[0]));
		m->nr--;
		return 0;
	}
	if (i < 0) {
		if (m->nr == MAX_RULES)
			return -ENOSPC;
		i = m->nr++;
		snprintf(m->rules[i].path, sizeof(m->rules[i].path), "%s", path);
	}
	m->rules[i].policy = policy;
	m->rules[i].bias = bias;
	return 0;
}

/* The rules file as the model says it reads, without the "# state" part. */
static void model_render(const struct model *m, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < m->nr; i++)
		len += snprintf(buf + len, size - len, "%s policy=%s bias=%d%s\n",
				m->rules[i].path, policies[m->rules[i].policy],
				m->rules[i].bias,
				!strcmp(policies[m->rules[i].policy], "process") ?
				" kill=quiet" : "");
}

/* The rules file with each line's " # active"/" # inactive" cut off. */
static void strip_states(const char *text, char *buf, size_t size)
{
	size_t len = 0;
	const char *nl;

	buf[0] = '\0';
	for (; *text; text = nl + 1) {
		const char *hash = strstr(text, " # ");

		nl = strchrnul(text, '\n');
		if (!hash || hash > nl)
			hash = nl;
		len += snprintf(buf + len, size - len, "%.*s\n",
				(int)(hash - text), text);
		if (!*nl)
			break;
	}
}

/* Every line valid, and no path twice?  Then load it into @m. */
static bool table_valid(const char *text, struct model *m)
{
	char line[PAGE], path[PATH_MAX_LEN + 1], policy[16];
	const char *nl;
	int bias, n;

	m->nr = 0;
	for (; *text; text = nl + 1) {
		nl = strchrnul(text, '\n');
		if (!*nl || nl - text >= (long)sizeof(line))
			return false;
		memcpy(line, text, nl - text);
		line[nl - text] = '\0';
		if (!rule_line_valid(line))
			return false;
		if (sscanf(line, "%1023s policy=%15s bias=%d%n", path, policy,
			   &bias, &n) != 3 || bias < -1000 || bias > 1000)
			return false;
		/* The generator writes no kill=: process rules read kill=quiet. */
		if (strcmp(line + n, " # active") && strcmp(line + n, " # inactive") &&
		    (strcmp(policy, "process") || (strcmp(line + n, " kill=quiet # active") &&
						   strcmp(line + n, " kill=quiet # inactive"))))
			return false;
		for (n = 0; n < 4 && strcmp(policy, policies[n]); n++)
			;
		if (n == 4 || model_apply(m, false, path, n, bias) ||
		    m->nr != (unsigned int)model_find(m, path) + 1)
			return false;
	}
	return true;
}

/* ---- the generator ---- */

static void put(struct input *in, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(in->buf + in->len, sizeof(in->buf) - in->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		in->len += n;
	if (in->len >= sizeof(in->buf))
		in->len = sizeof(in->buf) - 1;
}

static const char *space(void)
{
	static const char * const s[] = { " ", " ", " ", "  ", "\t", " \t " };

	return s[below(6)];
}

/*
 * A valid path: an existing cgroup, a removed one, one that never
 * existed, or a name with odd but allowed bytes.
 */
static void valid_path(char *buf, size_t size)
{
	static const char * const names[] = {
		T "/a", T "/a/b", T "/gone", T "/gone/child", T "/never",
		"/user.slice/user-1000.slice", "/x=y", "/-", "/.hidden",
		"/a..b", "/\xc3\xa9t\xc3\xa9", "/voil\xc3\xa0",
	};

	if (below(8))
		snprintf(buf, size, "%s", names[below(ARRAY_SIZE(names))]);
	else
		snprintf(buf, size, T "/r%u", below(12));
}

/*
 * One valid rules line into @in, applied to @in->next.  Returns what the
 * model says the line does: 0 or -ENOENT / -ENOSPC.
 */
static int valid_line(struct input *in)
{
	char path[PATH_MAX_LEN + 1];
	int policy = 0, bias = 0, ret;
	bool keys[2] = { below(3) > 0, below(2) > 0 };

	valid_path(path, sizeof(path));
	if (!below(8)) {
		/* Delete a rule of the table, or a missing one. */
		if (in->next.nr && below(4))
			snprintf(path, sizeof(path), "%s",
				 in->next.rules[below(in->next.nr)].path);
		put(in, "%s-%s", below(4) ? "" : space(), path);
		ret = model_apply(&in->next, true, path, 0, 0);
	} else {
		put(in, "%s", path);
		if (keys[0])
			policy = below(4);
		if (keys[1])
			bias = (int)below(2001) - 1000;
		if (below(2)) {
			if (keys[0])
				put(in, "%spolicy=%s", space(), policies[policy]);
			if (keys[1])
				put(in, "%sbias=%s%d", space(),
				    bias > 0 && !below(4) ? "+" : "", bias);
		} else {
			if (keys[1])
				put(in, "%sbias=%d", space(), bias);
			if (keys[0])
				put(in, "%spolicy=%s", space(), policies[policy]);
		}
		ret = model_apply(&in->next, false, path, policy, bias);
	}
	if (!below(6))
		put(in, "%s# a comment = policy=x", space());
	return ret;
}

/* One line with exactly one defect that makes it -EINVAL. */
static void invalid_line(struct input *in)
{
	static const char * const bad_paths[] = {
		"", "relative", "oomctl-test/a", "/", "//", T "/", T "//a",
		T "/a//b", T "/../a", T "/a/..", T "/./a", T "/a/.", "/..",
		"/.", T "/\x01", T "/a\x7f", T "/\x1b[31m",
	};
	static const char * const bad_keys[] = {
		"policy=", "policy=groups", "policy=Group", "policy=grou",
		"policy", "policy==group", "policy=kernel,group", "bias=",
		"bias=1001", "bias=-1001", "bias=99999999999999999999",
		"bias=-99999999999999999999", "bias=0x10", "bias=1x", "bias=+-1",
		"bias=--1", "bias=1.5", "bias", "=group", "weight=3",
		"policy=group policy=group", "bias=1 bias=1",
		"policy=group bias=0 policy=process", "Policy=group",
	};
	char path[PATH_MAX_LEN + 1];
	unsigned int i;

	switch (below(6)) {
	case 0:
		put(in, "%s policy=%s", bad_paths[below(ARRAY_SIZE(bad_paths))],
		    policies[below(4)]);
		break;
	case 1:
		valid_path(path, sizeof(path));
		put(in, "%s%s%s", path, space(),
		    bad_keys[below(ARRAY_SIZE(bad_keys))]);
		break;
	case 2:
		/* A path one byte too long, or much longer (the write < a page). */
		i = PATH_MAX_LEN + 1 + below(2) * below(2000);
		put(in, "/");
		memset(in->buf + in->len, 'p', i - 1);
		in->len += i - 1;
		put(in, " policy=group");
		break;
	case 3:
		/* A delete takes no keys. */
		valid_path(path, sizeof(path));
		put(in, "-%s policy=%s", path, policies[below(4)]);
		break;
	case 4:
		/* "-" alone, or a bare key where the path should be. */
		put(in, below(2) ? "-" : "policy=group %s", T "/a");
		break;
	default:
		/* An embedded NUL somewhere in a valid line. */
		i = in->len;
		valid_line(in);
		in->buf[i + below(in->len - i)] = '\0';
		break;
	}
}

/* Valid lines, maybe with one invalid line among them. */
static void gen_rules(struct input *in, const struct model *cur, bool defect)
{
	unsigned int lines = 1 + below(3), bad = below(lines), i;
	int ret = 0, r;

	in->next = *cur;
	if (!below(16)) {
		/* Delete the whole table in one write. */
		for (i = 0; i < cur->nr; i++)
			put(in, "-%s\n", cur->rules[i].path);
		in->want = 0;
		in->next.nr = 0;
		return;
	}
	for (i = 0; i < lines; i++) {
		if (defect && i == bad) {
			invalid_line(in);
		} else {
			r = valid_line(in);
			if (!ret)
				ret = r;
		}
		if (i + 1 < lines || below(2))
			put(in, "%s\n", below(8) ? "" : "\n  \t");
	}
	/* Lines are parsed before any is applied: a bad line wins. */
	in->want = defect ? -EINVAL : ret;
	if (!below(50)) {
		/* A write of a page or more. */
		while (in->len < PAGE + below(2) * below(PAGE - 1))
			put(in, below(2) ? "\n" : "#");
		in->want = -E2BIG;
	}
}

static void gen_switch(struct input *in, bool defect)
{
	static const char * const bad_bools[] = {
		"2", "-1", "10", "true", "y", "on", " 1", "1 ", "1\n\n", "\n",
		"0x1", "99999999999999999999", "-0x", "1\t", "+", "0\n1",
	};
	static const char * const bad_policies[] = {
		"subtree", "subtree\n", "Group", "group ", " group", "grou",
		"groupp", "group\n\n", "\n", "kernel\tx", "process,group",
	};
	bool is_bool = in->file != F_DEFAULT_POLICY;
	unsigned int i;

	if (!defect) {
		if (is_bool)
			put(in, "%s%s", below(2) ? "1" : "0", below(2) ? "\n" : "");
		else
			put(in, "%s%s", policies[below(3)], below(2) ? "\n" : "");
		in->want = 0;
		return;
	}
	if (!below(4)) {
		/* A valid value with a NUL inside or after it. */
		gen_switch(in, false);
		i = below(in->len + 1);
		memmove(in->buf + i + 1, in->buf + i, in->len - i);
		in->buf[i] = '\0';
		in->len++;
	} else if (is_bool) {
		put(in, "%s", bad_bools[below(ARRAY_SIZE(bad_bools))]);
	} else {
		put(in, "%s", bad_policies[below(ARRAY_SIZE(bad_policies))]);
	}
	in->want = -EINVAL;
}

static void gen_random(struct input *in)
{
	static const char alphabet[] = "/-=# \t\n\0.abpolicybias0123456789+";
	size_t n = below(4) ? below(64) : below(PAGE + 512);
	bool soup = below(2);

	for (in->len = 0; in->len < n; in->len++)
		in->buf[in->len] = soup ? alphabet[below(sizeof(alphabet) - 1)]
					: (char)rnd();
	in->want = ANY;
}

static void generate(struct fuzz *f)
{
	struct input *in = &f->in;
	unsigned int kind = below(10);

	in->len = 0;
	in->file = below(3) ? F_RULES : 1 + below(NR_FILES - 1);
	if (kind < 2)
		gen_random(in);
	else if (in->file == F_RULES)
		gen_rules(in, &f->model, kind >= 6);
	else
		gen_switch(in, kind >= 6);
}

/* ---- checking one write ---- */

static bool documented(unsigned int file, int err)
{
	if (file == F_RULES)
		return err == -EINVAL || err == -ENOENT || err == -ENOSPC ||
		       err == -E2BIG;
	return err == -EINVAL || err == -E2BIG;
}

static void print_input(struct __test_metadata *_metadata, const struct input *in)
{
	char shown[160];
	size_t i, n = 0;

	for (i = 0; i < in->len && n + 5 < sizeof(shown); i++) {
		unsigned char c = in->buf[i];

		n += snprintf(shown + n, sizeof(shown) - n,
			      c >= 0x20 && c < 0x7f && c != '\\' ? "%c" : "\\x%02x", c);
	}
	TH_LOG("write of %zu bytes to %s: \"%s\"%s", in->len,
	       file_names[in->file], shown, i < in->len ? "..." : "");
}

/* The switch's value after writing @in successfully. */
static void switch_value(const struct input *in, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(in->buf, "\n"), in->buf);
	strncat(buf, "\n", size - strlen(buf) - 1);
}

static bool check_write(struct __test_metadata *_metadata, struct fuzz *f, int ret)
{
	const struct input *in = &f->in;
	char want[PAGE * 4], got[PAGE * 4];
	struct model seen;
	unsigned int i;

	if (in->want != ANY && ret != in->want) {
		TH_LOG("got %d (%s), want %d", ret, strerror(-ret), in->want);
		return false;
	}
	if (ret) {
		if (!documented(in->file, ret)) {
			TH_LOG("undocumented error %d (%s)", ret, strerror(-ret));
			return false;
		}
		for (i = 0; i < NR_FILES; i++) {
			if (strcmp(f->before.text[i], f->after.text[i])) {
				TH_LOG("a failed write changed %s: \"%s\" -> \"%s\"",
				       file_names[i], f->before.text[i],
				       f->after.text[i]);
				return false;
			}
		}
		return true;
	}
	for (i = 0; i < NR_FILES; i++) {
		if (i == in->file)
			continue;
		if (strcmp(f->before.text[i], f->after.text[i])) {
			TH_LOG("a write to %s changed %s", file_names[in->file],
			       file_names[i]);
			return false;
		}
	}
	if (in->file != F_RULES) {
		if (in->want == ANY)
			return true;
		switch_value(in, want, sizeof(want));
		if (strcmp(want, f->after.text[in->file])) {
			TH_LOG("%s reads \"%s\" after writing it",
			       file_names[in->file], f->after.text[in->file]);
			return false;
		}
		return true;
	}
	if (!table_valid(f->after.text[F_RULES], &seen)) {
		TH_LOG("invalid table after a successful write: \"%s\"",
		       f->after.text[F_RULES]);
		return false;
	}
	if (in->want == ANY) {
		/* Whatever the random write did, the model follows it. */
		f->model = seen;
		return true;
	}
	model_render(&in->next, want, sizeof(want));
	strip_states(f->after.text[F_RULES], got, sizeof(got));
	if (strcmp(want, got)) {
		TH_LOG("table is \"%s\", the model says \"%s\"", got, want);
		return false;
	}
	f->model = in->next;
	return true;
}

/* ---- the test ---- */

FIXTURE(fuzz) {
	struct fuzz *f;
};

FIXTURE_SETUP(fuzz)
{
	char params[32];
	int i;

	ASSERT_EQ(0, cg_setup());
	ASSERT_EQ(0, cg_create("a"));
	ASSERT_EQ(0, cg_create("a/b"));
	ASSERT_EQ(0, cg_create("gone"));
	ASSERT_EQ(0, rmdir(cg_path("gone", NULL)));
	snprintf(params, sizeof(params), "max_rules=%d", MAX_RULES);
	ASSERT_EQ(0, oomctl_load(params));
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
	for (i = 0; i < NR_FILES; i++) {
		char path[128];

		snprintf(path, sizeof(path), OOMCTL_SYSFS "/%s", file_names[i]);
		self->f->fd[i] = open(path, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->f->fd[i]) TH_LOG("%s: %s", path, strerror(errno));
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; self->f && i < NR_FILES; i++)
		close(self->f->fd[i]);
	free(self->f);
	EXPECT_EQ(0, oomctl_unload());
	EXPECT_EQ(0, cg_cleanup());
}

TEST_F_TIMEOUT(fuzz, every_writable_file, 3600)
{
	const char *env = getenv("OOMCTL_FUZZ_SEED");
	unsigned long n = scaled(100000), i;
	unsigned int seed;
	struct fuzz *f = self->f;
	ssize_t ret;

	seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL) ^ getpid();
	rng_state = (__u64)seed * 0x9e3779b97f4a7c15ULL + 1;
	ksft_print_msg("fuzz: seed %u, %lu writes (OOMCTL_FUZZ_SEED=%u repeats)\n",
		       seed, n, seed);
	fflush(stdout);

	ASSERT_EQ(0, read_state(f, &f->before));
	ASSERT_TRUE(table_valid(f->before.text[F_RULES], &f->model));
	for (i = 0; i < n; i++) {
		generate(f);
		ret = pwrite(f->fd[f->in.file], f->in.buf, f->in.len, 0);
		if (ret < 0)
			ret = -errno;
		else if (ret == (ssize_t)f->in.len)
			ret = 0;
		else
			ret = -EMSGSIZE;	/* a short write: never expected */
		ASSERT_EQ(0, read_state(f, &f->after));
		if (!check_write(_metadata, f, ret)) {
			print_input(_metadata, &f->in);
			ASSERT_TRUE(0) TH_LOG("write %lu of seed %u", i, seed);
		}
		if (ret == 0)
			f->ok++;
		else
			f->failed++;
		f->before = f->after;
	}
	ksft_print_msg("fuzz: %lu writes: %lu accepted, %lu refused\n",
		       n, f->ok, f->failed);
	fflush(stdout);
	/* Both outcomes must have been reached often. */
	EXPECT_LT(n / 10, f->ok);
	EXPECT_LT(n / 10, f->failed);
}

TEST_HARNESS_MAIN
