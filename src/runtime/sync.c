/* sync.c - framing of the messages described in sync.h. */
#include "runtime/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "util/err.h"
#include "util/xalloc.h"

#define SYNC_MAX (256 * 1024)

struct sync_hdr {
  uint32_t type;
  int32_t errnum;
  int64_t value;
};

static const char *const names[] = {
    [SYNC_GO] = "go",           [SYNC_IDMAP_REQ] = "idmap request",
    [SYNC_IDMAP_DONE] = "idmap done", [SYNC_CHILD_PID] = "child pid",
    [SYNC_HOOKS_REQ] = "hooks request", [SYNC_HOOKS_DONE] = "hooks done",
    [SYNC_READY] = "ready",     [SYNC_READY_ACK] = "ready ack",
    [SYNC_ERROR] = "error",     [SYNC_SECCOMP_FD] = "seccomp fd", [SYNC_SECCOMP_DONE] = "seccomp done",
    [SYNC_CGROUP_DONE] = "cgroup done",
};

const char *sync_name(enum sync_type t) {
  return t > 0 && t <= SYNC_CGROUP_DONE ? names[t] : "end of stream";
}

int sync_send(int fd, enum sync_type type, int64_t value, const char *data, tote_err **err) {
  struct sync_hdr h = {.type = type, .errnum = 0, .value = value};
  size_t len = data ? strlen(data) : 0;
  if (len > SYNC_MAX)
    len = SYNC_MAX;
  struct iovec iov[2] = {{&h, sizeof h}, {(void *)data, len}};
  ssize_t r;
  do
    r = sendmsg(fd, &(struct msghdr){.msg_iov = iov, .msg_iovlen = data ? 2 : 1}, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return err_sys(err, "sending %s to the container process", sync_name(type));
  return 0;
}

void sync_send_error(int fd, const tote_err *e) {
  struct sync_hdr h = {.type = SYNC_ERROR, .errnum = e ? e->errnum : 0};
  const char *msg = e && e->msg ? e->msg : "unknown error";
  struct iovec iov[2] = {{&h, sizeof h}, {(void *)msg, strlen(msg)}};
  (void)!sendmsg(fd, &(struct msghdr){.msg_iov = iov, .msg_iovlen = 2}, MSG_NOSIGNAL);
}

int sync_recv(int fd, struct sync_msg *msg, tote_err **err) {
  _cleanup_free_ char *buf = xmalloc(SYNC_MAX + sizeof(struct sync_hdr) + 1);
  ssize_t r;
  memset(msg, 0, sizeof *msg);
  do
    r = recv(fd, buf, SYNC_MAX + sizeof(struct sync_hdr), 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return err_sys(err, "receiving from the container process");
  if (r == 0)
    return 0;
  if ((size_t)r < sizeof(struct sync_hdr))
    return err_set(err, EPROTO, "short message from the container process");
  struct sync_hdr h;
  memcpy(&h, buf, sizeof h);
  msg->type = h.type;
  msg->errnum = h.errnum;
  msg->value = h.value;
  size_t len = (size_t)r - sizeof h;
  if (len > 0) {
    msg->data = xmalloc(len + 1);
    memcpy(msg->data, buf + sizeof h, len);
    msg->data[len] = '\0';
  }
  return 0;
}

int sync_expect(int fd, enum sync_type want, struct sync_msg *msg, tote_err **err) {
  if (sync_recv(fd, msg, err) < 0)
    return -1;
  if (msg->type == want)
    return 0;
  if (msg->type == SYNC_ERROR) {
    err_set(err, 0, "%s", msg->data ? msg->data : "container process failed");
    if (*err)
      (*err)->errnum = msg->errnum;
  } else if (msg->type == 0) {
    err_set(err, 0, "the container process exited before it was ready");
  } else {
    err_set(err, EPROTO, "expected %s from the container process, got %s", sync_name(want),
            sync_name(msg->type));
  }
  free(msg->data);
  msg->data = NULL;
  return -1;
}
