/* cgroup_blockio.c - linux.resources.blockIO: parsed, then written to the
 * blkio controller (v1) or io controller (v2).
 *
 *   field                     v1 file                          v2 file
 *   weight                    blkio.weight | blkio.bfq.weight  io.bfq.weight | io.weight (converted)
 *   leafWeight                blkio.leaf_weight                (none: refused)
 *   weightDevice[].weight     blkio.weight_device | .bfq.      io.bfq.weight | io.weight "MAJ:MIN W"
 *   weightDevice[].leafWeight blkio.leaf_weight_device         (none: refused)
 *   throttle{Read,Write}BpsDevice   blkio.throttle.{read,write}_bps_device    io.max rbps=/wbps=
 *   throttle{Read,Write}IOPSDevice  blkio.throttle.{read,write}_iops_device   io.max riops=/wiops=
 *
 * Where both a CFQ and a BFQ file could hold a weight, the first that exists
 * is used, as runc does; neither (an I/O scheduler without weights) refuses
 * the field.  The v2 io.weight takes 1..10000: blkio weights 10..1000 map to
 * 1 + (w - 10) * 9999 / 990, runc's conversion. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

#define WHERE "linux.resources.blockIO"

static const char *const throttle_keys[CG_THROTTLE_COUNT] = {
    "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
    "throttleWriteIOPSDevice"};
static const char *const throttle_v1[CG_THROTTLE_COUNT] = {
    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
static const char *const throttle_v2[CG_THROTTLE_COUNT] = {"rbps", "wbps", "riops", "wiops"};

uint64_t cg_blkio_weight_to_io_weight(uint64_t w) {
  return w == 0 ? 0 : 1 + (w - 10) * 9999 / 990;
}

static int get_u64(json_t *o, const char *key, const char *where, bool required, bool *set,
                   uint64_t *v, tote_err **err) {
  json_t *j = json_object_get(o, key);
  *set = false;
  if (j == NULL || json_is_null(j))
    return required ? err_set(err, 0, "%s.%s is required", where, key) : 0;
  if (!json_is_integer(j) || json_integer_value(j) < 0)
    return err_set(err, 0, "%s.%s must be a non-negative integer", where, key);
  *set = true;
  *v = (uint64_t)json_integer_value(j);
  return 0;
}

static int get_weight(json_t *o, const char *key, const char *where, uint16_t *out,
                      tote_err **err) {
  bool set;
  uint64_t v = 0;
  if (get_u64(o, key, where, false, &set, &v, err) < 0)
    return -1;
  if (set && v != 0 && (v < 10 || v > 1000))
    return err_set(err, 0, "%s.%s must be between 10 and 1000", where, key);
  *out = (uint16_t)v;
  return 0;
}

/* One {major, minor, ...} entry of a device list. */
static int get_device(json_t *e, const char *where, struct cg_blkio_dev *d, tote_err **err) {
  bool set;
  uint64_t v;
  if (!json_is_object(e))
    return err_set(err, 0, "%s must be an object", where);
  if (get_u64(e, "major", where, true, &set, &v, err) < 0)
    return -1;
  d->major = v;
  if (get_u64(e, "minor", where, true, &set, &v, err) < 0)
    return -1;
  d->minor = v;
  return 0;
}

static int get_list(json_t *bio, const char *key, bool weights, struct cg_blkio_dev **out,
                    size_t *n, tote_err **err) {
  json_t *a = json_object_get(bio, key);
  *out = NULL;
  *n = 0;
  if (a == NULL || json_is_null(a))
    return 0;
  if (!json_is_array(a))
    return err_set(err, 0, WHERE ".%s must be an array", key);
  *out = xcalloc_array(json_array_size(a), sizeof **out);
  for (size_t i = 0; i < json_array_size(a); i++) {
    struct cg_blkio_dev *d = &(*out)[i];
    _cleanup_free_ char *w = xasprintf(WHERE ".%s[%zu]", key, i);
    json_t *e = json_array_get(a, i);
    bool set;
    if (get_device(e, w, d, err) < 0)
      return -1;
    if (weights) {
      if (get_weight(e, "weight", w, &d->weight, err) < 0 ||
          get_weight(e, "leafWeight", w, &d->leaf_weight, err) < 0)
        return -1;
    } else if (get_u64(e, "rate", w, true, &set, &d->rate, err) < 0) {
      return -1;
    }
    (*n)++;
  }
  return 0;
}

int cg_blockio_fields(json_t *res, struct cg_blockio *b, tote_err **err) {
  memset(b, 0, sizeof *b);
  json_t *bio = json_object_get(res, "blockIO");
  if (bio == NULL || json_is_null(bio))
    return 0;
  if (!json_is_object(bio))
    return err_set(err, 0, WHERE " must be an object");
  if (get_weight(bio, "weight", WHERE, &b->weight, err) < 0 ||
      get_weight(bio, "leafWeight", WHERE, &b->leaf_weight, err) < 0 ||
      get_list(bio, "weightDevice", true, &b->weight_dev, &b->n_weight_dev, err) < 0)
    return -1;
  for (int t = 0; t < CG_THROTTLE_COUNT; t++)
    if (get_list(bio, throttle_keys[t], false, &b->throttle[t], &b->n_throttle[t], err) < 0)
      return -1;
  return 0;
}

void cg_blockio_free(struct cg_blockio *b) {
  free(b->weight_dev);
  for (int t = 0; t < CG_THROTTLE_COUNT; t++)
    free(b->throttle[t]);
  memset(b, 0, sizeof *b);
}

bool cg_blockio_is_set(const struct cg_blockio *b) {
  bool any = b->weight || b->leaf_weight || b->n_weight_dev;
  for (int t = 0; t < CG_THROTTLE_COUNT; t++)
    any |= b->n_throttle[t] > 0;
  return any;
}

/* ---- writing ---- */

static bool has(const char *dir, const char *file) {
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  return access(p, F_OK) == 0;
}

/* The first of the candidate files that exists, or NULL. */
static const char *first_of(const char *dir, const char *a, const char *b) {
  return has(dir, a) ? a : has(dir, b) ? b : NULL;
}

static int write_named(const char *dir, const char *file, const char *val, const char *field,
                       tote_err **err) {
  if (cg_write(dir, file, val, err) == 0)
    return 0;
  int e = (*err)->errnum;
  if (e == EOPNOTSUPP)
    err_wrap(err, "the device's I/O scheduler has no weights (BFQ has them)");
  else if (e == EINVAL || e == ENODEV)
    err_wrap(err, "is it a whole block device?");
  return err_wrap(err, WHERE ".%s", field);
}

static int v1_apply(const char *dir, const struct cg_blockio *b, tote_err **err) {
  char buf[64];
  const char *wfile = first_of(dir, "blkio.weight", "blkio.bfq.weight");
  const char *dfile = first_of(dir, "blkio.weight_device", "blkio.bfq.weight_device");
  if (b->weight) {
    if (wfile == NULL)
      return err_set(err, 0, WHERE ".weight is not supported: the I/O scheduler here has no "
                             "weights (no blkio.weight or blkio.bfq.weight)");
    snprintf(buf, sizeof buf, "%u", b->weight);
    if (write_named(dir, wfile, buf, "weight", err) < 0)
      return -1;
  }
  if (b->leaf_weight) {
    if (!has(dir, "blkio.leaf_weight"))
      return err_set(err, 0, WHERE ".leafWeight is not supported: this kernel has no "
                             "blkio.leaf_weight (CFQ is gone since Linux 5.0)");
    snprintf(buf, sizeof buf, "%u", b->leaf_weight);
    if (write_named(dir, "blkio.leaf_weight", buf, "leafWeight", err) < 0)
      return -1;
  }
  for (size_t i = 0; i < b->n_weight_dev; i++) {
    const struct cg_blkio_dev *d = &b->weight_dev[i];
    if (d->weight) {
      if (dfile == NULL)
        return err_set(err, 0, WHERE ".weightDevice is not supported: the I/O scheduler here "
                               "has no weights (no blkio.weight_device or "
                               "blkio.bfq.weight_device)");
      snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 " %u", d->major, d->minor, d->weight);
      if (write_named(dir, dfile, buf, "weightDevice", err) < 0)
        return -1;
    }
    if (d->leaf_weight) {
      if (!has(dir, "blkio.leaf_weight_device"))
        return err_set(err, 0, WHERE ".weightDevice[%zu].leafWeight is not supported: no "
                               "blkio.leaf_weight_device", i);
      snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 " %u", d->major, d->minor, d->leaf_weight);
      if (write_named(dir, "blkio.leaf_weight_device", buf, "weightDevice", err) < 0)
        return -1;
    }
  }
  for (int t = 0; t < CG_THROTTLE_COUNT; t++)
    for (size_t i = 0; i < b->n_throttle[t]; i++) {
      const struct cg_blkio_dev *d = &b->throttle[t][i];
      snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 " %" PRIu64, d->major, d->minor, d->rate);
      if (write_named(dir, throttle_v1[t], buf, throttle_keys[t], err) < 0)
        return -1;
    }
  return 0;
}

static int v2_weight(const char *dir, const char *dev, uint16_t w, const char *field,
                     tote_err **err) {
  char buf[64];
  /* io.bfq.weight takes the blkio range as it is; io.weight its own */
  const char *file = first_of(dir, "io.bfq.weight", "io.weight");
  if (file == NULL)
    return err_set(err, 0, WHERE ".%s is not supported: no io.bfq.weight or io.weight (is the io "
                           "controller enabled for %s?)", field, dir);
  uint64_t v = strcmp(file, "io.weight") == 0 ? cg_blkio_weight_to_io_weight(w) : w;
  if (dev)
    snprintf(buf, sizeof buf, "%s %" PRIu64, dev, v);
  else
    snprintf(buf, sizeof buf, "%s%" PRIu64, strcmp(file, "io.weight") == 0 ? "default " : "", v);
  return write_named(dir, file, buf, field, err);
}

static int v2_apply(const char *dir, const struct cg_blockio *b, tote_err **err) {
  if (b->leaf_weight)
    return err_set(err, 0, WHERE ".leafWeight is not supported on cgroup v2 (it has no leaf "
                           "weights)");
  if (b->weight && v2_weight(dir, NULL, b->weight, "weight", err) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_dev; i++) {
    const struct cg_blkio_dev *d = &b->weight_dev[i];
    if (d->leaf_weight)
      return err_set(err, 0, WHERE ".weightDevice[%zu].leafWeight is not supported on cgroup v2",
                     i);
    char dev[48];
    snprintf(dev, sizeof dev, "%" PRIu64 ":%" PRIu64, d->major, d->minor);
    if (d->weight && v2_weight(dir, dev, d->weight, "weightDevice", err) < 0)
      return -1;
  }
  for (int t = 0; t < CG_THROTTLE_COUNT; t++)
    for (size_t i = 0; i < b->n_throttle[t]; i++) {
      const struct cg_blkio_dev *d = &b->throttle[t][i];
      char buf[96];
      snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 " %s=%" PRIu64, d->major, d->minor,
               throttle_v2[t], d->rate);
      if (!has(dir, "io.max"))
        return err_set(err, 0, WHERE ".%s is not supported: no io.max (is the io controller "
                               "enabled for %s?)", throttle_keys[t], dir);
      if (write_named(dir, "io.max", buf, throttle_keys[t], err) < 0)
        return -1;
    }
  return 0;
}

int cg_blockio_apply(const char *dir, bool v2, const struct cg_blockio *b, tote_err **err) {
  return v2 ? v2_apply(dir, b, err) : v1_apply(dir, b, err);
}
