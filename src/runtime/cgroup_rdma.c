/* cgroup_rdma.c - linux.resources.rdma: per RDMA device, the most HCA
 * handles and HCA objects the container's processes may hold, written to
 * rdma.max ("mlx5_1 hca_handle=3 hca_object=10000"), the same file on a v1
 * rdma hierarchy and on cgroup v2.  The kernel accepts a line only for a
 * device that exists: one it does not know is refused, naming it. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"

#define WHERE "linux.resources.rdma"

static const char *const limits[][2] = {
    {"hcaHandles", "hca_handle"},
    {"hcaObjects", "hca_object"},
};

int cg_rdma_check(json_t *res, tote_err **err) {
  json_t *r = json_object_get(res, "rdma");
  if (r == NULL || json_is_null(r))
    return 0;
  if (!json_is_object(r))
    return err_set(err, 0, WHERE " must be an object of device names");
  const char *dev;
  json_t *v;
  json_object_foreach(r, dev, v) {
    if (*dev == '\0' || strlen(dev) > 64 || strpbrk(dev, " \t\n/="))
      return err_set(err, 0, WHERE "[\"%s\"]: not an RDMA device name", dev);
    if (!json_is_object(v))
      return err_set(err, 0, WHERE "[\"%s\"] must be an object", dev);
    const char *key;
    json_t *n;
    json_object_foreach(v, key, n) {
      bool known = false;
      for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        known |= strcmp(key, limits[i][0]) == 0;
      if (!known)
        return err_set(err, 0, WHERE "[\"%s\"].%s is not a limit (hcaHandles, hcaObjects)", dev,
                       key);
      if (!json_is_null(n) && (!json_is_integer(n) || json_integer_value(n) < 0 ||
                               json_integer_value(n) > INT32_MAX))
        return err_set(err, 0, WHERE "[\"%s\"].%s must be a number from 0 to %d", dev, key,
                       INT32_MAX);
    }
  }
  return 0;
}

/* "DEV hca_handle=N hca_object=M" with the limits v gives; false when it
 * gives none. */
static bool rdma_line(const char *dev, json_t *v, char *buf, size_t size) {
  int len = snprintf(buf, size, "%s", dev);
  bool any = false;
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    json_t *n = json_object_get(v, limits[i][0]);
    if (!json_is_integer(n))
      continue;
    len += snprintf(buf + len, size - (size_t)len, " %s=%" JSON_INTEGER_FORMAT, limits[i][1],
                    json_integer_value(n));
    any = true;
  }
  return any;
}

bool cg_rdma_set(json_t *res) {
  const char *dev;
  json_t *v;
  char line[160];
  json_object_foreach(json_object_get(res, "rdma"), dev, v) {
    if (rdma_line(dev, v, line, sizeof line))
      return true;
  }
  return false;
}

int cg_rdma_apply(const char *dir, json_t *res, tote_err **err) {
  const char *dev;
  json_t *v;
  char line[160];
  json_object_foreach(json_object_get(res, "rdma"), dev, v) {
    if (!rdma_line(dev, v, line, sizeof line))
      continue;
    if (cg_write(dir, "rdma.max", line, err) < 0) {
      if ((*err)->errnum == ENODEV)
        err_wrap(err, "this host has no RDMA device \"%s\" (see /sys/class/infiniband)", dev);
      return err_wrap(err, WHERE "[\"%s\"]", dev);
    }
  }
  return 0;
}
