// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: can a module's ftrace_ops send a traced call on to
 * another function (FTRACE_OPS_FL_IPMODIFY through ftrace_regs, as
 * livepatch does), without asking ftrace to save all registers?  Needs
 * DYNAMIC_FTRACE_WITH_ARGS: x86-64 has it from 5.11 on, so all four
 * Debian kernels and the debug kernel.  x86-64 only: the module's use of
 * it (hooks.c) reasons about x86's IBT and ftrace call sites.
 */
#include <linux/ftrace.h>

#if !defined(CONFIG_X86_64) || !defined(CONFIG_DYNAMIC_FTRACE_WITH_ARGS)
#error "no ftrace_regs with arguments on x86-64"
#endif

static void handler(unsigned long ip, unsigned long parent_ip,
		    struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
}

void conftest_ftrace_ipmodify(void);
void conftest_ftrace_ipmodify(void)
{
	static struct ftrace_ops ops = {
		.func = handler,
		.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT,
	};

	if (!ftrace_set_filter(&ops, "oom_badness", 11, 0) &&
	    !register_ftrace_function(&ops))
		unregister_ftrace_function(&ops);
	ftrace_free_filter(&ops);
}
