/* init.c - the container init, from clone to the exec of process.args.
 *
 * Runs in the namespaces the stage made.  Order matters and is the spec's:
 * mounts, then createRuntime hooks (in the parent) and createContainer hooks
 * (here), then pivot_root, then the rest of the environment, then the
 * process's identity; then wait on exec.fifo for `start`, run the
 * startContainer hooks, and exec. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/keyctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "runtime/launch.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/unixsock.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int set_names(const struct rt_config *c, tote_err **err) {
  if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
    return err_sys(err, "setting hostname %s", c->hostname);
  if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
    return err_sys(err, "setting domainname %s", c->domainname);
  return 0;
}

static int write_sysctls(const struct rt_config *c, tote_err **err) {
  for (size_t i = 0; i < c->n_sysctl; i++) {
    _cleanup_free_ char *path = xasprintf("/proc/sys/%s", c->sysctl[i].key);
    for (char *p = path + 10; *p; p++)
      if (*p == '.')
        *p = '/';
    const char *v = c->sysctl[i].value;
    if (write_file_at(AT_FDCWD, path, v, strlen(v), 0644, err) < 0)
      return err_wrap(err, "linux.sysctl %s", c->sysctl[i].key);
  }
  return 0;
}

/* A pty from the container's own devpts: master to the console socket,
 * slave as the controlling terminal and stdio. */
int launch_setup_terminal(struct launch *l, tote_err **err) {
  const struct rt_process *p = l->process;
  if (!p->terminal)
    return 0;
  if (l->console_fd < 0)
    return err_set(err, 0, "process.terminal is true but there is no console: use "
                           "--console-socket");
  int master, slave;
  if (terminal_open_pty(&master, &slave, err) < 0)
    return -1;
  if (p->has_console_size &&
      terminal_set_size(slave, p->console_height, p->console_width, err) < 0)
    return -1;
  if (!l->is_exec && rootfs_mount_console(slave, err) < 0)
    return -1;
  char name[64] = "";
  if (ptsname_r(master, name, sizeof name) != 0)
    snprintf(name, sizeof name, "/dev/console");
  int r = unix_send_fd(l->console_fd, master, name, err);
  close(master);
  close(l->console_fd);
  l->console_fd = -1;
  if (r < 0)
    return -1;
  r = terminal_make_controlling(slave, err);
  if (slave > 2)
    close(slave);
  return r;
}

/* A session keyring of the container's own, so that keys of the caller's
 * session are not reachable from inside (runc does the same); kernels or
 * sandboxes without keyrings are not an error. */
static int new_session_keyring(const struct launch *l, tote_err **err) {
  if (l->no_new_keyring)
    return 0;
  char name[256];
  snprintf(name, sizeof name, "_ses.%s", l->id);
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS &&
      errno != EACCES && errno != EPERM)
    return err_sys(err, "creating the session keyring (use --no-new-keyring to keep yours)");
  return 0;
}

/* Step 4b of sync.h: once tote-oci has moved us into the container's cgroup,
 * the cgroup namespace (its root is the cgroup we are in when it is made). */
static int await_cgroup(void *arg, tote_err **err) {
  struct launch *l = arg;
  if (l->cgroup_ready)
    return 0;
  struct sync_msg m;
  if (sync_expect(l->sync_fd, SYNC_CGROUP_DONE, &m, err) < 0)
    return -1;
  l->cgroup_ready = true;
  if ((l->new_ns_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
    return err_sys(err, "creating the cgroup namespace");
  return 0;
}

static struct rootfs_ctx rootfs_ctx(struct launch *l) {
  return (struct rootfs_ctx){
      .config = l->config,
      .rootfs = l->rootfs,
      .in_new_userns = l->config->ns[RT_NS_USER].present,
      .mount_fds = l->mount_fds,
      .new_cgroupns = l->config->ns[RT_NS_CGROUP].present && !l->config->ns[RT_NS_CGROUP].path,
      .cgroup_path = l->cgroup_path,
      .await_cgroup = await_cgroup,
      .await_arg = l,
  };
}

/* Everything up to pivot_root, with the hooks that belong there. */
static int before_pivot(struct launch *l, char **state_json, tote_err **err) {
  struct rootfs_ctx rc = rootfs_ctx(l);
  const struct rt_process *p = l->process;
  if (chdir(l->bundle) < 0)
    return err_sys(err, "changing to the bundle %s", l->bundle);
  if (new_session_keyring(l, err) < 0)
    return -1;
  /* oom_score_adj and rlimits through the host's /proc, before it is gone */
  if (process_apply_limits(p, l->config->has_personality, l->config->personality, err) < 0)
    return -1;
  if (rootfs_prepare(&rc, err) < 0 || await_cgroup(l, err) < 0)
    return -1;
  struct sync_msg m;
  if (sync_send(l->sync_fd, SYNC_HOOKS_REQ, 0, NULL, err) < 0 ||
      sync_expect(l->sync_fd, SYNC_HOOKS_DONE, &m, err) < 0)
    return -1;
  *state_json = m.data ? m.data : xstrdup("{}");
  if (hooks_run(&l->config->hooks, RT_HOOK_CREATE_CONTAINER, *state_json, err) < 0)
    return -1;
  return 0;
}

static int after_pivot(struct launch *l, tote_err **err) {
  struct rootfs_ctx rc = rootfs_ctx(l);
  /* sysctls before finalize: it makes /proc/sys read-only */
  if (rootfs_pivot(&rc, l->no_pivot, err) < 0 || set_names(l->config, err) < 0 ||
      write_sysctls(l->config, err) < 0 || rootfs_finalize(&rc, err) < 0)
    return -1;
  return launch_setup_terminal(l, err);
}

static void wait_for_start(struct launch *l) {
  char c;
  ssize_t r;
  do
    r = read(l->fifo_fd, &c, 1);
  while (r < 0 && errno == EINTR);
  if (r != 1)
    _exit(1);
  close(l->fifo_fd);
}

static noreturn void die_after_ready(tote_err *err) {
  dprintf(2, "tote-oci: %s\n", err && err->msg ? err->msg : "container init failed");
  _exit(127);
}

noreturn void init_main(struct launch *l) {
  tote_err *err = NULL;
  _cleanup_free_ char *state_json = NULL;
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  launch_child_begin(l, "tote:init");
  if (before_pivot(l, &state_json, &err) < 0 || after_pivot(l, &err) < 0)
    launch_fail(l, err);
  launch_close_fds(l);
  _cleanup_free_ char *path = process_find_executable(l->process, &err);
  if (path == NULL || launch_install_seccomp(l, SECCOMP_BEFORE_IDENTITY, &err) < 0 ||
      process_apply_identity(l->process, &err) < 0 ||
      launch_install_seccomp(l, SECCOMP_BEFORE_READY, &err) < 0)
    launch_fail(l, err);
  /* From here we may outlive tote-oci create, so PDEATHSIG goes; if the
   * parent dies before state.json names us, the missing ack (EOF) ends us. */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  struct sync_msg m;
  if (sync_send(l->sync_fd, SYNC_READY, 0, NULL, &err) < 0 ||
      sync_expect(l->sync_fd, SYNC_READY_ACK, &m, &err) < 0)
    _exit(1);
  wait_for_start(l);
  if (hooks_run(&l->config->hooks, RT_HOOK_START_CONTAINER, state_json, &err) < 0)
    die_after_ready(err);
  process_exec(l->process, path, l->preserve_fds, launch_seccomp_at_exec(l), &err);
  die_after_ready(err);
}
