/* store.c - the OCI image layout under ROOT/images, its blobs and its
 * index.json (see store.h). */
#include "image/store.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/rootless.h"
#include "util/xalloc.h"

#define LAYOUT_TEXT "{\"imageLayoutVersion\":\"1.0.0\"}"
#define EMPTY_INDEX "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}"

char *img_store_default_root(void) {
  if (!rootless())
    return xstrdup("/var/lib/tote");
  const char *xdg = getenv("XDG_DATA_HOME");
  if (xdg && xdg[0] == '/')
    return xasprintf("%s/tote", xdg);
  const char *home = getenv("HOME");
  return xasprintf("%s/.local/share/tote", home ? home : "");
}

static int open_dir_at(int dirfd, const char *name, const char *root, int *out, tote_err **err) {
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return err_sys(err, "creating %s/%s", root, name);
  *out = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*out < 0)
    return err_sys(err, "opening %s/%s", root, name);
  return 0;
}

/* Write, fsync and rename into place, then fsync the directory: after a
 * crash the file is the old one or the new one, whole. */
static int write_durable_at(int dirfd, const char *name, const char *data, size_t len,
                            tote_err **err) {
  _cleanup_free_ char *tmp = xasprintf(".%s.tmp.%d", name, (int)getpid());
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return err_sys(err, "creating %s", tmp);
  if (write_all_fd(fd, data, len) < 0 || fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
    err_sys(err, "writing %s", name);
    unlinkat(dirfd, tmp, 0);
    return -1;
  }
  fsync(dirfd);
  return 0;
}

/* Create name with text unless it exists, without a window in which a
 * concurrent writer's version could be replaced (rename with NOREPLACE). */
static int ensure_file(int dirfd, const char *name, const char *text, tote_err **err) {
  if (faccessat(dirfd, name, F_OK, 0) == 0)
    return 0;
  _cleanup_free_ char *tmp = xasprintf(".%s.new.%d", name, (int)getpid());
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return err_sys(err, "creating %s", tmp);
  int r = 0;
  if (write_all_fd(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
    r = err_sys(err, "writing %s", name);
  else if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) < 0 && errno != EEXIST)
    r = err_sys(err, "creating %s", name);
  unlinkat(dirfd, tmp, 0); /* left when another process made name first */
  if (r == 0)
    fsync(dirfd);
  return r;
}

int img_store_open(const char *root, struct img_store *s, tote_err **err) {
  memset(s, 0, sizeof *s);
  s->rootfd = s->blobsfd = s->tmpfd = s->layersfd = s->imagesfd = s->lockfd = -1;
  s->root = xstrdup(root);
  if (mkdir_p(root, 0700, err) < 0)
    return err_wrap(err, "the image store");
  s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd < 0) {
    err_sys(err, "opening the image store %s", root);
    img_store_close(s);
    return -1;
  }
  _cleanup_close_ int blobs = -1;
  if (open_dir_at(s->rootfd, "images", root, &s->imagesfd, err) < 0 ||
      open_dir_at(s->imagesfd, "blobs", root, &blobs, err) < 0 ||
      open_dir_at(blobs, "sha256", root, &s->blobsfd, err) < 0 ||
      open_dir_at(s->rootfd, "layers", root, &s->layersfd, err) < 0 ||
      open_dir_at(s->rootfd, "tmp", root, &s->tmpfd, err) < 0 ||
      ensure_file(s->imagesfd, "oci-layout", LAYOUT_TEXT, err) < 0 ||
      ensure_file(s->imagesfd, "index.json", EMPTY_INDEX, err) < 0) {
    img_store_close(s);
    return -1;
  }
  return 0;
}

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

void img_store_close(struct img_store *s) {
  close_fd(&s->lockfd);
  close_fd(&s->blobsfd);
  close_fd(&s->tmpfd);
  close_fd(&s->layersfd);
  close_fd(&s->imagesfd);
  close_fd(&s->rootfd);
  free(s->root);
  s->root = NULL;
}

int img_store_lock(struct img_store *s, tote_err **err) {
  if (s->lockfd >= 0)
    return 0;
  s->lockfd = openat(s->rootfd, "store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lockfd < 0)
    return err_sys(err, "opening %s/store.lock", s->root);
  _cleanup_free_ char *path = xasprintf("%s/store.lock", s->root);
  s->lockfd = lock_exclusive(s->lockfd, path, err);
  return s->lockfd < 0 ? -1 : 0;
}

void img_store_unlock(struct img_store *s) { close_fd(&s->lockfd); }

void img_tmp_name(const char *prefix, char *buf, size_t size) {
  unsigned char r[8];
  if (getrandom(r, sizeof r, 0) != sizeof r)
    abort(); /* the kernel's random pool fails only before boot ends */
  snprintf(buf, size, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3], r[4],
           r[5], r[6], r[7]);
}

/* ---- blobs ---- */

static int check_digest(const char *digest, tote_err **err) {
  if (!img_digest_valid(digest))
    return err_set(err, 0, "\"%s\" is not a sha256 digest (sha256:<64 hex digits>)",
                   digest ? digest : "");
  return 0;
}

bool img_blob_exists(struct img_store *s, const char *digest) {
  return img_digest_valid(digest) &&
         faccessat(s->blobsfd, img_digest_hex(digest), F_OK, 0) == 0;
}

int64_t img_blob_size(struct img_store *s, const char *digest) {
  struct stat st;
  if (!img_digest_valid(digest) || fstatat(s->blobsfd, img_digest_hex(digest), &st, 0) < 0)
    return -1;
  return st.st_size;
}

int img_blob_open(struct img_store *s, const char *digest, tote_err **err) {
  if (check_digest(digest, err) < 0)
    return -1;
  int fd = openat(s->blobsfd, img_digest_hex(digest), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "blob %s", digest);
  return fd;
}

char *img_blob_read(struct img_store *s, const char *digest, size_t max, size_t *len,
                    tote_err **err) {
  _cleanup_close_ int fd = img_blob_open(s, digest, err);
  if (fd < 0)
    return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    err_sys(err, "blob %s", digest);
    return NULL;
  }
  if ((uint64_t)st.st_size > max) {
    err_set(err, 0, "blob %s is %lld bytes, more than the %zu a manifest or config may have",
            digest, (long long)st.st_size, max);
    return NULL;
  }
  size_t n = 0;
  char *data = read_all_fd(fd, &n);
  if (data == NULL) {
    err_sys(err, "reading blob %s", digest);
    return NULL;
  }
  char got[IMG_DIGEST_LEN + 1];
  img_digest_of(data, n, got);
  if (strcmp(got, digest) != 0) {
    free(data);
    err_set(err, 0, "blob %s in %s is corrupt: its content hashes to %s", digest, s->root,
            got);
    return NULL;
  }
  if (len)
    *len = n;
  return data;
}

int img_blob_begin(struct img_store *s, const char *digest, int64_t want_size,
                   struct img_blob_writer *w, tote_err **err) {
  memset(w, 0, sizeof *w);
  w->fd = -1;
  if (check_digest(digest, err) < 0)
    return -1;
  snprintf(w->want, sizeof w->want, "%s", digest);
  w->want_size = want_size;
  img_tmp_name("blob", w->tmp, sizeof w->tmp);
  w->fd = openat(s->tmpfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd < 0)
    return err_sys(err, "creating %s/tmp/%s", s->root, w->tmp);
  w->h = img_hasher_new();
  return 0;
}

int img_blob_write(struct img_blob_writer *w, const void *data, size_t len, tote_err **err) {
  if (w->want_size >= 0 && w->size + len > (uint64_t)w->want_size)
    return err_set(err, 0, "blob %s: more than the %lld bytes its descriptor gives",
                   w->want, (long long)w->want_size);
  if (write_all_fd(w->fd, data, len) < 0)
    return err_sys(err, "writing blob %s", w->want);
  img_hasher_update(w->h, data, len);
  w->size += len;
  return 0;
}

void img_blob_abort(struct img_store *s, struct img_blob_writer *w) {
  if (w->fd >= 0) {
    close(w->fd);
    unlinkat(s->tmpfd, w->tmp, 0);
  }
  w->fd = -1;
  img_hasher_free(w->h);
  w->h = NULL;
}

int img_blob_commit(struct img_store *s, struct img_blob_writer *w, tote_err **err) {
  char got[IMG_DIGEST_LEN + 1];
  img_hasher_final(w->h, got);
  int r = 0;
  if (w->want_size >= 0 && w->size != (uint64_t)w->want_size)
    r = err_set(err, 0, "blob %s: %llu bytes arrived, its descriptor says %lld", w->want,
                (unsigned long long)w->size, (long long)w->want_size);
  else if (strcmp(got, w->want) != 0)
    r = err_set(err, 0, "blob %s failed verification: its content hashes to %s", w->want,
                got);
  else if (fsync(w->fd) < 0)
    r = err_sys(err, "writing blob %s", w->want);
  else if (renameat(s->tmpfd, w->tmp, s->blobsfd, img_digest_hex(w->want)) < 0)
    r = err_sys(err, "storing blob %s", w->want);
  if (r == 0) {
    close(w->fd);
    w->fd = -1;
    fsync(s->blobsfd);
  }
  img_blob_abort(s, w);
  return r;
}

int img_blob_put_fd(struct img_store *s, int fd, char out[IMG_DIGEST_LEN + 1], tote_err **err) {
  char tmp[32];
  img_tmp_name("put", tmp, sizeof tmp);
  _cleanup_close_ int t = openat(s->tmpfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (t < 0)
    return err_sys(err, "creating %s/tmp/%s", s->root, tmp);
  struct img_hasher *h = img_hasher_new();
  char buf[65536];
  ssize_t n;
  int rc = 0;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || write_all_fd(t, buf, (size_t)n) < 0) {
      rc = err_sys(err, "copying into %s/tmp/%s", s->root, tmp);
      break;
    }
    img_hasher_update(h, buf, (size_t)n);
  }
  img_hasher_final(h, out);
  img_hasher_free(h);
  if (rc == 0 && (fsync(t) < 0 || renameat(s->tmpfd, tmp, s->blobsfd, img_digest_hex(out)) < 0))
    rc = err_sys(err, "storing blob %s", out);
  if (rc < 0)
    unlinkat(s->tmpfd, tmp, 0);
  else
    fsync(s->blobsfd);
  return rc;
}

int img_blob_put(struct img_store *s, const void *data, size_t len, char out[IMG_DIGEST_LEN + 1],
                 tote_err **err) {
  img_digest_of(data, len, out);
  if (img_blob_exists(s, out))
    return 0;
  struct img_blob_writer w;
  if (img_blob_begin(s, out, (int64_t)len, &w, err) < 0)
    return -1;
  if (img_blob_write(&w, data, len, err) < 0) {
    img_blob_abort(s, &w);
    return -1;
  }
  return img_blob_commit(s, &w, err);
}

/* ---- index.json ---- */

json_t *img_index_load(struct img_store *s, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = read_file_at(s->imagesfd, "index.json", &len, err);
  if (text == NULL)
    return NULL;
  json_error_t je;
  json_t *idx = json_loadb(text, len, 0, &je);
  if (idx == NULL || !json_is_array(json_object_get(idx, "manifests"))) {
    json_decref(idx);
    err_set(err, 0, "%s/images/index.json is not an OCI index (%s); move it away to "
                          "start an empty store", s->root, idx ? "no manifests array" : je.text);
    return NULL;
  }
  return idx;
}

json_t *img_index_find(json_t *index, const char *name) {
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(index, "manifests"), i, d) {
    const char *n = json_string_value(json_object_get(json_object_get(d, "annotations"),
                                                      IMG_REF_NAME));
    if (n && strcmp(n, name) == 0)
      return d;
  }
  return NULL;
}

static int index_save(struct img_store *s, json_t *idx, tote_err **err) {
  _cleanup_free_ char *text = json_dumps(idx, JSON_COMPACT);
  return write_durable_at(s->imagesfd, "index.json", text, strlen(text), err);
}

static void index_drop(json_t *idx, const char *name) {
  json_t *m = json_object_get(idx, "manifests");
  for (size_t i = json_array_size(m); i-- > 0;) {
    const char *n = json_string_value(
        json_object_get(json_object_get(json_array_get(m, i), "annotations"), IMG_REF_NAME));
    if (n && strcmp(n, name) == 0)
      json_array_remove(m, i);
  }
}

int img_index_set(struct img_store *s, const char *name, json_t *desc, tote_err **err) {
  json_t *idx = img_index_load(s, err);
  if (idx == NULL)
    return -1;
  index_drop(idx, name);
  json_t *d = json_deep_copy(desc);
  json_t *ann = json_object_get(d, "annotations");
  if (!json_is_object(ann)) {
    ann = json_object();
    json_object_set_new(d, "annotations", ann);
  }
  json_object_set_new(ann, IMG_REF_NAME, json_string(name));
  json_array_append_new(json_object_get(idx, "manifests"), d);
  int r = index_save(s, idx, err);
  json_decref(idx);
  return r;
}

int img_index_remove(struct img_store *s, const char *name, tote_err **err) {
  json_t *idx = img_index_load(s, err);
  if (idx == NULL)
    return -1;
  int r = 0;
  if (img_index_find(idx, name)) {
    index_drop(idx, name);
    r = index_save(s, idx, err);
  }
  json_decref(idx);
  return r;
}
