/* unixsock.h - unix sockets: connect by path, pass one fd with SCM_RIGHTS.
 *
 * runc's --console-socket protocol and the seccomp agent's listenerPath
 * both use these: one sendmsg carrying the fd in SCM_RIGHTS with a text
 * payload. */
#ifndef TOTE_UTIL_UNIXSOCK_H
#define TOTE_UTIL_UNIXSOCK_H

struct tote_err;

/* Send fd with text as payload (NULL or "" sends a single NUL byte, since
 * a stream socket drops ancillary data sent with no payload); the rest of
 * a long text follows in further writes. */
int unix_send_fd(int sock, int fd, const char *text, struct tote_err **err);
/* Receive one fd sent that way (O_CLOEXEC); extra fds are closed. */
int unix_recv_fd(int sock, int *fd, struct tote_err **err);
/* Connect a SOCK_STREAM unix socket to path (paths longer than sun_path
 * are reached through /proc/self/fd).  Returns the fd (O_CLOEXEC). */
int unix_connect(const char *path, struct tote_err **err);

#endif
