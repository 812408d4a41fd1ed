/* oci_update.c - `update [--resources FILE | flags] ID`: new resource
 * limits for a live container, from a linux.resources JSON object or runc's
 * flags. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/oci.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *resources_file;
static const char *memory, *memory_reservation, *memory_swap, *kernel_memory,
    *kernel_memory_tcp;
static const char *cpu_shares, *cpu_quota, *cpu_period, *cpu_rt_period, *cpu_rt_runtime;
static const char *cpuset_cpus, *cpuset_mems, *pids_limit, *blkio_weight, *l3_schema, *mb_schema;

static const struct cli_opt update_opts[] = {
    {"resources", 'r', OPT_STRING, &resources_file,
     "a linux.resources JSON object ('-': stdin); no other flag with it", "FILE"},
    {"memory", 0, OPT_STRING, &memory, "memory limit: bytes or 64m, 1g; -1 = unlimited", "SIZE"},
    {"memory-reservation", 0, OPT_STRING, &memory_reservation, "soft memory limit", "SIZE"},
    {"memory-swap", 0, OPT_STRING, &memory_swap, "memory+swap limit; -1 = unlimited", "SIZE"},
    {"kernel-memory", 0, OPT_STRING, &kernel_memory,
     "refused: Linux no longer enforces kernel memory limits", "SIZE"},
    {"kernel-memory-tcp", 0, OPT_STRING, &kernel_memory_tcp,
     "TCP buffer memory limit (cgroup v1 only); -1 = unlimited", "SIZE"},
    {"cpu-share", 0, OPT_STRING, &cpu_shares, "CPU shares (relative weight)", "N"},
    {"cpu-shares", 0, OPT_STRING, &cpu_shares, "the same as --cpu-share", "N"},
    {"cpu-quota", 0, OPT_STRING, &cpu_quota, "CFS quota in microseconds per period (-1: none)",
     "USEC"},
    {"cpu-period", 0, OPT_STRING, &cpu_period, "CFS period in microseconds", "USEC"},
    {"cpu-rt-period", 0, OPT_STRING, &cpu_rt_period, "real-time period in microseconds", "USEC"},
    {"cpu-rt-runtime", 0, OPT_STRING, &cpu_rt_runtime, "real-time runtime in microseconds",
     "USEC"},
    {"cpuset-cpus", 0, OPT_STRING, &cpuset_cpus, "CPUs to run on, e.g. 0-3,7", "LIST"},
    {"cpuset-mems", 0, OPT_STRING, &cpuset_mems, "memory nodes to use", "LIST"},
    {"pids-limit", 0, OPT_STRING, &pids_limit, "maximum number of processes (-1: none)", "N"},
    {"blkio-weight", 0, OPT_STRING, &blkio_weight, "block IO weight (10..1000)", "N"},
    {"l3-cache-schema", 0, OPT_STRING, &l3_schema, "refused: no Intel RDT support", "S"},
    {"mem-bw-schema", 0, OPT_STRING, &mb_schema, "refused: no Intel RDT support", "S"},
    {NULL},
};

static int parse_int(const char *flag, const char *s, bool is_unsigned, json_int_t *out,
                     tote_err **err) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || (is_unsigned && v < 0))
    return err_set(err, 0, "--%s takes %s, not \"%s\"", flag,
                   is_unsigned ? "a non-negative integer" : "an integer", s);
  *out = v;
  return 0;
}

static int parse_size(const char *flag, const char *s, json_int_t *out, tote_err **err) {
  int64_t v;
  if (strcmp(s, "-1") == 0) {
    *out = -1;
    return 0;
  }
  if (rt_parse_mem_size(s, &v) < 0)
    return err_set(err, 0, "--%s takes a size (1048576, 64m, 1g) or -1, not \"%s\"", flag, s);
  *out = v;
  return 0;
}

/* linux.resources[section][key] = value of flag, parsed by kind. */
struct num_flag {
  const char **value;
  const char *flag, *section, *key;
  enum { SIZE, UINT, INT } kind;
};

static const struct num_flag num_flags[] = {
    {&memory, "memory", "memory", "limit", SIZE},
    {&memory_reservation, "memory-reservation", "memory", "reservation", SIZE},
    {&memory_swap, "memory-swap", "memory", "swap", SIZE},
    {&kernel_memory, "kernel-memory", "memory", "kernel", SIZE},
    {&kernel_memory_tcp, "kernel-memory-tcp", "memory", "kernelTCP", SIZE},
    {&cpu_shares, "cpu-share", "cpu", "shares", UINT},
    {&cpu_quota, "cpu-quota", "cpu", "quota", INT},
    {&cpu_period, "cpu-period", "cpu", "period", UINT},
    {&cpu_rt_period, "cpu-rt-period", "cpu", "realtimePeriod", UINT},
    {&cpu_rt_runtime, "cpu-rt-runtime", "cpu", "realtimeRuntime", INT},
    {&pids_limit, "pids-limit", "pids", "limit", INT},
    {&blkio_weight, "blkio-weight", "blockIO", "weight", UINT},
};

static json_t *section(json_t *res, const char *name) {
  json_t *s = json_object_get(res, name);
  if (s == NULL) {
    s = json_object();
    json_object_set_new(res, name, s);
  }
  return s;
}

static json_t *from_flags(tote_err **err) {
  json_t *res = json_object();
  for (size_t i = 0; i < sizeof num_flags / sizeof num_flags[0]; i++) {
    const struct num_flag *f = &num_flags[i];
    if (*f->value == NULL)
      continue;
    json_int_t v = 0;
    int r = f->kind == SIZE ? parse_size(f->flag, *f->value, &v, err)
                            : parse_int(f->flag, *f->value, f->kind == UINT, &v, err);
    if (r < 0) {
      json_decref(res);
      return NULL;
    }
    json_object_set_new(section(res, f->section), f->key, json_integer(v));
  }
  if (cpuset_cpus)
    json_object_set_new(section(res, "cpu"), "cpus", json_string(cpuset_cpus));
  if (cpuset_mems)
    json_object_set_new(section(res, "cpu"), "mems", json_string(cpuset_mems));
  return res;
}

static bool any_flag(void) {
  for (size_t i = 0; i < sizeof num_flags / sizeof num_flags[0]; i++)
    if (*num_flags[i].value)
      return true;
  return cpuset_cpus || cpuset_mems;
}

static json_t *from_file(const char *path, tote_err **err) {
  size_t len = 0;
  _cleanup_free_ char *text = NULL;
  if (strcmp(path, "-") == 0) {
    if ((text = read_all_fd(STDIN_FILENO, &len)) == NULL) {
      err_sys(err, "--resources -: reading stdin");
      return NULL;
    }
  } else if ((text = read_file_at(AT_FDCWD, path, &len, err)) == NULL) {
    err_wrap(err, "--resources %s", path);
    return NULL;
  }
  json_error_t jerr;
  json_t *res = json_loadb(text, len, 0, &jerr);
  if (res == NULL) {
    err_set(err, 0, "--resources %s: line %d column %d: %s", path, jerr.line, jerr.column,
            jerr.text);
    return NULL;
  }
  if (!json_is_object(res)) {
    json_decref(res);
    err_set(err, 0, "--resources %s: not a JSON object (want linux.resources, e.g. "
                    "{\"memory\": {\"limit\": 67108864}})", path);
    return NULL;
  }
  return res;
}

static int do_update(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_update_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  if (l3_schema || mb_schema)
    return err_set(err, 0, "--%s: Intel RDT (linux.intelRdt) is not supported by tote",
                   l3_schema ? "l3-cache-schema" : "mem-bw-schema");
  if (resources_file && any_flag()) {
    err_set(err, 0, "--resources gives the whole update: put the other limits in the file");
    return OCI_USAGE_ERROR;
  }
  json_t *res = resources_file ? from_file(resources_file, err) : from_flags(err);
  if (res == NULL)
    return resources_file ? -1 : OCI_USAGE_ERROR;
  int r = rt_update(ctx, argv[i], res, err);
  json_decref(res);
  return r < 0 ? -1 : 0;
}

const struct oci_cmd oci_update_cmd = {"update", "[flags] ID",
                                       "change the resource limits of a running container",
                                       do_update, update_opts, false};
