/*
 * seccomp_agent: a minimal seccomp agent for linux.seccomp.listenerPath.
 *
 *   seccomp_agent [--timeout SECONDS] [--errno N] SOCKET STATEFILE
 *
 * Listens on the unix socket SOCKET, accepts one connection and reads the
 * container process state (config-linux.md) until it has one complete JSON
 * object or the runtime closes the connection: the payload is written to
 * STATEFILE (under a temporary name, then renamed: STATEFILE existing means
 * it is complete), the first fd of the SCM_RIGHTS data is the seccomp listener
 * fd.  The state may come in several sendmsg(2) calls; the fds only with
 * the first.  (It does not wait for the close: runc 1.1 keeps the
 * connection open as long as it runs.)
 *
 * Then it answers every notification on that fd (SECCOMP_IOCTL_NOTIF_RECV /
 * SECCOMP_IOCTL_NOTIF_SEND): with success (return value 0, the syscall is
 * NOT performed), or with -N when --errno N is given.  For each one it
 * prints "syscall NR" (the syscall number) on stdout.  It exits 0 when the
 * fd hangs up (POLLHUP: no process uses the filter any more).
 *
 * The socket is bound under a temporary name and renamed to SOCKET once it
 * is listening, so SOCKET existing means a runtime can connect; SOCKET is
 * removed once the connection is accepted, so another agent can listen on
 * the same path.
 * Exit status: 0 after the hang-up, 1 on errors, 124 on timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

/* Whether buf[0..len) holds a complete JSON object (brace depth back to
 * zero outside strings). */
static int json_complete(const char *buf, size_t len)
{
	int depth = 0, in_str = 0, esc = 0, seen = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
			seen = 1;
		} else if (c == '}' || c == ']') {
			if (--depth == 0 && seen)
				return 1;
		}
	}
	return 0;
}

/* Read the container process state from conn into buf; return the first
 * fd passed in SCM_RIGHTS (other fds are closed). */
static int receive_state(int conn, char *buf, size_t buflen, size_t *len)
{
	int fd = -1;

	*len = 0;
	while (!json_complete(buf, *len)) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 8)];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = buf + *len, .iov_len = buflen - 1 - *len };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		struct cmsghdr *c;
		ssize_t n;

		if (iov.iov_len == 0) {
			fprintf(stderr, "seccomp_agent: the state is too long\n");
			exit(1);
		}
		do
			n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			die("recvmsg");
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			size_t i, nfds;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfds; i++) {
				int f;

				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (fd < 0)
					fd = f;
				else
					close(f);
			}
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
	if (fd < 0) {
		fprintf(stderr, "seccomp_agent: no file descriptor received\n");
		exit(1);
	}
	return fd;
}

/* Answer notifications on fd until it hangs up. */
static void serve(int fd, int err)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		die("SECCOMP_GET_NOTIF_SIZES");
	req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req));
	resp = calloc(1, sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp : sizeof(*resp));
	if (!req || !resp)
		die("calloc");
	for (;;) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd.revents & POLLIN) {
			memset(req, 0, sizes.seccomp_notif);
			if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
				/* EINTR; ENOENT: the caller went away meanwhile */
				if (errno == EINTR || errno == ENOENT)
					continue;
				die("SECCOMP_IOCTL_NOTIF_RECV");
			}
			printf("syscall %d\n", req->data.nr);
			fflush(stdout);
			memset(resp, 0, sizes.seccomp_notif_resp);
			resp->id = req->id;
			resp->val = 0;
			resp->error = err ? -err : 0;
			resp->flags = 0;
			if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
				die("SECCOMP_IOCTL_NOTIF_SEND");
			continue;
		}
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			return;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: seccomp_agent [--timeout SECONDS] [--errno N] SOCKET STATEFILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL, *state_file = NULL;
	static char state[1 << 20];
	size_t len;
	int timeout = 0, err = 0, i, lfd, conn, fd;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else if (strcmp(argv[i], "--errno") == 0 && i + 1 < argc)
			err = atoi(argv[++i]);
		else if (argv[i][0] == '-')
			usage();
		else if (!socket_path)
			socket_path = argv[i];
		else if (!state_file)
			state_file = argv[i];
		else
			usage();
	}
	if (!socket_path || !state_file)
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
	close(lfd);
	unlink(socket_path);
	fd = receive_state(conn, state, sizeof(state), &len);
	close(conn);

	/* write under a temporary name: STATEFILE existing means complete */
	{
		char tmp[4096];

		if (snprintf(tmp, sizeof(tmp), "%s.tmp", state_file) >= (int)sizeof(tmp)) {
			errno = ENAMETOOLONG;
			die(state_file);
		}
		f = fopen(tmp, "w");
		if (!f)
			die(tmp);
		if (fwrite(state, 1, len, f) != len || fclose(f) != 0)
			die(tmp);
		if (rename(tmp, state_file) < 0)
			die("rename");
	}
	serve(fd, err);
	return 0;
}
