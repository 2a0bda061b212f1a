// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: is struct ftrace_regs reached through accessors,
 * ftrace_regs_get_argument() and ftrace_regs_set_instruction_pointer(),
 * as from 6.12 on (opaque from 6.14), rather than through its member
 * regs and ftrace_instruction_pointer_set(), as in 6.1?
 */
#include <linux/ftrace.h>

unsigned long conftest_ftrace_regs_get_argument(struct ftrace_regs *fregs);
unsigned long conftest_ftrace_regs_get_argument(struct ftrace_regs *fregs)
{
	ftrace_regs_set_instruction_pointer(fregs, 0);
	return ftrace_regs_get_argument(fregs, 0);
}
