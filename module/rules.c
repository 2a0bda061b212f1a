// SPDX-License-Identifier: GPL-2.0
/*
 * The rule table: which policy applies under which cgroup.
 *
 * A rule names a cgroup v2 path and a policy.  It applies to that cgroup
 * and to every descendant; the nearest rule above a task wins.  The
 * grammar, one rule a line, in the style of io.max:
 *
 *	<path> policy=<kernel|process|group|subtree> bias=<-1000..1000>
 *	       [kill=<quiet|kernel>]		add or replace
 *	-<path>					delete
 *
 * Keys left out take their defaults (policy=kernel bias=0, kill=quiet);
 * kill= goes with policy=process only (quiet.c).  Anything after '#' is a
 * comment.  A write holds any number of lines and is applied as a
 * whole or not at all.  A read prints one line per rule in the same form,
 * followed by "# active" or "# inactive", so that the output written back
 * reproduces the table.
 *
 * The table lives twice:
 *
 *  - rule_table: what the admin wrote, in writing order, bound to a
 *    cgroup or not.  Changed only in process context (sysfs writes, the
 *    rules= parameter, bind_work), always under rules_mutex.
 *
 *  - rule_snap: an immutable snapshot of the bound rules, sorted by cgroup
 *    id, owning copies of their paths.  Published with
 *    rcu_assign_pointer() under rules_mutex after every change, freed with
 *    kvfree_rcu().  The OOM path reads it under RCU and takes no lock.
 *
 * Binding: a rule holds the id of the cgroup its path names, or 0 while no
 * such cgroup exists ("inactive").  Paths are resolved only in bind_work
 * (process context, in the initial cgroup namespace): at once after every
 * change of the table, as soon as a cgroup is created, removed or renamed
 * (the cgroup_mkdir/rmdir/rename tracepoints kick it), and once a second
 * besides.  A rule therefore binds again moments after its cgroup is
 * (re)created, as systemd does with slices, though not synchronously: an
 * OOM in a cgroup created a few milliseconds earlier may still follow the
 * rule above it.  A removed cgroup's id is never reused, so a rule whose
 * cgroup is gone matches nothing even before bind_work notices.
 */
#include <linux/bsearch.h>
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include <trace/events/cgroup.h>

#include "oomctl.h"

/* Longest path a rule may name, in bytes, without the terminating NUL. */
#define OOMCTL_PATH_MAX		1023
/* How often bind_work re-resolves every path. */
#define OOMCTL_BIND_INTERVAL	HZ

/* Load-time parameter (main.c); fixed while the module is loaded. */
unsigned int oomctl_max_rules = 256;

struct rule {
	char *path;
	u64 cgid;			/* 0: no such cgroup (inactive) */
	enum oomctl_policy policy;
	enum oomctl_kill kill;
	int bias;
};

struct rule_table {
	unsigned int nr;
	struct rule *rules;		/* oomctl_max_rules entries */
};

struct snap_rule {
	u64 cgid;
	enum oomctl_policy policy;
	enum oomctl_kill kill;
	int bias;
	const char *path;		/* points into the same allocation */
};

struct rule_snap {
	struct rcu_head rcu;
	unsigned int nr;
	struct snap_rule rules[];
};

static DEFINE_MUTEX(rules_mutex);
static struct rule_table rule_table;		/* rules_mutex */
static struct rule_snap __rcu *rule_snap;	/* written under rules_mutex */
static bool snap_has_bias;			/* rules_mutex */

static struct workqueue_struct *bind_wq;
static void bind_rules(struct work_struct *work);
static DECLARE_DELAYED_WORK(bind_work, bind_rules);

/* ---- lookup, from the OOM path (atomic context, under RCU) ---- */

static int snap_rule_cmp(const void *key, const void *elt)
{
	u64 id = *(const u64 *)key;
	const struct snap_rule *r = elt;

	if (id < r->cgid)
		return -1;
	return id > r->cgid;
}

/**
 * oomctl_rules_lookup - find the rule nearest above a cgroup
 * @cgrp: where to start, usually the victim's cgroup
 * @match: filled in when a rule is found
 *
 * Walks from @cgrp to the root, looking each level up by cgroup id in the
 * published snapshot.  Takes no lock and does not sleep.  The caller holds
 * rcu_read_lock(), which keeps @match's cgroup and path valid.
 *
 * Return: true if a rule matched.
 */
bool oomctl_rules_lookup(struct cgroup *cgrp, struct oomctl_match *match)
{
	struct rule_snap *snap = rcu_dereference(rule_snap);
	const struct snap_rule *r;
	u64 id;

	if (!snap || !snap->nr)
		return false;
	for (; cgrp; cgrp = cgroup_parent(cgrp)) {
		id = cgroup_id(cgrp);
		r = bsearch(&id, snap->rules, snap->nr, sizeof(*r), snap_rule_cmp);
		if (r) {
			match->cgrp = cgrp;
			match->policy = r->policy;
			match->kill = r->kill;
			match->bias = r->bias;
			match->path = r->path;
			return true;
		}
	}
	return false;
}

/* ---- snapshot and binding (process context, rules_mutex held) ---- */

static int snap_rule_sort_cmp(const void *a, const void *b)
{
	return snap_rule_cmp(&((const struct snap_rule *)a)->cgid, b);
}

static int publish_snapshot(const struct rule_table *t)
{
	struct rule_snap *snap, *old;
	size_t size = sizeof(*snap);
	unsigned int i, n = 0;
	bool bias = false;
	char *p;

	lockdep_assert_held(&rules_mutex);
	for (i = 0; i < t->nr; i++) {
		if (t->rules[i].cgid)
			size += sizeof(snap->rules[0]) + strlen(t->rules[i].path) + 1;
	}
	snap = kvmalloc(size, GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	p = (char *)snap + size;
	for (i = 0; i < t->nr; i++) {
		const struct rule *r = &t->rules[i];
		size_t len;

		if (!r->cgid)
			continue;
		len = strlen(r->path) + 1;
		p -= len;
		memcpy(p, r->path, len);
		snap->rules[n].cgid = r->cgid;
		snap->rules[n].policy = r->policy;
		snap->rules[n].kill = r->kill;
		snap->rules[n].bias = r->bias;
		snap->rules[n].path = p;
		bias |= r->bias != 0;
		n++;
	}
	snap->nr = n;
	sort(snap->rules, n, sizeof(snap->rules[0]), snap_rule_sort_cmp, NULL);

	old = rcu_replace_pointer(rule_snap, snap, lockdep_is_held(&rules_mutex));
	if (old)
		kvfree_rcu(old, rcu);
	/* oom_badness() is probed only while some active rule has a bias. */
	snap_has_bias = bias;
	oomctl_hooks_want_bias(bias);
	return 0;
}

static u64 resolve_path(const char *path)
{
	struct cgroup *cgrp = cgroup_get_from_path(path);
	u64 id;

	if (IS_ERR(cgrp))
		return 0;
	id = cgroup_id(cgrp);
	cgroup_put(cgrp);
	return id;
}

/* Re-resolve every path; republish if a binding changed or a retry is due. */
static void bind_rules(struct work_struct *work)
{
	static bool republish;
	unsigned int i;

	mutex_lock(&rules_mutex);
	for (i = 0; i < rule_table.nr; i++) {
		struct rule *r = &rule_table.rules[i];
		u64 id = resolve_path(r->path);

		if (id != r->cgid) {
			r->cgid = id;
			republish = true;
		}
	}
	/* On -ENOMEM the old snapshot stays and the next run tries again. */
	if (republish && !publish_snapshot(&rule_table))
		republish = false;
	else
		oomctl_hooks_want_bias(snap_has_bias);	/* a late detach */
	mutex_unlock(&rules_mutex);

	queue_delayed_work(bind_wq, &bind_work, OOMCTL_BIND_INTERVAL);
}

static void bind_now(void)
{
	mod_delayed_work(bind_wq, &bind_work, 0);
	flush_delayed_work(&bind_work);
}

/*
 * A cgroup appeared, went or was renamed: a rule may bind or unbind, so
 * run bind_work now rather than at its next tick.  The cgroup tracepoints
 * call this with trace_cgroup_path_lock held and IRQs off: it only queues
 * work.
 */
static void probe_cgroup_change(void *data, struct cgroup *cgrp, const char *path)
{
	/* Unlocked: a stale size only leaves the binding to the next tick. */
	if (data_race(rule_table.nr))
		mod_delayed_work(bind_wq, &bind_work, 0);
}

static const char * const cgroup_tp_names[] = {
	"cgroup_mkdir", "cgroup_rmdir", "cgroup_rename",
};

static struct tracepoint *cgroup_tps[ARRAY_SIZE(cgroup_tp_names)];
static unsigned int nr_watched;		/* cgroup_tps[] with our probe */

static void find_cgroup_tps(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cgroup_tp_names); i++) {
		if (!strcmp(tp->name, cgroup_tp_names[i]))
			cgroup_tps[i] = tp;
	}
}

static void unwatch_cgroups(void)
{
	while (nr_watched)
		tracepoint_probe_unregister(cgroup_tps[--nr_watched],
					    probe_cgroup_change, NULL);
	/* No CPU is inside probe_cgroup_change() after this. */
	tracepoint_synchronize_unregister();
}

static int watch_cgroups(void)
{
	int ret;

	/* A mismatch with this kernel's prototype fails the build here. */
	check_trace_callback_type_cgroup_mkdir(probe_cgroup_change);
	check_trace_callback_type_cgroup_rmdir(probe_cgroup_change);
	check_trace_callback_type_cgroup_rename(probe_cgroup_change);

	for_each_kernel_tracepoint(find_cgroup_tps, NULL);
	for (; nr_watched < ARRAY_SIZE(cgroup_tps); nr_watched++) {
		struct tracepoint *tp = cgroup_tps[nr_watched];

		ret = tp ? tracepoint_probe_register(tp, probe_cgroup_change, NULL)
			 : -ENOENT;
		if (ret) {
			pr_err("cannot attach to tracepoint %s: %pe\n",
			       cgroup_tp_names[nr_watched], ERR_PTR(ret));
			return ret;
		}
	}
	return 0;
}

/* ---- parsing writes (process context) ---- */

enum rule_key {
	KEY_POLICY,
	KEY_BIAS,
	KEY_KILL,
	NR_RULE_KEYS,
};

static const char * const rule_key_names[NR_RULE_KEYS] = {
	[KEY_POLICY] = "policy",
	[KEY_BIAS] = "bias",
	[KEY_KILL] = "kill",
};

struct rule_op {
	bool del;
	char *path;
	enum oomctl_policy policy;
	enum oomctl_kill kill;
	int bias;
};

/*
 * A path must be absolute and canonical: no empty, "." or ".."
 * components, no trailing '/', not the root itself (default_policy is
 * the root's rule), at most OOMCTL_PATH_MAX bytes, no ASCII control
 * characters (blanks, '#' and NUL cannot get here: they end the token).
 */
static int check_path(const char *path)
{
	const char *c = path;
	size_t len = strlen(path);

	if (path[0] != '/' || len < 2 || len > OOMCTL_PATH_MAX ||
	    path[len - 1] == '/')
		return -EINVAL;
	for (; *c; c++) {
		/* ASCII control bytes only: UTF-8 names stay valid. */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return -EINVAL;
	}
	for (c = path; *c;) {
		const char *next = strchrnul(c + 1, '/');
		size_t n = next - c - 1;

		if (n == 0 || (n == 1 && c[1] == '.') ||
		    (n == 2 && c[1] == '.' && c[2] == '.'))
			return -EINVAL;
		c = next;
	}
	return 0;
}

/*
 * Blanks separate tokens: ASCII white space only, not the kernel's
 * Latin-1 isspace(), which would split UTF-8 names at a 0xa0 byte.
 */
static bool is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static char *skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Split off the next blank-separated token; NULL at the end. */
static char *next_token(char **s)
{
	char *tok = skip_blanks(*s), *end;

	if (!*tok)
		return NULL;
	for (end = tok; *end && !is_blank(*end); end++)
		;
	if (*end)
		*end++ = '\0';
	*s = end;
	return tok;
}

static int parse_line(char *line, struct rule_op *op)
{
	bool seen[NR_RULE_KEYS] = { };
	char *tok, *val, *path;
	int key, ret;

	tok = next_token(&line);
	op->del = tok[0] == '-';
	path = op->del ? tok + 1 : tok;
	ret = check_path(path);
	if (ret)
		return ret;
	op->policy = OOMCTL_POLICY_KERNEL;
	op->kill = OOMCTL_KILL_QUIET;
	op->bias = 0;

	while ((tok = next_token(&line))) {
		if (op->del)
			return -EINVAL;
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		key = match_string(rule_key_names, NR_RULE_KEYS, tok);
		if (key < 0 || seen[key])
			return -EINVAL;
		seen[key] = true;
		switch (key) {
		case KEY_POLICY:
			ret = oomctl_parse_policy(val, &op->policy);
			if (ret)
				return ret;
			break;
		case KEY_BIAS:
			if (kstrtoint(val, 10, &op->bias) ||
			    op->bias < OOMCTL_BIAS_MIN || op->bias > OOMCTL_BIAS_MAX)
				return -EINVAL;
			break;
		case KEY_KILL:
			ret = oomctl_parse_kill(val, &op->kill);
			if (ret)
				return ret;
			break;
		}
	}
	/* How the victim dies alone: there is no such choice for a group. */
	if (seen[KEY_KILL] && op->policy != OOMCTL_POLICY_PROCESS)
		return -EINVAL;
	op->path = kstrdup(path, GFP_KERNEL);
	return op->path ? 0 : -ENOMEM;
}

static int find_rule(const struct rule_table *t, const char *path)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		if (!strcmp(t->rules[i].path, path))
			return i;
	}
	return -1;
}

static void free_table(struct rule_table *t)
{
	unsigned int i;

	if (!t->rules)
		return;
	for (i = 0; i < t->nr; i++)
		kfree(t->rules[i].path);
	kvfree(t->rules);
	t->rules = NULL;
	t->nr = 0;
}

/* Apply @ops to a deep copy of @cur; @cur is untouched either way. */
static int apply_ops(const struct rule_table *cur, struct rule_op *ops,
		     unsigned int nr_ops, struct rule_table *next)
{
	unsigned int i;
	int idx;

	next->rules = kvcalloc(oomctl_max_rules, sizeof(*next->rules), GFP_KERNEL);
	if (!next->rules)
		return -ENOMEM;
	for (next->nr = 0; next->nr < cur->nr; next->nr++) {
		struct rule *r = &next->rules[next->nr];

		*r = cur->rules[next->nr];
		r->path = kstrdup(r->path, GFP_KERNEL);
		if (!r->path)
			return -ENOMEM;
	}

	for (i = 0; i < nr_ops; i++) {
		struct rule_op *op = &ops[i];

		idx = find_rule(next, op->path);
		if (op->del) {
			if (idx < 0)
				return -ENOENT;
			kfree(next->rules[idx].path);
			memmove(&next->rules[idx], &next->rules[idx + 1],
				(next->nr - idx - 1) * sizeof(next->rules[0]));
			next->nr--;
		} else if (idx >= 0) {
			next->rules[idx].policy = op->policy;
			next->rules[idx].kill = op->kill;
			next->rules[idx].bias = op->bias;
		} else {
			if (next->nr == oomctl_max_rules)
				return -ENOSPC;
			next->rules[next->nr++] = (struct rule) {
				.path = op->path,
				.policy = op->policy,
				.kill = op->kill,
				.bias = op->bias,
			};
			op->path = NULL;	/* now owned by @next */
		}
	}
	return 0;
}

/**
 * oomctl_rules_write - add, replace or delete rules
 * @buf: one or more lines in the grammar above; need not be NUL-terminated
 * @len: bytes in @buf
 *
 * All lines are applied or none: on any error the table is unchanged.
 *
 * Return: 0; -EINVAL for a malformed line (bad path, unknown key or
 * policy, bias outside -1000..1000, duplicate key, a NUL or control
 * character); -ENOENT for deleting a rule that does not exist; -ENOSPC
 * when the table would exceed max_rules; -E2BIG for a write of a page or
 * more (sysfs would split it); -ENOMEM.
 */
int oomctl_rules_write(const char *buf, size_t len)
{
	struct rule_table next = { };
	struct rule_op *ops = NULL;
	unsigned int nr_ops = 0, i;
	char *text, *s, *line;
	int ret;

	if (len >= PAGE_SIZE)
		return -E2BIG;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	text = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	/* One op per line at most. */
	ops = kcalloc(len / 2 + 1, sizeof(*ops), GFP_KERNEL);
	if (!ops) {
		ret = -ENOMEM;
		goto out;
	}

	s = text;
	while ((line = strsep(&s, "\n"))) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (!*skip_blanks(line))
			continue;
		ret = parse_line(line, &ops[nr_ops]);
		if (ret)
			goto out;
		nr_ops++;
	}

	mutex_lock(&rules_mutex);
	ret = apply_ops(&rule_table, ops, nr_ops, &next);
	if (!ret)
		ret = publish_snapshot(&next);
	if (!ret)
		swap(rule_table, next);
	mutex_unlock(&rules_mutex);
	free_table(&next);
	if (!ret)
		bind_now();
out:
	for (i = 0; ops && i <= nr_ops; i++)
		kfree(ops[i].path);
	kfree(ops);
	kfree(text);
	return ret;
}

/**
 * oomctl_rules_render - the table as text, as the rules file shows it
 * @len: set to the text's length
 *
 * Context: process; takes rules_mutex.
 * Return: the text (kvfree() it), or NULL when out of memory.
 */
char *oomctl_rules_render(size_t *len)
{
	size_t size = 1;
	unsigned int i;
	char *text;

	mutex_lock(&rules_mutex);
	for (i = 0; i < rule_table.nr; i++)
		size += strlen(rule_table.rules[i].path) + 80;
	text = kvmalloc(size, GFP_KERNEL);
	if (text) {
		*len = 0;
		for (i = 0; i < rule_table.nr; i++) {
			const struct rule *r = &rule_table.rules[i];

			*len += scnprintf(text + *len, size - *len,
					  "%s policy=%s bias=%d", r->path,
					  oomctl_policy_name(r->policy), r->bias);
			if (r->policy == OOMCTL_POLICY_PROCESS)
				*len += scnprintf(text + *len, size - *len, " kill=%s",
						  oomctl_kill_name(r->kill));
			*len += scnprintf(text + *len, size - *len, " # %s\n",
					  r->cgid ? "active" : "inactive");
		}
	}
	mutex_unlock(&rules_mutex);
	return text;
}

/**
 * oomctl_rules_init - set up the table, with the rules= parameter's rules
 * @initial: rules separated by ';' (or newlines), or NULL
 *
 * Return: 0, or the error oomctl_rules_write() gave for @initial.
 */
int oomctl_rules_init(const char *initial)
{
	int ret;

	rule_table.rules = kvcalloc(oomctl_max_rules, sizeof(*rule_table.rules),
				    GFP_KERNEL);
	if (!rule_table.rules)
		return -ENOMEM;
	bind_wq = alloc_workqueue("oomctl_bind", 0, 0);
	if (!bind_wq) {
		ret = -ENOMEM;
		goto err;
	}
	queue_delayed_work(bind_wq, &bind_work, OOMCTL_BIND_INTERVAL);
	ret = watch_cgroups();
	if (ret)
		goto err;
	if (initial && *initial) {
		char *text = kstrdup(initial, GFP_KERNEL);

		if (!text) {
			ret = -ENOMEM;
			goto err;
		}
		strreplace(text, ';', '\n');
		ret = oomctl_rules_write(text, strlen(text));
		kfree(text);
		if (ret) {
			pr_err("rules=\"%s\" refused (%pe), module not loaded\n",
			       initial, ERR_PTR(ret));
			goto err;
		}
	}
	return 0;
err:
	oomctl_rules_exit();
	return ret;
}

/*
 * Called after the hooks are gone: nothing reads the snapshot any more
 * once the RCU readers that might still be running are done.
 */
void oomctl_rules_exit(void)
{
	struct rule_snap *snap;

	unwatch_cgroups();
	if (bind_wq) {
		cancel_delayed_work_sync(&bind_work);
		destroy_workqueue(bind_wq);
		bind_wq = NULL;
	}
	snap = rcu_replace_pointer(rule_snap, NULL, true);
	synchronize_rcu();
	kvfree(snap);
	free_table(&rule_table);
}
