/* auth.c - auth.json files (see auth.h). */
#include "image/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/base64.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/rootless.h"
#include "util/xalloc.h"

char *img_auth_file(void) {
  const char *f = getenv("REGISTRY_AUTH_FILE");
  if (f && *f)
    return xstrdup(f);
  const char *run = getenv("XDG_RUNTIME_DIR");
  if (run && *run)
    return xasprintf("%s/containers/auth.json", run);
  return xasprintf("/run/containers/%u/auth.json", (unsigned)rootless_uid());
}

/* "https://index.docker.io/v1/" -> "index.docker.io"; docker.io's names -> "docker.io". */
static char *key_host(const char *key) {
  const char *p = strstr(key, "://");
  p = p ? p + 3 : key;
  char *h = xstrndup(p, strcspn(p, "/"));
  if (strcmp(h, "index.docker.io") == 0 || strcmp(h, "registry-1.docker.io") == 0) {
    free(h);
    h = xstrdup("docker.io");
  }
  return h;
}

/* The auth.json at path: NULL and 0 when there is none. */
static json_t *load(const char *path, tote_err **err) {
  size_t len;
  tote_err *e = NULL;
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, &len, &e);
  if (text == NULL) {
    bool missing = e && e->errnum == ENOENT;
    if (missing)
      err_free(&e);
    else
      *err = e;
    return missing ? json_object() : NULL;
  }
  json_error_t je;
  json_t *j = json_loadb(text, len, 0, &je);
  if (j == NULL || !json_is_object(j)) {
    json_decref(j);
    err_set(err, 0, "%s: line %d: %s (an auth file is {\"auths\": {...}})", path, je.line,
            je.text);
    return NULL;
  }
  return j;
}

static int from_entry(json_t *entry, const char *path, const char *key, char **user, char **pass,
                      tote_err **err) {
  const char *auth = json_string_value(json_object_get(entry, "auth"));
  _cleanup_free_ char *pair = auth ? base64_decode(auth, NULL) : NULL;
  char *colon = pair ? strchr(pair, ':') : NULL;
  if (colon == NULL)
    return err_set(err, 0, "%s: auths[\"%s\"].auth is not base64 of user:password", path,
                   key);
  *colon = '\0';
  *user = xstrdup(pair);
  *pass = xstrdup(colon + 1);
  return 0;
}

static int lookup_in(const char *path, const char *registry, char **user, char **pass,
                     tote_err **err) {
  json_t *j = load(path, err);
  if (j == NULL)
    return -1;
  _cleanup_free_ char *want = key_host(registry);
  const char *key;
  json_t *entry;
  int r = 1;
  json_object_foreach(json_object_get(j, "auths"), key, entry) {
    _cleanup_free_ char *host = key_host(key);
    if (strcmp(host, want) == 0 && json_object_get(entry, "auth")) {
      r = from_entry(entry, path, key, user, pass, err);
      break;
    }
  }
  json_decref(j);
  return r;
}

int img_auth_lookup(const char *registry, char **user, char **pass, tote_err **err) {
  _cleanup_free_ char *own = img_auth_file();
  const char *home = getenv("HOME");
  _cleanup_free_ char *docker = home ? xasprintf("%s/.docker/config.json", home) : NULL;
  const char *files[] = {own, docker};
  for (size_t i = 0; i < 2; i++) {
    if (files[i] == NULL)
      continue;
    int r = lookup_in(files[i], registry, user, pass, err);
    if (r <= 0)
      return r;
  }
  return 1;
}

static int save(const char *path, json_t *j, tote_err **err) {
  _cleanup_free_ char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (mkdir_p(dir, 0700, err) < 0)
      return -1;
  }
  _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(1));
  return write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600, err);
}

int img_auth_store(const char *registry, const char *user, const char *pass, tote_err **err) {
  _cleanup_free_ char *path = img_auth_file();
  json_t *j = load(path, err);
  if (j == NULL)
    return -1;
  json_t *auths = json_object_get(j, "auths");
  if (!json_is_object(auths)) {
    auths = json_object();
    json_object_set_new(j, "auths", auths);
  }
  _cleanup_free_ char *pair = xasprintf("%s:%s", user, pass);
  _cleanup_free_ char *b64 = base64_encode(pair, strlen(pair));
  _cleanup_free_ char *host = key_host(registry);
  json_object_set_new(auths, host, json_pack("{s:s}", "auth", b64));
  int r = save(path, j, err);
  json_decref(j);
  return r;
}

int img_auth_remove(const char *registry, bool all, tote_err **err) {
  _cleanup_free_ char *path = img_auth_file();
  json_t *j = load(path, err);
  if (j == NULL)
    return -1;
  json_t *auths = json_object_get(j, "auths");
  int r = 1;
  if (all) {
    r = json_object_size(auths) ? 0 : 1;
    json_object_set_new(j, "auths", json_object());
  } else {
    _cleanup_free_ char *want = key_host(registry);
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(auths, tmp, key, v) {
      _cleanup_free_ char *host = key_host(key);
      if (strcmp(host, want) == 0) {
        json_object_del(auths, key);
        r = 0;
      }
    }
  }
  if (r == 0 && save(path, j, err) < 0)
    r = -1;
  json_decref(j);
  return r;
}
