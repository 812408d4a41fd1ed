/* mount_idmap.c - a user namespace fd with given uid/gid maps, for
 * MOUNT_ATTR_IDMAP.  See mount_idmap.h. */
#include "runtime/mount_idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/idmap.h"
#include "util/err.h"
#include "util/xalloc.h"

/* The helper child: it lives until `hold` is closed, so that its user
 * namespace can be opened through /proc. */
struct userns_helper {
  pid_t pid;      /* as fork() saw it, for waitpid */
  pid_t proc_pid; /* as /proc sees it: differs when we are in a new pid namespace
                     and /proc is still the host's (a container's init) */
  int hold;       /* write end: closing it lets the child exit */
};

/* What the child reports: unshare's errno, and its pid in /proc's eyes. */
struct helper_report {
  int status;
  pid_t proc_pid;
};

static void helper_release(struct userns_helper *h) {
  if (h->hold >= 0)
    close(h->hold);
  if (h->pid > 0)
    while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
      ;
}

static __attribute__((noreturn)) void helper_main(int ready, int hold) {
  struct helper_report r = {.status = unshare(CLONE_NEWUSER) == 0 ? 0 : errno};
  char self[32] = "";
  ssize_t n = readlink("/proc/self", self, sizeof self - 1);
  r.proc_pid = n > 0 ? (pid_t)atoi(self) : getpid();
  (void)!write(ready, &r, sizeof r);
  char c;
  while (read(hold, &c, 1) < 0 && errno == EINTR)
    ;
  _exit(0);
}

static int helper_start(struct userns_helper *h, tote_err **err) {
  int ready[2], hold[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return err_sys(err, "creating a pipe");
  _cleanup_close_ int ready_r = ready[0], ready_w = ready[1];
  if (pipe2(hold, O_CLOEXEC) < 0)
    return err_sys(err, "creating a pipe");
  _cleanup_close_ int hold_r = hold[0];
  h->hold = hold[1];
  h->pid = fork();
  if (h->pid < 0)
    return err_sys(err, "forking the user namespace helper");
  if (h->pid == 0) {
    close(h->hold); /* else the child would hold its own pipe open */
    helper_main(ready_w, hold_r);
  }
  close(steal_fd(&ready_w));
  struct helper_report r;
  ssize_t n;
  while ((n = read(ready_r, &r, sizeof r)) < 0 && errno == EINTR)
    ;
  if (n != (ssize_t)sizeof r)
    return err_set(err, 0, "the user namespace helper died");
  if (r.status != 0)
    return err_set(err, r.status, "creating a user namespace");
  h->proc_pid = r.proc_pid;
  return 0;
}

int mount_idmap_userns_fd(const struct rt_idmap *uids, size_t n_uids,
                          const struct rt_idmap *gids, size_t n_gids, tote_err **err) {
  __attribute__((cleanup(helper_release))) struct userns_helper h = {.pid = -1, .hold = -1};
  if (helper_start(&h, err) < 0)
    return -1;
  if (idmap_write(h.proc_pid, uids, n_uids, gids, n_gids, err) < 0)
    return -1;
  _cleanup_free_ char *ns = xasprintf("/proc/%d/ns/user", (int)h.proc_pid);
  int fd = open(ns, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", ns);
  return fd;
}
