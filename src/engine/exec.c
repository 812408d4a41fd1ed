/* exec.c - a process in a running container (see exec.h). */
#include "engine/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/lifecycle.h"
#include "engine/run.h"
#include "engine/user.h"
#include "runtime/config.h"
#include "runtime/pathat.h"
#include "runtime/runtime.h"
#include "util/err.h"
#include "util/xalloc.h"

/* The flags laid over the container's process. */
static int apply(struct rt_process *p, json_t *c, const struct eng_exec_opts *o,
                 tote_err **err) {
  strv_free(p->args);
  p->args = xcalloc_array((size_t)o->nargs + 1, sizeof(char *));
  for (int i = 0; i < o->nargs; i++)
    p->args[i] = xstrdup(o->args[i]);
  for (int i = 0; i < o->nenv; i++) {
    if (strchr(o->env[i], '=')) {
      config_process_setenv(p, o->env[i]);
    } else if (getenv(o->env[i])) { /* -e KEY: tote's own value, as docker */
      _cleanup_free_ char *kv = xasprintf("%s=%s", o->env[i], getenv(o->env[i]));
      config_process_setenv(p, kv);
    }
  }
  p->terminal = o->tty;
  if (o->workdir) {
    if (o->workdir[0] != '/')
      return err_set(err, 0, "-w %s: the working directory must be absolute", o->workdir);
    free(p->cwd);
    p->cwd = xstrdup(o->workdir);
  }
  if (o->user) {
    const char *rootfs = json_string_value(json_object_get(c, "rootfs"));
    _cleanup_close_ int rootfd = rootfs ? open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
    long uid, gid;
    if (rootfd < 0)
      return err_sys(err, "opening the container's rootfs %s", rootfs ? rootfs : "(none)");
    if (eng_resolve_user(rootfd, o->user, &uid, &gid, err) < 0)
      return -1;
    p->user.uid = (uid_t)uid;
    p->user.gid = (gid_t)gid;
    _cleanup_free_ long *gids = NULL;
    size_t ngids = eng_user_groups(rootfd, o->user, uid, gid, &gids);
    free(p->user.additional_gids);
    p->user.additional_gids = xcalloc_array(ngids, sizeof(gid_t));
    for (size_t i = 0; i < ngids; i++)
      p->user.additional_gids[i] = (gid_t)gids[i];
    p->user.n_additional_gids = ngids;
  }
  return 0;
}

/* fds 0 to n-1 on /dev/null for the process about to be made (saved
 * first). */
static void detach_stdio(int saved[3], int n) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < n && null >= 0; fd++) {
    saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    dup2(null, fd);
  }
  if (null >= 0)
    close(null);
}

static void restore_stdio(const int saved[3]) {
  for (int fd = 0; fd < 3; fd++)
    if (saved[fd] >= 0) {
      dup2(saved[fd], fd);
      close(saved[fd]);
    }
}

/* Whether dir is a directory in the container, as its processes see it
 * (volumes and tmpfs included): looked up under its init's root.  0, or
 * ENG_NOT_INVOKED with err when it is not; anything else undecided goes to
 * the runtime, which fails as it does. */
static int check_workdir(json_t *c, const char *dir, tote_err **err) {
  _cleanup_free_ char *root = xasprintf("/proc/%lld/root",
                                        (long long)json_integer_value(json_object_get(c, "pid")));
  _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return 0;
  int fd = pathat_open(rootfd, dir, O_PATH | O_DIRECTORY);
  int e = errno;
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  if (e != ENOENT && e != ENOTDIR)
    return 0;
  err_set(err, 0, "-w %s: %s in container %s (make it first, or leave -w out)", dir,
          e == ENOTDIR ? "not a directory" : "no such directory",
          json_string_value(json_object_get(c, "name")));
  return ENG_NOT_INVOKED;
}

int eng_exec(const struct eng_ctx *e, json_t *c, const struct eng_exec_opts *o, int *exit_code,
             tote_err **err) {
  const char *id = json_string_value(json_object_get(c, "id"));
  if (!eng_running(c))
    return err_set(err, 0, "container %s is not running: start it first (tote start)",
                   json_string_value(json_object_get(c, "name")));
  struct rt_context rt = {.root = e->state_root};
  struct rt_process *p = rt_exec_base_process(&rt, id, err);
  if (p == NULL)
    return -1;
  int r = apply(p, c, o, err);
  if (r == 0 && o->workdir)
    r = check_workdir(c, o->workdir, err);
  *exit_code = 0;
  if (r == 0) {
    struct rt_exec_opts xo = {.id = id, .process = p, .detach = o->detach};
    int saved[3] = {-1, -1, -1};
    /* as docker's: a detached command's stdio is nobody's, and one without
     * -i reads nothing of ours */
    if (o->detach || !o->interactive)
      detach_stdio(saved, o->detach ? 3 : 1);
    r = rt_exec(&rt, &xo, exit_code, err);
    restore_stdio(saved);
    if (r < 0 && err && *err && ((*err)->errnum == ENOENT || (*err)->errnum == EACCES))
      r = ENG_RUNTIME_FAILED;
  }
  config_process_free(p);
  return r;
}
