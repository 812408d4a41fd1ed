/* fs.c - whole-file reads and writes, atomic replace, mkdir -p. */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

int write_all_fd(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    p += w, len -= (size_t)w;
  }
  return 0;
}

char *read_all_fd(int fd, size_t *len) {
  size_t cap = 4096, n = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (cap - n < 2)
      buf = xrealloc(buf, cap *= 2);
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int saved = errno;
      free(buf);
      errno = saved;
      return NULL;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

char *read_file_at(int dirfd, const char *path, size_t *len, tote_err **err) {
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err_sys(err, "opening %s", path);
    return NULL;
  }
  char *buf = read_all_fd(fd, len);
  if (buf == NULL)
    err_sys(err, "reading %s", path);
  return buf;
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                  tote_err **err) {
  _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  if (write_all_fd(fd, data, len) < 0)
    return err_sys(err, "writing %s", path);
  return 0;
}

/* data in a new temp file beside path: its name (to free), or NULL. */
static char *write_temp_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                           tote_err **err) {
  char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    err_sys(err, "creating %s", tmp);
    free(tmp);
    return NULL;
  }
  if (write_all_fd(fd, data, len) < 0) {
    err_sys(err, "writing %s", tmp);
    unlinkat(dirfd, tmp, 0);
    free(tmp);
    return NULL;
  }
  return tmp;
}

/* tmp renamed over path, or (exchange) swapped with it and the old one
 * unlinked; a filesystem without the exchange gets the rename. */
static int put_in_place(int dirfd, const char *tmp, const char *path, bool exchange,
                        tote_err **err) {
  if (exchange && renameat2(dirfd, tmp, dirfd, path, RENAME_EXCHANGE) == 0) {
    unlinkat(dirfd, tmp, 0); /* the old content, now under the temp name */
    return 0;
  }
  if (renameat(dirfd, tmp, dirfd, path) < 0) {
    err_sys(err, "renaming %s to %s", tmp, path);
    unlinkat(dirfd, tmp, 0);
    return -1;
  }
  return 0;
}

int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         tote_err **err) {
  _cleanup_free_ char *tmp = write_temp_at(dirfd, path, data, len, mode, err);
  return tmp ? put_in_place(dirfd, tmp, path, false, err) : -1;
}

int write_file_volatile_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                           tote_err **err) {
  struct stat st;
  bool exchange = fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
  _cleanup_free_ char *tmp = write_temp_at(dirfd, path, data, len, mode, err);
  return tmp ? put_in_place(dirfd, tmp, path, exchange, err) : -1;
}

int lock_exclusive(int fd, const char *path, tote_err **err) {
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR) {
      err_sys(err, "locking %s", path);
      close(fd);
      return -1;
    }
  return fd;
}

int mkdir_p(const char *path, mode_t mode, tote_err **err) {
  /* most of the time it is there, or only its last part is missing: one
   * mkdir, not one per component */
  if (mkdir(path, mode) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return err_sys(err, "creating directory %s", path);
  _cleanup_free_ char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return err_sys(err, "creating directory %s", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return err_sys(err, "creating directory %s", p);
  return 0;
}

int remove_tree_at(int parent, const char *name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return unlinkat(parent, name, 0);
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return -1;
  }
  for (struct dirent *de; (de = readdir(d));) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (de->d_type == DT_DIR)
      remove_tree_at(dirfd(d), de->d_name);
    else
      unlinkat(dirfd(d), de->d_name, 0);
  }
  closedir(d);
  return unlinkat(parent, name, AT_REMOVEDIR);
}

long long tree_size_at(int parent, const char *name) {
  struct stat st;
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (!S_ISDIR(st.st_mode))
    return S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return 0;
  }
  long long sum = 0;
  for (struct dirent *de; (de = readdir(d));)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      sum += tree_size_at(dirfd(d), de->d_name);
  closedir(d);
  return sum;
}

DIR *dir_open_at(int dirfd) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL && fd >= 0) {
    int e = errno;
    close(fd);
    errno = e;
  }
  return d;
}
