/* userns.c - the user's own user namespace (see userns.h). */
#include "engine/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/idmap.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/rootless.h"
#include "util/xalloc.h"

/* The kernel takes at most 340 lines in a map. */
#define MAX_EXTENTS 340

/* Whether a subid line's first field names the user. */
static bool names_user(const char *field, size_t len, const char *name, uid_t uid) {
  char num[24];
  snprintf(num, sizeof num, "%u", (unsigned)uid);
  return (name && strlen(name) == len && strncmp(field, name, len) == 0) ||
         (strlen(num) == len && strncmp(field, num, len) == 0);
}

void eng_subid_maps(const char *text, const char *name, uid_t uid, unsigned outside,
                    struct rt_idmap **maps, size_t *n) {
  *n = 0;
  *maps = xcalloc_array(MAX_EXTENTS, sizeof **maps);
  (*maps)[(*n)++] = (struct rt_idmap){.container_id = 0, .host_id = outside, .size = 1};
  uint64_t next = 1;
  for (const char *line = text; line && *line && *n < MAX_EXTENTS;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    _cleanup_free_ char *l = xstrndup(line, len);
    line = end ? end + 1 : NULL;
    char *c1 = strchr(l, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL || !names_user(l, (size_t)(c1 - l), name, uid))
      continue;
    char *e1, *e2;
    errno = 0;
    unsigned long long start = strtoull(c1 + 1, &e1, 10), count = strtoull(c2 + 1, &e2, 10);
    if (errno || e1 != c2 || *e2 != '\0' || count == 0 || start > UINT32_MAX ||
        count > UINT32_MAX - start || next + count > UINT32_MAX)
      continue;
    (*maps)[(*n)++] = (struct rt_idmap){
        .container_id = (uint32_t)next, .host_id = (uint32_t)start, .size = (uint32_t)count};
    next += count;
  }
}

/* The maps for the user from file, or NULL (with *n 1) when it has none. */
static struct rt_idmap *maps_from(const char *file, const char *name, uid_t uid, unsigned outside,
                                  size_t *n) {
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, file, NULL, NULL);
  struct rt_idmap *m;
  eng_subid_maps(text, name, uid, outside, &m, n);
  if (*n > 1)
    return m;
  free(m);
  return NULL;
}

/* The child: once the parent has its new namespace (a byte on go), write
 * its maps; a failure's message goes back on msg. */
static _Noreturn void map_parent(int go, int msg, const struct rt_idmap *u, size_t nu,
                                 const struct rt_idmap *g, size_t ng) {
  char c;
  if (read(go, &c, 1) != 1)
    _exit(1);
  tote_err *e = NULL;
  if (idmap_write(getppid(), u, nu, g, ng, &e) < 0) {
    write_all_fd(msg, e->msg, strlen(e->msg));
    _exit(1);
  }
  _exit(0);
}

int eng_userns_enter(tote_err **err) {
  if (geteuid() == 0)
    return 0; /* root, or in the namespace already (`tote unshare tote ...`) */
  uid_t uid = getuid();
  gid_t gid = getgid();
  struct passwd *pw = getpwuid(uid);
  const char *name = pw ? pw->pw_name : NULL;
  size_t nu, ng;
  _cleanup_free_ struct rt_idmap *u = maps_from("/etc/subuid", name, uid, uid, &nu);
  _cleanup_free_ struct rt_idmap *g = maps_from("/etc/subgid", name, uid, gid, &ng);
  if (u == NULL || g == NULL)
    return 0;
  int go[2], msg[2];
  if (pipe2(go, O_CLOEXEC) < 0)
    return err_sys(err, "making a pipe");
  if (pipe2(msg, O_CLOEXEC) < 0) {
    close(go[0]);
    close(go[1]);
    return err_sys(err, "making a pipe");
  }
  pid_t child = fork();
  if (child == 0) {
    close(go[1]);
    close(msg[0]);
    map_parent(go[0], msg[1], u, nu, g, ng);
  }
  close(go[0]);
  close(msg[1]);
  int r = child < 0 ? err_sys(err, "forking") : 0;
  if (r == 0 && unshare(CLONE_NEWUSER) < 0)
    r = err_sys(err, "making a user namespace for your subordinate ids (may users make them "
                     "here? see user.max_user_namespaces)");
  if (r == 0 && write(go[1], "", 1) != 1)
    r = err_sys(err, "starting newuidmap");
  close(go[1]);
  int status = 0;
  while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  char why[512] = "";
  ssize_t len = read(msg[0], why, sizeof why - 1);
  close(msg[0]);
  why[len > 0 ? len : 0] = '\0';
  if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    r = err_set(err, 0, "mapping your subordinate ids into tote's user namespace: %s",
                *why ? why : "the helper failed");
  if (r < 0)
    return -1;
  char mark[24];
  snprintf(mark, sizeof mark, "%u", (unsigned)uid);
  setenv(ROOTLESS_ENV, mark, 1);
  return 0;
}
