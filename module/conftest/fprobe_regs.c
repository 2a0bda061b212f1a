// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: does this kernel have fprobe (CONFIG_FPROBE) with entry
 * and exit handlers that take struct pt_regs, as 6.12 has, so that an
 * exit handler can change the return value?  Compiles only then: not
 * where CONFIG_FPROBE is off (6.1's Debian config), nor where the
 * handlers take struct ftrace_regs (fprobe on fgraph, from 6.14 on).
 */
#include <linux/fprobe.h>
#include <linux/ptrace.h>

#ifndef CONFIG_FPROBE
#error "no fprobe"
#endif

static int entry(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
		 struct pt_regs *regs, void *data)
{
	return 0;
}

static void exit_handler(struct fprobe *fp, unsigned long ip, unsigned long ret_ip,
			 struct pt_regs *regs, void *data)
{
	regs_set_return_value(regs, 0);
}

void conftest_fprobe_regs(void);
void conftest_fprobe_regs(void)
{
	static struct fprobe fp = {
		.ops.flags = FTRACE_OPS_FL_PERMANENT,
		.entry_handler = entry,
		.exit_handler = exit_handler,
		.entry_data_size = 16,
	};
	const char *sym = "oom_badness";

	if (!register_fprobe_syms(&fp, &sym, 1))
		unregister_fprobe(&fp);
}
