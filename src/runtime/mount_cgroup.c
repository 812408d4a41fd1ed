/* mount_cgroup.c - the "cgroup" mount type.  See mount_cgroup.h. */
#include "runtime/mount_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/mountfd.h"
#include "runtime/mountinfo.h"
#include "runtime/mounts.h"
#include "runtime/pathat.h"
#include "runtime/rootfs.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define HOST_CGROUP_DIR "/sys/fs/cgroup"

/* --- pure helpers --- */

/* Are all items of the comma list `items` in the comma list `list`? */
static bool all_in(const char *items, const char *list) {
  _cleanup_free_ char *copy = xstrdup(items);
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
    if (!mountinfo_has_option(list, t))
      return false;
  return true;
}

static bool line_matches(const char *ctrls, const char *super) {
  if (super == NULL)
    return *ctrls == '\0';
  return *ctrls != '\0' && all_in(ctrls, super);
}

int mount_cgroup_self(const char *text, const char *super, char **controllers, char **path) {
  for (const char *line = text; line && *line;) {
    const char *eol = strchrnul(line, '\n');
    _cleanup_free_ char *copy = xstrndup(line, (size_t)(eol - line));
    line = *eol ? eol + 1 : NULL;
    char *c1 = strchr(copy, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
      continue;
    *c2 = '\0';
    if (line_matches(c1 + 1, super)) {
      *controllers = xstrdup(c1 + 1);
      *path = xstrdup(c2 + 1);
      return 0;
    }
  }
  errno = ENOENT;
  return -1;
}

char *mount_cgroup_host_dir(const char *mountpoint, const char *mount_root, const char *path) {
  size_t rl = strlen(mount_root);
  while (rl > 0 && mount_root[rl - 1] == '/')
    rl--;
  if (rl > 0 && (strncmp(path, mount_root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))) {
    errno = EXDEV;
    return NULL;
  }
  const char *rest = path + rl;
  while (*rest == '/')
    rest++;
  return *rest ? xasprintf("%s/%s", mountpoint, rest) : xstrdup(mountpoint);
}

/* --- where the container's cgroup is --- */

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The host directory to bind for the hierarchy mounted at e. */
static char *container_dir(const struct rootfs_ctx *ctx, const struct mountinfo_entry *e,
                           const char *self_path) {
  if (ctx->cgroup_path) {
    _cleanup_free_ char *dir = mount_cgroup_host_dir(e->mountpoint, e->root, ctx->cgroup_path);
    if (dir && is_dir(dir))
      return steal_ptr(&dir);
  }
  return mount_cgroup_host_dir(e->mountpoint, e->root, self_path);
}

/* --- mounting --- */

static void flags_attr(const struct rootfs_ctx *ctx, const struct rt_mount *m, const char *src,
                       struct mount_attr *a) {
  unsigned long locked = 0;
  struct statvfs sv;
  if (ctx->in_new_userns && statvfs(src, &sv) == 0)
    locked = mountfd_ms_from_statvfs(sv.f_flag);
  mountfd_attr_from_ms(m->flags & MOUNTFD_MS_PER_MOUNT, m->clear & MOUNTFD_MS_PER_MOUNT, locked,
                       a);
}

/* rro, rnosuid...: to the whole cgroup mount, once it is complete. */
static int apply_rec_attr(int mnt, const struct rt_mount *m, const char *msg, tote_err **err) {
  struct mount_attr rec;
  mountfd_rec_attr(m->rec_attr_set, m->rec_attr_clr, m->rro, &rec);
  return mountfd_setattr(mnt, true, &rec, msg, err);
}

/* One hierarchy, at dest (inside the rootfs): a new cgroup(2) mount or a bind
 * of the container's directory.  Returns an fd of the new mount. */
static int mount_hierarchy(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                           const struct mountinfo_entry *e, const char *self, const char *dest,
                           const char *msg, tote_err **err) {
  bool v2 = strcmp(e->fstype, "cgroup2") == 0;
  _cleanup_free_ char *ctrls = NULL, *path = NULL;
  if (mount_cgroup_self(self, v2 ? NULL : e->super, &ctrls, &path) < 0)
    return err_set(err, 0, "%s: %s is not in /proc/self/cgroup", msg, e->mountpoint);
  _cleanup_close_ int target = pathat_mkdir_all(rootfd, dest, 0755);
  if (target < 0)
    return err_sys(err, "%s: creating %s", msg, dest);
  struct mountfd_target t = {.rootfd = rootfd, .path = dest, .fd = target};
  if (ctx->new_cgroupns)
    return mountfd_new(v2 ? "cgroup2" : "cgroup", v2 ? "cgroup2" : "cgroup", m->flags,
                       v2 ? m->data : ctrls, &t, msg, err);
  _cleanup_free_ char *dir = container_dir(ctx, e, path);
  if (dir == NULL)
    return err_sys(err, "%s: the cgroup %s is outside of the mount of %s", msg, path,
                   e->mountpoint);
  struct mount_attr a;
  flags_attr(ctx, m, dir, &a);
  return mountfd_bind(AT_FDCWD, dir, false, &a, NULL, &t, msg, err);
}

int mount_cgroup_v2(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                      const char *host_dir, tote_err **err) {
  _cleanup_free_ char *msg = mounts_describe(m);
  __attribute__((cleanup(mountinfo_free))) struct mountinfo mi = {0};
  if (mountinfo_read(&mi, err) < 0)
    return err_wrap(err, "%s", msg);
  const struct mountinfo_entry *e = mountinfo_by_mountpoint(&mi, host_dir);
  if (e == NULL || strcmp(e->fstype, "cgroup2") != 0)
    return err_set(err, 0, "%s: no cgroup2 hierarchy at %s", msg, host_dir);
  _cleanup_free_ char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, err);
  if (self == NULL)
    return err_wrap(err, "%s", msg);
  _cleanup_close_ int mnt = mount_hierarchy(ctx, rootfd, m, e, self, m->destination, msg, err);
  if (mnt < 0 || apply_rec_attr(mnt, m, msg, err) < 0)
    return -1;
  return mountfd_propagate(mnt, m->propagation, msg, err);
}

/* "cpu" -> "cpu,cpuacct" and "cpuacct" -> "cpu,cpuacct", next to it. */
static int comount_symlinks(int dirfd, const char *name, const char *msg, tote_err **err) {
  if (strchr(name, ',') == NULL)
    return 0;
  _cleanup_free_ char *copy = xstrdup(name);
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (strncmp(t, "name=", 5) == 0)
      continue;
    if (symlinkat(name, dirfd, t) < 0 && errno != EEXIST)
      return err_sys(err, "%s: creating the symlink %s", msg, t);
  }
  return 0;
}

/* A hierarchy mounted directly in /sys/fs/cgroup, and the topmost there. */
static bool is_host_hierarchy(const struct mountinfo *mi, const struct mountinfo_entry *e) {
  if (strcmp(e->fstype, "cgroup") != 0 && strcmp(e->fstype, "cgroup2") != 0)
    return false;
  const char *slash = strrchr(e->mountpoint, '/');
  size_t plen = sizeof HOST_CGROUP_DIR - 1;
  return slash == e->mountpoint + plen && strncmp(e->mountpoint, HOST_CGROUP_DIR, plen) == 0 &&
         slash[1] != '\0' && mountinfo_by_mountpoint(mi, e->mountpoint) == e;
}

static int mount_hierarchies(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                             const char *msg, tote_err **err) {
  __attribute__((cleanup(mountinfo_free))) struct mountinfo mi = {0};
  if (mountinfo_read(&mi, err) < 0)
    return err_wrap(err, "%s", msg);
  _cleanup_free_ char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, err);
  if (self == NULL)
    return err_wrap(err, "%s", msg);
  _cleanup_close_ int dirfd = pathat_open(rootfd, m->destination, O_PATH | O_DIRECTORY);
  if (dirfd < 0)
    return err_sys(err, "%s: reopening the tmpfs", msg);
  for (size_t i = 0; i < mi.n; i++) {
    const struct mountinfo_entry *e = &mi.entries[i];
    if (!is_host_hierarchy(&mi, e))
      continue;
    const char *name = strrchr(e->mountpoint, '/') + 1;
    _cleanup_free_ char *dest = xasprintf("%s/%s", m->destination, name);
    _cleanup_free_ char *sub = xasprintf("%s: %s", msg, name);
    _cleanup_close_ int mnt = mount_hierarchy(ctx, rootfd, m, e, self, dest, sub, err);
    if (mnt < 0 || comount_symlinks(dirfd, name, sub, err) < 0)
      return -1;
  }
  return 0;
}

/* cgroup v1 or hybrid: a tmpfs holding one mount per hierarchy. */
static int mount_cgroup_v1(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                             const char *msg, tote_err **err) {
  _cleanup_close_ int target = pathat_mkdir_all(rootfd, m->destination, 0755);
  if (target < 0)
    return err_sys(err, "%s: creating the mount point", msg);
  struct mountfd_target t = {.rootfd = rootfd, .path = m->destination, .fd = target};
  unsigned long flags = m->flags & MOUNTFD_MS_PER_MOUNT & ~(unsigned long)MS_RDONLY;
  _cleanup_close_ int tmpfs = mountfd_new("tmpfs", "tmpfs", flags, "mode=755", &t, msg, err);
  if (tmpfs < 0)
    return -1;
  if (mount_hierarchies(ctx, rootfd, m, msg, err) < 0)
    return -1;
  if (m->flags & MS_RDONLY) {
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mountfd_setattr(tmpfs, false, &ro, msg, err) < 0)
      return -1;
  }
  if (apply_rec_attr(tmpfs, m, msg, err) < 0)
    return -1;
  return mountfd_propagate(tmpfs, m->propagation, msg, err);
}

int mount_cgroup(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                   tote_err **err) {
  _cleanup_free_ char *msg = mounts_describe(m);
  struct statfs sfs;
  if (statfs(HOST_CGROUP_DIR, &sfs) < 0)
    return err_sys(err, "%s: %s", msg, HOST_CGROUP_DIR);
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    return mount_cgroup_v2(ctx, rootfd, m, HOST_CGROUP_DIR, err);
  return mount_cgroup_v1(ctx, rootfd, m, msg, err);
}
