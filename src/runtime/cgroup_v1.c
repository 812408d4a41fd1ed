/* cgroup_v1.c - the cgroup v1 backend: one hierarchy per controller group.
 *
 * Files: cpuset.cpus/mems (a new cpuset cgroup starts empty and refuses
 * tasks until they are set), devices.allow/deny, pids.max,
 * memory.limit_in_bytes, freezer.state. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

/* Copy cpuset.cpus and cpuset.mems from the nearest ancestor that has them
 * (reading only) into dir, which tote created.  Outside the cpuset
 * hierarchy the files do not exist and there is nothing to do. */
static int v1_init_dir(const char *parent, const char *dir, tote_err **err) {
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (size_t i = 0; i < 2; i++) {
    _cleanup_free_ char *mine = cg_read(dir, files[i], err);
    if (mine == NULL && (*err)->errnum == ENOENT) {
      err_free(err);
      return 0; /* not the cpuset hierarchy */
    }
    if (mine == NULL)
      return -1;
    if (mine[0] != '\0')
      continue; /* cgroup.clone_children already copied it */
    _cleanup_free_ char *up = xstrdup(parent);
    _cleanup_free_ char *val = NULL;
    for (;;) {
      val = cg_read(up, files[i], err);
      if (val == NULL)
        return err_wrap(err, "initialising cpuset of %s", dir);
      if (val[0] != '\0')
        break;
      char *slash = strrchr(up, '/');
      if (slash == NULL || slash == up)
        return err_set(err, ENOSPC, "initialising cpuset of %s: no ancestor has %s", dir,
                       files[i]);
      *slash = '\0';
      free(steal_ptr(&val));
    }
    if (cg_write(dir, files[i], val, err) < 0)
      return -1;
  }
  return 0;
}

static int v1_set_devices(const char *dir, const struct cg_dev_rule *rules, size_t n,
                          tote_err **err) {
  /* Deny everything first, then the rules in order: the result is exactly
   * the list, whatever the cgroup inherited. */
  if (cg_write(dir, "devices.deny", "a", err) < 0)
    return err_wrap(err, "resetting the device list");
  for (size_t i = 0; i < n; i++) {
    const char *file = rules[i].allow ? "devices.allow" : "devices.deny";
    if (cg_write(dir, file, rules[i].text, err) < 0) {
      if ((*err)->errnum == EPERM)
        err_wrap(err, "the parent cgroup does not allow \"%s\"", rules[i].text);
      return err_wrap(err, "linux.resources.devices[%zu]", i);
    }
  }
  return 0;
}

static int v1_set_pids(const char *dir, int64_t limit, tote_err **err) {
  char buf[32] = "max";
  if (limit >= 0)
    snprintf(buf, sizeof buf, "%" PRId64, limit);
  return cg_write(dir, "pids.max", buf, err);
}

static int v1_set_memory(const char *dir, int64_t limit, tote_err **err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, limit); /* -1 is unlimited here too */
  if (cg_write(dir, "memory.limit_in_bytes", buf, err) < 0) {
    if ((*err)->errnum == EBUSY)
      err_wrap(err, "memory.limit %" PRId64 " is below what the cgroup already uses", limit);
    return -1;
  }
  return 0;
}

static int v1_set_cpu(const char *dir, const struct cg_cpu *c, tote_err **err) {
  char buf[32];
  if (c->shares) {
    snprintf(buf, sizeof buf, "%" PRIu64, c->shares);
    if (cg_write(dir, "cpu.shares", buf, err) < 0)
      return -1;
  }
  /* period before quota: the kernel checks quota against the period */
  if (c->period) {
    snprintf(buf, sizeof buf, "%" PRIu64, c->period);
    if (cg_write(dir, "cpu.cfs_period_us", buf, err) < 0)
      return -1;
  }
  if (c->quota) {
    snprintf(buf, sizeof buf, "%" PRId64, c->quota < 0 ? (int64_t)-1 : c->quota);
    if (cg_write(dir, "cpu.cfs_quota_us", buf, err) < 0)
      return -1;
  }
  return 0;
}

static int v1_freeze(const char *dir, bool frozen, tote_err **err) {
  const char *want = frozen ? "FROZEN" : "THAWED";
  long waited = 0, step = 1;
  for (unsigned i = 0;; i++) {
    /* Writing again nudges tasks that were forking while we froze. */
    if (i % 10 == 0 && cg_write(dir, "freezer.state", want, err) < 0)
      return -1;
    _cleanup_free_ char *state = cg_read(dir, "freezer.state", err);
    if (state == NULL)
      return -1;
    if (strcmp(state, want) == 0)
      return 0;
    if (waited >= CG_FREEZE_TIMEOUT_MS) {
      if (frozen)
        cg_write(dir, "freezer.state", "THAWED", NULL);
      return err_set(err, EBUSY, "%s: freezer.state stayed %s, wanted %s", dir, state, want);
    }
    cg_sleep_ms(step);
    waited += step;
    step = step < 64 ? step * 2 : 64;
  }
}

static int v1_is_frozen(const char *dir, bool *frozen, tote_err **err) {
  _cleanup_free_ char *state = cg_read(dir, "freezer.state", err);
  if (state == NULL)
    return -1;
  *frozen = strcmp(state, "FROZEN") == 0;
  return 0;
}

static int v1_kill_all(const char *dir, tote_err **err) {
  (void)dir, (void)err;
  return 0; /* no cgroup.kill on v1 */
}

const struct cg_backend cg_backend_v1 = {
    .name = "v1",
    .init_dir = v1_init_dir,
    .delegate = NULL,
    .set_devices = v1_set_devices,
    .set_pids = v1_set_pids,
    .set_memory = v1_set_memory,
    .set_cpu = v1_set_cpu,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .kill_all = v1_kill_all,
};
