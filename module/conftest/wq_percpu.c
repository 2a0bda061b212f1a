// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: does alloc_workqueue() take WQ_PERCPU, as 7.x (which
 * warns at a workqueue that says neither WQ_PERCPU nor WQ_UNBOUND) and
 * 6.12.y (a stable backport of the flag; per-CPU is its default) do,
 * rather than only WQ_UNBOUND, as 6.1?  Compiles only with the former.
 */
#include <linux/workqueue.h>

unsigned int conftest_wq_percpu(void);
unsigned int conftest_wq_percpu(void)
{
	return WQ_PERCPU;
}
