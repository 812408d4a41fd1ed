/* stage.c - the stage process: namespaces in the right order.
 *
 * Why a separate process: unshare(CLONE_NEWPID) and CLONE_NEWTIME only take
 * effect for children, and a new user namespace must exist (and have its
 * maps written by the parent) before the namespaces it will own are made.
 * So the stage joins the namespaces given by path (user first: it decides
 * who owns the rest), creates the user namespace, asks the parent for the
 * maps, creates the other namespaces, and clones the container process as
 * the parent's own child (CLONE_PARENT) so that `run` and `exec` can wait
 * for it directly. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/sched.h>
#include <unistd.h>

#include "runtime/launch.h"
#include "runtime/sync.h"
#include "util/err.h"
#include "util/log.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

void launch_close_fds(const struct launch *l) {
  int keep[4] = {l->sync_fd, l->fifo_fd, log_fd(), -1}, n = 0;
  for (int i = 0; i < 3; i++)
    if (keep[i] >= 3 + l->preserve_fds)
      keep[n++] = keep[i];
  qsort(keep, (size_t)n, sizeof keep[0], cmp_int);
  unsigned first = 3u + (unsigned)l->preserve_fds;
  for (int i = 0; i < n; i++) {
    if ((unsigned)keep[i] > first)
      syscall(SYS_close_range, first, (unsigned)keep[i] - 1, 0);
    first = (unsigned)keep[i] + 1;
  }
  syscall(SYS_close_range, first, ~0U, 0);
}

void launch_child_begin(struct launch *l, const char *name) {
  tote_err *err = NULL;
  prctl(PR_SET_NAME, name, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (setsid() < 0) {
    err_sys(&err, "setsid");
    launch_fail(l, err);
  }
}

int launch_install_seccomp(const struct launch *l, enum seccomp_when when, tote_err **err) {
  if (l->seccomp == NULL ||
      seccomp_install_point(l->seccomp, l->process->no_new_privileges) != when)
    return 0;
  /* past the user switch, only no_new_privs lets an unprivileged process load it */
  if (when != SECCOMP_BEFORE_IDENTITY && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return err_sys(err, "setting process.noNewPrivileges");
  int fd;
  if (seccomp_install(l->seccomp, &fd, err) < 0)
    return -1;
  if (fd < 0)
    return 0;
  int r = sync_send(l->sync_fd, SYNC_SECCOMP_FD, 0, NULL, err);
  if (r == 0)
    r = unix_send_fd(l->sync_fd, fd, NULL, err);
  close(fd);
  struct sync_msg m;
  if (r == 0)
    r = sync_expect(l->sync_fd, SYNC_SECCOMP_DONE, &m, err);
  return r;
}

const struct seccomp_prog *launch_seccomp_at_exec(const struct launch *l) {
  bool last = l->seccomp && seccomp_install_point(l->seccomp, l->process->no_new_privileges) ==
                                SECCOMP_BEFORE_EXEC;
  return last ? l->seccomp : NULL;
}

noreturn void launch_fail(struct launch *l, tote_err *err) {
  sync_send_error(l->sync_fd, err);
  _exit(1);
}

/* Join order: user first (it owns the others), mount last (after it, paths
 * and /proc are the container's). */
static const enum rt_ns_type join_order[] = {RT_NS_USER, RT_NS_IPC,    RT_NS_UTS,  RT_NS_NET,
                                             RT_NS_PID,  RT_NS_CGROUP, RT_NS_TIME, RT_NS_MNT};

static int join_namespaces(struct launch *l, tote_err **err) {
  for (size_t i = 0; i < sizeof join_order / sizeof join_order[0]; i++) {
    enum rt_ns_type t = join_order[i];
    if (l->ns_fds[t] < 0)
      continue;
    if (setns(l->ns_fds[t], rt_ns_clone_flag(t)) < 0)
      return err_sys(err, "joining the %s namespace", rt_ns_name(t));
    close(l->ns_fds[t]);
    l->ns_fds[t] = -1;
    if (t == RT_NS_USER && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
      return err_sys(err, "becoming root in the joined user namespace");
  }
  return 0;
}

static int new_user_namespace(struct launch *l, tote_err **err) {
  if (unshare(CLONE_NEWUSER) < 0)
    return err_sys(err, "creating the user namespace");
  struct sync_msg m;
  if (sync_send(l->sync_fd, SYNC_IDMAP_REQ, 0, NULL, err) < 0 ||
      sync_expect(l->sync_fd, SYNC_IDMAP_DONE, &m, err) < 0)
    return -1;
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    return err_sys(err, "becoming root in the new user namespace (is id 0 mapped?)");
  return 0;
}

static int write_time_offsets(const struct rt_config *c, tote_err **err) {
  char buf[128];
  int n = 0;
  if (c->time_monotonic.present)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "monotonic %lld %u\n",
                  (long long)c->time_monotonic.secs, c->time_monotonic.nanosecs);
  if (c->time_boottime.present)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "boottime %lld %u\n",
                  (long long)c->time_boottime.secs, c->time_boottime.nanosecs);
  if (n == 0)
    return 0;
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, buf, (size_t)n) != n) {
    err_sys(err, "writing linux.timeOffsets");
    if (fd >= 0)
      close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

/* Move ourselves, the one thread we are, into the cgroup of each v1
 * hierarchy (see cgroup.h): before any namespace, while the host's files are
 * ours to write. */
static bool move_self_v1(const struct launch *l) {
  for (char **t = l->cg_direct->v1_tasks; t && *t; t++) {
    int fd = open(*t, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && write(fd, "0", 1) == 1;
    int e = errno;
    if (fd >= 0)
      close(fd);
    if (!ok) {
      log_debug("joining %s: %s; tote-oci moves the init instead", *t, strerror(e));
      return false;
    }
  }
  return true;
}

/* fork(2) semantics with CLONE_PARENT: the child shares our stack copy.
 * With a cgroup2 directory, straight into it (no move).  Not from a user
 * namespace: the cgroup's files are not ours there, and a failed first fork
 * into a new pid namespace leaves that namespace unusable, so there is no
 * trying; a plain clone then, which tote-oci moves.  in_userns: we joined or
 * made one. */
static pid_t clone_init(const struct launch *l, bool in_userns, bool *in_v2) {
  *in_v2 = false;
  if (l->cg_direct && l->cg_direct->v2_fd >= 0 && !in_userns) {
    /* no exit_signal: with CLONE_PARENT the child gets ours (SIGCHLD),
     * and clone3 refuses one */
    struct clone_args a = {.flags = CLONE_PARENT | CLONE_INTO_CGROUP,
                           .cgroup = (uint64_t)l->cg_direct->v2_fd};
    pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
    if (pid > 0)
      log_debug("the container's init starts in its cgroup (clone3 CLONE_INTO_CGROUP)");
    if (pid >= 0) {
      *in_v2 = true;
      return pid;
    }
    if (l->new_ns_flags & CLONE_NEWPID)
      return -1; /* see above: errno says why */
    log_debug("clone3 into the container's cgroup: %s; moving it instead", strerror(errno));
  }
  return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, 0);
}

noreturn void stage_main(struct launch *l) {
  tote_err *err = NULL;
  struct sync_msg m;
  prctl(PR_SET_NAME, "tote:stage", 0, 0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (l->close_fd >= 0)
    close(l->close_fd);
  if (sync_expect(l->sync_fd, SYNC_GO, &m, &err) < 0)
    _exit(1);
  bool v1_in = l->cg_direct && move_self_v1(l);
  bool user_ns_joined = l->ns_fds[RT_NS_USER] >= 0;
  if (join_namespaces(l, &err) < 0)
    launch_fail(l, err);
  if (l->new_userns && new_user_namespace(l, &err) < 0)
    launch_fail(l, err);
  /* create: the init makes its cgroup namespace once it is in its cgroup */
  int flags = l->is_exec ? l->new_ns_flags : l->new_ns_flags & ~CLONE_NEWCGROUP;
  if (flags && unshare(flags) < 0) {
    err_sys(&err, "creating namespaces");
    launch_fail(l, err);
  }
  if ((l->new_ns_flags & CLONE_NEWTIME) && write_time_offsets(l->config, &err) < 0)
    launch_fail(l, err);
  /* The child shares our sync socket: it must not speak before we have
   * sent its pid, so it waits for EOF on this pipe, which our exit gives. */
  int order[2];
  if (pipe2(order, O_CLOEXEC) < 0) {
    err_sys(&err, "creating a pipe");
    launch_fail(l, err);
  }
  bool in_v2 = false;
  pid_t pid = clone_init(l, l->new_userns || user_ns_joined, &in_v2);
  bool in_cgroup = v1_in && (in_v2 || l->cg_direct->v2_fd < 0);
  if (pid < 0) {
    err_sys(&err, "cloning the container process");
    launch_fail(l, err);
  }
  if (pid == 0) {
    char c;
    close(order[1]);
    while (read(order[0], &c, 1) < 0 && errno == EINTR)
      ;
    close(order[0]);
    if (l->is_exec)
      exec_child_main(l);
    init_main(l);
  }
  close(order[0]);
  if (sync_send(l->sync_fd, SYNC_CHILD_PID, pid, in_cgroup ? "in cgroup" : NULL, &err) < 0)
    _exit(1);
  _exit(0);
}
