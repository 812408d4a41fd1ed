/* pull.c - an image from a registry into the store (see pull.h). */
#include "image/pull.h"

#include <errno.h>
#include <pthread.h>
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/auth.h"
#include "image/layer.h"
#include "image/regconf.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define CONFIG_MAX (8u << 20)

const char *img_host_platform(void) {
  static char buf[80];
  static struct utsname u;
  const char *arch = "amd64";
  if (uname(&u) == 0) {
    static const char *const map[][2] = {{"x86_64", "amd64"}, {"aarch64", "arm64"},
                                          {"i686", "386"},     {"armv7l", "arm"},
                                          {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
                                          {"riscv64", "riscv64"}};
    arch = u.machine;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
      if (strcmp(u.machine, map[i][0]) == 0)
        arch = map[i][1];
  }
  snprintf(buf, sizeof buf, "linux/%s", arch);
  return buf;
}

static void report(const struct img_pull_opts *o, enum img_progress_event ev, const char *what,
                   const char *digest, uint64_t done, uint64_t total) {
  if (o->progress)
    o->progress->fn(o->progress->arg, ev, what, digest, done, total);
}

struct bytes_ctx {
  const struct img_pull_opts *o;
  const char *what, *digest;
  uint64_t total;
};

static void on_bytes(void *arg, uint64_t done) {
  struct bytes_ctx *b = arg;
  report(b->o, IMG_PROGRESS_BYTES, b->what, b->digest, done, b->total);
}

static const char *media_type(json_t *doc, const char *content_type) {
  const char *mt = json_string_value(json_object_get(doc, "mediaType"));
  if (mt)
    return mt;
  if (content_type && *content_type)
    return content_type;
  /* an OCI document without mediaType: an index has manifests, a manifest config */
  return json_object_get(doc, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
}

/* ---- platform selection ---- */

static char *platform_of(json_t *p) {
  const char *os = json_string_value(json_object_get(p, "os"));
  const char *arch = json_string_value(json_object_get(p, "architecture"));
  const char *var = json_string_value(json_object_get(p, "variant"));
  return xasprintf("%s/%s%s%s", os ? os : "?", arch ? arch : "?", var ? "/" : "",
                   var ? var : "");
}

/* "os/arch[/variant]" matches p; without a variant asked for, any. */
static bool platform_matches(json_t *p, const char *want) {
  _cleanup_free_ char *have = platform_of(p);
  size_t wl = strlen(want);
  return strcmp(have, want) == 0 ||
         (strchr(want + strcspn(want, "/") + 1, '/') == NULL && strncmp(have, want, wl) == 0 &&
          have[wl] == '/');
}

json_t *img_index_choose(json_t *index, const char *want, const char *ref, tote_err **err) {
  json_t *list = json_object_get(index, "manifests");
  size_t i;
  json_t *d;
  json_array_foreach(list, i, d) {
    if (platform_matches(json_object_get(d, "platform"), want))
      return d;
  }
  _cleanup_free_ char *offered = xstrdup("");
  json_array_foreach(list, i, d) {
    _cleanup_free_ char *p = platform_of(json_object_get(d, "platform"));
    char *n = xasprintf("%s%s%s", offered, *offered ? ", " : "", p);
    free(offered);
    offered = n;
  }
  err_set(err, 0, "%s has no image for %s; it offers %s (choose one with --platform)", ref,
          want, *offered ? offered : "none");
  return NULL;
}

/* ---- blobs ---- */

static int fetch_blob(struct reg_client *c, struct img_store *s, json_t *desc, const char *what,
                      const struct img_pull_opts *o, tote_err **err) {
  const char *digest = json_string_value(json_object_get(desc, "digest"));
  json_t *size = json_object_get(desc, "size");
  if (!img_digest_valid(digest) || !json_is_integer(size) || json_integer_value(size) < 0)
    return err_set(err, 0, "the manifest's %s has no valid digest and size", what);
  uint64_t total = (uint64_t)json_integer_value(size);
  if (img_blob_exists(s, digest) && img_blob_size(s, digest) == json_integer_value(size)) {
    report(o, IMG_PROGRESS_EXISTS, what, digest, total, total);
    return 0;
  }
  report(o, IMG_PROGRESS_START, what, digest, 0, total);
  struct bytes_ctx b = {o, what, digest, total};
  int r = reg_get_blob(c, digest, json_integer_value(size), s, o->progress ? on_bytes : NULL, &b,
                       err);
  /* a foreign (non-distributable) layer: the registry may not have it, its
   * urls may (image-spec: implementations MAY download from them) */
  json_t *urls = json_object_get(desc, "urls");
  for (size_t i = 0; r < 0 && i < json_array_size(urls); i++) {
    const char *url = json_string_value(json_array_get(urls, i));
    tote_err *e = NULL;
    if (url && reg_get_blob_url(c, url, digest, json_integer_value(size), s, &e) == 0) {
      err_free(err);
      r = 0;
    }
    err_free(&e);
  }
  if (r < 0)
    return json_array_size(urls) ? err_wrap(err, "%s %s (nor from its urls)", what, digest) : -1;
  report(o, IMG_PROGRESS_DONE, what, digest, total, total);
  return 0;
}

/* ---- layers, a few at a time ---- */

#define DOWNLOADS 3 /* at once: as docker's default */

struct pool {
  pthread_mutex_t lock;
  struct reg_client *c;
  struct img_store *s;
  json_t *layers;
  const struct img_pull_opts *o;
  size_t next;
  tote_err *err; /* the first failure; the others stop taking work */
};

static void *download_worker(void *arg) {
  struct pool *p = arg;
  pthread_mutex_lock(&p->lock);
  struct reg_client *c = reg_client_clone(p->c);
  for (;;) {
    if (p->err || p->next >= json_array_size(p->layers))
      break;
    json_t *desc = json_array_get(p->layers, p->next++);
    pthread_mutex_unlock(&p->lock);
    tote_err *e = NULL;
    int r = fetch_blob(c, p->s, desc, "blob", p->o, &e);
    pthread_mutex_lock(&p->lock);
    if (r < 0 && p->err == NULL)
      p->err = steal_ptr(&e);
    err_free(&e);
  }
  pthread_mutex_unlock(&p->lock);
  reg_client_free(c);
  return NULL;
}

/* Every layer not in the store, DOWNLOADS at a time. */
static int fetch_layers(struct reg_client *c, struct img_store *s, json_t *layers,
                        const struct img_pull_opts *o, tote_err **err) {
  struct pool p = {.c = c, .s = s, .layers = layers, .o = o};
  pthread_mutex_init(&p.lock, NULL);
  size_t n = json_array_size(layers) < DOWNLOADS ? json_array_size(layers) : DOWNLOADS;
  pthread_t t[DOWNLOADS];
  size_t started = 0;
  for (; started < n; started++)
    if (pthread_create(&t[started], NULL, download_worker, &p) != 0)
      break;
  if (started == 0 && n > 0) /* no thread: do it here */
    download_worker(&p);
  for (size_t i = 0; i < started; i++)
    pthread_join(t[i], NULL);
  pthread_mutex_destroy(&p.lock);
  if (p.err) {
    *err = p.err;
    return -1;
  }
  return 0;
}

#define MT_DOCKER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_OCI_NONDIST "application/vnd.oci.image.layer.nondistributable.v1.tar"

/* tar, tar+gzip, tar+zstd, OCI or Docker, distributable or not */
static bool layer_type_ok(const char *mt) {
  return mt == NULL || strcmp(mt, MT_DOCKER_LAYER) == 0 || strcmp(mt, MT_DOCKER_FOREIGN) == 0 ||
         strncmp(mt, MT_OCI_LAYER, strlen(MT_OCI_LAYER)) == 0 ||
         strncmp(mt, MT_OCI_NONDIST, strlen(MT_OCI_NONDIST)) == 0;
}

/* A Docker schema2 manifest as the OCI one it stands for. */
static json_t *as_oci(json_t *m) {
  json_t *o = json_deep_copy(m);
  json_object_set_new(o, "mediaType", json_string(MT_OCI_MANIFEST));
  json_object_set_new(json_object_get(o, "config"), "mediaType", json_string(MT_OCI_CONFIG));
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(o, "layers"), i, l) {
    const char *mt = json_string_value(json_object_get(l, "mediaType"));
    if (mt && strcmp(mt, MT_DOCKER_LAYER) == 0)
      json_object_set_new(l, "mediaType", json_string(MT_OCI_LAYER "+gzip"));
    else if (mt && strcmp(mt, MT_DOCKER_FOREIGN) == 0)
      json_object_set_new(l, "mediaType", json_string(MT_OCI_NONDIST "+gzip"));
  }
  return o;
}

struct pulled {
  json_t *manifest;        /* the platform's manifest */
  char *body;              /* its bytes, as the registry sent them */
  size_t len;
  char digest[IMG_DIGEST_LEN + 1]; /* its digest at the registry */
  const char *media_type;
};

/* The manifest of ref for the platform: an index is resolved. */
static int get_manifest(struct reg_client *c, const struct img_ref *r, const char *name,
                        const struct img_pull_opts *o, struct pulled *p, tote_err **err) {
  struct reg_manifest m;
  const char *want = r->digest ? r->digest : r->tag;
  if (reg_get_manifest(c, want, &m, err) < 0)
    return err_wrap(err, "pulling %s", name);
  if (r->digest && strcmp(m.digest, r->digest) != 0) {
    int rc = err_set(err, 0, "pulling %s: the manifest the registry sent hashes to %s", name,
                     m.digest);
    reg_manifest_free(&m);
    return rc;
  }
  json_error_t je;
  json_t *doc = json_loadb(m.body, m.len, 0, &je);
  const char *mt = doc ? media_type(doc, m.media_type) : NULL;
  if (doc && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)) {
    const char *plat = o->platform ? o->platform : img_host_platform();
    json_t *d = img_index_choose(doc, plat, name, err);
    const char *dd = d ? json_string_value(json_object_get(d, "digest")) : NULL;
    int rc = d == NULL ? -1 : 0;
    if (rc == 0 && !img_digest_valid(dd))
      rc = err_set(err, 0, "pulling %s: the index entry for %s has no valid digest", name,
                   plat);
    _cleanup_free_ char *digest = rc == 0 ? xstrdup(dd) : NULL;
    json_decref(doc);
    reg_manifest_free(&m);
    if (rc < 0)
      return -1;
    if (reg_get_manifest(c, digest, &m, err) < 0)
      return err_wrap(err, "pulling %s", name);
    if (strcmp(m.digest, digest) != 0) {
      reg_manifest_free(&m);
      return err_set(err, 0, "pulling %s: manifest %s hashes to something else", name,
                     digest);
    }
    doc = json_loadb(m.body, m.len, 0, &je);
    mt = doc ? media_type(doc, m.media_type) : NULL;
  }
  if (doc == NULL) {
    reg_manifest_free(&m);
    return err_set(err, 0, "pulling %s: the manifest is not JSON: %s", name, je.text);
  }
  if (strcmp(mt, MT_OCI_MANIFEST) != 0 && strcmp(mt, MT_DOCKER_MANIFEST) != 0) {
    int rc = err_set(err, 0, "pulling %s: manifests of type %s are not supported (OCI "
                                   "and Docker schema 2 are)", name, mt);
    json_decref(doc);
    reg_manifest_free(&m);
    return rc;
  }
  p->manifest = doc;
  p->media_type = strcmp(mt, MT_DOCKER_MANIFEST) == 0 ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST;
  snprintf(p->digest, sizeof p->digest, "%s", m.digest);
  p->body = steal_ptr(&m.body);
  p->len = m.len;
  reg_manifest_free(&m);
  return 0;
}

/* The config, checked: a linux image with one diff id per layer. */
static json_t *load_config(struct img_store *s, const char *digest, size_t nlayers,
                           const char *name, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = img_blob_read(s, digest, CONFIG_MAX, &len, err);
  if (text == NULL)
    return NULL;
  json_t *cfg = json_loadb(text, len, 0, NULL);
  json_t *diffs = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
  const char *os = json_string_value(json_object_get(cfg, "os"));
  if (cfg == NULL || json_array_size(diffs) != nlayers)
    err_set(err, 0, "%s: its config %s does not list one diff id per layer", name, digest);
  else if (os && strcmp(os, "linux") != 0)
    err_set(err, 0, "%s is an image for %s, not linux", name, os);
  else
    return cfg;
  json_decref(cfg);
  return NULL;
}

static int unpack_layers(struct img_store *s, json_t *layers, json_t *diffs,
                         const struct img_pull_opts *o, tote_err **err) {
  char chain[IMG_DIGEST_LEN + 1] = "";
  for (size_t i = 0; i < json_array_size(layers); i++) {
    const char *blob = json_string_value(json_object_get(json_array_get(layers, i), "digest"));
    const char *diff = json_string_value(json_array_get(diffs, i));
    if (!img_digest_valid(diff))
      return err_set(err, 0, "the image config's diff id %zu is not a sha256 digest", i);
    char next[IMG_DIGEST_LEN + 1];
    img_chain_id(chain, diff, next);
    memcpy(chain, next, sizeof chain);
    if (img_layer_exists(s, chain))
      continue;
    report(o, IMG_PROGRESS_UNPACK, "layer", blob, 0, 0);
    if (img_layer_unpack(s, blob, diff, chain, err) < 0)
      return -1;
  }
  return 0;
}

/* Store the manifest (an OCI one as the registry's bytes, a Docker one as
 * its OCI equivalent) and point name at it. */
static int name_image(struct img_store *s, const struct pulled *p, const char *name,
                      tote_err **err) {
  char digest[IMG_DIGEST_LEN + 1];
  _cleanup_free_ char *converted = NULL;
  const char *bytes = p->body;
  size_t len = p->len;
  bool docker = strcmp(p->media_type, MT_DOCKER_MANIFEST) == 0;
  if (docker) {
    json_t *o = as_oci(p->manifest);
    converted = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    bytes = converted;
    len = strlen(converted);
  }
  if (img_blob_put(s, bytes, len, digest, err) < 0)
    return -1;
  json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_MANIFEST, "digest", digest,
                           "size", (json_int_t)len);
  if (docker)
    json_object_set_new(desc, "annotations",
                        json_pack("{s:s}", IMG_SOURCE_DIGEST, p->digest));
  int rc = img_index_set(s, name, desc, err);
  json_decref(desc);
  return rc;
}

static int pull_locked(struct img_store *s, const struct img_ref *r, const char *name,
                       const struct img_pull_opts *o, char id[IMG_DIGEST_LEN + 1],
                       tote_err **err) {
  struct reg_opts ro = {.tls_verify = o->tls_verify, .user = o->user, .pass = o->pass};
  int insecure = img_registry_insecure(r->domain, err);
  if (insecure < 0)
    return err_wrap(err, "pulling %s", name);
  if (insecure)
    ro.tls_verify = false;
  _cleanup_free_ char *user = NULL, *pass = NULL;
  if (ro.user == NULL) { /* what tote login (or docker login) stored */
    int a = img_auth_lookup(r->domain, &user, &pass, err);
    if (a < 0)
      return err_wrap(err, "pulling %s", name);
    ro.user = user;
    ro.pass = pass;
  }
  struct reg_client *c = reg_client_new(img_ref_registry(r), r->path, &ro);
  struct pulled p = {0};
  int rc = get_manifest(c, r, name, o, &p, err);
  json_t *layers = rc == 0 ? json_object_get(p.manifest, "layers") : NULL;
  json_t *cfgdesc = rc == 0 ? json_object_get(p.manifest, "config") : NULL;
  json_t *cfg = NULL;
  if (rc == 0 && (!json_is_array(layers) || !json_is_object(cfgdesc)))
    rc = err_set(err, 0, "pulling %s: the manifest has no config or layers", name);
  for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
    const char *mt = json_string_value(json_object_get(json_array_get(layers, i), "mediaType"));
    if (!layer_type_ok(mt))
      rc = err_set(err, 0, "pulling %s: layers of type %s are not supported", name, mt);
  }
  if (rc == 0)
    rc = fetch_blob(c, s, cfgdesc, "config", o, err);
  const char *cfg_digest = rc == 0 ? json_string_value(json_object_get(cfgdesc, "digest")) : NULL;
  if (rc == 0 && (cfg = load_config(s, cfg_digest, json_array_size(layers), name, err)) == NULL)
    rc = -1;
  /* a single-platform image must be the one asked for (an index was
   * resolved to it already) */
  if (rc == 0 && o->platform && !platform_matches(cfg, o->platform)) {
    _cleanup_free_ char *have = platform_of(cfg);
    rc = err_set(err, 0, "%s is an image for %s, not %s (leave --platform out to take it)",
                 name, have, o->platform);
  }
  if (rc == 0)
    rc = fetch_layers(c, s, layers, o, err);
  if (rc == 0)
    rc = unpack_layers(s, layers, json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), o,
                       err);
  if (rc == 0)
    rc = name_image(s, &p, name, err);
  if (rc == 0)
    snprintf(id, IMG_DIGEST_LEN + 1, "%s", cfg_digest);
  json_decref(cfg);
  json_decref(p.manifest);
  free(p.body);
  reg_client_free(c);
  return rc;
}

int img_pull(struct img_store *s, const char *ref, const struct img_pull_opts *o,
             char id[IMG_DIGEST_LEN + 1], tote_err **err) {
  struct img_ref r;
  if (img_ref_parse(ref, &r, err) < 0)
    return -1;
  _cleanup_free_ char *name = img_ref_string(&r);
  int rc = img_store_lock(s, err);
  if (rc == 0)
    rc = pull_locked(s, &r, name, o, id, err);
  img_store_unlock(s);
  img_ref_free(&r);
  return rc;
}
