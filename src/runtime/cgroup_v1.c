/* cgroup_v1.c - the cgroup v1 backend: one hierarchy per controller group.
 *
 * Files: cpuset.cpus/mems (a new cpuset cgroup starts empty and refuses
 * tasks until they are set), devices.allow/deny, pids.max,
 * memory.limit_in_bytes, memory.memsw.limit_in_bytes (only with swap
 * accounting), memory.soft_limit_in_bytes, memory.swappiness,
 * memory.oom_control, memory.kmem.tcp.limit_in_bytes, memory.use_hierarchy, cpu.shares, cpu.cfs_period_us/quota_us/burst_us,
 * cpu.rt_period_us/rt_runtime_us (only with CONFIG_RT_GROUP_SCHED), cpu.idle
 * (5.15+), freezer.state.  A field whose file this kernel lacks is refused,
 * naming the field. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static bool has_file(const char *dir, const char *file) {
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
  return access(path, F_OK) == 0;
}

/* Advice for one errno of one write. */
struct hint {
  int errnum;
  const char *text;
};

/* Write the file of linux.resources.<field>.  why: set for a file that not
 * every kernel has (what the kernel lacks): a missing one refuses the field.
 * Any other error names the field, with the hint if its errno matches. */
static int write_hinted(const char *dir, const char *file, const char *val, const char *field,
                        const char *why, struct hint hint, tote_err **err) {
  if (cg_write(dir, file, val, err) == 0)
    return 0;
  if ((*err)->errnum == ENOENT && why) {
    err_free(err);
    return err_set(err, 0, "linux.resources.%s is not supported: %s (no %s)", field, why, file);
  }
  if (hint.text && (*err)->errnum == hint.errnum)
    err_wrap(err, "%s", hint.text);
  return err_wrap(err, "linux.resources.%s", field);
}

static int write_field(const char *dir, const char *file, const char *val, const char *field,
                       const char *why, tote_err **err) {
  return write_hinted(dir, file, val, field, why, (struct hint){0, NULL}, err);
}

static int write_i64h(const char *dir, const char *file, int64_t v, const char *field,
                      const char *why, struct hint hint, tote_err **err) {
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, v); /* -1 is unlimited in v1 files */
  return write_hinted(dir, file, buf, field, why, hint, err);
}

static int write_i64(const char *dir, const char *file, int64_t v, const char *field,
                     const char *why, tote_err **err) {
  return write_i64h(dir, file, v, field, why, (struct hint){0, NULL}, err);
}

#define NO_SWAP_ACCOUNT "swap accounting is off in this kernel"

static int write_limit(const char *dir, int64_t limit, tote_err **err) {
  return write_i64h(dir, "memory.limit_in_bytes", limit, "memory.limit", NULL,
                    (struct hint){EBUSY, "below what the cgroup already uses"}, err);
}

static int write_memsw(const char *dir, int64_t swap, tote_err **err) {
  return write_i64(dir, "memory.memsw.limit_in_bytes", swap, "memory.swap", NO_SWAP_ACCOUNT,
                   err);
}

static int v1_set_memory(const char *dir, const struct cg_memory *m, tote_err **err) {
  bool memsw = has_file(dir, "memory.memsw.limit_in_bytes");
  int64_t swap = m->swap;
  if (swap && !memsw)
    return err_set(err, 0,
                   "linux.resources.memory.swap is not supported: " NO_SWAP_ACCOUNT
                   " (no memory.memsw.limit_in_bytes; boot with swapaccount=1)");
  /* As runc: unlimited memory with swap unset means unlimited swap too. */
  if (m->limit == -1 && swap == 0 && memsw)
    swap = -1;
  if (m->limit && swap) {
    /* The kernel keeps memsw >= limit at every step: raise memsw first when
     * it grows past the current limit, else lower the limit first. */
    _cleanup_free_ char *cur = cg_read(dir, "memory.limit_in_bytes", err);
    if (cur == NULL)
      return -1;
    long long now = strtoll(cur, NULL, 10);
    if (swap == -1 || now < swap) {
      if (write_memsw(dir, swap, err) < 0 || write_limit(dir, m->limit, err) < 0)
        return -1;
    } else if (write_limit(dir, m->limit, err) < 0 || write_memsw(dir, swap, err) < 0) {
      return -1;
    }
  } else if ((m->limit && write_limit(dir, m->limit, err) < 0) ||
             (swap && write_memsw(dir, swap, err) < 0)) {
    return -1;
  }
  if (m->reservation && write_i64(dir, "memory.soft_limit_in_bytes", m->reservation,
                                  "memory.reservation", NULL, err) < 0)
    return -1;
  if (m->swappiness_set && write_i64(dir, "memory.swappiness", (int64_t)m->swappiness,
                                     "memory.swappiness", NULL, err) < 0)
    return -1;
  if (m->disable_oom && write_field(dir, "memory.oom_control", "1",
                                    "memory.disableOOMKiller", NULL, err) < 0)
    return -1;
  if (m->kernel_tcp &&
      write_i64(dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, "memory.kernelTCP",
                "this kernel has no TCP buffer accounting for memory cgroups", err) < 0)
    return -1;
  if (m->use_hierarchy &&
      write_hinted(dir, "memory.use_hierarchy", m->use_hierarchy > 0 ? "1" : "0",
                   "memory.useHierarchy", NULL,
                   (struct hint){EINVAL, "this kernel keeps every memory cgroup hierarchical "
                                         "(useHierarchy false is not possible)"},
                   err) < 0)
    return -1;
  return 0;
}

static int v1_set_cpu(const char *dir, const struct cg_cpu *c, tote_err **err) {
  if (c->shares && write_i64(dir, "cpu.shares", (int64_t)c->shares, "cpu.shares", NULL, err) < 0)
    return -1;
  /* period before quota: the kernel checks quota against the period; burst
   * after quota, which bounds it. */
  if (c->period &&
      write_i64(dir, "cpu.cfs_period_us", (int64_t)c->period, "cpu.period", NULL, err) < 0)
    return -1;
  if (c->quota && write_i64(dir, "cpu.cfs_quota_us", c->quota < 0 ? -1 : c->quota, "cpu.quota",
                            NULL, err) < 0)
    return -1;
  if (c->burst && write_i64(dir, "cpu.cfs_burst_us", (int64_t)c->burst, "cpu.burst",
                            "this kernel has no CFS burst (5.14+)", err) < 0)
    return -1;
  /* Real-time: period first, as runc, so that a runtime fits in it. */
  static const char no_rt[] = "this kernel has no real-time group scheduling "
                              "(CONFIG_RT_GROUP_SCHED)";
  if (c->rt_period && write_i64(dir, "cpu.rt_period_us", (int64_t)c->rt_period,
                                "cpu.realtimePeriod", no_rt, err) < 0)
    return -1;
  if (c->rt_runtime &&
      write_i64h(dir, "cpu.rt_runtime_us", c->rt_runtime, "cpu.realtimeRuntime", no_rt,
                 (struct hint){EINVAL, "more than the period, or more than the parent "
                                       "cgroup's cpu.rt_runtime_us leaves for it"},
                 err) < 0)
    return -1;
  /* idle after shares: the kernel refuses shares on an idle group. */
  if (c->idle && write_i64(dir, "cpu.idle", c->idle, "cpu.idle",
                           "this kernel has no cpu.idle (5.15+)", err) < 0)
    return -1;
  return 0;
}

static int v1_set_cpuset(const char *dir, const char *cpus, const char *mems, tote_err **err) {
  if (cpus && write_hinted(dir, "cpuset.cpus", cpus, "cpu.cpus", NULL,
                           (struct hint){EINVAL, "not within the parent cgroup's cpuset.cpus"},
                           err) < 0)
    return -1;
  if (mems && write_hinted(dir, "cpuset.mems", mems, "cpu.mems", NULL,
                           (struct hint){EINVAL, "not within the parent cgroup's cpuset.mems"},
                           err) < 0)
    return -1;
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
    .set_cpuset = v1_set_cpuset,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .kill_all = v1_kill_all,
    .stats = cg_v1_stats,
    .oom_kills = cg_v1_oom_kills,
    .oom_notify = cg_v1_oom_notify,
};
