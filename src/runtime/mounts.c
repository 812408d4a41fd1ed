/* mounts.c - the mounts of config.json, each onto its resolved destination.
 * See mounts.h. */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "runtime/mount_cgroup.h"
#include "runtime/config.h"
#include "runtime/mount_idmap.h"
#include "runtime/mountfd.h"
#include "runtime/pathat.h"
#include "runtime/rootfs.h"
#include "util/err.h"
#include "util/xalloc.h"

/* --- small pure helpers --- */

static bool is_type(const struct rt_mount *m, const char *type) {
  return m->type && strcmp(m->type, type) == 0;
}

static bool is_bind(const struct rt_mount *m) { return (m->flags & MS_BIND) != 0; }

char *mounts_describe(const struct rt_mount *m) {
  const char *what = is_bind(m) ? (m->source ? m->source : "(no source)")
                                : (m->type ? m->type : "(no type)");
  return xasprintf("mounting %s on %s", what, m->destination);
}

/* The next component of a path, skipping "" and "."; NULL at the end. */
static const char *next_component(const char *p, size_t *len) {
  for (;;) {
    while (*p == '/')
      p++;
    if (*p == '\0')
      return NULL;
    *len = strcspn(p, "/");
    if (!(*len == 1 && p[0] == '.'))
      return p;
    p += *len;
  }
}

bool mounts_same_path(const char *path, const char *want) {
  size_t la = 0, lb = 0;
  const char *a = next_component(path, &la), *b = next_component(want, &lb);
  while (a && b) {
    if (la != lb || strncmp(a, b, la) != 0)
      return false;
    a = next_component(a + la, &la);
    b = next_component(b + lb, &lb);
  }
  return a == NULL && b == NULL;
}

bool mounts_is_dev_bind(const struct rt_mount *m) {
  return is_bind(m) && mounts_same_path(m->destination, "/dev");
}

bool mounts_sysfs_needs_bind(const struct rootfs_ctx *ctx) {
  return ctx->in_new_userns && !ctx->config->ns[RT_NS_NET].present;
}

/* The host path a kernel-refused filesystem is bound from in a user namespace. */
static const char *userns_fallback_source(const struct rt_mount *m) {
  if (is_type(m, "sysfs"))
    return "/sys";
  if (is_type(m, "mqueue"))
    return "/dev/mqueue";
  return NULL;
}

/* --- binds --- */

/* MS_* flags of the source that a user namespace locks (0 outside one). */
static int source_locked_flags(const struct rootfs_ctx *ctx, const struct rt_mount *m,
                               unsigned long *locked, const char *msg, tote_err **err) {
  *locked = 0;
  if (!ctx->in_new_userns)
    return 0;
  struct statvfs sv;
  if (statvfs(m->source, &sv) < 0)
    return err_sys(err, "%s: reading the source's mount flags", msg);
  *locked = mountfd_ms_from_statvfs(sv.f_flag);
  return 0;
}

static void bind_attr(const struct rt_mount *m, unsigned long locked, struct mount_attr *a) {
  mountfd_attr_from_ms(m->flags & MOUNTFD_MS_PER_MOUNT, m->clear & MOUNTFD_MS_PER_MOUNT, locked,
                       a);
}

static void rec_attr(const struct rt_mount *m, struct mount_attr *a) {
  mountfd_rec_attr(m->rec_attr_set, m->rec_attr_clr, m->rro, a);
}

/* rro, rnosuid...: after the mount is made, to all of it. */
static int apply_rec_attr(int mnt, const struct rt_mount *m, const char *msg, tote_err **err) {
  struct mount_attr rec;
  rec_attr(m, &rec);
  return mountfd_setattr(mnt, true, &rec, msg, err);
}

/* A user namespace fd for an idmap mount: its own maps, else the container's. */
static int idmap_userns(const struct rt_config *c, const struct rt_mount *m, const char *msg,
                        tote_err **err) {
  const struct rt_idmap *u = m->uid_mappings, *g = m->gid_mappings;
  size_t nu = m->n_uid_mappings, ng = m->n_gid_mappings;
  if (nu == 0 && ng == 0 && c->ns[RT_NS_USER].present) {
    u = c->uid_mappings, nu = c->n_uid_mappings;
    g = c->gid_mappings, ng = c->n_gid_mappings;
  }
  if (nu == 0 || ng == 0)
    return err_set(err, 0,
                   "%s: option %s needs uidMappings and gidMappings, or a user namespace", msg,
                   m->idmap_recursive ? "ridmap" : "idmap");
  int fd = mount_idmap_userns_fd(u, nu, g, ng, err);
  if (fd < 0)
    return err_wrap(err, "%s: option %s", msg, m->idmap_recursive ? "ridmap" : "idmap");
  return fd;
}

int mounts_open_bind_tree(const struct rt_config *c, const struct rt_mount *m,
                          unsigned long locked, const char *msg, tote_err **err) {
  if (m->source == NULL)
    return err_set(err, 0, "%s: a bind mount needs a source", msg);
  _cleanup_close_ int userns = -1;
  if (m->idmap && (userns = idmap_userns(c, m, msg, err)) < 0)
    return -1;
  struct mount_attr attr, rec;
  bind_attr(m, locked, &attr);
  rec_attr(m, &rec);
  struct mountfd_tree_opts o = {
      .recursive = (m->flags & MS_REC) != 0,
      .attr = &attr,
      .rec_attr = &rec,
      .userns_fd = userns,
      .idmap_recursive = m->idmap_recursive,
  };
  return mountfd_open_tree(AT_FDCWD, m->source, &o, msg, err);
}

/* Create the mount point: a directory for a directory, else an empty file
 * (an existing directory is refused: a file cannot be bound onto it). */
static int bind_target(int rootfd, const struct rt_mount *m, bool src_is_dir, const char *msg,
                       tote_err **err) {
  _cleanup_close_ int fd = src_is_dir ? pathat_mkdir_all(rootfd, m->destination, 0755)
                                      : pathat_mkfile(rootfd, m->destination, 0644);
  if (fd < 0)
    return err_sys(err, "%s: creating the mount point", msg);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_sys(err, "%s: the mount point", msg);
  if (!src_is_dir && S_ISDIR(st.st_mode))
    return err_set(err, 0, "%s: the source is a file and the mount point a directory", msg);
  return steal_fd(&fd);
}

static int source_is_dir(const struct rt_mount *m, int pre_fd, bool *is_dir, const char *msg,
                         tote_err **err) {
  struct stat st;
  if (pre_fd >= 0 && fstat(pre_fd, &st) < 0)
    return err_sys(err, "%s: the source", msg);
  if (pre_fd < 0 && stat(m->source, &st) < 0)
    return err_sys(err, "%s", msg);
  *is_dir = S_ISDIR(st.st_mode);
  return 0;
}

/* The mount itself; returns an fd of the new mount. */
static int bind_attach(const struct rootfs_ctx *ctx, const struct rt_mount *m, int pre_fd,
                       const struct mountfd_target *t, const char *msg, tote_err **err) {
  if (pre_fd >= 0)
    return mountfd_attach(pre_fd, t, msg, err);
  unsigned long locked;
  if (source_locked_flags(ctx, m, &locked, msg, err) < 0)
    return -1;
  if (m->idmap && ctx->in_new_userns)
    return err_set(err, 0,
                   "%s: option %s: in a user namespace the mount must be prepared by the "
                   "runtime's parent (rootfs_open_mount_source)",
                   msg, m->idmap_recursive ? "ridmap" : "idmap");
  if (m->idmap) {
    _cleanup_close_ int tree = mounts_open_bind_tree(ctx->config, m, locked, msg, err);
    if (tree < 0)
      return -1;
    return mountfd_attach(tree, t, msg, err);
  }
  struct mount_attr attr, rec;
  bind_attr(m, locked, &attr);
  rec_attr(m, &rec);
  return mountfd_bind(AT_FDCWD, m->source, (m->flags & MS_REC) != 0, &attr, &rec, t, msg, err);
}

static int do_bind(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m, int pre_fd,
                   const char *msg, tote_err **err) {
  if (m->source == NULL && pre_fd < 0)
    return err_set(err, 0, "%s: a bind mount needs a source", msg);
  bool is_dir = false;
  if (source_is_dir(m, pre_fd, &is_dir, msg, err) < 0)
    return -1;
  _cleanup_close_ int target = bind_target(rootfd, m, is_dir, msg, err);
  if (target < 0)
    return -1;
  struct mountfd_target t = {.rootfd = rootfd, .path = m->destination, .fd = target};
  _cleanup_close_ int mnt = bind_attach(ctx, m, pre_fd, &t, msg, err);
  if (mnt < 0)
    return -1;
  return mountfd_propagate(mnt, m->propagation, msg, err);
}

/* sysfs or mqueue refused in a user namespace: an rbind of the host's. */
static int do_userns_fallback(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                              const char *msg, tote_err **err) {
  struct rt_mount b = *m;
  b.source = (char *)userns_fallback_source(m);
  b.flags |= MS_BIND | MS_REC;
  return do_bind(ctx, rootfd, &b, -1, msg, err);
}

/* --- new filesystems --- */

static int do_new(int rootfd, const struct rt_mount *m, const char *msg, tote_err **err) {
  _cleanup_close_ int target = pathat_mkdir_all(rootfd, m->destination, 0755);
  if (target < 0)
    return err_sys(err, "%s: creating the mount point", msg);
  struct mountfd_target t = {.rootfd = rootfd, .path = m->destination, .fd = target};
  _cleanup_close_ int mnt = mountfd_new(m->source, m->type, m->flags, m->data, &t, msg, err);
  if (mnt < 0 || apply_rec_attr(mnt, m, msg, err) < 0)
    return -1;
  return mountfd_propagate(mnt, m->propagation, msg, err);
}

/* "remount": change what is already mounted at the destination.  With
 * "bind" only the per-mount flags change (and the locked ones stay); without,
 * the filesystem is remounted with mount(2)'s flags and data. */
static int do_remount(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                      const char *msg, tote_err **err) {
  _cleanup_close_ int fd = pathat_open(rootfd, m->destination, O_PATH);
  if (fd < 0)
    return err_sys(err, "%s: resolving the mount point", msg);
  _cleanup_close_ int mnt = -1;
  if (is_bind(m)) {
    unsigned long locked = 0;
    struct statvfs sv;
    if (ctx->in_new_userns && fstatvfs(fd, &sv) == 0)
      locked = mountfd_ms_from_statvfs(sv.f_flag);
    struct mount_attr attr;
    bind_attr(m, locked, &attr);
    if (mountfd_setattr(fd, false, &attr, msg, err) < 0)
      return -1;
    mnt = steal_fd(&fd);
  } else {
    struct mountfd_target t = {.rootfd = rootfd, .path = m->destination, .fd = fd};
    if ((mnt = mountfd_new(m->source, m->type, m->flags, m->data, &t, msg, err)) < 0)
      return -1;
  }
  if (apply_rec_attr(mnt, m, msg, err) < 0)
    return -1;
  return mountfd_propagate(mnt, m->propagation, msg, err);
}

static int do_new_or_fallback(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                              const char *msg, tote_err **err) {
  if (do_new(rootfd, m, msg, err) == 0)
    return 0;
  if (!ctx->in_new_userns || userns_fallback_source(m) == NULL || (*err)->errnum != EPERM)
    return -1;
  err_free(err);
  return do_userns_fallback(ctx, rootfd, m, msg, err);
}

int mounts_do(const struct rootfs_ctx *ctx, int rootfd, size_t index, tote_err **err) {
  const struct rt_mount *m = &ctx->config->mounts[index];
  int pre_fd = ctx->mount_fds ? ctx->mount_fds[index] : -1;
  _cleanup_free_ char *msg = mounts_describe(m);
  if (m->destination == NULL || *m->destination == '\0')
    return err_set(err, 0, "%s: empty destination", msg);
  if (m->flags & MS_REMOUNT)
    return do_remount(ctx, rootfd, m, msg, err);
  if (is_bind(m) || pre_fd >= 0)
    return do_bind(ctx, rootfd, m, pre_fd, msg, err);
  if (m->idmap)
    return err_set(err, 0, "%s: option %s is only supported on bind mounts", msg,
                   m->idmap_recursive ? "ridmap" : "idmap");
  if (m->type == NULL)
    return err_set(err, 0, "%s: no type, and not a bind mount", msg);
  if ((is_type(m, "cgroup") || is_type(m, "cgroup2")) && ctx->await_cgroup &&
      ctx->await_cgroup(ctx->await_arg, err) < 0)
    return -1;
  if (is_type(m, "cgroup"))
    return mount_cgroup(ctx, rootfd, m, err);
  if (is_type(m, "sysfs") && mounts_sysfs_needs_bind(ctx))
    return do_userns_fallback(ctx, rootfd, m, msg, err);
  return do_new_or_fallback(ctx, rootfd, m, msg, err);
}
