/* devices.c - the host's devices (see devices.h). */
#include "engine/devices.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/xalloc.h"

static bool skipped(const char *path) {
  static const char *const own[] = {"/dev/null",    "/dev/zero",    "/dev/full",
                                    "/dev/random",  "/dev/urandom", "/dev/tty",
                                    "/dev/console", "/dev/ptmx",    "/dev/pts",
                                    "/dev/shm",     "/dev/mqueue",  NULL};
  for (const char *const *o = own; *o; o++)
    if (strcmp(path, *o) == 0)
      return true;
  return false;
}

static void walk(int dirfd, const char *path, json_t *out, int depth) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  for (struct dirent *de; (de = readdir(d));) {
    if (de->d_name[0] == '.')
      continue;
    _cleanup_free_ char *p = xasprintf("%s/%s", path, de->d_name);
    struct stat st;
    if (skipped(p) || fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(st.st_mode) && depth < 4) {
      int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) {
        walk(sub, p, out, depth + 1);
        close(sub);
      }
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      json_array_append_new(
          out, json_pack("{s:s, s:s, s:I, s:I, s:i, s:I, s:I}", "path", p, "type",
                         S_ISCHR(st.st_mode) ? "c" : "b", "major", (json_int_t)major(st.st_rdev),
                         "minor", (json_int_t)minor(st.st_rdev), "fileMode",
                         (int)(st.st_mode & 07777), "uid", (json_int_t)st.st_uid, "gid",
                         (json_int_t)st.st_gid));
    }
  }
  closedir(d);
}

json_t *eng_host_devices(void) {
  json_t *out = json_array();
  int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    walk(fd, "/dev", out, 0);
    close(fd);
  }
  return out;
}
