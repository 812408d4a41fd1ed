/* cp.c - tote cp (see cp.h). */
#include "engine/cp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/pathat.h"
#include "util/copytree.h"
#include "util/err.h"
#include "util/xalloc.h"

/* Open path on one side: beneath the container's root, or the host's. */
static int open_on(const struct eng_cp_side *s, const char *path, int flags) {
  if (s->rootfd < 0)
    return open(path, flags | O_CLOEXEC);
  return pathat_open(s->rootfd, path, flags | O_CLOEXEC);
}

/* path split into its directory and last name ("." for "/", "dir/."). */
static void split(const char *path, char **dir, char **base) {
  _cleanup_free_ char *p = xstrdup(path);
  size_t n = strlen(p);
  while (n > 1 && p[n - 1] == '/')
    p[--n] = '\0';
  char *slash = strrchr(p, '/');
  if (slash == NULL) {
    *dir = xstrdup(".");
    *base = xstrdup(p);
  } else if (slash == p) {
    *dir = xstrdup("/");
    *base = xstrdup(p[1] ? p + 1 : ".");
  } else {
    *dir = xstrndup(p, (size_t)(slash - p));
    *base = xstrdup(slash + 1);
  }
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

int eng_cp(const struct eng_cp_side *src, const struct eng_cp_side *dst, bool archive,
           tote_err **err) {
  unsigned flags = COPY_REPLACE | (archive ? COPY_OWNERS : 0);
  bool contents = ends_with(src->path, "/.") || strcmp(src->path, ".") == 0;
  _cleanup_free_ char *sdir = NULL, *sbase = NULL, *ddir = NULL, *dbase = NULL;
  split(src->path, &sdir, &sbase);
  split(dst->path, &ddir, &dbase);
  _cleanup_close_ int sparent = open_on(src, sdir, O_RDONLY | O_DIRECTORY);
  struct stat st;
  if (sparent < 0 || fstatat(sparent, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_sys(err, "%s", src->path);
  bool src_dir = S_ISDIR(st.st_mode);
  if (contents && !src_dir)
    return err_set(err, ENOTDIR, "%s: not a directory", src->path);
  _cleanup_close_ int dfd = open_on(dst, dst->path, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) { /* a directory: into it (its contents, for SRC/.) */
    if (!contents)
      return copy_entry_at(sparent, sbase, dfd, strcmp(sbase, ".") ? sbase : ".", flags, err);
    _cleanup_close_ int s = openat(sparent, sbase, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return s < 0 ? err_sys(err, "%s", src->path) : copy_tree_at(s, dfd, flags, err);
  }
  if (errno == ENOTDIR && src_dir)
    return err_set(err, ENOTDIR, "cannot copy the directory %s onto the file %s", src->path,
                   dst->path);
  if (errno != ENOTDIR && ends_with(dst->path, "/"))
    return err_set(err, ENOENT, "the destination directory %s does not exist", dst->path);
  _cleanup_close_ int dparent = open_on(dst, ddir, O_RDONLY | O_DIRECTORY);
  if (dparent < 0)
    return err_sys(err, "%s", ddir);
  return copy_entry_at(sparent, sbase, dparent, dbase, flags, err);
}
