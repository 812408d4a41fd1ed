/* usage.c - a container's usage for `tote stats` (see usage.h). */
#include "engine/usage.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "runtime/runtime.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static uint64_t u64(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* The bytes received and sent by every interface but lo. */
static void net_bytes(const char *text, uint64_t *rx, uint64_t *tx) {
  *rx = *tx = 0;
  for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1
                                                                         : NULL) {
    char name[32];
    unsigned long long r, t, skip;
    if (sscanf(line, " %31[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu", name, &r, &skip,
               &skip, &skip, &skip, &skip, &skip, &skip, &t) == 10 &&
        strcmp(name, "lo") != 0) {
      *rx += r;
      *tx += t;
    }
  }
}

void eng_usage_from(json_t *data, const char *net_dev, uint64_t mem_total, struct eng_usage *u) {
  json_t *mem = json_object_get(data, "memory");
  json_t *raw = json_object_get(mem, "raw");
  uint64_t usage = u64(json_object_get(mem, "usage"), "usage");
  /* docker: what could be dropped is not counted (v1 total_inactive_file,
   * v2 inactive_file) */
  uint64_t inactive = json_object_get(raw, "total_inactive_file")
                          ? u64(raw, "total_inactive_file")
                          : u64(raw, "inactive_file");
  u->mem = usage > inactive ? usage - inactive : usage;
  u->mem_limit = u64(json_object_get(mem, "usage"), "limit");
  if (u->mem_limit == 0 || u->mem_limit > mem_total)
    u->mem_limit = mem_total;
  u->cpu_ns = u64(json_object_get(json_object_get(data, "cpu"), "usage"), "total");
  u->pids = u64(json_object_get(data, "pids"), "current");
  u->blk_read = u->blk_write = 0;
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(json_object_get(data, "blkio"), "ioServiceBytesRecursive"), i,
                     e) {
    const char *op = json_string_value(json_object_get(e, "op"));
    if (op && strcasecmp(op, "read") == 0)
      u->blk_read += u64(e, "value");
    else if (op && strcasecmp(op, "write") == 0)
      u->blk_write += u64(e, "value");
  }
  net_bytes(net_dev, &u->net_rx, &u->net_tx);
}

int eng_usage_read(const char *state_root, const char *id, struct eng_usage *u, tote_err **err) {
  struct rt_context ctx = {.root = state_root};
  json_t *st = rt_state(&ctx, id, err);
  if (st == NULL)
    return -1;
  json_int_t pid = json_integer_value(json_object_get(st, "pid"));
  json_decref(st);
  json_t *ev = rt_stats(&ctx, id, err);
  if (ev == NULL)
    return -1;
  _cleanup_free_ char *path = xasprintf("/proc/%lld/net/dev", (long long)pid);
  _cleanup_free_ char *net = pid > 0 ? read_file_at(AT_FDCWD, path, NULL, NULL) : NULL;
  struct sysinfo si;
  uint64_t total = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : UINT64_MAX;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  u->at_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  eng_usage_from(json_object_get(ev, "data"), net, total, u);
  json_decref(ev);
  return 0;
}

/* go-units' HumanSize (decimal: kB, MB) and BytesSize (binary: KiB, MiB),
 * four significant digits, as docker prints them. */
static void size(uint64_t n, bool binary, char *buf, size_t len) {
  static const char *const dec[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  static const char *const bin[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = (double)n, base = binary ? 1024 : 1000;
  int i = 0;
  while (v >= base && i < 5) {
    v /= base;
    i++;
  }
  snprintf(buf, len, "%.4g%s", v, binary ? bin[i] : dec[i]);
}

void eng_usage_cells(const struct eng_usage *prev, const struct eng_usage *cur,
                     char cells[6][48]) {
  if (prev && cur->at_ns > prev->at_ns && cur->cpu_ns >= prev->cpu_ns)
    snprintf(cells[0], 48, "%.2f%%",
             100.0 * (double)(cur->cpu_ns - prev->cpu_ns) / (double)(cur->at_ns - prev->at_ns));
  else
    snprintf(cells[0], 48, "--");
  char a[16], b[16];
  size(cur->mem, true, a, sizeof a);
  size(cur->mem_limit, true, b, sizeof b);
  snprintf(cells[1], 48, "%s / %s", a, b);
  snprintf(cells[2], 48, "%.2f%%",
           cur->mem_limit ? 100.0 * (double)cur->mem / (double)cur->mem_limit : 0.0);
  size(cur->net_rx, false, a, sizeof a);
  size(cur->net_tx, false, b, sizeof b);
  snprintf(cells[3], 48, "%s / %s", a, b);
  size(cur->blk_read, false, a, sizeof a);
  size(cur->blk_write, false, b, sizeof b);
  snprintf(cells[4], 48, "%s / %s", a, b);
  snprintf(cells[5], 48, "%" PRIu64, cur->pids);
}
