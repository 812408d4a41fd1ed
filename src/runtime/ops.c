/* ops.c - state, kill, delete, list, ps, pause/resume of existing containers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/systemd.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static struct rt_state *load(const struct rt_context *ctx, const char *id, tote_err **err) {
  return state_load_by_id(ctx->root, id, err);
}

json_t *rt_state(const struct rt_context *ctx, const char *id, tote_err **err) {
  struct rt_state *st = load(ctx, id, err);
  if (st == NULL)
    return NULL;
  enum rt_status s = state_status(st);
  json_t *o = state_to_oci_json(st, s);
  /* Why a stopped container stopped, when the kernel's OOM killer killed
   * in its cgroup (docker's State.OOMKilled); absent otherwise, as in runc. */
  unsigned long long ooms;
  if (s == RT_STOPPED && st->cgroup && cgroup_oom_kills(st->cgroup, &ooms, NULL) == 0 && ooms)
    json_object_set_new(o, "oomKilled", json_true());
  state_free(st);
  return o;
}

static int signal_container(struct rt_state *st, int sig, bool all, tote_err **err) {
  if (all && st->cgroup)
    return cgroup_kill_all(st->cgroup, sig, err);
  if (kill(st->pid, sig) < 0)
    return err_sys(err, "sending signal %d to container %s", sig, st->id);
  return 0;
}

int rt_kill(const struct rt_context *ctx, const char *id, int sig, bool all, tote_err **err) {
  struct rt_state *st = load(ctx, id, err);
  if (st == NULL)
    return -1;
  int r;
  enum rt_status s = state_status(st);
  if (s == RT_STOPPED && !(all && st->cgroup))
    r = err_set(err, 0, "container %s is not running", id);
  else
    r = signal_container(st, sig, all, err);
  state_free(st);
  return r;
}

/* Wait until the init has gone (it is not our child: poll its pidfd). */
static void wait_gone(const struct rt_state *st) {
  int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pfd < 0)
    return;
  if (proc_start_time(st->pid) == st->pid_start) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    poll(&p, 1, 10000);
  }
  close(pfd);
}

int rt_delete(const struct rt_context *ctx, const char *id, bool force, tote_err **err) {
  /* the root stays open: the state directory is removed from it */
  _cleanup_close_ int rootfd = state_open_root(ctx->root, false, NULL);
  struct rt_state *st = rootfd < 0 ? state_load_by_id(ctx->root, id, err)
                                   : state_load(rootfd, id, err);
  if (st == NULL && force && rootfd >= 0 && *err && (*err)->errnum == EBADMSG) {
    /* Nothing says which processes or cgroup were its: remove what is known. */
    log_warn("container %s: state.json is unreadable: removing its state only; if it had "
             "processes, they are in its cgroup (by default /tote/%s)", id, id);
    err_free(err);
    return state_remove_dir(rootfd, id, err);
  }
  if (st == NULL)
    return -1;
  enum rt_status s = state_status(st);
  if ((s == RT_RUNNING || s == RT_PAUSED) && !force) {
    state_free(st);
    return err_set(err, 0, "cannot delete container %s: it is %s (stop it first, or use "
                           "delete --force)", id, rt_status_name(s));
  }
  if (s != RT_STOPPED) {
    if (st->cgroup) {
      cgroup_freeze(st->cgroup, false, NULL);
      cgroup_kill_all(st->cgroup, SIGKILL, NULL);
    }
    if (st->pid > 0 && proc_start_time(st->pid) == st->pid_start)
      kill(st->pid, SIGKILL);
    wait_gone(st);
  }
  int r = 0;
  if (st->systemd_unit && systemd_stop(st->systemd_unit, err) < 0)
    r = err_wrap(err, "deleting container %s", id);
  if (r == 0 && st->cgroup && cgroup_destroy(st->cgroup, err) < 0)
    r = err_wrap(err, "deleting container %s", id);
  if (r == 0 && !st->creating)
    hooks_run_stored(st, RT_HOOK_POSTSTOP, RT_STOPPED);
  if (r == 0)
    r = state_remove_dir(rootfd, id, err);
  state_free(st);
  return r;
}

json_t *rt_list(const struct rt_context *ctx, tote_err **err) {
  json_t *arr = json_array();
  int rootfd = state_open_root(ctx->root, false, NULL);
  if (rootfd < 0)
    return arr; /* no root yet: no containers */
  DIR *d = fdopendir(rootfd);
  if (d == NULL) {
    close(rootfd);
    json_decref(arr);
    err_sys(err, "reading %s", ctx->root);
    return NULL;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    tote_err *e = NULL;
    struct rt_state *st = state_load(dirfd(d), de->d_name, &e);
    if (st == NULL) {
      err_free(&e);
      continue;
    }
    json_array_append_new(arr, state_to_oci_json(st, state_status(st)));
    state_free(st);
  }
  closedir(d);
  return arr;
}

int rt_ps(const struct rt_context *ctx, const char *id, pid_t **pids, size_t *n, tote_err **err) {
  struct rt_state *st = load(ctx, id, err);
  if (st == NULL)
    return -1;
  int r;
  if (st->cgroup) {
    r = cgroup_pids(st->cgroup, pids, n, err);
  } else if (state_status(st) != RT_STOPPED) {
    *pids = xmalloc(sizeof **pids);
    (*pids)[0] = st->pid;
    *n = 1;
    r = 0;
  } else {
    *pids = NULL;
    *n = 0;
    r = 0;
  }
  state_free(st);
  return r;
}

int rt_pause(const struct rt_context *ctx, const char *id, bool pause, tote_err **err) {
  struct rt_state *st = load(ctx, id, err);
  if (st == NULL)
    return -1;
  int r;
  enum rt_status s = state_status(st);
  if (st->cgroup == NULL)
    r = err_set(err, 0, "container %s has no cgroup to freeze", id);
  else if (pause && s != RT_RUNNING && s != RT_CREATED)
    r = err_set(err, 0, "cannot pause container %s: it is %s", id, rt_status_name(s));
  else if (!pause && s != RT_PAUSED)
    r = err_set(err, 0, "cannot resume container %s: it is %s, not paused", id, rt_status_name(s));
  else
    r = cgroup_freeze(st->cgroup, pause, err);
  state_free(st);
  return r;
}
