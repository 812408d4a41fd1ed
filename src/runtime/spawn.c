/* spawn.c - fork the stage process and drive the first steps of sync.h. */
#include "runtime/spawn.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/idmap.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

static void kill_reap(pid_t pid) {
  if (pid <= 0)
    return;
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

void spawn_abort(struct spawn *sp) {
  kill_reap(sp->child_pid);
  kill_reap(sp->stage_pid);
  sp->child_pid = sp->stage_pid = -1;
  if (sp->sync_fd >= 0)
    close(sp->sync_fd);
  sp->sync_fd = -1;
}

static int reap_stage(struct spawn *sp, tote_err **err) {
  int status;
  while (waitpid(sp->stage_pid, &status, 0) < 0)
    if (errno != EINTR)
      return err_sys(err, "waiting for the stage process");
  sp->stage_pid = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return err_set(err, 0, "the stage process failed");
  return 0;
}

static int drive_stage(struct launch *l, struct cgroup *cg, const struct rt_config *c,
                       struct spawn *sp, tote_err **err) {
  struct sync_msg m;
  /* exec: S joins the container's cgroup namespace, so it must be in the
   * cgroup first; create: I is moved instead (step 4b) */
  if (l->is_exec && cg && cgroup_enter(cg, sp->stage_pid, err) < 0)
    return -1;
  if (sync_send(sp->sync_fd, SYNC_GO, 0, NULL, err) < 0)
    return -1;
  if (l->new_userns) {
    if (sync_expect(sp->sync_fd, SYNC_IDMAP_REQ, &m, err) < 0)
      return -1;
    if (idmap_write(sp->stage_pid, c->uid_mappings, c->n_uid_mappings, c->gid_mappings,
                    c->n_gid_mappings, err) < 0)
      return -1;
    if (sync_send(sp->sync_fd, SYNC_IDMAP_DONE, 0, NULL, err) < 0)
      return -1;
  }
  if (sync_expect(sp->sync_fd, SYNC_CHILD_PID, &m, err) < 0)
    return -1;
  sp->child_pid = (pid_t)m.value;
  bool cloned_in = m.data != NULL; /* "in cgroup": clone3(CLONE_INTO_CGROUP) did it */
  free(m.data);
  if (reap_stage(sp, err) < 0)
    return -1;
  if (l->is_exec)
    return 0;
  if (cg && !cloned_in && cgroup_enter(cg, sp->child_pid, err) < 0)
    return -1;
  if (cg == NULL && sp->place && sp->place(sp->place_arg, sp->child_pid, err) < 0)
    return -1;
  return sync_send(sp->sync_fd, SYNC_CGROUP_DONE, 0, NULL, err);
}

int spawn_start(struct launch *l, struct cgroup *cg, const struct rt_config *c, struct spawn *sp,
                tote_err **err) {
  int fds[2];
  sp->stage_pid = sp->child_pid = -1;
  sp->sync_fd = -1;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return err_sys(err, "creating the sync socket");
  sp->sync_fd = fds[0];
  l->sync_fd = fds[1];
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[1]);
    spawn_abort(sp);
    return err_sys(err, "fork");
  }
  if (pid == 0) {
    close(fds[0]);
    stage_main(l);
  }
  close(fds[1]);
  l->sync_fd = -1;
  sp->stage_pid = pid;
  if (drive_stage(l, cg, c, sp, err) < 0) {
    spawn_abort(sp);
    return -1;
  }
  return 0;
}

int spawn_forward_seccomp(struct spawn *sp, const struct rt_seccomp *s, const char *state_json,
                          tote_err **err) {
  struct sync_msg m;
  int fd;
  if (sync_expect(sp->sync_fd, SYNC_SECCOMP_FD, &m, err) < 0 ||
      unix_recv_fd(sp->sync_fd, &fd, err) < 0)
    return -1;
  int r = seccomp_send_to_agent(s, fd, sp->child_pid, state_json, err);
  close(fd);
  if (r == 0)
    r = sync_send(sp->sync_fd, SYNC_SECCOMP_DONE, 0, NULL, err);
  return r;
}

int spawn_console(const char *path, tote_err **err) {
  if (path == NULL)
    return -1;
  int fd = unix_connect(path, err);
  if (fd < 0)
    return err_wrap(err, "--console-socket %s", path), -2;
  return fd;
}

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
                                SIGCONT};

int spawn_block_signals(bool sigchld, int flags, tote_err **err) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset(&set, forwarded[i]);
  if (sigchld)
    sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
    return err_sys(err, "blocking signals");
  int fd = signalfd(-1, &set, SFD_CLOEXEC | flags);
  if (fd < 0)
    return err_sys(err, "signalfd");
  return fd;
}

static int exit_code_of(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int spawn_wait_forward(pid_t pid, int sigfd, int *exit_code, tote_err **err) {
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      *exit_code = exit_code_of(status);
      return 0;
    }
    if (r < 0 && errno != EINTR)
      return err_sys(err, "waiting for the container process");
    struct signalfd_siginfo si;
    ssize_t n = read(sigfd, &si, sizeof si);
    if (n < 0 && errno == EINTR)
      continue;
    if (n != sizeof si)
      return err_sys(err, "reading signals");
    if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
      kill(pid, (int)si.ssi_signo);
  }
}
