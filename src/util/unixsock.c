/* unixsock.c - unix sockets: connect by path, pass one fd with SCM_RIGHTS. */
#include "util/unixsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

int unix_send_fd(int sock, int fd, const char *text, tote_err **err) {
  const char *data = text && *text ? text : "";
  size_t len = *data ? strlen(data) : 1;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return err_sys(err, "sending a file descriptor over a unix socket");
  /* A stream socket may take less; the fd went with the first byte. */
  while ((size_t)n < len) {
    ssize_t m = send(sock, data + n, len - (size_t)n, MSG_NOSIGNAL);
    if (m < 0 && errno == EINTR)
      continue;
    if (m < 0)
      return err_sys(err, "sending data over a unix socket");
    n += m;
  }
  return 0;
}

int unix_recv_fd(int sock, int *fd, tote_err **err) {
  char data[4096];
  union {
    char buf[CMSG_SPACE(8 * sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t n;
  do
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return err_sys(err, "receiving a file descriptor");
  int got = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int f;
      memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
      if (got < 0)
        got = f;
      else
        close(f);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) {
    if (got >= 0)
      close(got);
    return err_set(err, EMSGSIZE, "receiving a file descriptor: control data truncated");
  }
  if (got < 0)
    return err_set(err, n == 0 ? ECONNRESET : EBADMSG,
                   "receiving a file descriptor: the message carried none");
  *fd = got;
  return 0;
}

int unix_connect(const char *path, tote_err **err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  _cleanup_close_ int dirfd = -1;
  if (strlen(path) < sizeof addr.sun_path) {
    memcpy(addr.sun_path, path, strlen(path) + 1);
  } else {
    /* Too long for sun_path: reach it through its directory's fd. */
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    if (slash && slash == path)
      free(dir), dir = xstrdup("/");
    dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
      return err_sys(err, "unix socket %s: opening its directory", path);
    int len = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd,
                       slash ? slash + 1 : path);
    if (len < 0 || (size_t)len >= sizeof addr.sun_path)
      return err_set(err, ENAMETOOLONG, "unix socket %s", path);
  }
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return err_sys(err, "creating a unix socket");
  int rc;
  do
    rc = connect(s, (struct sockaddr *)&addr, sizeof addr);
  while (rc < 0 && errno == EINTR);
  if (rc < 0)
    return err_sys(err, "connecting to unix socket %s", path);
  return steal_fd(&s);
}
