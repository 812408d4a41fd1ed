/* cgroup_v2.c - the cgroup v2 backend: one unified hierarchy.
 *
 * A controller's files exist in a cgroup only when its parent lists the
 * controller in cgroup.subtree_control.  tote enables controllers only in
 * intermediate directories it created; an ancestor it found must already
 * delegate them.  Files: pids.max, memory.max/low/swap.max, cpu.weight,
 * cpu.max, cpu.max.burst, cpu.idle, cpuset.cpus/mems, cgroup.freeze and
 * cgroup.events, cgroup.kill (5.14+).  v2 has no swappiness, no switch to
 * disable the OOM killer, no separate TCP buffer limit (kernelTCP), no
 * non-hierarchical mode and no real-time group bandwidth: those fields are
 * refused. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static int v2_init_dir(const char *parent, const char *dir, tote_err **err) {
  (void)parent, (void)dir, (void)err;
  return 0;
}

/* Enable, one by one, every controller dir has, for its children.  One that
 * the kernel refuses (a threaded-only one, say) is left out, not fatal: the
 * limit that needs it will report the missing file. */
static int v2_delegate(const char *dir, tote_err **err) {
  _cleanup_free_ char *avail = cg_read(dir, "cgroup.controllers", err);
  if (avail == NULL)
    return -1;
  char *save = NULL;
  for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
    _cleanup_free_ char *plus = xasprintf("+%s", c);
    tote_err *e = NULL;
    if (cg_write(dir, "cgroup.subtree_control", plus, &e) < 0)
      log_debug("%s: not delegating %s: %s", dir, c, e->msg);
    err_free(&e);
  }
  return 0;
}

static int v2_set_devices(const char *dir, const struct cg_dev_rule *rules, size_t n,
                          tote_err **err) {
  return cg_devbpf_attach(dir, rules, n, err);
}

/* A missing interface file means the parent does not delegate the
 * controller: say where to enable it. */
static int write_ctrl(const char *dir, const char *file, const char *ctrl, const char *val,
                      tote_err **err) {
  if (cg_write(dir, file, val, err) == 0)
    return 0;
  if ((*err)->errnum == ENOENT)
    err_wrap(err, "the %s controller is not enabled for %s (its parent's "
                  "cgroup.subtree_control lacks +%s)",
             ctrl, dir, ctrl);
  return -1;
}

static int v2_set_pids(const char *dir, int64_t limit, tote_err **err) {
  char buf[32] = "max";
  if (limit >= 0)
    snprintf(buf, sizeof buf, "%" PRId64, limit);
  return write_ctrl(dir, "pids.max", "pids", buf, err);
}

void cg_fmt_max(char *buf, size_t size, int64_t v) {
  if (v < 0)
    snprintf(buf, size, "max");
  else
    snprintf(buf, size, "%" PRId64, v);
}

int cg_v2_swap_max(int64_t swap, int64_t limit, int64_t *out, tote_err **err) {
  /* As v1: unlimited memory with swap unset means unlimited swap too. */
  if (limit == -1 && swap == 0) {
    *out = -1;
    return 1;
  }
  if (swap == 0)
    return 0;
  if (swap == -1) {
    *out = -1;
    return 1;
  }
  if (limit <= 0)
    return err_set(err, 0, "linux.resources.memory.swap (memory+swap) needs a memory.limit");
  if (swap < limit)
    return err_set(err, 0,
                   "linux.resources.memory.swap (%" PRId64 ") is memory+swap: it must be at "
                   "least memory.limit (%" PRId64 ")",
                   swap, limit);
  *out = swap - limit; /* v2 counts swap alone */
  return 1;
}

static int refuse_v2(const char *field, tote_err **err) {
  return err_set(err, 0, "linux.resources.%s is not supported on cgroup v2", field);
}

/* memory.current above limit (v1's kernel refuses such a limit by itself;
 * v2's takes it and reclaims, or OOM-kills). */
static bool below_usage(const char *dir, int64_t limit) {
  _cleanup_free_ char *cur = cg_read(dir, "memory.current", NULL);
  return cur && strtoll(cur, NULL, 10) > limit;
}

static int v2_set_memory(const char *dir, const struct cg_memory *m, tote_err **err) {
  if (m->swappiness_set)
    return refuse_v2("memory.swappiness", err);
  if (m->disable_oom)
    return refuse_v2("memory.disableOOMKiller", err);
  if (m->kernel_tcp)
    return err_set(err, 0, "linux.resources.memory.kernelTCP is not supported on cgroup v2: "
                           "socket buffers count against memory.limit there");
  if (m->use_hierarchy < 0)
    return err_set(err, 0, "linux.resources.memory.useHierarchy false is not supported on "
                           "cgroup v2: every v2 cgroup is hierarchical");
  char buf[32];
  int64_t swap;
  int r = cg_v2_swap_max(m->swap, m->limit, &swap, err);
  if (r < 0)
    return -1;
  /* memory.swap.max exists only with swap accounting (CONFIG_MEMCG_SWAP) */
  if (r == 1 && m->swap) {
    cg_fmt_max(buf, sizeof buf, swap);
    if (cg_write(dir, "memory.swap.max", buf, err) < 0) {
      if ((*err)->errnum != ENOENT)
        return err_wrap(err, "linux.resources.memory.swap");
      err_free(err);
      return err_set(err, 0,
                     "linux.resources.memory.swap is not supported: swap accounting is off in "
                     "this kernel (no memory.swap.max)");
    }
  } else if (r == 1) {
    cg_fmt_max(buf, sizeof buf, swap); /* implied by limit -1: best effort */
    tote_err *e = NULL;
    cg_write(dir, "memory.swap.max", buf, &e);
    err_free(&e);
  }
  if (m->limit > 0 && m->check_before_update && below_usage(dir, m->limit))
    return err_set(err, EBUSY, "linux.resources.memory.limit %lld is below what the cgroup "
                               "already uses (checkBeforeUpdate)", (long long)m->limit);
  if (m->limit) {
    cg_fmt_max(buf, sizeof buf, m->limit);
    if (write_ctrl(dir, "memory.max", "memory", buf, err) < 0)
      return -1;
  }
  if (m->reservation) {
    cg_fmt_max(buf, sizeof buf, m->reservation);
    if (write_ctrl(dir, "memory.low", "memory", buf, err) < 0)
      return -1;
  }
  return 0;
}

uint64_t cg_shares_to_weight(uint64_t shares) {
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

static int v2_set_cpu(const char *dir, const struct cg_cpu *c, tote_err **err) {
  char buf[64];
  if (c->rt_runtime)
    return refuse_v2("cpu.realtimeRuntime", err);
  if (c->rt_period)
    return refuse_v2("cpu.realtimePeriod", err);
  if (c->shares) {
    snprintf(buf, sizeof buf, "%" PRIu64, cg_shares_to_weight(c->shares));
    if (write_ctrl(dir, "cpu.weight", "cpu", buf, err) < 0)
      return -1;
  }
  if (c->quota || c->period) {
    uint64_t period = c->period ? c->period : 100000;
    if (c->quota > 0)
      snprintf(buf, sizeof buf, "%" PRId64 " %" PRIu64, c->quota, period);
    else
      snprintf(buf, sizeof buf, "max %" PRIu64, period);
    if (write_ctrl(dir, "cpu.max", "cpu", buf, err) < 0)
      return -1;
  }
  if (c->burst) {
    snprintf(buf, sizeof buf, "%" PRIu64, c->burst);
    if (write_ctrl(dir, "cpu.max.burst", "cpu", buf, err) < 0)
      return err_wrap(err, "linux.resources.cpu.burst");
  }
  /* idle after the weight: the kernel refuses a weight on an idle group. */
  if (c->idle) {
    snprintf(buf, sizeof buf, "%" PRId64, c->idle);
    if (write_ctrl(dir, "cpu.idle", "cpu", buf, err) < 0)
      return err_wrap(err, "linux.resources.cpu.idle");
  }
  return 0;
}

static int v2_set_cpuset(const char *dir, const char *cpus, const char *mems, tote_err **err) {
  if (cpus && write_ctrl(dir, "cpuset.cpus", "cpuset", cpus, err) < 0)
    return err_wrap(err, "linux.resources.cpu.cpus");
  if (mems && write_ctrl(dir, "cpuset.mems", "cpuset", mems, err) < 0)
    return err_wrap(err, "linux.resources.cpu.mems");
  return 0;
}

/* "frozen 1" in cgroup.events. */
static int events_frozen(const char *dir, bool *frozen, tote_err **err) {
  _cleanup_free_ char *ev = cg_read(dir, "cgroup.events", err);
  if (ev == NULL)
    return -1;
  const char *p = ev;
  while (p && strncmp(p, "frozen ", 7) != 0)
    p = (p = strchr(p, '\n')) ? p + 1 : NULL;
  if (p == NULL)
    return err_set(err, ENOTSUP, "%s/cgroup.events has no \"frozen\" (kernel before 5.2?)",
                   dir);
  *frozen = p[7] == '1';
  return 0;
}

static int v2_freeze(const char *dir, bool frozen, tote_err **err) {
  if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  long waited = 0, step = 1;
  for (;;) {
    bool now;
    if (events_frozen(dir, &now, err) < 0)
      return -1;
    if (now == frozen)
      return 0;
    if (waited >= CG_FREEZE_TIMEOUT_MS) {
      if (frozen)
        cg_write(dir, "cgroup.freeze", "0", NULL);
      return err_set(err, EBUSY, "%s: cgroup did not become %s", dir,
                     frozen ? "frozen" : "thawed");
    }
    cg_sleep_ms(step);
    waited += step;
    step = step < 64 ? step * 2 : 64;
  }
}

static int v2_is_frozen(const char *dir, bool *frozen, tote_err **err) {
  return events_frozen(dir, frozen, err);
}

static int v2_kill_all(const char *dir, tote_err **err) {
  if (cg_write(dir, "cgroup.kill", "1", err) == 0)
    return 1;
  if ((*err)->errnum != ENOENT)
    return -1;
  err_free(err);
  return 0;
}

const struct cg_backend cg_backend_v2 = {
    .name = "v2",
    .init_dir = v2_init_dir,
    .delegate = v2_delegate,
    .set_devices = v2_set_devices,
    .set_pids = v2_set_pids,
    .set_memory = v2_set_memory,
    .set_cpu = v2_set_cpu,
    .set_cpuset = v2_set_cpuset,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .kill_all = v2_kill_all,
    .stats = cg_v2_stats,
    .oom_kills = cg_v2_oom_kills,
    .oom_notify = cg_v2_oom_notify,
};
