// SPDX-License-Identifier: GPL-2.0
/*
 * oomctl-hog: take memory until told to stop, or until the OOM killer
 * comes.
 *
 *   oomctl-hog [MB [MB_PER_S [AT_ONCE]]]
 *
 * Touches MB mebibytes of anonymous memory (forever if MB is 0 or
 * missing), one page at a time so that every page is really charged,
 * then sleeps.  With MB_PER_S, no faster than that: a process that grows
 * steadily, not all at once; except for its first AT_ONCE mebibytes,
 * taken at once (a test need not wait for the part that decides
 * nothing).  Prints nothing: its end (SIGKILL) is the result.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1024UL * 1024)

int main(int argc, char **argv)
{
	unsigned long mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	unsigned long rate = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	unsigned long at_once = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
	struct timespec pause_ts = { 0, rate ? 1000000000L / rate : 0 };
	long page = sysconf(_SC_PAGESIZE);
	unsigned long done;

	for (done = 0; !mb || done < mb; done++) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned long off;

		if (p == MAP_FAILED)
			break;
		for (off = 0; off < CHUNK; off += page)
			p[off] = 1;
		if (rate && done >= at_once)
			nanosleep(&pause_ts, NULL);
	}
	for (;;)
		pause();
}
