/* create.c - `create`, `start` and `run`: the parent's side of a container's
 * birth.  Everything is validated before anything is made; any failure
 * after that removes what was made (processes, cgroup, state dir). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"
#include "runtime/spawn.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/systemd.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/unixsock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

struct creation {
  const struct rt_context *ctx;
  const struct rt_create_opts *o;
  struct rt_config *config;
  char *config_text;
  size_t config_len;
  char *bundle, *rootfs;
  int rootfd, dirfd;
  bool dir_made;
  struct cgroup *cg;
  struct spawn sp;
  struct rt_state st;
  int console_fd;   /* to the container (console socket or our socketpair end) */
  int relay_fd;     /* foreground terminal: where we receive the master */
  struct seccomp_prog seccomp; /* built from linux.seccomp, if any */
  int *mount_fds;   /* idmap mounts made here for a container with a user namespace */
  /* --systemd-cgroup: the scope that becomes the container's cgroup */
  struct sd_conn sd;
  bool sd_open, unit_started;
  struct sd_unit unit;
};

static int load_bundle(struct creation *cr, tote_err **err) {
  const char *b = cr->o->bundle ? cr->o->bundle : ".";
  char buf[PATH_MAX];
  if (realpath(b, buf) == NULL)
    return err_sys(err, "bundle %s", b);
  cr->bundle = xstrdup(buf);
  _cleanup_close_ int bfd = open(cr->bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (bfd < 0)
    return err_sys(err, "opening bundle %s", cr->bundle);
  cr->config_text = read_file_at(bfd, "config.json", &cr->config_len, err);
  if (cr->config_text == NULL)
    return err_wrap(err, "bundle %s", cr->bundle);
  cr->config = config_parse(cr->config_text, cr->config_len, "config.json", err);
  if (cr->config == NULL)
    return -1;
  const char *root = cr->config->root_path;
  _cleanup_free_ char *rel = root[0] == '/' ? xstrdup(root) : xasprintf("%s/%s", cr->bundle, root);
  struct stat st;
  if (realpath(rel, buf) == NULL || stat(buf, &st) < 0)
    return err_sys(err, "root.path %s", rel);
  if (!S_ISDIR(st.st_mode))
    return err_set(err, ENOTDIR, "root.path %s is not a directory", rel);
  cr->rootfs = xstrdup(buf);
  return 0;
}

static int check_config(struct creation *cr, tote_err **err) {
  const struct rt_config *c = cr->config;
  if (!c->has_process)
    return err_set(err, 0, "config.json: process is required to create a container");
  if (!c->ns[RT_NS_MNT].present)
    return err_set(err, 0, "config.json: linux.namespaces must include a mount namespace");
  if (cr->ctx->rootless && !c->ns[RT_NS_USER].present)
    return err_set(err, 0, "config.json: a rootless container needs a user namespace (see "
                           "'tote-oci spec --rootless')");
  if (c->process.apparmor_profile && *c->process.apparmor_profile)
    return err_set(err, 0, "config.json: process.apparmorProfile is not supported: AppArmor is "
                           "not enabled on this host");
  if (c->process.selinux_label && *c->process.selinux_label)
    return err_set(err, 0, "config.json: process.selinuxLabel is not supported: SELinux is not "
                           "enabled on this host");
  return 0;
}

/* The name of our uid in /etc/passwd, read as a file (tote-oci is static:
 * no NSS modules), or "" as runc leaves it when there is none. */
static char *owner_name(void) {
  uid_t uid = geteuid();
  FILE *f = fopen("/etc/passwd", "re");
  struct passwd *pw = NULL;
  while (f && (pw = fgetpwent(f)) != NULL && pw->pw_uid != uid)
    ;
  char *name = xstrdup(pw ? pw->pw_name : "");
  if (f)
    fclose(f);
  return name;
}

static int make_state_dir(struct creation *cr, tote_err **err) {
  cr->rootfd = state_open_root(cr->ctx->root, true, err);
  if (cr->rootfd < 0)
    return -1;
  cr->dirfd = state_create_dir(cr->rootfd, cr->o->id, err);
  if (cr->dirfd < 0)
    return -1;
  cr->dir_made = true;
  struct rt_state *st = &cr->st;
  char ts[64];
  rfc3339_now(ts, sizeof ts);
  st->id = (char *)cr->o->id;
  st->bundle = cr->bundle;
  st->rootfs = cr->rootfs;
  st->created = xstrdup(ts);
  st->owner = owner_name();
  st->creating = true;
  st->rootless = cr->ctx->rootless;
  st->annotations = cr->config->annotations;
  for (int k = 0; k < RT_HOOK_COUNT; k++)
    if (cr->config->hooks.count[k] > 0)
      st->hook_kinds |= 1u << k;
  st->dirfd = cr->dirfd;
  if (mkfifoat(cr->dirfd, "exec.fifo", 0600) < 0)
    return err_sys(err, "creating exec.fifo");
  return 0;
}

/* The devices the container must be able to use whatever the rules say, as
 * runc allows them: mknod of any node, the default devices of
 * config-linux.md, the pty devices, and linux.devices. */
static json_t *device_rules(const struct rt_config *c) {
  static const struct { const char *type; int major, minor; const char *access; } always[] = {
      {"c", -1, -1, "m"}, {"b", -1, -1, "m"},   {"c", 1, 3, "rwm"}, {"c", 1, 5, "rwm"},
      {"c", 1, 7, "rwm"}, {"c", 1, 8, "rwm"},   {"c", 1, 9, "rwm"}, {"c", 5, 0, "rwm"},
      {"c", 5, 1, "rwm"}, {"c", 5, 2, "rwm"},   {"c", 136, -1, "rwm"}, {"c", 10, 200, "rwm"},
  };
  json_t *rules = json_deep_copy(json_object_get(c->resources, "devices"));
  for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
    json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
                                           always[i].type, "major", (json_int_t)always[i].major,
                                           "minor", (json_int_t)always[i].minor, "access",
                                           always[i].access));
  for (size_t i = 0; i < c->n_devices; i++) {
    const struct rt_device *d = &c->devices[i];
    if (d->type == 'p')
      continue;
    json_array_append_new(rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
                                           d->type == 'u' ? "c" : (char[]){d->type, 0}, "major",
                                           (json_int_t)d->major, "minor", (json_int_t)d->minor,
                                           "access", "rwm"));
  }
  return rules;
}

static int apply_resources(struct creation *cr, tote_err **err) {
  const struct rt_config *c = cr->config;
  cr->st.cgroup = cr->cg;
  if (c->resources) {
    json_t *res = json_deep_copy(c->resources);
    if (json_is_array(json_object_get(res, "devices")))
      json_object_set_new(res, "devices", device_rules(c));
    int r = cgroup_apply_resources(cr->cg, res, err);
    json_decref(res);
    if (r < 0)
      return -1;
  }
  return state_save(&cr->st, err);
}

/* The systemd driver: once the container process exists, a scope with it
 * inside becomes its cgroup. */
static int place_in_scope(void *arg, pid_t pid, tote_err **err) {
  struct creation *cr = arg;
  if (systemd_start_scope(&cr->sd, &cr->unit, pid, cr->config->resources, err) < 0)
    return -1;
  cr->unit_started = true;
  if ((cr->cg = cgroup_adopt(pid, err)) == NULL)
    return err_wrap(err, "the systemd scope %s", cr->unit.name);
  return apply_resources(cr, err);
}

static int make_cgroup(struct creation *cr, tote_err **err) {
  const struct rt_config *c = cr->config;
  if (cr->ctx->systemd_cgroup) {
    if (systemd_unit_parse(c->cgroups_path, cr->o->id, &cr->unit, err) < 0 ||
        systemd_open(&cr->sd, err) < 0)
      return -1;
    cr->sd_open = true;
    cr->sp.place = place_in_scope;
    cr->sp.place_arg = cr;
    /* saved before the scope exists: delete --force of a killed create
     * stops it */
    cr->st.systemd_unit = xstrdup(cr->unit.name);
    return state_save(&cr->st, err);
  }
  cr->cg = cgroup_create(c->cgroups_path, cr->o->id, cr->ctx->rootless, err);
  if (cr->cg == NULL)
    return -1;
  return apply_resources(cr, err);
}

static void fill_launch(struct creation *cr, struct launch *l, int fifo_fd) {
  const struct rt_config *c = cr->config;
  memset(l, 0, sizeof *l);
  l->config = c;
  l->process = &c->process;
  l->bundle = cr->bundle;
  l->rootfs = cr->rootfs;
  l->cgroup_path = cr->cg ? cgroup_path(cr->cg) : NULL;
  l->console_fd = cr->console_fd;
  l->fifo_fd = fifo_fd;
  l->close_fd = cr->dirfd;
  l->id = cr->o->id;
  l->no_pivot = cr->o->no_pivot;
  l->no_new_keyring = cr->o->no_new_keyring;
  l->preserve_fds = cr->o->preserve_fds;
  l->seccomp = cr->seccomp.insns ? &cr->seccomp : NULL;
  l->mount_fds = cr->mount_fds;
  l->cg_direct = NULL;
  for (int t = 0; t < RT_NS_COUNT; t++)
    l->ns_fds[t] = -1;
  for (int t = 0; t < RT_NS_COUNT; t++) {
    if (!c->ns[t].present)
      continue;
    if (c->ns[t].path == NULL) {
      if (t == RT_NS_USER)
        l->new_userns = true;
      else
        l->new_ns_flags |= rt_ns_clone_flag(t);
    }
  }
}

static int open_ns_paths(const struct rt_config *c, struct launch *l, tote_err **err) {
  for (int t = 0; t < RT_NS_COUNT; t++) {
    if (!c->ns[t].present || c->ns[t].path == NULL)
      continue;
    l->ns_fds[t] = open(c->ns[t].path, O_RDONLY | O_CLOEXEC);
    if (l->ns_fds[t] < 0)
      return err_sys(err, "linux.namespaces: opening the %s namespace %s", rt_ns_name(t),
                     c->ns[t].path);
  }
  return 0;
}

static void close_ns_fds(struct launch *l) {
  for (int t = 0; t < RT_NS_COUNT; t++)
    if (l->ns_fds[t] >= 0)
      close(l->ns_fds[t]);
}

static int write_pid_file(const char *path, pid_t pid, tote_err **err) {
  if (path == NULL)
    return 0;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", (int)pid);
  return write_file_atomic_at(AT_FDCWD, path, buf, (size_t)n, 0644, err);
}

/* Steps 5-8 of sync.h, from the parent's side. */
static int drive_init(struct creation *cr, tote_err **err) {
  struct rt_state *st = &cr->st;
  struct sync_msg m;
  int fd = cr->sp.sync_fd;
  st->pid = cr->sp.child_pid;
  st->pid_start = proc_start_time(st->pid);
  /* The copy of config.json that exec, update and delete's poststop hooks
   * read: written while the init sets up its rootfs.  A create killed before
   * this is still "creating", which delete removes without hooks. */
  if (write_file_at(cr->dirfd, "config.json", cr->config_text, cr->config_len, 0600, err) < 0)
    return -1;
  if (sync_expect(fd, SYNC_HOOKS_REQ, &m, err) < 0)
    return -1;
  _cleanup_free_ char *creating = state_json_text(st, RT_CREATING);
  if (hooks_run(&cr->config->hooks, RT_HOOK_PRESTART, creating, err) < 0 ||
      hooks_run(&cr->config->hooks, RT_HOOK_CREATE_RUNTIME, creating, err) < 0)
    return -1;
  if (sync_send(fd, SYNC_HOOKS_DONE, 0, creating, err) < 0)
    return -1;
  if (cr->seccomp.notify && spawn_forward_seccomp(&cr->sp, cr->config->seccomp, creating, err) < 0)
    return -1;
  if (sync_expect(fd, SYNC_READY, &m, err) < 0)
    return -1;
  st->creating = false;
  if (state_save(st, err) < 0 || write_pid_file(cr->o->pid_file, st->pid, err) < 0)
    return -1;
  return sync_send(fd, SYNC_READY_ACK, 0, NULL, err);
}

static int setup_console(struct creation *cr, bool foreground, tote_err **err) {
  cr->console_fd = cr->relay_fd = -1;
  if (!cr->config->process.terminal)
    return 0;
  if (cr->o->use_console_fd) {
    cr->console_fd = fcntl(cr->o->console_fd, F_DUPFD_CLOEXEC, 3);
    return cr->console_fd < 0 ? err_sys(err, "duplicating the console socket") : 0;
  }
  if (cr->o->console_socket) {
    cr->console_fd = spawn_console(cr->o->console_socket, err);
    return cr->console_fd < 0 ? -1 : 0;
  }
  if (!foreground)
    return err_set(err, 0, "process.terminal needs --console-socket when the container is "
                           "detached (create, or run --detach)");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return err_sys(err, "creating the console socket pair");
  cr->console_fd = sv[1];
  cr->relay_fd = sv[0];
  return 0;
}

/* Inside a new user namespace the kernel refuses to idmap a mount of the
 * host's: make those trees here, with the host's privileges (rootfs.h). */
static int open_idmap_mounts(struct creation *cr, tote_err **err) {
  const struct rt_config *c = cr->config;
  bool any = false;
  for (size_t i = 0; i < c->n_mounts; i++)
    any |= c->mounts[i].idmap;
  if (!any || !c->ns[RT_NS_USER].present)
    return 0;
  cr->mount_fds = xcalloc_array(c->n_mounts, sizeof *cr->mount_fds);
  for (size_t i = 0; i < c->n_mounts; i++)
    cr->mount_fds[i] = -1;
  _cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (here < 0 || chdir(cr->bundle) < 0) /* sources are relative to the bundle */
    return err_sys(err, "changing to the bundle %s", cr->bundle);
  int r = 0;
  for (size_t i = 0; i < c->n_mounts && r == 0; i++)
    if (c->mounts[i].idmap && (cr->mount_fds[i] = rootfs_open_mount_source(c, &c->mounts[i], err)) < 0)
      r = -1;
  if (fchdir(here) < 0 && r == 0)
    r = err_sys(err, "changing back to the working directory");
  return r;
}

static int do_create(struct creation *cr, bool foreground, tote_err **err) {
  if (state_validate_id(cr->o->id, err) < 0 || load_bundle(cr, err) < 0 ||
      check_config(cr, err) < 0 || setup_console(cr, foreground, err) < 0)
    return -1;
  if (cr->config->seccomp && seccomp_compile(cr->config->seccomp, &cr->seccomp, err) < 0)
    return -1;
  if (open_idmap_mounts(cr, err) < 0)
    return -1;
  if (make_state_dir(cr, err) < 0 || make_cgroup(cr, err) < 0)
    return -1;
  _cleanup_close_ int fifo = openat(cr->dirfd, "exec.fifo", O_RDWR | O_CLOEXEC);
  if (fifo < 0)
    return err_sys(err, "opening exec.fifo");
  struct launch l;
  fill_launch(cr, &l, fifo);
  struct cgroup_direct direct = {.v1_tasks = NULL, .v2_fd = -1};
  if (cr->cg) {
    cgroup_direct_open(cr->cg, &direct);
    l.cg_direct = &direct;
  }
  int r = open_ns_paths(cr->config, &l, err);
  if (r == 0)
    r = spawn_start(&l, cr->cg, cr->config, &cr->sp, err);
  close_ns_fds(&l);
  cgroup_direct_close(&direct);
  if (cr->console_fd >= 0)
    close(cr->console_fd);
  cr->console_fd = -1;
  if (r < 0)
    return -1;
  return drive_init(cr, err);
}

/* Undo a failed create: nothing of it may remain. */
static void undo_create(struct creation *cr) {
  spawn_abort(&cr->sp);
  if (cr->cg) {
    cgroup_kill_all(cr->cg, SIGKILL, NULL);
    cgroup_destroy(cr->cg, NULL);
  }
  if (cr->unit_started)
    systemd_stop_unit(&cr->sd, cr->unit.name, NULL);
  if (cr->dir_made)
    state_remove_dir(cr->rootfd, cr->o->id, NULL);
}

static void creation_free(struct creation *cr) {
  if (cr->sp.sync_fd >= 0)
    close(cr->sp.sync_fd);
  if (cr->relay_fd >= 0)
    close(cr->relay_fd);
  if (cr->dirfd >= 0)
    close(cr->dirfd);
  if (cr->rootfd >= 0)
    close(cr->rootfd);
  cgroup_free(cr->cg);
  if (cr->sd_open)
    sd_disconnect(&cr->sd);
  systemd_unit_free(&cr->unit);
  seccomp_prog_free(&cr->seccomp);
  for (size_t i = 0; cr->mount_fds && i < cr->config->n_mounts; i++)
    if (cr->mount_fds[i] >= 0)
      close(cr->mount_fds[i]);
  free(cr->mount_fds);
  config_free(cr->config);
  free(cr->config_text);
  free(cr->bundle);
  free(cr->rootfs);
  free(cr->st.created);
  free(cr->st.owner);
  free(cr->st.systemd_unit);
}

static void creation_init(struct creation *cr, const struct rt_context *ctx,
                          const struct rt_create_opts *o) {
  memset(cr, 0, sizeof *cr);
  cr->ctx = ctx;
  cr->o = o;
  cr->rootfd = cr->dirfd = cr->console_fd = cr->relay_fd = -1;
  cr->sp.sync_fd = -1;
  cr->sp.stage_pid = cr->sp.child_pid = -1;
  cr->st.dirfd = -1;
}

int rt_create(const struct rt_context *ctx, const struct rt_create_opts *o, tote_err **err) {
  struct creation cr;
  creation_init(&cr, ctx, o);
  int r = do_create(&cr, false, err);
  if (r < 0)
    undo_create(&cr);
  else if (o->init_pid)
    *o->init_pid = cr.st.pid;
  creation_free(&cr);
  return r;
}

/* --- start ----------------------------------------------------------- */

static int start_locked(struct rt_state *st, tote_err **err) {
  enum rt_status s = state_status(st);
  if (s != RT_CREATED)
    return err_set(err, 0, "cannot start container %s: it is %s, not created", st->id,
                   rt_status_name(s));
  int fd = openat(st->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENXIO)
      return err_set(err, 0, "cannot start container %s: its init process has exited", st->id);
    return err_sys(err, "opening exec.fifo of %s", st->id);
  }
  ssize_t w = write(fd, "0", 1);
  close(fd);
  if (w != 1)
    return err_sys(err, "starting container %s", st->id);
  unlinkat(st->dirfd, "exec.fifo", 0);
  hooks_run_stored(st, RT_HOOK_POSTSTART, RT_RUNNING);
  return 0;
}

int rt_start(const struct rt_context *ctx, const char *id, tote_err **err) {
  struct rt_state *st = state_load_by_id(ctx->root, id, err);
  if (st == NULL)
    return -1;
  int r = start_locked(st, err);
  state_free(st);
  return r;
}

/* --- run ------------------------------------------------------------- */

static int wait_foreground(struct creation *cr, int sigfd, int *exit_code, tote_err **err) {
  pid_t pid = cr->st.pid;
  if (cr->relay_fd < 0)
    return spawn_wait_forward(pid, sigfd, exit_code, err);
  int master;
  if (unix_recv_fd(cr->relay_fd, &master, err) < 0)
    return -1;
  int status = 0;
  int r = terminal_relay(master, pid, sigfd, &status, err);
  close(master);
  if (r < 0)
    return -1;
  *exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return 0;
}

/* A container killed by SIGKILL with an OOM kill in its cgroup: say why,
 * since 137 alone does not (a limit too low to even start it, often). */
static void say_if_oom_killed(struct creation *cr) {
  unsigned long long n = 0;
  if (cr->cg == NULL || cgroup_oom_kills(cr->cg, &n, NULL) < 0 || n == 0)
    return;
  json_t *limit = json_object_get(json_object_get(cr->config->resources, "memory"), "limit");
  if (json_is_integer(limit))
    log_warn("container %s was killed by the kernel's OOM killer: "
             "linux.resources.memory.limit (%" JSON_INTEGER_FORMAT " bytes) is too low for it",
             cr->o->id, json_integer_value(limit));
  else
    log_warn("container %s was killed by the kernel's OOM killer", cr->o->id);
}

int rt_run(const struct rt_context *ctx, const struct rt_create_opts *o, bool detach,
           int *exit_code, tote_err **err) {
  struct creation cr;
  creation_init(&cr, ctx, o);
  int sigfd = -1;
  if (!detach && (sigfd = spawn_block_signals(true, 0, err)) < 0)
    return -1;
  int r = do_create(&cr, !detach, err);
  if (r == 0)
    r = start_locked(&cr.st, err);
  if (r < 0) {
    undo_create(&cr);
    creation_free(&cr);
    if (sigfd >= 0)
      close(sigfd);
    return -1;
  }
  /* Let `state`, `kill` and `exec` in while we wait. */
  close(cr.dirfd);
  cr.dirfd = -1;
  if (detach) {
    creation_free(&cr);
    return 0;
  }
  r = wait_foreground(&cr, sigfd, exit_code, err);
  close(sigfd);
  if (r == 0 && *exit_code == 128 + SIGKILL)
    say_if_oom_killed(&cr);
  _cleanup_free_ char *id = xstrdup(o->id);
  creation_free(&cr);
  if (r < 0)
    return -1;
  return rt_delete(ctx, id, true, err);
}
