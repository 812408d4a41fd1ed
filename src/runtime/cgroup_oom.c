/* cgroup_oom.c - the OOM killer in the container's cgroup: how many it
 * killed (v1 memory.oom_control, v2 memory.events "oom_kill"), and an fd
 * that wakes a watcher when that may have changed, so that `events` sleeps
 * instead of polling: v2 notifies every change of memory.events to inotify;
 * v1 signals an eventfd registered through cgroup.event_control when the
 * cgroup runs out of memory (before the kill is counted). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int oom_kills(const char *dir, const char *file, uint64_t *n, tote_err **err) {
  _cleanup_free_ char *t = cg_read(dir, file, err);
  if (t == NULL)
    return -1;
  if (cg_kv_get(t, "oom_kill", n) < 0)
    return err_set(err, ENOENT, "%s/%s has no oom_kill counter (kernel before 4.13?)", dir,
                   file);
  return 0;
}

int cg_v1_oom_kills(const char *dir, uint64_t *n, tote_err **err) {
  return oom_kills(dir, "memory.oom_control", n, err);
}

int cg_v2_oom_kills(const char *dir, uint64_t *n, tote_err **err) {
  return oom_kills(dir, "memory.events", n, err);
}

int cg_v1_oom_notify(const char *dir, tote_err **err) {
  _cleanup_free_ char *ctl = xasprintf("%s/memory.oom_control", dir);
  _cleanup_close_ int cfd = open(ctl, O_RDONLY | O_CLOEXEC);
  if (cfd < 0)
    return err_sys(err, "opening %s", ctl);
  int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0)
    return err_sys(err, "eventfd");
  char line[32];
  snprintf(line, sizeof line, "%d %d", efd, cfd);
  if (cg_write(dir, "cgroup.event_control", line, err) < 0) {
    close(efd);
    return -1;
  }
  return efd; /* the registration lives as long as the eventfd */
}

int cg_v2_oom_notify(const char *dir, tote_err **err) {
  _cleanup_free_ char *events = xasprintf("%s/memory.events", dir);
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0)
    return err_sys(err, "inotify_init1");
  if (inotify_add_watch(fd, events, IN_MODIFY) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return err_sys(err, "watching %s", events);
  }
  return fd;
}

int cgroup_oom_kills(struct cgroup *cg, unsigned long long *n, tote_err **err) {
  CG_ERR_GUARD(err);
  struct cg_hier *h = cg_find(cg, "memory");
  if (h == NULL || h->dir == NULL)
    return err_set(err, ENOENT, "the container has no memory cgroup");
  uint64_t v = 0;
  if (cg_backend_of(h)->oom_kills(h->dir, &v, err) < 0)
    return -1;
  *n = v;
  return 0;
}

int cgroup_oom_notify_fd(struct cgroup *cg, tote_err **err) {
  CG_ERR_GUARD(err);
  struct cg_hier *h = cg_find(cg, "memory");
  if (h == NULL || h->dir == NULL)
    return err_set(err, ENOENT, "the container has no memory cgroup");
  return cg_backend_of(h)->oom_notify(h->dir, err);
}

void cgroup_oom_drain(int fd) {
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0)
    ;
}
