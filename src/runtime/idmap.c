/* idmap.c - uid_map, gid_map and setgroups of a new user namespace. */
#include "runtime/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

char *idmap_format(const struct rt_idmap *m, size_t n) {
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *next = xasprintf("%s%u %u %u\n", out, m[i].container_id, m[i].host_id, m[i].size);
    free(out);
    out = next;
  }
  return out;
}

static int write_proc(pid_t pid, const char *file, const char *data, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
    if (errno == EPERM)
      return err_sys(err, "writing %s (the host ids must be yours, or be given to you in "
                          "/etc/subuid and /etc/subgid)", file);
    return err_sys(err, "writing %s", file);
  }
  return 0;
}

static int run_helper(const char *helper, pid_t pid, const struct rt_idmap *m, size_t n,
                      tote_err **err) {
  char **argv = xcalloc_array(3 * n + 3, sizeof *argv);
  size_t k = 0;
  argv[k++] = xstrdup(helper);
  argv[k++] = xasprintf("%d", (int)pid);
  for (size_t i = 0; i < n; i++) {
    argv[k++] = xasprintf("%u", m[i].container_id);
    argv[k++] = xasprintf("%u", m[i].host_id);
    argv[k++] = xasprintf("%u", m[i].size);
  }
  pid_t child = fork();
  if (child == 0) {
    execvp(helper, argv);
    _exit(127);
  }
  strv_free(argv);
  if (child < 0)
    return err_sys(err, "running %s", helper);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR)
      return err_sys(err, "waiting for %s", helper);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return err_set(err, 0, "%s failed%s: install the uidmap package and give this user ranges in "
                           "/etc/subuid and /etc/subgid",
                   helper, WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (not found)" : "");
  return 0;
}

static bool only_own_id(const struct rt_idmap *m, size_t n, unsigned id) {
  return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

int idmap_write(pid_t pid, const struct rt_idmap *uids, size_t n_uids, const struct rt_idmap *gids,
                size_t n_gids, tote_err **err) {
  _cleanup_free_ char *u = idmap_format(uids, n_uids);
  _cleanup_free_ char *g = idmap_format(gids, n_gids);
  if (geteuid() == 0) {
    if (write_proc(pid, "uid_map", u, err) < 0 || write_proc(pid, "gid_map", g, err) < 0)
      return -1;
    return 0;
  }
  if (only_own_id(uids, n_uids, geteuid())) {
    if (write_proc(pid, "uid_map", u, err) < 0)
      return -1;
  } else if (run_helper("newuidmap", pid, uids, n_uids, err) < 0) {
    return -1;
  }
  if (only_own_id(gids, n_gids, getegid())) {
    if (write_proc(pid, "setgroups", "deny", err) < 0 || write_proc(pid, "gid_map", g, err) < 0)
      return -1;
    return 0;
  }
  return run_helper("newgidmap", pid, gids, n_gids, err);
}
