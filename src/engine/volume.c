/* volume.c - volumes under ROOT/volumes (see volume.h). */
#include "engine/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container.h"
#include "runtime/pathat.h"
#include "util/copytree.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int eng_volume_check_name(const char *name, tote_err **err) {
  size_t len = strlen(name);
  if (len < 2 || len > 255 || strspn(name, NAME_CHARS) == 0 ||
      strspn(name, NAME_CHARS "_.-") != len)
    return err_set(err, 0, "\"%s\" is not a volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a host "
                           "path must be absolute)", name);
  return 0;
}

/* ROOT/volumes, made if missing, as an fd; its flock orders creating and
 * removing (shared and exclusive). */
static int volumes_dir(const char *root, int lock, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/volumes", root);
  if (mkdir_p(path, 0700, err) < 0)
    return -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  while (lock && flock(fd, lock) < 0)
    if (errno != EINTR) {
      close(fd);
      return err_sys(err, "locking %s", path);
    }
  return fd;
}

char *eng_volume_data(const char *root, const char *name) {
  return xasprintf("%s/volumes/%s/_data", root, name);
}

int eng_volume_create(const char *root, const char *name, json_t *labels, bool anonymous,
                      bool *created, char **made_name, tote_err **err) {
  char id[65];
  if (name == NULL) {
    eng_new_id(id);
    name = id;
  } else if (eng_volume_check_name(name, err) < 0) {
    return -1;
  }
  *created = false;
  _cleanup_close_ int vdir = volumes_dir(root, LOCK_SH, err);
  if (vdir < 0)
    return -1;
  if (made_name)
    *made_name = xstrdup(name);
  if (mkdirat(vdir, name, 0700) < 0) {
    if (errno == EEXIST)
      return 0;
    return err_sys(err, "creating the volume %s", name);
  }
  _cleanup_close_ int dfd = openat(vdir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char now[64];
  rfc3339_now(now, sizeof now);
  json_t *v = json_pack("{s:s, s:s, s:o, s:b}", "name", name, "created", now, "labels",
                        labels ? json_incref(labels) : json_object(), "anonymous", anonymous);
  _cleanup_free_ char *text = json_dumps(v, JSON_INDENT(2));
  json_decref(v);
  if (dfd < 0 || mkdirat(dfd, "_data", 0755) < 0 ||
      write_file_atomic_at(dfd, "volume.json", text, strlen(text), 0600, err) < 0) {
    int e = errno;
    remove_tree_at(vdir, name);
    errno = e;
    return err_sys(err, "creating the volume %s", name);
  }
  *created = true;
  return 0;
}

json_t *eng_volume_inspect(const char *root, const char *name, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/volumes/%s/volume.json", root, name);
  _cleanup_free_ char *text =
      eng_volume_check_name(name, NULL) == 0 ? read_file_at(AT_FDCWD, path, NULL, NULL) : NULL;
  json_t *v = text ? json_loads(text, 0, NULL) : NULL;
  if (!json_is_object(v)) {
    json_decref(v);
    err_set(err, 0, "no such volume: %s (see tote volume ls)", name);
    return NULL;
  }
  _cleanup_free_ char *data = eng_volume_data(root, name);
  json_t *out = json_pack("{s:O?, s:s, s:O?, s:s, s:s, s:{}, s:s, s:O?}", "CreatedAt",
                          json_object_get(v, "created"), "Driver", "local", "Labels",
                          json_object_get(v, "labels"), "Mountpoint", data, "Name", name,
                          "Options", "Scope", "local", "Anonymous",
                          json_object_get(v, "anonymous"));
  json_decref(v);
  return out;
}

json_t *eng_volume_list(const char *root) {
  json_t *out = json_array();
  _cleanup_free_ char *path = xasprintf("%s/volumes", root);
  struct dirent **names;
  int n = scandir(path, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    json_t *v = names[i]->d_name[0] == '.' ? NULL
                                           : eng_volume_inspect(root, names[i]->d_name, NULL);
    if (v)
      json_array_append_new(out, v);
    free(names[i]);
  }
  if (n >= 0)
    free(names);
  return out;
}

json_t *eng_volume_users(const char *root, const char *name) {
  json_t *out = json_array();
  _cleanup_free_ char *data = eng_volume_data(root, name);
  _cleanup_free_ char *dir = xasprintf("%s/containers", root);
  DIR *d = opendir(dir);
  for (struct dirent *de; d && (de = readdir(d));) {
    if (de->d_name[0] == '.')
      continue;
    _cleanup_free_ char *cfg = xasprintf("%s/%s/config.json", dir, de->d_name);
    _cleanup_free_ char *text = read_file_at(AT_FDCWD, cfg, NULL, NULL);
    json_t *c = text ? json_loads(text, 0, NULL) : NULL;
    size_t i;
    json_t *m;
    bool uses = false;
    json_array_foreach(json_object_get(c, "mounts"), i, m) uses |=
        json_is_string(json_object_get(m, "source")) &&
        strcmp(json_string_value(json_object_get(m, "source")), data) == 0;
    if (uses)
      json_array_append_new(out, json_string(de->d_name));
    json_decref(c);
  }
  if (d)
    closedir(d);
  return out;
}

int eng_volume_remove(const char *root, const char *name, tote_err **err) {
  json_t *v = eng_volume_inspect(root, name, err);
  if (v == NULL)
    return -1;
  json_decref(v);
  _cleanup_close_ int vdir = volumes_dir(root, LOCK_EX, err);
  if (vdir < 0)
    return -1;
  json_t *users = eng_volume_users(root, name);
  int r = 0;
  if (json_array_size(users) > 0)
    r = err_set(err, 0, "the volume %s is in use by container %.12s%s: remove the container "
                        "first (tote rm)", name, json_string_value(json_array_get(users, 0)),
                json_array_size(users) > 1 ? " and others" : "");
  else if (remove_tree_at(vdir, name) < 0)
    r = err_sys(err, "removing the volume %s", name);
  json_decref(users);
  return r;
}

int eng_volume_copy_up(const char *root, const char *name, int rootfd, const char *dir_in_root,
                       tote_err **err) {
  _cleanup_close_ int src = pathat_open(rootfd, dir_in_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return 0; /* nothing there, or not a directory: nothing to copy */
  _cleanup_free_ char *data = eng_volume_data(root, name);
  _cleanup_close_ int dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return err_sys(err, "opening the volume %s", name);
  DIR *d = dir_open_at(dst);
  bool empty = true;
  for (struct dirent *de; d && empty && (de = readdir(d));)
    empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
  if (d)
    closedir(d);
  if (!empty)
    return 0;
  if (copy_tree_at(src, dst, COPY_OWNERS, err) < 0)
    return err_wrap(err, "filling the volume %s from %s in the image", name, dir_in_root);
  return 0;
}

/* Whether a container other than id uses the volume. */
static bool used_by_others(const char *root, const char *name, const char *id) {
  json_t *users = eng_volume_users(root, name);
  bool others = false;
  size_t k;
  json_t *u;
  json_array_foreach(users, k, u) others |= id == NULL || strcmp(json_string_value(u), id) != 0;
  json_decref(users);
  return others;
}

/* The volume name of a bind source ROOT/volumes/<name>/_data, or NULL. */
static char *volume_of(const char *root, const char *src) {
  _cleanup_free_ char *prefix = xasprintf("%s/volumes/", root);
  size_t plen = strlen(prefix);
  if (src == NULL || strncmp(src, prefix, plen) != 0)
    return NULL;
  char *name = xstrndup(src + plen, strcspn(src + plen, "/"));
  if (strcmp(src + plen + strlen(name), "/_data") != 0) {
    free(name);
    return NULL;
  }
  return name;
}

void eng_volumes_release(const char *root, json_t *config, const char *id) {
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(config, "mounts"), i, m) {
    _cleanup_free_ char *name =
        volume_of(root, json_string_value(json_object_get(m, "source")));
    json_t *v = name ? eng_volume_inspect(root, name, NULL) : NULL;
    bool anonymous = json_is_true(json_object_get(v, "Anonymous"));
    json_decref(v);
    if (!anonymous)
      continue;
    _cleanup_close_ int vdir = volumes_dir(root, LOCK_EX, NULL);
    if (vdir >= 0 && !used_by_others(root, name, id) && remove_tree_at(vdir, name) < 0)
      log_warn("removing the anonymous volume %s: %s", name, strerror(errno));
  }
}
