/* cgroup_parse.c - the pure half of cgroup handling: mountinfo and
 * /proc/self/cgroup parsing, and cgroup path resolution.  No I/O here, so the
 * unit tests feed it strings. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

/* ---- mountinfo ---- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(const char *s) {
  char *out = xmalloc(strlen(s) + 1), *o = out;
  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
        s[3] >= '0' && s[3] <= '7') {
      *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 4;
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
  return out;
}

/* Super options of a v1 mount that are not controllers. */
static bool is_v1_flag(const char *opt) {
  static const char *const flags[] = {"rw", "ro", "noprefix", "clone_children", "xattr",
                                      "cpuset_v2_mode", "favordynmods", "nofavordynmods",
                                      "none"};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (strcmp(opt, flags[i]) == 0)
      return true;
  return strncmp(opt, "release_agent=", 14) == 0;
}

static void v1_options(struct cg_hier *h, const char *superopts) {
  _cleanup_free_ char *copy = xstrdup(superopts);
  size_t n = 0;
  h->controllers = xcalloc_array(1, sizeof(char *));
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (strncmp(t, "name=", 5) == 0) {
      free(h->name);
      h->name = xstrdup(t + 5);
    } else if (!is_v1_flag(t)) {
      h->controllers = xrealloc(h->controllers, (n + 2) * sizeof(char *));
      h->controllers[n++] = xstrdup(t);
      h->controllers[n] = NULL;
    }
  }
}

static void hier_clear(struct cg_hier *h) {
  free(h->dev);
  free(h->mount);
  free(h->root);
  strv_free(h->controllers);
  free(h->name);
  free(h->path);
  free(h->dir);
  strv_free(h->created);
  memset(h, 0, sizeof *h);
}

void cg_hiers_free(struct cg_hier *h, size_t n) {
  for (size_t i = 0; h && i < n; i++)
    hier_clear(&h[i]);
  free(h);
}

/* Is `inner` the same as, or below, `outer` (both absolute, clean)? */
static bool path_within(const char *inner, const char *outer) {
  size_t n = strlen(outer);
  if (strcmp(outer, "/") == 0)
    return true;
  return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

/* The fields of one mountinfo line that matter here (pointing into it). */
struct mi_line {
  long id, parent;
  char *dev, *root, *mount, *fstype, *superopts;
};

static int split_mountinfo(char *line, struct mi_line *m) {
  char *f[6];
  char *save = NULL, *t = strtok_r(line, " ", &save);
  int i = 0;
  for (; t && i < 6; t = strtok_r(NULL, " ", &save))
    f[i++] = t;
  if (i < 6)
    return 0;
  while (t && strcmp(t, "-") != 0) /* optional fields end at "-" */
    t = strtok_r(NULL, " ", &save);
  if (t == NULL)
    return 0;
  char *fstype = strtok_r(NULL, " ", &save);
  char *source = strtok_r(NULL, " ", &save);
  char *superopts = strtok_r(NULL, " ", &save);
  if (fstype == NULL || source == NULL || superopts == NULL)
    return 0;
  char *end;
  m->id = strtol(f[0], &end, 10);
  if (*end)
    return 0;
  m->parent = strtol(f[1], &end, 10);
  if (*end)
    return 0;
  m->dev = f[2], m->root = f[3], m->mount = f[4], m->fstype = fstype, m->superopts = superopts;
  return 1;
}

/* Is mount a an ancestor of mount b in the mount tree (by parent ids)? */
static bool mount_ancestor(const struct mi_line *all, size_t n, size_t a, size_t b) {
  long cur = all[b].parent;
  for (size_t hops = 0; hops <= n; hops++) {
    if (cur == all[a].id)
      return true;
    size_t j = 0;
    while (j < n && all[j].id != cur)
      j++;
    if (j == n || all[j].parent == cur)
      return false;
    cur = all[j].parent;
  }
  return false;
}

/* A mount is hidden when another mount sits on its mount point or above it
 * without being one of its ancestors (a tmpfs mounted over /sys/fs/cgroup). */
static bool mount_hidden(const struct mi_line *all, char *const *points, size_t n, size_t i) {
  for (size_t j = 0; j < n; j++)
    if (j != i && path_within(points[i], points[j]) && !mount_ancestor(all, n, j, i))
      return true;
  return false;
}

int cg_parse_mountinfo(const char *text, struct cg_hier **out, size_t *n, tote_err **err) {
  _cleanup_free_ char *copy = xstrdup(text);
  _cleanup_free_ struct mi_line *all = NULL;
  _cleanup_strv_ char **points = xcalloc_array(1, sizeof(char *));
  size_t nall = 0, lineno = 0;
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    lineno++;
    bool is_cg = strstr(line, " - cgroup") != NULL;
    struct mi_line m;
    if (!split_mountinfo(line, &m)) {
      if (is_cg)
        return err_set(err, EINVAL, "mountinfo line %zu: malformed", lineno);
      continue;
    }
    all = xrealloc(all, (nall + 1) * sizeof *all);
    points = xrealloc(points, (nall + 2) * sizeof *points);
    all[nall] = m;
    points[nall] = unescape_octal(m.mount);
    points[++nall] = NULL;
  }
  struct cg_hier *h = NULL;
  size_t count = 0;
  for (size_t i = 0; i < nall; i++) {
    bool v2 = strcmp(all[i].fstype, "cgroup2") == 0;
    if (!v2 && strcmp(all[i].fstype, "cgroup") != 0)
      continue;
    if (mount_hidden(all, points, nall, i))
      continue;
    bool dup = false;
    for (size_t k = 0; k < count && !dup; k++)
      dup = strcmp(h[k].dev, all[i].dev) == 0;
    if (dup)
      continue;
    h = xrealloc(h, (count + 1) * sizeof *h);
    struct cg_hier *e = &h[count++];
    memset(e, 0, sizeof *e);
    e->v2 = v2;
    e->dev = xstrdup(all[i].dev);
    e->mount = xstrdup(points[i]);
    e->root = unescape_octal(all[i].root);
    if (v2)
      e->controllers = xcalloc_array(1, sizeof(char *));
    else
      v1_options(e, all[i].superopts);
  }
  *out = h;
  *n = count;
  return 0;
}

enum cg_layout cg_layout_of(const struct cg_hier *h, size_t n) {
  bool v1_ctrl = false, v2 = false;
  for (size_t i = 0; i < n; i++) {
    if (h[i].v2)
      v2 = true;
    else if (h[i].controllers && h[i].controllers[0])
      v1_ctrl = true;
  }
  if (v2 && !v1_ctrl)
    return CG_LAYOUT_V2;
  return v2 ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1;
}

bool cg_hier_has(const struct cg_hier *h, const char *controller) {
  for (char **c = h->controllers; c && *c; c++)
    if (strcmp(*c, controller) == 0)
      return true;
  return false;
}

/* ---- /proc/self/cgroup ---- */

void cg_proc_entries_free(struct cg_proc_entry *e, size_t n) {
  for (size_t i = 0; e && i < n; i++) {
    free(e[i].controllers);
    free(e[i].path);
  }
  free(e);
}

int cg_parse_proc_cgroup(const char *text, struct cg_proc_entry **out, size_t *n,
                         tote_err **err) {
  struct cg_proc_entry *e = NULL;
  size_t count = 0, lineno = 0;
  _cleanup_free_ char *copy = xstrdup(text);
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    lineno++;
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL; /* the path may hold ':' */
    char *end = NULL;
    errno = 0;
    long id = c1 ? strtol(line, &end, 10) : -1;
    if (c2 == NULL || end != c1 || c1 == line || id < 0 || id > INT32_MAX || errno ||
        c2[1] != '/') {
      cg_proc_entries_free(e, count);
      return err_set(err, EINVAL, "/proc/self/cgroup line %zu: malformed: %s", lineno, line);
    }
    e = xrealloc(e, (count + 1) * sizeof *e);
    e[count].id = (int)id;
    e[count].controllers = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
    e[count].path = xstrdup(c2 + 1);
    count++;
  }
  *out = e;
  *n = count;
  return 0;
}

/* A v1 line matches h when every item of its list ("cpu,cpuacct",
 * "name=systemd") is a controller or the name of h. */
static bool v1_entry_matches(const struct cg_hier *h, const char *list) {
  if (*list == '\0')
    return false;
  _cleanup_free_ char *copy = xstrdup(list);
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    bool ok = strncmp(t, "name=", 5) == 0 ? h->name && strcmp(h->name, t + 5) == 0
                                          : cg_hier_has(h, t);
    if (!ok)
      return false;
  }
  return true;
}

const struct cg_proc_entry *cg_proc_entry_for(const struct cg_hier *h,
                                              const struct cg_proc_entry *e, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (h->v2 && e[i].id == 0 && e[i].controllers[0] == '\0')
      return &e[i];
    if (!h->v2 && e[i].id != 0 && v1_entry_matches(h, e[i].controllers))
      return &e[i];
  }
  return NULL;
}

/* ---- paths ---- */

char *cg_clean_path(const char *p, tote_err **err) {
  bool abs = p[0] == '/';
  size_t len = strlen(p);
  char *out = xmalloc(len + 2), *o = out;
  if (abs)
    *o++ = '/';
  const char *s = p;
  while (*s) {
    while (*s == '/')
      s++;
    const char *end = s + strcspn(s, "/");
    size_t n = (size_t)(end - s);
    if (n == 2 && s[0] == '.' && s[1] == '.') {
      free(out);
      err_set(err, EINVAL, "cgroup path %s: \"..\" is not allowed", p);
      return NULL;
    }
    if (n > 0 && !(n == 1 && s[0] == '.')) {
      if (o > out && o[-1] != '/')
        *o++ = '/';
      memcpy(o, s, n);
      o += n;
    }
    s = end;
  }
  *o = '\0';
  return out;
}

char *cg_resolve_path(const struct cg_hier *h, const char *cgroups_path, const char *own,
                      tote_err **err) {
  _cleanup_free_ char *clean = cg_clean_path(cgroups_path, err);
  if (clean == NULL)
    return NULL;
  if (clean[0] == '/') {
    if (clean[1] == '\0') {
      err_set(err, EINVAL, "cgroup path %s: names the hierarchy root", cgroups_path);
      return NULL;
    }
    return steal_ptr(&clean);
  }
  if (clean[0] == '\0') {
    err_set(err, EINVAL, "cgroup path %s: names the caller's own cgroup", cgroups_path);
    return NULL;
  }
  const char *where = h->mount;
  if (own == NULL) {
    err_set(err, ENOENT, "%s: this process is not in /proc/self/cgroup for %s", cgroups_path,
            where);
    return NULL;
  }
  _cleanup_free_ char *own_clean = cg_clean_path(own, err);
  if (own_clean == NULL)
    return NULL;
  /* own is absolute in the hierarchy; the mount shows it from h->root down. */
  const char *root = h->root ? h->root : "/";
  if (own_clean[0] != '/' || !path_within(own_clean, root)) {
    err_set(err, ENOENT, "%s: this process's cgroup %s is outside the mount %s (root %s)",
            cgroups_path, own, where, root);
    return NULL;
  }
  const char *below = strcmp(root, "/") == 0 ? own_clean : own_clean + strlen(root);
  if (*below == '\0' || strcmp(below, "/") == 0)
    return xasprintf("/%s", clean);
  return xasprintf("%s/%s", below, clean);
}

char *cg_default_path(const char *id, tote_err **err) {
  if (id == NULL || id[0] == '\0' || strchr(id, '/') || strcmp(id, ".") == 0 ||
      strcmp(id, "..") == 0) {
    err_set(err, EINVAL, "container id \"%s\" cannot name a cgroup", id ? id : "");
    return NULL;
  }
  return xasprintf("/tote/%s", id);
}

/* ---- pid lists ---- */

int cg_parse_pids(const char *text, pid_t **pids, size_t *n, tote_err **err) {
  const char *s = text;
  while (*s) {
    while (*s == '\n' || *s == ' ')
      s++;
    if (*s == '\0')
      break;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno || v <= 0 || v > INT32_MAX || (*end && *end != '\n' && *end != ' '))
      return err_set(err, EINVAL, "malformed pid list near \"%.16s\"", s);
    *pids = xrealloc(*pids, (*n + 1) * sizeof **pids);
    (*pids)[(*n)++] = (pid_t)v;
    s = end;
  }
  return 0;
}

static int cmp_pid(const void *a, const void *b) {
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

void cg_pids_uniq(pid_t *pids, size_t *n) {
  if (*n < 2)
    return;
  qsort(pids, *n, sizeof *pids, cmp_pid);
  size_t w = 1;
  for (size_t r = 1; r < *n; r++)
    if (pids[r] != pids[w - 1])
      pids[w++] = pids[r];
  *n = w;
}
