/* systemd.c - the systemd cgroup driver: unit names from cgroupsPath, the
 * unit properties that stand for linux.resources, and starting, stopping
 * and updating the container's scope (see systemd.h). */
#include "runtime/systemd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

#define JOB_TIMEOUT_MS 30000
#define INFINITY_U64 UINT64_MAX /* systemd's "infinity" for limits */
#define MAX_CPUS 8192

/* ---- unit names ---- */

static bool unit_chars(const char *s) {
  for (; *s; s++)
    if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') ||
          strchr(":-_.\\", *s)))
      return false;
  return true;
}

int systemd_unit_parse(const char *path, const char *id, struct sd_unit *u, tote_err **err) {
  memset(u, 0, sizeof *u);
  _cleanup_free_ char *deflt = NULL;
  if (path == NULL || *path == '\0')
    path = deflt = xasprintf(":tote:%s", id);
  const char *c1 = strchr(path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c2 == NULL || strchr(c2 + 1, ':'))
    return err_set(err, 0, "linux.cgroupsPath \"%s\": with --systemd-cgroup it must be "
                           "\"slice:prefix:name\", e.g. \"system.slice:tote:%s\"", path, id);
  _cleanup_free_ char *slice = xstrndup(path, (size_t)(c1 - path));
  _cleanup_free_ char *prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
  const char *name = c2 + 1;
  size_t sl = strlen(slice);
  if (*name == '\0')
    return err_set(err, 0, "linux.cgroupsPath \"%s\": the name (after the second ':') is empty",
                   path);
  if (sl && (sl < 7 || strcmp(slice + sl - 6, ".slice") != 0 || !unit_chars(slice)))
    return err_set(err, 0, "linux.cgroupsPath \"%s\": \"%s\" is not a slice unit name "
                           "(like system.slice or machine.slice)", path, slice);
  size_t nl = strlen(name);
  if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
    return err_set(err, 0, "linux.cgroupsPath \"%s\": a container in a slice of its own is not "
                           "supported: name a scope (\"slice:prefix:name\")", path);
  if (!unit_chars(prefix) || !unit_chars(name))
    return err_set(err, 0, "linux.cgroupsPath \"%s\": a unit name holds only letters, digits "
                           "and \":-_.\\\"", path);
  u->slice = sl ? steal_ptr(&slice) : xstrdup("system.slice");
  u->name = *prefix ? xasprintf("%s-%s.scope", prefix, name) : xasprintf("%s.scope", name);
  if (strlen(u->name) > 255) {
    systemd_unit_free(u);
    return err_set(err, 0, "linux.cgroupsPath \"%s\": the unit name is too long", path);
  }
  return 0;
}

void systemd_unit_free(struct sd_unit *u) {
  free(u->slice);
  free(u->name);
  u->slice = u->name = NULL;
}

/* ---- properties ---- */

struct prop {
  const char *name;
  bool mask;     /* "ay" (a CPU or node mask), else "t" */
  uint64_t value;
  uint8_t *bytes;
  size_t len;
};

struct props {
  struct prop p[16];
  size_t n;
};

static void props_free(struct props *ps) {
  for (size_t i = 0; i < ps->n; i++)
    free(ps->p[i].bytes);
  ps->n = 0;
}

static void add_u64(struct props *ps, const char *name, uint64_t v) {
  ps->p[ps->n++] = (struct prop){.name = name, .value = v};
}

static uint64_t limit_u64(int64_t v) { return v < 0 ? INFINITY_U64 : (uint64_t)v; }

/* "0-3,7" -> a little-endian bit mask, as systemd's AllowedCPUs takes it. */
static int add_mask(struct props *ps, const char *name, const char *list, const char *field,
                    tote_err **err) {
  uint8_t *bytes = xzalloc(MAX_CPUS / 8);
  size_t len = 0;
  const char *p = list;
  while (*p) {
    char *end;
    errno = 0;
    unsigned long a = strtoul(p, &end, 10), b = a;
    if (end != p && *end == '-') {
      p = end + 1;
      b = strtoul(p, &end, 10);
    }
    if (errno || end == p || a > b || b >= MAX_CPUS || (*end && *end != ',')) {
      free(bytes);
      return err_set(err, 0, "linux.resources.cpu.%s \"%s\" is not a list like 0-3,7", field,
                     list);
    }
    for (unsigned long i = a; i <= b; i++)
      bytes[i / 8] |= (uint8_t)(1u << (i % 8));
    if (b / 8 + 1 > len)
      len = b / 8 + 1;
    p = *end ? end + 1 : end;
  }
  ps->p[ps->n++] = (struct prop){.name = name, .mask = true, .bytes = bytes, .len = len};
  return 0;
}

/* What systemd must know of resources so that it keeps them, under the
 * names of the cgroup version it runs (v2, else legacy/hybrid v1, where it
 * has no memory.low, swap or cpuset: those stay with tote).  No pids limit
 * is TasksMax=infinity: otherwise systemd imposes its DefaultTasksMax. */
static int resource_props(json_t *res, bool v2, struct props *ps, tote_err **err) {
  ps->n = 0;
  json_t *pids = json_object_get(json_object_get(res, "pids"), "limit");
  add_u64(ps, "TasksMax", json_is_integer(pids) ? limit_u64(json_integer_value(pids))
                                                : INFINITY_U64);
  if (res == NULL || json_is_null(res))
    return 0;
  struct cg_memory m;
  struct cg_cpu c;
  struct cg_blockio b;
  if (cg_memory_fields(res, &m, err) < 0 || cg_cpu_fields(res, &c, err) < 0)
    return -1;
  if (m.limit)
    add_u64(ps, v2 ? "MemoryMax" : "MemoryLimit", limit_u64(m.limit));
  if (m.reservation && v2)
    add_u64(ps, "MemoryLow", limit_u64(m.reservation));
  int64_t swap;
  int r = v2 ? cg_v2_swap_max(m.swap, m.limit, &swap, err) : 0;
  if (r < 0)
    return -1;
  if (r == 1 && m.swap)
    add_u64(ps, "MemorySwapMax", limit_u64(swap));
  if (c.shares)
    add_u64(ps, v2 ? "CPUWeight" : "CPUShares", v2 ? cg_shares_to_weight(c.shares) : c.shares);
  uint64_t period = c.period ? c.period : 100000;
  if (c.quota > 0) {
    /* systemd keeps the quota per second in 10 ms steps: round up, as runc */
    uint64_t per_sec = (uint64_t)c.quota * 1000000 / period;
    add_u64(ps, "CPUQuotaPerSecUSec", (per_sec + 9999) / 10000 * 10000);
  } else if (c.quota < 0) {
    add_u64(ps, "CPUQuotaPerSecUSec", INFINITY_U64);
  }
  if (c.period)
    add_u64(ps, "CPUQuotaPeriodUSec", c.period);
  if (cg_blockio_fields(res, &b, err) < 0)
    return -1;
  if (b.weight)
    add_u64(ps, v2 ? "IOWeight" : "BlockIOWeight",
            v2 ? cg_blkio_weight_to_io_weight(b.weight) : b.weight);
  cg_blockio_free(&b);
  if (!v2)
    return 0;
  if ((c.cpus && add_mask(ps, "AllowedCPUs", c.cpus, "cpus", err) < 0) ||
      (c.mems && add_mask(ps, "AllowedMemoryNodes", c.mems, "mems", err) < 0)) {
    props_free(ps);
    return -1;
  }
  return 0;
}

char *systemd_props_text(json_t *res, bool v2, tote_err **err) {
  struct props ps;
  if (resource_props(res, v2, &ps, err) < 0)
    return NULL;
  char *out = xstrdup("");
  for (size_t i = 0; i < ps.n; i++) {
    char *line;
    if (!ps.p[i].mask) {
      line = xasprintf("%s%s=%" PRIu64 "\n", out, ps.p[i].name, ps.p[i].value);
    } else {
      line = xasprintf("%s%s=", out, ps.p[i].name);
      for (size_t k = 0; k < ps.p[i].len; k++) {
        char *l2 = xasprintf("%s%02x", line, ps.p[i].bytes[k]);
        free(line);
        line = l2;
      }
      char *l2 = xasprintf("%s\n", line);
      free(line);
      line = l2;
    }
    free(out);
    out = line;
  }
  props_free(&ps);
  return out;
}

/* ---- the bus ---- */

/* Each property as a (sv): a u64 ('t') or a bitmask ('ay'). */
static void put_props(struct dbus_buf *b, const struct props *ps) {
  for (size_t i = 0; i < ps->n; i++) {
    const struct prop *p = &ps->p[i];
    dbus_open_struct(b);
    dbus_put_str(b, p->name);
    if (p->mask) {
      dbus_put_sig(b, "ay");
      dbus_open_array(b, 1);
      for (size_t k = 0; k < p->len; k++)
        dbus_put_byte(b, p->bytes[k]);
      dbus_close_array(b);
    } else {
      dbus_put_sig(b, "t");
      dbus_put_u64(b, p->value);
    }
  }
}

static void put_str_prop(struct dbus_buf *b, const char *name, const char *value) {
  dbus_open_struct(b);
  dbus_put_str(b, name);
  dbus_put_sig(b, "s");
  dbus_put_str(b, value);
}

static void put_bool_prop(struct dbus_buf *b, const char *name, bool value) {
  dbus_open_struct(b);
  dbus_put_str(b, name);
  dbus_put_sig(b, "b");
  dbus_put_bool(b, value);
}

int systemd_open(struct sd_conn *c, tote_err **err) {
  enum cg_layout l;
  if (sd_usable(err) < 0 || cgroup_detect_layout(&l, err) < 0 || sd_connect(c, err) < 0)
    return -1;
  c->v2 = l == CG_LAYOUT_V2;
  return 0;
}

int systemd_start_scope(struct sd_conn *c, const struct sd_unit *u, pid_t pid, json_t *res,
                        tote_err **err) {
  struct props ps;
  if (resource_props(res, c->v2, &ps, err) < 0)
    return -1;
  _cleanup_free_ char *desc = xasprintf("tote container %s", u->name);
  /* ssa(sv)a(sa(sv)): name, mode, properties, auxiliary units */
  struct dbus_buf b = {0};
  dbus_put_str(&b, u->name);
  dbus_put_str(&b, "fail");
  dbus_open_array(&b, 8);
  put_str_prop(&b, "Description", desc);
  put_str_prop(&b, "Slice", u->slice);
  put_bool_prop(&b, "Delegate", true);
  put_bool_prop(&b, "DefaultDependencies", false);
  put_str_prop(&b, "CollectMode", "inactive-or-failed");
  dbus_open_struct(&b);
  dbus_put_str(&b, "PIDs");
  dbus_put_sig(&b, "au");
  dbus_open_array(&b, 4);
  dbus_put_u32(&b, (uint32_t)pid);
  dbus_close_array(&b);
  put_props(&b, &ps);
  dbus_close_array(&b);
  dbus_open_array(&b, 8);
  dbus_close_array(&b);
  props_free(&ps);
  _cleanup_free_ char *what = xasprintf("starting the systemd scope %s", u->name);
  int r = sd_call_job(c, "StartTransientUnit", "ssa(sv)a(sa(sv))", &b, what, false,
                      JOB_TIMEOUT_MS, err);
  dbus_buf_free(&b);
  return r;
}

int systemd_stop_unit(struct sd_conn *c, const char *unit, tote_err **err) {
  struct dbus_buf b = {0};
  dbus_put_str(&b, unit);
  dbus_put_str(&b, "replace");
  _cleanup_free_ char *what = xasprintf("stopping the systemd scope %s", unit);
  int r = sd_call_job(c, "StopUnit", "ss", &b, what, true, JOB_TIMEOUT_MS, err);
  dbus_buf_free(&b);
  return r;
}

int systemd_set_resources(struct sd_conn *c, const char *unit, json_t *res, tote_err **err) {
  struct props ps;
  if (resource_props(res, c->v2, &ps, err) < 0)
    return -1;
  /* sba(sv): name, runtime (not persisted), properties */
  struct dbus_buf b = {0};
  dbus_put_str(&b, unit);
  dbus_put_bool(&b, true);
  dbus_open_array(&b, 8);
  put_props(&b, &ps);
  dbus_close_array(&b);
  props_free(&ps);
  _cleanup_free_ char *what = xasprintf("setting the properties of %s", unit);
  int r = sd_call_job(c, "SetUnitProperties", "sba(sv)", &b, what, false, JOB_TIMEOUT_MS, err);
  dbus_buf_free(&b);
  return r;
}

int systemd_stop(const char *unit, tote_err **err) {
  struct sd_conn c;
  if (sd_connect(&c, err) < 0)
    return -1;
  int r = systemd_stop_unit(&c, unit, err);
  sd_disconnect(&c);
  return r;
}

int systemd_update(const char *unit, json_t *resources, tote_err **err) {
  struct sd_conn c;
  if (systemd_open(&c, err) < 0)
    return -1;
  int r = systemd_set_resources(&c, unit, resources, err);
  sd_disconnect(&c);
  return r;
}
