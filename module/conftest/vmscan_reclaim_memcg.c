// SPDX-License-Identifier: GPL-2.0
/*
 * Feature test: do the reclaim-begin tracepoints of vmscan
 * (mm_vmscan_direct_reclaim_begin, mm_vmscan_memcg_reclaim_begin) pass
 * (gfp_t gfp_flags, int order, struct mem_cgroup *memcg), as in 7.x,
 * rather than (int order, gfp_t gfp_flags), as in 6.1 and 6.12?  Compiles
 * only with the former.
 */
#include <linux/memcontrol.h>
#include <trace/events/vmscan.h>

static void probe(void *data, gfp_t gfp_flags, int order, struct mem_cgroup *memcg)
{
}

void conftest_vmscan_reclaim_memcg(void);
void conftest_vmscan_reclaim_memcg(void)
{
	check_trace_callback_type_mm_vmscan_memcg_reclaim_begin(probe);
}
