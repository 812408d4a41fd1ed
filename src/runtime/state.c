/* state.c - state.json, the container's status, and its directory. */
#include "runtime/state.h"

#include "runtime/config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/xalloc.h"


static const char *const status_names[] = {"creating", "created", "running", "paused", "stopped"};

const char *rt_status_name(enum rt_status s) { return status_names[s]; }

int state_validate_id(const char *id, tote_err **err) {
  if (id == NULL || *id == '\0')
    return err_set(err, 0, "a container id is required");
  if (strlen(id) > 1024)
    return err_set(err, 0, "container id is too long");
  for (const char *p = id; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '+';
    if (!ok)
      return err_set(err, 0, "invalid container id %s: use letters, digits, _ + - and .", id);
  }
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return err_set(err, 0, "invalid container id %s", id);
  return 0;
}

int state_open_root(const char *root, bool create, tote_err **err) {
  if (create && mkdir_p(root, 0700, err) < 0)
    return -1;
  int fd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening the state root %s", root);
  return fd;
}

int state_create_dir(int rootfd, const char *id, tote_err **err) {
  if (mkdirat(rootfd, id, 0711) < 0) {
    if (errno == EEXIST)
      return err_set(err, 0, "container %s already exists", id);
    return err_sys(err, "creating the state directory of %s", id);
  }
  int fd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return err_sys(err, "opening the state directory of %s", id);
  if (flock(fd, LOCK_EX) < 0) {
    close(fd);
    return err_sys(err, "locking the state directory of %s", id);
  }
  return fd;
}

unsigned long long proc_start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* comm may hold spaces and parens */
  if (p == NULL)
    return 0;
  char state;
  unsigned long long start = 0;
  /* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt
   * cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime(22) */
  if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
             &state, &start) != 2)
    return 0;
  if (state == 'Z' || state == 'X')
    return 0;
  return start;
}

static bool init_alive(const struct rt_state *st) {
  if (st->pid <= 0)
    return false;
  unsigned long long start = proc_start_time(st->pid);
  return start != 0 && start == st->pid_start;
}

enum rt_status state_status(const struct rt_state *st) {
  if (!init_alive(st))
    return st->creating && st->pid <= 0 ? RT_CREATING : RT_STOPPED;
  if (st->creating)
    return RT_CREATING;
  if (st->dirfd >= 0 && faccessat(st->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return RT_CREATED;
  bool frozen = false;
  if (st->cgroup && cgroup_is_frozen(st->cgroup, &frozen, NULL) == 0 && frozen)
    return RT_PAUSED;
  return RT_RUNNING;
}

json_t *state_to_oci_json(const struct rt_state *st, enum rt_status status) {
  json_t *o = json_object();
  json_object_set_new(o, "ociVersion", json_string(RT_OCI_VERSION));
  json_object_set_new(o, "id", json_string(st->id));
  json_object_set_new(o, "status", json_string(rt_status_name(status)));
  if (status != RT_STOPPED)
    json_object_set_new(o, "pid", json_integer(st->pid));
  else
    json_object_set_new(o, "pid", json_integer(0));
  json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
  json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
  json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
  json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
  json_object_set_new(o, "annotations", st->annotations ? json_deep_copy(st->annotations)
                                                        : json_object());
  return o;
}

char *state_json_text(const struct rt_state *st, enum rt_status status) {
  json_t *o = state_to_oci_json(st, status);
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return s;
}

int state_save(const struct rt_state *st, tote_err **err) {
  json_t *o = state_to_oci_json(st, RT_CREATED);
  json_object_set_new(o, "pid", json_integer(st->pid));
  json_object_del(o, "status");
  json_object_set_new(o, "tote", json_pack("{s:I, s:b, s:b, s:I}", "pid_start",
                                            (json_int_t)st->pid_start, "creating", st->creating,
                                            "rootless", st->rootless, "hooks",
                                            (json_int_t)st->hook_kinds));
  if (st->cgroup)
    json_object_set_new(json_object_get(o, "tote"), "cgroup", cgroup_to_json(st->cgroup));
  if (st->systemd_unit)
    json_object_set_new(json_object_get(o, "tote"), "systemd_unit",
                        json_string(st->systemd_unit));
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  int r = write_file_volatile_at(st->dirfd, "state.json", s, strlen(s), 0600, err);
  free(s);
  return r;
}

static int parse_state(json_t *o, struct rt_state *st, tote_err **err) {
  json_int_t pid = 0, start = 0;
  json_t *tote = json_object_get(o, "tote");
  if (json_unpack(o, "{s:I}", "pid", &pid) < 0 || !json_is_object(tote) ||
      json_unpack(tote, "{s:I, s:b, s:b}", "pid_start", &start, "creating", &st->creating,
                  "rootless", &st->rootless) < 0)
    return err_set(err, 0, "state.json of %s is missing fields", st->id);
  st->pid = (pid_t)pid;
  st->pid_start = (unsigned long long)start;
  json_t *hooks = json_object_get(tote, "hooks");
  st->hook_kinds = json_is_integer(hooks) ? (unsigned)json_integer_value(hooks) : ~0u;
  if (jx_str(o, "bundle", "", &st->bundle, err) < 0 || jx_str(o, "rootfs", "", &st->rootfs, err) < 0 ||
      jx_str(o, "created", "", &st->created, err) < 0 || jx_str(o, "owner", "", &st->owner, err) < 0)
    return -1;
  json_t *a = json_object_get(o, "annotations");
  st->annotations = json_is_object(a) ? json_incref(a) : NULL;
  json_t *cg = json_object_get(tote, "cgroup");
  if (cg && (st->cgroup = cgroup_from_json(cg, err)) == NULL)
    return -1;
  return jx_str(tote, "systemd_unit", "state.json tote", &st->systemd_unit, err);
}

struct rt_state *state_load(int rootfd, const char *id, tote_err **err) {
  if (state_validate_id(id, err) < 0)
    return NULL;
  _cleanup_close_ int fd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT)
      err_set(err, 0, "container %s does not exist", id);
    else
      err_sys(err, "opening the state of %s", id);
    return NULL;
  }
  if (flock(fd, LOCK_EX) < 0) {
    err_sys(err, "locking the state of %s", id);
    return NULL;
  }
  struct rt_state *st = xzalloc(sizeof *st);
  st->id = xstrdup(id);
  st->dirfd = steal_fd(&fd);
  json_error_t jerr = {.text = ""};
  _cleanup_close_ int sfd = openat(st->dirfd, "state.json", O_RDONLY | O_CLOEXEC);
  size_t len = 0;
  /* read whole: json_loadfd reads one byte per syscall */
  _cleanup_free_ char *text = sfd >= 0 ? read_all_fd(sfd, &len) : NULL;
  json_t *o = text ? json_loadb(text, len, 0, &jerr) : NULL;
  if (sfd < 0 && errno == ENOENT) {
    /* create was killed before it wrote anything: a container in "creating"
     * with no process, which delete removes. */
    st->creating = true;
    return st;
  }
  if (o == NULL) {
    err_set(err, 0, "state of container %s is unreadable (%s): delete it with "
                    "'tote-oci delete --force %s'", id, sfd < 0 ? strerror(errno) : jerr.text, id);
    if (*err)
      (*err)->errnum = EBADMSG; /* delete --force knows it by this */
    state_free(st);
    return NULL;
  }
  int r = parse_state(o, st, err);
  json_decref(o);
  if (r < 0) {
    state_free(st);
    return NULL;
  }
  return st;
}

void state_free(struct rt_state *st) {
  if (st == NULL)
    return;
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->created);
  free(st->owner);
  free(st->systemd_unit);
  json_decref(st->annotations);
  cgroup_free(st->cgroup);
  if (st->dirfd >= 0)
    close(st->dirfd);
  free(st);
}

int state_remove_dir(int rootfd, const char *id, tote_err **err) {
  _cleanup_close_ int fd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : err_sys(err, "opening the state of %s", id);
  DIR *d = fdopendir(fd);
  if (d == NULL)
    return err_sys(err, "reading the state of %s", id);
  fd = -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
      err_sys(err, "removing %s of %s", de->d_name, id);
      closedir(d);
      return -1;
    }
  }
  closedir(d);
  if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return err_sys(err, "removing the state of %s", id);
  return 0;
}

struct rt_state *state_load_by_id(const char *root, const char *id, tote_err **err) {
  _cleanup_close_ int rootfd = state_open_root(root, false, err);
  if (rootfd < 0) {
    err_free(err);
    err_set(err, 0, "container %s does not exist", id);
    return NULL;
  }
  return state_load(rootfd, id, err);
}
