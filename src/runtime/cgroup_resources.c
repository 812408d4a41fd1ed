/* cgroup_resources.c - linux.resources: what tote implements (devices,
 * pids.limit, memory limit, reservation, swap, swappiness, disableOOMKiller,
 * checkBeforeUpdate, kernelTCP, useHierarchy,
 * cpu shares, quota, period, burst, realtimeRuntime, realtimePeriod, idle,
 * cpus, mems), what it refuses, and applying it through the backend of the
 * hierarchy that holds each controller.  What one cgroup version or kernel
 * cannot do is refused by its backend when it is applied. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define WHERE "linux.resources"

/* ---- what is refused ---- */

/* A field tote refuses, and why.  zero_unset: 0, false and "" mean "not
 * set" (as in runc, and as Docker writes "cpu": {"shares": 0}), so they pass;
 * otherwise any present value but null is refused (swappiness 0 is real). */
struct refused {
  const char *name;
  bool zero_unset;
  const char *why;
};

struct section {
  const char *name;
  const struct refused *fields;
  size_t n;
};

static const struct refused memory_refused[] = {
    {"kernel", true,
     "Linux no longer enforces kernel memory limits (memory.kmem.limit_in_bytes is deprecated "
     "and a write to it has no effect): remove it, memory.limit covers kernel memory"},
};

#define FIELDS(a) a, sizeof a / sizeof a[0]
static const struct section sections[] = {
    {"memory", FIELDS(memory_refused)},
};

static bool is_empty(json_t *v, bool zero_unset) {
  if (v == NULL || json_is_null(v))
    return true;
  if (json_is_object(v))
    return json_object_size(v) == 0;
  if (json_is_array(v))
    return json_array_size(v) == 0;
  if (!zero_unset)
    return false;
  if (json_is_string(v))
    return json_string_length(v) == 0;
  if (json_is_integer(v))
    return json_integer_value(v) == 0;
  if (json_is_real(v))
    return json_real_value(v) == 0.0;
  return json_is_false(v);
}

static int check_section(json_t *res, const struct section *s, tote_err **err) {
  json_t *v = json_object_get(res, s->name);
  if (is_empty(v, false))
    return 0;
  if (!json_is_object(v))
    return err_set(err, 0, WHERE ".%s must be an object", s->name);
  for (size_t i = 0; i < s->n; i++) {
    const struct refused *f = &s->fields[i];
    if (!is_empty(json_object_get(v, f->name), f->zero_unset))
      return err_set(err, 0, WHERE ".%s.%s is not supported: %s", s->name, f->name, f->why);
  }
  return 0;
}

/* ---- what is implemented ---- */

/* An optional integer field: *set tells whether it was given (null = not). */
static int get_int(json_t *obj, const char *key, const char *where, bool *set, int64_t *v,
                   tote_err **err) {
  json_t *j = json_object_get(obj, key);
  *set = false;
  if (j == NULL || json_is_null(j))
    return 0;
  if (!json_is_integer(j))
    return err_set(err, 0, "%s.%s must be an integer", where, key);
  *set = true;
  *v = json_integer_value(j);
  return 0;
}

static int get_section(json_t *res, const char *name, json_t **out, tote_err **err) {
  *out = json_object_get(res, name);
  if (*out && json_is_null(*out))
    *out = NULL;
  if (*out && !json_is_object(*out))
    return err_set(err, 0, WHERE ".%s must be an object", name);
  return 0;
}

static int pids_limit(json_t *res, bool *set, int64_t *limit, tote_err **err) {
  json_t *p;
  *set = false;
  if (get_section(res, "pids", &p, err) < 0)
    return -1;
  return p ? get_int(p, "limit", WHERE ".pids", set, limit, err) : 0;
}

/* A byte count: -1 = unlimited, 0 = not set (as runc). */
static int get_bytes(json_t *m, const char *key, int64_t *v, tote_err **err) {
  bool set;
  *v = 0;
  if (get_int(m, key, WHERE ".memory", &set, v, err) < 0)
    return -1;
  if (set && *v < -1)
    return err_set(err, 0, WHERE ".memory.%s must be -1 (unlimited) or a number of bytes", key);
  return 0;
}

int cg_memory_fields(json_t *res, struct cg_memory *mem, tote_err **err) {
  json_t *m;
  memset(mem, 0, sizeof *mem);
  if (get_section(res, "memory", &m, err) < 0)
    return -1;
  if (m == NULL)
    return 0;
  /* limit 0 is "not set", as in runc: no process fits in 0 bytes */
  if (get_bytes(m, "limit", &mem->limit, err) < 0 ||
      get_bytes(m, "reservation", &mem->reservation, err) < 0 ||
      get_bytes(m, "swap", &mem->swap, err) < 0)
    return -1;
  if (mem->swap > 0 && mem->limit <= 0)
    return err_set(err, 0, WHERE ".memory.swap (memory+swap) needs a memory.limit");
  if (mem->swap > 0 && mem->swap < mem->limit)
    return err_set(err, 0,
                   WHERE ".memory.swap (%" PRId64 ") is memory+swap: it must be at least "
                         "memory.limit (%" PRId64 ")",
                   mem->swap, mem->limit);
  bool set;
  int64_t v = 0;
  if (get_int(m, "swappiness", WHERE ".memory", &set, &v, err) < 0)
    return -1;
  if (set && (v < 0 || v > 100))
    return err_set(err, 0, WHERE ".memory.swappiness must be between 0 and 100");
  mem->swappiness_set = set;
  mem->swappiness = (uint64_t)v;
  json_t *oom = json_object_get(m, "disableOOMKiller");
  if (oom && !json_is_null(oom) && !json_is_boolean(oom))
    return err_set(err, 0, WHERE ".memory.disableOOMKiller must be a boolean");
  mem->disable_oom = json_is_true(oom);
  json_t *check = json_object_get(m, "checkBeforeUpdate");
  if (check && !json_is_null(check) && !json_is_boolean(check))
    return err_set(err, 0, WHERE ".memory.checkBeforeUpdate must be a boolean");
  mem->check_before_update = json_is_true(check);
  if (get_bytes(m, "kernelTCP", &mem->kernel_tcp, err) < 0)
    return -1;
  json_t *hier = json_object_get(m, "useHierarchy");
  if (hier && !json_is_null(hier) && !json_is_boolean(hier))
    return err_set(err, 0, WHERE ".memory.useHierarchy must be a boolean");
  if (hier && json_is_boolean(hier))
    mem->use_hierarchy = json_is_true(hier) ? 1 : -1;
  return 0;
}

static bool memory_is_set(const struct cg_memory *m) {
  return m->limit || m->reservation || m->swap || m->swappiness_set || m->disable_oom ||
         m->kernel_tcp || m->use_hierarchy;
}

static int device_rule(json_t *d, size_t i, struct cg_dev_rule *out, size_t *n,
                       tote_err **err) {
  if (!json_is_object(d))
    return err_set(err, 0, WHERE ".devices[%zu] must be an object", i);
  json_t *allow = json_object_get(d, "allow");
  if (!json_is_boolean(allow))
    return err_set(err, 0, WHERE ".devices[%zu].allow is required and must be a boolean", i);
  json_t *jt = json_object_get(d, "type");
  const char *type = "a";
  if (jt && !json_is_null(jt)) {
    type = json_is_string(jt) ? json_string_value(jt) : "";
    if (strcmp(type, "a") != 0 && strcmp(type, "b") != 0 && strcmp(type, "c") != 0)
      return err_set(err, 0, WHERE ".devices[%zu].type must be \"a\", \"b\" or \"c\"", i);
  }
  char num[2][16];
  const char *keys[2] = {"major", "minor"};
  bool wild = true;
  for (int k = 0; k < 2; k++) {
    char where[64];
    snprintf(where, sizeof where, WHERE ".devices[%zu]", i);
    bool set;
    int64_t v = -1;
    if (get_int(d, keys[k], where, &set, &v, err) < 0)
      return -1;
    if (v < -1 || v > UINT32_MAX)
      return err_set(err, 0, "%s.%s must be -1 (any) or a device number", where, keys[k]);
    if (v == -1)
      snprintf(num[k], sizeof num[k], "*");
    else
      snprintf(num[k], sizeof num[k], "%" PRId64, v), wild = false;
  }
  json_t *ja = json_object_get(d, "access");
  const char *acc = "";
  if (ja && !json_is_null(ja) && !json_is_string(ja))
    return err_set(err, 0, WHERE ".devices[%zu].access must be a string", i);
  if (ja && json_is_string(ja))
    acc = json_string_value(ja);
  char access[4] = "";
  size_t an = 0;
  for (const char *p = "rwm"; *p; p++)
    if (strchr(acc, *p) || *acc == '\0')
      access[an++] = *p;
  access[an] = '\0';
  if (strspn(acc, "rwm") != strlen(acc))
    return err_set(err, 0, WHERE ".devices[%zu].access \"%s\": only r, w and m are allowed", i,
                   acc);
  bool is_allow = json_is_true(allow);
  if (type[0] == 'a' && wild && an == 3) {
    out[(*n)++] = (struct cg_dev_rule){.allow = is_allow, .text = "a"};
    return 0;
  }
  /* The kernel takes a rule starting with "a" as all devices and all access:
   * a narrower "a" rule is the same rule for both char and block devices. */
  const char *types = type[0] == 'a' ? "cb" : type;
  for (const char *t = types; *t; t++) {
    struct cg_dev_rule *r = &out[(*n)++];
    r->allow = is_allow;
    snprintf(r->text, sizeof r->text, "%c %s:%s %s", *t, num[0], num[1], access);
  }
  return 0;
}

int cg_device_rules(json_t *devices, struct cg_dev_rule **out, size_t *n, tote_err **err) {
  *out = NULL;
  *n = 0;
  if (devices == NULL || json_is_null(devices))
    return 0;
  if (!json_is_array(devices))
    return err_set(err, 0, WHERE ".devices must be an array");
  _cleanup_free_ struct cg_dev_rule *rules =
      xcalloc_array(2 * json_array_size(devices) + 1, sizeof *rules);
  size_t count = 0, i;
  json_t *d;
  json_array_foreach(devices, i, d) {
    if (device_rule(d, i, rules, &count, err) < 0)
      return -1;
  }
  *out = steal_ptr(&rules);
  *n = count;
  return 0;
}

/* A non-negative integer field of linux.resources.cpu (0 = not set). */
static int get_uint(json_t *cpu, const char *key, uint64_t *out, tote_err **err) {
  bool set;
  int64_t v = 0;
  if (get_int(cpu, key, WHERE ".cpu", &set, &v, err) < 0)
    return -1;
  if (set && v < 0)
    return err_set(err, 0, WHERE ".cpu.%s must not be negative", key);
  *out = set ? (uint64_t)v : 0;
  return 0;
}

/* cpus or mems: a cpuset list ("0-3,7"), "" = not set. */
static int get_list(json_t *cpu, const char *key, const char **out, tote_err **err) {
  json_t *j = json_object_get(cpu, key);
  *out = NULL;
  if (j == NULL || json_is_null(j))
    return 0;
  if (!json_is_string(j))
    return err_set(err, 0, WHERE ".cpu.%s must be a string", key);
  const char *s = json_string_value(j);
  if (s[0] == '\0')
    return 0;
  if (strspn(s, "0123456789,-") != strlen(s))
    return err_set(err, 0, WHERE ".cpu.%s \"%s\" is not a list like \"0-3,7\"", key, s);
  *out = s;
  return 0;
}

int cg_cpu_fields(json_t *res, struct cg_cpu *c, tote_err **err) {
  json_t *cpu;
  bool set;
  int64_t v;
  memset(c, 0, sizeof *c);
  if (get_section(res, "cpu", &cpu, err) < 0)
    return -1;
  if (cpu == NULL)
    return 0;
  if (get_uint(cpu, "shares", &c->shares, err) < 0 ||
      get_uint(cpu, "period", &c->period, err) < 0 || get_uint(cpu, "burst", &c->burst, err) < 0 ||
      get_uint(cpu, "realtimePeriod", &c->rt_period, err) < 0)
    return -1;
  if (get_int(cpu, "quota", WHERE ".cpu", &set, &v, err) < 0)
    return -1;
  c->quota = set ? v : 0;
  if (get_int(cpu, "realtimeRuntime", WHERE ".cpu", &set, &v, err) < 0)
    return -1;
  if (set && v < -1)
    return err_set(err, 0, WHERE ".cpu.realtimeRuntime must be -1 (no limit) or microseconds");
  c->rt_runtime = set ? v : 0;
  if (get_int(cpu, "idle", WHERE ".cpu", &set, &v, err) < 0)
    return -1;
  if (set && v != 0 && v != 1)
    return err_set(err, 0, WHERE ".cpu.idle must be 0 or 1");
  c->idle = set ? v : 0;
  if (c->burst && c->quota > 0 && (int64_t)c->burst > c->quota)
    return err_set(err, 0, WHERE ".cpu.burst must not exceed cpu.quota");
  if (get_list(cpu, "cpus", &c->cpus, err) < 0 || get_list(cpu, "mems", &c->mems, err) < 0)
    return -1;
  return 0;
}

static bool cpu_is_set(const struct cg_cpu *c) {
  return c->shares || c->quota || c->period || c->burst || c->rt_runtime || c->rt_period ||
         c->idle;
}

int cg_validate_resources(json_t *res, tote_err **err) {
  if (res == NULL || json_is_null(res))
    return 0;
  if (!json_is_object(res))
    return err_set(err, 0, WHERE " must be an object");
  for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
    if (check_section(res, &sections[i], err) < 0)
      return -1;
  bool set;
  int64_t v;
  struct cg_cpu cpu;
  struct cg_memory mem;
  if (pids_limit(res, &set, &v, err) < 0 || cg_memory_fields(res, &mem, err) < 0 ||
      cg_cpu_fields(res, &cpu, err) < 0)
    return -1;
  struct cg_blockio bio;
  int r = cg_blockio_fields(res, &bio, err);
  cg_blockio_free(&bio);
  if (r < 0 || cg_hugetlb_check(res, err) < 0 || cg_unified_check(res, err) < 0 ||
      cg_net_check(res, err) < 0 || cg_rdma_check(res, err) < 0)
    return -1;
  _cleanup_free_ struct cg_dev_rule *rules = NULL;
  size_t n;
  if (cg_device_rules(json_object_get(res, "devices"), &rules, &n, err) < 0)
    return -1;
  return 0;
}

int cgroup_check_resources(json_t *resources, tote_err **err) {
  CG_ERR_GUARD(err);
  /* What this host's hierarchies cannot do, cgroup_create and the backends say. */
  return cg_validate_resources(resources, err);
}

/* ---- applying ---- */

/* The hierarchy for controller, or an error saying why there is none. */
static struct cg_hier *target(struct cgroup *cg, const char *ctrl, const char *field,
                              tote_err **err) {
  struct cg_hier *h = cg_find(cg, ctrl);
  if (h == NULL) {
    err_set(err, ENOENT, "%s: no cgroup hierarchy has the %s controller", field, ctrl);
    return NULL;
  }
  if (h->dir == NULL) {
    err_set(err, EACCES,
            "%s: cannot set limits without a writable %s cgroup (rootless without "
            "cgroup delegation: remove the limit or delegate %s)",
            field, ctrl, h->mount);
    return NULL;
  }
  return h;
}

static int apply_devices(struct cgroup *cg, json_t *res, tote_err **err) {
  _cleanup_free_ struct cg_dev_rule *rules = NULL;
  size_t n;
  if (cg_device_rules(json_object_get(res, "devices"), &rules, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  struct cg_hier *h = cg_find(cg, "devices");
  for (size_t i = 0; h == NULL && i < cg->n; i++) /* v2: no devices controller, eBPF */
    if (cg->h[i].v2)
      h = &cg->h[i];
  if (h && h->dir == NULL && cg->rootless) {
    /* As runc: device rules are not expected to work rootless. */
    log_debug("rootless: skipping " WHERE ".devices: no writable devices cgroup");
    return 0;
  }
  if (h == NULL)
    return err_set(err, ENOENT, WHERE ".devices: no devices cgroup and no cgroup2 hierarchy");
  if (h->dir == NULL)
    return err_set(err, EACCES, WHERE ".devices: the %s cgroup is not writable", h->mount);
  return cg_backend_of(h)->set_devices(h->dir, rules, n, err);
}

/* blkio on v1, io on v2: cgroup_blockio.c knows both files. */
static int apply_blockio(struct cgroup *cg, json_t *res, tote_err **err) {
  struct cg_blockio bio;
  int r = cg_blockio_fields(res, &bio, err);
  if (r == 0 && cg_blockio_is_set(&bio)) {
    struct cg_hier *h = target(cg, cg_find(cg, "blkio") ? "blkio" : "io", WHERE ".blockIO", err);
    r = h ? cg_blockio_apply(h->dir, h->v2, &bio, err) : -1;
  }
  cg_blockio_free(&bio);
  return r;
}

/* The cgroup2 hierarchy, for linux.resources.unified (NULL: pure v1). */
static struct cg_hier *v2_hier(struct cgroup *cg) {
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].v2)
      return &cg->h[i];
  return NULL;
}

static int apply_others(struct cgroup *cg, json_t *res, tote_err **err) {
  struct cg_hier *h;
  if (json_array_size(json_object_get(res, "hugepageLimits")) > 0 &&
      ((h = target(cg, "hugetlb", WHERE ".hugepageLimits", err)) == NULL ||
       cg_hugetlb_apply(h->dir, h->v2, res, err) < 0))
    return -1;
  if (cg_net_class_set(res) && ((h = target(cg, "net_cls", WHERE ".network.classID", err)) ==
                                    NULL || cg_net_class_apply(h->dir, res, err) < 0))
    return -1;
  if (cg_net_prio_set(res) && ((h = target(cg, "net_prio", WHERE ".network.priorities", err)) ==
                                   NULL || cg_net_prio_apply(h->dir, res, err) < 0))
    return -1;
  if (cg_rdma_set(res) && ((h = target(cg, "rdma", WHERE ".rdma", err)) == NULL ||
                            cg_rdma_apply(h->dir, res, err) < 0))
    return -1;
  if (json_object_size(json_object_get(res, "unified")) > 0) {
    if ((h = v2_hier(cg)) == NULL)
      return err_set(err, 0, WHERE ".unified needs cgroup v2, and this host has only v1");
    if (h->dir == NULL)
      return err_set(err, EACCES, WHERE ".unified: the %s cgroup is not writable", h->mount);
    return cg_unified_apply(h->dir, res, err);
  }
  return 0;
}

int cgroup_apply_resources(struct cgroup *cg, json_t *res, tote_err **err) {
  CG_ERR_GUARD(err);
  if (cg_validate_resources(res, err) < 0)
    return -1;
  if (res == NULL || json_is_null(res))
    return 0;
  if (apply_devices(cg, res, err) < 0)
    return -1;
  bool set;
  int64_t v;
  struct cg_hier *h;
  if (pids_limit(res, &set, &v, err) < 0)
    return -1;
  if (set) {
    if ((h = target(cg, "pids", WHERE ".pids.limit", err)) == NULL ||
        cg_backend_of(h)->set_pids(h->dir, v, err) < 0)
      return -1;
  }
  struct cg_memory mem;
  if (cg_memory_fields(res, &mem, err) < 0)
    return -1;
  if (memory_is_set(&mem)) {
    if ((h = target(cg, "memory", WHERE ".memory", err)) == NULL ||
        cg_backend_of(h)->set_memory(h->dir, &mem, err) < 0)
      return -1;
  }
  struct cg_cpu cpu;
  if (cg_cpu_fields(res, &cpu, err) < 0)
    return -1;
  /* cpuset before cpu: where both share a hierarchy (v2), the cpus exist
   * before the bandwidth is set on them. */
  if (cpu.cpus || cpu.mems) {
    if ((h = target(cg, "cpuset", WHERE ".cpu.cpus/mems", err)) == NULL ||
        cg_backend_of(h)->set_cpuset(h->dir, cpu.cpus, cpu.mems, err) < 0)
      return -1;
  }
  if (cpu_is_set(&cpu)) {
    if ((h = target(cg, "cpu", WHERE ".cpu", err)) == NULL ||
        cg_backend_of(h)->set_cpu(h->dir, &cpu, err) < 0)
      return -1;
  }
  return apply_blockio(cg, res, err) < 0 || apply_others(cg, res, err) < 0 ? -1 : 0;
}

/* ---- update ---- */

/* 0 and "" in an update mean "leave as is" (runc); swappiness 0 is real. */
static bool unchanged(const char *section, const char *key, json_t *v) {
  if (json_is_null(v))
    return true;
  if (strcmp(section, "memory") == 0 && strcmp(key, "swappiness") == 0)
    return false;
  return (json_is_integer(v) && json_integer_value(v) == 0) ||
         (json_is_string(v) && json_string_length(v) == 0);
}

/* Copy key of from into to, if from has it set (non-zero). */
static void complete(json_t *to, json_t *from, const char *key) {
  json_t *v = json_object_get(from, key);
  if (json_object_get(to, key) == NULL && v && !unchanged("", key, v))
    json_object_set(to, key, v);
}

json_t *cg_merge_resources(json_t *old, json_t *delta, json_t **effective, tote_err **err) {
  if (delta == NULL || !json_is_object(delta)) {
    err_set(err, 0, WHERE " must be an object");
    return NULL;
  }
  json_t *merged = json_is_object(old) ? json_deep_copy(old) : json_object();
  json_t *eff = json_object();
  const char *section;
  json_t *v;
  json_object_foreach(delta, section, v) {
    if (strcmp(section, "devices") == 0)
      continue; /* as runc: update does not touch the device rules */
    if (!json_is_object(v)) {
      if (!json_is_null(v)) {
        json_object_set(merged, section, v);
        json_object_set(eff, section, v);
      }
      continue;
    }
    json_t *m = json_object_get(merged, section);
    if (!json_is_object(m)) {
      m = json_object();
      json_object_set_new(merged, section, m);
    }
    json_t *e = json_object();
    const char *key;
    json_t *fv;
    json_object_foreach(v, key, fv) {
      if (unchanged(section, key, fv))
        continue;
      json_object_set(m, key, fv);
      json_object_set(e, key, fv);
    }
    if (json_object_size(e))
      json_object_set(eff, section, e);
    json_decref(e);
  }
  /* Pairs the kernel checks against each other go together. */
  json_t *mem = json_object_get(eff, "memory");
  if (mem && (json_object_get(mem, "limit") || json_object_get(mem, "swap"))) {
    complete(mem, json_object_get(merged, "memory"), "limit");
    complete(mem, json_object_get(merged, "memory"), "swap");
  }
  json_t *cpu = json_object_get(eff, "cpu");
  if (cpu && (json_object_get(cpu, "quota") || json_object_get(cpu, "period"))) {
    complete(cpu, json_object_get(merged, "cpu"), "quota");
    complete(cpu, json_object_get(merged, "cpu"), "period");
  }
  if (effective)
    *effective = eff;
  else
    json_decref(eff);
  return merged;
}
