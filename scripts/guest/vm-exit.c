// SPDX-License-Identifier: GPL-2.0
/*
 * vm-exit: end the VM with a status the host can read.
 *
 *   vm-exit <status 0..127>
 *
 * Drains the result and log serial ports, then writes the status to
 * QEMU's isa-debug-exit port (0xf4); QEMU exits at once with
 * (status << 1) | 1, which scripts/vm-run turns back into <status>.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv)
{
	static const char * const ttys[] = { "/dev/ttyS0", "/dev/ttyS1", "/dev/ttyS2" };
	int status = argc > 1 ? atoi(argv[1]) : 1;
	unsigned int i;

	if (status < 0 || status > 127)
		status = 127;
	for (i = 0; i < ARRAY_SIZE(ttys); i++) {
		int fd = open(ttys[i], O_WRONLY | O_NOCTTY);

		if (fd >= 0) {
			tcdrain(fd);
			close(fd);
		}
	}
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		perror("vm-exit: ioperm");
		return 1;
	}
	outb(status, DEBUG_EXIT_PORT);
	/* Not reached under QEMU with -device isa-debug-exit. */
	fprintf(stderr, "vm-exit: no isa-debug-exit device\n");
	return 1;
}
