/* regconf.c - the registries configuration (see regconf.h). */
#include "image/regconf.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/rootless.h"
#include "util/xalloc.h"

static char *conf_path(void) {
  const char *env = getenv("TOTE_REGISTRIES_CONF");
  if (env && *env)
    return xstrdup(env);
  if (rootless()) {
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char *p = xdg && *xdg ? xasprintf("%s/tote/registries.json", xdg)
              : home      ? xasprintf("%s/.config/tote/registries.json", home)
                          : NULL;
    if (p && access(p, F_OK) == 0)
      return p;
    free(p);
  }
  return xstrdup("/etc/tote/registries.json");
}

/* "host:port" matches "host:port" and "host"; "host" matches "host". */
static int matches(const char *entry, const char *registry) {
  if (strcmp(entry, registry) == 0)
    return 1;
  size_t n = strlen(entry);
  return strchr(entry, ':') == NULL && strncmp(registry, entry, n) == 0 && registry[n] == ':';
}

int img_registry_insecure(const char *registry, tote_err **err) {
  _cleanup_free_ char *path = conf_path();
  size_t len;
  tote_err *e = NULL;
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, &len, &e);
  if (text == NULL) {
    if (e && e->errnum == ENOENT) {
      err_free(&e);
      return 0;
    }
    *err = e;
    return -1;
  }
  json_error_t je;
  json_t *j = json_loadb(text, len, 0, &je);
  json_t *list = json_object_get(j, "insecure");
  int r = 0;
  if (j == NULL || !json_is_object(j) || (list && !json_is_array(list))) {
    r = err_set(err, 0, "%s: %s (it is {\"insecure\": [\"host:port\", ...]})", path,
                j ? "\"insecure\" must be a list of registry names" : je.text);
  } else {
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
      if (!json_is_string(v)) {
        r = err_set(err, 0, "%s: insecure[%zu] is not a registry name", path, i);
        break;
      }
      if (matches(json_string_value(v), registry))
        r = 1;
    }
  }
  json_decref(j);
  return r;
}
