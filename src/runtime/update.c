/* update.c - `update`: new linux.resources for a live container, written to
 * its cgroup and recorded in the config.json of its state directory. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "runtime/systemd.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

int rt_parse_mem_size(const char *s, int64_t *out) {
  const char *p = s;
  if (!isdigit((unsigned char)*p))
    return -1;
  while (isdigit((unsigned char)*p))
    p++;
  if (*p == '.') {
    p++;
    if (!isdigit((unsigned char)*p))
      return -1;
    while (isdigit((unsigned char)*p))
      p++;
  }
  const char *num_end = p;
  if (*p == ' ')
    p++;
  static const char units[] = "kmgtp";
  double mult = 1;
  const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
  if (u) {
    for (const char *k = units; k <= u; k++)
      mult *= 1024;
    p++;
  }
  if (*p == 'i' || *p == 'I')
    p++;
  if (*p == 'b' || *p == 'B')
    p++;
  if (*p != '\0')
    return -1;
  _cleanup_free_ char *num = xstrndup(s, (size_t)(num_end - s));
  double v = strtod(num, NULL) * mult;
  if (!isfinite(v) || v >= 9.2e18)
    return -1;
  *out = (int64_t)v;
  return 0;
}

/* config.json of the state directory, parsed as plain JSON. */
static json_t *load_config(const struct rt_state *st, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = read_file_at(st->dirfd, "config.json", &len, err);
  if (text == NULL)
    return NULL;
  json_error_t jerr;
  json_t *c = json_loadb(text, len, 0, &jerr);
  if (c == NULL || !json_is_object(c)) {
    json_decref(c);
    err_set(err, 0, "the stored config.json of %s is unreadable (%s)", st->id, jerr.text);
  }
  return c;
}

static int save_resources(const struct rt_state *st, json_t *config, json_t *merged,
                          tote_err **err) {
  json_t *lx = json_object_get(config, "linux");
  if (!json_is_object(lx)) {
    lx = json_object();
    json_object_set_new(config, "linux", lx);
  }
  json_object_set(lx, "resources", merged);
  _cleanup_free_ char *text = json_dumps(config, JSON_COMPACT);
  if (text == NULL)
    return err_set(err, 0, "encoding config.json");
  return write_file_atomic_at(st->dirfd, "config.json", text, strlen(text), 0600, err);
}

/* A write failed part way (memory below usage, say): put back the values
 * the earlier writes of this update changed, as far as the old config said
 * them (a field it did not set cannot be unset). */
static void roll_back(const struct rt_state *st, json_t *merged, json_t *old) {
  json_t *back = NULL, *none = json_object();
  tote_err *e = NULL;
  json_t *m = cg_merge_resources(merged, old ? old : none, &back, &e);
  json_decref(none);
  if (m && back && cgroup_apply_resources(st->cgroup, back, &e) < 0)
    log_warn("update of %s failed, and putting the old limits back failed too: %s", st->id,
             e->msg);
  err_free(&e);
  json_decref(back);
  json_decref(m);
}

static int update_locked(struct rt_state *st, json_t *resources, tote_err **err) {
  enum rt_status s = state_status(st);
  if (s == RT_STOPPED || s == RT_CREATING)
    return err_set(err, 0, "it is %s; only a created, running or paused container can be "
                           "updated", rt_status_name(s));
  if (st->cgroup == NULL)
    return err_set(err, 0, "it has no cgroup");
  json_t *config = load_config(st, err);
  if (config == NULL)
    return -1;
  json_t *eff = NULL;
  json_t *merged =
      cg_merge_resources(json_object_get(json_object_get(config, "linux"), "resources"),
                         resources, &eff, err);
  int r = -1;
  json_t *old = json_object_get(json_object_get(config, "linux"), "resources");
  /* checkBeforeUpdate is a setting of the container, not of this update */
  json_t *check = json_object_get(json_object_get(merged, "memory"), "checkBeforeUpdate");
  json_t *eff_mem = json_object_get(eff, "memory");
  if (json_is_true(check) && json_is_object(eff_mem))
    json_object_set(eff_mem, "checkBeforeUpdate", check);
  if (merged && cgroup_check_resources(merged, err) == 0) {
    /* systemd keeps its properties of the scope: they must follow */
    if (cgroup_apply_resources(st->cgroup, eff, err) == 0 &&
        (st->systemd_unit == NULL || systemd_update(st->systemd_unit, merged, err) == 0))
      r = save_resources(st, config, merged, err);
    else
      roll_back(st, merged, old);
  }
  json_decref(eff);
  json_decref(merged);
  json_decref(config);
  return r;
}

int rt_update(const struct rt_context *ctx, const char *id, json_t *resources, tote_err **err) {
  struct rt_state *st = state_load_by_id(ctx->root, id, err);
  if (st == NULL)
    return -1;
  int r = update_locked(st, resources, err);
  state_free(st);
  if (r < 0)
    return err_wrap(err, "updating container %s", id);
  log_debug("container %s: resources updated", id);
  return 0;
}
