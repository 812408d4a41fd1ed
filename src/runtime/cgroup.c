/* cgroup.c - the container's cgroup across all mounted hierarchies: create,
 * enter, list, freeze, kill, destroy, and its record in state.json.
 *
 * Resources are in cgroup_resources.c; what differs between v1 and v2 is in
 * the backends (cgroup_v1.c, cgroup_v2.c). */
#include "runtime/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

/* ---- small helpers shared by the cgroup files ---- */

void cg_sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

int cg_write(const char *dir, const char *file, const char *value, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
  /* No O_CREAT: a missing file means a missing controller, never a new file. */
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  size_t len = strlen(value);
  ssize_t w;
  do
    w = write(fd, value, len); /* one value, one write */
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return err_sys(err, "writing \"%s\" to %s", value, path);
  if ((size_t)w != len)
    return err_set(err, EIO, "writing \"%s\" to %s: short write", value, path);
  return 0;
}

char *cg_read(const char *dir, const char *file, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
  size_t len;
  char *s = read_file_at(AT_FDCWD, path, &len, err);
  if (s == NULL)
    return NULL;
  while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
    s[--len] = '\0';
  return s;
}

static void strv_push(char ***v, const char *s) {
  size_t n = strv_len(*v);
  *v = xrealloc(*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

/* ---- layout ---- */

int cg_detect(struct cg_hier **out, size_t *n, tote_err **err) {
  _cleanup_free_ char *mi = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, err);
  if (mi == NULL)
    return -1;
  struct cg_hier *h;
  size_t count;
  if (cg_parse_mountinfo(mi, &h, &count, err) < 0)
    return err_wrap(err, "reading /proc/self/mountinfo");
  if (count == 0) {
    free(h);
    return err_set(err, ENOENT, "no cgroup filesystem is mounted");
  }
  for (size_t i = 0; i < count; i++) {
    if (!h[i].v2)
      continue;
    _cleanup_free_ char *ctl = cg_read(h[i].mount, "cgroup.controllers", NULL);
    char *save = NULL;
    for (char *c = ctl ? strtok_r(ctl, " ", &save) : NULL; c; c = strtok_r(NULL, " ", &save))
      strv_push(&h[i].controllers, c);
  }
  *out = h;
  *n = count;
  return 0;
}

int cgroup_detect_layout(enum cg_layout *out, tote_err **err) {
  CG_ERR_GUARD(err);
  struct cg_hier *h;
  size_t n;
  if (cg_detect(&h, &n, err) < 0)
    return -1;
  *out = cg_layout_of(h, n);
  cg_hiers_free(h, n);
  return 0;
}

const char *cgroup_layout_name(enum cg_layout l) {
  switch (l) {
  case CG_LAYOUT_V1:
    return "v1";
  case CG_LAYOUT_V2:
    return "v2";
  case CG_LAYOUT_HYBRID:
    return "hybrid";
  }
  return "?";
}

struct cg_hier *cg_find(struct cgroup *cg, const char *controller) {
  for (size_t i = 0; i < cg->n; i++)
    if (!cg->h[i].v2 && cg_hier_has(&cg->h[i], controller))
      return &cg->h[i];
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].v2 && cg_hier_has(&cg->h[i], controller))
      return &cg->h[i];
  return NULL;
}

/* Where to list processes: cgroup2 on a pure v2 system, else the pids
 * hierarchy, else the first v1 hierarchy with controllers, else any. */
static struct cg_hier *primary(struct cgroup *cg) {
  bool pure_v2 = cg_layout_of(cg->h, cg->n) == CG_LAYOUT_V2;
  for (size_t i = 0; pure_v2 && i < cg->n; i++)
    if (cg->h[i].v2 && cg->h[i].dir)
      return &cg->h[i];
  struct cg_hier *p = cg_find(cg, "pids");
  if (p && p->dir)
    return p;
  for (size_t i = 0; i < cg->n; i++)
    if (!cg->h[i].v2 && cg->h[i].controllers[0] && cg->h[i].dir)
      return &cg->h[i];
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].dir)
      return &cg->h[i];
  return NULL;
}

/* v1's freezer if mounted, else cgroup2's core freezer. */
static struct cg_hier *freezer(struct cgroup *cg) {
  struct cg_hier *f = cg_find(cg, "freezer");
  if (f && !f->v2 && f->dir)
    return f;
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].v2 && cg->h[i].dir)
      return &cg->h[i];
  return NULL;
}

/* ---- create ---- */

static bool is_permission_error(int e) { return e == EACCES || e == EPERM || e == EROFS; }

/* rmdir the directories of h that tote created, deepest first, no retries:
 * the rollback of a create that failed before anything entered them. */
static void rollback(struct cg_hier *h) {
  for (size_t i = strv_len(h->created); i-- > 0;)
    if (rmdir(h->created[i]) < 0 && errno != ENOENT)
      log_debug("rollback: removing %s: %s", h->created[i], strerror(errno));
  strv_free(h->created);
  h->created = NULL;
}

static int has_processes(const char *dir, bool *busy, tote_err **err) {
  _cleanup_free_ char *procs = cg_read(dir, "cgroup.procs", err);
  if (procs == NULL)
    return -1;
  *busy = procs[0] != '\0';
  return 0;
}

/* mkdir each missing component of h->path below the mount point. */
static int create_in(struct cg_hier *h, tote_err **err) {
  const struct cg_backend *be = cg_backend_of(h);
  h->dir = xasprintf("%s%s", strcmp(h->mount, "/") == 0 ? "" : h->mount, h->path);
  size_t base = strlen(h->dir) - strlen(h->path);
  for (const char *p = h->dir + base + 1;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    _cleanup_free_ char *sub = xstrndup(h->dir, (size_t)(p - h->dir));
    _cleanup_free_ char *parent = xstrndup(h->dir, (size_t)(strrchr(sub, '/') - sub));
    bool leaf = *p == '\0';
    if (mkdir(sub, 0755) == 0) {
      strv_push(&h->created, sub);
      if (be->init_dir(parent, sub, err) < 0)
        goto fail;
      if (!leaf && be->delegate && be->delegate(sub, err) < 0)
        goto fail;
    } else if (errno == EEXIST) {
      struct stat st;
      bool busy = false;
      if (stat(sub, &st) < 0 || !S_ISDIR(st.st_mode)) {
        err_set(err, ENOTDIR, "%s exists and is not a cgroup directory", sub);
        goto fail;
      }
      if (leaf && has_processes(sub, &busy, err) < 0)
        goto fail;
      if (busy) {
        err_set(err, EBUSY, "cgroup %s already exists and has processes in it", sub);
        goto fail;
      }
    } else {
      err_sys(err, "creating cgroup %s", sub);
      goto fail;
    }
    if (leaf)
      return 0;
  }
fail:
  rollback(h);
  free(h->dir);
  h->dir = NULL;
  return -1;
}

static void destroy_created(struct cgroup *cg) {
  for (size_t i = 0; i < cg->n; i++)
    rollback(&cg->h[i]);
}

static int resolve_all(struct cgroup *cg, const char *cgroups_path, tote_err **err) {
  struct cg_proc_entry *e = NULL;
  size_t ne = 0;
  if (cgroups_path[0] != '/') {
    _cleanup_free_ char *text = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, err);
    if (text == NULL || cg_parse_proc_cgroup(text, &e, &ne, err) < 0)
      return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < cg->n && rc == 0; i++) {
    const struct cg_proc_entry *own = cg_proc_entry_for(&cg->h[i], e, ne);
    cg->h[i].path = cg_resolve_path(&cg->h[i], cgroups_path, own ? own->path : NULL, err);
    if (cg->h[i].path == NULL)
      rc = -1;
  }
  cg_proc_entries_free(e, ne);
  return rc;
}

struct cgroup *cgroup_create(const char *cgroups_path, const char *id, bool rootless,
                             tote_err **err) {
  CG_ERR_GUARD(err);
  _cleanup_free_ char *deflt = NULL;
  if (cgroups_path == NULL || cgroups_path[0] == '\0') {
    if ((deflt = cg_default_path(id, err)) == NULL)
      return NULL;
    cgroups_path = deflt;
  }
  struct cgroup *cg = xzalloc(sizeof *cg);
  cg->rootless = rootless;
  if (cg_detect(&cg->h, &cg->n, err) < 0 || resolve_all(cg, cgroups_path, err) < 0) {
    cgroup_free(cg);
    return NULL;
  }
  for (size_t i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    if (create_in(h, err) == 0)
      continue;
    if (rootless && is_permission_error((*err)->errnum)) {
      log_debug("rootless: no cgroup in %s: %s", h->mount, (*err)->msg);
      err_free(err);
      continue;
    }
    destroy_created(cg);
    cgroup_free(cg);
    return NULL;
  }
  struct cg_hier *p = primary(cg);
  cg->path = xstrdup(p ? p->path : cg->h[0].path);
  return cg;
}

/* The path of pid's cgroup that stands for all: name=systemd's, else
 * cgroup2's (pure v2). */
static char *adopt_path(const struct cg_proc_entry *e, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(e[i].controllers, "name=systemd") == 0)
      return xstrdup(e[i].path);
  for (size_t i = 0; i < n; i++)
    if (e[i].id == 0)
      return xstrdup(e[i].path);
  return NULL;
}

struct cgroup *cgroup_adopt(pid_t pid, tote_err **err) {
  CG_ERR_GUARD(err);
  char file[64];
  snprintf(file, sizeof file, "/proc/%d/cgroup", (int)pid);
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, file, NULL, err);
  struct cg_proc_entry *e = NULL;
  size_t ne = 0;
  if (text == NULL || cg_parse_proc_cgroup(text, &e, &ne, err) < 0)
    return NULL;
  struct cgroup *cg = xzalloc(sizeof *cg);
  char *path = adopt_path(e, ne);
  if (path == NULL || strcmp(path, "/") == 0) {
    err_set(err, 0, "%s names no cgroup of its own", file);
    goto fail;
  }
  if (cg_detect(&cg->h, &cg->n, err) < 0)
    goto fail;
  cg->path = path;
  path = NULL;
  for (size_t i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    const struct cg_proc_entry *own = cg_proc_entry_for(h, e, ne);
    h->path = xstrdup(cg->path);
    if (own && strcmp(own->path, cg->path) == 0) { /* made by someone else */
      h->dir = xasprintf("%s%s", strcmp(h->mount, "/") == 0 ? "" : h->mount, cg->path);
      h->created = xzalloc(sizeof *h->created);
      continue;
    }
    char buf[24];
    snprintf(buf, sizeof buf, "%d", (int)pid);
    if (create_in(h, err) < 0 || cg_write(h->dir, "cgroup.procs", buf, err) < 0) {
      destroy_created(cg);
      goto fail;
    }
  }
  cg_proc_entries_free(e, ne);
  return cg;
fail:
  free(path);
  cg_proc_entries_free(e, ne);
  cgroup_free(cg);
  return NULL;
}

/* ---- enter, list, kill ---- */

int cgroup_enter(struct cgroup *cg, pid_t pid, tote_err **err) {
  CG_ERR_GUARD(err);
  char buf[24];
  snprintf(buf, sizeof buf, "%d", (int)pid);
  for (size_t i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    if (h->dir == NULL)
      continue;
    if (cg_write(h->dir, "cgroup.procs", buf, err) == 0)
      continue;
    int e = (*err)->errnum;
    if (cg->rootless && is_permission_error(e)) {
      log_debug("rootless: not joining %s: %s", h->dir, (*err)->msg);
      err_free(err);
      free(h->dir);
      h->dir = NULL; /* still destroyed through h->created */
      continue;
    }
    if (e == ENOSPC && !h->v2)
      err_wrap(err, "cpuset.cpus or cpuset.mems of %s is empty", h->dir);
    else if (e == EBUSY && h->v2)
      err_wrap(err, "%s has controllers enabled for children, so it cannot hold processes",
               h->dir);
    return err_wrap(err, "joining cgroup");
  }
  return 0;
}

static int collect_pids(const char *dir, pid_t **pids, size_t *n, tote_err **err) {
  _cleanup_free_ char *procs = cg_read(dir, "cgroup.procs", err);
  if (procs == NULL)
    return (*err)->errnum == ENOENT && *n > 0 ? (err_free(err), 0) : -1; /* a child just gone */
  if (cg_parse_pids(procs, pids, n, err) < 0)
    return err_wrap(err, "%s/cgroup.procs", dir);
  DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : err_sys(err, "listing %s", dir);
  int rc = 0;
  for (struct dirent *de; rc == 0 && (de = readdir(d));) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
    rc = collect_pids(sub, pids, n, err);
  }
  closedir(d);
  return rc;
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, tote_err **err) {
  CG_ERR_GUARD(err);
  *pids = NULL;
  *n = 0;
  struct cg_hier *p = primary(cg);
  if (p == NULL)
    return 0; /* rootless without any cgroup: nothing is known to be in it */
  if (collect_pids(p->dir, pids, n, err) < 0) {
    free(*pids);
    *pids = NULL;
    *n = 0;
    return err_wrap(err, "listing the processes of cgroup %s", p->dir);
  }
  cg_pids_uniq(*pids, n);
  return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, tote_err **err) {
  CG_ERR_GUARD(err);
  for (size_t i = 0; sig == SIGKILL && i < cg->n; i++) {
    if (!cg->h[i].v2 || cg->h[i].dir == NULL)
      continue;
    int r = cg_backend_v2.kill_all(cg->h[i].dir, err);
    if (r < 0)
      return err_wrap(err, "killing cgroup");
    if (r == 1)
      return 0;
  }
  /* Freeze so that nothing forks between reading the list and signalling. */
  struct cg_hier *f = freezer(cg);
  bool was_frozen = true, froze = false;
  tote_err *e = NULL;
  if (f && cg_backend_of(f)->is_frozen(f->dir, &was_frozen, &e) == 0 && !was_frozen)
    froze = cg_backend_of(f)->freeze(f->dir, true, &e) == 0;
  if (e)
    log_debug("killing without freezing: %s", e->msg);
  err_free(&e);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int rc = cgroup_pids(cg, &pids, &n, err);
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH)
      rc = err_sys(err, "sending signal %d to %d", sig, (int)pids[i]);
  if (froze && cg_backend_of(f)->freeze(f->dir, false, &e) < 0) {
    if (rc == 0) {
      *err = steal_ptr(&e);
      rc = err_wrap(err, "thawing after the kill");
    }
    err_free(&e);
  }
  return rc;
}

/* ---- freezer ---- */

int cgroup_freeze(struct cgroup *cg, bool frozen, tote_err **err) {
  CG_ERR_GUARD(err);
  struct cg_hier *f = freezer(cg);
  if (f == NULL)
    return err_set(err, ENOENT, "%s cgroup %s: no freezer is available",
                   frozen ? "freezing" : "thawing", cg->path);
  if (cg_backend_of(f)->freeze(f->dir, frozen, err) < 0)
    return err_wrap(err, "%s cgroup %s", frozen ? "freezing" : "thawing", cg->path);
  return 0;
}

int cgroup_is_frozen(struct cgroup *cg, bool *frozen, tote_err **err) {
  CG_ERR_GUARD(err);
  struct cg_hier *f = freezer(cg);
  *frozen = false;
  if (f == NULL)
    return 0; /* nothing could have frozen it */
  return cg_backend_of(f)->is_frozen(f->dir, frozen, err);
}

/* ---- destroy ---- */

/* rmdir, waiting up to ~2s for exiting tasks to leave (EBUSY). */
static int rmdir_retry(const char *dir, tote_err **err) {
  long waited = 0, step = 1;
  for (;;) {
    if (rmdir(dir) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY || waited >= 2000)
      return err_sys(err, "removing cgroup %s", dir);
    cg_sleep_ms(step);
    waited += step;
    step = step < 100 ? step * 2 : 100;
  }
}

/* The container's own cgroup and any sub-cgroups it made inside it. */
static int remove_tree(const char *dir, tote_err **err) {
  /* mostly the container made none and its tasks are gone: one rmdir, not
   * a listing of the directory's control files first */
  if (rmdir(dir) == 0 || errno == ENOENT)
    return 0;
  DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : err_sys(err, "listing %s", dir);
  int rc = 0;
  for (struct dirent *de; rc == 0 && (de = readdir(d));) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
    rc = remove_tree(sub, err);
  }
  closedir(d);
  return rc < 0 ? rc : rmdir_retry(dir, err);
}

static int destroy_hier(struct cg_hier *h, tote_err **err) {
  size_t n = strv_len(h->created);
  if (n == 0)
    return 0;
  if (remove_tree(h->created[n - 1], err) < 0)
    return -1;
  /* Parents tote created: another container may still live below them. */
  for (size_t i = n - 1; i-- > 0;)
    if (rmdir(h->created[i]) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
      return err_sys(err, "removing cgroup %s", h->created[i]);
  strv_free(h->created);
  h->created = NULL;
  return 0;
}

int cgroup_destroy(struct cgroup *cg, tote_err **err) {
  CG_ERR_GUARD(err);
  int rc = 0;
  for (size_t i = 0; i < cg->n; i++) {
    tote_err *e = NULL;
    if (destroy_hier(&cg->h[i], &e) < 0) {
      if (rc == 0)
        *err = steal_ptr(&e), rc = -1;
      else
        log_warn("%s", e->msg);
      err_free(&e);
    }
  }
  return rc;
}

/* ---- state.json ---- */

static json_t *strv_json(char **v) {
  json_t *a = json_array();
  for (; v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

json_t *cgroup_to_json(const struct cgroup *cg) {
  json_t *hs = json_array();
  for (size_t i = 0; i < cg->n; i++) {
    const struct cg_hier *h = &cg->h[i];
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:o}", "version", h->v2 ? 2 : 1,
                          "mount", h->mount, "root", h->root, "path", h->path, "controllers",
                          strv_json(h->controllers), "dir",
                          h->dir ? json_string(h->dir) : json_null(), "created",
                          strv_json(h->created));
    if (h->name)
      json_object_set_new(o, "name", json_string(h->name));
    json_array_append_new(hs, o);
  }
  return json_pack("{s:s, s:b, s:o}", "path", cg->path, "rootless", cg->rootless,
                   "hierarchies", hs);
}

static int strv_from_json(json_t *a, char ***out, tote_err **err) {
  *out = xcalloc_array(1, sizeof(char *));
  if (!json_is_array(a))
    return err_set(err, EINVAL, "expected an array of strings");
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v))
      return err_set(err, EINVAL, "expected an array of strings");
    strv_push(out, json_string_value(v));
  }
  return 0;
}

/* An absolute path with no ".", ".." or "//" in it. */
static bool is_clean_abs(const char *p) {
  _cleanup_free_ char *c = cg_clean_path(p, NULL);
  return p[0] == '/' && c && strcmp(c, p) == 0;
}

/* Everything tote will rmdir or write must lie strictly below the mount
 * point, on the way to the container's cgroup. */
static int check_hier(const struct cg_hier *h, tote_err **err) {
  if (!is_clean_abs(h->mount) || !is_clean_abs(h->path) || strcmp(h->path, "/") == 0)
    return err_set(err, EINVAL, "bad mount or path");
  _cleanup_free_ char *leaf =
      xasprintf("%s%s", strcmp(h->mount, "/") == 0 ? "" : h->mount, h->path);
  if (h->dir && strcmp(h->dir, leaf) != 0)
    return err_set(err, EINVAL, "dir %s is not %s", h->dir, leaf);
  size_t ml = strlen(h->mount);
  for (char **c = h->created; *c; c++) {
    size_t cl = strlen(*c);
    if (!is_clean_abs(*c) || cl <= ml || strncmp(*c, h->mount, ml) != 0 ||
        (ml > 1 && (*c)[ml] != '/') || strncmp(leaf, *c, cl) != 0 ||
        (leaf[cl] != '\0' && leaf[cl] != '/'))
      return err_set(err, EINVAL, "created directory %s is not on the way to %s", *c, leaf);
  }
  return 0;
}

static int hier_from_json(json_t *o, struct cg_hier *h, tote_err **err) {
  json_t *ctl = NULL, *created = NULL, *dir = NULL;
  const char *mount, *root, *path, *name = NULL;
  int version;
  json_error_t je;
  if (json_unpack_ex(o, &je, JSON_STRICT, "{s:i, s:s, s:s, s:s, s:o, s:o, s:o, s?s}",
                     "version", &version, "mount", &mount, "root", &root, "path", &path,
                     "controllers", &ctl, "dir", &dir, "created", &created, "name", &name) < 0)
    return err_set(err, EINVAL, "%s", je.text);
  if ((version != 1 && version != 2) || !(json_is_null(dir) || json_is_string(dir)))
    return err_set(err, EINVAL, "bad version or dir");
  h->v2 = version == 2;
  h->dev = xstrdup("");
  h->mount = xstrdup(mount);
  h->root = xstrdup(root);
  h->path = xstrdup(path);
  h->name = name ? xstrdup(name) : NULL;
  h->dir = json_is_string(dir) ? xstrdup(json_string_value(dir)) : NULL;
  if (strv_from_json(ctl, &h->controllers, err) < 0 ||
      strv_from_json(created, &h->created, err) < 0)
    return -1;
  return check_hier(h, err);
}

struct cgroup *cgroup_from_json(json_t *j, tote_err **err) {
  CG_ERR_GUARD(err);
  json_t *hs = NULL;
  const char *path;
  int rootless = 0;
  json_error_t je;
  if (json_unpack_ex(j, &je, 0, "{s:s, s:b, s:o}", "path", &path, "rootless", &rootless,
                     "hierarchies", &hs) < 0 ||
      !json_is_array(hs)) {
    err_set(err, EINVAL, "cgroup state: %s", json_is_array(hs) ? je.text : "bad hierarchies");
    return NULL;
  }
  struct cgroup *cg = xzalloc(sizeof *cg);
  cg->path = xstrdup(path);
  cg->rootless = rootless;
  cg->h = xcalloc_array(json_array_size(hs) + 1, sizeof *cg->h);
  size_t i;
  json_t *o;
  json_array_foreach(hs, i, o) {
    cg->n = i + 1;
    if (hier_from_json(o, &cg->h[i], err) < 0) {
      err_wrap(err, "cgroup state: hierarchy %zu", i);
      cgroup_free(cg);
      return NULL;
    }
  }
  return cg;
}

void cgroup_free(struct cgroup *cg) {
  if (cg == NULL)
    return;
  cg_hiers_free(cg->h, cg->n);
  free(cg->path);
  free(cg);
}

const char *cgroup_path(const struct cgroup *cg) { return cg->path; }

void cgroup_direct_open(const struct cgroup *cg, struct cgroup_direct *d) {
  size_t n = 0;
  d->v1_tasks = xcalloc_array(cg->n + 1, sizeof *d->v1_tasks);
  d->v2_fd = -1;
  for (size_t i = 0; i < cg->n; i++) {
    const struct cg_hier *h = &cg->h[i];
    if (h->dir == NULL)
      continue;
    if (!h->v2)
      d->v1_tasks[n++] = xasprintf("%s/tasks", h->dir);
    else if (d->v2_fd < 0)
      d->v2_fd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
}

void cgroup_direct_close(struct cgroup_direct *d) {
  strv_free(d->v1_tasks);
  d->v1_tasks = NULL;
  if (d->v2_fd >= 0)
    close(d->v2_fd);
  d->v2_fd = -1;
}
