/* archive.c - save, load and import (see archive.h). */
#include "image/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/archive_lib.h"
#include "image/images.h"
#include "image/layer.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define DOC_MAX (8u << 20)

/* ---- writing archives ---- */

static int add_data(struct archive *a, const char *name, const void *data, size_t len,
                    tote_err **err) {
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)len);
  archive_entry_set_mtime(e, 0, 0);
  int r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK || (len && archive_write_data(a, data, len) != (la_ssize_t)len))
    return err_set(err, 0, "writing %s into the archive: %s", name, archive_error_string(a));
  return 0;
}

static int add_fd(struct archive *a, const char *name, int fd, tote_err **err) {
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_sys(err, "reading %s", name);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, st.st_size);
  archive_entry_set_mtime(e, 0, 0);
  int r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return err_set(err, 0, "writing %s into the archive: %s", name, archive_error_string(a));
  char buf[65536];
  ssize_t n;
  off_t off = 0;
  while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
    if (archive_write_data(a, buf, (size_t)n) != n)
      return err_set(err, 0, "writing %s into the archive: %s", name, archive_error_string(a));
    off += n;
  }
  if (n < 0)
    return err_sys(err, "reading %s", name);
  return 0;
}

static int add_blob(struct img_store *s, struct archive *a, const char *path, const char *digest,
                    tote_err **err) {
  _cleanup_close_ int fd = img_blob_open(s, digest, err);
  return fd < 0 ? -1 : add_fd(a, path, fd, err);
}

/* A temp file in the store's tmp/, unlinked at once: only the fd holds it. */
static int temp_file(struct img_store *s, tote_err **err) {
  int fd = openat(s->tmpfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_sys(err, "creating a temporary file in %s/tmp", s->root);
  return fd;
}

/* The layer blob decompressed into a temp file. */
static int decompressed(struct img_store *s, const char *digest, tote_err **err) {
  _cleanup_close_ int in = img_blob_open(s, digest, err);
  if (in < 0)
    return -1;
  int out = temp_file(s, err);
  if (out < 0)
    return -1;
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  struct archive_entry *e;
  int rc = 0;
  if (archive_read_open_fd(a, in, 65536) != ARCHIVE_OK ||
      archive_read_next_header(a, &e) != ARCHIVE_OK) {
    rc = err_set(err, 0, "layer %s: %s", digest, archive_error_string(a));
  } else {
    char buf[65536];
    la_ssize_t n;
    while (rc == 0 && (n = archive_read_data(a, buf, sizeof buf)) > 0)
      if (write_all_fd(out, buf, (size_t)n) < 0)
        rc = err_sys(err, "decompressing layer %s", digest);
    if (rc == 0 && n < 0)
      rc = err_set(err, 0, "layer %s: %s", digest, archive_error_string(a));
  }
  archive_read_free(a);
  if (rc < 0) {
    close(out);
    return -1;
  }
  return out;
}

/* args -> {id: {"image": listing object, "names": [names]}}: a name
 * stands for itself, an id for every name of its image (img_match); names
 * pinned by digest are left out (an archive names images by tag). */
static json_t *gather(json_t *list, char **args, int n, tote_err **err) {
  json_t *out = json_object();
  for (int i = 0; i < n; i++) {
    json_t *names = json_array();
    json_t *o = img_match(list, args[i], names, err) == 0 ? img_resolve(list, args[i], err) : NULL;
    if (o == NULL) {
      json_decref(names);
      json_decref(out);
      return NULL;
    }
    const char *id = json_string_value(json_object_get(o, "id"));
    json_t *g = json_object_get(out, id);
    if (g == NULL) {
      g = json_pack("{s:O, s:[]}", "image", o, "names");
      json_object_set_new(out, id, g);
    }
    json_t *have = json_object_get(g, "names");
    size_t k, m;
    json_t *x, *y;
    json_array_foreach(names, k, x) {
      bool dup = strchr(json_string_value(x), '@') != NULL;
      json_array_foreach(have, m, y) dup |= json_equal(x, y);
      if (!dup)
        json_array_append(have, x);
    }
    json_decref(names);
  }
  return out;
}

static int save_docker(struct img_store *s, struct archive *a, json_t *groups, tote_err **err) {
  json_t *manifest = json_array(), *written = json_object();
  const char *id;
  json_t *g;
  int rc = 0;
  json_object_foreach(groups, id, g) {
    json_t *o = json_object_get(g, "image");
    _cleanup_free_ char *cfgname = xasprintf("%s.json", id + 7);
    if (rc == 0)
      rc = add_blob(s, a, cfgname, id, err);
    json_t *paths = json_array();
    json_t *layers = json_object_get(o, "layers"), *diffs = json_object_get(o, "diff_ids");
    for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
      const char *diff = json_string_value(json_array_get(diffs, i));
      _cleanup_free_ char *path = xasprintf("%s/layer.tar", diff ? diff + 7 : "x");
      json_array_append_new(paths, json_string(path));
      if (json_object_get(written, path))
        continue;
      int fd = decompressed(s, json_string_value(json_array_get(layers, i)), err);
      if (fd < 0) {
        rc = -1;
        break;
      }
      rc = add_fd(a, path, fd, err);
      close(fd);
      json_object_set_new(written, path, json_true());
    }
    json_array_append_new(manifest, json_pack("{s:s, s:O, s:o}", "Config", cfgname, "RepoTags",
                                              json_object_get(g, "names"), "Layers", paths));
  }
  _cleanup_free_ char *text = json_dumps(manifest, JSON_COMPACT);
  if (rc == 0)
    rc = add_data(a, "manifest.json", text, strlen(text), err);
  json_decref(manifest);
  json_decref(written);
  return rc;
}

static int save_oci(struct img_store *s, struct archive *a, json_t *groups, tote_err **err) {
  json_t *idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
                          "application/vnd.oci.image.index.v1+json", "manifests");
  json_t *store_idx = img_index_load(s, err), *written = json_object();
  int rc = store_idx ? add_data(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err)
                     : -1;
  const char *id;
  json_t *g;
  json_object_foreach(groups, id, g) {
    json_t *o = json_object_get(g, "image");
    json_t *blobs = json_array();
    json_array_append(blobs, json_object_get(o, "digest"));
    json_array_append(blobs, json_object_get(o, "id"));
    json_array_extend(blobs, json_object_get(o, "layers"));
    size_t i;
    json_t *b;
    json_array_foreach(blobs, i, b) {
      const char *d = json_string_value(b);
      if (rc < 0 || json_object_get(written, d))
        continue;
      _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", d + 7);
      rc = add_blob(s, a, path, d, err);
      json_object_set_new(written, d, json_true());
    }
    json_decref(blobs);
    json_t *desc = img_index_find(store_idx, json_string_value(json_object_get(o, "name")));
    json_t *names = json_object_get(g, "names");
    for (size_t k = 0; rc == 0 && desc && k < json_array_size(names); k++) {
      json_t *d = json_deep_copy(desc);
      json_object_set(json_object_get(d, "annotations"), IMG_REF_NAME, json_array_get(names, k));
      json_array_append_new(json_object_get(idx, "manifests"), d);
    }
    if (rc == 0 && json_array_size(names) == 0 && desc) /* by id, unnamed */
      json_array_append(json_object_get(idx, "manifests"), desc);
  }
  _cleanup_free_ char *text = json_dumps(idx, JSON_COMPACT);
  if (rc == 0)
    rc = add_data(a, "index.json", text, strlen(text), err);
  json_decref(idx);
  json_decref(store_idx);
  json_decref(written);
  return rc;
}

int img_save(struct img_store *s, char **args, int n, enum img_archive_format f, int outfd,
             tote_err **err) {
  json_t *list = img_list(s, err);
  json_t *groups = list ? gather(list, args, n, err) : NULL;
  if (groups == NULL) {
    json_decref(list);
    return -1;
  }
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  int rc = 0;
  if (archive_write_open_fd(a, outfd) != ARCHIVE_OK)
    rc = err_set(err, 0, "writing the archive: %s", archive_error_string(a));
  if (rc == 0)
    rc = f == IMG_DOCKER_ARCHIVE ? save_docker(s, a, groups, err) : save_oci(s, a, groups, err);
  if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
    rc = err_set(err, 0, "writing the archive: %s", archive_error_string(a));
  archive_write_free(a);
  json_decref(groups);
  json_decref(list);
  return rc;
}

/* ---- storing an image from its parts ---- */

static char *untagged_name(const char *id) {
  return xasprintf("localhost/untagged-%.12s:latest", id + 7);
}

/* A stored layer blob's descriptor (its media type from its first bytes). */
static json_t *layer_desc(struct img_store *s, const char *digest) {
  _cleanup_close_ int fd = img_blob_open(s, digest, NULL);
  const char *comp = fd >= 0 ? img_layer_compression(fd) : "";
  _cleanup_free_ char *mt = *comp ? xasprintf("%s+%s", MT_LAYER, comp) : xstrdup(MT_LAYER);
  return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size",
                   (json_int_t)img_blob_size(s, digest));
}

/* config (a stored blob) + layers (stored blobs, in order) -> an OCI
 * manifest, the layers unpacked, and each of names pointing at it. */
static int store_image(struct img_store *s, const char *config, json_t *layers, json_t *names,
                       tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = img_blob_read(s, config, DOC_MAX, &len, err);
  json_t *cfg = text ? json_loadb(text, len, 0, NULL) : NULL;
  json_t *diffs = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
  int rc = 0;
  if (text == NULL)
    rc = -1;
  else if (json_array_size(diffs) != json_array_size(layers))
    rc = err_set(err, 0, "image config %s lists %zu diff ids for %zu layers", config,
                 json_array_size(diffs), json_array_size(layers));
  json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[]}", "schemaVersion", 2, "mediaType",
                        MT_MANIFEST, "config", "mediaType", MT_CONFIG, "digest", config, "size",
                        (json_int_t)len, "layers");
  char chain[IMG_DIGEST_LEN + 1] = "";
  for (size_t i = 0; rc == 0 && i < json_array_size(layers); i++) {
    const char *blob = json_string_value(json_array_get(layers, i));
    const char *diff = json_string_value(json_array_get(diffs, i));
    if (!img_digest_valid(diff)) {
      rc = err_set(err, 0, "image config %s: diff id %zu is not a sha256 digest", config, i);
      break;
    }
    json_array_append_new(json_object_get(m, "layers"), layer_desc(s, blob));
    char next[IMG_DIGEST_LEN + 1];
    img_chain_id(chain, diff, next);
    memcpy(chain, next, sizeof chain);
    rc = img_layer_unpack(s, blob, diff, chain, err);
  }
  _cleanup_free_ char *mtext = json_dumps(m, JSON_COMPACT);
  char md[IMG_DIGEST_LEN + 1];
  if (rc == 0)
    rc = img_blob_put(s, mtext, strlen(mtext), md, err);
  json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", MT_MANIFEST, "digest", md, "size",
                           (json_int_t)strlen(mtext));
  for (size_t k = 0; rc == 0 && k < json_array_size(names); k++)
    rc = img_index_set(s, json_string_value(json_array_get(names, k)), desc, err);
  json_decref(desc);
  json_decref(m);
  json_decref(cfg);
  return rc;
}

/* A name the archive gives -> the normalized reference, or NULL (err). */
static char *normalize(const char *name, tote_err **err) {
  struct img_ref r;
  if (img_ref_parse(name, &r, err) < 0)
    return NULL;
  char *n = img_ref_string(&r);
  img_ref_free(&r);
  return n;
}

/* ---- load ---- */

static int put_file(struct img_store *s, int dirfd, const char *path, char out[IMG_DIGEST_LEN + 1],
                    tote_err **err) {
  if (path == NULL || strstr(path, ".."))
    return err_set(err, 0, "the archive names a file outside it: %s", path ? path : "");
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "the archive lacks %s", path);
  return img_blob_put_fd(s, fd, out, err);
}

static int load_docker(struct img_store *s, int dirfd, json_t *loaded, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = read_file_at(dirfd, "manifest.json", &len, err);
  json_t *man = text ? json_loadb(text, len, 0, NULL) : NULL;
  if (!json_is_array(man)) {
    json_decref(man);
    return text ? err_set(err, 0, "the archive's manifest.json is not a list of images")
                : -1;
  }
  int rc = 0;
  size_t i;
  json_t *e;
  json_array_foreach(man, i, e) {
    char cfg[IMG_DIGEST_LEN + 1];
    if (rc == 0)
      rc = put_file(s, dirfd, json_string_value(json_object_get(e, "Config")), cfg, err);
    json_t *layers = json_array(), *names = json_array();
    size_t k;
    json_t *l;
    json_array_foreach(json_object_get(e, "Layers"), k, l) {
      char d[IMG_DIGEST_LEN + 1];
      if (rc == 0 && (rc = put_file(s, dirfd, json_string_value(l), d, err)) == 0)
        json_array_append_new(layers, json_string(d));
    }
    json_array_foreach(json_object_get(e, "RepoTags"), k, l) {
      _cleanup_free_ char *n = rc == 0 ? normalize(json_string_value(l), err) : NULL;
      if (n)
        json_array_append_new(names, json_string(n));
      else
        rc = -1;
    }
    if (rc == 0 && json_array_size(names) == 0) {
      _cleanup_free_ char *u = untagged_name(cfg);
      json_array_append_new(names, json_string(u));
    }
    if (rc == 0)
      rc = store_image(s, cfg, layers, names, err);
    if (rc == 0)
      json_array_extend(loaded, names);
    json_decref(layers);
    json_decref(names);
  }
  json_decref(man);
  return rc;
}

/* An OCI layout's blob, verified, into the store. */
static int copy_oci_blob(struct img_store *s, int dirfd, const char *digest, tote_err **err) {
  if (!img_digest_valid(digest))
    return err_set(err, 0, "the archive's index names a blob that is not sha256: %s",
                   digest ? digest : "");
  _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest + 7);
  char got[IMG_DIGEST_LEN + 1];
  if (put_file(s, dirfd, path, got, err) < 0)
    return -1;
  if (strcmp(got, digest) != 0)
    return err_set(err, 0, "the archive's blob %s is corrupt: its content hashes to %s",
                   digest, got);
  return 0;
}

static int load_oci(struct img_store *s, int dirfd, json_t *loaded, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = read_file_at(dirfd, "index.json", &len, err);
  json_t *idx = text ? json_loadb(text, len, 0, NULL) : NULL;
  if (!json_is_array(json_object_get(idx, "manifests"))) {
    json_decref(idx);
    return text ? err_set(err, 0, "the archive's index.json is not an OCI index") : -1;
  }
  int rc = 0;
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(idx, "manifests"), i, d) {
    const char *md = json_string_value(json_object_get(d, "digest"));
    if (rc == 0)
      rc = copy_oci_blob(s, dirfd, md, err);
    size_t mlen;
    _cleanup_free_ char *mtext = rc == 0 ? img_blob_read(s, md, DOC_MAX, &mlen, err) : NULL;
    json_t *m = mtext ? json_loadb(mtext, mlen, 0, NULL) : NULL;
    if (rc == 0 && json_is_array(json_object_get(m, "manifests"))) {
      /* an index of platforms: this machine's image, as a pull would take */
      _cleanup_free_ char *what = xasprintf("the archive's index %s", md);
      json_t *c = img_index_choose(m, img_host_platform(), what, err);
      _cleanup_free_ char *pd = c ? xstrdup(json_string_value(json_object_get(c, "digest")) ?: "")
                                  : NULL;
      json_decref(m);
      m = NULL;
      rc = pd ? copy_oci_blob(s, dirfd, pd, err) : -1;
      _cleanup_free_ char *ptext = rc == 0 ? img_blob_read(s, pd, DOC_MAX, &mlen, err) : NULL;
      m = ptext ? json_loadb(ptext, mlen, 0, NULL) : NULL;
      if (rc == 0 && m == NULL)
        rc = ptext ? err_set(err, 0, "the archive's manifest %s is not JSON", pd) : -1;
    }
    if (rc == 0 && json_object_get(m, "config") == NULL)
      rc = err_set(err, 0, "the archive's entry %s is not an image manifest", md);
    const char *cd = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
    if (rc == 0)
      rc = copy_oci_blob(s, dirfd, cd, err);
    json_t *layers = json_array();
    size_t k;
    json_t *l;
    json_array_foreach(json_object_get(m, "layers"), k, l) {
      const char *ld = json_string_value(json_object_get(l, "digest"));
      if (rc == 0 && (rc = copy_oci_blob(s, dirfd, ld, err)) == 0)
        json_array_append_new(layers, json_string(ld));
    }
    const char *ref = json_string_value(json_object_get(json_object_get(d, "annotations"),
                                                        IMG_REF_NAME));
    _cleanup_free_ char *name = rc == 0 ? (ref ? normalize(ref, err) : untagged_name(cd)) : NULL;
    if (rc == 0 && name == NULL)
      rc = -1;
    json_t *names = json_array();
    if (name)
      json_array_append_new(names, json_string(name));
    if (rc == 0)
      rc = store_image(s, cd, layers, names, err);
    if (rc == 0)
      json_array_extend(loaded, names);
    json_decref(names);
    json_decref(layers);
    json_decref(m);
  }
  json_decref(idx);
  return rc;
}

int img_load(struct img_store *s, int infd, json_t **names, tote_err **err) {
  *names = NULL;
  if (img_store_lock(s, err) < 0)
    return -1;
  char tmp[32];
  img_tmp_name("load", tmp, sizeof tmp);
  int rc = mkdirat(s->tmpfd, tmp, 0700) < 0 ? err_sys(err, "creating %s/tmp/%s", s->root, tmp) : 0;
  _cleanup_close_ int dfd = rc == 0 ? openat(s->tmpfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                    : -1;
  if (rc == 0 && dfd < 0)
    rc = err_sys(err, "opening %s/tmp/%s", s->root, tmp);
  if (rc == 0)
    rc = img_layer_extract_fd(infd, dfd, "the archive", err);
  json_t *loaded = json_array();
  if (rc == 0) {
    if (faccessat(dfd, "manifest.json", F_OK, 0) == 0)
      rc = load_docker(s, dfd, loaded, err);
    else if (faccessat(dfd, "oci-layout", F_OK, 0) == 0)
      rc = load_oci(s, dfd, loaded, err);
    else
      rc = err_set(err, 0, "the archive is neither a docker-archive (no manifest.json) nor "
                                 "an oci-archive (no oci-layout)");
  }
  remove_tree_at(s->tmpfd, tmp);
  img_store_unlock(s);
  if (rc < 0) {
    json_decref(loaded);
    img_gc(s, NULL); /* what was stored before the failure */
    return -1;
  }
  *names = loaded;
  return 0;
}

/* ---- import ---- */

int img_import(struct img_store *s, int infd, const char *name, char id[72], tote_err **err) {
  _cleanup_free_ char *norm = name ? normalize(name, err) : NULL;
  if (name && norm == NULL)
    return -1;
  if (img_store_lock(s, err) < 0)
    return -1;
  char layer[IMG_DIGEST_LEN + 1], diff[IMG_DIGEST_LEN + 1], cfgd[IMG_DIGEST_LEN + 1];
  int rc = img_blob_put_fd(s, infd, layer, err);
  _cleanup_close_ int fd = rc == 0 ? img_blob_open(s, layer, err) : -1;
  if (rc == 0 && (fd < 0 || img_layer_diff_id(fd, diff, "the tarball", err) < 0))
    rc = -1;
  char now[32];
  time_t t = time(NULL);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  json_t *cfg = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created", now,
                          "architecture", "amd64", "os", "linux", "config", "rootfs", "type",
                          "layers", "diff_ids", diff, "history", "created", now, "created_by",
                          "tote import");
  const char *arch = strchr(img_host_platform(), '/');
  json_object_set_new(cfg, "architecture", json_string(arch ? arch + 1 : "amd64"));
  _cleanup_free_ char *text = json_dumps(cfg, JSON_COMPACT);
  json_decref(cfg);
  if (rc == 0)
    rc = img_blob_put(s, text, strlen(text), cfgd, err);
  _cleanup_free_ char *n = rc == 0 ? (norm ? xstrdup(norm) : untagged_name(cfgd)) : NULL;
  json_t *layers = json_pack("[s]", layer), *names = json_pack("[s]", n ? n : "");
  if (rc == 0)
    rc = store_image(s, cfgd, layers, names, err);
  json_decref(layers);
  json_decref(names);
  img_store_unlock(s);
  if (rc < 0) {
    img_gc(s, NULL);
    return -1;
  }
  snprintf(id, 72, "%s", cfgd);
  return 0;
}
