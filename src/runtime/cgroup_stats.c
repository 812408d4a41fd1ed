/* cgroup_stats.c - the container's statistics for `events`, in the layout
 * of runc's types.Stats.
 *
 * The parsers and the JSON formatter are pure (unit tests feed them file
 * text); cg_v1_stats and cg_v2_stats read one controller's files each and
 * sit in the backend tables; cgroup_stats asks the hierarchy of each
 * controller.  A file this kernel lacks (memsw without swap accounting,
 * memory.peak before 5.19...) leaves its fields unset; so does a cgroup
 * that vanished while the container stopped. */
#include "runtime/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

/* ---- pure ---- */

void cg_stats_free(struct cg_stats *s) {
  free(s->percpu.v);
  free(s->percpu_kernel.v);
  free(s->percpu_user.v);
  for (size_t i = 0; i < s->nraw; i++)
    free(s->raw[i].key);
  free(s->raw);
  free(s->io_bytes.e);
  free(s->io_serviced.e);
  free(s->hugetlb);
  memset(s, 0, sizeof *s);
}

static bool parse_u64(const char *p, const char **end, uint64_t *out) {
  char *e;
  errno = 0;
  if (*p < '0' || *p > '9')
    return false;
  unsigned long long v = strtoull(p, &e, 10);
  if (errno)
    return false;
  *out = v;
  if (end)
    *end = e;
  return true;
}

int cg_kv_get(const char *text, const char *key, uint64_t *out) {
  size_t klen = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
      return parse_u64(p + klen + 1, NULL, out) ? 0 : -1;
  return -1;
}

void cg_parse_memory_stat(const char *text, struct cg_stats *s) {
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    const char *sp = strchr(p, ' ');
    const char *nl = strchr(p, '\n');
    uint64_t v;
    if (sp == NULL || (nl && sp > nl) || !parse_u64(sp + 1, NULL, &v))
      continue;
    s->raw = xrealloc(s->raw, (s->nraw + 1) * sizeof *s->raw);
    s->raw[s->nraw].key = xstrndup(p, (size_t)(sp - p));
    s->raw[s->nraw++].value = v;
  }
}

void cg_parse_u64_list(const char *text, struct cg_u64v *out) {
  const char *p = text;
  uint64_t v;
  for (;;) {
    while (*p == ' ' || *p == '\n' || *p == '\t')
      p++;
    if (!parse_u64(p, &p, &v))
      return;
    out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
    out->v[out->n++] = v;
  }
}

void cg_parse_cpuacct_stat(const char *text, long clk_tck, struct cg_stats *s) {
  uint64_t v;
  if (clk_tck <= 0)
    clk_tck = 100;
  if (cg_kv_get(text, "user", &v) == 0)
    s->cpu_user = v * (1000000000ULL / (uint64_t)clk_tck);
  if (cg_kv_get(text, "system", &v) == 0)
    s->cpu_kernel = v * (1000000000ULL / (uint64_t)clk_tck);
}

static void blkio_push(struct cg_blkio_list *l, uint64_t maj, uint64_t min, const char *op,
                       size_t oplen, uint64_t value) {
  l->e = xrealloc(l->e, (l->n + 1) * sizeof *l->e);
  struct cg_blkio_entry *e = &l->e[l->n++];
  e->major = maj;
  e->minor = min;
  snprintf(e->op, sizeof e->op, "%.*s", (int)oplen, op);
  e->value = value;
}

void cg_parse_blkio_v1(const char *text, struct cg_blkio_list *out) {
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    uint64_t maj, min, v;
    const char *q;
    if (!parse_u64(p, &q, &maj) || *q != ':' || !parse_u64(q + 1, &q, &min) || *q != ' ')
      continue; /* "Total N" and anything else */
    const char *op = q + 1, *sp = strchr(op, ' ');
    if (sp == NULL || !parse_u64(sp + 1, NULL, &v))
      continue;
    blkio_push(out, maj, min, op, (size_t)(sp - op), v);
  }
}

void cg_parse_io_stat(const char *text, struct cg_stats *s) {
  static const struct {
    const char *key;
    const char *op;
    bool bytes;
  } keys[] = {{"rbytes=", "Read", true},
              {"wbytes=", "Write", true},
              {"rios=", "Read", false},
              {"wios=", "Write", false}};
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    uint64_t maj, min, v;
    const char *q;
    if (!parse_u64(p, &q, &maj) || *q != ':' || !parse_u64(q + 1, &q, &min))
      continue;
    const char *nl = strchr(q, '\n');
    size_t len = nl ? (size_t)(nl - q) : strlen(q);
    _cleanup_free_ char *line = xstrndup(q, len);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
      char pat[16];
      snprintf(pat, sizeof pat, " %s", keys[k].key);
      const char *f = strstr(line, pat);
      if (f && parse_u64(f + strlen(pat), NULL, &v))
        blkio_push(keys[k].bytes ? &s->io_bytes : &s->io_serviced, maj, min, keys[k].op,
                   strlen(keys[k].op), v);
    }
  }
}

void cg_parse_cpu_stat_v2(const char *text, struct cg_stats *s) {
  uint64_t v;
  if (cg_kv_get(text, "usage_usec", &v) == 0)
    s->cpu_total = v * 1000;
  if (cg_kv_get(text, "user_usec", &v) == 0)
    s->cpu_user = v * 1000;
  if (cg_kv_get(text, "system_usec", &v) == 0)
    s->cpu_kernel = v * 1000;
  if (cg_kv_get(text, "nr_periods", &v) == 0)
    s->periods = v;
  if (cg_kv_get(text, "nr_throttled", &v) == 0)
    s->throttled_periods = v;
  if (cg_kv_get(text, "throttled_usec", &v) == 0)
    s->throttled_time = v * 1000;
}

uint64_t cg_parse_limit(const char *text, uint64_t max_value) {
  uint64_t v;
  if (strncmp(text, "max", 3) == 0)
    return max_value;
  return parse_u64(text, NULL, &v) ? v : 0;
}

void cg_hugepage_name(uint64_t kb, char *buf, size_t size) {
  static const char *const units[] = {"KB", "MB", "GB", "TB"};
  size_t u = 0;
  while (kb >= 1024 && kb % 1024 == 0 && u < 3) {
    kb /= 1024;
    u++;
  }
  snprintf(buf, size, "%" PRIu64 "%s", kb, units[u]);
}

/* Go's omitempty: a zero is left out. */
static void set_nz(json_t *o, const char *key, uint64_t v) {
  if (v)
    json_object_set_new(o, key, json_integer((json_int_t)v));
}

static void set_u64(json_t *o, const char *key, uint64_t v) {
  json_object_set_new(o, key, json_integer((json_int_t)v));
}

static void set_list(json_t *o, const char *key, const struct cg_u64v *l) {
  if (l->n == 0)
    return;
  json_t *a = json_array();
  for (size_t i = 0; i < l->n; i++)
    json_array_append_new(a, json_integer((json_int_t)l->v[i]));
  json_object_set_new(o, key, a);
}

static json_t *mem_entry(const struct cg_mem_entry *e) {
  json_t *o = json_object();
  set_u64(o, "limit", e->limit);
  set_nz(o, "usage", e->usage);
  set_nz(o, "max", e->max);
  set_u64(o, "failcnt", e->failcnt);
  return o;
}

static void set_blkio(json_t *o, const char *key, const struct cg_blkio_list *l) {
  if (l->n == 0)
    return;
  json_t *a = json_array();
  for (size_t i = 0; i < l->n; i++) {
    json_t *e = json_object();
    set_nz(e, "major", l->e[i].major);
    set_nz(e, "minor", l->e[i].minor);
    if (l->e[i].op[0])
      json_object_set_new(e, "op", json_string(l->e[i].op));
    set_nz(e, "value", l->e[i].value);
    json_array_append_new(a, e);
  }
  json_object_set_new(o, key, a);
}

json_t *cg_stats_json(const struct cg_stats *s) {
  json_t *usage = json_object();
  set_nz(usage, "total", s->cpu_total);
  set_list(usage, "percpu", &s->percpu);
  set_list(usage, "percpu_kernel", &s->percpu_kernel);
  set_list(usage, "percpu_user", &s->percpu_user);
  set_u64(usage, "kernel", s->cpu_kernel);
  set_u64(usage, "user", s->cpu_user);
  json_t *thr = json_object();
  set_nz(thr, "periods", s->periods);
  set_nz(thr, "throttledPeriods", s->throttled_periods);
  set_nz(thr, "throttledTime", s->throttled_time);

  json_t *mem = json_object();
  set_nz(mem, "cache", s->mem_cache);
  json_object_set_new(mem, "usage", mem_entry(&s->mem_usage));
  json_object_set_new(mem, "swap", mem_entry(&s->mem_swap));
  json_object_set_new(mem, "kernel", mem_entry(&s->mem_kernel));
  json_object_set_new(mem, "kernelTCP", mem_entry(&s->mem_kernel_tcp));
  if (s->nraw) {
    json_t *raw = json_object();
    for (size_t i = 0; i < s->nraw; i++)
      set_u64(raw, s->raw[i].key, s->raw[i].value);
    json_object_set_new(mem, "raw", raw);
  }

  json_t *pids = json_object();
  set_nz(pids, "current", s->pids_current);
  set_nz(pids, "limit", s->pids_limit);

  json_t *blkio = json_object();
  set_blkio(blkio, "ioServiceBytesRecursive", &s->io_bytes);
  set_blkio(blkio, "ioServicedRecursive", &s->io_serviced);

  json_t *huge = json_object();
  for (size_t i = 0; i < s->nhugetlb; i++) {
    json_t *h = json_object();
    set_nz(h, "usage", s->hugetlb[i].usage);
    set_nz(h, "max", s->hugetlb[i].max);
    set_u64(h, "failcnt", s->hugetlb[i].failcnt);
    json_object_set_new(huge, s->hugetlb[i].size, h);
  }
  return json_pack("{s:{s:o, s:o}, s:o, s:o, s:o, s:o, s:{}, s:n}", "cpu", "usage", usage,
                   "throttling", thr, "memory", mem, "pids", pids, "blkio", blkio, "hugetlb",
                   huge, "intel_rdt", "network_interfaces");
}

/* ---- reading the files ---- */

/* dir/file, or NULL (and no error) when it does not exist. */
static int read_opt(const char *dir, const char *file, char **out, tote_err **err) {
  *out = cg_read(dir, file, err);
  if (*out)
    return 0;
  if ((*err)->errnum == ENOENT || (*err)->errnum == ENODEV) {
    err_free(err);
    return 0;
  }
  return -1;
}

/* One number from dir/file into *v (untouched when the file is missing). */
static int read_u64(const char *dir, const char *file, uint64_t max_value, uint64_t *v,
                    tote_err **err) {
  _cleanup_free_ char *t = NULL;
  if (read_opt(dir, file, &t, err) < 0)
    return -1;
  if (t)
    *v = cg_parse_limit(t, max_value);
  return 0;
}

/* v1 prefix.{limit_in_bytes,usage_in_bytes,max_usage_in_bytes,failcnt}. */
static int v1_mem_entry(const char *dir, const char *prefix, struct cg_mem_entry *e,
                        tote_err **err) {
  static const char *const suffix[] = {"limit_in_bytes", "usage_in_bytes",
                                       "max_usage_in_bytes", "failcnt"};
  uint64_t *dst[] = {&e->limit, &e->usage, &e->max, &e->failcnt};
  for (size_t i = 0; i < 4; i++) {
    _cleanup_free_ char *file = xasprintf("%s.%s", prefix, suffix[i]);
    if (read_u64(dir, file, UINT64_MAX, dst[i], err) < 0)
      return -1;
  }
  return 0;
}

static int read_list(const char *dir, const char *file, struct cg_u64v *out, tote_err **err) {
  _cleanup_free_ char *t = NULL;
  if (read_opt(dir, file, &t, err) < 0)
    return -1;
  if (t)
    cg_parse_u64_list(t, out);
  return 0;
}

static int v1_memory(const char *dir, struct cg_stats *s, tote_err **err) {
  if (v1_mem_entry(dir, "memory", &s->mem_usage, err) < 0 ||
      v1_mem_entry(dir, "memory.memsw", &s->mem_swap, err) < 0 ||
      v1_mem_entry(dir, "memory.kmem", &s->mem_kernel, err) < 0 ||
      v1_mem_entry(dir, "memory.kmem.tcp", &s->mem_kernel_tcp, err) < 0)
    return -1;
  _cleanup_free_ char *t = NULL;
  if (read_opt(dir, "memory.stat", &t, err) < 0)
    return -1;
  if (t) {
    cg_parse_memory_stat(t, s);
    cg_kv_get(t, "cache", &s->mem_cache);
  }
  return 0;
}

/* Hugepage sizes of this machine: /sys/kernel/mm/hugepages/hugepages-NkB. */
static void hugepage_sizes(struct cg_stats *s) {
  DIR *d = opendir("/sys/kernel/mm/hugepages");
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    uint64_t kb;
    if (strncmp(de->d_name, "hugepages-", 10) != 0 || !parse_u64(de->d_name + 10, NULL, &kb))
      continue;
    s->hugetlb = xrealloc(s->hugetlb, (s->nhugetlb + 1) * sizeof *s->hugetlb);
    struct cg_hugetlb *h = &s->hugetlb[s->nhugetlb++];
    memset(h, 0, sizeof *h);
    cg_hugepage_name(kb, h->size, sizeof h->size);
  }
  closedir(d);
}

static int hugetlb(const char *dir, bool v2, struct cg_stats *s, tote_err **err) {
  if (s->nhugetlb)
    return 0; /* one hierarchy reports it */
  hugepage_sizes(s);
  for (size_t i = 0; i < s->nhugetlb; i++) {
    struct cg_hugetlb *h = &s->hugetlb[i];
    _cleanup_free_ char *usage = xasprintf("hugetlb.%s.%s", h->size,
                                           v2 ? "current" : "usage_in_bytes");
    _cleanup_free_ char *u = NULL;
    if (read_opt(dir, usage, &u, err) < 0)
      return -1;
    if (u == NULL) {
      h->size[0] = '\0'; /* not enabled in this cgroup: not reported */
      continue;
    }
    h->usage = cg_parse_limit(u, UINT64_MAX);
    if (v2) {
      _cleanup_free_ char *events = xasprintf("hugetlb.%s.events", h->size), *t = NULL;
      if (read_opt(dir, events, &t, err) < 0)
        return -1;
      if (t)
        cg_kv_get(t, "max", &h->failcnt);
      continue;
    }
    _cleanup_free_ char *max = xasprintf("hugetlb.%s.max_usage_in_bytes", h->size);
    _cleanup_free_ char *fail = xasprintf("hugetlb.%s.failcnt", h->size);
    if (read_u64(dir, max, UINT64_MAX, &h->max, err) < 0 ||
        read_u64(dir, fail, UINT64_MAX, &h->failcnt, err) < 0)
      return -1;
  }
  size_t kept = 0;
  for (size_t i = 0; i < s->nhugetlb; i++)
    if (s->hugetlb[i].size[0])
      s->hugetlb[kept++] = s->hugetlb[i];
  s->nhugetlb = kept;
  return 0;
}

int cg_v1_stats(const char *dir, const char *ctrl, struct cg_stats *s, tote_err **err) {
  _cleanup_free_ char *t = NULL;
  if (strcmp(ctrl, "cpuacct") == 0) {
    if (read_u64(dir, "cpuacct.usage", UINT64_MAX, &s->cpu_total, err) < 0 ||
        read_list(dir, "cpuacct.usage_percpu", &s->percpu, err) < 0 ||
        read_list(dir, "cpuacct.usage_percpu_sys", &s->percpu_kernel, err) < 0 ||
        read_list(dir, "cpuacct.usage_percpu_user", &s->percpu_user, err) < 0 ||
        read_opt(dir, "cpuacct.stat", &t, err) < 0)
      return -1;
    if (t)
      cg_parse_cpuacct_stat(t, sysconf(_SC_CLK_TCK), s);
  } else if (strcmp(ctrl, "cpu") == 0) {
    if (read_opt(dir, "cpu.stat", &t, err) < 0)
      return -1;
    if (t) {
      cg_kv_get(t, "nr_periods", &s->periods);
      cg_kv_get(t, "nr_throttled", &s->throttled_periods);
      cg_kv_get(t, "throttled_time", &s->throttled_time);
    }
  } else if (strcmp(ctrl, "memory") == 0) {
    return v1_memory(dir, s, err);
  } else if (strcmp(ctrl, "pids") == 0) {
    if (read_u64(dir, "pids.current", 0, &s->pids_current, err) < 0 ||
        read_u64(dir, "pids.max", 0, &s->pids_limit, err) < 0)
      return -1;
  } else if (strcmp(ctrl, "blkio") == 0) {
    _cleanup_free_ char *bytes = NULL, *ios = NULL;
    if (read_opt(dir, "blkio.throttle.io_service_bytes_recursive", &bytes, err) < 0 ||
        read_opt(dir, "blkio.throttle.io_serviced_recursive", &ios, err) < 0)
      return -1;
    if (bytes == NULL && read_opt(dir, "blkio.throttle.io_service_bytes", &bytes, err) < 0)
      return -1;
    if (ios == NULL && read_opt(dir, "blkio.throttle.io_serviced", &ios, err) < 0)
      return -1;
    if (bytes)
      cg_parse_blkio_v1(bytes, &s->io_bytes);
    if (ios)
      cg_parse_blkio_v1(ios, &s->io_serviced);
  } else if (strcmp(ctrl, "hugetlb") == 0) {
    return hugetlb(dir, false, s, err);
  }
  return 0;
}

static int v2_memory(const char *dir, struct cg_stats *s, tote_err **err) {
  struct cg_mem_entry *m = &s->mem_usage, *sw = &s->mem_swap;
  _cleanup_free_ char *events = NULL, *stat = NULL;
  if (read_u64(dir, "memory.current", UINT64_MAX, &m->usage, err) < 0 ||
      read_u64(dir, "memory.max", UINT64_MAX, &m->limit, err) < 0 ||
      read_u64(dir, "memory.peak", UINT64_MAX, &m->max, err) < 0 ||
      read_opt(dir, "memory.events", &events, err) < 0 ||
      read_u64(dir, "memory.swap.current", UINT64_MAX, &sw->usage, err) < 0 ||
      read_u64(dir, "memory.swap.max", UINT64_MAX, &sw->limit, err) < 0 ||
      read_opt(dir, "memory.stat", &stat, err) < 0)
    return -1;
  if (events)
    cg_kv_get(events, "max", &m->failcnt);
  /* As runc: swap is reported as memory+swap, v1's memsw. */
  sw->usage += m->usage;
  if (sw->limit != UINT64_MAX && m->limit != UINT64_MAX)
    sw->limit += m->limit;
  else
    sw->limit = UINT64_MAX;
  if (stat) {
    cg_parse_memory_stat(stat, s);
    cg_kv_get(stat, "file", &s->mem_cache);
  }
  return 0;
}

int cg_v2_stats(const char *dir, const char *ctrl, struct cg_stats *s, tote_err **err) {
  _cleanup_free_ char *t = NULL;
  if (strcmp(ctrl, "cpu") == 0) {
    if (read_opt(dir, "cpu.stat", &t, err) < 0)
      return -1;
    if (t)
      cg_parse_cpu_stat_v2(t, s);
  } else if (strcmp(ctrl, "memory") == 0) {
    return v2_memory(dir, s, err);
  } else if (strcmp(ctrl, "pids") == 0) {
    if (read_u64(dir, "pids.current", 0, &s->pids_current, err) < 0 ||
        read_u64(dir, "pids.max", 0, &s->pids_limit, err) < 0)
      return -1;
  } else if (strcmp(ctrl, "io") == 0) {
    if (read_opt(dir, "io.stat", &t, err) < 0)
      return -1;
    if (t)
      cg_parse_io_stat(t, s);
  } else if (strcmp(ctrl, "hugetlb") == 0) {
    return hugetlb(dir, true, s, err);
  }
  return 0;
}

/* ---- the container's cgroup ---- */

json_t *cgroup_stats(struct cgroup *cg, tote_err **err) {
  CG_ERR_GUARD(err);
  /* v1 names first; on cgroup2 "cpu" holds cpuacct's usage and "io" blkio's. */
  static const char *const ctrls[] = {"cpuacct", "cpu", "memory", "pids", "blkio", "io",
                                      "hugetlb"};
  struct cg_stats s = {0};
  for (size_t i = 0; i < sizeof ctrls / sizeof ctrls[0]; i++) {
    struct cg_hier *h = cg_find(cg, ctrls[i]);
    if (h == NULL || h->dir == NULL)
      continue;
    if (strcmp(ctrls[i], "io") == 0 && (s.io_bytes.n || s.io_serviced.n))
      continue;
    if (cg_backend_of(h)->stats(h->dir, ctrls[i], &s, err) < 0) {
      cg_stats_free(&s);
      err_wrap(err, "reading the %s statistics", ctrls[i]);
      return NULL;
    }
  }
  json_t *j = cg_stats_json(&s);
  cg_stats_free(&s);
  return j;
}
