// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl's hook on oom_badness(), the kernel's victim-selection score
 * (also behind /proc/<pid>/oom_score): the matching rule's bias is added
 * to it, as far as the task's oom_score_adj plus the bias stays within
 * -1000..1000.
 *
 * oom_badness() runs once for every task an OOM considers, so this is the
 * one hook whose cost grows with the number of tasks.  It is attached only
 * while an active rule has a bias (oomctl_badness_want(), from the rule
 * table), and it leaves alone the score of a task without one, or whose
 * oom_score_adj is already at the end of the range the bias points to.
 * Three ways to hook it, cheapest first (bias_hook=auto takes the first
 * that attaches; the parameter can force one):
 *
 * - an ftrace redirect of the biased calls to badness_biased(), no probe
 *   at all (OOMCTL_HAVE_FTRACE_IPMODIFY; not with IBT enabled);
 * - an fprobe, entry and exit handlers on ftrace (OOMCTL_HAVE_FPROBE_REGS);
 * - a kretprobe, everywhere.
 *
 * The handlers run wherever oom_badness() does: in the OOM killer (atomic,
 * under RCU, oom_lock held) and in /proc/<pid>/oom_score reads.  They do
 * not sleep or allocate.
 */
#include <linux/cpumask.h>
#include <linux/fprobe.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/trace_recursion.h>
#include <asm/cpufeature.h>

#include "conftest.h"
#include "oomctl.h"

/*
 * oom_badness(p, totalpages): the bias for p (clamped against its
 * oom_score_adj, read here) and totalpages, saved at entry.
 */
struct badness_call {
	int bias;
	unsigned long totalpages;
};

/* The bias oom_badness()'s score of @p gets, read at its entry; 0: none. */
static int badness_bias(struct task_struct *p)
{
	return oomctl_is_enabled() ? oomctl_bias_of(p) : 0;
}

/* At oom_badness()'s entry: false if its return needs nothing. */
static bool badness_enter(struct badness_call *call, struct pt_regs *regs)
{
	call->bias = badness_bias((struct task_struct *)regs_get_kernel_argument(regs, 0));
	if (!call->bias)
		return false;
	call->totalpages = regs_get_kernel_argument(regs, 1);
	return true;
}

/* At its return: the biased score replaces the kernel's. */
static void badness_leave(const struct badness_call *call, struct pt_regs *regs)
{
	long points = regs_return_value(regs);

	points = oomctl_bias_badness(points, call->bias, call->totalpages);
	regs_set_return_value(regs, points);
}

static int badness_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/* Non-zero: no return handler for this call. */
	return !badness_enter((void *)ri->data, regs);
}

static int badness_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	badness_leave((void *)ri->data, regs);
	return 0;
}

static struct kretprobe badness_krp = {
	.kp.symbol_name = "oom_badness",
	.entry_handler = badness_entry,
	.handler = badness_return,
	.data_size = sizeof(struct badness_call),
	/* /proc/<pid>/oom_score readers run concurrently; set at attach. */
};

#ifdef OOMCTL_HAVE_FPROBE_REGS
/*
 * Where the kernel has fprobe (conftest/fprobe_regs.c), oom_badness() is
 * probed with it rather than with the kretprobe: the same handlers and the
 * same return trampoline (rethook), but entered from the function's ftrace
 * call site straight, without the kprobe layer on top of ftrace
 * (kprobe_ftrace_handler(), the per-CPU current kprobe, the kretprobe's
 * pre-handler).  bench_decision measures each.  FTRACE_OPS_FL_PERMANENT, as
 * kprobes' own ftrace_ops has: registering fails while ftrace is disabled
 * (sysctl kernel.ftrace_enabled=0), where the probe would silently never
 * run, and ftrace cannot be disabled while it is attached.  If fprobe
 * cannot attach, the kretprobe is tried.
 */
static int badness_fentry(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
			  struct pt_regs *regs, void *data)
{
	/* Non-zero: no exit handler for this call. */
	return !badness_enter(data, regs);
}

static void badness_fexit(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
			  struct pt_regs *regs, void *data)
{
	badness_leave(data, regs);
}

static struct fprobe badness_fp = {
	.ops.flags = FTRACE_OPS_FL_PERMANENT,
	.entry_handler = badness_fentry,
	.exit_handler = badness_fexit,
	.entry_data_size = sizeof(struct badness_call),
};

static const bool badness_fprobe_built = true;

static int badness_attach_fprobe(void)
{
	/* register_fprobe_syms() sorts the array it is given: one here. */
	const char *sym = badness_krp.kp.symbol_name;
	int ret;

	badness_fp.nr_maxactive = max_t(int, 16, 4 * num_possible_cpus());
	ret = register_fprobe_syms(&badness_fp, &sym, 1);
	if (ret)
		pr_warn("cannot fprobe %s: %d\n", sym, ret);
	return ret;
}

static void badness_detach_fprobe(void)
{
	unregister_fprobe(&badness_fp);
	if (badness_fp.nmissed)
		pr_warn("missed calls: %s %lu\n", badness_krp.kp.symbol_name,
			badness_fp.nmissed);
}

static unsigned long badness_fprobe_nmissed(void)
{
	/* Read without a lock, as hooks_nmissed() reads the others. */
	return data_race(badness_fp.nmissed);
}
#else
static const bool badness_fprobe_built;

static int badness_attach_fprobe(void)
{
	return -EOPNOTSUPP;
}

static void badness_detach_fprobe(void)
{
}

static unsigned long badness_fprobe_nmissed(void)
{
	return 0;
}
#endif

#ifdef OOMCTL_HAVE_FTRACE_IPMODIFY
/*
 * Cheaper still where the kernel lets an ftrace_ops change where a traced
 * call goes (FTRACE_OPS_FL_IPMODIFY with ftrace_regs, as livepatch uses
 * it; conftest/ftrace_ipmodify.c): no probe at all.  badness_redirect(),
 * a plain ftrace_ops handler on oom_badness()'s call site, looks the
 * task's bias up and, if it has one, sends the call on to
 * badness_biased(), which calls oom_badness() itself and adds the bias to
 * what it returns.  It calls the function's body, just past its ftrace
 * call site (the address ftrace gives the handler), as the kernel's BPF
 * trampolines call the function they hook: so that call is not traced,
 * not redirected again, and not seen twice by other tracers.  A task
 * without a bias costs a trip through ftrace's trampoline, which saves
 * only the argument registers, and the lookup; one with a bias also an
 * indirect call, but no probe instance and no return trampoline.
 *
 * With IBT enabled, the body is not where an indirect call may land, and
 * with kCFI the call would fail its type check: there the redirect is not
 * used.
 * IPMODIFY is exclusive: while livepatch, BPF or another module holds
 * oom_badness() that way, registering fails with -EBUSY and fprobe, then
 * the kretprobe, is tried.  Unregistering waits until no task is on the
 * trampoline or in badness_biased(): ftrace_shutdown() does a
 * synchronize_rcu_tasks() for a module's ftrace_ops, and badness_biased()
 * never sleeps.  FTRACE_OPS_FL_PERMANENT as for the fprobe.
 */
#ifdef OOMCTL_HAVE_FTRACE_REGS_GET_ARGUMENT	/* 6.12 on */
#define badness_fregs_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#define badness_fregs_set_ip(fregs, ip)	ftrace_regs_set_instruction_pointer(fregs, ip)
#else						/* 6.1 */
#define badness_fregs_arg(fregs, n)	regs_get_kernel_argument(&(fregs)->regs, n)
#define badness_fregs_set_ip(fregs, ip)	ftrace_instruction_pointer_set(fregs, ip)
#endif

typedef long (*badness_fn)(struct task_struct *p, unsigned long totalpages);

/*
 * oom_badness()'s body, just past its ftrace call site; set by the handler
 * before it redirects a call, and never moves.
 */
static unsigned long badness_body;
/* Calls badness_redirect() could not look at (recursion): the kernel's score. */
static atomic_long_t badness_redirect_nmissed;

static long badness_biased(struct task_struct *p, unsigned long totalpages)
{
	int bias = badness_bias(p);
	long points = ((badness_fn)READ_ONCE(badness_body))(p, totalpages);

	return bias ? oomctl_bias_badness(points, bias, totalpages) : points;
}

static notrace void badness_redirect(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *ops,
				     struct ftrace_regs *fregs)
{
	struct task_struct *p;
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0) {
		atomic_long_inc(&badness_redirect_nmissed);
		return;
	}
	p = (struct task_struct *)badness_fregs_arg(fregs, 0);
	if (badness_bias(p)) {
		if (READ_ONCE(badness_body) != ip + MCOUNT_INSN_SIZE)
			WRITE_ONCE(badness_body, ip + MCOUNT_INSN_SIZE);
		badness_fregs_set_ip(fregs, (unsigned long)badness_biased);
	}
	ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops badness_ops = {
	.func = badness_redirect,
	.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT,
};

static const bool badness_redirect_built = true;

static int badness_attach_redirect(void)
{
	const char *sym = badness_krp.kp.symbol_name;
	int ret;

	if (cpu_feature_enabled(X86_FEATURE_IBT) ||
	    IS_ENABLED(CONFIG_CFI_CLANG) || IS_ENABLED(CONFIG_CFI))
		return -EOPNOTSUPP;
	ret = ftrace_set_filter(&badness_ops, (unsigned char *)sym, strlen(sym), 1);
	if (!ret)
		ret = register_ftrace_function(&badness_ops);
	if (ret) {
		ftrace_free_filter(&badness_ops);
		pr_warn("cannot redirect %s through ftrace: %d\n",
			sym, ret);
	}
	return ret;
}

static void badness_detach_redirect(void)
{
	unregister_ftrace_function(&badness_ops);
	ftrace_free_filter(&badness_ops);
}

static unsigned long badness_redirect_missed(void)
{
	return atomic_long_read(&badness_redirect_nmissed);
}
#else
static const bool badness_redirect_built;

static int badness_attach_redirect(void)
{
	return -EOPNOTSUPP;
}

static void badness_detach_redirect(void)
{
}

static unsigned long badness_redirect_missed(void)
{
	return 0;
}
#endif

/*
 * bias_hook=: which hook oom_badness() gets.  "auto" (the default) takes
 * the cheapest one this kernel and CPU allow, in this enum's order; a name
 * forces that one, for tests and benchmarks.  A hook this build lacks is
 * refused at load (-EINVAL); a forced one that cannot attach on this
 * machine (the redirect with IBT enabled) leaves the bias unapplied, with
 * an error in the kernel log, as any failure to attach does.  Set only at
 * load (0444).
 */
enum badness_hook {
	BADNESS_AUTO,
	BADNESS_REDIRECT,
	BADNESS_FPROBE,
	BADNESS_KRETPROBE,
};

static const char * const badness_hook_names[] = {
	[BADNESS_AUTO] = "auto",
	[BADNESS_REDIRECT] = "ftrace",
	[BADNESS_FPROBE] = "fprobe",
	[BADNESS_KRETPROBE] = "kretprobe",
};

static enum badness_hook badness_hook = BADNESS_AUTO;

static int bias_hook_set(const char *val, const struct kernel_param *kp)
{
	int hook = sysfs_match_string(badness_hook_names, val);

	if (hook < 0)
		return hook;
	if ((hook == BADNESS_REDIRECT && !badness_redirect_built) ||
	    (hook == BADNESS_FPROBE && !badness_fprobe_built))
		return -EINVAL;
	badness_hook = hook;
	return 0;
}

static int bias_hook_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", badness_hook_names[badness_hook]);
}

static const struct kernel_param_ops bias_hook_ops = {
	.set = bias_hook_set,
	.get = bias_hook_get,
};

module_param_cb(bias_hook, &bias_hook_ops, NULL, 0444);
MODULE_PARM_DESC(bias_hook, "Hook on oom_badness(): auto (default), ftrace, fprobe or kretprobe");

/*
 * The oom_badness() probe is attached while the rule table wants it and
 * the hooks are open (between oomctl_hooks_init() and oomctl_hooks_exit()).
 * It is attached as soon as it is wanted, but detached only once it has
 * not been wanted for a second: unregistering waits for an RCU grace
 * period, and a table whose last biased rule comes and goes must not pay
 * that on every write.  The rule table asks again once a second.
 * badness_mutex protects the flags and (un)registering the probe; it is
 * taken under rules_mutex, in process context.
 */
static DEFINE_MUTEX(badness_mutex);
static bool badness_wanted;		/* badness_mutex */
static unsigned long badness_unwanted_since;	/* badness_mutex; jiffies */
static bool badness_open;		/* badness_mutex */
static bool badness_attached;		/* badness_mutex */
static enum badness_hook badness_by;	/* badness_mutex; if attached */
static bool badness_failed;		/* badness_mutex: told in dmesg */

static int badness_attach_kretprobe(void)
{
	/* A kprobe is registered by name again after an unregister. */
	badness_krp.kp.addr = NULL;
	badness_krp.kp.flags = 0;
	badness_krp.maxactive = max_t(int, 16, 4 * num_possible_cpus());
	return register_kretprobe(&badness_krp);
}

/*
 * Attach the hook bias_hook asks for; "auto": the cheapest this kernel
 * and CPU allow, in the order of enum badness_hook.
 */
static int badness_attach(void)
{
	enum badness_hook by;
	int ret = -EOPNOTSUPP;

	lockdep_assert_held(&badness_mutex);
	for (by = BADNESS_REDIRECT; by <= BADNESS_KRETPROBE; by++) {
		if (badness_hook != BADNESS_AUTO && badness_hook != by)
			continue;
		switch (by) {
		case BADNESS_REDIRECT:
			ret = badness_attach_redirect();
			break;
		case BADNESS_FPROBE:
			ret = badness_attach_fprobe();
			break;
		default:
			ret = badness_attach_kretprobe();
			break;
		}
		if (!ret)
			break;
	}
	if (ret) {
		/* Tried again each second: told once until it works. */
		if (!badness_failed)
			pr_err("cannot hook %s (bias_hook=%s), bias not applied: %d\n",
			       badness_krp.kp.symbol_name,
			       badness_hook_names[badness_hook], ret);
		badness_failed = true;
		return ret;
	}
	badness_by = by;
	if (badness_failed)
		pr_info("%s hooked, bias applied again\n",
			badness_krp.kp.symbol_name);
	badness_failed = false;
	pr_info_once("%s hooked by %s\n", badness_krp.kp.symbol_name,
		     badness_hook_names[by]);
	return 0;
}

/* Both wait for running handlers; pending returns are disarmed. */
static void badness_detach(void)
{
	lockdep_assert_held(&badness_mutex);
	switch (badness_by) {
	case BADNESS_REDIRECT:
		badness_detach_redirect();
		return;
	case BADNESS_FPROBE:
		badness_detach_fprobe();
		return;
	default:
		break;
	}
	unregister_kretprobe(&badness_krp);
	if (badness_krp.nmissed)
		pr_warn("missed calls: %s %d\n", badness_krp.kp.symbol_name,
			badness_krp.nmissed);
}

static int badness_sync(void)
{
	int ret;

	lockdep_assert_held(&badness_mutex);
	if (badness_open && badness_wanted && !badness_attached) {
		ret = badness_attach();
		if (ret)
			return ret;
		badness_attached = true;
	} else if (badness_attached &&
		   (!badness_open || (!badness_wanted &&
				      time_after_eq(jiffies, badness_unwanted_since + HZ)))) {
		badness_detach();
		badness_attached = false;
	}
	return 0;
}

/**
 * oomctl_badness_want - attach or detach the oom_badness() hook
 * @want: some active rule has a bias
 *
 * Context: process, under rules_mutex (the rule table, after publishing a
 * lookup snapshot and once a second).  May sleep.  Before
 * oomctl_hooks_init() the wish is kept for it; after oomctl_hooks_exit()
 * it is ignored.
 */
void oomctl_badness_want(bool want)
{
	mutex_lock(&badness_mutex);
	if (badness_wanted && !want)
		badness_unwanted_since = jiffies;
	badness_wanted = want;
	badness_sync();
	mutex_unlock(&badness_mutex);
}

/**
 * oomctl_badness_open - let the hook be attached, and attach it if wanted
 *
 * Context: process, from oomctl_hooks_init().  May sleep.
 * Return: 0, or the error of attaching it for a rule that wants it.
 */
int oomctl_badness_open(void)
{
	int ret;

	mutex_lock(&badness_mutex);
	badness_open = true;
	ret = badness_sync();
	if (ret)
		badness_open = false;
	mutex_unlock(&badness_mutex);
	return ret;
}

/**
 * oomctl_badness_close - detach the hook for good
 *
 * Waits until no handler runs (and, for the redirect, until no task is in
 * badness_biased()); later oomctl_badness_want() calls are ignored.
 * Context: process, from oomctl_hooks_exit() and its error path.
 */
void oomctl_badness_close(void)
{
	mutex_lock(&badness_mutex);
	badness_open = false;
	badness_sync();
	mutex_unlock(&badness_mutex);
}

/* Calls the hook missed since it was last attached (counts restart at 0). */
unsigned long oomctl_badness_nmissed(void)
{
	/* Unlocked, as hooks.c reads the others: a late count shows next kill. */
	return data_race(badness_krp.kp.nmissed + badness_krp.nmissed) +
	       badness_fprobe_nmissed() + badness_redirect_missed();
}
