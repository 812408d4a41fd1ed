/* cgroup_net.c - linux.resources.network: classID (net_cls.classid) and
 * priorities (net_prio.ifpriomap), cgroup v1 controllers that v2 does not
 * have: where they are not mounted, the field is refused by name. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"

#define WHERE "linux.resources.network"

int cg_net_check(json_t *res, tote_err **err) {
  json_t *n = json_object_get(res, "network");
  if (n == NULL || json_is_null(n))
    return 0;
  if (!json_is_object(n))
    return err_set(err, 0, WHERE " must be an object");
  json_t *id = json_object_get(n, "classID"), *prios = json_object_get(n, "priorities");
  if (id && !json_is_null(id) &&
      (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > UINT32_MAX))
    return err_set(err, 0, WHERE ".classID must be a 32-bit unsigned integer");
  if (prios && !json_is_null(prios) && !json_is_array(prios))
    return err_set(err, 0, WHERE ".priorities must be an array");
  for (size_t i = 0; prios && i < json_array_size(prios); i++) {
    json_t *p = json_array_get(prios, i);
    json_t *name = json_object_get(p, "name"), *prio = json_object_get(p, "priority");
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        strpbrk(json_string_value(name), " \n/"))
      return err_set(err, 0, WHERE ".priorities[%zu].name must be an interface name", i);
    if (!json_is_integer(prio) || json_integer_value(prio) < 0 ||
        json_integer_value(prio) > UINT32_MAX)
      return err_set(err, 0, WHERE ".priorities[%zu].priority must be a 32-bit unsigned integer",
                     i);
  }
  return 0;
}

bool cg_net_class_set(json_t *res) {
  json_t *id = json_object_get(json_object_get(res, "network"), "classID");
  return id && json_is_integer(id);
}

bool cg_net_prio_set(json_t *res) {
  return json_array_size(json_object_get(json_object_get(res, "network"), "priorities")) > 0;
}

int cg_net_class_apply(const char *dir, json_t *res, tote_err **err) {
  char val[32];
  snprintf(val, sizeof val, "%" JSON_INTEGER_FORMAT,
           json_integer_value(json_object_get(json_object_get(res, "network"), "classID")));
  if (cg_write(dir, "net_cls.classid", val, err) < 0)
    return err_wrap(err, WHERE ".classID");
  return 0;
}

int cg_net_prio_apply(const char *dir, json_t *res, tote_err **err) {
  json_t *prios = json_object_get(json_object_get(res, "network"), "priorities");
  for (size_t i = 0; i < json_array_size(prios); i++) {
    json_t *p = json_array_get(prios, i);
    char val[64];
    snprintf(val, sizeof val, "%s %" JSON_INTEGER_FORMAT,
             json_string_value(json_object_get(p, "name")),
             json_integer_value(json_object_get(p, "priority")));
    if (cg_write(dir, "net_prio.ifpriomap", val, err) < 0)
      return err_wrap(err, WHERE ".priorities[%zu]", i);
  }
  return 0;
}
