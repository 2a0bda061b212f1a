// SPDX-License-Identifier: GPL-2.0
/*
 * The rule table: which policy applies under which cgroup.
 *
 * A rule names a cgroup v2 path and a policy.  It applies to that cgroup
 * and to every descendant; the nearest rule above a task wins.  The
 * grammar, one rule a line, in the style of io.max:
 *
 *	<path> policy=<kernel|process|group|subtree> bias=<-1000..1000>
 *	       [kill=<quiet|kernel>] [early_high_ms=<0..600000>]
 *						add or replace
 *	-<path>					delete
 *
 * Keys left out take their defaults (policy=kernel bias=0, kill=quiet);
 * kill= goes with policy=process only (quiet.c).  early_high_ms=T (0:
 * none) has the early kill (early.c) kill under the rule's cgroup when its
 * memory.high has been breached for T ms.  Anything after '#' is a
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
 * (process context, in the initial cgroup namespace), and only where a
 * binding can have changed:
 *
 *  - after a write of the table, the rules it added (the others keep
 *    their bindings, and the probes below keep them current);
 *  - when a cgroup is created (the cgroup_mkdir tracepoint), the rules
 *    whose path is the new cgroup's: they bind to it, no path is walked;
 *  - when a cgroup is removed (cgroup_rmdir), the rules bound to it: they
 *    become inactive.
 *
 * cgroup v2 refuses rename(2), so no other change moves a path.
 *
 * The tracepoint probes run for every cgroup change on the system,
 * delegated subtrees and cgroup v1 hierarchies included (those are
 * ignored), in atomic context: each looks the change up in the published
 * snapshot (a hash of every rule's path, sorted, for mkdir; the bound ids
 * for rmdir) and queues it for bind_work only if a rule may be concerned.
 * A change that concerns no rule costs a hash and a binary search, and
 * wakes nothing.  There is no periodic re-resolution: bind_work runs
 * again by itself only to retry a snapshot it could not allocate, to let
 * the oom_badness() probe go a second after the last biased rule
 * (hooks.c), and once, a second after a write, to resolve the rules it
 * added again.  The snapshot naming a new rule's path is published before
 * the path is resolved, so a cgroup created or removed meanwhile is seen
 * either by a probe or by the resolution, but for two windows of
 * microseconds that the second look closes: a cgroup whose mkdir
 * tracepoint fired before the publication and whose kernfs node was
 * activated (made findable) only after the resolution, and a cgroup
 * removed as the rule was bound to it, whose rmdir probe read the
 * snapshot before the binding was published.  If more changes arrive
 * than bind_work has room for (CHANGES_MAX) before it runs, it
 * re-resolves every rule once.
 *
 * The bias of a task's cgroup is asked for each task an OOM scans
 * (oom_badness(), through oomctl_rules_bias()): mostly the same few
 * cgroups, many times.  Each CPU keeps the last answers in a small cache
 * (bias_cache), keyed by the cgroup's id and the snapshot's generation, so
 * that a task whose cgroup was asked about before costs a hash and two
 * compares instead of the walk up its cgroup's ancestors with a binary
 * search at each level.  An answer depends only on the snapshot and on
 * the cgroup's ancestors, which never change (cgroup v2 moves no
 * cgroup); a new snapshot has a new generation, and a cgroup id is never
 * reused, so a stale answer is never taken.
 *
 * A rule therefore binds moments after its cgroup is (re)created, as
 * systemd does with slices, though not synchronously: an OOM in a cgroup
 * created a few milliseconds earlier may still follow the rule above it.
 * A removed cgroup's id is never reused, so a rule whose cgroup is gone
 * matches nothing even before bind_work notices.
 */
#include <linux/bsearch.h>
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/kernfs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
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
/* Retry of a failed publication; the oom_badness() probe's late detach. */
#define OOMCTL_BIND_RETRY	(HZ + HZ / 10)
/* Cgroup changes queued for bind_work; more make it re-resolve every rule. */
#define CHANGES_MAX		64

/* Load-time parameter (main.c); fixed while the module is loaded. */
unsigned int oomctl_max_rules = 256;

struct rule {
	char *path;
	u32 hash;			/* path_hash(path) */
	u64 cgid;			/* 0: no such cgroup (inactive) */
	u8 looks;			/* resolutions still due after the add */
	enum oomctl_policy policy;
	enum oomctl_kill kill;
	int bias;
	unsigned int early_high_ms;
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
	unsigned int early_high_ms;
	const char *path;		/* points into the same allocation */
};

/*
 * rules[] holds the bound rules, sorted by cgroup id (for the OOM path and
 * the rmdir probe); hashes[] the path_hash() of every rule, bound or not,
 * sorted (for the mkdir probe).
 */
struct rule_snap {
	struct rcu_head rcu;
	u64 gen;			/* snap_gen when published: 1, 2, ... */
	bool has_bias;			/* some rule has a bias */
	unsigned int nr;
	unsigned int nr_hashes;
	u32 *hashes;			/* points into the same allocation */
	struct snap_rule rules[];
};

/* A cgroup change a probe queued for bind_work. */
enum change_kind {
	CHANGE_MKDIR,
	CHANGE_RMDIR,
};

struct cgroup_change {
	enum change_kind kind;
	u64 cgid;
	struct cgroup *cgrp;		/* CHANGE_MKDIR: a reference */
};

static DEFINE_MUTEX(rules_mutex);
static struct rule_table rule_table;		/* rules_mutex */
static struct rule_snap __rcu *rule_snap;	/* written under rules_mutex */
static bool snap_has_bias;			/* rules_mutex */
static u64 snap_gen;				/* rules_mutex */
static bool bind_added;				/* rules_mutex; set by writes */
static bool bind_republish;			/* rules_mutex; a retry is due */
/* jiffies when the oom_badness() probe may go (hooks.c); 0: not due. */
static unsigned long bind_detach_at;		/* rules_mutex */
/* jiffies of the second look at added rules (rule.looks 1); 0: not due. */
static unsigned long bind_recheck_at;		/* rules_mutex */

/*
 * changes_lock protects changes[], nr_changes and changes_lost; taken
 * from the cgroup tracepoints (IRQs off) and from bind_work.
 */
static DEFINE_SPINLOCK(changes_lock);
static struct cgroup_change changes[CHANGES_MAX];	/* changes_lock */
static unsigned int nr_changes;				/* changes_lock */
static bool changes_lost;	/* changes_lock: re-resolve every rule */

static struct workqueue_struct *bind_wq;
static void bind_rules(struct work_struct *work);
static DECLARE_DELAYED_WORK(bind_work, bind_rules);

/*
 * A CPU's last answers of oomctl_rules_bias(): BIAS_CACHE_SIZE entries,
 * direct-mapped by cgroup id.  An entry is valid for the snapshot whose
 * generation it holds (0: none, never published).  Each CPU's entries
 * are read and written only by that CPU with preemption off, by one
 * oom_badness() probe at a time (the probe does not nest, and no
 * interrupt scores tasks): no lock.  Allocated before the first snapshot
 * is published, freed after the last reader is gone.
 */
#define BIAS_CACHE_BITS		6
#define BIAS_CACHE_SIZE		BIT(BIAS_CACHE_BITS)

struct bias_cache_entry {
	u64 gen;
	u64 cgid;
	int bias;
};

struct bias_cache {
	struct bias_cache_entry e[BIAS_CACHE_SIZE];
};

static struct bias_cache __percpu *bias_cache;

/* ---- lookup, from the OOM path (atomic context, under RCU) ---- */

static int snap_rule_cmp(const void *key, const void *elt)
{
	u64 id = *(const u64 *)key;
	const struct snap_rule *r = elt;

	if (id < r->cgid)
		return -1;
	return id > r->cgid;
}

/*
 * The rule bound to cgroup @id in @snap, or NULL: bsearch() without its
 * indirect call to a comparison function, for the OOM path's hot loop.
 */
static const struct snap_rule *snap_find(const struct rule_snap *snap, u64 id)
{
	unsigned int lo = 0, hi = snap->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (id < snap->rules[mid].cgid)
			hi = mid;
		else if (id > snap->rules[mid].cgid)
			lo = mid + 1;
		else
			return &snap->rules[mid];
	}
	return NULL;
}

/* The rule nearest above @cgrp in @snap, and where it is; NULL if none. */
static const struct snap_rule *snap_nearest(const struct rule_snap *snap,
					    struct cgroup **cgrp)
{
	const struct snap_rule *r;

	for (; *cgrp; *cgrp = cgroup_parent(*cgrp)) {
		r = snap_find(snap, cgroup_id(*cgrp));
		if (r)
			return r;
	}
	return NULL;
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

	if (!snap || !snap->nr)
		return false;
	r = snap_nearest(snap, &cgrp);
	if (!r)
		return false;
	match->cgrp = cgrp;
	match->policy = r->policy;
	match->kill = r->kill;
	match->bias = r->bias;
	match->path = r->path;
	return true;
}

/**
 * oomctl_rules_bias - the bias of the rule nearest above a cgroup
 * @cgrp: the cgroup of a task being scored
 *
 * What oomctl_rules_lookup() would find for @cgrp's bias, from this CPU's
 * cache when it was asked before since the last change of the rules (see
 * bias_cache).  Takes no lock and does not sleep.  The caller holds
 * rcu_read_lock().
 *
 * Return: the bias, 0 if no rule or a rule without one covers @cgrp.
 */
int oomctl_rules_bias(struct cgroup *cgrp)
{
	struct rule_snap *snap = rcu_dereference(rule_snap);
	struct bias_cache_entry *e;
	const struct snap_rule *r;
	u64 id;
	int bias;

	if (!snap || !snap->has_bias)
		return 0;
	id = cgroup_id(cgrp);
	e = &get_cpu_ptr(bias_cache)->e[hash_64(id, BIAS_CACHE_BITS)];
	if (e->gen == snap->gen && e->cgid == id) {
		bias = e->bias;
	} else {
		r = snap_nearest(snap, &cgrp);
		bias = r ? r->bias : 0;
		e->gen = snap->gen;
		e->cgid = id;
		e->bias = bias;
	}
	put_cpu_ptr(bias_cache);
	return bias;
}

/**
 * oomctl_rules_early - the bound rules with early_high_ms
 * @out: filled with their cgroup ids and early_high_ms
 * @max: room in @out; rules beyond it are left out
 *
 * Context: any; takes no lock but the RCU read lock.
 * Return: the number of entries filled in.
 */
unsigned int oomctl_rules_early(struct oomctl_early_rule *out, unsigned int max)
{
	const struct rule_snap *snap;
	unsigned int i, n = 0;

	rcu_read_lock();
	snap = rcu_dereference(rule_snap);
	for (i = 0; snap && i < snap->nr && n < max; i++) {
		if (snap->rules[i].early_high_ms)
			out[n++] = (struct oomctl_early_rule) {
				.cgid = snap->rules[i].cgid,
				.high_ms = snap->rules[i].early_high_ms,
			};
	}
	rcu_read_unlock();
	return n;
}

/* ---- snapshot and binding (process context, rules_mutex held) ---- */

static u32 path_hash(const char *path, size_t len)
{
	return jhash(path, len, 0);
}

static int snap_rule_sort_cmp(const void *a, const void *b)
{
	return snap_rule_cmp(&((const struct snap_rule *)a)->cgid, b);
}

static int hash_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	if (x < y)
		return -1;
	return x > y;
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
	size += t->nr * sizeof(u32);
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
		snap->rules[n].early_high_ms = r->early_high_ms;
		snap->rules[n].path = p;
		bias |= r->bias != 0;
		n++;
	}
	snap->nr = n;
	snap->gen = ++snap_gen;
	snap->has_bias = bias;
	sort(snap->rules, n, sizeof(snap->rules[0]), snap_rule_sort_cmp, NULL);
	snap->hashes = (u32 *)&snap->rules[n];
	snap->nr_hashes = t->nr;
	for (i = 0; i < t->nr; i++)
		snap->hashes[i] = t->rules[i].hash;
	sort(snap->hashes, t->nr, sizeof(u32), hash_cmp, NULL);

	old = rcu_replace_pointer(rule_snap, snap, lockdep_is_held(&rules_mutex));
	if (old)
		kvfree_rcu(old, rcu);
	/* oom_badness() is probed only while some active rule has a bias. */
	if (snap_has_bias && !bias)
		bind_detach_at = (jiffies + OOMCTL_BIND_RETRY) | 1;
	snap_has_bias = bias;
	oomctl_badness_want(bias);
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

/* Bind @r to the cgroup its path names now; true if that changed. */
static bool rebind(struct rule *r)
{
	u64 id = resolve_path(r->path);

	if (id == r->cgid)
		return false;
	r->cgid = id;
	return true;
}

/* Scratch space for a cgroup's path in bind_work: rules_mutex. */
static char bind_path[OOMCTL_PATH_MAX + 2];

/* @cgrp's path in bind_path; false if it cannot name a rule's cgroup. */
static bool get_bind_path(struct cgroup *cgrp)
{
	int len = kernfs_path_from_node(cgrp->kn, NULL, bind_path,
					sizeof(bind_path));

	return len > 0 && len <= OOMCTL_PATH_MAX;
}

/*
 * A cgroup was created: bind the rules that name it.  The probe holds a
 * reference for us: the cgroup_mkdir tracepoint fires before the new
 * cgroup can be looked up by id or by path (kernfs_activate() follows it).
 */
static bool bind_created(struct cgroup *cgrp)
{
	u64 cgid = cgroup_id(cgrp);
	bool changed = false;
	unsigned int i;
	u32 hash;

	/* Removed meanwhile: its rmdir follows, or it is bound to nothing. */
	if (css_is_dying(&cgrp->self) || !get_bind_path(cgrp))
		return false;
	hash = path_hash(bind_path, strlen(bind_path));
	for (i = 0; i < rule_table.nr; i++) {
		struct rule *r = &rule_table.rules[i];

		if (r->hash == hash && r->cgid != cgid &&
		    !strcmp(r->path, bind_path)) {
			r->cgid = cgid;
			changed = true;
		}
	}
	return changed;
}

/* A cgroup was removed: the rules bound to it become inactive. */
static bool unbind_removed(u64 cgid)
{
	bool changed = false;
	unsigned int i;

	for (i = 0; i < rule_table.nr; i++) {
		if (rule_table.rules[i].cgid == cgid) {
			rule_table.rules[i].cgid = 0;
			changed = true;
		}
	}
	return changed;
}

/* The earlier of two deadlines in jiffies, 0 meaning none. */
static unsigned long earliest(unsigned long a, unsigned long b)
{
	if (!a || (b && time_before(b, a)))
		return b;
	return a;
}

/*
 * Re-resolve what the queued cgroup changes and writes may have changed;
 * republish if a binding changed or a retry is due.
 */
static void bind_rules(struct work_struct *work)
{
	static struct cgroup_change todo[CHANGES_MAX];	/* bind_work only */
	unsigned int i, nr;
	unsigned long flags, next;
	bool all, added, recheck, again = false;

	spin_lock_irqsave(&changes_lock, flags);
	nr = nr_changes;
	memcpy(todo, changes, nr * sizeof(todo[0]));
	nr_changes = 0;
	all = changes_lost;
	changes_lost = false;
	spin_unlock_irqrestore(&changes_lock, flags);

	mutex_lock(&rules_mutex);
	added = bind_added;
	bind_added = false;
	recheck = bind_recheck_at && time_after_eq(jiffies, bind_recheck_at);
	if (recheck)
		bind_recheck_at = 0;
	for (i = 0; i < rule_table.nr && (all || added || recheck); i++) {
		struct rule *r = &rule_table.rules[i];

		if (all) {
			bind_republish |= rebind(r);
		} else if (r->looks == 2 && added) {
			/* A rule a mkdir bound meanwhile stays bound. */
			if (!r->cgid)
				bind_republish |= rebind(r);
			r->looks--;
		} else if (r->looks == 1 && recheck) {
			/* Also a cgroup removed as the rule was bound to it. */
			bind_republish |= rebind(r);
			r->looks--;
		}
		/* A cgroup being created as we look is not found yet. */
		again |= r->looks == 1;
	}
	if (again && !bind_recheck_at)
		bind_recheck_at = (jiffies + OOMCTL_BIND_RETRY) | 1;
	for (i = 0; i < nr; i++) {
		switch (todo[i].kind) {
		case CHANGE_MKDIR:
			if (!all)
				bind_republish |= bind_created(todo[i].cgrp);
			cgroup_put(todo[i].cgrp);
			break;
		case CHANGE_RMDIR:
			if (!all)
				bind_republish |= unbind_removed(todo[i].cgid);
			break;
		}
	}
	/* On -ENOMEM the old snapshot stays and a later run tries again. */
	if (bind_republish && !publish_snapshot(&rule_table))
		bind_republish = false;
	if (bind_detach_at && time_after_eq(jiffies, bind_detach_at)) {
		bind_detach_at = 0;
		oomctl_badness_want(snap_has_bias);	/* a late detach */
	}
	next = bind_republish ? jiffies + OOMCTL_BIND_RETRY : 0;
	next = earliest(next, bind_detach_at);
	next = earliest(next, bind_recheck_at);
	if (next)
		queue_delayed_work(bind_wq, &bind_work,
				   max_t(long, 1, (long)(next - jiffies)));
	mutex_unlock(&rules_mutex);
}

/* Resolve the rules a write added now, and wait for it. */
static void bind_now(void)
{
	mutex_lock(&rules_mutex);
	bind_added = true;
	mutex_unlock(&rules_mutex);
	mod_delayed_work(bind_wq, &bind_work, 0);
	flush_delayed_work(&bind_work);
}

/*
 * The cgroup tracepoints call these for every cgroup change on the
 * system, with trace_cgroup_path_lock held and IRQs off: they look the
 * change up in the snapshot and queue it for bind_work only if a rule may
 * be concerned.
 */
static void queue_change(enum change_kind kind, struct cgroup *cgrp)
{
	unsigned long flags;

	spin_lock_irqsave(&changes_lock, flags);
	if (nr_changes < CHANGES_MAX) {
		changes[nr_changes++] = (struct cgroup_change) {
			.kind = kind, .cgid = cgroup_id(cgrp),
			.cgrp = kind == CHANGE_MKDIR ? cgrp : NULL,
		};
		if (kind == CHANGE_MKDIR)
			cgroup_get(cgrp);
	} else {
		changes_lost = true;
	}
	spin_unlock_irqrestore(&changes_lock, flags);
	mod_delayed_work(bind_wq, &bind_work, 0);
}

/* A cgroup at @path appeared: does a rule, bound or not, name that path? */
static void probe_cgroup_mkdir(void *data, struct cgroup *cgrp, const char *path)
{
	struct rule_snap *snap;
	bool found;
	u32 hash;

	if (cgrp->root != &cgrp_dfl_root)
		return;
	hash = path_hash(path, strlen(path));
	rcu_read_lock();
	snap = rcu_dereference(rule_snap);
	found = snap && bsearch(&hash, snap->hashes, snap->nr_hashes,
				sizeof(hash), hash_cmp);
	rcu_read_unlock();
	if (found)
		queue_change(CHANGE_MKDIR, cgrp);
}

/* A cgroup went: is a rule bound to it? */
static void probe_cgroup_rmdir(void *data, struct cgroup *cgrp, const char *path)
{
	struct rule_snap *snap;
	bool found;
	u64 id;

	if (cgrp->root != &cgrp_dfl_root)
		return;
	id = cgroup_id(cgrp);
	rcu_read_lock();
	snap = rcu_dereference(rule_snap);
	found = snap && snap_find(snap, id);
	rcu_read_unlock();
	if (found)
		queue_change(CHANGE_RMDIR, cgrp);
}

static const char * const cgroup_tp_names[] = {
	"cgroup_mkdir", "cgroup_rmdir",
};

static void (* const cgroup_tp_probes[])(void *, struct cgroup *, const char *) = {
	probe_cgroup_mkdir, probe_cgroup_rmdir,
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
	while (nr_watched) {
		nr_watched--;
		tracepoint_probe_unregister(cgroup_tps[nr_watched],
					    cgroup_tp_probes[nr_watched], NULL);
	}
	/* No CPU is inside a probe after this. */
	tracepoint_synchronize_unregister();
}

static int watch_cgroups(void)
{
	int ret;

	/* A mismatch with this kernel's prototype fails the build here. */
	check_trace_callback_type_cgroup_mkdir(probe_cgroup_mkdir);
	check_trace_callback_type_cgroup_rmdir(probe_cgroup_rmdir);

	for_each_kernel_tracepoint(find_cgroup_tps, NULL);
	for (; nr_watched < ARRAY_SIZE(cgroup_tps); nr_watched++) {
		struct tracepoint *tp = cgroup_tps[nr_watched];

		ret = tp ? tracepoint_probe_register(tp, cgroup_tp_probes[nr_watched],
						     NULL)
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
	KEY_EARLY_HIGH_MS,
	NR_RULE_KEYS,
};

static const char * const rule_key_names[NR_RULE_KEYS] = {
	[KEY_POLICY] = "policy",
	[KEY_BIAS] = "bias",
	[KEY_KILL] = "kill",
	[KEY_EARLY_HIGH_MS] = "early_high_ms",
};

/* The longest early_high_ms=, in ms: ten minutes. */
#define EARLY_HIGH_MS_MAX	600000

struct rule_op {
	bool del;
	char *path;
	enum oomctl_policy policy;
	enum oomctl_kill kill;
	int bias;
	unsigned int early_high_ms;
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
	op->early_high_ms = 0;

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
		case KEY_EARLY_HIGH_MS:
			if (kstrtouint(val, 10, &op->early_high_ms) ||
			    op->early_high_ms > EARLY_HIGH_MS_MAX)
				return -EINVAL;
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
			next->rules[idx].early_high_ms = op->early_high_ms;
		} else {
			if (next->nr == oomctl_max_rules)
				return -ENOSPC;
			next->rules[next->nr++] = (struct rule) {
				.path = op->path,
				.hash = path_hash(op->path, strlen(op->path)),
				.looks = 2,
				.policy = op->policy,
				.kill = op->kill,
				.bias = op->bias,
				.early_high_ms = op->early_high_ms,
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
		size += strlen(rule_table.rules[i].path) + 104;
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
			if (r->early_high_ms)
				*len += scnprintf(text + *len, size - *len,
						  " early_high_ms=%u", r->early_high_ms);
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
	bias_cache = alloc_percpu(struct bias_cache);
	if (!rule_table.rules || !bias_cache) {
		ret = -ENOMEM;
		goto err;
	}
	bind_wq = alloc_workqueue("oomctl_bind", OOMCTL_WQ_PERCPU, 0);
	if (!bind_wq) {
		ret = -ENOMEM;
		goto err;
	}
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
	/* No probe and no bind_work runs now: drop what they left. */
	while (nr_changes) {
		struct cgroup_change *c = &changes[--nr_changes];

		if (c->kind == CHANGE_MKDIR)
			cgroup_put(c->cgrp);
	}
	snap = rcu_replace_pointer(rule_snap, NULL, true);
	synchronize_rcu();
	kvfree(snap);
	free_table(&rule_table);
	free_percpu(bias_cache);
	bias_cache = NULL;
}
