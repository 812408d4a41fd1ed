/* config.c - config.json: load, top-level fields, hooks, annotations, free. */
#include "runtime/config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "runtime/config_internal.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

int config_refuse(json_t *obj, const char *key, const char *where, const char *why,
                  tote_err **err) {
  if (!jx_has(obj, key))
    return 0;
  _cleanup_free_ char *p = jx_path(where, key);
  return err_set(err, 0, "%s is not supported%s", p, why);
}

static const char *const hook_names[RT_HOOK_COUNT] = {
    [RT_HOOK_PRESTART] = "prestart",
    [RT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [RT_HOOK_CREATE_CONTAINER] = "createContainer",
    [RT_HOOK_START_CONTAINER] = "startContainer",
    [RT_HOOK_POSTSTART] = "poststart",
    [RT_HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(json_t *h, const char *w, struct rt_hook *hook, tote_err **err) {
  if (!json_is_object(h))
    return err_set(err, 0, "%s must be an object", w);
  if (jx_str(h, "path", w, &hook->path, err) < 0 || jx_strv(h, "args", w, &hook->args, err) < 0 ||
      jx_strv(h, "env", w, &hook->env, err) < 0 || jx_int(h, "timeout", w, &hook->timeout, err) < 0)
    return -1;
  if (hook->path == NULL || hook->path[0] != '/')
    return err_set(err, 0, "%s.path must be an absolute path", w);
  if (jx_present(h, "timeout") && hook->timeout <= 0)
    return err_set(err, 0, "%s.timeout must be greater than zero", w);
  return 0;
}

int config_parse_hooks(json_t *root, struct rt_config *c, tote_err **err) {
  json_t *hooks;
  if (jx_obj(root, "hooks", "", &hooks, err) < 0)
    return -1;
  if (hooks == NULL)
    return 0;
  c->hooks_json = json_incref(hooks);
  for (int k = 0; k < RT_HOOK_COUNT; k++) {
    json_t *arr;
    if (jx_arr(hooks, hook_names[k], "hooks", &arr, err) < 0)
      return -1;
    size_t n = arr ? json_array_size(arr) : 0;
    c->hooks.list[k] = xcalloc_array(n, sizeof(struct rt_hook));
    for (size_t i = 0; i < n; i++) {
      _cleanup_free_ char *w = jx_index_path("hooks", hook_names[k], i);
      c->hooks.count[k] = i + 1;
      if (parse_hook(json_array_get(arr, i), w, &c->hooks.list[k][i], err) < 0)
        return -1;
    }
  }
  return 0;
}

void config_free_hooks(struct rt_hooks *h) {
  for (int k = 0; k < RT_HOOK_COUNT; k++) {
    for (size_t i = 0; i < h->count[k]; i++) {
      free(h->list[k][i].path);
      strv_free(h->list[k][i].args);
      strv_free(h->list[k][i].env);
    }
    free(h->list[k]);
  }
}

static int parse_root(json_t *root, struct rt_config *c, tote_err **err) {
  json_t *r;
  if (jx_obj(root, "root", "", &r, err) < 0)
    return -1;
  if (r == NULL)
    return err_set(err, 0, "root is required");
  if (jx_str(r, "path", "root", &c->root_path, err) < 0 ||
      jx_bool(r, "readonly", "root", &c->root_readonly, err) < 0)
    return -1;
  if (c->root_path == NULL || c->root_path[0] == '\0')
    return err_set(err, 0, "root.path is required");
  return 0;
}

static int parse_version(json_t *root, struct rt_config *c, tote_err **err) {
  if (jx_str(root, "ociVersion", "", &c->oci_version, err) < 0)
    return -1;
  if (c->oci_version == NULL)
    return err_set(err, 0, "ociVersion is required");
  if (strncmp(c->oci_version, "1.", 2) != 0)
    return err_set(err, 0, "ociVersion %s is not supported (tote implements 1.x)",
                   c->oci_version);
  return 0;
}

static int parse_annotations(json_t *root, struct rt_config *c, tote_err **err) {
  json_t *a;
  if (jx_obj(root, "annotations", "", &a, err) < 0)
    return -1;
  const char *key;
  json_t *v;
  json_object_foreach(a, key, v) {
    if (!json_is_string(v))
      return err_set(err, 0, "annotations.%s must be a string", key);
  }
  c->annotations = a ? json_incref(a) : NULL;
  return 0;
}

static int parse_root_object(json_t *root, struct rt_config *c, tote_err **err) {
  if (!json_is_object(root))
    return err_set(err, 0, "the top level must be an object");
  for (const char *const *k = (const char *const[]){"windows", "solaris", "vm", "zos", "freebsd", NULL}; *k;
       k++)
    if (config_refuse(root, *k, "", " on Linux", err) < 0)
      return -1;
  if (parse_version(root, c, err) < 0 || parse_root(root, c, err) < 0 ||
      jx_str(root, "hostname", "", &c->hostname, err) < 0 ||
      jx_str(root, "domainname", "", &c->domainname, err) < 0 ||
      config_parse_mounts(root, c, err) < 0 || config_parse_hooks(root, c, err) < 0 ||
      parse_annotations(root, c, err) < 0 || config_parse_linux(root, c, err) < 0)
    return -1;
  json_t *p;
  if (jx_obj(root, "process", "", &p, err) < 0)
    return -1;
  if (p != NULL) {
    c->has_process = true;
    if (config_parse_process(p, &c->process, "process", err) < 0)
      return -1;
  }
  bool own_uts = c->ns[RT_NS_UTS].present && !c->ns[RT_NS_UTS].path;
  if (((c->hostname && *c->hostname) || (c->domainname && *c->domainname)) && !own_uts)
    return err_set(err, 0, "hostname and domainname need a new uts namespace");
  return 0;
}

/* JSON text to a tree, with RLIM_INFINITY marked (jsonx.h) and errors that
 * name the file, line and column. */
static json_t *load_json(const char *data, size_t len, const char *name, tote_err **err) {
  _cleanup_free_ char *text = xmalloc(len + 1);
  memcpy(text, data, len);
  text[len] = '\0';
  jx_mark_uint64_max(text, len);
  json_error_t jerr;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    err_set(err, 0, "%s: line %d, column %d: %s", name, jerr.line, jerr.column, jerr.text);
  return root;
}

struct rt_config *config_parse(const char *data, size_t len, const char *name, tote_err **err) {
  json_t *root = load_json(data, len, name, err);
  if (root == NULL)
    return NULL;
  struct rt_config *c = xzalloc(sizeof *c);
  int r = parse_root_object(root, c, err);
  json_decref(root);
  if (r < 0) {
    err_wrap(err, "%s", name);
    config_free(c);
    return NULL;
  }
  return c;
}

struct rt_config *config_load(int dirfd, const char *path, tote_err **err) {
  size_t len;
  _cleanup_free_ char *data = read_file_at(dirfd, path, &len, err);
  if (data == NULL)
    return NULL;
  return config_parse(data, len, path, err);
}

struct rt_process *config_load_process(const char *path, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, &len, err);
  json_t *root = text ? load_json(text, len, path, err) : NULL;
  if (root == NULL)
    return NULL;
  struct rt_process *p = xzalloc(sizeof *p);
  int r = config_parse_process(root, p, "process", err);
  json_decref(root);
  if (r < 0) {
    err_wrap(err, "%s", path);
    config_process_free(p);
    return NULL;
  }
  return p;
}

void config_free(struct rt_config *c) {
  if (c == NULL)
    return;
  free(c->oci_version);
  free(c->root_path);
  for (size_t i = 0; i < c->n_mounts; i++)
    config_free_mount(&c->mounts[i]);
  free(c->mounts);
  config_free_process_fields(&c->process);
  free(c->hostname);
  free(c->domainname);
  config_free_hooks(&c->hooks);
  json_decref(c->hooks_json);
  json_decref(c->annotations);
  for (int i = 0; i < RT_NS_COUNT; i++)
    free(c->ns[i].path);
  free(c->uid_mappings);
  free(c->gid_mappings);
  for (size_t i = 0; i < c->n_devices; i++)
    free(c->devices[i].path);
  free(c->devices);
  free(c->cgroups_path);
  json_decref(c->resources);
  for (size_t i = 0; i < c->n_sysctl; i++) {
    free(c->sysctl[i].key);
    free(c->sysctl[i].value);
  }
  free(c->sysctl);
  strv_free(c->masked_paths);
  strv_free(c->readonly_paths);
  config_seccomp_free(c->seccomp);
  free(c);
}
