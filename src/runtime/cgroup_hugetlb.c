/* cgroup_hugetlb.c - linux.resources.hugepageLimits: one limit per huge
 * page size, in hugetlb.<size>.limit_in_bytes (v1) or hugetlb.<size>.max
 * (v2).  Where the kernel also accounts reservations (the .rsvd files),
 * the same limit goes there, as runc does, so that mmap fails at once
 * instead of a page fault killing the process later. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

#define WHERE "linux.resources.hugepageLimits"

/* "2MB" -> 2048 (kB); 0 if it is not <number><KB|MB|GB>. */
uint64_t cg_hugepage_kb(const char *size) {
  char *end;
  unsigned long long n = strtoull(size, &end, 10);
  if (end == size || n == 0)
    return 0;
  if (strcmp(end, "KB") == 0)
    return n;
  if (strcmp(end, "MB") == 0)
    return n * 1024;
  if (strcmp(end, "GB") == 0)
    return n * 1024 * 1024;
  return 0;
}

static bool kernel_has_size(uint64_t kb) {
  char path[96];
  snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB", kb);
  return access(path, F_OK) == 0;
}

int cg_hugetlb_check(json_t *res, tote_err **err) {
  json_t *a = json_object_get(res, "hugepageLimits");
  if (a == NULL || json_is_null(a))
    return 0;
  if (!json_is_array(a))
    return err_set(err, 0, WHERE " must be an array");
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *e = json_array_get(a, i);
    json_t *size = json_object_get(e, "pageSize"), *limit = json_object_get(e, "limit");
    if (!json_is_object(e))
      return err_set(err, 0, WHERE "[%zu] must be an object", i);
    if (!json_is_string(size) || cg_hugepage_kb(json_string_value(size)) == 0)
      return err_set(err, 0, WHERE "[%zu].pageSize must be a size like \"2MB\" or \"1GB\"", i);
    if (!json_is_integer(limit) || json_integer_value(limit) < 0)
      return err_set(err, 0, WHERE "[%zu].limit must be a number of bytes", i);
  }
  return 0;
}

static int write_limit(const char *dir, const char *file, json_int_t limit, const char *size,
                       tote_err **err) {
  char val[32];
  snprintf(val, sizeof val, "%" JSON_INTEGER_FORMAT, limit);
  if (cg_write(dir, file, val, err) == 0)
    return 0;
  if ((*err)->errnum == ENOENT)
    err_wrap(err, "the hugetlb controller is not enabled for this cgroup (its parent's "
                  "cgroup.subtree_control lacks +hugetlb)");
  return err_wrap(err, WHERE ": %s", size);
}

int cg_hugetlb_apply(const char *dir, bool v2, json_t *res, tote_err **err) {
  json_t *a = json_object_get(res, "hugepageLimits");
  for (size_t i = 0; a && i < json_array_size(a); i++) {
    json_t *e = json_array_get(a, i);
    const char *size = json_string_value(json_object_get(e, "pageSize"));
    json_int_t limit = json_integer_value(json_object_get(e, "limit"));
    if (!kernel_has_size(cg_hugepage_kb(size)))
      return err_set(err, 0, WHERE "[%zu]: this kernel has no %s huge pages (see "
                             "/sys/kernel/mm/hugepages)", i, size);
    _cleanup_free_ char *file = xasprintf(v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
                                          size);
    _cleanup_free_ char *rsvd = xasprintf(v2 ? "hugetlb.%s.rsvd.max"
                                             : "hugetlb.%s.rsvd.limit_in_bytes", size);
    _cleanup_free_ char *rsvd_path = xasprintf("%s/%s", dir, rsvd);
    if (write_limit(dir, file, limit, size, err) < 0)
      return -1;
    if (access(rsvd_path, F_OK) == 0 && write_limit(dir, rsvd, limit, size, err) < 0)
      return -1;
  }
  return 0;
}
