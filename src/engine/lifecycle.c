/* lifecycle.c - stop, kill, wait, start and remove containers that run
 * under a monitor (see lifecycle.h). */
#include "engine/lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/netattach.h"
#include "engine/run.h"
#include "runtime/runtime.h"
#include "image/images.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/signame.h"
#include "util/xalloc.h"

static const char *id_of(json_t *c) { return json_string_value(json_object_get(c, "id")); }

void eng_rt_forget(const char *state_root, const char *id) {
  struct rt_context rt = {.root = state_root};
  tote_err *ignored = NULL;
  if (rt_delete(&rt, id, true, &ignored) < 0)
    err_free(&ignored);
}

bool eng_running(json_t *c) {
  const char *state = json_string_value(json_object_get(c, "state"));
  return state && strcmp(state, "running") == 0;
}

/* containers/<id>/monitor.lock, opened; -1 when there is none. */
static int open_lock(const struct eng_ctx *e, const char *id, int flags) {
  _cleanup_free_ char *path = xasprintf("%s/%s", id, ENG_MONITOR_LOCK);
  return openat(e->cdir, path, flags | O_CLOEXEC);
}

/* The exit code the monitor wrote into its lock file, or -1. */
static int lock_code(int fd) {
  char buf[16];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *end;
  long v = strtol(buf, &end, 10);
  return end != buf && *end == '\n' && v >= 0 && v < 256 ? (int)v : -1;
}

/* The monitor of a running record is gone (we hold its lock, lockfd):
 * end what it left and record the exit. */
static json_t *clean_up_lost(const struct eng_ctx *e, const char *id, int lockfd) {
  json_t *c = eng_load(e->cdir, id);
  if (c == NULL || !eng_running(c))
    return c;
  eng_rt_forget(e->state_root, id); /* its processes killed, its cgroup gone */
  eng_unmount_rootfs(c);
  eng_net_down(e->root, c);
  int code = lockfd >= 0 ? lock_code(lockfd) : -1;
  char now[64];
  rfc3339_now(now, sizeof now);
  json_object_set_new(c, "state", json_string("exited"));
  json_object_set_new(c, "exit_code", json_integer(code >= 0 ? code : ENG_EXIT_LOST));
  json_object_set_new(c, "finished", json_string(now));
  json_object_set_new(c, "pid", json_integer(0));
  json_object_set_new(c, "monitor_pid", json_integer(0));
  tote_err *err = NULL;
  if (eng_save(e->cdir, c, &err) < 0) {
    log_warn("%s", err->msg);
    err_free(&err);
  }
  if (json_is_true(json_object_get(c, "auto_remove"))) {
    eng_discard(e->root, e->cdir, c, true);
    json_decref(c);
    return NULL;
  }
  return c;
}

json_t *eng_sync(const struct eng_ctx *e, json_t *c) {
  if (c == NULL || !eng_running(c))
    return c;
  const char *id = id_of(c);
  int fd = open_lock(e, id, O_RDONLY);
  if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
    close(fd); /* the monitor lives */
    return c;
  }
  json_t *now = clean_up_lost(e, id, fd);
  if (fd >= 0)
    close(fd);
  json_decref(c);
  return now;
}

json_t *eng_find_synced(const struct eng_ctx *e, const char *arg, tote_err **err) {
  json_t *c = eng_find(e->cdir, arg, err);
  if (c == NULL)
    return NULL;
  c = eng_sync(e, c);
  if (c == NULL)
    err_set(err, 0, "no container %s: it was run with --rm and has gone", arg);
  return c;
}

int eng_wait_exit(const struct eng_ctx *e, const char *id, long timeout_ms, int *code) {
  *code = -1;
  int fd = open_lock(e, id, O_RDONLY);
  if (fd < 0)
    return 1; /* never had a monitor */
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int r = 1;
  while (flock(fd, LOCK_SH | (timeout_ms < 0 ? 0 : LOCK_NB)) < 0) {
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK)
      break;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
    if (ms >= timeout_ms) {
      r = 0;
      break;
    }
    usleep(20000);
  }
  if (r == 1)
    *code = lock_code(fd);
  close(fd);
  return r;
}

/* A user stops it: no --restart after this exit (monitor.h). */
static void mark_stopped(const struct eng_ctx *e, json_t *c) {
  _cleanup_free_ char *path = xasprintf("%s/%s", id_of(c), ENG_STOP_MARK);
  int fd = openat(e->cdir, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
}

const char *eng_state(const struct eng_ctx *e, json_t *c) {
  if (!eng_running(c))
    return json_string_value(json_object_get(c, "state")) ?: "exited";
  struct rt_context rt = {.root = e->state_root};
  json_t *st = rt_state(&rt, id_of(c), NULL);
  bool paused = strcmp(json_string_value(json_object_get(st, "status")) ?: "", "paused") == 0;
  json_decref(st);
  return paused ? "paused" : "running";
}

int eng_signal(const struct eng_ctx *e, json_t *c, int sig, bool all, tote_err **err) {
  if (eng_running(c) && (sig == SIGKILL || sig == SIGTERM || sig == SIGINT))
    mark_stopped(e, c);
  if (!eng_running(c))
    return err_set(err, 0, "container %s is not running (tote start starts it again)",
                   json_string_value(json_object_get(c, "name")));
  struct rt_context rt = {.root = e->state_root};
  if (rt_kill(&rt, id_of(c), sig, all, err) < 0)
    return -1;
  /* a frozen process does not die (cgroup v1's freezer): SIGKILL thaws a
   * paused container, as docker's does; other signals wait for unpause */
  if (sig == SIGKILL && strcmp(eng_state(e, c), "paused") == 0) {
    tote_err *ignored = NULL;
    if (rt_pause(&rt, id_of(c), false, &ignored) < 0)
      err_free(&ignored); /* it may have gone already */
  }
  return 0;
}

int eng_stop(const struct eng_ctx *e, json_t *c, int timeout_s, tote_err **err) {
  if (!eng_running(c))
    return 0;
  mark_stopped(e, c);
  const char *ss = json_string_value(json_object_get(c, "stop_signal"));
  int sig = ss ? sig_parse(ss) : SIGTERM;
  if (sig < 0) {
    log_warn("container %s: StopSignal %s is no signal: SIGTERM instead",
             json_string_value(json_object_get(c, "name")), ss);
    sig = SIGTERM;
  }
  int code;
  tote_err *ignored = NULL;
  if (timeout_s != 0 && eng_signal(e, c, sig, false, &ignored) < 0)
    err_free(&ignored); /* it may have just exited */
  if (eng_wait_exit(e, id_of(c), timeout_s < 0 ? -1 : timeout_s * 1000L, &code) == 1)
    return 0;
  if (eng_signal(e, c, SIGKILL, false, &ignored) < 0)
    err_free(&ignored);
  if (eng_wait_exit(e, id_of(c), -1, &code) < 0)
    return err_set(err, 0, "waiting for container %s", json_string_value(json_object_get(c, "name")));
  return 0;
}

int eng_start(const struct eng_ctx *e, json_t *c, const struct eng_start_attach *a,
              tote_err **err) {
  if (eng_running(c))
    return a ? err_set(err, 0, "container %s is running: attach to it (tote attach)",
                       json_string_value(json_object_get(c, "name")))
             : 0;
  if (json_object_get(c, "rootfs") == NULL)
    return err_set(err, 0, "container %s was made by an older tote and cannot start again: "
                           "remove it (tote rm) and run a new one",
                   json_string_value(json_object_get(c, "name")));
  eng_unmount_rootfs(c); /* what a failure may have left */
  if (eng_mount_rootfs(e->root, c, err) < 0)
    return -1;
  struct eng_monitor_opts mo = {
      .root = e->root, .state_root = e->state_root, .id = id_of(c), .keep_on_failure = true,
      .attach = a != NULL, .tty = a && json_is_true(json_object_get(c, "tty")),
      .interactive = a && a->stdin && json_is_true(json_object_get(c, "interactive"))};
  struct eng_monitor m;
  int r = eng_monitor_start(&mo, &m, err);
  if (r == 0 && a && eng_monitor_relay(&mo, &m, a->sigfd, a->exit_code, err) < 0)
    r = -1;
  eng_monitor_close(&m);
  return r;
}

int eng_remove(const struct eng_ctx *e, json_t *c, bool volumes, tote_err **err) {
  const char *id = id_of(c);
  int fd = open_lock(e, id, O_RDONLY);
  bool busy = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0;
  if (busy || eng_running(c)) {
    if (fd >= 0)
      close(fd);
    return err_set(err, 0, "container %s is running: stop it first (tote stop), or remove it "
                           "with tote rm -f",
                   json_string_value(json_object_get(c, "name")) ?: id);
  }
  eng_discard(e->root, e->cdir, c, volumes);
  if (fd >= 0)
    close(fd);
  return 0;
}

int eng_rootfs_ready(const struct eng_ctx *e, json_t *c, bool *mounted, tote_err **err) {
  *mounted = false;
  if (eng_running(c))
    return 0;
  if (eng_mount_rootfs(e->root, c, err) < 0)
    return -1;
  *mounted = json_object_get(c, "lower") != NULL; /* --rootfs containers mount nothing */
  return 0;
}

void eng_sweep_leftovers(const struct eng_ctx *e) {
  DIR *d = dir_open_at(e->cdir);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  for (struct dirent *de; d && (de = readdir(d));) {
    struct stat st;
    if (strncmp(de->d_name, ".new-", 5) == 0 &&
        fstatat(e->cdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        now.tv_sec - st.st_mtim.tv_sec > 60) /* older than any run still making it */
      remove_tree_at(e->cdir, de->d_name);
  }
  if (d)
    closedir(d);
  /* holds of containers that were never made: a run killed before its record */
  struct img_store s;
  if (img_store_open(e->root, &s, NULL) < 0)
    return;
  json_t *held = img_holds(&s);
  const char *image;
  json_t *holders;
  json_object_foreach(held, image, holders) {
    size_t i;
    json_t *h;
    json_array_foreach(holders, i, h) {
      const char *id = json_string_value(h);
      _cleanup_free_ char *tmp = xasprintf(".new-%s", id);
      if (faccessat(e->cdir, id, F_OK, 0) < 0 && faccessat(e->cdir, tmp, F_OK, 0) < 0)
        img_release(&s, id);
    }
  }
  json_decref(held);
  img_store_close(&s);
}
