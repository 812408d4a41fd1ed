/* cgroup_unified.c - linux.resources.unified: cgroup v2 interface files
 * written as given ("memory.high": "50M").  Only on a cgroup2 hierarchy
 * (pure v2, or the cgroup2 mount of a hybrid host); a pure v1 host refuses
 * it.  The keys are single file names of the container's own cgroup;
 * those that would move processes or kill them are refused: that is the
 * runtime's job, not a resource. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"

#define WHERE "linux.resources.unified"

static const char *const not_resources[] = {"cgroup.procs", "cgroup.threads", "cgroup.kill",
                                            "cgroup.events", "cgroup.controllers", NULL};

int cg_unified_check(json_t *res, tote_err **err) {
  json_t *u = json_object_get(res, "unified");
  if (u == NULL || json_is_null(u))
    return 0;
  if (!json_is_object(u))
    return err_set(err, 0, WHERE " must be an object");
  const char *key;
  json_t *v;
  json_object_foreach(u, key, v) {
    if (!json_is_string(v))
      return err_set(err, 0, WHERE "[\"%s\"] must be a string", key);
    if (key[0] == '\0' || key[0] == '.' || strchr(key, '/') || !strchr(key, '.'))
      return err_set(err, 0, WHERE ": \"%s\" is not a cgroup interface file name like "
                             "\"memory.high\"", key);
    for (const char *const *n = not_resources; *n; n++)
      if (strcmp(key, *n) == 0)
        return err_set(err, 0, WHERE ": %s is not a resource", key);
  }
  return 0;
}

int cg_unified_apply(const char *dir, json_t *res, tote_err **err) {
  json_t *u = json_object_get(res, "unified");
  const char *key;
  json_t *v;
  json_object_foreach(u, key, v) {
    if (cg_write(dir, key, json_string_value(v), err) == 0)
      continue;
    if ((*err)->errnum == ENOENT) {
      const char *dot = strchr(key, '.');
      err_wrap(err, "no such file: is the %.*s controller enabled for this cgroup?",
               (int)(dot - key), key);
    }
    return err_wrap(err, WHERE "[\"%s\"]", key);
  }
  return 0;
}
