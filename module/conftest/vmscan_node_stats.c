// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: are reclaim's counters of pages scanned and freed
 * (PGSCAN_KSWAPD, PGSTEAL_KSWAPD, ...) node stats, as in 7.x, rather than
 * vm events, as in 6.1 and 6.12?  Compiles only with the former: a vm
 * event given to global_node_page_state() is converted from another enum,
 * an error here.
 */
#include <linux/mm.h>
#include <linux/vmstat.h>

#pragma GCC diagnostic error "-Wenum-conversion"

unsigned long conftest_vmscan_node_stats(void);
unsigned long conftest_vmscan_node_stats(void)
{
	return global_node_page_state(PGSCAN_KSWAPD);
}
