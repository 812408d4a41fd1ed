/* mountfd.h - mounting onto file descriptors, never onto path strings.
 *
 * The target of every mount is an O_PATH fd that pathat.h resolved inside
 * the rootfs.  With the new mount API (Linux 5.12: open_tree, move_mount,
 * mount_setattr, fsopen) a bind is cloned into a detached tree, given its
 * flags while nobody can see it, and attached onto the fd.  Without it (or
 * with mountfd_force_legacy) the same is done with mount(2) onto
 * "/proc/self/fd/N" after checking that /proc is procfs, and the flags with
 * a bind remount.  New filesystems always go through mount(2) onto
 * "/proc/self/fd/N": the OCI spec defines a mount's options as mount(2)'s
 * flags and data string, and only mount(2) parses that string exactly as the
 * spec means (fsconfig would need it split per key, which some filesystems
 * parse differently).
 *
 * Each call names its failure as "<ctx>: <what>: <errno text>" (or just
 * "<ctx>: <errno text>" for the main step), ctx being e.g. "mounting tmpfs on
 * /tmp". */
#ifndef TOTE_RUNTIME_MOUNTFD_H
#define TOTE_RUNTIME_MOUNTFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>

struct tote_err;

/* Tests set this to take the path of a kernel without mount_setattr. */
extern bool mountfd_force_legacy;
/* mount_setattr(2) and friends are there (and not forced off). */
bool mountfd_have_new_api(void);

/* The MS_* flags that are per mount (what mount_setattr and statvfs know). */
#define MOUNTFD_MS_ATIME (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define MOUNTFD_MS_PER_MOUNT                                                                     \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | MS_NOSYMFOLLOW |              \
   MOUNTFD_MS_ATIME)

/* Where a mount goes: fd is the resolved mount point; rootfd and path (the
 * same resolution) let the mount(2) paths find the new mount on top of it. */
struct mountfd_target {
  int rootfd;
  const char *path;
  int fd;
};

/* --- pure translations (unit-tested) --- */

/* MS_* to set and to clear -> mount_setattr's attr_set/attr_clr.  `locked`
 * holds MS_* flags set on the source that must stay (a mount copied into a
 * less privileged user namespace): never cleared, and its atime mode is only
 * changed when an atime flag is set explicitly. */
void mountfd_attr_from_ms(unsigned long set, unsigned long clear, unsigned long locked,
                          struct mount_attr *out);
/* statvfs f_flag (ST_*) -> MS_* per-mount flags (MS_STRICTATIME when neither
 * noatime nor relatime). */
unsigned long mountfd_ms_from_statvfs(unsigned long f_flag);
/* The MS_* per-mount flags that result from applying attr to flags `cur`. */
unsigned long mountfd_ms_apply(unsigned long cur, const struct mount_attr *attr);
/* The recursive attributes of a mount (rec_attr_set/rec_attr_clr of config.h,
 * rro) as mount_setattr wants them: an atime mode comes with the whole atime
 * field cleared, and clearing an atime flag ("ratime") means relatime. */
void mountfd_rec_attr(uint64_t set, uint64_t clr, bool rro, struct mount_attr *out);

/* --- operations: each returns an fd (or 0) and -1 with *err filled --- */

/* A detached copy of the tree at dirfd/path (path "" = dirfd itself), with
 * attr applied to its top mount, rec_attr to all of it (rro, rnosuid...),
 * and an idmap (userns_fd >= 0, recursively when idmap_recursive).  New API
 * only. */
struct mountfd_tree_opts {
  bool recursive;
  const struct mount_attr *attr;     /* may be NULL */
  const struct mount_attr *rec_attr; /* may be NULL */
  int userns_fd;                     /* -1: no idmap */
  bool idmap_recursive;
};
int mountfd_open_tree(int dirfd, const char *path, const struct mountfd_tree_opts *o,
                      const char *ctx, struct tote_err **err);
/* Attach a detached tree onto the target; returns an fd of the new mount. */
int mountfd_attach(int tree, const struct mountfd_target *t, const char *ctx,
                   struct tote_err **err);
/* Bind dirfd/path onto the target (dirfd AT_FDCWD with a path, or an fd
 * with path ""), with attr on the top mount and rec_attr (may be NULL) on all
 * of it. */
int mountfd_bind(int dirfd, const char *path, bool recursive, const struct mount_attr *attr,
                 const struct mount_attr *rec_attr, const struct mountfd_target *t,
                 const char *ctx, struct tote_err **err);
/* A new filesystem with mount(2)'s flags and data; returns an fd of it. */
int mountfd_new(const char *source, const char *fstype, unsigned long flags, const char *data,
                const struct mountfd_target *t, const char *ctx, struct tote_err **err);
/* An empty read-only tmpfs (masking a directory). */
int mountfd_tmpfs_ro(const struct mountfd_target *t, const char *ctx, struct tote_err **err);
/* Change the per-mount flags of the mount whose root mfd is. */
int mountfd_setattr(int mfd, bool recursive, const struct mount_attr *attr, const char *ctx,
                    struct tote_err **err);
/* MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE, | MS_REC for the whole tree. */
int mountfd_propagate(int mfd, unsigned long propagation, const char *ctx,
                      struct tote_err **err);

#endif
