/* images.c - listing, removing and garbage-collecting images (see images.h). */
#include "image/images.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define DOC_MAX (8u << 20)

static json_t *read_json_blob(struct img_store *s, const char *digest, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = img_blob_read(s, digest, DOC_MAX, &len, err);
  if (text == NULL)
    return NULL;
  json_t *j = json_loadb(text, len, 0, NULL);
  if (j == NULL)
    err_set(err, 0, "blob %s in %s is not JSON", digest, s->root);
  return j;
}

/* The listing entry of one index descriptor. */
static json_t *describe(struct img_store *s, json_t *desc, tote_err **err) {
  const char *name = json_string_value(json_object_get(json_object_get(desc, "annotations"),
                                                       IMG_REF_NAME));
  const char *md = json_string_value(json_object_get(desc, "digest"));
  json_t *m = read_json_blob(s, md, err);
  if (m == NULL)
    return NULL;
  const char *cd = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
  json_t *cfg = cd ? read_json_blob(s, cd, err) : NULL;
  if (cfg == NULL) {
    if (cd == NULL)
      err_set(err, 0, "manifest %s has no config (an index? tote keeps manifests)", md);
    json_decref(m);
    return NULL;
  }
  json_int_t size = 0;
  json_t *layers = json_array(), *sizes = json_array();
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(m, "layers"), i, l) {
    const char *ld = json_string_value(json_object_get(l, "digest"));
    json_int_t ls = json_integer_value(json_object_get(l, "size"));
    if (!img_digest_valid(ld) || ls < 0) {
      err_set(err, 0, "manifest %s: layer %zu has no valid digest and size", md, i);
      json_decref(layers);
      json_decref(sizes);
      json_decref(cfg);
      json_decref(m);
      return NULL;
    }
    size = ls > INT64_MAX - size ? INT64_MAX : size + ls; /* a hand-made store may lie */
    json_array_append(layers, json_object_get(l, "digest"));
    json_array_append(sizes, json_object_get(l, "size"));
  }
  json_t *diffs = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
  /* docker's SIZE: the layers' files as unpacked; until every layer is
   * (an image skopeo copied in), what the store holds of them */
  json_int_t compressed = size, unpacked = 0;
  char chain[IMG_DIGEST_LEN + 1] = "";
  bool all = json_array_size(diffs) == json_array_size(layers);
  json_t *usizes = json_array();
  for (size_t k = 0; all && k < json_array_size(diffs); k++) {
    const char *d = json_string_value(json_array_get(diffs, k));
    char next[IMG_DIGEST_LEN + 1];
    if (!img_digest_valid(d)) {
      all = false;
      break;
    }
    img_chain_id(chain, d, next);
    memcpy(chain, next, sizeof chain);
    int64_t ls = img_layer_size(s, chain);
    all = ls >= 0;
    json_array_append_new(usizes, json_integer(ls));
    unpacked = all && ls > INT64_MAX - unpacked ? INT64_MAX : unpacked + (all ? ls : 0);
  }
  if (all) {
    size = unpacked;
    json_decref(sizes);
    sizes = usizes;
  } else {
    json_decref(usizes);
  }
  const char *created = json_string_value(json_object_get(cfg, "created"));
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:O}", "name", name ? name : "",
                        "digest", md, "id", cd, "created", created ? created : "", "size", size,
                        "layers", layers, "diff_ids", json_is_array(diffs) ? diffs : json_null());
  json_object_set(o, "config", json_object_get(cfg, "config"));
  json_object_set_new(o, "layer_sizes", sizes);
  json_object_set_new(o, "compressed_size", json_integer(compressed));
  json_t *hist = json_object_get(cfg, "history");
  json_object_set_new(o, "history", json_is_array(hist) ? json_incref(hist) : json_array());
  json_object_set(o, "architecture", json_object_get(cfg, "architecture"));
  json_object_set(o, "os", json_object_get(cfg, "os"));
  json_decref(cfg);
  json_decref(m);
  return o;
}

json_t *img_list(struct img_store *s, tote_err **err) {
  json_t *idx = img_index_load(s, err);
  if (idx == NULL)
    return NULL;
  json_t *out = json_array();
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(idx, "manifests"), i, d) {
    json_t *o = describe(s, d, err);
    if (o == NULL) {
      json_decref(out);
      json_decref(idx);
      return NULL;
    }
    json_array_append_new(out, o);
  }
  json_decref(idx);
  return out;
}

/* ---- remove ---- */

static bool is_hex_prefix(const char *a) {
  size_t n = strlen(a);
  if (strncmp(a, "sha256:", 7) == 0)
    a += 7, n -= 7;
  if (n < 3 || n > 64)
    return false;
  for (; *a; a++)
    if (!((*a >= '0' && *a <= '9') || (*a >= 'a' && *a <= 'f')))
      return false;
  return true;
}

int img_match(json_t *list, const char *arg, json_t *names, tote_err **err) {
  size_t i;
  json_t *o;
  if (is_hex_prefix(arg)) {
    const char *hex = strncmp(arg, "sha256:", 7) == 0 ? arg + 7 : arg;
    const char *found = NULL;
    json_array_foreach(list, i, o) {
      const char *id = json_string_value(json_object_get(o, "id")) + 7;
      if (strncmp(id, hex, strlen(hex)) != 0)
        continue;
      if (found && strcmp(found, id) != 0)
        return err_set(err, 0, "image id prefix %s is ambiguous: give more digits", arg);
      found = id;
      json_array_append(names, json_object_get(o, "name"));
    }
    if (found)
      return 0;
  }
  struct img_ref r;
  if (img_ref_parse(arg, &r, NULL) == 0) {
    _cleanup_free_ char *name = img_ref_string(&r);
    img_ref_free(&r);
    json_array_foreach(list, i, o) {
      if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0) {
        json_array_append(names, json_object_get(o, "name"));
        return 0;
      }
    }
  }
  return err_set(err, 0, "no image %s in the store (see tote images)", arg);
}

json_t *img_resolve(json_t *list, const char *arg, tote_err **err) {
  json_t *names = json_array();
  json_t *found = NULL;
  if (img_match(list, arg, names, err) == 0) {
    const char *name = json_string_value(json_array_get(names, 0));
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
      if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
        found = o;
    }
  }
  json_decref(names);
  return found;
}

/* ---- holds: images something outside the store still needs ---- */

/* ROOT/holds, made when make (reading needs none: no dir, no holds). */
static int holds_dir(struct img_store *s, bool make, tote_err **err) {
  if (make && mkdirat(s->rootfd, "holds", 0700) < 0 && errno != EEXIST)
    return err_sys(err, "creating %s/holds", s->root);
  int fd = openat(s->rootfd, "holds", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s/holds", s->root);
  return fd;
}

int img_hold(struct img_store *s, const char *holder, const char *id, tote_err **err) {
  _cleanup_close_ int fd = holds_dir(s, true, err);
  if (fd < 0)
    return -1;
  return write_file_atomic_at(fd, holder, id, strlen(id), 0600, err);
}

void img_release(struct img_store *s, const char *holder) {
  _cleanup_close_ int fd = holds_dir(s, false, NULL);
  if (fd >= 0)
    unlinkat(fd, holder, 0);
}

json_t *img_holds(struct img_store *s) {
  json_t *out = json_object();
  _cleanup_close_ int fd = holds_dir(s, false, NULL);
  DIR *d = fd >= 0 ? dir_open_at(fd) : NULL;
  for (struct dirent *de; d && (de = readdir(d));) {
    if (de->d_name[0] == '.')
      continue;
    _cleanup_free_ char *id = read_file_at(fd, de->d_name, NULL, NULL);
    if (id == NULL || !img_digest_valid(id))
      continue;
    json_t *h = json_object_get(out, id);
    if (h == NULL)
      json_object_set_new(out, id, h = json_array());
    json_array_append_new(h, json_string(de->d_name));
  }
  if (d)
    closedir(d);
  return out;
}

int img_remove(struct img_store *s, char **args, int n, bool force, tote_err **err) {
  if (img_store_lock(s, err) < 0)
    return -1;
  json_t *list = img_list(s, err);
  json_t *names = json_array(), *held = img_holds(s);
  int rc = list ? 0 : -1;
  for (int i = 0; rc == 0 && i < n; i++) {
    rc = img_match(list, args[i], names, err);
    json_t *o = rc == 0 ? img_resolve(list, args[i], NULL) : NULL;
    json_t *h = o ? json_object_get(held, json_string_value(json_object_get(o, "id"))) : NULL;
    if (h && !force)
      rc = err_set(err, 0, "image %s is used by %zu container(s), e.g. %.12s: remove them "
                           "first, or rmi -f (the containers keep what they use)", args[i],
                   json_array_size(h), json_string_value(json_array_get(h, 0)));
  }
  json_decref(held);
  size_t k;
  json_t *name;
  json_array_foreach(names, k, name) {
    if (rc == 0)
      rc = img_index_remove(s, json_string_value(name), err);
  }
  json_decref(names);
  json_decref(list);
  img_store_unlock(s);
  return rc == 0 ? img_gc(s, err) : rc;
}

int img_tag(struct img_store *s, const char *src, const char *dst, tote_err **err) {
  struct img_ref r;
  if (img_ref_parse(dst, &r, err) < 0)
    return -1;
  _cleanup_free_ char *name = img_ref_string(&r);
  bool pinned = r.digest != NULL;
  img_ref_free(&r);
  if (pinned)
    return err_set(err, 0, "tote tag %s: a new name takes a tag, not a digest", dst);
  if (img_store_lock(s, err) < 0)
    return -1;
  json_t *list = img_list(s, err);
  json_t *idx = list ? img_index_load(s, err) : NULL;
  json_t *o = idx ? img_resolve(list, src, err) : NULL;
  int rc = -1;
  if (o) {
    json_t *desc = json_deep_copy(
        img_index_find(idx, json_string_value(json_object_get(o, "name"))));
    rc = img_index_set(s, name, desc, err);
    json_decref(desc);
  }
  json_decref(idx);
  json_decref(list);
  img_store_unlock(s);
  return rc;
}

/* ---- garbage ---- */

/* Every entry of dirfd whose name keep lacks goes; keep maps names to true. */
static void sweep(int dirfd, json_t *keep) {
  DIR *d = dir_open_at(dirfd); /* a second sweep in one command starts from the top too */
  if (d == NULL)
    return;
  json_t *gone = json_array();
  for (struct dirent *de; (de = readdir(d));)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
        (keep == NULL || json_object_get(keep, de->d_name) == NULL))
      json_array_append_new(gone, json_string(de->d_name));
  closedir(d);
  size_t i;
  json_t *n;
  json_array_foreach(gone, i, n) remove_tree_at(dirfd, json_string_value(n));
  json_decref(gone);
}

int img_gc(struct img_store *s, tote_err **err) {
  if (img_store_lock(s, err) < 0)
    return -1;
  json_t *list = img_list(s, err);
  if (list == NULL) {
    img_store_unlock(s);
    return err_wrap(err, "collecting unused blobs (nothing was deleted)");
  }
  json_t *blobs = json_object(), *layers = json_object();
  size_t i, k;
  json_t *o, *v;
  /* what holds keep: the config, and the layers it lists, unpacked */
  json_t *held = img_holds(s);
  const char *hid;
  json_object_foreach(held, hid, v) {
    size_t len;
    _cleanup_free_ char *text = img_blob_read(s, hid, 8u << 20, &len, NULL);
    json_t *cfg = text ? json_loadb(text, len, 0, NULL) : NULL;
    json_t *entry = json_pack("{s:s, s:s, s:[], s:O}", "digest", hid, "id", hid, "layers",
                              "diff_ids",
                              json_object_get(json_object_get(cfg, "rootfs"), "diff_ids") ?: json_null());
    json_array_append_new(list, entry);
    json_decref(cfg);
  }
  json_decref(held);
  json_array_foreach(list, i, o) {
    /* describe() checked every digest of o */
    json_object_set_new(blobs, json_string_value(json_object_get(o, "digest")) + 7, json_true());
    json_object_set_new(blobs, json_string_value(json_object_get(o, "id")) + 7, json_true());
    if (!json_is_array(json_object_get(o, "diff_ids")))
      continue;
    json_array_foreach(json_object_get(o, "layers"), k, v)
        json_object_set_new(blobs, json_string_value(v) + 7, json_true());
    char chain[IMG_DIGEST_LEN + 1] = "";
    json_array_foreach(json_object_get(o, "diff_ids"), k, v) {
      if (!img_digest_valid(json_string_value(v)))
        break;
      char next[IMG_DIGEST_LEN + 1];
      img_chain_id(chain, json_string_value(v), next);
      memcpy(chain, next, sizeof chain);
      json_object_set_new(layers, img_digest_hex(chain), json_true());
    }
  }
  sweep(s->blobsfd, blobs);
  sweep(s->layersfd, layers);
  sweep(s->tmpfd, NULL); /* under the lock no pull is running */
  json_decref(blobs);
  json_decref(layers);
  json_decref(list);
  img_store_unlock(s);
  return 0;
}
