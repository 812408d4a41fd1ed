/* copytree.c - copying a directory tree with *at() calls (see copytree.h). */
#include "util/copytree.h"

#include <dirent.h>
#include <stdbool.h>
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
#include "util/fs.h"
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

/* chmod of name in dir that never follows a symlink there (a running
 * container may swap what it copied for one, pointing anywhere): through
 * an O_PATH fd of the entry itself. */
static int chmod_nofollow(int dir, const char *name, mode_t mode) {
  int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    errno = e;
    return -1;
  }
  int r = -1;
  if (S_ISLNK(st.st_mode)) {
    errno = ELOOP;
  } else {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    r = chmod(proc, mode);
  }
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

/* Owner (when asked), mode and times of st on name in dir, after the
 * content. */
static int copy_meta(int dir, const char *name, const struct stat *st, unsigned flags,
                     tote_err **err) {
  if ((flags & COPY_OWNERS) &&
      fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
    return err_sys(err, "setting the owner of %s", name);
  if (!S_ISLNK(st->st_mode) && chmod_nofollow(dir, name, st->st_mode & 07777) < 0)
    return err_sys(err, "setting the mode of %s", name);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int copy_file(int sdir, const char *sname, int ddir, const char *dname,
                     const struct stat *st, tote_err **err) {
  int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return err_sys(err, "opening %s", sname);
  int out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int r = out < 0 ? err_sys(err, "creating %s", dname) : 0;
  for (off_t left = st->st_size; r == 0 && left > 0;) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS))
      n = sendfile(out, in, NULL, (size_t)left);
    if (n <= 0)
      r = n == 0 ? err_set(err, EIO, "copying %s: it got shorter", sname)
                 : err_sys(err, "copying %s", sname);
    else
      left -= n;
  }
  if (r == 0)
    r = copy_xattrs(in, out, sname, err);
  close(in);
  if (out >= 0)
    close(out);
  return r;
}

/* With COPY_REPLACE, what is at dname and is not a directory (or is not
 * to become one) goes; 1 when a directory stays there to merge into. */
static int make_way(int ddir, const char *dname, bool dir, unsigned flags, tote_err **err) {
  struct stat st;
  if (!(flags & COPY_REPLACE) || fstatat(ddir, dname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (S_ISDIR(st.st_mode) && dir)
    return 1;
  if (S_ISDIR(st.st_mode))
    return err_set(err, EISDIR, "%s is a directory: a file cannot replace it", dname);
  if (unlinkat(ddir, dname, 0) < 0)
    return err_sys(err, "replacing %s", dname);
  return 0;
}

int copy_entry_at(int sdir, const char *sname, int ddir, const char *dname, unsigned flags,
                  tote_err **err) {
  struct stat st;
  if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_sys(err, "reading %s", sname);
  int merge = make_way(ddir, dname, S_ISDIR(st.st_mode), flags, err);
  if (merge < 0)
    return -1;
  if (S_ISDIR(st.st_mode)) {
    if (!merge && mkdirat(ddir, dname, 0700) < 0)
      return err_sys(err, "creating %s", dname);
    int s = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int d = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int r = s < 0 || d < 0 ? err_sys(err, "opening %s", sname) : copy_tree_at(s, d, flags, err);
    if (r == 0)
      r = copy_xattrs(s, d, sname, err);
    if (s >= 0)
      close(s);
    if (d >= 0)
      close(d);
    return r;
  }
  if (S_ISREG(st.st_mode)) {
    if (copy_file(sdir, sname, ddir, dname, &st, err) < 0)
      return -1;
  } else if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(sdir, sname, target, sizeof target - 1);
    if (n < 0)
      return err_sys(err, "reading the link %s", sname);
    target[n] = '\0';
    if (symlinkat(target, ddir, dname) < 0)
      return err_sys(err, "creating the link %s", dname);
  } else if (mknodat(ddir, dname, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0) {
    return err_sys(err, "creating %s", dname);
  }
  return copy_meta(ddir, dname, &st, flags, err);
}

int copy_tree_at(int src, int dst, unsigned flags, tote_err **err) {
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
    r = copy_entry_at(src, de->d_name, dst, de->d_name, flags, err);
    if (r < 0)
      err_wrap(err, "%s", de->d_name);
  }
  closedir(d);
  struct stat st;
  if (r == 0 && fstat(src, &st) == 0) {
    if ((flags & COPY_OWNERS) && fchown(dst, st.st_uid, st.st_gid) < 0 && errno != EPERM)
      return err_sys(err, "setting the owner of a directory");
    fchmod(dst, st.st_mode & 07777);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    futimens(dst, ts);
  }
  return r;
}
