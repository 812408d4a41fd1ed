/* user.c - users and groups of a container, looked up in its own
 * /etc/passwd and /etc/group (see user.h). */
#include "engine/user.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* The text of path (in the container), read beneath rootfs; NULL when it
 * cannot be read. */
static char *read_in_root(int rootfd, const char *path) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0)
    return NULL;
  char *text = read_all_fd(fd, NULL);
  close(fd);
  return text;
}

/* line split at its colons into f (at most 8 fields); their count. */
static int split_fields(char *line, char *f[8]) {
  int nf = 0;
  for (char *p = line; nf < 8; nf++) {
    f[nf] = p;
    p = strchr(p, ':');
    if (p == NULL) {
      nf++;
      break;
    }
    *p++ = '\0';
  }
  return nf;
}

/* Field col of the line of path (in the container) whose field 0 or 2 is
 * want, read beneath rootfs; NULL when none. */
static char *lookup(int rootfd, const char *path, const char *want, int key_col, int col) {
  _cleanup_free_ char *text = read_in_root(rootfd, path);
  for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
    char *f[8] = {0};
    int nf = split_fields(line, f);
    if (nf > col && nf > key_col && strcmp(f[key_col], want) == 0)
      return xstrdup(f[col]);
  }
  return NULL;
}

static int parse_id(const char *s, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > 0x7fffffff)
    return -1;
  *out = v;
  return 0;
}

int eng_resolve_user(int rootfd, const char *spec, long *uid, long *gid, tote_err **err) {
  _cleanup_free_ char *u = xstrdup(spec);
  char *g = strchr(u, ':');
  if (g)
    *g++ = '\0';
  *gid = 0;
  if (parse_id(u, uid) < 0) {
    _cleanup_free_ char *id = lookup(rootfd, "/etc/passwd", u, 0, 2);
    _cleanup_free_ char *pg = lookup(rootfd, "/etc/passwd", u, 0, 3);
    if (id == NULL || parse_id(id, uid) < 0)
      return err_set(err, 0, "user \"%s\": no such user in the container's /etc/passwd", u);
    if (pg)
      parse_id(pg, gid);
  } else {
    char buf[16];
    snprintf(buf, sizeof buf, "%ld", *uid);
    _cleanup_free_ char *pg = lookup(rootfd, "/etc/passwd", buf, 2, 3);
    if (pg)
      parse_id(pg, gid);
  }
  if (g && parse_id(g, gid) < 0) {
    _cleanup_free_ char *id = lookup(rootfd, "/etc/group", g, 0, 2);
    if (id == NULL || parse_id(id, gid) < 0)
      return err_set(err, 0, "group \"%s\": no such group in the container's /etc/group", g);
  }
  return 0;
}

/* Whether the comma-separated list holds name. */
static bool listed(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; *p;) {
    size_t len = strcspn(p, ",");
    if (len == n && strncmp(p, name, n) == 0)
      return true;
    p += len;
    if (*p == ',')
      p++;
  }
  return false;
}

size_t eng_user_groups(int rootfd, const char *spec, long uid, long gid, long **gids) {
  long *v = xcalloc_array(1, sizeof *v);
  size_t n = 0;
  v[n++] = gid;
  *gids = v;
  if (strchr(spec, ':'))
    return n; /* a group given: that group alone */
  /* the name of the passwd entry the user is: by name, or by uid */
  _cleanup_free_ char *name = NULL;
  long id;
  if (parse_id(spec, &id) < 0) {
    name = xstrdup(spec);
  } else {
    char buf[16];
    snprintf(buf, sizeof buf, "%ld", uid);
    name = lookup(rootfd, "/etc/passwd", buf, 2, 0);
  }
  _cleanup_free_ char *text = name ? read_in_root(rootfd, "/etc/group") : NULL;
  for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
    char *f[8] = {0};
    if (split_fields(line, f) < 4 || !listed(f[3], name) || parse_id(f[2], &id) < 0)
      continue;
    bool seen = false;
    for (size_t i = 0; i < n; i++)
      seen = seen || v[i] == id;
    if (seen)
      continue;
    v = xrealloc(v, (n + 1) * sizeof *v);
    v[n++] = id;
    *gids = v;
  }
  return n;
}
