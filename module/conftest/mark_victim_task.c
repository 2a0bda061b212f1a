// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: does the mark_victim tracepoint pass the task
 * (struct task_struct *task, uid_t uid), as from 6.1.130 on, or only
 * (int pid), as before?  Compiles only with the former.
 */
#include <linux/sched.h>
#include <trace/events/oom.h>

static void probe(void *data, struct task_struct *task, uid_t uid)
{
}

void conftest_mark_victim_task(void);
void conftest_mark_victim_task(void)
{
	check_trace_callback_type_mark_victim(probe);
}
