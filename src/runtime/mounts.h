/* mounts.h - one entry of config.json "mounts", made inside the rootfs.
 *
 * A bind ("bind"/"rbind") is cloned from its source with its flags, rro and
 * idmap set before it is attached; any other type is a new filesystem made
 * with mount(2)'s flags and data ("cgroup" is mount_cgroup.h's).  The
 * propagation options are applied once the mount is in place.  In a new user
 * namespace sysfs (without a net namespace) and mqueue (when the kernel
 * refuses) become rbinds of the host's /sys and /dev/mqueue, as with runc. */
#ifndef TOTE_RUNTIME_MOUNTS_H
#define TOTE_RUNTIME_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

struct rootfs_ctx;
struct rt_config;
struct rt_mount;
struct mount_attr;
struct tote_err;

/* Make ctx->config->mounts[index] inside the rootfs whose (topmost) root
 * rootfd is.  Errors read "mounting <type or source> on <destination>: ...". */
int mounts_do(const struct rootfs_ctx *ctx, int rootfd, size_t index, struct tote_err **err);

/* A detached tree for bind mount m, ready to attach (see
 * rootfs_open_mount_source).  `locked`: MS_* flags of the source that must
 * stay (0 outside a user namespace).  ctx_msg names the mount in errors. */
int mounts_open_bind_tree(const struct rt_config *c, const struct rt_mount *m,
                          unsigned long locked, const char *ctx_msg, struct tote_err **err);

/* "mounting tmpfs on /tmp" (the prefix of a mount's errors); free it. */
char *mounts_describe(const struct rt_mount *m);
/* Is m a bind mount of "/dev" (then the devices come from the host's)? */
bool mounts_is_dev_bind(const struct rt_mount *m);
/* In a new user namespace without a net namespace sysfs cannot be mounted. */
bool mounts_sysfs_needs_bind(const struct rootfs_ctx *ctx);
/* Is path (absolute or relative to "/") the same as want, modulo slashes and "."? */
bool mounts_same_path(const char *path, const char *want);

#endif
