/* exec.c - `exec`: a new process in every namespace and the cgroup of a
 * running container. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/launch.h"
#include "runtime/process.h"
#include "runtime/runtime.h"
#include "runtime/spawn.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/unixsock.h"
#include "util/fs.h"
#include "util/xalloc.h"

int launch_setup_terminal(struct launch *l, tote_err **err);

noreturn void exec_child_main(struct launch *l) {
  tote_err *err = NULL;
  launch_child_begin(l, "tote:exec");
  if (launch_setup_terminal(l, &err) < 0 || process_apply_limits(l->process, false, 0, &err) < 0)
    launch_fail(l, err);
  launch_close_fds(l);
  _cleanup_free_ char *path = process_find_executable(l->process, &err);
  if (path == NULL || launch_install_seccomp(l, SECCOMP_BEFORE_IDENTITY, &err) < 0 ||
      process_apply_identity(l->process, &err) < 0 ||
      launch_install_seccomp(l, SECCOMP_BEFORE_READY, &err) < 0)
    launch_fail(l, err);
  /* On success the O_CLOEXEC sync socket closes: the parent sees EOF. */
  process_exec(l->process, path, l->preserve_fds, launch_seccomp_at_exec(l), &err);
  launch_fail(l, err);
}

/* Join every namespace in which the init differs from us. */
static int open_container_ns(pid_t pid, struct launch *l, tote_err **err) {
  for (int t = 0; t < RT_NS_COUNT; t++) {
    char theirs[64], ours[64];
    struct stat a, b;
    snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, rt_ns_proc_name(t));
    snprintf(ours, sizeof ours, "/proc/self/ns/%s", rt_ns_proc_name(t));
    if (stat(theirs, &a) < 0) {
      if (errno == ENOENT && access("/proc/self/ns", F_OK) == 0 && stat(ours, &b) < 0)
        continue; /* the kernel lacks this namespace type */
      return err_sys(err, "reading the %s namespace of the container", rt_ns_name(t));
    }
    if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
      continue;
    l->ns_fds[t] = open(theirs, O_RDONLY | O_CLOEXEC);
    if (l->ns_fds[t] < 0)
      return err_sys(err, "opening the %s namespace of the container", rt_ns_name(t));
  }
  return 0;
}

struct rt_process *rt_exec_base_process(const struct rt_context *ctx, const char *id,
                                        tote_err **err) {
  struct rt_state *st = state_load_by_id(ctx->root, id, err);
  if (st == NULL)
    return NULL;
  struct rt_config *c = config_load(st->dirfd, "config.json", err);
  state_free(st);
  if (c == NULL)
    return NULL;
  struct rt_process *p = xmalloc(sizeof *p);
  *p = c->process;
  memset(&c->process, 0, sizeof c->process);
  config_free(c);
  return p;
}

/* The container's seccomp filter applies to what runs in it by exec too. */
static int exec_seccomp(const struct rt_state *st, struct rt_config **config,
                        struct seccomp_prog *prog, tote_err **err) {
  *config = config_load(st->dirfd, "config.json", err);
  if (*config == NULL)
    return -1;
  if ((*config)->seccomp == NULL)
    return 0;
  return seccomp_compile((*config)->seccomp, prog, err);
}

/* Wait for EOF (the process exec'd) or an error from it; first, with a
 * notifying filter, hand its fd to the seccomp agent. */
static int wait_exec_started(struct spawn *sp, const struct rt_state *st,
                             const struct rt_config *c, const struct seccomp_prog *prog,
                             tote_err **err) {
  if (prog->notify) {
    _cleanup_free_ char *json = state_json_text(st, state_status(st));
    if (spawn_forward_seccomp(sp, c->seccomp, json, err) < 0)
      return -1;
  }
  struct sync_msg m;
  if (sync_recv(sp->sync_fd, &m, err) < 0)
    return -1;
  if (m.type == 0)
    return 0;
  err_set(err, 0, "%s", m.data ? m.data : "exec failed");
  if (*err)
    (*err)->errnum = m.errnum;
  free(m.data);
  return -1;
}

static int exec_foreground(const struct rt_exec_opts *o, pid_t pid, int relay_fd, int sigfd,
                           int *exit_code, tote_err **err) {
  if (relay_fd < 0)
    return spawn_wait_forward(pid, sigfd, exit_code, err);
  int master, status = 0;
  if (unix_recv_fd(relay_fd, &master, err) < 0)
    return -1;
  int r = terminal_relay(master, pid, sigfd, &status, err);
  close(master);
  (void)o;
  if (r == 0)
    *exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return r;
}

static int console_for_exec(const struct rt_exec_opts *o, int *console_fd, int *relay_fd,
                            tote_err **err) {
  *console_fd = *relay_fd = -1;
  if (!o->process->terminal)
    return 0;
  if (o->console_socket) {
    *console_fd = spawn_console(o->console_socket, err);
    return *console_fd < 0 ? -1 : 0;
  }
  if (o->detach)
    return err_set(err, 0, "exec --tty --detach needs --console-socket");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return err_sys(err, "creating the console socket pair");
  *console_fd = sv[1];
  *relay_fd = sv[0];
  return 0;
}

int rt_exec(const struct rt_context *ctx, const struct rt_exec_opts *o, int *exit_code,
            tote_err **err) {
  struct rt_state *st = state_load_by_id(ctx->root, o->id, err);
  if (st == NULL)
    return -1;
  enum rt_status s = state_status(st);
  struct launch l;
  memset(&l, 0, sizeof l);
  for (int t = 0; t < RT_NS_COUNT; t++)
    l.ns_fds[t] = -1;
  int console_fd = -1, relay_fd = -1, sigfd = -1, r = -1;
  struct spawn sp = {.sync_fd = -1, .stage_pid = -1, .child_pid = -1};
  struct rt_config *config = NULL;
  struct seccomp_prog prog = {0};
  if (s != RT_RUNNING && s != RT_CREATED) {
    err_set(err, 0, "cannot exec in container %s: it is %s", o->id, rt_status_name(s));
    goto out;
  }
  if (exec_seccomp(st, &config, &prog, err) < 0 || open_container_ns(st->pid, &l, err) < 0 ||
      console_for_exec(o, &console_fd, &relay_fd, err) < 0)
    goto out;
  if (!o->detach && (sigfd = spawn_block_signals(true, 0, err)) < 0)
    goto out;
  l.process = o->process;
  l.is_exec = true;
  l.console_fd = console_fd;
  l.fifo_fd = -1;
  l.close_fd = st->dirfd;
  l.preserve_fds = o->preserve_fds;
  l.seccomp = prog.insns ? &prog : NULL;
  l.cg_direct = NULL; /* exec: the stage joined the cgroup, the child inherits it */
  r = spawn_start(&l, st->cgroup, NULL, &sp, err);
  if (console_fd >= 0)
    close(console_fd);
  /* Unlock: a long exec must not block state, kill or delete. */
  close(st->dirfd);
  st->dirfd = -1;
  if (r == 0 && (r = wait_exec_started(&sp, st, config, &prog, err)) < 0)
    spawn_abort(&sp);
  if (r == 0 && o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int)sp.child_pid);
    r = write_file_atomic_at(AT_FDCWD, o->pid_file, buf, (size_t)n, 0644, err);
  }
  if (r == 0 && !o->detach)
    r = exec_foreground(o, sp.child_pid, relay_fd, sigfd, exit_code, err);
  else if (r == 0)
    *exit_code = 0;
out:
  for (int t = 0; t < RT_NS_COUNT; t++)
    if (l.ns_fds[t] >= 0)
      close(l.ns_fds[t]);
  if (sp.sync_fd >= 0)
    close(sp.sync_fd);
  if (relay_fd >= 0)
    close(relay_fd);
  if (sigfd >= 0)
    close(sigfd);
  seccomp_prog_free(&prog);
  config_free(config);
  state_free(st);
  return r;
}
