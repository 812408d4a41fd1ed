/* container.c - the engine's container records (see container.h). */
#include "engine/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

int eng_containers_dir(const char *root, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/containers", root);
  if (mkdir_p(path, 0700, err) < 0)
    return -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  return fd;
}

void eng_new_id(char id[65]) {
  unsigned char r[32];
  if (getrandom(r, sizeof r, 0) != sizeof r)
    abort();
  for (int i = 0; i < 32; i++)
    snprintf(id + 2 * i, 3, "%02x", r[i]);
}

json_t *eng_load(int dirfd, const char *id) {
  _cleanup_free_ char *path = xasprintf("%s/container.json", id);
  size_t len;
  _cleanup_free_ char *text = read_file_at(dirfd, path, &len, NULL);
  json_t *c = text ? json_loadb(text, len, 0, NULL) : NULL;
  if (c && !json_is_string(json_object_get(c, "id"))) {
    json_decref(c);
    c = NULL;
  }
  return c;
}

json_t *eng_list(int dirfd) {
  json_t *out = json_array();
  DIR *d = dir_open_at(dirfd);
  if (d == NULL)
    return out;
  for (struct dirent *de; (de = readdir(d));) {
    if (de->d_name[0] == '.')
      continue;
    json_t *c = eng_load(dirfd, de->d_name);
    if (c)
      json_array_append_new(out, c);
    else
      log_warn("containers/%s has no readable container.json: skipped (tote rm %s removes it)",
               de->d_name, de->d_name);
  }
  closedir(d);
  return out;
}

json_t *eng_find(int dirfd, const char *arg, tote_err **err) {
  json_t *list = eng_list(dirfd), *found = NULL, *c;
  size_t i, n = strlen(arg);
  json_array_foreach(list, i, c) {
    const char *name = json_string_value(json_object_get(c, "name"));
    if (name && strcmp(name, arg) == 0) {
      found = c;
      break;
    }
  }
  if (found == NULL && n >= 3) {
    json_array_foreach(list, i, c) {
      if (strncmp(json_string_value(json_object_get(c, "id")), arg, n) != 0)
        continue;
      if (found) {
        json_decref(list);
        err_set(err, 0, "container id prefix %s is ambiguous: give more of it", arg);
        return NULL;
      }
      found = c;
    }
  }
  if (found == NULL) {
    /* a directory without a readable record still answers to its id */
    if (strlen(arg) == 64 && strspn(arg, "0123456789abcdef") == 64 &&
        faccessat(dirfd, arg, F_OK, 0) == 0)
      found = json_pack("{s:s, s:s}", "id", arg, "state", "broken");
    else
      err_set(err, 0, "no container %s (see tote ps -a)", arg);
  } else {
    json_incref(found);
  }
  json_decref(list);
  return found;
}

bool eng_durable(json_t *c) {
  return !json_is_true(json_object_get(c, "auto_remove"));
}

int eng_save(int dirfd, json_t *c, tote_err **err) {
  const char *id = json_string_value(json_object_get(c, "id"));
  _cleanup_free_ char *text = json_dumps(c, JSON_INDENT(2));
  _cleanup_free_ char *path = xasprintf("%s/container.json", id);
  if (!eng_durable(c))
    return write_file_volatile_at(dirfd, path, text, strlen(text), 0600, err);
  _cleanup_free_ char *tmp = xasprintf("%s/.container.json.tmp", id);
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write_all_fd(fd, text, strlen(text)) < 0 || fsync(fd) < 0 ||
      renameat(dirfd, tmp, dirfd, path) < 0)
    return err_sys(err, "writing containers/%s", path);
  return 0;
}

int eng_remove_dir(int dirfd, const char *id, tote_err **err) {
  if (remove_tree_at(dirfd, id) < 0 && errno != ENOENT)
    return err_sys(err, "removing containers/%s", id);
  return 0;
}

int eng_check_name(int dirfd, const char *name, tote_err **err) {
  if (name == NULL)
    return 0;
  if (*name == '\0' || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_.-") != strlen(name) ||
      !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
        (name[0] >= '0' && name[0] <= '9')))
    return err_set(err, 0, "invalid container name \"%s\": [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
  json_t *c = eng_find(dirfd, name, NULL);
  int r = 0;
  if (c && strcmp(json_string_value(json_object_get(c, "name")) ?: "", name) == 0)
    r = err_set(err, 0, "the name \"%s\" is in use by container %.12s: remove it (tote rm) or "
                        "choose another", name, json_string_value(json_object_get(c, "id")));
  json_decref(c);
  return r;
}
