/* selfclone.c - re-execute ourselves from a copy the container cannot write:
 * the binary seen through a read-only overlay mounted nowhere, or a sealed
 * memfd copy where no overlay can be made (see selfclone.h). */
#include "runtime/selfclone.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* A sealed memfd, or a file on a read-only overlay: nothing can write it. */
static bool is_protected(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS)
    return true;
  struct statfs sf;
  return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC && (sf.f_flags & ST_RDONLY);
}

/* A detached, read-only, empty tmpfs: overlay's second layer (it wants
 * two lower layers when it has no upper one). */
static int empty_dir(void) {
  _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
      syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  return (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
}

/* The binary opened through a read-only overlay of its directory over an
 * empty one.  The mounts are never attached anywhere: they live as long as
 * the file is open or executed.  -1 when they cannot be made (rootless, an
 * old kernel, a directory name overlay's options cannot carry). */
static int open_through_overlay(void) {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0 || (size_t)n >= sizeof path - 1)
    return -1;
  path[n] = '\0';
  char *slash = strrchr(path, '/');
  if (path[0] != '/' || slash == NULL || strpbrk(path, ",:\\") || strstr(path, " (deleted)"))
    return -1;
  *slash = '\0';
  const char *base = slash + 1;
  _cleanup_close_ int empty = empty_dir();
  if (empty < 0)
    return -1;
  _cleanup_free_ char *lower = xasprintf("%s:/proc/self/fd/%d", slash == path ? "/" : path, empty);
  _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
      syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  _cleanup_close_ int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                                         MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV);
  if (mnt < 0)
    return -1;
  return openat(mnt, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

static int sealed_copy(int self, const char *name, tote_err **err) {
  struct stat st;
  if (fstat(self, &st) < 0)
    return err_sys(err, "reading /proc/self/exe");
  _cleanup_close_ int mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return err_sys(err, "memfd_create");
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, self, NULL, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return err_sys(err, "copying the %s binary", name);
    left -= n;
  }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
    return err_sys(err, "sealing the copy of the %s binary", name);
  return steal_fd(&mfd);
}

int selfclone_ensure(char **argv, const char *name, tote_err **err) {
  _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return err_sys(err, "opening /proc/self/exe");
  if (is_protected(self))
    return 0;
  _cleanup_close_ int copy = open_through_overlay();
  if (copy >= 0 && !is_protected(copy)) {
    close(copy);
    copy = -1;
  }
  if (copy < 0) {
    if ((copy = sealed_copy(self, name, err)) < 0)
      return -1;
  }
  char orig[4096];
  ssize_t n = readlink("/proc/self/exe", orig, sizeof orig - 1);
  if (n > 0) {
    orig[n] = '\0';
    setenv(SELFCLONE_ENV, orig, 1);
  }
  extern char **environ;
  fexecve(copy, argv, environ);
  return err_sys(err, "executing the protected copy of %s", name);
}
