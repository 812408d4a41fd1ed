/* pathat.c - openat2(RESOLVE_IN_ROOT) and the component walk that stands in
 * for it, plus creating missing components inside the root.  See pathat.h. */
#include "runtime/pathat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rootfs_syscalls.h"
#include "util/xalloc.h"

bool pathat_force_enosys = false;

enum { MAX_SYMLINKS = 40, MAX_CREATE_RETRIES = 8 };

/* What the walk creates when a component is missing. */
enum walk_create { CREATE_NONE, CREATE_DIR, CREATE_FILE };

/* The directories walked so far; fds[0] is the root, fds[n-1] the current. */
struct dirstack {
  int *fds;
  size_t n, cap;
};

static void dirstack_free(struct dirstack *s) {
  for (size_t i = 0; i < s->n; i++)
    close(s->fds[i]);
  free(s->fds);
}

static void dirstack_push(struct dirstack *s, int fd) {
  if (s->n == s->cap)
    s->fds = xrealloc(s->fds, (s->cap = s->cap ? s->cap * 2 : 16) * sizeof *s->fds);
  s->fds[s->n++] = fd;
}

/* Back to `keep` entries (1 = the root only). */
static void dirstack_truncate(struct dirstack *s, size_t keep) {
  while (s->n > keep)
    close(s->fds[--s->n]);
}

static int dirstack_top(const struct dirstack *s) { return s->fds[s->n - 1]; }

/* A symlink's target, read through its O_PATH fd; NULL with errno. */
static char *read_link_fd(int fd) {
  char buf[PATH_MAX];
  ssize_t n = readlinkat(fd, "", buf, sizeof buf);
  if (n < 0)
    return NULL;
  if ((size_t)n >= sizeof buf) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  if (n == 0) {
    errno = ENOENT;
    return NULL;
  }
  return xstrndup(buf, (size_t)n);
}

/* Open flags that mean "an O_PATH fd is all the caller wants". */
static bool wants_only_opath(int flags) { return (flags & O_PATH) != 0; }

/* The last component, known not to be a symlink: hand out the O_PATH fd we
 * hold or reopen it, still without following, with the caller's flags. */
static int finish_last(int dirfd, const char *name, int fd, const struct stat *st, int flags) {
  if ((flags & O_DIRECTORY) && !S_ISDIR(st->st_mode)) {
    close(fd);
    errno = ENOTDIR;
    return -1;
  }
  if (wants_only_opath(flags))
    return fd;
  close(fd);
  return openat(dirfd, name, (flags & ~(O_CREAT | O_EXCL)) | O_NOFOLLOW | O_CLOEXEC);
}

/* The walk ended on a directory of the stack ("/", "a/..", "a/"). */
static int finish_dir(int dirfd, int flags) {
  return openat(dirfd, ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
}

static int create_missing(int dirfd, const char *name, bool as_dir, mode_t mode) {
  if (as_dir)
    return mkdirat(dirfd, name, mode);
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return -1;
  close(fd);
  return 0;
}

/* Where a walk is: the directories so far, and the rest of the path. */
struct walk {
  struct dirstack dirs;
  char *buf;        /* the path being walked (replaced when a symlink is met) */
  const char *rest; /* what is left of it, in buf */
  int links, retries;
};

static void walk_free(struct walk *w) {
  dirstack_free(&w->dirs);
  free(w->buf);
}

/* One component of w->rest.  *end is where it stops, *next where the one
 * after it starts; *last and *must_be_dir say what the path asks of it. */
struct component {
  char name[NAME_MAX + 1];
  const char *end, *next;
  bool last, must_be_dir;
};

static int next_component(const char *rest, struct component *c) {
  c->end = strchrnul(rest, '/');
  size_t len = (size_t)(c->end - rest);
  if (len > NAME_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(c->name, rest, len);
  c->name[len] = '\0';
  c->next = c->end;
  while (*c->next == '/')
    c->next++;
  c->last = *c->next == '\0';
  c->must_be_dir = !c->last || *c->end == '/';
  return 0;
}

/* A symlink met on the way: go on with its target followed by what came
 * after it, from the root for an absolute target. */
static int follow_link(struct walk *w, int fd, const struct component *c) {
  if (++w->links > MAX_SYMLINKS) {
    errno = ELOOP;
    return -1;
  }
  _cleanup_free_ char *target = read_link_fd(fd);
  if (target == NULL)
    return -1;
  if (target[0] == '/')
    dirstack_truncate(&w->dirs, 1);
  char *spliced = xasprintf("%s%s", target, c->end);
  free(w->buf);
  w->buf = spliced;
  w->rest = w->buf;
  return 0;
}

/* Resolve path under rootfd one component at a time.  `create` says what to
 * make of a missing component (intermediate ones are always directories). */
static int walk(int rootfd, const char *path, int flags, mode_t mode, enum walk_create create) {
  __attribute__((cleanup(walk_free))) struct walk w = {.buf = xstrdup(path)};
  int root = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
  if (root < 0)
    return -1;
  dirstack_push(&w.dirs, root);
  w.rest = w.buf;

  for (;;) {
    while (*w.rest == '/')
      w.rest++;
    if (*w.rest == '\0')
      return finish_dir(dirstack_top(&w.dirs), flags);
    struct component c;
    if (next_component(w.rest, &c) < 0)
      return -1;
    if (strcmp(c.name, ".") == 0 || strcmp(c.name, "..") == 0) {
      if (c.name[1] == '.') /* ".." of the root is the root */
        dirstack_truncate(&w.dirs, w.dirs.n > 1 ? w.dirs.n - 1 : 1);
      w.rest = c.next;
      continue;
    }

    int dirfd = dirstack_top(&w.dirs);
    _cleanup_close_ int fd = openat(dirfd, c.name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create != CREATE_NONE) {
      if (w.retries++ >= MAX_CREATE_RETRIES)
        return -1;
      bool as_dir = c.must_be_dir || create == CREATE_DIR;
      if (create_missing(dirfd, c.name, as_dir, c.last ? mode : 0755) < 0 && errno != EEXIST)
        return -1;
      continue; /* look at the same component again */
    }
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) < 0)
      return -1;
    w.retries = 0;

    if (S_ISLNK(sb.st_mode)) {
      if (c.last && (flags & O_NOFOLLOW) && !c.must_be_dir) {
        if (wants_only_opath(flags))
          return steal_fd(&fd);
        errno = ELOOP;
        return -1;
      }
      if (follow_link(&w, fd, &c) < 0)
        return -1;
      continue;
    }
    if (c.must_be_dir && !S_ISDIR(sb.st_mode)) {
      errno = ENOTDIR;
      return -1;
    }
    if (c.last)
      return finish_last(dirfd, c.name, steal_fd(&fd), &sb, flags);
    dirstack_push(&w.dirs, steal_fd(&fd));
    w.rest = c.next;
  }
}

int pathat_walk(int rootfd, const char *path, int flags) {
  return walk(rootfd, path, flags, 0, CREATE_NONE);
}

static int openat2_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  /* EAGAIN: a rename or mount raced with the lookup; the kernel asks us to retry. */
  for (int i = 0; i < 32; i++) {
    int fd = sys_openat2(rootfd, path, &how);
    if (fd >= 0 || errno != EAGAIN)
      return fd;
  }
  return -1;
}

int pathat_open(int rootfd, const char *path, int flags) {
  static bool no_openat2 = false;
  if (!pathat_force_enosys && !no_openat2) {
    int fd = openat2_in_root(rootfd, path, flags);
    if (fd >= 0 || errno != ENOSYS)
      return fd;
    no_openat2 = true;
  }
  return walk(rootfd, path, flags, 0, CREATE_NONE);
}

/* Open path; if it is missing, create what is missing with the walk and open
 * it again through pathat_open, so that the fd handed out always comes from
 * the same resolution as everything else. */
static int open_or_create(int rootfd, const char *path, int flags, mode_t mode,
                          enum walk_create create) {
  int fd = pathat_open(rootfd, path, flags);
  if (fd >= 0 || errno != ENOENT)
    return fd;
  _cleanup_close_ int made = walk(rootfd, path, O_PATH, mode, create);
  if (made < 0)
    return -1;
  return pathat_open(rootfd, path, flags);
}

int pathat_mkdir_all(int rootfd, const char *path, mode_t mode) {
  return open_or_create(rootfd, path, O_PATH | O_DIRECTORY, mode, CREATE_DIR);
}

int pathat_mkfile(int rootfd, const char *path, mode_t mode) {
  return open_or_create(rootfd, path, O_PATH, mode, CREATE_FILE);
}

int pathat_open_parent(int rootfd, const char *path, bool create, char **base) {
  _cleanup_free_ char *dir = xstrdup(path);
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/')
    dir[--len] = '\0';
  char *slash = strrchr(dir, '/');
  const char *name = slash ? slash + 1 : dir;
  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    errno = EINVAL;
    return -1;
  }
  _cleanup_free_ char *last = xstrdup(name);
  if (slash)
    slash[1] = '\0';
  else
    strcpy(dir, "/");
  int fd = create ? pathat_mkdir_all(rootfd, dir, 0755)
                  : pathat_open(rootfd, dir, O_PATH | O_DIRECTORY);
  if (fd >= 0)
    *base = steal_ptr(&last);
  return fd;
}

int pathat_fchmod(int fd, mode_t mode) {
  if (sys_fchmodat2(fd, "", mode, AT_EMPTY_PATH) == 0)
    return 0;
  if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
    return -1;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  return chmod(proc, mode);
}
