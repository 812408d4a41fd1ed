/* psfilter.c - tote ps --filter (see psfilter.h). */
#include "engine/psfilter.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

static const char *const keys[] = {"status", "name", "id", "label", NULL};
static const char *const statuses[] = {"created", "running", "paused", "exited", NULL};

static bool in(const char *s, size_t len, const char *const *set) {
  for (; *set; set++)
    if (strlen(*set) == len && strncmp(*set, s, len) == 0)
      return true;
  return false;
}

int eng_filter_check(const char *f, tote_err **err) {
  const char *eq = strchr(f, '=');
  if (eq == NULL || !in(f, (size_t)(eq - f), keys) || eq[1] == '\0')
    return err_set(err, 0, "--filter \"%s\": KEY=VALUE with KEY status, name, id or label", f);
  if (strncmp(f, "status=", 7) == 0 && !in(eq + 1, strlen(eq + 1), statuses))
    return err_set(err, 0, "--filter \"%s\": the status is created, running, paused or exited",
                   f);
  return 0;
}

static bool one(json_t *c, const char *status, const char *key, size_t klen, const char *v) {
  const char *name = json_string_value(json_object_get(c, "name"));
  const char *id = json_string_value(json_object_get(c, "id"));
  if (klen == 6 && strncmp(key, "status", 6) == 0)
    return strcmp(status, v) == 0;
  if (klen == 4 && strncmp(key, "name", 4) == 0)
    return name && strstr(name, v);
  if (klen == 2 && strncmp(key, "id", 2) == 0)
    return id && strncmp(id, v, strlen(v)) == 0;
  /* label=KEY or label=KEY=VALUE */
  const char *eq = strchr(v, '=');
  json_t *labels = json_object_get(c, "labels");
  if (eq == NULL)
    return json_object_get(labels, v) != NULL;
  char k[256];
  snprintf(k, sizeof k, "%.*s", (int)(eq - v), v);
  const char *have = json_string_value(json_object_get(labels, k));
  return have && strcmp(have, eq + 1) == 0;
}

bool eng_filter_match(json_t *c, const char *status, const char *const *filters, int n) {
  for (const char *const *k = keys; *k; k++) {
    size_t klen = strlen(*k);
    bool any = false, matched = false;
    for (int i = 0; i < n; i++) {
      if (strncmp(filters[i], *k, klen) != 0 || filters[i][klen] != '=')
        continue;
      any = true;
      matched |= one(c, status, *k, klen, filters[i] + klen + 1);
    }
    if (any && !matched)
      return false;
  }
  return true;
}
