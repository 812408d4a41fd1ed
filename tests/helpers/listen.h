/* listen.h - what the socket test helpers (recvtty, seccomp_agent) share:
 * die() with the program's name, an alarm handler that ends a helper left
 * waiting, and a listening unix socket that appears at its path only once
 * it accepts (bound under a temporary name, then renamed). */
#ifndef TOTE_TEST_LISTEN_H
#define TOTE_TEST_LISTEN_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = ": timed out\n";
	const char *name = program_invocation_short_name;
	if (write(2, name, strlen(name)) < 0 || write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(124);
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char tmp[sizeof(addr.sun_path)];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	strcpy(addr.sun_path, tmp);
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (listen(fd, 1) < 0)
		die("listen");
	if (rename(tmp, path) < 0)
		die("rename");
	return fd;
}

#endif
