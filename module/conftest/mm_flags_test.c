// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: are an mm's MMF_* flags a bitmap read through
 * mm_flags_test(flag, mm), as in 7.x, rather than the unsigned long
 * mm->flags that test_bit() reads, as in 6.1 and 6.12?  Compiles only
 * with the former.
 */
#include <linux/mm.h>
#include <linux/sched/coredump.h>

bool conftest_mm_flags_test(const struct mm_struct *mm);
bool conftest_mm_flags_test(const struct mm_struct *mm)
{
	return mm_flags_test(MMF_OOM_SKIP, mm);
}
