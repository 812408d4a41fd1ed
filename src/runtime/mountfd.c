/* mountfd.c - binds, new filesystems, flags and propagation, all onto file
 * descriptors, with the new mount API and a mount(2) fallback.  See
 * mountfd.h. */
#include "runtime/mountfd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "runtime/pathat.h"
#include "runtime/rootfs_syscalls.h"
#include "util/err.h"
#include "util/xalloc.h"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

#define MS_PROPAGATION (MS_PRIVATE | MS_SHARED | MS_SLAVE | MS_UNBINDABLE)

bool mountfd_force_legacy = false;

bool mountfd_have_new_api(void) {
  static int state; /* 0 unknown, 1 there, -1 missing */
  if (mountfd_force_legacy)
    return false;
  if (state == 0) {
    int saved = errno;
    struct mount_attr a = {0};
    state = sys_mount_setattr(-1, "", AT_EMPTY_PATH, &a) < 0 && errno == ENOSYS ? -1 : 1;
    errno = saved;
  }
  return state > 0;
}

/* --- pure translations --- */

static const struct {
  unsigned long ms;
  uint64_t attr;
  unsigned long st;
} flag_table[] = {
    {MS_RDONLY, MOUNT_ATTR_RDONLY, ST_RDONLY},
    {MS_NOSUID, MOUNT_ATTR_NOSUID, ST_NOSUID},
    {MS_NODEV, MOUNT_ATTR_NODEV, ST_NODEV},
    {MS_NOEXEC, MOUNT_ATTR_NOEXEC, ST_NOEXEC},
    {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME, ST_NODIRATIME},
    {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW, ST_NOSYMFOLLOW},
};

#define FLAG_TABLE_LEN (sizeof flag_table / sizeof flag_table[0])

/* The atime mode an MS_* set asks for; false if it names none. */
static bool atime_mode(unsigned long ms, uint64_t *mode) {
  if (ms & MS_NOATIME)
    *mode = MOUNT_ATTR_NOATIME;
  else if (ms & MS_STRICTATIME)
    *mode = MOUNT_ATTR_STRICTATIME;
  else if (ms & MS_RELATIME)
    *mode = MOUNT_ATTR_RELATIME;
  else
    return false;
  return true;
}

void mountfd_attr_from_ms(unsigned long set, unsigned long clear, unsigned long locked,
                          struct mount_attr *out) {
  memset(out, 0, sizeof *out);
  clear &= ~locked;
  for (size_t i = 0; i < FLAG_TABLE_LEN; i++) {
    if (set & flag_table[i].ms)
      out->attr_set |= flag_table[i].attr;
    else if (clear & flag_table[i].ms)
      out->attr_clr |= flag_table[i].attr;
  }
  uint64_t mode;
  if (atime_mode(set, &mode)) {
    out->attr_clr |= MOUNT_ATTR__ATIME;
    out->attr_set |= mode;
  } else if ((clear & MOUNTFD_MS_ATIME) && !(locked & (MS_NOATIME | MS_STRICTATIME))) {
    /* "atime", "norelatime", "nostrictatime": back to the kernel's default. */
    out->attr_clr |= MOUNT_ATTR__ATIME;
    out->attr_set |= MOUNT_ATTR_RELATIME;
  }
}

unsigned long mountfd_ms_from_statvfs(unsigned long f_flag) {
  unsigned long ms = 0;
  for (size_t i = 0; i < FLAG_TABLE_LEN; i++)
    if (f_flag & flag_table[i].st)
      ms |= flag_table[i].ms;
  if (f_flag & ST_NOATIME)
    ms |= MS_NOATIME;
  else if (f_flag & ST_RELATIME)
    ms |= MS_RELATIME;
  else
    ms |= MS_STRICTATIME;
  return ms;
}

unsigned long mountfd_ms_apply(unsigned long cur, const struct mount_attr *attr) {
  unsigned long ms = cur;
  for (size_t i = 0; i < FLAG_TABLE_LEN; i++) {
    if (attr->attr_clr & flag_table[i].attr)
      ms &= ~flag_table[i].ms;
    if (attr->attr_set & flag_table[i].attr)
      ms |= flag_table[i].ms;
  }
  if (attr->attr_clr & MOUNT_ATTR__ATIME) {
    ms &= ~(unsigned long)MOUNTFD_MS_ATIME;
    uint64_t mode = attr->attr_set & MOUNT_ATTR__ATIME;
    ms |= mode == MOUNT_ATTR_NOATIME       ? MS_NOATIME
          : mode == MOUNT_ATTR_STRICTATIME ? MS_STRICTATIME
                                           : MS_RELATIME;
  }
  return ms;
}

void mountfd_rec_attr(uint64_t set, uint64_t clr, bool rro, struct mount_attr *out) {
  memset(out, 0, sizeof *out);
  out->attr_set = set | (rro ? MOUNT_ATTR_RDONLY : 0);
  out->attr_clr = clr & ~out->attr_set;
  if (out->attr_set & MOUNT_ATTR__ATIME) {
    out->attr_clr |= MOUNT_ATTR__ATIME;
  } else if (out->attr_clr & MOUNT_ATTR__ATIME) {
    out->attr_clr |= MOUNT_ATTR__ATIME;
    out->attr_set |= MOUNT_ATTR_RELATIME;
  }
}

static bool attr_empty(const struct mount_attr *a) {
  return a == NULL || (a->attr_set == 0 && a->attr_clr == 0);
}

/* --- the mount(2) path --- */

/* "/proc/self/fd/N" for mount(2), once /proc is known to be procfs. */
static int procfd_path(int fd, char *buf, size_t len, const char *ctx, tote_err **err) {
  struct statfs sfs;
  if (statfs("/proc/self/fd", &sfs) < 0)
    return err_sys(err, "%s: /proc/self/fd", ctx);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return err_set(err, 0, "%s: /proc is not procfs", ctx);
  snprintf(buf, len, "/proc/self/fd/%d", fd);
  return 0;
}

/* After mount(2) onto a target fd, that fd still names what is under the new
 * mount: resolve the path again to reach the new mount. */
static int reopen_target(const struct mountfd_target *t, const char *ctx, tote_err **err) {
  int fd = pathat_open(t->rootfd, t->path, O_PATH);
  if (fd < 0)
    return err_sys(err, "%s: reopening the mount point", ctx);
  return fd;
}

/* A bind remount to the flags that attr asks for, keeping all others. */
static int legacy_setattr(int mfd, bool recursive, const struct mount_attr *attr, const char *ctx,
                          tote_err **err) {
  if (recursive)
    return err_set(err, 0, "%s: recursive mount options (rro, rnosuid...) need mount_setattr "
                           "(Linux 5.12)", ctx);
  if (attr->attr_set & MOUNT_ATTR_IDMAP)
    return err_set(err, 0, "%s: idmapped mounts need mount_setattr (Linux 5.12)", ctx);
  struct statvfs sv;
  if (fstatvfs(mfd, &sv) < 0)
    return err_sys(err, "%s: reading the mount flags", ctx);
  unsigned long cur = mountfd_ms_from_statvfs(sv.f_flag);
  unsigned long want = mountfd_ms_apply(cur, attr);
  if (want == cur)
    return 0;
  char path[64];
  if (procfd_path(mfd, path, sizeof path, ctx, err) < 0)
    return -1;
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | want, NULL) < 0)
    return err_sys(err, "%s: remounting with the mount flags", ctx);
  return 0;
}

static int legacy_bind(int dirfd, const char *path, bool recursive, const struct mount_attr *attr,
                       const struct mount_attr *rec_attr, const struct mountfd_target *t,
                       const char *ctx, tote_err **err) {
  if (!attr_empty(rec_attr))
    return err_set(err, 0, "%s: recursive mount options (rro, rnosuid...) need mount_setattr "
                           "(Linux 5.12)", ctx);
  char src[64], dst[64];
  if (*path == '\0' && procfd_path(dirfd, src, sizeof src, ctx, err) < 0)
    return -1;
  if (procfd_path(t->fd, dst, sizeof dst, ctx, err) < 0)
    return -1;
  if (mount(*path ? path : src, dst, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
    return err_sys(err, "%s", ctx);
  _cleanup_close_ int fd = reopen_target(t, ctx, err);
  if (fd < 0)
    return -1;
  if (!attr_empty(attr) && legacy_setattr(fd, false, attr, ctx, err) < 0)
    return -1;
  return steal_fd(&fd);
}

/* --- operations --- */

int mountfd_open_tree(int dirfd, const char *path, const struct mountfd_tree_opts *o,
                      const char *ctx, tote_err **err) {
  if (!mountfd_have_new_api())
    return err_set(err, 0, "%s: cloning the source needs open_tree (Linux 5.12)", ctx);
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->recursive ? AT_RECURSIVE : 0) |
                       (*path ? 0 : AT_EMPTY_PATH);
  _cleanup_close_ int tree = sys_open_tree(dirfd, path, flags);
  if (tree < 0)
    return err_sys(err, "%s", ctx);
  if (o->userns_fd >= 0) {
    struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)o->userns_fd};
    unsigned int at = AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0);
    if (sys_mount_setattr(tree, "", at, &a) < 0)
      return err_sys(err, "%s: idmapping the mount", ctx);
  }
  if (!attr_empty(o->attr)) {
    struct mount_attr a = *o->attr;
    if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a) < 0)
      return err_sys(err, "%s: setting the mount flags", ctx);
  }
  if (!attr_empty(o->rec_attr)) {
    struct mount_attr a = *o->rec_attr;
    if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a) < 0)
      return err_sys(err, "%s: setting the recursive mount flags", ctx);
  }
  return steal_fd(&tree);
}

int mountfd_attach(int tree, const struct mountfd_target *t, const char *ctx, tote_err **err) {
  if (sys_move_mount(tree, "", t->fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return err_sys(err, "%s", ctx);
  /* The tree's fd now names the attached mount. */
  int fd = fcntl(tree, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return err_sys(err, "%s: dup", ctx);
  return fd;
}

int mountfd_bind(int dirfd, const char *path, bool recursive, const struct mount_attr *attr,
                 const struct mount_attr *rec_attr, const struct mountfd_target *t,
                 const char *ctx, tote_err **err) {
  if (!mountfd_have_new_api())
    return legacy_bind(dirfd, path, recursive, attr, rec_attr, t, ctx, err);
  struct mountfd_tree_opts o = {
      .recursive = recursive, .attr = attr, .rec_attr = rec_attr, .userns_fd = -1};
  _cleanup_close_ int tree = mountfd_open_tree(dirfd, path, &o, ctx, err);
  if (tree < 0)
    return -1;
  return mountfd_attach(tree, t, ctx, err);
}

int mountfd_new(const char *source, const char *fstype, unsigned long flags, const char *data,
                const struct mountfd_target *t, const char *ctx, tote_err **err) {
  char dst[64];
  if (procfd_path(t->fd, dst, sizeof dst, ctx, err) < 0)
    return -1;
  flags &= ~(unsigned long)(MS_BIND | MS_REC | MS_PROPAGATION);
  if (mount(source ? source : fstype, dst, fstype, flags, data) < 0)
    return err_sys(err, "%s", ctx);
  return reopen_target(t, ctx, err);
}

int mountfd_tmpfs_ro(const struct mountfd_target *t, const char *ctx, tote_err **err) {
  const unsigned long ms = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (!mountfd_have_new_api())
    return mountfd_new("tmpfs", "tmpfs", ms, NULL, t, ctx, err);
  _cleanup_close_ int fs = sys_fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0)
    return err_sys(err, "%s: fsopen", ctx);
  if (sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return err_sys(err, "%s: creating the filesystem", ctx);
  _cleanup_close_ int mnt = sys_fsmount(
      fs, FSMOUNT_CLOEXEC,
      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0)
    return err_sys(err, "%s: fsmount", ctx);
  return mountfd_attach(mnt, t, ctx, err);
}

int mountfd_setattr(int mfd, bool recursive, const struct mount_attr *attr, const char *ctx,
                    tote_err **err) {
  if (attr_empty(attr))
    return 0;
  if (!mountfd_have_new_api())
    return legacy_setattr(mfd, recursive, attr, ctx, err);
  struct mount_attr a = *attr;
  if (sys_mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a) < 0)
    return err_sys(err, "%s: setting the mount flags", ctx);
  return 0;
}

int mountfd_propagate(int mfd, unsigned long propagation, const char *ctx, tote_err **err) {
  unsigned long type = propagation & MS_PROPAGATION;
  if (type == 0)
    return 0;
  bool recursive = (propagation & MS_REC) != 0;
  if (mountfd_have_new_api()) {
    struct mount_attr a = {.propagation = type};
    if (sys_mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a) < 0)
      return err_sys(err, "%s: setting the propagation", ctx);
    return 0;
  }
  char path[64];
  if (procfd_path(mfd, path, sizeof path, ctx, err) < 0)
    return -1;
  if (mount(NULL, path, NULL, type | (recursive ? MS_REC : 0), NULL) < 0)
    return err_sys(err, "%s: setting the propagation", ctx);
  return 0;
}
