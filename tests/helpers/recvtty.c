/*
 * recvtty: the receiving end of an OCI runtime's --console-socket.
 *
 *   recvtty [--no-stdin] [--timeout SECONDS] [--name-file FILE] SOCKET
 *
 * Listens on the unix socket SOCKET, accepts one connection and receives
 * one message carrying the pty master in SCM_RIGHTS ancillary data (the
 * message body, if any, is the pty's name and is written to FILE when
 * --name-file is given).  Then copies everything read from the master to
 * stdout until EOF or EIO (the last slave closed), and, unless --no-stdin,
 * copies stdin to the master.
 *
 * The socket is bound under a temporary name and renamed to SOCKET once it
 * is listening, so SOCKET existing means a runtime can connect.
 * Exit status: 0 after the pty hangs up, 1 on errors, 124 on timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

/* Receive one message; return the first fd passed in SCM_RIGHTS. */
static int receive_fd(int conn, char *name, size_t namelen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = name, .iov_len = namelen - 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("recvmsg");
	name[n] = '\0';
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			break;
		}
	}
	if (fd < 0) {
		fprintf(stderr, "recvtty: no file descriptor received\n");
		exit(1);
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy master -> stdout (and stdin -> master) until the pty hangs up. */
static void relay(int master, int use_stdin)
{
	struct pollfd pfd[2] = {
		{ .fd = master, .events = POLLIN },
		{ .fd = use_stdin ? 0 : -1, .events = POLLIN },
	};
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(master, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)	/* EIO: no slave left open */
				return;
			if (write_all(1, buf, (size_t)n) < 0)
				die("write stdout");
		}
		if (pfd[1].fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(0, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				pfd[1].fd = -1;	/* stdin done; keep reading output */
			else if (write_all(master, buf, (size_t)n) < 0)
				die("write pty");
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: recvtty [--no-stdin] [--timeout SECONDS] [--name-file FILE] SOCKET\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL, *name_file = NULL;
	char name[4096];
	int use_stdin = 1, timeout = 0, i, lfd, conn, master;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-stdin") == 0)
			use_stdin = 0;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else if (strcmp(argv[i], "--name-file") == 0 && i + 1 < argc)
			name_file = argv[++i];
		else if (argv[i][0] == '-' || socket_path)
			usage();
		else
			socket_path = argv[i];
	}
	if (!socket_path)
		usage();
	if (timeout > 0) {
		signal(SIGALRM, on_alarm);
		alarm((unsigned)timeout);
	}
	signal(SIGPIPE, SIG_IGN);

	lfd = listen_on(socket_path);
	do
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		die("accept");
	master = receive_fd(conn, name, sizeof(name));
	close(conn);
	close(lfd);
	unlink(socket_path);

	if (name_file) {
		FILE *f = fopen(name_file, "w");

		if (!f)
			die(name_file);
		fprintf(f, "%s\n", name);
		fclose(f);
	}
	relay(master, use_stdin);
	return 0;
}
