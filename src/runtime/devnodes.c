/* devnodes.c - mknod or bind-mount the container's devices; the /dev
 * symlinks.  See devnodes.h. */
#include "runtime/devnodes.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/mountfd.h"
#include "runtime/mounts.h"
#include "runtime/pathat.h"
#include "runtime/rootfs.h"
#include "util/err.h"
#include "util/xalloc.h"

#define DEFAULT_DEVICE(p, maj, min)                                                              \
  {.path = (char *)(p), .type = 'c', .major = (maj), .minor = (min), .has_mode = true,          \
   .file_mode = 0666, .has_uid = true, .uid = 0, .has_gid = true, .gid = 0}

static const struct rt_device default_devices[] = {
    DEFAULT_DEVICE("/dev/null", 1, 3),    DEFAULT_DEVICE("/dev/zero", 1, 5),
    DEFAULT_DEVICE("/dev/full", 1, 7),    DEFAULT_DEVICE("/dev/random", 1, 8),
    DEFAULT_DEVICE("/dev/urandom", 1, 9), DEFAULT_DEVICE("/dev/tty", 5, 0),
};

const struct rt_device *devnodes_defaults(size_t *n) {
  *n = sizeof default_devices / sizeof default_devices[0];
  return default_devices;
}

mode_t devnodes_file_type(char type) {
  switch (type) {
  case 'c':
  case 'u':
    return S_IFCHR;
  case 'b':
    return S_IFBLK;
  case 'p':
    return S_IFIFO;
  default:
    return 0;
  }
}

bool devnodes_needed(const struct rt_config *c) {
  for (size_t i = 0; i < c->n_mounts; i++)
    if (mounts_is_dev_bind(&c->mounts[i]))
      return false;
  return true;
}

/* --- one device --- */

static dev_t device_rdev(const struct rt_device *d) {
  return d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
}

static bool is_same_device(const struct stat *st, mode_t type, dev_t rdev) {
  return (st->st_mode & S_IFMT) == type && (type == S_IFIFO || st->st_rdev == rdev);
}

static int set_owner(int fd, const struct rt_device *d, const char *msg, tote_err **err) {
  if (!d->has_uid && !d->has_gid)
    return 0;
  uid_t uid = d->has_uid ? d->uid : (uid_t)-1;
  gid_t gid = d->has_gid ? d->gid : (gid_t)-1;
  if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
    return err_sys(err, "%s: chown", msg);
  return 0;
}

/* mknod, or check what is already there; then mode and owner. */
static int device_mknod(int dirfd, const char *name, const struct rt_device *d, const char *msg,
                        tote_err **err) {
  mode_t type = devnodes_file_type(d->type);
  mode_t perm = d->has_mode ? d->file_mode & 07777 : 0666;
  dev_t rdev = device_rdev(d);
  mode_t old = umask(0);
  int r = mknodat(dirfd, name, type | perm, rdev);
  umask(old);
  if (r < 0 && errno != EEXIST)
    return err_sys(err, "%s", msg);
  _cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return err_sys(err, "%s: opening it", msg);
  if (!is_same_device(&st, type, rdev))
    return err_set(err, 0, "%s: a file that is not this device is in the way", msg);
  if ((st.st_mode & 07777) != perm && pathat_fchmod(fd, perm) < 0)
    return err_sys(err, "%s: chmod", msg);
  return set_owner(fd, d, msg, err);
}

/* An empty file with the host's node at the same path bound over it. */
static int device_bind(int rootfd, int dirfd, const char *name, const struct rt_device *d,
                       const char *msg, tote_err **err) {
  _cleanup_close_ int made =
      openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (made < 0 && errno != EEXIST)
    return err_sys(err, "%s: creating the mount point", msg);
  _cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return err_sys(err, "%s: opening the mount point", msg);
  mode_t type = devnodes_file_type(d->type);
  if (!S_ISREG(st.st_mode) && !is_same_device(&st, type, device_rdev(d)))
    return err_set(err, 0, "%s: a file that is not this device is in the way", msg);
  struct mountfd_target t = {.rootfd = rootfd, .path = d->path, .fd = fd};
  _cleanup_free_ char *bmsg = xasprintf("%s: binding %s from the host", msg, d->path);
  _cleanup_close_ int mnt = mountfd_bind(AT_FDCWD, d->path, false, NULL, NULL, &t, bmsg, err);
  return mnt < 0 ? -1 : 0;
}

static int device_create(const struct rootfs_ctx *ctx, int rootfd, const struct rt_device *d,
                         tote_err **err) {
  _cleanup_free_ char *msg = xasprintf("creating device %s", d->path ? d->path : "(no path)");
  if (d->path == NULL || devnodes_file_type(d->type) == 0)
    return err_set(err, 0, "%s: bad path or type '%c'", msg, d->type ? d->type : '?');
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dirfd = pathat_open_parent(rootfd, d->path, true, &name);
  if (dirfd < 0)
    return err_sys(err, "%s: creating its directory", msg);
  if (ctx->in_new_userns && d->type != 'p')
    return device_bind(rootfd, dirfd, name, d, msg, err);
  return device_mknod(dirfd, name, d, msg, err);
}

int devnodes_create(const struct rootfs_ctx *ctx, int rootfd, tote_err **err) {
  size_t n;
  const struct rt_device *defaults = devnodes_defaults(&n);
  for (size_t i = 0; i < n; i++)
    if (device_create(ctx, rootfd, &defaults[i], err) < 0)
      return -1;
  const struct rt_config *c = ctx->config;
  for (size_t i = 0; i < c->n_devices; i++)
    if (device_create(ctx, rootfd, &c->devices[i], err) < 0)
      return -1;
  return 0;
}

/* --- symlinks --- */

static bool has_mount(const struct rt_config *c, const char *type, const char *dest) {
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct rt_mount *m = &c->mounts[i];
    if (m->type && strcmp(m->type, type) == 0 && mounts_same_path(m->destination, dest))
      return true;
  }
  return false;
}

static int link_keep(int devfd, const char *name, const char *target, tote_err **err) {
  if (symlinkat(target, devfd, name) < 0 && errno != EEXIST)
    return err_sys(err, "creating the symlink /dev/%s", name);
  return 0;
}

/* /dev/ptmx must be the symlink: whatever else is there goes. */
static int link_replace(int devfd, const char *name, const char *target, tote_err **err) {
  char buf[64];
  ssize_t n = readlinkat(devfd, name, buf, sizeof buf - 1);
  if (n >= 0 && (size_t)n == strlen(target) && memcmp(buf, target, (size_t)n) == 0)
    return 0;
  if (unlinkat(devfd, name, 0) < 0 && errno != ENOENT)
    return err_sys(err, "removing /dev/%s", name);
  if (symlinkat(target, devfd, name) < 0)
    return err_sys(err, "creating the symlink /dev/%s", name);
  return 0;
}

int devnodes_symlinks(const struct rootfs_ctx *ctx, int rootfd, tote_err **err) {
  static const struct {
    const char *name, *target;
  } links[] = {
      {"fd", "/proc/self/fd"},
      {"stdin", "/proc/self/fd/0"},
      {"stdout", "/proc/self/fd/1"},
      {"stderr", "/proc/self/fd/2"},
  };
  _cleanup_close_ int devfd = pathat_mkdir_all(rootfd, "/dev", 0755);
  if (devfd < 0)
    return err_sys(err, "creating /dev");
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (link_keep(devfd, links[i].name, links[i].target, err) < 0)
      return -1;
  const struct rt_config *c = ctx->config;
  if (has_mount(c, "proc", "/proc") && link_keep(devfd, "core", "/proc/kcore", err) < 0)
    return -1;
  if (has_mount(c, "devpts", "/dev/pts") && link_replace(devfd, "ptmx", "pts/ptmx", err) < 0)
    return -1;
  return 0;
}
