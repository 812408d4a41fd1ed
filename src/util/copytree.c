/* copytree.c - copying a directory tree with *at() calls (see copytree.h). */
#include "util/copytree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

/* The extended attributes of fd (a file or directory), set on out. */
static int copy_xattrs(int fd, int out, const char *name, tote_err **err) {
  char list[4096];
  ssize_t n = flistxattr(fd, list, sizeof list);
  if (n < 0)
    return errno == ENOTSUP ? 0 : err_sys(err, "listing the attributes of %s", name);
  for (char *k = list; k < list + n; k += strlen(k) + 1) {
    char val[4096];
    ssize_t len = fgetxattr(fd, k, val, sizeof val);
    if (len >= 0 && fsetxattr(out, k, val, (size_t)len, 0) < 0 && errno != ENOTSUP &&
        errno != EPERM)
      return err_sys(err, "setting the attribute %s of %s", k, name);
  }
  return 0;
}

/* Owner, mode and times of st on name in dir (after the content). */
static int copy_meta(int dir, const char *name, const struct stat *st, tote_err **err) {
  if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
    return err_sys(err, "setting the owner of %s", name);
  if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0)
    return err_sys(err, "setting the mode of %s", name);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
                     tote_err **err) {
  int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return err_sys(err, "opening %s", name);
  int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int r = out < 0 ? err_sys(err, "creating %s", name) : 0;
  for (off_t left = st->st_size; r == 0 && left > 0;) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS))
      n = sendfile(out, in, NULL, (size_t)left);
    if (n <= 0)
      r = n == 0 ? err_set(err, EIO, "copying %s: it got shorter", name)
                 : err_sys(err, "copying %s", name);
    else
      left -= n;
  }
  if (r == 0)
    r = copy_xattrs(in, out, name, err);
  close(in);
  if (out >= 0)
    close(out);
  return r;
}

static int copy_entry(int sdir, int ddir, const char *name, tote_err **err) {
  struct stat st;
  if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_sys(err, "reading %s", name);
  int r = 0;
  if (S_ISDIR(st.st_mode)) {
    if (mkdirat(ddir, name, 0700) < 0)
      return err_sys(err, "creating %s", name);
    int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    r = s < 0 || d < 0 ? err_sys(err, "opening %s", name) : copy_tree_at(s, d, err);
    if (r == 0)
      r = copy_xattrs(s, d, name, err);
    if (s >= 0)
      close(s);
    if (d >= 0)
      close(d);
    return r;
  } else if (S_ISREG(st.st_mode)) {
    r = copy_file(sdir, ddir, name, &st, err);
  } else if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
    if (n < 0)
      return err_sys(err, "reading the link %s", name);
    target[n] = '\0';
    if (symlinkat(target, ddir, name) < 0)
      return err_sys(err, "creating the link %s", name);
  } else if (mknodat(ddir, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0) {
    return err_sys(err, "creating %s", name);
  }
  return r == 0 ? copy_meta(ddir, name, &st, err) : r;
}

int copy_tree_at(int src, int dst, tote_err **err) {
  int fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return err_sys(err, "reading a directory");
  }
  int r = 0;
  for (struct dirent *de; r == 0 && (de = readdir(d));) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    r = copy_entry(src, dst, de->d_name, err);
    if (r < 0)
      err_wrap(err, "%s", de->d_name);
  }
  closedir(d);
  struct stat st;
  if (r == 0 && fstat(src, &st) == 0) {
    if (fchown(dst, st.st_uid, st.st_gid) < 0 && errno != EPERM)
      return err_sys(err, "setting the owner of a directory");
    fchmod(dst, st.st_mode & 07777);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    futimens(dst, ts);
  }
  return r;
}
