/* config_process.c - the "process" object: args, env, user, rlimits, caps... */
#include <errno.h>
#include <stdbool.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "runtime/config.h"
#include "runtime/config_internal.h"
#include "util/err.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/xalloc.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#ifndef SCHED_ISO
#define SCHED_ISO 4
#endif

struct name_value {
  const char *name;
  long value;
};

static const struct name_value rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static const struct name_value sched_policies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_ISO", SCHED_ISO},     {"SCHED_IDLE", SCHED_IDLE},
    {"SCHED_DEADLINE", SCHED_DEADLINE},
};

static const struct name_value sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const struct name_value ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
    {"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
    {"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
};

#define LOOKUP(table, name) lookup(table, sizeof table / sizeof table[0], name)

static long lookup(const struct name_value *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0)
      return t[i].value;
  return -1;
}

int config_rlimit_from_name(const char *name) { return (int)LOOKUP(rlimit_names, name); }

int config_cap_from_name(const char *name) {
  if (strncmp(name, "CAP_", 4) != 0)
    return -1;
  cap_value_t v;
  _cleanup_free_ char *lower = xstrdup(name);
  for (char *p = lower; *p; p++)
    *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  if (cap_from_name(lower, &v) < 0 || v < 0 || v > 63)
    return -1;
  /* libcap matches a prefix ("cap_kill!" is CAP_KILL): require the exact name */
  char *canon = cap_to_name(v);
  bool exact = canon && strcmp(canon, lower) == 0;
  cap_free(canon);
  return exact ? v : -1;
}

static int parse_user(json_t *p, struct rt_user *u, tote_err **err) {
  json_t *user;
  if (jx_obj(p, "user", "process", &user, err) < 0)
    return -1;
  if (user == NULL)
    return 0;
  uint32_t uid = 0, gid = 0, umask = 0;
  if (jx_u32(user, "uid", "process.user", &uid, err) < 0 ||
      jx_u32(user, "gid", "process.user", &gid, err) < 0 ||
      jx_u32(user, "umask", "process.user", &umask, err) < 0)
    return -1;
  if (config_refuse(user, "username", "process.user", " on Linux (it is for Windows)", err) < 0)
    return -1;
  u->uid = uid, u->gid = gid;
  u->has_umask = jx_present(user, "umask");
  u->umask = umask & 07777;
  json_t *gids;
  if (jx_arr(user, "additionalGids", "process.user", &gids, err) < 0)
    return -1;
  size_t n = gids ? json_array_size(gids) : 0;
  u->additional_gids = xcalloc_array(n, sizeof(gid_t));
  for (size_t i = 0; i < n; i++) {
    json_t *g = json_array_get(gids, i);
    if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > UINT32_MAX)
      return err_set(err, 0, "process.user.additionalGids[%zu] must be a gid", i);
    u->additional_gids[i] = (gid_t)json_integer_value(g);
  }
  u->n_additional_gids = n;
  return 0;
}

static int parse_rlimits(json_t *p, struct rt_process *proc, tote_err **err) {
  json_t *arr;
  if (jx_arr(p, "rlimits", "process", &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  size_t n = json_array_size(arr);
  proc->rlimits = xcalloc_array(n, sizeof *proc->rlimits);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *where = jx_index_path("process", "rlimits", i);
    json_t *r = json_array_get(arr, i);
    struct rt_rlimit *l = &proc->rlimits[i];
    proc->n_rlimits = i + 1;
    if (!json_is_object(r))
      return err_set(err, 0, "%s must be an object", where);
    if (jx_require(r, "soft", where, err) < 0 || jx_require(r, "hard", where, err) < 0 ||
        jx_str(r, "type", where, &l->name, err) < 0 || jx_u64(r, "soft", where, &l->soft, err) < 0 ||
        jx_u64(r, "hard", where, &l->hard, err) < 0)
      return -1;
    if (l->name == NULL)
      return err_set(err, 0, "%s.type is required", where);
    l->resource = config_rlimit_from_name(l->name);
    if (l->resource < 0)
      return err_set(err, 0, "%s.type: unknown rlimit %s", where, l->name);
    if (l->soft > l->hard)
      return err_set(err, 0, "%s: soft limit %ju is above the hard limit %ju", where,
                     (uintmax_t)l->soft, (uintmax_t)l->hard);
    for (size_t k = 0; k < i; k++)
      if (proc->rlimits[k].resource == l->resource)
        return err_set(err, 0, "process.rlimits: %s is given twice", l->name);
  }
  return 0;
}

static int parse_cap_set(json_t *caps, const char *key, uint64_t *mask, tote_err **err) {
  _cleanup_strv_ char **names = NULL;
  if (jx_strv(caps, key, "process.capabilities", &names, err) < 0)
    return -1;
  for (char **n = names; n && *n; n++) {
    int v = config_cap_from_name(*n);
    if (v < 0) {
      log_warn("config.json: process.capabilities.%s: unknown capability %s, skipped", key, *n);
      continue;
    }
    *mask |= 1ULL << v;
  }
  return 0;
}

static int parse_caps(json_t *p, struct rt_caps *caps, tote_err **err) {
  json_t *c;
  if (jx_obj(p, "capabilities", "process", &c, err) < 0)
    return -1;
  if (c == NULL)
    return 0;
  caps->present = true;
  if (parse_cap_set(c, "bounding", &caps->bounding, err) < 0 ||
      parse_cap_set(c, "effective", &caps->effective, err) < 0 ||
      parse_cap_set(c, "inheritable", &caps->inheritable, err) < 0 ||
      parse_cap_set(c, "permitted", &caps->permitted, err) < 0 ||
      parse_cap_set(c, "ambient", &caps->ambient, err) < 0)
    return -1;
  return 0;
}

static int parse_ioprio(json_t *p, struct rt_process *proc, tote_err **err) {
  json_t *io;
  if (jx_obj(p, "ioPriority", "process", &io, err) < 0)
    return -1;
  if (io == NULL)
    return 0;
  _cleanup_free_ char *cls = NULL;
  if (jx_str(io, "class", "process.ioPriority", &cls, err) < 0 ||
      jx_int(io, "priority", "process.ioPriority", &proc->io_priority, err) < 0)
    return -1;
  long v = cls ? LOOKUP(ioprio_classes, cls) : -1;
  if (v < 0)
    return err_set(err, 0, "process.ioPriority.class must be IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or "
                           "IOPRIO_CLASS_IDLE");
  if (proc->io_priority < 0 || proc->io_priority > 7)
    return err_set(err, 0, "process.ioPriority.priority must be from 0 to 7");
  proc->has_io_priority = true;
  proc->io_priority_class = (int)v;
  return 0;
}

static int parse_scheduler(json_t *p, struct rt_process *proc, tote_err **err) {
  json_t *s;
  const char *w = "process.scheduler";
  if (jx_obj(p, "scheduler", "process", &s, err) < 0)
    return -1;
  if (s == NULL)
    return 0;
  _cleanup_free_ char *policy = NULL;
  _cleanup_strv_ char **flags = NULL;
  if (jx_str(s, "policy", w, &policy, err) < 0 || jx_int(s, "nice", w, &proc->sched_nice, err) < 0 ||
      jx_int(s, "priority", w, &proc->sched_priority, err) < 0 ||
      jx_strv(s, "flags", w, &flags, err) < 0 ||
      jx_u64(s, "runtime", w, &proc->sched_runtime, err) < 0 ||
      jx_u64(s, "deadline", w, &proc->sched_deadline, err) < 0 ||
      jx_u64(s, "period", w, &proc->sched_period, err) < 0)
    return -1;
  long v = policy ? LOOKUP(sched_policies, policy) : -1;
  if (v < 0)
    return err_set(err, 0, "%s.policy: unknown policy %s", w, policy ? policy : "(missing)");
  for (char **f = flags; f && *f; f++) {
    long fv = LOOKUP(sched_flags, *f);
    if (fv < 0)
      return err_set(err, 0, "%s.flags: unknown flag %s", w, *f);
    proc->sched_flags |= (uint64_t)fv;
  }
  proc->has_scheduler = true;
  proc->sched_policy = (int)v;
  return 0;
}

static int parse_console(json_t *p, struct rt_process *proc, tote_err **err) {
  json_t *cs;
  if (jx_obj(p, "consoleSize", "process", &cs, err) < 0)
    return -1;
  if (cs == NULL)
    return 0;
  uint32_t h = 0, w = 0;
  if (jx_require(cs, "height", "process.consoleSize", err) < 0 ||
      jx_require(cs, "width", "process.consoleSize", err) < 0 ||
      jx_u32(cs, "height", "process.consoleSize", &h, err) < 0 ||
      jx_u32(cs, "width", "process.consoleSize", &w, err) < 0)
    return -1;
  if (h > 65535 || w > 65535)
    return err_set(err, 0, "process.consoleSize is too large");
  proc->has_console_size = true;
  proc->console_height = (unsigned short)h;
  proc->console_width = (unsigned short)w;
  return 0;
}

static int parse_oom(json_t *p, struct rt_process *proc, tote_err **err) {
  json_t *v = json_object_get(p, "oomScoreAdj");
  if (v == NULL || json_is_null(v))
    return 0;
  if (jx_int(p, "oomScoreAdj", "process", &proc->oom_score_adj, err) < 0)
    return -1;
  if (proc->oom_score_adj < -1000 || proc->oom_score_adj > 1000)
    return err_set(err, 0, "process.oomScoreAdj must be from -1000 to 1000");
  proc->has_oom_score_adj = true;
  return 0;
}

int config_parse_process(json_t *p, struct rt_process *proc, const char *where, tote_err **err) {
  if (!json_is_object(p))
    return err_set(err, 0, "%s must be an object", where);
  if (jx_bool(p, "terminal", "process", &proc->terminal, err) < 0 ||
      jx_str(p, "cwd", "process", &proc->cwd, err) < 0 ||
      jx_strv(p, "env", "process", &proc->env, err) < 0 ||
      jx_strv(p, "args", "process", &proc->args, err) < 0 ||
      jx_bool(p, "noNewPrivileges", "process", &proc->no_new_privileges, err) < 0 ||
      jx_str(p, "apparmorProfile", "process", &proc->apparmor_profile, err) < 0 ||
      jx_str(p, "selinuxLabel", "process", &proc->selinux_label, err) < 0)
    return -1;
  if (config_refuse(p, "commandLine", "process", " on Linux (it is for Windows)", err) < 0 ||
      config_refuse(p, "execCPUAffinity", "process", "", err) < 0)
    return -1;
  if (parse_console(p, proc, err) < 0 || parse_user(p, &proc->user, err) < 0 ||
      parse_rlimits(p, proc, err) < 0 || parse_caps(p, &proc->caps, err) < 0 ||
      parse_ioprio(p, proc, err) < 0 || parse_scheduler(p, proc, err) < 0 ||
      parse_oom(p, proc, err) < 0)
    return -1;
  if (proc->args == NULL || proc->args[0] == NULL || proc->args[0][0] == '\0')
    return err_set(err, 0, "process.args must have at least one entry");
  if (proc->cwd == NULL)
    return err_set(err, 0, "process.cwd is required");
  if (proc->cwd[0] != '/')
    return err_set(err, 0, "process.cwd must be an absolute path, not %s", proc->cwd);
  if (proc->env == NULL)
    proc->env = xcalloc_array(1, sizeof(char *));
  return 0;
}

void config_free_process_fields(struct rt_process *p) {
  free(p->cwd);
  strv_free(p->env);
  strv_free(p->args);
  free(p->user.additional_gids);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free(p->rlimits[i].name);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  memset(p, 0, sizeof *p);
}

void config_process_free(struct rt_process *p) {
  if (p == NULL)
    return;
  config_free_process_fields(p);
  free(p);
}

void config_process_setenv(struct rt_process *p, const char *kv) {
  size_t klen = strcspn(kv, "=");
  size_t n = strv_len(p->env);
  for (size_t i = 0; i < n; i++)
    if (strncmp(p->env[i], kv, klen) == 0 && p->env[i][klen] == '=') {
      free(p->env[i]);
      p->env[i] = xstrdup(kv);
      return;
    }
  p->env = xrealloc(p->env, sizeof(char *) * (n + 2));
  p->env[n] = xstrdup(kv);
  p->env[n + 1] = NULL;
}
