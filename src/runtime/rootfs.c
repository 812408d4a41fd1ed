/* rootfs.c - prepare the rootfs, pivot into it, then mask and seal it.
 * See rootfs.h; the pieces are in mounts.c, mount_cgroup.c, devnodes.c,
 * mountfd.c and pathat.c. */
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/devnodes.h"
#include "runtime/mountfd.h"
#include "runtime/mountinfo.h"
#include "runtime/mounts.h"
#include "runtime/pathat.h"
#include "runtime/rootfs_syscalls.h"
#include "util/err.h"
#include "util/xalloc.h"

/* --- prepare --- */

static int set_root_propagation(const struct rt_config *c, tote_err **err) {
  unsigned long prop = c->rootfs_propagation ? c->rootfs_propagation : MS_SLAVE | MS_REC;
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    return err_sys(err, "setting the propagation of /");
  return 0;
}

/* Is `prefix` a mount point on the way to path ("/" is on every path)? */
static bool path_under(const char *path, const char *prefix) {
  size_t n = strlen(prefix);
  if (strcmp(prefix, "/") == 0)
    return true;
  return strncmp(path, prefix, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* pivot_root refuses a new root whose parent mount is shared, and a bind of
 * a shared mount is shared: make the mount that holds the rootfs private
 * before binding it (only when it is shared, so that the default rslave
 * keeps receiving the host's mounts). */
static int make_parent_private(const char *rootfs, tote_err **err) {
  __attribute__((cleanup(mountinfo_free))) struct mountinfo mi = {0};
  if (mountinfo_read(&mi, err) < 0)
    return -1;
  const struct mountinfo_entry *parent = NULL;
  for (size_t i = 0; i < mi.n; i++) {
    const struct mountinfo_entry *e = &mi.entries[i];
    if (path_under(rootfs, e->mountpoint) &&
        (parent == NULL || strlen(e->mountpoint) >= strlen(parent->mountpoint)))
      parent = e;
  }
  if (parent == NULL || !mountinfo_has_tag(parent->optional, "shared"))
    return 0;
  if (mount(NULL, parent->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
    return err_sys(err, "making %s private", parent->mountpoint);
  return 0;
}

static int bind_rootfs(const char *rootfs, tote_err **err) {
  _cleanup_close_ int host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int target = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (host_root < 0 || target < 0)
    return err_sys(err, "opening the rootfs %s", rootfs);
  struct mountfd_target t = {.rootfd = host_root, .path = rootfs, .fd = target};
  _cleanup_free_ char *msg = xasprintf("bind-mounting the rootfs %s onto itself", rootfs);
  _cleanup_close_ int mnt = mountfd_bind(AT_FDCWD, rootfs, true, NULL, NULL, &t, msg, err);
  return mnt < 0 ? -1 : 0;
}

/* The rootfs as it is now: a mount on "/" of it (or above it) is seen. */
static int open_rootfs(const char *rootfs, tote_err **err) {
  int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening the rootfs %s", rootfs);
  return fd;
}

static int do_mounts(const struct rootfs_ctx *ctx, tote_err **err) {
  for (size_t i = 0; i < ctx->config->n_mounts; i++) {
    _cleanup_close_ int rootfd = open_rootfs(ctx->rootfs, err);
    if (rootfd < 0 || mounts_do(ctx, rootfd, i, err) < 0)
      return -1;
  }
  return 0;
}

static int do_devices(const struct rootfs_ctx *ctx, tote_err **err) {
  if (!devnodes_needed(ctx->config))
    return 0;
  _cleanup_close_ int rootfd = open_rootfs(ctx->rootfs, err);
  if (rootfd < 0)
    return -1;
  if (devnodes_create(ctx, rootfd, err) < 0 || devnodes_symlinks(ctx, rootfd, err) < 0)
    return -1;
  return 0;
}

int rootfs_prepare(const struct rootfs_ctx *ctx, tote_err **err) {
  if (ctx->rootfs == NULL || ctx->rootfs[0] != '/')
    return err_set(err, 0, "preparing the rootfs: the rootfs path must be absolute");
  if (!ctx->config->ns[RT_NS_MNT].present)
    return err_set(err, 0,
                   "preparing the rootfs: the container has no mount namespace of its own");
  if (set_root_propagation(ctx->config, err) < 0 || make_parent_private(ctx->rootfs, err) < 0 ||
      bind_rootfs(ctx->rootfs, err) < 0)
    return err_wrap(err, "preparing the rootfs");
  if (do_mounts(ctx, err) < 0 || do_devices(ctx, err) < 0)
    return -1;
  return 0;
}

/* --- pivot --- */

/* runc's --no-pivot: move the rootfs mount onto "/" and chroot into it. */
static int move_root(int newroot, tote_err **err) {
  if (fchdir(newroot) < 0)
    return err_sys(err, "entering the rootfs");
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
    return err_sys(err, "moving the rootfs onto /");
  if (chroot(".") < 0)
    return err_sys(err, "chroot into the rootfs");
  return 0;
}

/* pivot_root(".", "."): the old root ends up mounted on top of the new one,
 * at "/"; detach it.  It is made rslave first so that unmounting it cannot
 * propagate to the host's mounts. */
static int pivot(int newroot, tote_err **err) {
  _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (oldroot < 0)
    return err_sys(err, "opening /");
  if (fchdir(newroot) < 0)
    return err_sys(err, "entering the rootfs");
  if (sys_pivot_root(".", ".") < 0)
    return err_sys(err, "pivot_root");
  if (fchdir(oldroot) < 0)
    return err_sys(err, "entering the old root");
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return err_sys(err, "making the old root rslave");
  if (umount2(".", MNT_DETACH) < 0)
    return err_sys(err, "detaching the old root");
  return 0;
}

int rootfs_pivot(const struct rootfs_ctx *ctx, bool no_pivot, tote_err **err) {
  _cleanup_close_ int newroot = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (newroot < 0)
    return err_sys(err, "opening the rootfs %s", ctx->rootfs);
  if ((no_pivot ? move_root(newroot, err) : pivot(newroot, err)) < 0)
    return err_wrap(err, "entering the rootfs %s", ctx->rootfs);
  if (chdir("/") < 0)
    return err_sys(err, "chdir /");
  return 0;
}

/* --- finalize --- */

/* The container's /dev/null, refused unless it really is the null device
 * (a symlink or another node there must not be bound over a masked path). */
static int open_dev_null(int rootfd, tote_err **err) {
  _cleanup_close_ int fd = pathat_open(rootfd, "/dev/null", O_PATH | O_NOFOLLOW);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return err_sys(err, "opening /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return err_set(err, 0, "/dev/null is not the null device (1:3)");
  return steal_fd(&fd);
}

static int mask_path(int rootfd, int *devnull, const char *path, tote_err **err) {
  _cleanup_close_ int fd = pathat_open(rootfd, path, O_PATH);
  if (fd < 0)
    return errno == ENOENT ? 0 : err_sys(err, "masking %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_sys(err, "masking %s", path);
  _cleanup_free_ char *msg = xasprintf("masking %s", path);
  struct mountfd_target t = {.rootfd = rootfd, .path = path, .fd = fd};
  _cleanup_close_ int mnt = -1;
  if (S_ISDIR(st.st_mode)) {
    mnt = mountfd_tmpfs_ro(&t, msg, err);
  } else {
    if (*devnull < 0 && (*devnull = open_dev_null(rootfd, err)) < 0)
      return err_wrap(err, "%s", msg);
    mnt = mountfd_bind(*devnull, "", false, NULL, NULL, &t, msg, err);
  }
  return mnt < 0 ? -1 : 0;
}

static int readonly_path(int rootfd, const char *path, tote_err **err) {
  _cleanup_close_ int fd = pathat_open(rootfd, path, O_PATH);
  if (fd < 0)
    return errno == ENOENT ? 0 : err_sys(err, "making %s read-only", path);
  _cleanup_free_ char *msg = xasprintf("making %s read-only", path);
  struct mountfd_target t = {.rootfd = rootfd, .path = path, .fd = fd};
  struct mount_attr ro = {
      .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
  _cleanup_close_ int mnt = mountfd_bind(fd, "", true, &ro, NULL, &t, msg, err);
  return mnt < 0 ? -1 : 0;
}

static int mask_paths(const struct rt_config *c, int rootfd, tote_err **err) {
  _cleanup_close_ int devnull = -1;
  for (char **p = c->masked_paths; p && *p; p++)
    if (mask_path(rootfd, &devnull, *p, err) < 0)
      return -1;
  return 0;
}

static int readonly_paths(const struct rt_config *c, int rootfd, tote_err **err) {
  for (char **p = c->readonly_paths; p && *p; p++)
    if (readonly_path(rootfd, *p, err) < 0)
      return -1;
  return 0;
}

static int seal_root(const struct rt_config *c, int rootfd, tote_err **err) {
  if (mountfd_propagate(rootfd, c->rootfs_propagation, "setting the propagation of /", err) < 0)
    return -1;
  if (!c->root_readonly)
    return 0;
  struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
  return mountfd_setattr(rootfd, false, &ro, "making / read-only", err);
}

int rootfs_finalize(const struct rootfs_ctx *ctx, tote_err **err) {
  _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_sys(err, "opening /");
  const struct rt_config *c = ctx->config;
  if (mask_paths(c, rootfd, err) < 0 || readonly_paths(c, rootfd, err) < 0 ||
      seal_root(c, rootfd, err) < 0)
    return -1;
  return 0;
}

/* --- console, and mount sources opened by the parent --- */

int rootfs_mount_console(int pty_fd, tote_err **err) {
  const char *msg = "mounting the console on /dev/console";
  _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_sys(err, "%s: opening /", msg);
  _cleanup_close_ int fd = pathat_mkfile(rootfd, "/dev/console", 0666);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return err_sys(err, "%s: creating the mount point", msg);
  if (S_ISDIR(st.st_mode))
    return err_set(err, 0, "%s: /dev/console is a directory", msg);
  struct mountfd_target t = {.rootfd = rootfd, .path = "/dev/console", .fd = fd};
  _cleanup_close_ int mnt = mountfd_bind(pty_fd, "", false, NULL, NULL, &t, msg, err);
  if (mnt < 0 && (*err)->errnum == EINVAL)
    return err_set(err, 0,
                   "%s: %s (a pty from outside the container's mount namespace? open it from "
                   "its /dev/ptmx after the pivot)",
                   msg, strerror(EINVAL));
  return mnt < 0 ? -1 : 0;
}

int rootfs_open_mount_source(const struct rt_config *c, const struct rt_mount *m,
                             tote_err **err) {
  _cleanup_free_ char *msg = mounts_describe(m);
  if (!(m->flags & MS_BIND))
    return err_set(err, 0, "%s: only a bind mount has a source to open", msg);
  return mounts_open_bind_tree(c, m, 0, msg, err);
}
